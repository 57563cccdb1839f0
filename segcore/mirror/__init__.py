"""A columnar mirror of ``users`` in DuckDB for exact, instant audience sizes (see docs/mirror.md)."""

from segcore.mirror.mirror import MirrorCount, MirrorSizes, MirrorUnavailable, UserMirror

__all__ = ["MirrorCount", "MirrorSizes", "MirrorUnavailable", "UserMirror"]
