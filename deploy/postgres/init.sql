-- One database per service that persists (enrolments, the audit trail), each with its own roles; none is a
-- superuser or may create roles or databases. Run once by psql as the superuser, with the roles' passwords as psql
-- variables (init.sh passes them from the environment):
--   <db>_owner    owns the database and its schema; the services' Flyway migrations run as it
--   <db>_service  what the service runs as; the migrations grant it the rows it uses and no DDL
--   audit_reader  compliance: reads the audit trail, nothing else
CREATE ROLE challenge_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'challenge_owner_password';
CREATE ROLE challenge_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'challenge_service_password';
CREATE ROLE audit_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'audit_owner_password';
CREATE ROLE audit_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'audit_service_password';
CREATE ROLE audit_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'audit_reader_password';

CREATE DATABASE challenge OWNER challenge_owner;
CREATE DATABASE audit OWNER audit_owner;
-- nobody connects or makes temporary tables unless named here
REVOKE ALL ON DATABASE challenge FROM PUBLIC;
REVOKE ALL ON DATABASE audit FROM PUBLIC;
GRANT CONNECT ON DATABASE challenge TO challenge_service;
GRANT CONNECT ON DATABASE audit TO audit_service, audit_reader;

\connect challenge
ALTER SCHEMA public OWNER TO challenge_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO challenge_service;

\connect audit
ALTER SCHEMA public OWNER TO audit_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO audit_service, audit_reader;
