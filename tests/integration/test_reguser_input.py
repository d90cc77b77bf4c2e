"""dbCreateRegUser input handling on SQLite: a terminal (prompt, progress bar), password files, bad input.

Bad input is one ``Error:`` line (one per problem, then a summary, for a file), a non-zero exit,
and nothing written. Each case is the real CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import manage_env, run_manage
from support.databases import ROOT, Database
from support.users import CHEAP_HASH, seed, upgraded, users, write_csv

KNOWN = "known: email, first_name, last_name, roles, active, password, password_hash"
ARGV_REFUSED = (
    "Error: a password on the command line is visible to every user of this machine (ps, shell "
    "history): use --password-stdin, REGUSER_PASSWORD_FILE or the prompt"
)


def on_terminal(*args: str, url: str, answers: list[tuple[bytes, bytes]]) -> tuple[int, str]:
    """Run dbCreateRegUser on a pseudo-terminal, answering each awaited prompt; (exit, everything shown)."""
    controller, terminal = pty.openpty()
    env = manage_env(**CHEAP_HASH, DATABASE_URL=url)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "dbCreateRegUser", *args],
        cwd=ROOT,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 60
    pending = list(answers)
    try:
        while time.monotonic() < deadline:
            if pending and shown.endswith(pending[0][0]):
                os.write(controller, pending.pop(0)[1] + b"\n")
            ready, _, _ = select.select([controller], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        code = process.wait(timeout=30)
    finally:
        os.close(controller)
    return code, shown.decode().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database file at head, made once for this module."""
    path = tmp_path_factory.mktemp("template") / "head.db"
    upgraded(f"sqlite:///{path}")
    return path


@pytest.fixture
def url(at_head: Path, tmp_path: Path) -> str:
    """A fresh copy of the database at head (a file copy costs nothing; `db upgrade` ~1 s)."""
    copy = tmp_path / "app.db"
    shutil.copyfile(at_head, copy)
    return f"sqlite:///{copy}"


def test_prompt_asks_twice_on_a_terminal_and_never_shows_the_password(url: str) -> None:
    answers = [(b"Password: ", b"Prompted-pass-1"), (b"Repeat for confirmation: ", b"Prompted-pass-1")]
    code, shown = on_terminal("--email", "tty@example.com", url=url, answers=answers)
    assert (code, shown) == (
        0,
        "Password: \nRepeat for confirmation: \ncreated user tty@example.com\n",
    )
    assert users(url) == [("tty@example.com", "tty", None, True, "")]


def test_password_stdin_refused_on_a_terminal_where_it_would_echo(url: str) -> None:
    code, shown = on_terminal("--email", "tty@example.com", "--password-stdin", url=url, answers=[])
    assert (code, shown) == (
        2,
        "Error: --password-stdin reads a pipe, and standard input is a terminal (the password would "
        "echo): drop --password-stdin to be prompted\n",
    )
    assert users(url) == []


def test_progress_bar_only_on_a_terminal(url: str, tmp_path: Path) -> None:
    rows = [[f"u{n}@example.com", "U", "", "", f"Seeded-river-{n}"] for n in range(20)]
    code, shown = on_terminal("--from-file", str(write_csv(tmp_path / "u.csv", rows)), url=url, answers=[])
    assert code == 0, shown
    assert "hashing passwords" in shown and "100%" in shown
    assert shown.splitlines()[-1] == "created 20, updated 0, unchanged 0, rejected 0"
    piped = seed("--from-file", str(tmp_path / "u.csv"), "--update", url=url)
    assert (piped.returncode, piped.stdout) == (0, "created 0, updated 0, unchanged 20, rejected 0\n")


