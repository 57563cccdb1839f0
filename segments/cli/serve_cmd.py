"""`segments serve`: the Slack endpoint (or Socket Mode), the admin page, the JSON API and the scheduler."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from segments.config import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the Slack app, the admin page and the scheduler in one process")
    p.add_argument("--port", type=int, help="port to listen on (default: PORT, or 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from segments.serve import serve  # Flask, Bolt and the scheduler load only when serving

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(Settings.from_env(), port=args.port, host=args.host)
    return 0
