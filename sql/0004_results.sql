-- Computed results, kept per computation so history is never rewritten: a
-- recompute whose results differ writes a new computation beside the old one;
-- one whose results are identical writes nothing. A freeze publishes one
-- computation of a period; rankings show the newest frozen one, else the newest.
-- Also the monthly trajectories units file (1145/BTTTT-THH).

CREATE TABLE IF NOT EXISTS computations (
    period String,
    computation_id String,
    computed_at DateTime,
    -- Microseconds since the epoch: orders computations of a period.
    version UInt64,
    -- SHA-256 of the results: an identical recompute is recognised and not stored.
    content_hash String,
    quarter_calendar String,
    units UInt32
) ENGINE = MergeTree
ORDER BY (period, version);

CREATE TABLE IF NOT EXISTS freezes (
    period String,
    computation_id String,
    frozen_at DateTime,
    version UInt64
) ENGINE = MergeTree
ORDER BY (period, version);

-- One row per unit of a computation: its composite score and rank in its group.
CREATE TABLE IF NOT EXISTS unit_results (
    computation_id String,
    period String,
    -- province | ministry_services | ministry_no_services
    ranking_group String,
    -- Place in the published listing: ranked units first, ties alphabetically.
    position UInt32,
    unit_code String,
    unit_name String,
    score Nullable(Float64),
    indicators_scored UInt16,
    indicators_expected UInt16,
    rank Nullable(UInt32),
    rank_change Nullable(Int64)
) ENGINE = MergeTree
ORDER BY (period, computation_id, ranking_group, position);

-- One row per unit and indicator of a computation. NULL is "no data", never 0.
CREATE TABLE IF NOT EXISTS indicator_results (
    computation_id String,
    period String,
    unit_code String,
    -- Place of the indicator in config/indicators.toml.
    position UInt16,
    indicator String,
    numerator Nullable(Float64),
    denominator Nullable(Float64),
    value Nullable(Float64),
    months_with_data UInt16,
    months_expected UInt16,
    target Nullable(Float64),
    trajectory Nullable(Float64),
    gap Nullable(Float64),
    -- achieved | on_track | lagging | no_data | no_target
    status String,
    points Nullable(Float64)
) ENGINE = MergeTree
ORDER BY (period, computation_id, unit_code, position);

-- A unit's month-by-month plan per indicator; a re-import replaces a month's value.
CREATE TABLE IF NOT EXISTS trajectories (
    unit_code String,
    indicator String,
    month Date,
    value Float64,
    source_file String,
    imported_at DateTime,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (unit_code, indicator, month);
