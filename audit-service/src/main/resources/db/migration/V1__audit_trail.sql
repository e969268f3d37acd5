-- The audit trail. Rows are partitioned by the month in which audit-service received them, so that
-- retention drops whole partitions and each tenant's hash chain (ordered by chain_seq, assigned at
-- receipt) runs through the partitions oldest to newest.
--
-- Exactly once: a unique constraint on a partitioned table must contain the partition key, so
-- (event_id, received_at) alone would let a redelivery land in another month. audit_event_id holds
-- one row per event id ever stored (not partitioned); an event is inserted into audit_event only
-- when its id could be claimed there, in the same transaction.
CREATE TABLE audit_event_id (
    event_id    uuid        PRIMARY KEY,
    tenant_id   text        NOT NULL,
    received_at timestamptz NOT NULL
);

CREATE TABLE audit_event (
    event_id       uuid        NOT NULL,
    tenant_id      text        NOT NULL,
    chain_seq      bigint      NOT NULL,
    type           text        NOT NULL,
    schema_version int         NOT NULL,
    occurred_at    timestamptz NOT NULL,
    correlation_id text        NOT NULL,
    user_id        text        NOT NULL,
    topic          text        NOT NULL,
    "partition"    int         NOT NULL,
    "offset"       bigint      NOT NULL,
    received_at    timestamptz NOT NULL,
    payload        jsonb       NOT NULL,
    prev_hash      text        NOT NULL,
    hash           text        NOT NULL,
    PRIMARY KEY (event_id, received_at)
) PARTITION BY RANGE (received_at);

CREATE INDEX audit_event_tenant_time ON audit_event (tenant_id, occurred_at DESC, event_id DESC);
CREATE INDEX audit_event_tenant_user_time ON audit_event (tenant_id, user_id, occurred_at DESC);
CREATE INDEX audit_event_tenant_correlation ON audit_event (tenant_id, correlation_id);
CREATE INDEX audit_event_tenant_chain ON audit_event (tenant_id, chain_seq);
CREATE INDEX audit_event_received ON audit_event (received_at);

-- The head of each tenant's hash chain. Locked (SELECT ... FOR UPDATE) while a batch appends, which
-- gives every tenant one total order across any number of instances. pruned_through_seq: rows up to
-- this sequence number were removed by retention, so verification starts after it.
CREATE TABLE audit_chain_head (
    tenant_id          text        PRIMARY KEY,
    last_seq           bigint      NOT NULL,
    last_hash          text        NOT NULL,
    pruned_through_seq bigint      NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL
);

-- A legal hold on a whole tenant (user_id NULL) or on one user: partitions holding their rows are
-- never dropped while the hold is active.
CREATE TABLE audit_legal_hold (
    id          bigserial   PRIMARY KEY,
    tenant_id   text        NOT NULL,
    user_id     text,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    released_at timestamptz
);
CREATE INDEX audit_legal_hold_active ON audit_legal_hold (tenant_id) WHERE released_at IS NULL;

-- Signed chain heads, kept here and published so that a copy elsewhere can prove the trail.
CREATE TABLE audit_checkpoint (
    id         bigserial   PRIMARY KEY,
    tenant_id  text        NOT NULL,
    chain_seq  bigint      NOT NULL,
    head_hash  text        NOT NULL,
    signed_at  timestamptz NOT NULL,
    key_id     text        NOT NULL,
    algorithm  text        NOT NULL,
    signature  text        NOT NULL
);
CREATE INDEX audit_checkpoint_tenant ON audit_checkpoint (tenant_id, id DESC);
