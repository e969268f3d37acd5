-- Passkeys and security keys (WebAuthn). A passkey is a factor like an authenticator app: its row in auth_factor
-- (kind PASSKEY) carries its label, status, preference and use, so that listing, renaming, preferring and removing
-- treat every factor alike; what WebAuthn needs lives beside it in passkey_credential. A passkey has no shared
-- secret: only its public key is kept.
ALTER TABLE auth_factor DROP CONSTRAINT auth_factor_kind_check;
ALTER TABLE auth_factor ADD CONSTRAINT auth_factor_kind_check CHECK (kind IN ('TOTP', 'HOTP', 'PASSKEY'));
ALTER TABLE auth_factor ALTER COLUMN algorithm DROP NOT NULL;
ALTER TABLE auth_factor ALTER COLUMN digits DROP NOT NULL;
ALTER TABLE auth_factor ALTER COLUMN period_seconds DROP NOT NULL;
ALTER TABLE auth_factor ALTER COLUMN secret_ciphertext DROP NOT NULL;
ALTER TABLE auth_factor ADD CONSTRAINT auth_factor_otp_fields CHECK (kind = 'PASSKEY'
    OR (algorithm IS NOT NULL AND digits IS NOT NULL AND period_seconds IS NOT NULL AND secret_ciphertext IS NOT NULL));

CREATE TABLE passkey_credential (
    factor_id        UUID         PRIMARY KEY REFERENCES auth_factor (id) ON DELETE CASCADE,
    tenant_id        VARCHAR(64)  NOT NULL,
    user_id          VARCHAR(128) NOT NULL,
    -- The credential id as the authenticator chose it (at most 1023 bytes, WebAuthn Level 3).
    credential_id    BYTEA        NOT NULL CHECK (octet_length(credential_id) BETWEEN 16 AND 1023),
    -- The user handle the credential was created for; an assertion carrying another is refused.
    user_handle      BYTEA        NOT NULL,
    -- The attested credential data (AAGUID, credential id, COSE public key) as the authenticator sent it.
    attested_data    BYTEA        NOT NULL,
    aaguid           UUID         NOT NULL,
    sign_count       BIGINT       NOT NULL CHECK (sign_count >= 0),
    transports       VARCHAR(128) NOT NULL DEFAULT '',
    uv_initialized   BOOLEAN      NOT NULL,
    backup_eligible  BOOLEAN      NOT NULL,
    backed_up        BOOLEAN      NOT NULL,
    attestation_fmt  VARCHAR(32)  NOT NULL,
    -- Set when an assertion's sign count did not move past the stored one: a cloned authenticator is suspected.
    clone_suspected_at TIMESTAMPTZ
);
-- A credential id is the tenant's relying party's: it names one credential of one user.
CREATE UNIQUE INDEX passkey_credential_id ON passkey_credential (tenant_id, credential_id);
CREATE INDEX passkey_credential_user ON passkey_credential (tenant_id, user_id);

-- A tenant's relying party. No row: passkeys are off for the tenant.
CREATE TABLE tenant_passkey_settings (
    tenant_id          VARCHAR(64)   PRIMARY KEY,
    rp_id              VARCHAR(253)  NOT NULL,
    rp_name            VARCHAR(128)  NOT NULL,
    origins            TEXT          NOT NULL,
    user_verification  VARCHAR(16)   NOT NULL CHECK (user_verification IN ('required', 'preferred', 'discouraged')),
    attestation        VARCHAR(16)   NOT NULL CHECK (attestation IN ('none', 'direct')),
    trust_anchors      TEXT          NOT NULL DEFAULT '',
    allow_synced       BOOLEAN       NOT NULL,
    aaguid_allow       TEXT          NOT NULL DEFAULT '',
    aaguid_deny        TEXT          NOT NULL DEFAULT '',
    sign_count_policy  VARCHAR(16)   NOT NULL CHECK (sign_count_policy IN ('refuse', 'flag')),
    updated_by         VARCHAR(255)  NOT NULL,
    updated_at         TIMESTAMPTZ   NOT NULL
);

REVOKE ALL ON passkey_credential, tenant_passkey_settings FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON passkey_credential TO ${service_role};
GRANT SELECT, INSERT, UPDATE ON tenant_passkey_settings TO ${service_role};
