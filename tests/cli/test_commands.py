"""Every command name a Flask-Script user typed still answers, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.cli import run_manage
from support.databases import PROJECT_CHAIN, PROJECT_HEAD


def _ok(*args: str, url: str, input: str | None = None) -> str:
    result = run_manage(*args, database_url=url, input=input)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_read_only_db_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/app.db"
    _ok("db", "upgrade", url=url)
    assert _ok("db", "heads", url=url).strip() == f"{PROJECT_HEAD} (head)"
    history = _ok("db", "history", url=url).splitlines()
    assert history[-3:] == [
        "0002 -> 0003, Index auth_roles_users.role_id: without it Oracle locks the whole link table "
        "while a role is deleted.",
        "0001 -> 0002, Make auth_user.first_name NOT NULL: backfill NULLs, then alter the column in place.",
        "<base> -> 0001, Users and roles: their sequences first, then the tables.",
    ]
    assert history[0].startswith(f"{PROJECT_CHAIN[-1]['down_revision']} -> {PROJECT_HEAD} (head), ")
    assert len(history) == len(PROJECT_CHAIN)
    shown = _ok("db", "show", PROJECT_HEAD, url=url)
    assert f"Rev: {PROJECT_HEAD} (head)" in shown and f"Parent: {PROJECT_CHAIN[-1]['down_revision']}" in shown


def test_stamp_and_downgrade_one_step(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/app.db"
    _ok("db", "upgrade", url=url)
    _ok("db", "downgrade", url=url)
    assert _ok("db", "current", url=url).strip() == PROJECT_CHAIN[-1]["down_revision"]
    _ok("db", "stamp", PROJECT_HEAD, url=url)
    assert _ok("db", "current", url=url).strip() == f"{PROJECT_HEAD} (head)"


def test_init_makes_an_oracle_safe_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/app.db"
    directory = tmp_path / "new_migrations"
    _ok("db", "init", "-d", str(directory), url=url)
    assert sorted(p.name for p in directory.iterdir()) == [
        "README",
        "alembic.ini",
        "env.py",
        "script.py.mako",
        "versions",
    ]
    assert "from oramigrate.environment import run" in (directory / "env.py").read_text()
    made = run_manage("db", "-d", str(directory), "migrate", "-m", "first", database_url=url)
    assert made.returncode == 0, made.stderr
    (script,) = (directory / "versions").glob("*_first.py")
    text = script.read_text()
    # as ruff formats it: the template's post_write_hooks ran
    assert text.index('op.create_sequence("auth_user_id_seq"') < text.index(
        'op.create_table(\n        "auth_user"'
    )
    for check in (["check", "--quiet"], ["format", "--check", "--quiet"]):
        linted = subprocess.run(
            [sys.executable, "-m", "ruff", *check, str(script)], capture_output=True, text=True
        )
        assert (linted.returncode, linted.stdout) == (0, ""), check
    again = run_manage("db", "init", "-d", str(directory), database_url=url)
    assert again.returncode == 1
    assert again.stderr.strip() == f"Error: Directory {directory} already exists and is not empty"


def test_shell_has_the_application(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/app.db"
    out = _ok("shell", url=url, input="from flask import current_app; print('APP', current_app.name)\n")
    assert "APP webapp" in out


def test_runserver_development_serves_on_loopback(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from support.cli import manage_env
    from support.databases import ROOT

    url = f"sqlite:///{tmp_path}/app.db"
    _ok("db", "upgrade", url=url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", "--port", str(port)],
        cwd=ROOT,
        env={**manage_env(), "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "runserver did not answer within 30 s"
                time.sleep(0.3)
    finally:
        import os
        import signal

        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()


def test_runserver_development_refuses_a_public_interface(tmp_path: Path) -> None:
    result = run_manage("runserver", "--host", "0.0.0.0", database_url=f"sqlite:///{tmp_path}/app.db")
    assert result.returncode == 2
    assert "the development server (debugger on) listens on loopback only" in result.stderr
