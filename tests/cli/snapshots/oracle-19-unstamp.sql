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

PROMPT oramigrate: stamp_revision 0002 ->

-- Running stamp_revision 0002 -> 

DELETE FROM alembic_version WHERE alembic_version.version_num = '0002'

/

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, finished, duration_ms, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0002' AS revision, 'unstamp' AS direction, NULL AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS finished, 0 AS duration_ms, 'success' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, finished, duration_ms, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0001' AS revision, 'unstamp' AS direction, NULL AS checksum, USER AS db_user, SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128) AS os_user, SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255) AS host, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS started, CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) AS finished, 0 AS duration_ms, 'success' AS outcome, 'run from a --sql script' AS note 
FROM migration_history

/

COMMIT

/

EXIT SUCCESS

