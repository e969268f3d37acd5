-- A tenant's own Verify defaults; a NULL column means "the platform default".
CREATE TABLE tenant_verify_settings (
    tenant_id      VARCHAR(64)  PRIMARY KEY,
    code_length    INTEGER      CHECK (code_length BETWEEN 4 AND 10),
    expiry_seconds INTEGER      CHECK (expiry_seconds BETWEEN 60 AND 600),
    max_attempts   INTEGER      CHECK (max_attempts BETWEEN 1 AND 10),
    auto_channels  VARCHAR(64),
    updated_at     TIMESTAMPTZ  NOT NULL
);
