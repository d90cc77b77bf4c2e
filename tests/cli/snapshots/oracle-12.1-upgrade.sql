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
    EXECUTE IMMEDIATE 'CREATE TABLE alembic_version ( version_num VARCHAR2(32 CHAR) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num) )';
  END IF;
  SELECT COUNT(*) INTO found FROM all_tables WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'MIGRATION_HISTORY';
  IF found = 0 THEN
    EXECUTE IMMEDIATE 'CREATE TABLE migration_history ( id INTEGER NOT NULL, revision VARCHAR2(64 CHAR) NOT NULL, direction VARCHAR2(16 CHAR) NOT NULL, checksum VARCHAR2(64 CHAR), db_user VARCHAR2(128 CHAR), os_user VARCHAR2(128 CHAR), host VARCHAR2(255 CHAR), pid INTEGER, started DATE NOT NULL, finished DATE, duration_ms INTEGER, outcome VARCHAR2(16 CHAR) NOT NULL, error VARCHAR2(1000 CHAR), note VARCHAR2(1000 CHAR), PRIMARY KEY (id) )';
  END IF;
  EXECUTE IMMEDIATE 'SELECT COUNT(*), 0 FROM alembic_version' INTO total, matching;
  IF total <> 0 THEN
    RAISE_APPLICATION_ERROR(-20001, 'oramigrate: this script starts from an empty schema but alembic_version is not empty: nothing was run');
  END IF;
END;

/

PROMPT oramigrate: upgrade -> 0001 (Users and roles: their sequences first, then the tables.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0001' AS revision, 'upgrade' AS direction, 'ast:752bc8e446ad8adffc5c2a1f6a43bfd61daecfb85cf75c6e8e0a5e5035f4' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade  -> 0001

CREATE SEQUENCE auth_role_id_seq INCREMENT BY 1 START WITH 1

/

CREATE SEQUENCE auth_user_id_seq INCREMENT BY 1 START WITH 1

/

CREATE TABLE auth_role (
    id INTEGER NOT NULL, 
    name VARCHAR2(80 CHAR) NOT NULL, 
    description VARCHAR2(255 CHAR), 
    CONSTRAINT pk_auth_role PRIMARY KEY (id), 
    CONSTRAINT uq_auth_role_name UNIQUE (name)
)

/

CREATE TABLE auth_user (
    id INTEGER NOT NULL, 
    email VARCHAR2(255 CHAR) NOT NULL, 
    first_name VARCHAR2(100 CHAR), 
    last_name VARCHAR2(100 CHAR), 
    password VARCHAR2(255 CHAR) NOT NULL, 
    active SMALLINT NOT NULL, 
    fs_uniquifier VARCHAR2(64 CHAR) NOT NULL, 
    confirmed_at DATE, 
    CONSTRAINT pk_auth_user PRIMARY KEY (id), 
    CONSTRAINT uq_auth_user_email UNIQUE (email), 
    CONSTRAINT uq_auth_user_fs_uniquifier UNIQUE (fs_uniquifier)
)

/

CREATE TABLE auth_roles_users (
    user_id INTEGER NOT NULL, 
    role_id INTEGER NOT NULL, 
    CONSTRAINT pk_auth_roles_users PRIMARY KEY (user_id, role_id), 
    CONSTRAINT fk_auth_roles_users_user_59c3 FOREIGN KEY(user_id) REFERENCES auth_user (id) ON DELETE CASCADE, 
    CONSTRAINT fk_auth_roles_users_role_daca FOREIGN KEY(role_id) REFERENCES auth_role (id) ON DELETE CASCADE
)

/

INSERT INTO alembic_version (version_num) VALUES ('0001')

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0001' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

/

PROMPT oramigrate: upgrade 0001 -> 0002 (Make auth_user.first_name NOT NULL: backfill NULLs, then alter the column in place.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0002' AS revision, 'upgrade' AS direction, 'ast:28acc47acf54d157c8b74b403489a1a30a3b8ca681382a5352f9281c3f94' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

-- Running upgrade 0001 -> 0002

UPDATE auth_user SET first_name='unknown' WHERE auth_user.first_name IS NULL

/

ALTER TABLE auth_user MODIFY first_name NOT NULL

/

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001'

/

UPDATE migration_history SET finished=CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE), duration_ms=ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000), outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0002' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') latest)

/

COMMIT

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

EXIT SUCCESS

