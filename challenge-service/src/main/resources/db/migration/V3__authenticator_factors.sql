-- Authenticator factors (TOTP, HOTP). The secret is stored only encrypted (AES-GCM, versioned key:
-- v1.<keyId>.<base64url(nonce || ciphertext+tag)>, associated data tenant:factorId).
CREATE TABLE auth_factor (
    id                UUID          PRIMARY KEY,
    tenant_id         VARCHAR(64)   NOT NULL,
    user_id           VARCHAR(128)  NOT NULL,
    kind              VARCHAR(16)   NOT NULL CHECK (kind IN ('TOTP', 'HOTP')),
    label             VARCHAR(128)  NOT NULL,
    algorithm         VARCHAR(16)   NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    digits            INTEGER       NOT NULL CHECK (digits IN (6, 8)),
    period_seconds    INTEGER       NOT NULL CHECK (period_seconds BETWEEN 15 AND 300),
    secret_ciphertext TEXT          NOT NULL,
    status            VARCHAR(16)   NOT NULL CHECK (status IN ('PENDING', 'ACTIVE')),
    preferred         BOOLEAN       NOT NULL DEFAULT FALSE,
    -- TOTP: the last time step accepted (never accepted again); HOTP: the last counter accepted.
    last_step         BIGINT,
    drift_steps       INTEGER       NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ   NOT NULL,
    activated_at      TIMESTAMPTZ,
    last_used_at      TIMESTAMPTZ
);
CREATE INDEX auth_factor_user ON auth_factor (tenant_id, user_id);

-- Recovery codes: only a salted slow hash; used_at set once, by a conditional update.
CREATE TABLE recovery_code (
    id         UUID          PRIMARY KEY,
    tenant_id  VARCHAR(64)   NOT NULL,
    user_id    VARCHAR(128)  NOT NULL,
    code_hash  TEXT          NOT NULL,
    created_at TIMESTAMPTZ   NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX recovery_code_user ON recovery_code (tenant_id, user_id);

-- Trusted devices: only the SHA-256 of the token is kept.
CREATE TABLE trusted_device (
    id                 UUID          PRIMARY KEY,
    tenant_id          VARCHAR(64)   NOT NULL,
    user_id            VARCHAR(128)  NOT NULL,
    token_hash         VARCHAR(64)   NOT NULL UNIQUE,
    fingerprint_hash   VARCHAR(64)   NOT NULL,
    label              VARCHAR(128),
    created_at         TIMESTAMPTZ   NOT NULL,
    expires_at         TIMESTAMPTZ   NOT NULL,
    revoked_at         TIMESTAMPTZ
);
CREATE INDEX trusted_device_user ON trusted_device (tenant_id, user_id);
