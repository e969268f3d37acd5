-- Every change of a tenant's retention asked for, so that a shortening can wait for its time: a lengthening (or no
-- change) applies at once, a shortening once effective_at has passed; a later request cancels one still pending.
-- The operator's floor and delay are the service's configuration (keystep.audit.retention.floor-months and
-- .shortening-delay); the database's own minimum (V4, minimum_retention_months) still holds under any of them.
CREATE TABLE audit_retention_change (
    id            bigserial   PRIMARY KEY,
    tenant_id     text        NOT NULL,
    months_before int         CHECK (months_before BETWEEN 1 AND 120),
    months_after  int         CHECK (months_after BETWEEN 1 AND 120),
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    effective_at  timestamptz NOT NULL CHECK (effective_at >= requested_at),
    applied_at    timestamptz,
    cancelled_at  timestamptz
);
CREATE INDEX audit_retention_change_due ON audit_retention_change (effective_at)
    WHERE applied_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX audit_retention_change_tenant ON audit_retention_change (tenant_id, id DESC);

-- A tenant's retention changes only with its record here: the service no longer sets the column directly.
REVOKE INSERT, UPDATE ON audit_tenant_settings FROM ${service_role};
GRANT INSERT (tenant_id, search_default_limit, updated_at, updated_by),
    UPDATE (search_default_limit, updated_at, updated_by) ON audit_tenant_settings TO ${service_role};
REVOKE ALL ON audit_retention_change FROM PUBLIC;
GRANT SELECT ON audit_retention_change TO ${service_role}, ${reader_role};

-- Records a change and, when it is due (effective_at <= requested_at), applies it, in the caller's transaction; returns
-- the change. `p_months` NULL is the platform default.
CREATE FUNCTION audit_record_retention(p_tenant text, p_months int, p_requested_by text, p_requested_at timestamptz,
                                       p_effective_at timestamptz) RETURNS audit_retention_change
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    own int;
    recorded public.audit_retention_change;
BEGIN
    INSERT INTO public.audit_tenant_settings (tenant_id, updated_at, updated_by)
    VALUES (p_tenant, p_requested_at, p_requested_by)
    ON CONFLICT (tenant_id) DO NOTHING;
    SELECT s.retention_months INTO own FROM public.audit_tenant_settings s WHERE s.tenant_id = p_tenant FOR UPDATE;
    UPDATE public.audit_retention_change c SET cancelled_at = p_requested_at
    WHERE c.tenant_id = p_tenant AND c.applied_at IS NULL AND c.cancelled_at IS NULL;
    INSERT INTO public.audit_retention_change (tenant_id, months_before, months_after, requested_by, requested_at,
                                               effective_at)
    VALUES (p_tenant, own, p_months, p_requested_by, p_requested_at, p_effective_at)
    RETURNING * INTO recorded;
    IF p_effective_at <= p_requested_at THEN
        recorded := public.audit_apply_retention_change(recorded.id, p_requested_at);
    END IF;
    RETURN recorded;
END
$$;

-- Applies one pending change as of `p_at` (refused before its time, SQLSTATE KA003); returns it.
CREATE FUNCTION audit_apply_retention_change(p_change_id bigint, p_at timestamptz) RETURNS audit_retention_change
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    pending public.audit_retention_change;
BEGIN
    SELECT * INTO pending FROM public.audit_retention_change c WHERE c.id = p_change_id
        AND c.applied_at IS NULL AND c.cancelled_at IS NULL FOR UPDATE;
    IF NOT FOUND OR pending.effective_at > p_at THEN
        RAISE EXCEPTION 'retention change % is not pending or not due', p_change_id USING ERRCODE = 'KA003';
    END IF;
    UPDATE public.audit_tenant_settings s SET retention_months = pending.months_after, updated_at = p_at,
        updated_by = pending.requested_by WHERE s.tenant_id = pending.tenant_id;
    UPDATE public.audit_retention_change c SET applied_at = p_at WHERE c.id = pending.id RETURNING * INTO pending;
    RETURN pending;
END
$$;

REVOKE ALL ON FUNCTION audit_record_retention(text, int, text, timestamptz, timestamptz),
    audit_apply_retention_change(bigint, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_record_retention(text, int, text, timestamptz, timestamptz),
    audit_apply_retention_change(bigint, timestamptz) TO ${service_role};
