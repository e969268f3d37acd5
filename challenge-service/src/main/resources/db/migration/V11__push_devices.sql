-- Push approval. A paired device is a factor like the others: its row in auth_factor (kind PUSH) carries its name,
-- status, preference and use; what push needs lives beside it in push_device. The device holds its private key;
-- only the public key is kept, with which every request of the device is verified.
ALTER TABLE auth_factor DROP CONSTRAINT auth_factor_kind_check;
ALTER TABLE auth_factor ADD CONSTRAINT auth_factor_kind_check CHECK (kind IN ('TOTP', 'HOTP', 'PASSKEY', 'PUSH'));
ALTER TABLE auth_factor DROP CONSTRAINT auth_factor_otp_fields;
ALTER TABLE auth_factor ADD CONSTRAINT auth_factor_otp_fields CHECK (kind IN ('PASSKEY', 'PUSH')
    OR (algorithm IS NOT NULL AND digits IS NOT NULL AND period_seconds IS NOT NULL AND secret_ciphertext IS NOT NULL));

CREATE TABLE push_device (
    factor_id        UUID          PRIMARY KEY REFERENCES auth_factor (id) ON DELETE CASCADE,
    tenant_id        VARCHAR(64)   NOT NULL,
    user_id          VARCHAR(128)  NOT NULL,
    -- The device's public key, X.509 SubjectPublicKeyInfo (DER), and its algorithm.
    public_key       BYTEA         NOT NULL CHECK (octet_length(public_key) BETWEEN 32 AND 512),
    key_algorithm    VARCHAR(16)   NOT NULL CHECK (key_algorithm IN ('ES256', 'Ed25519')),
    platform         VARCHAR(8)    NOT NULL CHECK (platform IN ('fcm', 'apns')),
    push_token       VARCHAR(4096) NOT NULL,
    -- 'unregistered' once the provider said the token is dead: the device gets no push until the app refreshes it.
    token_state      VARCHAR(16)   NOT NULL CHECK (token_state IN ('active', 'unregistered')),
    token_updated_at TIMESTAMPTZ   NOT NULL
);
CREATE INDEX push_device_user ON push_device (tenant_id, user_id);

-- A tenant's push settings. No row: the defaults (the tenant's id as its name, 3 pushes in 10 minutes, 60 s).
CREATE TABLE tenant_push_settings (
    tenant_id       VARCHAR(64)  PRIMARY KEY,
    display_name    VARCHAR(64)  NOT NULL,
    max_pushes      INT          NOT NULL CHECK (max_pushes BETWEEN 1 AND 20),
    window_seconds  INT          NOT NULL CHECK (window_seconds BETWEEN 60 AND 86400),
    ttl_seconds     INT          NOT NULL CHECK (ttl_seconds BETWEEN 15 AND 300),
    updated_by      VARCHAR(255) NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL
);

REVOKE ALL ON push_device, tenant_push_settings FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON push_device TO ${service_role};
GRANT SELECT, INSERT, UPDATE ON tenant_push_settings TO ${service_role};
