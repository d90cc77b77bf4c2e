"""Bad and odd inputs a demanding user or an attacker tries, found by a red-team pass over every command.

Each is the contract of README's "Errors": one ``Error:`` line, a non-zero exit, no traceback, no
secret in the output, nothing half-written.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from support.cli import Ran, migrations_with, run_manage
from support.databases import ROOT
from support.inputs import CHEAP_HASH

HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()

SECRET = "Zq9-not-for-output"


def one_error(result: Ran, *, unexpected: bool = False) -> str:
    """The single ``Error:`` line of a failed run (no traceback; no crash log unless ``unexpected``)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert ("unexpected" in errors[0]) == unexpected, errors[0]
    return errors[0]


def test_a_password_in_the_url_query_is_never_printed() -> None:
    # psycopg reads ?password= like the password part of the URL
    url = f"postgresql+psycopg://app@127.0.0.1:1/app?password={SECRET}&sslmode=disable"
    result = run_manage("db", "current", database_url=url)
    assert one_error(result).startswith(
        "Error: database unavailable (postgresql+psycopg://app@127.0.0.1:1/app?password=***&sslmode=disable):"
    )
    assert SECRET not in result.stdout + result.stderr


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("history_table", "error"),
    [
        (
            "alembic_version",
            "Error: MIGRATION_HISTORY_TABLE=alembic_version would put the history in the version table"
            " alembic_version: choose another name",
        ),
        (
            "alembic_version_lock",
            "Error: MIGRATION_HISTORY_TABLE=alembic_version_lock would put the history in the lock table"
            " alembic_version_lock: choose another name",
        ),
    ],
)
@pytest.mark.parametrize("command", [("upgrade",), ("stamp", "head"), ("log",), ("status",)])
def test_a_history_table_named_like_alembics_own_is_refused(
    history_table: str, error: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run_manage("db", *command, database_url=url, env={"MIGRATION_HISTORY_TABLE": history_table})
    assert one_error(result) == error
    assert _tables(url) == set()


@pytest.mark.parametrize(
    "command", [("upgrade",), ("downgrade",), ("log",), ("status",), ("journal", "show")]
)
def test_a_history_table_named_like_an_application_table_is_refused(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "upgrade", database_url=url).returncode == 0
    before = _tables(url)
    result = run_manage("db", *command, database_url=url, env={"MIGRATION_HISTORY_TABLE": "auth_user"})
    assert one_error(result) == (
        "Error: table auth_user exists but is not a migration history table (no column revision,"
        " direction, started, outcome): choose another name for MIGRATION_HISTORY_TABLE; nothing was"
        " written"
    )
    assert _tables(url) == before  # no auth_user_journal, no column added to auth_user
    assert run_manage("db", "current", database_url=url).stdout.strip() == f"{HEAD} (head)"


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("MIGRATION_LOCK_TIMEOUT", "inf", "must be a finite number of seconds, not 'inf'"),
        ("MIGRATION_LOCK_TIMEOUT", "1e309", "must be a finite number of seconds, not '1e309'"),
        ("MIGRATION_LOCK_RETRIES", "\u0663", "must be a whole number from 0 to 100, not '\u0663'"),
        (
            "ORACLE_TARGET_VERSION",
            "\u0661\u0669",
            "must look like 11.2, 12.1, 19, 21 or 23, not '\u0661\u0669'",
        ),
    ],
)
def test_a_setting_that_only_looks_like_a_number_is_refused(
    setting: str, value: str, error: str, tmp_path: Path
) -> None:
    result = run_manage(
        "db", "upgrade", database_url=f"sqlite:///{tmp_path / 'app.db'}", env={setting: value}
    )
    assert one_error(result) == f"Error: {setting} {error}"
    assert result.returncode == 2
    assert not (tmp_path / "app.db").exists() or _tables(f"sqlite:///{tmp_path / 'app.db'}") == set()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--lock-timeout", "inf"),
        ("--lock-timeout", "nan"),
        ("--lock-wait", "nan"),
        ("--lock-timeout", "1e309"),
    ],
)
@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_a_lock_option_that_is_not_finite_is_refused(
    option: str, value: str, command: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run_manage("db", command, option, value, database_url=url)
    assert one_error(result).startswith(f"Error: Invalid value for '{option}': ")
    assert one_error(result).endswith("is not a finite number of seconds")
    assert result.returncode == 2
    assert not (tmp_path / "app.db").exists() or _tables(url) == set()


def _revision_files(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory.parent))
        for path in directory.parent.rglob("*.py")
        if "__pycache__" not in path.parts
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("revision", "--rev-id", "0001"), "Error: --rev-id 0001: the chain already has a revision 0001"),
        (
            ("merge", "heads", "--rev-id", "0002"),
            "Error: --rev-id 0002: the chain already has a revision 0002",
        ),
        (
            ("revision", "--rev-id", "../../escaped"),
            "Error: --rev-id '../../escaped': no spaces, slashes or empty names",
        ),
        (("revision", "--rev-id", "a/b"), "Error: --rev-id 'a/b': no spaces, slashes or empty names"),
        (("revision", "--rev-id", " "), "Error: --rev-id ' ': no spaces, slashes or empty names"),
        (("revision", "--rev-id", ""), "Error: --rev-id '': no spaces, slashes or empty names"),
        (
            ("revision", "--rev-id", "head"),
            "Error: --rev-id 'head': head already means something in a revision spec",
        ),
        (
            ("revision", "--rev-id", "base"),
            "Error: --rev-id 'base': base already means something in a revision spec",
        ),
        (
            ("revision", "--branch-label", "heads"),
            "Error: --branch-label 'heads': heads already means something in a revision spec",
        ),
        (
            ("revision", "--branch-label", "0002"),
            "Error: --branch-label 0002: already a revision or branch label of the chain",
        ),
        (
            ("revision", "-m", 'x"""\nimport os\n"""'),
            'Error: -m: a message cannot contain """ (it would end the revision\'s docstring)',
        ),
    ],
)
def test_a_new_revision_the_chain_cannot_hold_is_refused_before_any_file(
    args: tuple[str, ...], error: str, tmp_path: Path
) -> None:
    directory = migrations_with(tmp_path / "project")
    before = _revision_files(directory)
    result = run_manage("db", "-d", str(directory), *args, database_url=f"sqlite:///{tmp_path / 'app.db'}")
    assert one_error(result) == error
    assert _revision_files(directory) == before
    assert not (tmp_path / "escaped_.py").exists()
    # the chain still loads: every later command works
    heads = run_manage("db", "-d", str(directory), "heads", database_url=f"sqlite:///{tmp_path / 'app.db'}")
    assert heads.stdout.strip() == f"{HEAD} (head)", heads.stderr


