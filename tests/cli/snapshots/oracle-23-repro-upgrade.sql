-- Oracle target version: 23 (set ORACLE_TARGET_VERSION to change it)

WHENEVER SQLERROR EXIT FAILURE ROLLBACK
WHENEVER OSERROR EXIT FAILURE ROLLBACK
SET DEFINE OFF
SET SQLBLANKLINES ON
SET ECHO ON

DECLARE
  found PLS_INTEGER;
  total PLS_INTEGER;
  matching PLS_INTEGER;
BEGIN
  SELECT COUNT(*) INTO found FROM all_tables WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'ALEMBIC_VERSION';
  IF found = 0 THEN
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts at revision 0002 but alembic_version does not hold it: nothing was run');
  END IF;
  SELECT COUNT(*) INTO found FROM all_tables WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'MIGRATION_HISTORY';
  IF found = 0 THEN
    EXECUTE IMMEDIATE 'CREATE TABLE migration_history ( id INTEGER NOT NULL, revision VARCHAR2(64 CHAR) NOT NULL, direction VARCHAR2(16 CHAR) NOT NULL, checksum VARCHAR2(64 CHAR), db_user VARCHAR2(128 CHAR), os_user VARCHAR2(128 CHAR), host VARCHAR2(255 CHAR), pid INTEGER, started DATE NOT NULL, finished DATE, duration_ms INTEGER, outcome VARCHAR2(16 CHAR) NOT NULL, error VARCHAR2(1000 CHAR), note VARCHAR2(1000 CHAR), PRIMARY KEY (id) )';
  END IF;
  EXECUTE IMMEDIATE 'SELECT COUNT(*), COUNT(CASE WHEN version_num = ''0002'' THEN 1 END) FROM alembic_version' INTO total, matching;
  IF total <> 1 OR matching <> 1 THEN
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts at revision 0002 but alembic_version does not hold it: nothing was run');
  END IF;
END;

/

PROMPT oramigrate: upgrade 0002 -> 0003 (Index auth_roles_users.role_id: without it Oracle locks the whole link table while a role is deleted)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0003' AS revision, 'upgrade' AS direction, 'ast:811eaa7c9d18898543979e38385a8014658bc20275da3fe963bf9964c1e9' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade 0002 -> 0003

CREATE INDEX ix_auth_roles_users_role_id ON auth_roles_users (role_id)

