-- Oracle target version: 19 (set ORACLE_TARGET_VERSION to change it)

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

PROMPT oramigrate: stamp_revision -> 0004

-- Running stamp_revision  -> 0004

INSERT INTO alembic_version (version_num) VALUES ('0004')

/

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, finished, duration_ms, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0001' AS revision, 'stamp' AS direction, 'ast:752bc8e446ad8adffc5c2a1f6a43bfd61daecfb85cf75c6e8e0a5e5035f4' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS finished, 0 AS duration_ms, 'success' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, finished, duration_ms, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0002' AS revision, 'stamp' AS direction, 'ast:28acc47acf54d157c8b74b403489a1a30a3b8ca681382a5352f9281c3f94' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS finished, 0 AS duration_ms, 'success' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, finished, duration_ms, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0003' AS revision, 'stamp' AS direction, 'ast:811eaa7c9d18898543979e38385a8014658bc20275da3fe963bf9964c1e9' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS finished, 0 AS duration_ms, 'success' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, finished, duration_ms, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0004' AS revision, 'stamp' AS direction, 'ast:cf86549428b66bdb5fdba40be763d33213415e188aa9853800614c56d682' AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS finished, 0 AS duration_ms, 'success' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

EXIT SUCCESS