def test_a_revision_file_that_fails_after_alembic_wrote_it_is_removed(tmp_path: Path) -> None:
    # a template Alembic renders into a file that does not load: found only once it is on disk
    directory = migrations_with(tmp_path / "project")
    template = directory / "script.py.mako"
    template.write_text(template.read_text(encoding="utf-8") + "\nthis is not python\n", encoding="utf-8")
    before = _revision_files(directory)
    result = run_manage(
        "db", "-d", str(directory), "revision", "-m", "x", database_url=f"sqlite:///{tmp_path / 'app.db'}"
    )
    assert one_error(result).startswith("Error: cannot load the revision file ")
    assert _revision_files(directory) == before


def _revision(name: str, body: str, down: str = HEAD) -> str:
    return f'"""Test revision {name}."""\nrevision = "{name}"\ndown_revision = "{down}"\n{body}'


NO_OP = "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
BROKEN_FILES = {
    "sys.exit at the top of a revision": (
        {"versions/texit001_x.py": "import sys\n\nsys.exit(3)\n"},
        "Error: cannot load the revision file {dir}/versions/texit001_x.py: SystemExit: 3",
    ),
    "ValueError at the top of a revision": (
        {"versions/ttop001_x.py": 'raise ValueError("top")\n'},
        "Error: cannot load the revision file {dir}/versions/ttop001_x.py: ValueError: top",
    ),
    "revision = 123": (
        {"versions/tint001_x.py": f"revision = 123\ndown_revision = {HEAD!r}\n"},
        "Error: cannot load the revision file {dir}/versions/tint001_x.py: TypeError: 'int' object is not"
        " iterable",
    ),
    "a NUL byte in a revision": (
        {"versions/tnul001_x.py": _revision("tnul001", "x = 1\x00\n")},
        "Error: cannot load the revision file {dir}/versions/tnul001_x.py: SyntaxError: source code string"
        " cannot contain null bytes",
    ),
    "env.py that raises": (
        {"env.py": 'import oramigrate.environment\n\nraise ValueError("no env")\n'},
        "Error: the migration environment {dir}/env.py failed: ValueError: no env",
    ),
    "env.py with a syntax error": (
        {"env.py": "import oramigrate.environment\ndef (:\n"},
        "Error: the migration environment {dir}/env.py failed: SyntaxError: invalid syntax (env.py, line 2)",
    ),
    "no env.py": (
        {"env.py": None},
        "Error: Can't find Python file {dir}/env.py: not a migrations folder (`db init` makes one)",
    ),
    "alembic.ini that is not ini": (
        {"alembic.ini": "[[[ not ini\n"},
        "Error: cannot read the Alembic configuration (alembic.ini): File contains no section headers.",
    ),
    "no alembic.ini": (
        {"alembic.ini": None},
        "Error: the migration environment {dir}/env.py failed: FileNotFoundError: {dir}/alembic.ini doesn't"
        " exist",
    ),
}


