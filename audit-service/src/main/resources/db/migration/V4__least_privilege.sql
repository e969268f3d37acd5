-- audit-service runs as ${service_role}, compliance reads as ${reader_role}; both are granted only what they use, and
-- the trail is append-only for them: rows are inserted and read, never updated, deleted or truncated. What retention
-- and partition maintenance need beyond that runs through the SECURITY DEFINER functions below, owned (as every
-- table here) by the role that runs these migrations, each with a fixed search_path.

-- What retention removed: one row per tenant and partition dropped, one per run of a tenant's rows pruned from a
-- shared partition. Written only by the retention functions, in the transaction that removes the rows.
CREATE TABLE audit_retention_record (
    id             bigserial   PRIMARY KEY,
    action         text        NOT NULL CHECK (action IN ('drop-partition', 'prune-rows')),
    partition_name text,
    tenant_id      text,
    through_seq    bigint,
    rows_removed   bigint      NOT NULL,
    performed_at   timestamptz NOT NULL DEFAULT now(),
    performed_by   text        NOT NULL DEFAULT session_user
);
CREATE INDEX audit_retention_record_tenant ON audit_retention_record (tenant_id, id);

REVOKE ALL ON audit_event, audit_event_id, audit_chain_head, audit_legal_hold, audit_checkpoint, audit_tenant_settings,
    audit_retention_record FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_expect(boolean) FROM PUBLIC;

-- The trail: append and read.
GRANT SELECT, INSERT ON audit_event, audit_event_id TO ${service_role};
-- Chain heads: created, locked and moved by ingest; pruned_through_seq is retention's alone (it hides rows from
-- verification), so the service may not set it.
GRANT SELECT, INSERT ON audit_chain_head TO ${service_role};
GRANT UPDATE (last_seq, last_hash, updated_at) ON audit_chain_head TO ${service_role};
-- Legal holds are placed and released; checkpoints are signed and kept; tenants' settings are replaced.
GRANT SELECT, INSERT, UPDATE ON audit_legal_hold, audit_tenant_settings TO ${service_role};
GRANT SELECT, INSERT ON audit_checkpoint TO ${service_role};
GRANT USAGE ON SEQUENCE audit_legal_hold_id_seq, audit_checkpoint_id_seq TO ${service_role};
GRANT SELECT ON audit_retention_record TO ${service_role};
GRANT EXECUTE ON FUNCTION audit_expect(boolean) TO ${service_role};

-- Compliance reads the trail and what proves it: heads, checkpoints, holds, settings and retention's record.
GRANT SELECT ON audit_event, audit_event_id, audit_chain_head, audit_legal_hold, audit_checkpoint,
    audit_tenant_settings, audit_retention_record TO ${reader_role};

-- A table or function added later is nobody's but the owner's until its migration grants it.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- The month's partition of the trail, created when missing, with the same grants as the trail. Returns its name.
CREATE FUNCTION audit_create_partition(month date) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    name text := 'audit_event_y' || to_char(first, 'YYYY') || 'm' || to_char(first, 'MM');
BEGIN
    IF to_regclass('public.' || quote_ident(name)) IS NULL THEN
        EXECUTE format('CREATE TABLE IF NOT EXISTS public.%I PARTITION OF public.audit_event'
                           || ' FOR VALUES FROM (%L) TO (%L)', name, first || ' 00:00:00+00',
                       (first + interval '1 month')::date || ' 00:00:00+00');
    END IF;
    EXECUTE format('GRANT SELECT, INSERT ON public.%I TO %I', name, '${service_role}');
    EXECUTE format('GRANT SELECT ON public.%I TO %I', name, '${reader_role}');
    RETURN name;
END
$$;

-- A tenant's retention in months: its own setting, else what the service asks (its configuration), and never less
-- than the minimum whatever either says.
CREATE FUNCTION audit_retention_months(tenant text, asked int) RETURNS int
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT GREATEST(COALESCE((SELECT s.retention_months FROM public.audit_tenant_settings s WHERE s.tenant_id = tenant),
                             asked, 0), ${minimum_retention_months})
$$;

