-- challenge-service runs as its own role (${service_role}), never as the owner of these tables: it gets the DML its
-- repositories use and no DDL. Migrations run as the owner role, so a fresh and an upgraded database end the same.
REVOKE ALL ON phone_enrollment, tenant_verify_settings, auth_factor, recovery_code, trusted_device FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON phone_enrollment, auth_factor, recovery_code TO ${service_role};
GRANT SELECT, INSERT, UPDATE ON tenant_verify_settings, trusted_device TO ${service_role};

-- A table or function added later is nobody's but the owner's until its migration grants it.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
