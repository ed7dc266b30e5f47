-- A reviewer's verdict on a change the data-quality page flagged: checked and
-- correct, or to be corrected by the unit, with a note. Every verdict is kept
-- (who, when, what); the newest of a unit × indicator × month stands.
-- (Cluster mode: the lead's merge adapts the engine like every other table.)

CREATE TABLE IF NOT EXISTS outlier_reviews (
    unit_code String,
    indicator String,
    month Date,
    verdict Enum8('correct' = 1, 'to_correct' = 2),
    note String,
    reviewer String,
    reviewed_at DateTime,
    -- Orders verdicts within a second: microseconds since the epoch.
    reviewed_us UInt64
) ENGINE = MergeTree
PARTITION BY toYear(month)
ORDER BY (unit_code, indicator, month, reviewed_us);
