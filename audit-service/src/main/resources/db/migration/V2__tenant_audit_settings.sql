-- A tenant's own audit settings (GET/PUT /v1/settings/audit). A NULL column means the platform default
-- (configuration) applies; the retention job reads retention_months for every tenant it prunes.
CREATE TABLE audit_tenant_settings (
    tenant_id            text        PRIMARY KEY,
    retention_months     int         CHECK (retention_months BETWEEN 1 AND 120),
    search_default_limit int         CHECK (search_default_limit >= 1),
    updated_at           timestamptz NOT NULL,
    updated_by           text        NOT NULL
);
