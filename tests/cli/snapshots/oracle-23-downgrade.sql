-- data loss: 0004: drops table app_setting (rows not counted offline)
-- data loss: 0004: drops column auth_user.last_failed_login_at (rows not counted offline)
-- data loss: 0004: drops column auth_user.failed_logins (rows not counted offline)
-- data loss: 0001: drops table auth_roles_users (rows not counted offline)
-- data loss: 0001: drops table auth_user (rows not counted offline)
-- data loss: 0001: drops table auth_role (rows not counted offline)
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
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts at revision 0004 but alembic_version does not hold it: nothing was run');
  END IF;
  SELECT COUNT(*) INTO found FROM all_tables WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'MIGRATION_HISTORY';
  IF found = 0 THEN
    EXECUTE IMMEDIATE 'CREATE TABLE migration_history ( id INTEGER NOT NULL, revision VARCHAR2(64 CHAR) NOT NULL, direction VARCHAR2(16 CHAR) NOT NULL, checksum VARCHAR2(64 CHAR), db_user VARCHAR2(128 CHAR), os_user VARCHAR2(128 CHAR), host VARCHAR2(255 CHAR), pid INTEGER, started DATE NOT NULL, finished DATE, duration_ms INTEGER, outcome VARCHAR2(16 CHAR) NOT NULL, error VARCHAR2(1000 CHAR), note VARCHAR2(1000 CHAR), PRIMARY KEY (id) )';
  END IF;
  EXECUTE IMMEDIATE 'SELECT COUNT(*), COUNT(CASE WHEN version_num = ''0004'' THEN 1 END) FROM alembic_version' INTO total, matching;
  IF total <> 1 OR matching <> 1 THEN
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts at revision 0004 but alembic_version does not hold it: nothing was run');
  END IF;
END;

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

PROMPT oramigrate: downgrade 0002 -> 0001 (Make auth_user.first_name NOT NULL: backfill NULLs, then alter the column in place.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0002' AS revision, 'downgrade' AS direction, 'ast:28acc47acf54d157c8b74b403489a1a30a3b8ca681382a5352f9281c3f94' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0002 -> 0001

ALTER TABLE auth_user MODIFY first_name NULL

/

UPDATE alembic_version SET version_num='0001' WHERE alembic_version.version_num = '0002'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0002' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: downgrade 0001 -> (Users and roles: their sequences first, then the tables.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0001' AS revision, 'downgrade' AS direction, 'ast:752bc8e446ad8adffc5c2a1f6a43bfd61daecfb85cf75c6e8e0a5e5035f4' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running downgrade 0001 -> 

DROP TABLE auth_roles_users

/

DROP TABLE auth_user

/

DROP TABLE auth_role

/

DROP SEQUENCE auth_user_id_seq

/

DROP SEQUENCE auth_role_id_seq

/

DELETE FROM alembic_version WHERE alembic_version.version_num = '0001'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0001' AND migration_history.direction = 'downgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

EXIT SUCCESS

