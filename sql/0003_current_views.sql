-- What users and analysts read: the newest complete version of each unit-month.
-- FINAL folds an insert repeated after a lost answer; the version filter drops
-- services or measures that a newer batch no longer lists. (FINAL is applied
-- before WHERE on 18.16 and current ClickHouse; never use PREWHERE here.)
-- Views cannot be replaced in place on 18.16: change one with a new migration
-- that drops it (DROP TABLE IF EXISTS) and creates it again.

CREATE VIEW IF NOT EXISTS service_stats_current AS
SELECT * FROM service_stats FINAL
WHERE (unit_code, month, version) IN
    (SELECT unit_code, month, max(version) FROM service_stats GROUP BY unit_code, month);

CREATE VIEW IF NOT EXISTS measure_values_current AS
SELECT * FROM measure_values FINAL
WHERE (unit_code, month, version) IN
    (SELECT unit_code, month, max(version) FROM measure_values GROUP BY unit_code, month);
