-- Ingest writes a batch whose rows it hashed on the chain tips it knows in a single statement (no explicit
-- transaction). When one of the batch's event ids was stored before, that statement must leave nothing behind,
-- not even the ids it did claim: this raises, which undoes the whole statement, and ingest writes the batch again
-- under the heads' locks, skipping the id. SQLSTATE KA001 tells that case from any other error.
CREATE FUNCTION audit_expect(holds boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT holds THEN
        RAISE EXCEPTION 'an event id of the batch was stored before' USING ERRCODE = 'KA001';
    END IF;
    RETURN true;
END
$$;
