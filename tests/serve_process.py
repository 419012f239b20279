"""``crosscheck serve`` as users start it: a real process on 127.0.0.1 (a free port),
waited for until its API answers. For the tests that need the server's own process
(killed mid-ingest, or started with command-line options)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(db: Path, port: int, cwd: Path, *options: str, token: str = "kill-token") -> subprocess.Popen:
    """The server, once ``/api/v1/storyline`` answers; its stderr is piped (the caller reads it)."""
    httpx = pytest.importorskip("httpx")
    proc = subprocess.Popen([sys.executable, "-m", "crosscheck.cli", "serve", "--db", str(db), "--port", str(port),
                             "--token", token, "-q", *options], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/storyline", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("serve did not start")
