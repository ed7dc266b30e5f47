-- Every collection attempt (HTTP pull or CSV import) for a unit-month, and every
-- rejected payload kept whole with the reason and the offending field.

CREATE TABLE IF NOT EXISTS collection_attempts (
    attempt_id String,
    unit_code String,
    month Date,
    channel Enum8('http' = 1, 'csv' = 2),
    started_at DateTime,
    -- Orders attempts within a second: microseconds since the epoch at the start.
    started_us UInt64,
    finished_at DateTime,
    outcome Enum8('stored' = 1, 'unchanged' = 2, 'rejected' = 3, 'failed' = 4),
    http_status UInt16,
    tries UInt8,
    services UInt32,
    measures UInt32,
    error String
) ENGINE = MergeTree
PARTITION BY toYear(month)
ORDER BY (unit_code, month, started_us);

CREATE TABLE IF NOT EXISTS rejected_payloads (
    attempt_id String,
    unit_code String,
    month Date,
    received_at DateTime,
    field String,
    reason String,
    payload String
) ENGINE = MergeTree
PARTITION BY toYear(month)
ORDER BY (unit_code, month, received_at);