@pytest.mark.parametrize("case", BROKEN_FILES)
@pytest.mark.parametrize("command", [("current",), ("upgrade",), ("check",), ("migrate", "-m", "x")])
def test_a_broken_migrations_file_is_one_line_naming_it(
    case: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    files, error = BROKEN_FILES[case]
    directory = migrations_with(tmp_path)
    for name, source in files.items():
        if source is None:
            (directory / name).unlink()
        else:
            (directory / name).write_text(source, encoding="utf-8")
    before = _revision_files(directory)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run_manage("db", "-d", str(directory), *command, database_url=url)
    assert one_error(result) == error.format(dir=directory)
    assert result.returncode in (1, 2)
    assert _revision_files(directory) == before
    # the tool's own tables are made only once env.py reaches run(): nothing at all is written
    assert not (tmp_path / "app.db").exists() or _tables(url) == set()


def test_sys_exit_inside_upgrade_is_the_revision_failing_not_a_success(tmp_path: Path) -> None:
    directory = migrations_with(
        tmp_path,
        {"texit002_x.py": _revision("texit002", NO_OP.replace("    pass", "    raise SystemExit(0)", 1))},
    )
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "upgrade", database_url=url).returncode == 0
    gated = run_manage("db", "-d", str(directory), "upgrade", database_url=url)
    assert one_error(gated).startswith("Error: refusing to upgrade")
    result = run_manage("db", "-d", str(directory), "upgrade", "--allow-unsafe", database_url=url)
    assert one_error(result) == (
        "Error: revision texit002 failed at operation 0 (): SystemExit: 0; rolled back as a unit"
    )
    assert result.returncode == 1
    assert run_manage("db", "current", database_url=url).stdout.strip() == f"{HEAD} (head)"
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        last = connection.execute(
            sa.text("SELECT revision, outcome FROM migration_history ORDER BY id DESC")
        ).first()
    engine.dispose()
    assert tuple(last or ()) == ("texit002", "failed")