-- Drops a month partition of the trail once every tenant with rows in it is past its retention (a row received in
-- month X expires at the end of X plus the retention, by this database's clock) and no active legal hold covers
-- them; refuses anything else with SQLSTATE KA002. Forgets the partition's event ids, moves each tenant's
-- pruned_through_seq so verification starts after the removed rows, and records the drop per tenant.
CREATE FUNCTION audit_drop_partition(partition_name text, retention_months int) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    parts text[] := regexp_match(partition_name, '^audit_event_y(\d{4})m(\d{2})$');
    month_end timestamptz;
    rel regclass;
    t record;
    held boolean;
    removed bigint := 0;
BEGIN
    IF parts IS NULL THEN
        RAISE EXCEPTION 'not a partition of the audit trail: %', partition_name USING ERRCODE = 'KA002';
    END IF;
    rel := to_regclass('public.' || quote_ident(partition_name));
    IF rel IS NULL OR NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = rel
                                    AND i.inhparent = 'public.audit_event'::regclass) THEN
        RAISE EXCEPTION 'not a partition of the audit trail: %', partition_name USING ERRCODE = 'KA002';
    END IF;
    month_end := make_timestamptz(parts[1]::int, parts[2]::int, 1, 0, 0, 0, 'UTC') + interval '1 month';
    -- the rows themselves, should the name not tell their month
    FOR t IN EXECUTE format('SELECT tenant_id, count(*) AS n, max(chain_seq) AS last_seq, max(received_at) AS last_at'
                                || ' FROM public.%I GROUP BY tenant_id', partition_name) LOOP
        IF t.last_at >= month_end OR month_end + make_interval(months => public.audit_retention_months(t.tenant_id,
                retention_months)) > now() THEN
            RAISE EXCEPTION 'partition % is within the retention of tenant %', partition_name, t.tenant_id
                USING ERRCODE = 'KA002';
        END IF;
    END LOOP;
    -- an empty partition: the retention asked, and at least the minimum
    IF NOT FOUND AND month_end + make_interval(months => GREATEST(COALESCE(retention_months, 0),
            ${minimum_retention_months})) > now() THEN
        RAISE EXCEPTION 'partition % is within the retention', partition_name USING ERRCODE = 'KA002';
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.audit_legal_hold h WHERE h.released_at IS NULL AND EXISTS'
                       || ' (SELECT 1 FROM public.%I e WHERE e.tenant_id = h.tenant_id'
                       || ' AND (h.user_id IS NULL OR e.user_id = h.user_id)))', partition_name) INTO held;
    IF held THEN
        RAISE EXCEPTION 'partition % holds rows under a legal hold', partition_name USING ERRCODE = 'KA002';
    END IF;
    FOR t IN EXECUTE format('SELECT tenant_id, count(*) AS n, max(chain_seq) AS last_seq FROM public.%I'
                                || ' GROUP BY tenant_id', partition_name) LOOP
        UPDATE public.audit_chain_head h SET pruned_through_seq = GREATEST(h.pruned_through_seq, t.last_seq)
        WHERE h.tenant_id = t.tenant_id;
        INSERT INTO public.audit_retention_record (action, partition_name, tenant_id, through_seq, rows_removed)
        VALUES ('drop-partition', partition_name, t.tenant_id, t.last_seq, t.n);
        removed := removed + t.n;
    END LOOP;
    IF removed = 0 THEN
        INSERT INTO public.audit_retention_record (action, partition_name, rows_removed)
        VALUES ('drop-partition', partition_name, 0);
    END IF;
    EXECUTE format('DELETE FROM public.audit_event_id WHERE event_id IN (SELECT event_id FROM public.%I)', partition_name);
    EXECUTE format('DROP TABLE public.%I', partition_name);
    RETURN removed;
END
$$;

-- A tenant's expired rows that whole-partition drops could not remove (other tenants still need their partitions):
-- only the oldest end of the tenant's chain is cut, up to the last row received before the tenant's retention
-- boundary, stopping before the first row received after it and before the first row under an active legal hold,
-- so the remaining rows form one unbroken chain. Records the cut; returns the number of rows removed.
CREATE FUNCTION audit_prune_tenant(tenant text, retention_months int) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    boundary timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC')
        - make_interval(months => public.audit_retention_months(tenant, retention_months))) AT TIME ZONE 'UTC';
    pruned bigint;
    cut bigint;
    removed bigint;
BEGIN
    SELECT h.pruned_through_seq INTO pruned FROM public.audit_chain_head h WHERE h.tenant_id = tenant FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    SELECT COALESCE(max(e.chain_seq), pruned) INTO cut FROM public.audit_event e
    WHERE e.tenant_id = tenant AND e.received_at < boundary AND e.chain_seq > pruned;
    IF cut > pruned THEN
        SELECT LEAST(cut, COALESCE(min(e.chain_seq) - 1, cut)) INTO cut FROM public.audit_event e
        WHERE e.tenant_id = tenant AND e.received_at >= boundary AND e.chain_seq > pruned;
        SELECT LEAST(cut, COALESCE(min(e.chain_seq) - 1, cut)) INTO cut FROM public.audit_event e
        WHERE e.tenant_id = tenant AND e.received_at < boundary AND e.chain_seq > pruned
          AND EXISTS (SELECT 1 FROM public.audit_legal_hold h WHERE h.released_at IS NULL
                        AND h.tenant_id = e.tenant_id AND (h.user_id IS NULL OR h.user_id = e.user_id));
    END IF;
    IF cut <= pruned THEN
        RETURN 0;
    END IF;
    WITH gone AS (DELETE FROM public.audit_event e WHERE e.tenant_id = tenant AND e.received_at < boundary
                    AND e.chain_seq > pruned AND e.chain_seq <= cut RETURNING e.event_id),
         ids AS (DELETE FROM public.audit_event_id i USING gone WHERE i.event_id = gone.event_id RETURNING 1)
    SELECT count(*) INTO removed FROM ids;
    UPDATE public.audit_chain_head h SET pruned_through_seq = cut WHERE h.tenant_id = tenant;
    INSERT INTO public.audit_retention_record (action, tenant_id, through_seq, rows_removed)
    VALUES ('prune-rows', tenant, cut, removed);
    RETURN removed;
END
$$;

REVOKE ALL ON FUNCTION audit_create_partition(date), audit_retention_months(text, int),
    audit_drop_partition(text, int), audit_prune_tenant(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_create_partition(date), audit_drop_partition(text, int), audit_prune_tenant(text, int)
    TO ${service_role};

-- Partitions made before this migration get the trail's grants too.
DO $grants$
DECLARE p record;
BEGIN
    FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'public.audit_event'::regclass LOOP
        EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', p.relname);
        EXECUTE format('GRANT SELECT, INSERT ON public.%I TO %I', p.relname, '${service_role}');
        EXECUTE format('GRANT SELECT ON public.%I TO %I', p.relname, '${reader_role}');
    END LOOP;
END
$grants$;
