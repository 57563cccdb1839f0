"""The embedded MongoDB-wire-protocol server, run as its own process.

With no ``MONGODB_URI`` the product keeps its data in a local folder served by ``secantusd-py`` (the
``secantusdb`` package, GPL-2.0: we start its daemon as a separate process and never import it). A
second start against the same folder finds the running server through its pid file, or fails with a clear
message; two servers never open one data folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from segcore.errors import SegmentError

DAEMON = "secantusd-py"
STATE_FILE = "segments-server.json"


class EmbeddedServerError(SegmentError):
    """The embedded database could not be started or reached."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _daemon_path() -> str:
    beside = Path(sys.executable).with_name(DAEMON)
    if beside.exists():
        return str(beside)
    found = shutil.which(DAEMON)
    if not found:
        raise EmbeddedServerError(
            f"The embedded database ({DAEMON}, from the secantusdb package) is not installed. "
            "Install the project with pip, or set MONGODB_URI to use your own MongoDB."
        )
    return found


def _answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class EmbeddedServer:
    """One ``secantusd-py`` process serving ``data_dir`` on ``host:port``."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    test_commands: bool = False
    process: subprocess.Popen[bytes] | None = None
    pid: int | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true&serverSelectionTimeoutMS=5000"

    @property
    def owned(self) -> bool:
        """True when this object started the process (and so stops it)."""
        return self.process is not None

    def start(self, timeout: float = 30.0) -> EmbeddedServer:
        memory = str(self.data_dir) == ":memory:"
        state_path = None if memory else self.data_dir / STATE_FILE
        if state_path is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            running = self._find_running(state_path)
            if running:
                return self
        if not self.port:
            self.port = free_port(self.host)
        elif _answers(self.host, self.port):
            raise EmbeddedServerError(
                f"Port {self.port} on {self.host} is already in use by another program; "
                "choose another port or stop that program."
            )
        args = [
            _daemon_path(),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            str(self.data_dir),
            "--log-level",
            "WARNING",
        ]
        if self.test_commands:
            args.append("--enable-test-commands")
        log_path = os.devnull if memory else str(self.data_dir / "server.log")
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.pid = self.process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"The embedded database exited at start-up (code {self.process.returncode}); "
                    f"see {log_path}."
                )
            if _answers(self.host, self.port):
                if state_path is not None:
                    state_path.write_text(json.dumps({"pid": self.pid, "host": self.host, "port": self.port}))
                return self
            time.sleep(0.1)
        self.stop()
        raise EmbeddedServerError(f"The embedded database did not answer within {timeout:.0f} s.")

    def _find_running(self, state_path: Path) -> bool:
        try:
            state = json.loads(state_path.read_text())
            pid, host, port = int(state["pid"]), str(state["host"]), int(state["port"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if not _pid_alive(pid):
            state_path.unlink(missing_ok=True)
            return False
        if _answers(host, port, timeout=2.0):
            self.host, self.port, self.pid = host, port, pid
            return True
        raise EmbeddedServerError(
            f"Another embedded database (pid {pid}) holds {self.data_dir} but does not answer on "
            f"{host}:{port}. Stop it (kill {pid}) before starting again; the data folder was not touched."
        )

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self.pid is not None and _pid_alive(self.pid)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then wait: the daemon closes WiredTiger cleanly in about 2 s."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if str(self.data_dir) != ":memory:":
            with contextlib.suppress(OSError):
                state_path = self.data_dir / STATE_FILE
                if state_path.exists() and json.loads(state_path.read_text()).get("pid") == self.pid:
                    state_path.unlink()
        self.process = None