@pytest.mark.parametrize("target", ["head+1", "", f"{HEAD}+1", "head-9"])
def test_an_upgrade_target_past_the_chain_is_one_line(target: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "upgrade", database_url=url).returncode == 0
    result = run_manage("db", "upgrade", target, database_url=url)
    assert one_error(result) == (
        f"Error: cannot go from {HEAD} to {target!r}: it steps past the chain's head or base, or names no"
        " revision (db history lists them)"
    )
    assert result.returncode == 2


def test_a_revision_without_downgrade_is_named_before_anything_runs(tmp_path: Path) -> None:
    directory = migrations_with(
        tmp_path, {"tnodown001_x.py": _revision("tnodown001", "def upgrade():\n    pass\n")}
    )
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "-d", str(directory), "upgrade", database_url=url).returncode == 0
    result = run_manage("db", "-d", str(directory), "downgrade", database_url=url)
    assert one_error(result) == (
        f"Error: the revision file {directory}/versions/tnodown001_x.py defines no downgrade():"
        " nothing was run"
    )
    assert run_manage("db", "-d", str(directory), "current", database_url=url).stdout.strip() == (
        "tnodown001 (head)"
    )


def _users_and_roles(url: str) -> tuple[list[tuple[str, ...]], list[str]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        users = [tuple(row) for row in connection.execute(sa.text("SELECT email, password FROM auth_user"))]
        roles = sorted(row[0] for row in connection.execute(sa.text("SELECT name FROM auth_role")))
    engine.dispose()
    return users, roles


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            '"$argon2id$v=19$m=8,t=1,p=1$bogus"',
            "Error: users.json line 1: password_hash is not a well-formed argon2 hash (invalid base64 input)"
            " (nothing written)",
        ),
        (
            '"$2b$12$short"',
            "Error: users.json line 1: password_hash is not a well-formed bcrypt hash (salt too small (bcrypt"
            " requires exactly 22 chars)) (nothing written)",
        ),
    ],
)
def test_a_password_hash_that_only_starts_like_one_is_refused(row: str, error: str, tmp_path: Path) -> None:
    # stored, it would make every sign-in of that user fail inside passlib's verify
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "upgrade", database_url=url).returncode == 0
    users = tmp_path / "users.json"
    users.write_text(f'[{{"email": "ada@example.com", "password_hash": {row}}}]', encoding="utf-8")
    before = _users_and_roles(url)
    result = run_manage("dbCreateRegUser", "--from-file", str(users), database_url=url, env=CHEAP_HASH)
    assert one_error(result) == error
    assert _users_and_roles(url) == before


@pytest.mark.parametrize("role", [" admin", "admin ", "\tstaff"])
def test_a_role_name_with_white_space_around_it_is_refused(role: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "upgrade", database_url=url).returncode == 0
    before = _users_and_roles(url)
    result = run_manage(
        "dbCreateRegUser", "--email", "ada@example.com", "--role", role, "--create-roles", "--password-stdin",
        database_url=url, input="Harbour-lights-719x\n", env=CHEAP_HASH,
    )  # fmt: skip
    assert one_error(result) == f"Error: role name {role!r} starts or ends with white space"
    assert _users_and_roles(url) == before


@pytest.mark.parametrize("host", ["h" * 64, "db..example.com", "x" * 100_000])
def test_a_host_name_no_resolver_takes_is_refused_before_connecting(host: str) -> None:
    result = run_manage("db", "current", database_url=f"postgresql+psycopg://app@{host}/app")
    assert one_error(result) == (
        "Error: DATABASE_URL: the host is not a valid host name (labels of 1 to 63 characters between dots)"
    )
    assert result.returncode == 2


@pytest.mark.parametrize("charset", ["bogus", "utf-8"])
def test_a_charset_the_driver_does_not_know_is_refused_before_connecting(charset: str) -> None:
    # PyMySQL fails on it with an AttributeError deep in its handshake
    result = run_manage(
        "db", "current", database_url=f"mysql+pymysql://app@127.0.0.1:1/app?charset={charset}"
    )
    assert one_error(result) == (
        f"Error: DATABASE_URL: charset {charset!r} is not one MySQL/MariaDB knows (utf8mb4 is the usual one)"
    )
    assert result.returncode == 2


