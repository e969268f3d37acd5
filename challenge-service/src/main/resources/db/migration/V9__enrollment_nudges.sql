-- Progressive enrollment: a user who keeps logging in with a code on the phone is asked, after a number of such
-- logins or days, to add a stronger factor; a dismissal holds the question back for the tenant's interval.
CREATE TABLE tenant_nudge_settings (
    tenant_id        VARCHAR(64)  PRIMARY KEY,
    enabled          BOOLEAN      NOT NULL,
    after_logins     INT          NOT NULL CHECK (after_logins BETWEEN 1 AND 1000),
    after_days       INT          NOT NULL CHECK (after_days BETWEEN 1 AND 365),
    ask_again_days   INT          NOT NULL CHECK (ask_again_days BETWEEN 1 AND 365),
    factors          VARCHAR(64)  NOT NULL,
    updated_by       VARCHAR(255) NOT NULL,
    updated_at       TIMESTAMPTZ  NOT NULL
);

CREATE TABLE enrollment_nudge (
    tenant_id            VARCHAR(64)  NOT NULL,
    user_id              VARCHAR(128) NOT NULL,
    phone_logins         INT          NOT NULL,
    first_phone_login_at TIMESTAMPTZ  NOT NULL,
    last_shown_at        TIMESTAMPTZ,
    dismissed_at         TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, user_id)
);

REVOKE ALL ON tenant_nudge_settings, enrollment_nudge FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON tenant_nudge_settings, enrollment_nudge TO ${service_role};
