-- A tenant's own send limits and lockout thresholds: a JSON object of overrides (field -> integer), each
-- validated against its bounds by the API; an absent field means "the platform default".
ALTER TABLE tenant_verify_settings ADD COLUMN limits TEXT;
