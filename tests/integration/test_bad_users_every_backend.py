"""Bad users files on SQLite, PostgreSQL and MariaDB: one line, nothing written, on each backend.

A NUL byte was a PostgreSQL error with no line number; the same rows must be refused before any
database sees them, and a good file with non-ASCII names must still load everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

from support.databases import Database
from support.inputs import invoke, only_error, seeded, state

BAD = {
    "nul.csv": (
        b"email,first_name,password\nb@example.com,B\x00b,Seeded-river-44\n",
        "Error: nul.csv line 2: first_name contains a control character (U+0000) (nothing written)",
    ),
    "surrogate.json": (
        b'[{"email": "b@example.com", "first_name": "\\ud800", "password": "Seeded-river-44"}]',
        "Error: surrogate.json line 1: first_name contains a control character (U+D800) (nothing written)",
    ),
    "typo.csv": (
        b"email,roles,password\nb@example.com,Admin;stafff,Seeded-river-44\n",
        "Error: typo.csv line 2: roles 'Admin' (did you mean 'admin'?), 'stafff' (did you mean 'staff'?) "
        "do not exist; --create-roles makes new roles (nothing written)",
    ),
}


def test_bad_files_refused_and_a_good_one_loads(database: Database, tmp_path: Path) -> None:
    seeded(database.url)
    before = state(database.url)
    for name, (content, error) in BAD.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = invoke(["dbCreateRegUser", "--from-file", str(path)], {"DATABASE_URL": database.url})
        assert (result.exit_code, only_error(result)) == (2, error)
        assert state(database.url) == before
    good = tmp_path / "good.json"
    rows = [
        {"email": "zoe@example.com", "first_name": "Zoë 🌿", "roles": ["staff"], "password": "Tidal-pool-73"}
    ]
    good.write_text(json.dumps(rows), encoding="utf-8")
    loaded = invoke(["dbCreateRegUser", "--from-file", str(good)], {"DATABASE_URL": database.url})
    assert (loaded.exit_code, loaded.stdout) == (0, "created 1, updated 0, unchanged 0, rejected 0\n")
    assert state(database.url)["users"] == before["users"] + 1
