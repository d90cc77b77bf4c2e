"""Which statements a revision's code sends past its operations count as writes (journaled ``outside``)."""

from __future__ import annotations

import pytest

from oramigrate.deploy.journal import is_dml, writes


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO t (n) VALUES (1)",
        "  update t set n = 2",
        "-- a fix\nDELETE FROM t WHERE n = 3",
        "# a MySQL comment\nDELETE FROM t WHERE n = 3",
        "/* hint */ MERGE INTO t USING s ON (t.id = s.id) WHEN MATCHED THEN UPDATE SET t.n = s.n",
        "REPLACE INTO t (n) VALUES (4)",
        "CREATE INDEX ix_t_n ON t (n)",
        "ALTER TABLE t ADD COLUMN m INTEGER",
        "DROP TABLE t",
        "TRUNCATE TABLE t",
        "RENAME TABLE t TO u",
        "GRANT SELECT ON t TO app",
        "COMMENT ON TABLE t IS 'x'",
        "CALL fix_rows()",
        "BEGIN UPDATE t SET n = 0; END;",
        "DECLARE n INTEGER; BEGIN NULL; END;",
        "(INSERT INTO t (n) VALUES (5))",
        "DO $$ BEGIN INSERT INTO t (n) VALUES (6); END $$",  # PostgreSQL's anonymous block
        "WITH v AS (SELECT 1 AS n) INSERT INTO t (n) SELECT n FROM v",  # PostgreSQL: data-modifying
        "WITH gone AS (DELETE FROM t RETURNING n) SELECT COUNT(*) FROM gone",
        "SELECT n INTO t_copy FROM t",  # PostgreSQL: makes a table
        "SELECT n INTO t_copy FROM t WHERE label = 'it''s'",
        "WITH v AS (SELECT 1 AS n) INSERT INTO t (n) SELECT n FROM v WHERE 'a' <> 'for update'",
        "COPY t (n) FROM STDIN",  # PostgreSQL: rows in
        "copy t from '/tmp/rows.csv' WITH (FORMAT csv)",
    ],
)
def test_a_write(statement: str) -> None:
    assert writes(statement) is True


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT COUNT(*) FROM t",
        "# a MySQL comment\nSELECT 1",
        "(SELECT 1)",
        "WITH a AS (SELECT 1 AS n) SELECT n FROM a",
        "SELECT n INTO @kept FROM t",  # MariaDB: into a session variable
        # words in literals, quoted names and comments are not the statement's
        "SELECT id FROM t WHERE label = 'moved into the archive'",
        "SELECT id FROM t WHERE label = 'it''s into it' /* into x */",
        'SELECT "into x" FROM t',
        "SELECT `into x` FROM t",
        "WITH a AS (SELECT n FROM t WHERE note = 'update me') SELECT n FROM a",
        "WITH a AS (SELECT n FROM t) SELECT n FROM a -- then delete\n",
        "WITH a AS (SELECT n FROM t) SELECT n FROM a FOR UPDATE",  # a row lock, not a write
        "WITH a AS (SELECT n FROM t) SELECT n FROM a FOR NO KEY UPDATE SKIP LOCKED",
        "COPY t (n) TO STDOUT",  # PostgreSQL: rows out
        "COPY (SELECT n FROM t) TO STDOUT",
        "SHOW FULL TABLES",
        "DESCRIBE t",
        "SET NAMES utf8mb4",
        "BEGIN",
        "BEGIN;",
        "SAVEPOINT sa_savepoint_1",
        "RELEASE SAVEPOINT sa_savepoint_1",
        "ROLLBACK TO SAVEPOINT sa_savepoint_1",
        "",
        "   ",
    ],
)
def test_not_a_write(statement: str) -> None:
    assert writes(statement) is False


@pytest.mark.parametrize(
    "statement", ["# seed\nINSERT INTO t (n) VALUES (1)", "/* x */ REPLACE INTO t VALUES (1)"]
)
def test_dml_after_a_comment_is_dml(statement: str) -> None:
    assert is_dml(statement) is True
