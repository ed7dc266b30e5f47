-- Every probe of a unit's public service portal (the registry's `portal.url`,
-- issue 15 §4): whether it answered 2xx in time over a valid certificate, the
-- HTTP status (0 when there was no answer), the time to the answer's headers,
-- and the days until the peer certificate's not-after (negative once expired;
-- NULL when no certificate was seen). `month` is the probe's month in
-- schedule.timezone: the monthly figures group by it.
-- (Cluster mode: the lead's merge adapts the engine like every other table.)

CREATE TABLE IF NOT EXISTS portal_probes (
    unit_code String,
    portal_url String,
    month Date,
    probed_at DateTime,
    -- Orders probes within a second: microseconds since the epoch.
    probed_us UInt64,
    ok UInt8,
    http_status UInt16,
    response_ms UInt32,
    cert_days_left Nullable(Int32),
    -- chiso's classified words ("HTTP 503", "certificate expired …"); empty when ok.
    error String
) ENGINE = MergeTree
PARTITION BY toYear(month)
ORDER BY (unit_code, month, probed_us);

-- The portal reminders (src/notify/portal_rules.rs): a portal down past the
-- month's threshold, a certificate about to expire. Enlarging an Enum8 keeps
-- the stored values (as 0015 did); running this twice changes nothing.
ALTER TABLE send_ledger MODIFY COLUMN rule Enum8('lagging' = 1, 'not_reported' = 2, 'escalation' = 3, 'digest' = 4, 'result' = 5, 'portal_down' = 6, 'cert_expiring' = 7);
