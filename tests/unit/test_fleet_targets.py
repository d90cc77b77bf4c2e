"""The targets file: what it means, and one line naming the target and key for each way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from oramigrate.errors import ConfigurationError
from oramigrate.fleet import Target, TargetsFileError, load_targets, select
from oramigrate.fleet.engines import bound_url, session_statement, target_engine

GOOD = """
[defaults]
url = "oracle+oracledb://migrator@db1:1521/?service_name=XEPDB1"
password_file = "secrets/migrator"

[targets.acme]
schema = "ACME"

[targets.globex]
url = "postgresql+psycopg://app@pg2/globex"
password = "${GLOBEX_PASSWORD}"
schema = "tenant_7"

[targets.initech]
url = "mysql+pymysql://root@maria:3306/mysql"
password_file = "/dev/null"
schema = "initech"

[targets.local]
url = "sqlite:///${DATA_DIR}/local.db"
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> str:
    path = _file(tmp_path, text)
    with pytest.raises(TargetsFileError) as caught:
        load_targets(path, environ or {})
    message = str(caught.value)
    assert "\n" not in message
    prefix = f"targets file {path}: "
    assert message.startswith(prefix)
    return message[len(prefix) :]


def test_a_good_file_gives_targets_in_order_with_secrets_from_files_and_environment(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "migrator").write_text("s3cret\n")
    text = GOOD.replace('password_file = "/dev/null"', 'password = "${MARIA_PASSWORD}"')
    path = _file(tmp_path, text)
    environ = {"GLOBEX_PASSWORD": "g-pass", "MARIA_PASSWORD": "m-pass", "DATA_DIR": "/srv/data"}
    targets = load_targets(path, environ)
    assert [t.name for t in targets] == ["acme", "globex", "initech", "local"]
    acme, globex, initech, local = targets
    assert (acme.backend, acme.schema, acme.url.password) == ("oracle", "ACME", "s3cret")
    assert acme.describe() == "oracle+oracledb://migrator:***@db1:1521/?service_name=XEPDB1 schema ACME"
    assert (globex.backend, globex.schema, globex.url.password) == ("postgresql", "tenant_7", "g-pass")
    assert (initech.url.password, bound_url(initech).database) == ("m-pass", "initech")
    assert (local.url.database, local.schema, local.url.password) == ("/srv/data/local.db", None, None)
    assert [t.name for t in select(targets, ["local", "acme"])] == ["acme", "local"]
    with pytest.raises(ConfigurationError, match=r"^--only: no target named nope in the targets file$"):
        select(targets, ["acme", "nope"])


KEYS = "(expected one of url, url_file, password, password_file, schema)"
PG = 'url = "postgresql+psycopg://app@pg/db"\n'
LITE = 'url = "sqlite:///a.db"\n'
MISTAKES = [
    (
        '[targets.a]\nurl = "postgresql+psycopg://app:hunter2@pg/db"\n',
        'target a: url: inline password: use password_file, or "${ENV}" in its place',
    ),
    (
        f'[targets.a]\n{PG}password = "hunter2"\n',
        'target a: password: inline secrets are refused: write "${ENV_NAME}" or use password_file',
    ),
    (
        f'[targets.a]\n{PG}password = "${{PG_PASS}}"\n',
        "target a: password: environment variable PG_PASS is not set",
    ),
    (f'[targets.a]\n{PG}pasword_file = "x"\n', f"target a: pasword_file: unknown key {KEYS}"),
    (f"[targets.a]\n{LITE}port = 5\n", f"target a: port: unknown key {KEYS}"),
    ("[targets.a]\nschema = 's'\n", "target a: url: missing (set url or url_file here or in [defaults])"),
    (
        '[targets.a]\nurl = "nonsense"\n',
        "target a: url: not a database URL (dialect+driver://user@host/database)",
    ),
    (
        '[targets.a]\nurl = "nodb+nodriver://h/d"\n',
        "target a: url: unknown database dialect or driver 'nodb+nodriver'",
    ),
    (
        f'[targets.a]\n{LITE}schema = "s"\n',
        "target a: schema: SQLite has no schemas: give each target its own url",
    ),
    (
        f'[targets.a]\n{PG}schema = "x; DROP TABLE t"\n',
        "target a: schema: 'x; DROP TABLE t' is not a plain identifier (letters, digits, _ $ #)",
    ),
    (
        f'[defaults]\n{PG}[targets.a]\nschema = "s"\n[targets.b]\nschema = "S"\n',
        "target b: same database as target a",
    ),
    (f'[targets.a]\n{LITE}password_file = "missing"\n', None),
    (f"[defaults]\n{LITE}", "no targets (add a [targets.NAME] table)"),
    (f"[target.a]\n{LITE}", "unknown table [target] (expected [defaults], [targets.NAME])"),
    (
        f'[targets."a b"]\n{LITE}',
        "target a b: name: use letters, digits, '.', '_' or '-' (at most 64)",
    ),
    ("[targets.a]\nurl = 5\n", "target a: url: must be a string"),
]


@pytest.mark.parametrize(("text", "expected"), MISTAKES)
def test_each_mistake_is_one_line_naming_target_and_key(
    tmp_path: Path, text: str, expected: str | None
) -> None:
    message = _error(tmp_path, text)
    if expected is None:  # the path is the machine's: check the shape
        assert (
            message
            == f"target a: password_file: cannot read {tmp_path / 'missing'}: No such file or directory"
        )
    else:
        assert message == expected


def test_a_file_that_is_not_toml_names_the_line(tmp_path: Path) -> None:
    assert _error(tmp_path, "[targets.a\nurl = 1\n") == (
        "not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 11)"
    )
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(
        TargetsFileError, match=r"^targets file .*/nowhere.toml: cannot read it: No such file"
    ):
        load_targets(missing, {})


def test_a_password_never_shows_in_what_is_printed(tmp_path: Path) -> None:
    target = load_targets(
        _file(tmp_path, '[targets.a]\nurl = "postgresql+psycopg://app@pg/db"\npassword = "${P}"\n'),
        {"P": "zz9"},
    )[0]
    assert "zz9" not in target.describe() and "zz9" not in repr(target.describe())


def test_schema_binding_per_database() -> None:
    import sqlalchemy as sa

    pg = Target("t", sa.make_url("postgresql+psycopg://app@pg/db"), "tenant_7")
    maria = Target("m", sa.make_url("mysql+pymysql://root@maria/mysql"), "initech")
    plain = Target("p", sa.make_url("postgresql+psycopg://app@pg/db"))
    for target in (pg, maria, plain):
        engine = target_engine(target)  # no connection is made
        try:
            assert "schema_translate_map" not in engine.get_execution_options()
            statement = session_statement(target, engine.dialect)
        finally:
            engine.dispose()
        assert statement == ("SET search_path TO tenant_7" if target is pg else None)
    assert bound_url(maria).database == "initech" and bound_url(pg).database == "db"


def test_a_relative_sqlite_path_is_read_from_the_files_folder(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    path = folder / "targets.toml"
    path.write_text(
        '[targets.near]\nurl = "sqlite:///data/near.db"\n'
        '[targets.far]\nurl = "sqlite:////srv/far.db"\n'
        '[targets.memory]\nurl = "sqlite://"\n'
    )
    near, far, memory = load_targets(path, {})
    assert near.url.database == str(folder / "data" / "near.db")
    assert far.url.database == "/srv/far.db"
    assert memory.url.database is None
