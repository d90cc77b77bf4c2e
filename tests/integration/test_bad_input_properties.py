"""Property tests (Hypothesis): generated database URLs and users files against the error contract.

Whatever is generated, the CLI answers with an exit code, exactly one ``Error:`` line and no
traceback, the database is unchanged, and no message shows a password.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.inputs import invoke, only_error, seeded, state

from oramigrate.errors import ConfigurationError
from oramigrate.settings import mask_url, parse_database_url

# no example database in the work tree; no per-example deadline (a first import is slow)
QUICK = settings(max_examples=150, deadline=None, database=None)
THROUGH_CLI = settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# a password no message could contain by chance
PASSWORD = st.text(alphabet="QZXJqzxj9#%!:@/", min_size=6, max_size=14).map(lambda text: "PW" + text)
SCHEMES = st.sampled_from(
    ["postgresql", "postgresql+psycopg", "mysql+pymysql", "oracle+oracledb", "sqlite", "mysql", "nosuch", ""]
)
HOSTS = st.sampled_from(["127.0.0.1", "", "localhost@evil", "[::1]"])
# never a port a server listens on: a URL that passes every check reaches nothing
PORTS = st.sampled_from(["1", "0", "65536", "abc", "1x", "99999999999"])
# an environment variable cannot hold NUL
NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8
)


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str]:
    """(URL text, its password) built from parts, any of which may be wrong."""
    password = draw(PASSWORD)
    user = draw(st.sampled_from(["app", "", "a@b", "u:v"]))
    authority = f"{user}:{password}@{draw(HOSTS)}:{draw(PORTS)}"
    query = draw(st.sampled_from(["", "?service_name=X", "?host=/tmp", "?x=%zz"]))
    return f"{draw(SCHEMES)}://{authority}/{draw(NAMES)}{query}", password


@QUICK
@given(urls())
def test_a_url_is_refused_in_one_line_or_checked_whole(generated: tuple[str, str]) -> None:
    raw, password = generated
    try:
        url = parse_database_url(raw)
    except ConfigurationError as refused:
        message = str(refused)
        assert "\n" not in message and password not in message
        return
    assert url.get_backend_name() == "sqlite" or url.host or url.query
    assert url.port is None or 1 <= url.port <= 65535
    assert password not in mask_url(url)
    assert "@" not in (url.host or "")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite database at head."""
    path = tmp_path_factory.mktemp("property") / "seeded.db"
    seeded(f"sqlite:///{path}")
    return path


@THROUGH_CLI
@given(generated=urls(), command=st.sampled_from([["db", "upgrade"], ["db", "current"], ["db", "heads"]]))
def test_any_url_through_the_cli_is_one_line_and_changes_nothing(
    template: Path, generated: tuple[str, str], command: list[str]
) -> None:
    raw, password = generated
    before = state(f"sqlite:///{template}")
    result = invoke(command, {"DATABASE_URL": raw})
    if result.exit_code == 0:  # heads needs no database: a URL it accepts was valid
        assert command == ["db", "heads"]
        parse_database_url(raw)
    else:
        assert result.exit_code in (1, 2)
        assert password not in only_error(result)
    assert password not in result.output
    assert state(f"sqlite:///{template}") == before


CELLS = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="\x00\x07\x1b\u202e\u200b\ufeffa", min_size=1, max_size=4),  # control and format
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
COLUMNS = st.sampled_from(["email", "first_name", "last_name", "roles", "active", "password", "phone"])
DEFECTS = {
    "control": {"email": "x@example.com", "first_name": "A\x00", "password": "Seeded-river-44"},
    "object": {"email": "x@example.com", "last_name": {"a": 1}, "password": "Seeded-river-44"},
    "role-typo": {"email": "x@example.com", "roles": ["admn"], "password": "Seeded-river-44"},
    "weak": {"email": "x@example.com", "password": "password123"},
    "too-long": {"email": "x@example.com", "password": "Xy7-" * 40},
    "own-name": {"email": "grace@example.com", "password": "Grace@example.com-1"},
}


@st.composite
def users_files(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, content): generated rows, one of them surely bad, as JSON or CSV."""
    import csv
    import io
    import json

    rows = draw(st.lists(st.dictionaries(COLUMNS, CELLS, max_size=4), max_size=4))
    as_json = draw(st.booleans())
    # an object is just text in a CSV cell
    defects = sorted(name for name in DEFECTS if as_json or name != "object")
    rows.insert(draw(st.integers(min_value=0, max_value=len(rows))), DEFECTS[draw(st.sampled_from(defects))])
    if as_json:
        return "users.json", json.dumps(rows, indent=draw(st.sampled_from([None, 1])))
    columns = sorted({column for row in rows for column in row})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, restval="")
    writer.writeheader()
    writer.writerows({key: "" if value is None else str(value) for key, value in row.items()} for row in rows)
    return "users.csv", buffer.getvalue()


@THROUGH_CLI
@given(generated=users_files(), update=st.booleans())
def test_any_bad_users_file_is_refused_and_writes_nothing(
    template: Path, generated: tuple[str, str], update: bool
) -> None:
    name, content = generated
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "app.db"
        shutil.copyfile(template, database)
        url = f"sqlite:///{database}"
        path = Path(folder) / name
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
        before = state(url)
        args = ["dbCreateRegUser", "--from-file", str(path), *(["--update"] if update else [])]
        result = invoke(args, {"DATABASE_URL": url})
        assert result.exit_code == 2, result.output
        only_error(result)
        assert result.stdout == ""
        assert state(url) == before