FLEET_MISTAKES = {
    "a binary password_file": (
        "url = 'postgresql+psycopg://app@127.0.0.1:1/app'\npassword_file = 'secret'\n",
        b"\xff\xfe\x00",
        "target a: password_file: {dir}/secret is not UTF-8 text",
    ),
    "a binary url_file": (
        "url_file = 'secret'\n",
        b"\xff\xfe\x00",
        "target a: url_file: {dir}/secret is not UTF-8 text",
    ),
    "password_file = /dev/zero": (
        "url = 'postgresql+psycopg://app@127.0.0.1:1/app'\npassword_file = '/dev/zero'\n",
        None,
        "target a: password_file: /dev/zero is longer than 65536 characters",
    ),
    "a password in the query": (
        f"url = 'postgresql+psycopg://app@127.0.0.1:1/app?password={SECRET}'\n",
        None,
        'target a: url: inline password: use password_file, or "${{ENV}}" in its place',
    ),
    "no host": (
        "url = 'postgresql+psycopg://app@/app'\n",
        None,
        "target a: url names no host: add @host after the user (postgresql would connect to a local default)",
    ),
    "no database": (
        "url = 'postgresql+psycopg://app@127.0.0.1:5432'\n",
        None,
        "target a: url names no database: add /NAME after the host (postgresql would fall back to a default)",
    ),
    "a port that is not a number": (
        "url = 'postgresql+psycopg://app@127.0.0.1:abc/app'\n",
        None,
        "target a: url: not a database URL (dialect+driver://user@host/database)",
    ),
    "port 99999": (
        "url = 'postgresql+psycopg://app@127.0.0.1:99999/app'\n",
        None,
        "target a: url: port 99999 is not between 1 and 65535",
    ),
    "an asyncio driver": (
        "url = 'postgresql+asyncpg://app@127.0.0.1/app'\n",
        None,
        "target a: url: 'postgresql+asyncpg' is an asyncio driver; the migrations need a synchronous one",
    ),
    "two @ before the host": (
        "url = 'postgresql+psycopg://app@x@127.0.0.1/app'\n",
        None,
        "target a: url has more than one '@' before the host: URL-encode the password (an '@' in it is"
        " written %40)",
    ),
}


@pytest.mark.parametrize("case", FLEET_MISTAKES)
@pytest.mark.parametrize("command", ["status", "upgrade"])
def test_a_bad_target_stops_the_fleet_with_one_line_before_any_connection(
    case: str, command: str, tmp_path: Path
) -> None:
    keys, secret, error = FLEET_MISTAKES[case]
    if secret is not None:
        (tmp_path / "secret").write_bytes(secret)
    targets = tmp_path / "targets.toml"
    targets.write_text(f"[targets.a]\n{keys}", encoding="utf-8")
    result = run_manage(
        "db", "fleet", command, "--targets", str(targets), database_url=f"sqlite:///{tmp_path / 'app.db'}"
    )
    assert one_error(result) == f"Error: targets file {targets}: " + error.format(dir=tmp_path)
    assert result.returncode == 2
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("db", "history", "-r", "::"), "Error: Invalid value for '--rev-range': '::' is not [start]:[end]"),
        (("db", "init", "-d", "{file}"), "Error: Not a directory: {file}"),
        (
            ("db", "-d", "{project}", "revision", "-m", "x"),
            "Error: No such file or directory: {project}/script.py.mako",
        ),
        (("runserver", "--allow-not-at-head"), "Error: --allow-not-at-head applies to --production only"),
    ],
)
def test_odd_arguments_of_the_file_and_server_commands_are_one_line(
    args: tuple[str, ...], error: str, tmp_path: Path
) -> None:
    file = tmp_path / "a-file"
    file.write_text("x", encoding="utf-8")
    project = migrations_with(tmp_path)
    (project / "script.py.mako").unlink()
    before = _revision_files(project)
    names = {"file": file, "project": project}
    result = run_manage(
        *(arg.format(**names) for arg in args), database_url=f"sqlite:///{tmp_path / 'app.db'}"
    )
    assert one_error(result) == error.format(**names)
    assert _revision_files(project) == before
    assert file.read_text(encoding="utf-8") == "x"


