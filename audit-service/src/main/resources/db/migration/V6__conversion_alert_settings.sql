-- A tenant's conversion alert thresholds (GET/PUT /v1/settings/audit): a country or number prefix whose share of
-- approved challenges falls under conversion_alert_threshold, once it has conversion_alert_min_volume challenges, is
-- flagged by the analytics and by the Prometheus rule. NULL: the platform default (configuration).
ALTER TABLE audit_tenant_settings
    ADD COLUMN conversion_alert_threshold  double precision CHECK (conversion_alert_threshold BETWEEN 0 AND 1),
    ADD COLUMN conversion_alert_min_volume int CHECK (conversion_alert_min_volume BETWEEN 1 AND 1000000);

-- The service sets them as it sets the page size (V5 grants it those columns alone, never the retention).
GRANT UPDATE (conversion_alert_threshold, conversion_alert_min_volume) ON audit_tenant_settings TO ${service_role};
