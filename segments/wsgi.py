"""The WSGI entry point for gunicorn (render.yaml): `gunicorn segments.wsgi:app`.

Each worker builds the whole product once at import. With several workers the scheduler's leases make
every job run once, and with no MONGODB_URI the workers share one embedded database server.
"""

from __future__ import annotations

import atexit
import logging

from segments.config import Settings
from segments.serve import start

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

_running = start(Settings.from_env())
atexit.register(_running.stop)
app = _running.web