def test_the_crash_log_never_follows_a_link_another_user_planted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /tmp is everyone's: the shared folder made first, open to all, with links named like the next logs
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / "oramigrate"
    shared.mkdir()
    shared.chmod(0o777)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    now = time.time()
    for second in range(-2, 30):
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now + second))
        (shared / f"error-{stamp}-{os.getpid()}.log").symlink_to(victim)
    directory = migrations_with(tmp_path / "project")
    # an env.py that misuses the library: a bug's path, with a crash log
    (directory / "env.py").write_text("from oramigrate.environment import run\n\nrun(None, None, {})\n")
    result = run_manage(
        "db", "-d", str(directory), "current", database_url=f"sqlite:///{tmp_path / 'app.db'}"
    )
    line = one_error(result, unexpected=True)
    assert victim.read_text(encoding="utf-8") == "precious"
    log = Path(line.rsplit("(traceback in ", 1)[1].rstrip(")"))
    assert log.parent != shared and log.is_file() and not log.is_symlink()
    assert log.stat().st_mode & 0o777 == 0o600 and log.parent.stat().st_mode & 0o777 == 0o700
    assert "Traceback" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("command", "given", "error"),
    [
        (
            "downgrade",
            "0001:0003",
            "Error: revision range '0001:0003' does not run down the chain (Revision 0003 is not an ancestor"
            " of revision 0001); a downgrade range is newer:older",
        ),
        (
            "upgrade",
            "0003:0001",
            "Error: revision range '0003:0001' does not run up the chain (Revision 0003 is not an ancestor of"
            " revision 0001); an upgrade range is older:newer",
        ),
        (
            "downgrade",
            "head:base",
            "Error: the revision file {dir}/versions/tnodown002_x.py defines no downgrade(): no script"
            " written",
        ),
    ],
)
def test_a_sql_script_that_cannot_be_written_whole_writes_nothing(
    command: str, given: str, error: str, tmp_path: Path
) -> None:
    directory = migrations_with(
        tmp_path, {"tnodown002_x.py": _revision("tnodown002", "def upgrade():\n    pass\n")}
    )
    result = run_manage("db", "-d", str(directory), command, "--sql", given, "--dialect", "oracle")
    assert one_error(result) == error.format(dir=directory)
    assert result.returncode == 2
    assert result.stdout == ""


def test_status_and_verify_read_the_version_table_they_are_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command as alembic_command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from click.testing import CliRunner

    from oramigrate.console import main

    ini = tmp_path / "alembic.ini"
    alembic_command.init(Config(str(ini)), str(tmp_path / "mig"))
    url = f"sqlite:///{tmp_path / 'p.db'}"
    ini.write_text(ini.read_text(encoding="utf-8").replace("driver://user:pass@localhost/dbname", url))
    (tmp_path / "mig" / "versions" / "tv001_x.py").write_text(
        f'"""Test revision tv001."""\nrevision = "tv001"\ndown_revision = None\n{NO_OP}', encoding="utf-8"
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # applied, as the project's own env.py records it
        MigrationContext.configure(connection, opts={"version_table": "my_version"}).stamp(
            ScriptDirectory(str(tmp_path / "mig")), "head"
        )
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    status = CliRunner().invoke(main, ["--version-table", "my_version", "status"])
    assert status.exit_code == 0, status.output
    assert status.stdout.splitlines()[:2] == ["current: tv001 (head)", "pending: 0 revisions"]
    verify = CliRunner().invoke(main, ["--version-table", "my_version", "verify"])
    assert verify.exit_code == 1  # applied before any history: unknown, not "0 applied revisions match"
    assert "tv001" in verify.stderr
