-- data loss: 0015: deletes rows of auth_role (rows not counted offline)
-- data loss: 0015: drops column audit_log.role_id (rows not counted offline)
-- data loss: 0015: drops table audit_note (rows not counted offline)
-- data loss: 0014: drops column audit_log.flagged (rows not counted offline)
-- data loss: 0014: drops column audit_log.happened (rows not counted offline)
-- data loss: 0013: deletes rows of auth_role (rows not counted offline)
-- data loss: 0013: drops table audit_log (rows not counted offline)
-- data loss: 0004: drops table app_setting (rows not counted offline)
-- data loss: 0004: drops column auth_user.last_failed_login_at (rows not counted offline)
-- data loss: 0004: drops column auth_user.failed_logins (rows not counted offline)
-- Oracle target version: 12.1 (set ORACLE_TARGET_VERSION to change it)

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
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts at revision 0015 but alembic_version does not hold it: nothing was run');
  END IF;
  SELECT COUNT(*) INTO found FROM all_tables WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'MIGRATION_HISTORY';
  IF found = 0 THEN
    EXECUTE IMMEDIATE 'CREATE TABLE migration_history ( id INTEGER NOT NULL, revision VARCHAR2(64 CHAR) NOT NULL, direction VARCHAR2(16 CHAR) NOT NULL, checksum VARCHAR2(64 CHAR), db_user VARCHAR2(128 CHAR), os_user VARCHAR2(128 CHAR), host VARCHAR2(255 CHAR), pid INTEGER, started DATE NOT NULL, finished DATE, duration_ms INTEGER, outcome VARCHAR2(16 CHAR) NOT NULL, error VARCHAR2(1000 CHAR), note VARCHAR2(1000 CHAR), PRIMARY KEY (id) )';
  END IF;
  EXECUTE IMMEDIATE 'SELECT COUNT(*), COUNT(CASE WHEN version_num = ''0015'' THEN 1 END) FROM alembic_version' INTO total, matching;
  IF total <> 1 OR matching <> 1 THEN
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts at revision 0015 but alembic_version does not hold it: nothing was run');
  END IF;
END;

/

PROMPT oramigrate: downgrade 0015 -> 0014 (Audit notes: the constraint, comment, default, rename and data operations we render.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0015' AS revision, 'downgrade' AS direction, 'ast:7add1369dd2b6382eeca5ea392602ca05cf0bc53731e7f19e8b8edc2e682' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0015 -> 0014

ALTER TABLE audit_note RENAME TO audit_notes

/

DELETE FROM auth_role WHERE id = 100

/

COMMENT ON TABLE audit_log IS ''

/

ALTER TABLE audit_log MODIFY flagged NULL

/

ALTER TABLE audit_log MODIFY flagged DEFAULT NULL

/

ALTER TABLE audit_log DROP CONSTRAINT ck_audit_log_event

/

ALTER TABLE audit_log DROP CONSTRAINT uq_audit_log_event_happened

/

DROP INDEX ix_audit_log_role_id

/

ALTER TABLE audit_log DROP CONSTRAINT fk_audit_log_role

/

ALTER TABLE audit_log DROP COLUMN role_id

/

DROP INDEX ix_audit_notes_log_id

/

DROP TABLE audit_notes

/

UPDATE alembic_version SET version_num='0014' WHERE alembic_version.version_num = '0015'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0015' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: downgrade 0014 -> 0013 (Audit columns: index, a column with a default, a type change, a rename, a drop.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0014' AS revision, 'downgrade' AS direction, 'ast:0e385f3f3e55088365f019a68903196aac996a57bba965a3e03b0a8f671c' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0014 -> 0013

ALTER TABLE auth_user ADD confirmed_at DATE

/

ALTER TABLE audit_log RENAME COLUMN event TO action

/

ALTER TABLE audit_log MODIFY action VARCHAR2(40 CHAR)

/

ALTER TABLE audit_log DROP COLUMN flagged

/

ALTER TABLE audit_log DROP COLUMN happened

/

DROP INDEX ix_audit_log_user_id

/

UPDATE alembic_version SET version_num='0013' WHERE alembic_version.version_num = '0014'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0014' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: downgrade 0013 -> 0004 (Audit log: raw SQL as people write it, sequence options, ON DELETE SET NULL.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0013' AS revision, 'downgrade' AS direction, 'ast:4586e8ab786f659d2850bc4d26248d43a28751fa201ed2fe0e16375c8ed8' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0013 -> 0004

DELETE FROM auth_role WHERE name = 'auditor'

/

DROP TABLE audit_log

/

DROP SEQUENCE audit_batch_seq

/

DROP SEQUENCE audit_log_id_seq

/

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0013'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0013' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: downgrade 0004 -> 0003 (Failed sign-ins per account, and a settings table that takes over the salt fingerprint's reserved ro)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0004' AS revision, 'downgrade' AS direction, 'ast:cf86549428b66bdb5fdba40be763d33213415e188aa9853800614c56d682' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0004 -> 0003

INSERT INTO auth_role (id, name, description) SELECT auth_role_id_seq.nextval AS next_value_1, '_password_salt' AS anon_1, 'fingerprint of SECURITY_PASSWORD_SALT: ' || app_setting.value AS anon_2 
FROM app_setting 
WHERE app_setting.name = 'password_salt_fingerprint'

/

DROP TABLE app_setting

/

ALTER TABLE auth_user DROP COLUMN last_failed_login_at

/

ALTER TABLE auth_user DROP COLUMN failed_logins

/

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0004'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0004' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: downgrade 0003 -> 0002 (Index auth_roles_users.role_id: without it Oracle locks the whole link table while a role is deleted)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0003' AS revision, 'downgrade' AS direction, 'ast:811eaa7c9d18898543979e38385a8014658bc20275da3fe963bf9964c1e9' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0003 -> 0002

DROP INDEX ix_auth_roles_users_role_id

/

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0003'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0003' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

EXIT SUCCESS

