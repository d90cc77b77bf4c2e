"""Requests per second of /healthz and the login page under waitress, against a minimal Flask-Security app.

The reference (bench/reference_security.py) is a minimal Flask-Security-Too app with the same
models, settings and login page, and a /healthz that reads alembic_version once per request,
served by the same waitress settings in the same run: the ratio is the cost of our own code per
request, not of Flask-Security. Both servers run in their own process on loopback; a threaded
http.client client with keep-alive sends a bounded number of requests, alternating round by round.

    python bench/web.py [--requests 1500] [--clients 4] [--threads 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/healthz", "/login")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def serve(kind: str, port: int, threads: int) -> None:
    """Child process: serve our app (production settings) or the reference one with waitress."""
    import logging

    import waitress

    # "Task queue depth is N" is the point of a load test, not news
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    sys.path.insert(0, str(ROOT))
    if kind == "ours":
        from webapp import create_app
        from webapp.production import prepare

        app = create_app()
        prepare(app, allow_not_at_head=False)
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from reference_security import create_reference_app

        app = create_reference_app()
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="bench", _quiet=True)


def start(kind: str, threads: int, env: dict[str, str]) -> tuple[Any, int]:
    """Start a server process and wait until it answers."""
    port = _free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--threads", str(threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(port, "/healthz")
            return process, port
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"the {kind} server exited with {process.returncode}") from None
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the {kind} server did not answer in 30 s")


def requests_per_second(port: int, path: str, requests: int, clients: int) -> float:
    """Send ``requests`` GETs from ``clients`` keep-alive connections; the rate they were answered."""
    per_client = requests // clients
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for _ in range(per_client):
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status not in (200,):
                    failures.append(f"{path}: {response.status}")
                    return
        finally:
            connection.close()

    workers = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"unexpected answer {failures[0]}")
    return per_client * clients / elapsed


def measure(requests: int, clients: int, threads: int, rounds: int) -> list[dict[str, Any]]:
    """Both servers, each path, alternating rounds; medians and the ratio ours / reference."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "ORACLE_"))}
        env.update(
            DATABASE_URL=f"sqlite:///{Path(scratch) / 'bench.db'}",
            SECRET_KEY=secrets.token_urlsafe(48),
            SECURITY_PASSWORD_SALT=secrets.token_urlsafe(48),
        )
        upgraded = subprocess.run(
            [sys.executable, "manage.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if upgraded.returncode != 0:
            raise SystemExit(upgraded.stderr)
        env["BENCH_INSTANCE"] = scratch
        ours, ours_port = start("ours", threads, env)
        try:
            answers = {path: _get(ours_port, path) for path in PATHS}
            reference, reference_port = start("reference", threads, env)
            try:
                rates: dict[tuple[str, str], list[float]] = {}
                for path in PATHS:
                    for port in (ours_port, reference_port):  # warm-up: imports, pools, caches
                        requests_per_second(port, path, min(200, requests), clients)
                for _ in range(rounds):
                    for path in PATHS:
                        for kind, port in (("ours", ours_port), ("reference", reference_port)):
                            rate = requests_per_second(port, path, requests, clients)
                            rates.setdefault((kind, path), []).append(rate)
            finally:
                reference.terminate()
                reference.wait(10)
        finally:
            ours.terminate()
            ours.wait(10)
    rows = []
    for path in PATHS:
        ours_rate = statistics.median(rates[("ours", path)])
        reference_rate = statistics.median(rates[("reference", path)])
        rows.append(
            {
                "path": path,
                "bytes": len(answers[path][2]),
                "ours_rps": round(ours_rate),
                "reference_rps": round(reference_rate),
                "ratio": round(ours_rate / reference_rate, 3),
            }
        )
    return rows


def main() -> int:
    """Parse options; serve (child) or measure and print the table (parent)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1500, help="requests per path, server and round")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads of both servers")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is kept")
    parser.add_argument("--serve", choices=("ours", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.threads)
        return 0
    requests = max(args.clients, min(args.requests, 20000))  # bounded: loopback only, and short
    rows = measure(requests, args.clients, args.threads, max(1, args.rounds))
    print(
        f"waitress, {args.threads} threads; {args.clients} keep-alive clients; "
        f"{requests} requests per path, server and round; median of {args.rounds} rounds"
    )
    print("| path | bytes | ours req/s | Flask-Security reference req/s | ratio ours/reference |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        rates = f"{row['ours_rps']} | {row['reference_rps']}"
        print(f"| {row['path']} | {row['bytes']} | {rates} | {row['ratio']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
