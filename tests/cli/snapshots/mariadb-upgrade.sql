CREATE TABLE IF NOT EXISTS alembic_version ( version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num) );

CREATE TABLE IF NOT EXISTS migration_history ( id INTEGER NOT NULL, revision VARCHAR(64) NOT NULL, direction VARCHAR(16) NOT NULL, checksum VARCHAR(64), db_user VARCHAR(128), os_user VARCHAR(128), host VARCHAR(255), pid INTEGER, started DATETIME NOT NULL, finished DATETIME, duration_ms INTEGER, outcome VARCHAR(16) NOT NULL, error VARCHAR(1000), note VARCHAR(1000), PRIMARY KEY (id) );

DELIMITER //
BEGIN NOT ATOMIC
  IF (SELECT COUNT(*) FROM alembic_version) <> 0 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'oramigrate: this script starts from an empty schema but alembic_version is not empty: nothing was run';
  END IF;
END
//
DELIMITER ;

-- oramigrate: upgrade -> 0001 (Users and roles: their sequences first, then the tables.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0001' AS revision, 'upgrade' AS direction, 'ast:752bc8e446ad8adffc5c2a1f6a43bfd61daecfb85cf75c6e8e0a5e5035f4' AS checksum, SUBSTRING_INDEX(USER(), '@', 1) AS db_user, NULL AS os_user, SUBSTRING_INDEX(USER(), '@', -1) AS host, UTC_TIMESTAMP() AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history;

COMMIT;

-- Running upgrade  -> 0001

CREATE SEQUENCE auth_role_id_seq INCREMENT BY 1 START WITH 1;

CREATE SEQUENCE auth_user_id_seq INCREMENT BY 1 START WITH 1;

CREATE TABLE auth_role (
    id INTEGER NOT NULL, 
    name VARCHAR(80) NOT NULL, 
    description VARCHAR(255), 
    CONSTRAINT pk_auth_role PRIMARY KEY (id), 
    CONSTRAINT uq_auth_role_name UNIQUE (name)
);

CREATE TABLE auth_user (
    id INTEGER NOT NULL, 
    email VARCHAR(255) NOT NULL, 
    first_name VARCHAR(100), 
    last_name VARCHAR(100), 
    password VARCHAR(255) NOT NULL, 
    active BOOL NOT NULL, 
    fs_uniquifier VARCHAR(64) NOT NULL, 
    confirmed_at DATETIME, 
    CONSTRAINT pk_auth_user PRIMARY KEY (id), 
    CONSTRAINT uq_auth_user_email UNIQUE (email), 
    CONSTRAINT uq_auth_user_fs_uniquifier UNIQUE (fs_uniquifier)
);

CREATE TABLE auth_roles_users (
    user_id INTEGER NOT NULL, 
    role_id INTEGER NOT NULL, 
    CONSTRAINT pk_auth_roles_users PRIMARY KEY (user_id, role_id), 
    CONSTRAINT fk_auth_roles_users_user_59c3 FOREIGN KEY(user_id) REFERENCES auth_user (id) ON DELETE CASCADE, 
    CONSTRAINT fk_auth_roles_users_role_daca FOREIGN KEY(role_id) REFERENCES auth_role (id) ON DELETE CASCADE
);

START TRANSACTION;

INSERT INTO alembic_version (version_num) VALUES ('0001');

UPDATE migration_history SET finished=UTC_TIMESTAMP(), duration_ms=TIMESTAMPDIFF(SECOND, started, UTC_TIMESTAMP()) * 1000, outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0001' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') AS latest);

COMMIT;

-- oramigrate: upgrade 0001 -> 0002 (Make auth_user.first_name NOT NULL: backfill NULLs, then alter the column in place.)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0002' AS revision, 'upgrade' AS direction, 'ast:28acc47acf54d157c8b74b403489a1a30a3b8ca681382a5352f9281c3f94' AS checksum, SUBSTRING_INDEX(USER(), '@', 1) AS db_user, NULL AS os_user, SUBSTRING_INDEX(USER(), '@', -1) AS host, UTC_TIMESTAMP() AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history;

COMMIT;

-- Running upgrade 0001 -> 0002

UPDATE auth_user SET first_name='unknown' WHERE auth_user.first_name IS NULL;

ALTER TABLE auth_user MODIFY first_name VARCHAR(100) NOT NULL;

START TRANSACTION;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

UPDATE migration_history SET finished=UTC_TIMESTAMP(), duration_ms=TIMESTAMPDIFF(SECOND, started, UTC_TIMESTAMP()) * 1000, outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0002' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') AS latest);

COMMIT;

-- oramigrate: upgrade 0002 -> 0003 (Index auth_roles_users.role_id: without it Oracle locks the whole link table while a role is deleted)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0003' AS revision, 'upgrade' AS direction, 'ast:811eaa7c9d18898543979e38385a8014658bc20275da3fe963bf9964c1e9' AS checksum, SUBSTRING_INDEX(USER(), '@', 1) AS db_user, NULL AS os_user, SUBSTRING_INDEX(USER(), '@', -1) AS host, UTC_TIMESTAMP() AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history;

COMMIT;

-- Running upgrade 0002 -> 0003

CREATE INDEX ix_auth_roles_users_role_id ON auth_roles_users (role_id);

START TRANSACTION;

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0002';

UPDATE migration_history SET finished=UTC_TIMESTAMP(), duration_ms=TIMESTAMPDIFF(SECOND, started, UTC_TIMESTAMP()) * 1000, outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0003' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') AS latest);

COMMIT;

-- oramigrate: upgrade 0003 -> 0004 (Failed sign-ins per account, and a settings table that takes over the salt fingerprint's reserved ro)

INSERT INTO migration_history (id, revision, direction, checksum, db_user, os_user, host, started, outcome, note) SELECT coalesce(max(migration_history.id), 0) + 1 AS id, '0004' AS revision, 'upgrade' AS direction, 'ast:cf86549428b66bdb5fdba40be763d33213415e188aa9853800614c56d682' AS checksum, SUBSTRING_INDEX(USER(), '@', 1) AS db_user, NULL AS os_user, SUBSTRING_INDEX(USER(), '@', -1) AS host, UTC_TIMESTAMP() AS started, 'running' AS outcome, 'run from a --sql script' AS note 
FROM migration_history;

COMMIT;

-- Running upgrade 0003 -> 0004

ALTER TABLE auth_user ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;

ALTER TABLE auth_user ADD COLUMN last_failed_login_at DATETIME;

CREATE TABLE app_setting (
    name VARCHAR(100) NOT NULL, 
    value VARCHAR(255) NOT NULL, 
    CONSTRAINT pk_app_setting PRIMARY KEY (name)
);

INSERT INTO app_setting (name, value) SELECT 'password_salt_fingerprint' AS anon_1, substr(auth_role.description, 40) AS substr_1 
FROM auth_role 
WHERE auth_role.name = '_password_salt';

DELETE FROM auth_role WHERE auth_role.name = '_password_salt';

START TRANSACTION;

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';

UPDATE migration_history SET finished=UTC_TIMESTAMP(), duration_ms=TIMESTAMPDIFF(SECOND, started, UTC_TIMESTAMP()) * 1000, outcome='success' WHERE migration_history.id = (SELECT latest.id 
FROM (SELECT max(migration_history.id) AS id 
FROM migration_history 
WHERE migration_history.revision = '0004' AND migration_history.direction = 'upgrade' AND migration_history.outcome = 'running') AS latest);

COMMIT;

