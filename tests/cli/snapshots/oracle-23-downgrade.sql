-- data loss: 0001: drops table auth_roles_users (rows not counted offline)
-- data loss: 0001: drops table auth_user (rows not counted offline)
-- data loss: 0001: drops table auth_role (rows not counted offline)
-- Oracle target version: 23 (set ORACLE_TARGET_VERSION to change it)


-- Running downgrade 0002 -> 0001

ALTER TABLE auth_user MODIFY first_name NULL

/

UPDATE alembic_version SET version_num='0001' WHERE alembic_version.version_num = '0002'

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

