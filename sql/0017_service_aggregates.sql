-- Each formula aggregate (count_services / sum_services, keyed by its
-- canonical text) of each unit-month-version, counted once from service_stats
-- and read as one row per unit-month (src/store/service_aggregates.rs):
-- counting them from the 62 M service rows of the x10 bench on every compute
-- took 34.7 s (docs/bench-notes.md). `value` is the month's count or sum;
-- `services`, for a count over a window of months only, the codes of the
-- services that met the condition in the month, so a window is the
-- intersection of its months' lists. Which version is current is decided as
-- for service_stats (0011). Rows are filled when first read (a catalogue's
-- new aggregate, a new version); two fills at once write identical rows,
-- which readers take once and merges fold.
CREATE TABLE IF NOT EXISTS service_aggregates (
    unit_code String,
    month Date,
    version UInt64,
    aggregate String,
    value UInt64,
    services Array(String)
) ENGINE = ReplacingMergeTree
PARTITION BY toYear(month)
ORDER BY (aggregate, unit_code, month, version);
