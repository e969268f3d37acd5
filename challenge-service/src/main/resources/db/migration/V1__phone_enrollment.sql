-- One enrolled phone per user and tenant: the destination of SMS challenges.
CREATE TABLE phone_enrollment (
    id           UUID         PRIMARY KEY,
    tenant_id    VARCHAR(64)  NOT NULL,
    user_id      VARCHAR(128) NOT NULL,
    phone_number VARCHAR(32)  NOT NULL,
    enrolled_at  TIMESTAMPTZ  NOT NULL,
    updated_at   TIMESTAMPTZ  NOT NULL,
    CONSTRAINT phone_enrollment_tenant_user UNIQUE (tenant_id, user_id)
);
