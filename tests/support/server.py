"""A real server process: ``runserver --production`` (waitress) in a subprocess, and plain HTTP to it."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time

import pytest

from support.cli import manage_env
from support.databases import ROOT


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(port: int, path: str) -> tuple[int, bytes]:
    """GET ``path`` from the server on ``port``: status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start_production(
    url: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], int]:
    """``runserver --production`` on a free loopback port (``env`` on top of the tests'), once it answers."""
    port = free_port()
    environment = manage_env(DATABASE_URL=url, **(env or {}))
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", "--production", "--port", str(port), *extra],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            out, err = server.communicate()
            pytest.fail(f"runserver exited {server.returncode}: {out}{err}")
        try:
            get(port, "/healthz")
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("runserver --production did not answer within 30 s")


def stop(server: subprocess.Popen[str]) -> str:
    """Stop the server; what it printed on stdout."""
    server.terminate()
    out, _ = server.communicate(timeout=10)
    return out
