-- The destination regions a tenant allows for codes sent by phone (comma-separated ISO 3166-1 alpha-2 codes, as
-- libphonenumber names them); NULL means every region. Numbered 4.1 so that it orders after V4 and before any V5.
ALTER TABLE tenant_verify_settings ADD COLUMN allowed_countries VARCHAR(1024);
