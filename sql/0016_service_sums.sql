-- Per unit-month-version sums of service_stats, written with the service rows
-- of each batch (Store::write_batches): compute reads one row per unit-month
-- instead of merging every service row with FINAL, which runs on one thread
-- per query on 18.16 (12-14 s at ten times the bench data; docs/bench-notes.md).
-- A version written in several parts has several rows: readers sum them.
-- Which version is current is decided as for service_stats (0011): the
-- newest committed in batch_log / batches.
CREATE TABLE IF NOT EXISTS service_sums (
    unit_code String,
    month Date,
    version UInt64,
    services_total UInt64,
    services_full_online UInt64,
    services_partial_online UInt64,
    services_online UInt64,
    services_eligible_full_online UInt64,
    services_integrated_national_portal UInt64,
    dossiers_received UInt64,
    dossiers_received_online UInt64,
    dossiers_processed UInt64,
    dossiers_processed_on_time UInt64,
    dossiers_processed_late UInt64,
    dossiers_pending_overdue UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYear(month)
ORDER BY (unit_code, month, version);

-- The versions stored before this table: each service counted once per
-- version, as FINAL counts it. Versions already summed are left alone, so a
-- second run adds nothing.
INSERT INTO service_sums
SELECT unit_code, month, version, count(), countIf(level = 'full_online'),
    countIf(level = 'partial_online'), countIf(level != 'not_online'),
    countIf(eligible_full_online = 1), countIf(integrated_national_portal = 1),
    sum(received), sum(received_online), sum(processed), sum(processed_on_time),
    sum(processed_late), sum(pending_overdue)
FROM (SELECT unit_code, month, version, service_code, any(level) AS level,
        any(eligible_full_online) AS eligible_full_online,
        any(integrated_national_portal) AS integrated_national_portal,
        any(received) AS received, any(received_online) AS received_online,
        any(processed) AS processed, any(processed_on_time) AS processed_on_time,
        any(processed_late) AS processed_late, any(pending_overdue) AS pending_overdue
    FROM service_stats
    WHERE (unit_code, month, version) NOT IN (SELECT unit_code, month, version FROM service_sums)
    GROUP BY unit_code, month, version, service_code)
GROUP BY unit_code, month, version;
