-- What units report, one row per unit × month × service (administrative procedure)
-- and per unit × month × measure. Re-collecting a month inserts a new version;
-- readers take the newest version per unit-month (see 0003_current_views.sql),
-- so a re-pull replaces and never doubles. Every row names the attempt that brought it.

CREATE TABLE IF NOT EXISTS service_stats (
    unit_code String,
    month Date,
    service_code String,
    service_name String,
    field String,
    level Enum8('full_online' = 1, 'partial_online' = 2, 'not_online' = 3),
    eligible_full_online UInt8,
    integrated_national_portal UInt8,
    received UInt64,
    received_online UInt64,
    processed UInt64,
    processed_on_time UInt64,
    processed_late UInt64,
    pending_overdue UInt64,
    attempt_id String,
    version UInt64,
    collected_at DateTime
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(month)
ORDER BY (unit_code, month, service_code);

CREATE TABLE IF NOT EXISTS measure_values (
    unit_code String,
    month Date,
    measure_code String,
    value Float64,
    source String,
    attempt_id String,
    version UInt64,
    collected_at DateTime
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(month)
ORDER BY (unit_code, month, measure_code);

-- One row per accepted batch: which attempt holds a unit-month's current data,
-- and a hash of its content so an unchanged re-pull stores nothing new.
CREATE TABLE IF NOT EXISTS batches (
    unit_code String,
    month Date,
    attempt_id String,
    version UInt64,
    content_hash String,
    services UInt32,
    measures UInt32,
    stored_at DateTime
) ENGINE = ReplacingMergeTree(version)
ORDER BY (unit_code, month);