/

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0002'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0003' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: upgrade 0003 -> 0004 (Failed sign-ins per account, and a settings table that takes over the salt fingerprint's reserved ro)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0004' AS revision, 'upgrade' AS direction, 'ast:cf86549428b66bdb5fdba40be763d33213415e188aa9853800614c56d682' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade 0003 -> 0004

ALTER TABLE auth_user ADD failed_logins INTEGER DEFAULT 0 NOT NULL

/

ALTER TABLE auth_user ADD last_failed_login_at DATE

/

CREATE TABLE app_setting (
    name VARCHAR2(100 CHAR) NOT NULL, 
    value VARCHAR2(255 CHAR) NOT NULL, 
    CONSTRAINT pk_app_setting PRIMARY KEY (name)
)

/

INSERT INTO app_setting (name, value) SELECT 'password_salt_fingerprint' AS anon_1, substr(auth_role.description, 40) AS substr_1 
FROM auth_role 
WHERE auth_role.name = '_password_salt'

/

DELETE FROM auth_role WHERE auth_role.name = '_password_salt'

/

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0004' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: upgrade 0004 -> 0013 (Audit log: raw SQL as people write it, sequence options, ON DELETE SET NULL.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0013' AS revision, 'upgrade' AS direction, 'ast:4586e8ab786f659d2850bc4d26248d43a28751fa201ed2fe0e16375c8ed8' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade 0004 -> 0013

CREATE SEQUENCE audit_log_id_seq INCREMENT BY 1 START WITH 1 ORDER NOCACHE

/

CREATE SEQUENCE audit_batch_seq INCREMENT BY 10 START WITH 100 MAXVALUE 999999 CACHE 50 CYCLE

/

CREATE TABLE audit_log (
    id INTEGER NOT NULL, 
    user_id INTEGER, 
    action VARCHAR2(40 CHAR) NOT NULL, 
    CONSTRAINT pk_audit_log PRIMARY KEY (id), 
    CONSTRAINT fk_audit_log_user FOREIGN KEY(user_id) REFERENCES auth_user (id) ON DELETE SET NULL
)

/

UPDATE auth_role
           SET description = 'Sales & Marketing'
         WHERE name = 'sales'

/

INSERT INTO auth_role (id, name) VALUES (auth_role_id_seq.NEXTVAL, 'auditor')

/

UPDATE auth_role SET description = 'reads the audit log' WHERE name = 'auditor'

/

BEGIN
  UPDATE auth_user SET last_name = 'unknown' WHERE last_name IS NULL;

  DELETE FROM audit_log WHERE user_id IS NULL;
END;

/

UPDATE alembic_version SET version_num='0013' WHERE alembic_version.version_num = '0004'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0013' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: upgrade 0013 -> 0014 (Audit columns: index, a column with a default, a type change, a rename, a drop.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0014' AS revision, 'upgrade' AS direction, 'ast:0e385f3f3e55088365f019a68903196aac996a57bba965a3e03b0a8f671c' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade 0013 -> 0014

CREATE INDEX ix_audit_log_user_id ON audit_log (user_id)

/

ALTER TABLE audit_log ADD happened DATE DEFAULT SYSDATE NOT NULL

/

ALTER TABLE audit_log ADD flagged BOOLEAN

/

ALTER TABLE audit_log MODIFY action VARCHAR2(80 CHAR)

/

ALTER TABLE audit_log RENAME COLUMN action TO event

/

ALTER TABLE auth_user DROP COLUMN confirmed_at

/

UPDATE alembic_version SET version_num='0014' WHERE alembic_version.version_num = '0013'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0014' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: upgrade 0014 -> 0015 (Audit notes: the constraint, comment, default, rename and data operations we render.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0015' AS revision, 'upgrade' AS direction, 'ast:7add1369dd2b6382eeca5ea392602ca05cf0bc53731e7f19e8b8edc2e682' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade 0014 -> 0015

CREATE TABLE audit_notes (
    id INTEGER NOT NULL, 
    log_id INTEGER NOT NULL, 
    body CLOB, 
    written DATE DEFAULT SYSDATE NOT NULL, 
    CONSTRAINT pk_audit_notes PRIMARY KEY (id), 
    CONSTRAINT fk_audit_notes_log FOREIGN KEY(log_id) REFERENCES audit_log (id) ON DELETE CASCADE
)

/

COMMENT ON TABLE audit_notes IS 'what reviewers wrote about an audit entry'

/

CREATE INDEX ix_audit_notes_log_id ON audit_notes (log_id)

/

ALTER TABLE audit_log ADD role_id INTEGER

/

COMMENT ON COLUMN audit_log.role_id IS 'role acted as'

/

ALTER TABLE audit_log ADD CONSTRAINT fk_audit_log_role FOREIGN KEY(role_id) REFERENCES auth_role (id) ON DELETE SET NULL

/

CREATE INDEX ix_audit_log_role_id ON audit_log (role_id)

/

ALTER TABLE audit_log ADD CONSTRAINT uq_audit_log_event_happened UNIQUE (event, happened)

/

ALTER TABLE audit_log ADD CONSTRAINT ck_audit_log_event CHECK (LENGTH(event) > 0)

/

ALTER TABLE audit_log MODIFY flagged DEFAULT 0

/

UPDATE audit_log SET flagged = 0 WHERE flagged IS NULL

/

ALTER TABLE audit_log MODIFY flagged NOT NULL

/

COMMENT ON TABLE audit_log IS 'who did what, and when'

/

INSERT INTO auth_role (id, name, description) VALUES (100, 'reviewer', 'O''Brien & co; they read')

/

ALTER TABLE audit_notes RENAME TO audit_note

/

UPDATE alembic_version SET version_num='0015' WHERE alembic_version.version_num = '0014'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0015' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

EXIT SUCCESS

