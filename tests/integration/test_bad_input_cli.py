"""Each bad input of issue 17 through the CLI: exit code, one ``Error:`` line, no traceback, and the
database exactly as it was (row counts, hashes, identity keys, revision).

Every case runs in this process through click's runner (~50 ms); those marked ``process`` also run
as a real ``python manage.py`` (~1 s of start-up each, four side by side), where the environment,
standard input and the exit status are what is tested. Each run gets a copy of one seeded database.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.cli import run_manage_process
from support.inputs import CHEAP_HASH, error_line, invoke, seeded, state

ADMIN_EMAIL = "admin@example.com"
URL_EXPECTED = "expected dialect+driver://user:password@host:port/database"
ENCODE = "URL-encode the password (an '@' in it is written %40)"
GENERATE = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"


@dataclass(frozen=True)
class Case:
    """One bad input: the command, what it is given, and the one line it must answer with."""

    args: tuple[str, ...]
    error: str
    code: int = 2
    url: str | None = None  # None: the seeded copy
    files: dict[str, bytes] = field(default_factory=dict)
    stdin: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    process: bool = False  # also through a real subprocess


def seed(*args: str) -> tuple[str, ...]:
    return ("dbCreateRegUser", *args)


def users_file(name: str) -> tuple[str, ...]:
    return seed("--from-file", f"{{dir}}/{name}")


CSV_HEADER = b"email,first_name,last_name,roles,password\n"
CASES = {
    # URLs (checked before anything connects)
    "empty-postgresql-url": Case(
        ("db", "upgrade"),
        "Error: DATABASE_URL names no host: add @host after the user (postgresql would connect to a "
        "local default)",
        url="postgresql://",
        process=True,
    ),
    "port-not-a-number": Case(
        ("db", "upgrade"),
        f"Error: DATABASE_URL: the port is not a number ({URL_EXPECTED})",
        url="mysql+pymysql://root@127.0.0.1:3306x/app",
    ),
    "mariadb-without-database": Case(
        ("db", "current"),
        "Error: DATABASE_URL names no database: add /NAME after the host (mysql would fall back to a "
        "default)",
        url="mysql+pymysql://root@127.0.0.1:3306",
    ),
    "unencoded-at-in-password": Case(
        ("db", "current"),
        f"Error: DATABASE_URL has more than one '@' before the host: {ENCODE}",
        url="postgresql+psycopg://app:hunter@2@127.0.0.1:5432/app",
    ),
    "sqlite-in-a-missing-folder": Case(
        ("db", "upgrade"),
        "Error: DATABASE_URL: the folder of the SQLite file does not exist: {dir}/missing (create it, "
        "or fix the path)",
        url="sqlite:///{dir}/missing/app.db",
    ),
    "sqlite-with-two-slashes": Case(
        ("db", "upgrade"),
        "Error: DATABASE_URL: an SQLite URL has no host; write sqlite:///relative/path.db or "
        "sqlite:////absolute/path.db (three or four slashes)",
        url="sqlite://app.db",
    ),
    # users files
    "json-nested-100000-deep": Case(
        users_file("deep.json"),
        'Error: deep.json line 1: nested deeper than a users file ([{..., "roles": [...]}])',
        files={"deep.json": b"[" * 100_000 + b"]" * 100_000},
    ),
    "csv-cell-over-131072": Case(
        users_file("wide.csv"),
        "Error: wide.csv line 2: a cell is longer than 1000 characters",
        files={"wide.csv": CSV_HEADER + b"a@example.com," + b"x" * 131_073 + b",,,Seeded-river-44\n"},
    ),
    "nul-byte": Case(
        users_file("nul.csv"),
        "Error: nul.csv line 2: first_name contains a control character (U+0000) (nothing written)",
        files={"nul.csv": CSV_HEADER + b"a@example.com,A\x00da,,,Seeded-river-44\n"},
        process=True,
    ),
    "json-object-as-name": Case(
        users_file("object.json"),
        "Error: object.json line 2: first_name must be text, not an object (nothing written)",
        files={
            "object.json": b'[\n {"email": "a@example.com", "first_name": {"x": 1}, "password": "P-9z!q"}\n]'
        },
    ),
    "role-typo-in-file": Case(
        users_file("typo.csv"),
        "Error: typo.csv line 2: role 'admn' (did you mean 'admin'?) does not exist; --create-roles "
        "makes new roles (nothing written)",
        files={"typo.csv": CSV_HEADER + b"b@example.com,B,,admn,Seeded-river-44\n"},
    ),
    "password-is-the-email": Case(
        users_file("same.csv"),
        "Error: same.csv line 2: password rejected: Password must not contain the part of the email "
        "before the @ (nothing written)",
        files={"same.csv": CSV_HEADER + b"grace@example.com,G,,,grace@example.com\n"},
    ),
    "password123": Case(
        users_file("common.csv"),
        "Error: common.csv line 2: password rejected: This is a very common password. (nothing written)",
        files={"common.csv": CSV_HEADER + b"b@example.com,B,,,password123\n"},
    ),
    "password-over-128": Case(
        users_file("long.csv"),
        "Error: long.csv line 2: password rejected: Password must be at most 128 characters (this one "
        "has 129) (nothing written)",
        files={"long.csv": CSV_HEADER + b"b@example.com,B,,," + b"Xy7-" * 32 + b"z\n"},
    ),
    "file-over-4-mib": Case(
        users_file("huge.csv"),
        "Error: huge.csv is larger than 4 MiB: split it",
        files={"huge.csv": CSV_HEADER + b"#" * (4 * 1024 * 1024)},
    ),
    "device-instead-of-file": Case(
        users_file("zero.csv"),
        "Error: zero.csv: not a regular file",
        files={"zero.csv": b"->/dev/zero"},
    ),
    # one user
    "role-typo-on-command-line": Case(
        seed("--email", "b@example.com", "--role", "Staf", "--password-stdin"),
        "Error: role 'Staf' (did you mean 'staff'?) does not exist; --create-roles makes new roles",
        stdin="Seeded-river-44\n",
        process=True,
    ),
    "control-character-in-name": Case(
        seed("--email", "b@example.com", "--first-name", "B\x1b[31m", "--password-stdin"),
        "Error: first_name contains a control character (U+001B)",
        stdin="Seeded-river-44\n",
    ),
    "update-with-weak-password": Case(
        seed("--email", ADMIN_EMAIL, "--update", "--password-stdin"),
        "Error: password rejected: This is similar to a commonly used password.",
        stdin="Password-1\n",
    ),
    # production
    "secret-of-32-a": Case(
        ("runserver", "--production"),
        f"Error: SECRET_KEY repeats 'a' 32 times; {GENERATE}",
        env={"SECRET_KEY": "a" * 32},
        process=True,
    ),
    "development-port-in-use": Case(
        ("runserver", "--port", "{port}"),
        "Error: cannot listen on 127.0.0.1:{port}: Address already in use (choose another --port or --host)",
        code=1,
    ),
    "port-in-use": Case(
        ("runserver", "--production", "--port", "{port}"),
        "Error: cannot listen on 127.0.0.1:{port}: Address already in use (choose another --port or --host)",
        code=1,
        env={"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": ""},
        process=True,
    ),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite database at head, copied for each case."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    seeded(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    """A port something already listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@dataclass
