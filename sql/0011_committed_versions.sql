-- A unit-month's new version is visible only once its batch record is written
-- (issue 12 §4): the collectors write data rows, then `batch_log`, then
-- `batches`, so a write cut short after the data rows leaves rows no reader
-- takes, and readers keep the previous version whole. The committed versions
-- are those of the batch records that list rows of the table (a re-pull that
-- lists no measures leaves the earlier measures in place, as before); batches
-- stored before 0008 are only in `batches`.
--
-- Before these statements, `chiso migrate` re-keys both data tables with
-- `version` in their sorting key (src/store/rekey.rs), so that a newer
-- version, committed or not, never folds the committed one away.
--
-- FINAL now only folds a version inserted twice. Views cannot be replaced in
-- place on 18.16: dropped and created again.

DROP TABLE IF EXISTS service_stats_current;

CREATE VIEW IF NOT EXISTS service_stats_current AS
SELECT * FROM service_stats FINAL
WHERE (unit_code, month, version) IN
    (SELECT unit_code, month, max(version) FROM
        (SELECT unit_code, month, version FROM batch_log WHERE services > 0
         UNION ALL SELECT unit_code, month, version FROM batches WHERE services > 0)
     GROUP BY unit_code, month);

DROP TABLE IF EXISTS measure_values_current;

CREATE VIEW IF NOT EXISTS measure_values_current AS
SELECT * FROM measure_values FINAL
WHERE (unit_code, month, version) IN
    (SELECT unit_code, month, max(version) FROM
        (SELECT unit_code, month, version FROM batch_log WHERE measures > 0
         UNION ALL SELECT unit_code, month, version FROM batches WHERE measures > 0)
     GROUP BY unit_code, month);
