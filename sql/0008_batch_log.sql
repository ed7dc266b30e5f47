-- Every accepted batch, kept. `batches` is folded down to the newest batch of
-- each unit-month by its merges, and with it went the first arrival, from
-- which the reporting and on-time rates are computed: a unit that corrected
-- its report after the deadline looked as if it had reported late. Arrivals
-- are read from both tables (batches written before this table existed are
-- only in `batches`). The collectors write here before `batches`.

CREATE TABLE IF NOT EXISTS batch_log (
    unit_code String,
    month Date,
    attempt_id String,
    version UInt64,
    content_hash String,
    services UInt32,
    measures UInt32,
    stored_at DateTime
) ENGINE = MergeTree
PARTITION BY toYear(month)
ORDER BY (unit_code, month, version);
