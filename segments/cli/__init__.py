"""The `segments` command. Each subcommand lives in its own module with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from segcore.errors import SegmentError
from segments.cli import (
    campaign_cmd,
    data_cmd,
    demo_cmd,
    diff_cmd,
    indexes_cmd,
    parse_cmd,
    serve_cmd,
    source_cmd,
    token_cmd,
    whatif_cmd,
    why_cmd,
    workspace_cmd,
)

COMMAND_MODULES = [parse_cmd, data_cmd, serve_cmd, campaign_cmd, token_cmd, workspace_cmd, source_cmd, demo_cmd,
                   indexes_cmd, whatif_cmd, why_cmd, diff_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segments", description="Audience segments from plain language: parse, size, serve."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SegmentError as exc:
        print(f"segments: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
