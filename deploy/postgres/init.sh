#!/usr/bin/env bash
# First start of the PostgreSQL container: creates the databases and roles of init.sql with the passwords given in
# the environment (every one required: a role without a password could not log in, one with a default would be
# guessable).
set -euo pipefail
for name in PG_CHALLENGE_OWNER_PASSWORD PG_CHALLENGE_SERVICE_PASSWORD PG_AUDIT_OWNER_PASSWORD \
            PG_AUDIT_SERVICE_PASSWORD PG_AUDIT_READER_PASSWORD; do
    if [ -z "${!name:-}" ]; then
        echo "init.sh: $name is not set" >&2
        exit 1
    fi
done
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v challenge_owner_password="$PG_CHALLENGE_OWNER_PASSWORD" \
    -v challenge_service_password="$PG_CHALLENGE_SERVICE_PASSWORD" \
    -v audit_owner_password="$PG_AUDIT_OWNER_PASSWORD" \
    -v audit_service_password="$PG_AUDIT_SERVICE_PASSWORD" \
    -v audit_reader_password="$PG_AUDIT_READER_PASSWORD" \
    -f "${KEYSTEP_INIT_SQL:-/keystep/init.sql}"