def test_password_from_reguser_password_file(url: str, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("Paper-trail-88\n", encoding="utf-8")
    made = seed("--email", "file@example.com", url=url, REGUSER_PASSWORD_FILE=str(secret))
    assert (made.returncode, made.stdout, made.stderr) == (0, "created user file@example.com\n", "")
    assert users(url) == [("file@example.com", "file", None, True, "")]


def _file(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    ("name", "content", "stderr"),
    [
        (
            "latin.csv",
            "email,password\nzoé@example.com,Password-1\n".encode("latin-1"),
            ["Error: latin.csv is not UTF-8 (byte 0xe9 on line 2): save it as UTF-8"],
        ),
        ("empty.csv", b"", ["Error: empty.csv is empty"]),
        ("header.csv", b"email,password\n", ["Error: header.csv has no users"]),
        (
            "phone.csv",
            b"email,phone,password\na@example.com,1,Password-1\n",
            [f"Error: phone.csv line 1: unknown column 'phone' ({KNOWN})"],
        ),
        ("users.txt", b"a@example.com\n", ["Error: users.txt: a users file ends in .csv or .json"]),
        (
            "rows.json",
            json.dumps(
                [
                    {"email": "a@example.com", "password": "Seeded-river-44"},
                    {"email": "b@example.com", "password": "Seeded-river-44", "phone": "1"},
                    "c@example.com",
                    {"email": "d@example.com", "password_hash": "not-a-hash"},
                    {"email": "e@example.com"},
                ],
                indent=1,
            ).encode(),
            [
                f"  rows.json line 6: unknown column 'phone' ({KNOWN})",
                "  rows.json line 11: a row is a JSON object, not str",
                "  rows.json line 12: password_hash is not a hash Flask-Security accepts (schemes: "
                "bcrypt, argon2, des_crypt, pbkdf2_sha256, pbkdf2_sha512, sha256_crypt, sha512_crypt)",
                "  rows.json line 16: no password for new user e@example.com",
                "Error: rows.json: 4 of 5 rows invalid (lines 6, 11, 12, 16): nothing written",
            ],
        ),
        (
            "broken.json",
            b'[\n {"email": "a@example.com"}\n {"email": "b@example.com"}\n]',
            ["Error: broken.json line 3: invalid JSON: expected ',' or ']'"],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_bad_files(url: str, tmp_path: Path, name: str, content: bytes, stderr: list[str]) -> None:
    result = seed("--from-file", _file(tmp_path, name, content), url=url)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", stderr)
    assert users(url) == []


@pytest.mark.parametrize(
    ("args", "stdin", "env", "stderr"),
    [
        (("--email", "a@example.com", "--password", "Password-1"), None, {}, ARGV_REFUSED),
        (
            ("--email", "a@example.com"),
            "",
            {},
            "Error: no password: pipe it with --password-stdin, name a file in REGUSER_PASSWORD_FILE, "
            "or run on a terminal to be prompted",
        ),
        (
            ("--email", "a@example", "--password-stdin"),
            "Password-1\n",
            {},
            "Error: email 'a@example' rejected: Invalid email address",
        ),
        (
            ("--email", "a@example.com", "--password-stdin"),
            "short\n",
            {},
            "Error: password rejected: Password must be at least 8 characters",
        ),
        (
            ("--from-file", "x.csv", "--email", "a@example.com"),
            None,
            {},
            "Error: --from-file takes users and passwords from the file: drop --email",
        ),
        (
            ("--email", "a@example.com", "--role-description", "admin"),
            None,
            {},
            "Error: --role-description takes NAME=TEXT, not 'admin'",
        ),
        (
            ("--email", "a@example.com", "--password-stdin"),
            "Password-1\n",
            {"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": '{"argon2__memory": 8}'},
            "Error: SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS: "
            "keyword not supported by argon2 handler: 'memory'",
        ),
        (
            ("--email", "a@example.com", "--unlock"),
            None,
            {},
            "Error: --unlock changes an existing user: add --update",
        ),
        (
            ("--from-file", "x.csv", "--unlock", "--update"),
            None,
            {},
            "Error: --from-file takes users and passwords from the file: drop --unlock",
        ),
    ],
    ids=[
        "argv",
        "no-password",
        "email",
        "short",
        "file-and-email",
        "description",
        "hash-options",
        "unlock-without-update",
        "unlock-with-file",
    ],
)
def test_bad_arguments(
    url: str, args: tuple[str, ...], stdin: str | None, env: dict[str, str], stderr: str
) -> None:
    result = seed(*args, url=url, input=stdin, **env)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", stderr + "\n")
    assert users(url) == []


def test_missing_schema_says_run_db_upgrade(tmp_path: Path) -> None:
    result = seed(
        "--email",
        "a@example.com",
        "--password-stdin",
        url=f"sqlite:///{tmp_path / 'new.db'}",
        input="Password-1\n",
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "Error: the user tables do not exist: run `python manage.py db upgrade` first\n",
    )
    assert Database("sqlite", f"sqlite:///{tmp_path / 'new.db'}").tables() == set()


def test_a_database_behind_the_code_says_run_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    assert run_manage("db", "upgrade", "0003", database_url=url).returncode == 0
    result = seed("--email", "a@example.com", "--password-stdin", url=url, input="Granite-harbour-83\n")
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "Error: the database is behind the application (auth_user.failed_logins, "
        "auth_user.last_failed_login_at, app_setting missing): run `python manage.py db upgrade` first\n",
    )
