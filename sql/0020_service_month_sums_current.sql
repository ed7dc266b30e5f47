-- For analysts: each unit-month's service and dossier sums of its committed
-- version, from service_sums (0016), one row per unit-month. The same monthly
-- aggregate over service_stats_current merges every service row through FINAL
-- (one thread per query on 18.16): 16 analysts at once waited ~30 s each in
-- `make bench`. Sums the rows of the current version as compute does
-- (Store::service_figures): the newest version committed in batch_log /
-- batches that lists services. The columns are service_sums' own names.
CREATE VIEW IF NOT EXISTS service_month_sums_current AS
SELECT unit_code, month,
    sum(services_total) AS services_total,
    sum(services_full_online) AS services_full_online,
    sum(services_partial_online) AS services_partial_online,
    sum(services_online) AS services_online,
    sum(services_eligible_full_online) AS services_eligible_full_online,
    sum(services_integrated_national_portal) AS services_integrated_national_portal,
    sum(dossiers_received) AS dossiers_received,
    sum(dossiers_received_online) AS dossiers_received_online,
    sum(dossiers_processed) AS dossiers_processed,
    sum(dossiers_processed_on_time) AS dossiers_processed_on_time,
    sum(dossiers_processed_late) AS dossiers_processed_late,
    sum(dossiers_pending_overdue) AS dossiers_pending_overdue
FROM service_sums
WHERE (unit_code, month, version) IN
    (SELECT unit_code, month, max(version) FROM
        (SELECT unit_code, month, version FROM batch_log WHERE services > 0
         UNION ALL SELECT unit_code, month, version FROM batches WHERE services > 0)
     GROUP BY unit_code, month)
GROUP BY unit_code, month;
