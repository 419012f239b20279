"""A throwaway PostgreSQL server for tests: initdb in a temp dir, loopback, a free port.

Why a real server: the store's PostgreSQL path (psycopg 3, tsvector search, DDL in
migrations) can only be trusted against PostgreSQL itself. Debian's ``postgresql``
package puts the binaries in ``/usr/lib/postgresql/<major>/bin``; ``initdb`` refuses
to run as root, so as root every server command runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PgServer:
    root: Path
    bin: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        """A fresh database on this server; returns its URL."""
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                  "-v", "ON_ERROR_STOP=1", "-q", "-c", f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*self.as_user, str(self.bin / tool), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=60)


def find_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> PgServer | str:
    """Start a server, or return the reason it could not be started."""
    pg_bin = find_bin()
    if pg_bin is None:
        return "no PostgreSQL server binaries (install Debian's postgresql package)"
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="crosscheck-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
    os.chmod(root, 0o700)
    server = PgServer(root, pg_bin, free_port(), as_user)
    try:
        server._run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C.UTF-8")
        server._run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "server.log"), "-w", "-t", "30",
                    "-o", f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} -c fsync=off", "start")
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        shutil.rmtree(root, ignore_errors=True)
        return f"could not start PostgreSQL: {detail.strip().splitlines()[-1] if detail.strip() else exc}"
    return server


if __name__ == "__main__":  # a dev server: python tests/postgres_server.py
    s = start()
    print(s if isinstance(s, str) else s.url)
