-- Account recovery for a user who lost every factor: support opens it after the runbook's identity check, a second
-- person (compliance) approves it, it waits a tenant-set delay during which the user is told and can cancel it, then
-- it allows one enrollment of a new factor without step-up.
CREATE TABLE account_recovery (
    id             UUID         PRIMARY KEY,
    tenant_id      VARCHAR(64)  NOT NULL,
    user_id        VARCHAR(128) NOT NULL,
    status         VARCHAR(20)  NOT NULL
        CHECK (status IN ('AWAITING_APPROVAL', 'WAITING', 'USED', 'CANCELED')),
    ticket         VARCHAR(128) NOT NULL,
    opened_by      VARCHAR(255) NOT NULL,
    opened_at      TIMESTAMPTZ  NOT NULL,
    approved_by    VARCHAR(255),
    approved_at    TIMESTAMPTZ,
    matures_at     TIMESTAMPTZ,
    expires_at     TIMESTAMPTZ  NOT NULL,
    closed_by      VARCHAR(255),
    closed_at      TIMESTAMPTZ
);
-- At most one open recovery per user: a second one would double the window an impostor has.
CREATE UNIQUE INDEX account_recovery_one_open ON account_recovery (tenant_id, user_id)
    WHERE status IN ('AWAITING_APPROVAL', 'WAITING');

CREATE TABLE tenant_recovery_settings (
    tenant_id     VARCHAR(64)  PRIMARY KEY,
    delay_seconds BIGINT       NOT NULL CHECK (delay_seconds >= 3600),
    updated_by    VARCHAR(255) NOT NULL,
    updated_at    TIMESTAMPTZ  NOT NULL
);

REVOKE ALL ON account_recovery, tenant_recovery_settings FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON account_recovery, tenant_recovery_settings TO ${service_role};
