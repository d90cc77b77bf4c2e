-- Oracle target version: 19 (set ORACLE_TARGET_VERSION to change it)


CREATE TABLE alembic_version (
    version_num VARCHAR2(32 CHAR) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)

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

-- Running upgrade 0001 -> 0002

UPDATE auth_user SET first_name='unknown' WHERE auth_user.first_name IS NULL

/

ALTER TABLE auth_user MODIFY first_name NOT NULL

/

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001'

/