class Run:
    """A case run: its folder, database, and what the CLI did."""

    folder: Path
    url: str
    code: int
    stdout: str
    stderr: str
    before: dict[str, object]


def _prepare(name: str, case: Case, base: Path, template: Path) -> tuple[Path, str]:
    folder = base / name
    folder.mkdir()
    database = folder / "app.db"
    shutil.copyfile(template, database)
    for file_name, content in case.files.items():
        if content.startswith(b"->"):
            (folder / file_name).symlink_to(content[2:].decode())
        else:
            (folder / file_name).write_bytes(content)
    return folder, f"sqlite:///{database}"


def _arguments(case: Case, folder: Path, url: str, port: int) -> tuple[list[str], str]:
    # {{dir}} in a case is its folder, {{port}} the busy port
    args = [arg.replace("{dir}", str(folder)).replace("{port}", str(port)) for arg in case.args]
    given = url if case.url is None else case.url.replace("{dir}", str(folder))
    return args, given


def _in_process(name: str, case: Case, base: Path, template: Path, port: int) -> Run:
    folder, url = _prepare(name, case, base, template)
    args, given = _arguments(case, folder, url, port)
    before = state(url)
    result = invoke(args, {"DATABASE_URL": given, **case.env}, input=case.stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Run(folder, url, result.exit_code, result.stdout, result.stderr, before)


def _in_subprocess(name: str, case: Case, base: Path, template: Path, port: int) -> Run:
    folder, url = _prepare(name, case, base, template)
    args, given = _arguments(case, folder, url, port)
    before = state(url)
    result = run_manage_process(*args, database_url=given, input=case.stdin, env={**CHEAP_HASH, **case.env})
    return Run(folder, url, result.returncode, result.stdout, result.stderr, before)


def _check(case: Case, run: Run, port: int) -> None:
    assert run.code == case.code, run.stderr
    expected = case.error.replace("{dir}", str(run.folder)).replace("{port}", str(port))
    assert error_line(run.stderr) == expected
    assert run.stdout == ""
    assert state(run.url) == run.before


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_changes_nothing(
    name: str, template: Path, busy_port: int, tmp_path: Path
) -> None:
    _check(CASES[name], _in_process(name, CASES[name], tmp_path, template, busy_port), busy_port)


@pytest.fixture(scope="module")
def process_runs(template: Path, busy_port: int, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The ``process`` cases as real subprocesses, four at a time."""
    base = tmp_path_factory.mktemp("processes")
    with ThreadPoolExecutor(4) as pool:
        futures = {
            name: pool.submit(_in_subprocess, name, case, base, template, busy_port)
            for name, case in CASES.items()
            if case.process
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case.process])
def test_bad_input_through_a_real_process(name: str, process_runs: dict[str, Run], busy_port: int) -> None:
    _check(CASES[name], process_runs[name], busy_port)
