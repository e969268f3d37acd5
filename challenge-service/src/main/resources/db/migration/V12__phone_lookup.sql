-- Support finds a user by the phone number they call from, within the tenant only. The number is kept as it was
-- enrolled (E.164), so the lookup is an exact match; the index holds nothing the table does not.
CREATE INDEX phone_enrollment_number ON phone_enrollment (tenant_id, phone_number);
