"""Sets of people, by person number, in a few bytes each: how snapshots keep members and condition passes.

Two encodings, and each set takes whichever is smaller (one tag byte says which):

- ``D``: the sorted numbers as differences, each a little-endian base-128 varint, then zlib. Best for
  sparse sets and for numbering with gaps: a difference below 128 is one byte before compression.
- ``B``: a bitmap from the smallest number to the largest, then zlib. Best for dense sets (half of the
  workspace passes "visited in the last 30 days"): one bit a person, which zlib rarely beats.

Measured at 1,000,000 people: a random half of them takes about 125 KB as a bitmap and about 160 KB as
differences; a tenth, about 65 KB as differences and 95 KB as a bitmap; everyone, 161 bytes.

Everything is numpy, vectorised: encoding or decoding a million numbers takes tens of milliseconds.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

Numbers = npt.NDArray[np.int64]
_HEADER = struct.Struct("<cqq")  # tag, how many, smallest
_LEVEL = 6


def numbers(values: object) -> Numbers:
    """Sorted, distinct person numbers as the array type this module works with."""
    return np.unique(np.asarray(values, dtype=np.int64))


def encode(values: Numbers) -> bytes:
    """The smaller of the two encodings of a sorted array of distinct non-negative numbers."""
    if len(values) == 0:
        return _HEADER.pack(b"D", 0, 0)
    first = int(values[0])
    span = int(values[-1]) - first + 1
    options = []
    # Before compression a bitmap takes span/8 bytes and the differences at least one byte a number: at an
    # eighth of the span or denser the bitmap wins (measured), so the differences are not even tried.
    if span > 8 * len(values):
        options.append(_HEADER.pack(b"D", len(values), first) + zlib.compress(_varints(np.diff(values)), _LEVEL))
    if span <= 64 * len(values) + 1024:  # a bitmap far wider than the set is never the smaller
        bits = np.zeros(span, dtype=np.bool_)
        bits[values - first] = True
        options.append(_HEADER.pack(b"B", len(values), first) + zlib.compress(np.packbits(bits).tobytes(), _LEVEL))
    return min(options, key=len)


def decode(data: bytes) -> Numbers:
    tag, count, first = _HEADER.unpack_from(data)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    body = zlib.decompress(data[_HEADER.size :])
    if tag == b"B":
        bits = np.unpackbits(np.frombuffer(body, dtype=np.uint8))
        return np.flatnonzero(bits).astype(np.int64) + first
    if tag != b"D":
        raise ValueError(f"unknown member-set encoding {tag!r}")
    out = np.empty(count, dtype=np.int64)
    out[0] = first
    out[1:] = np.cumsum(_from_varints(body)) + first
    return out


def _varints(values: Numbers) -> bytes:
    if len(values) == 0:
        return b""
    if int(values.max()) < 0x80:  # every difference fits one byte (the usual case): no bit work
        return values.astype(np.uint8).tobytes()
    v = values.astype(np.uint64)
    size = np.ones(len(v), dtype=np.int64)
    for k in range(1, 10):
        size += v >= np.uint64(1 << (7 * k))
    ends = np.cumsum(size)
    starts = ends - size
    out = np.empty(int(ends[-1]), dtype=np.uint8)
    for k in range(int(size.max())):
        here = size > k
        chunk = (v[here] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (size[here] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[here] + k] = (chunk | more).astype(np.uint8)
    return out.tobytes()


def _from_varints(body: bytes) -> Numbers:
    raw = np.frombuffer(body, dtype=np.uint8)
    if len(raw) == 0:
        return np.zeros(0, dtype=np.int64)
    last = (raw & 0x80) == 0
    which = np.concatenate(([0], np.cumsum(last)[:-1]))  # the value each byte belongs to
    starts = np.flatnonzero(np.concatenate(([True], last[:-1])))
    shift = (np.arange(len(raw)) - starts[which]) * 7
    parts = (raw & 0x7F).astype(np.uint64) << shift.astype(np.uint64)
    return np.add.reduceat(parts, starts).astype(np.int64)


__all__ = ["Numbers", "decode", "encode", "numbers"]
