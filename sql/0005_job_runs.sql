-- Every run of a scheduled job (collect, compute, remind), whatever started it:
-- the schedule, the catch-up at start, or an operator. A run writes a 'running'
-- row (version 1) when it starts and its final row (version 2, same run_id) when
-- it ends; FINAL or argMax(…, version) gives each run's latest state. A run whose
-- 'running' row never got a final row was cut short (the process died).
-- Times are instants (unix seconds); the cron expressions are read in
-- schedule.timezone (Asia/Ho_Chi_Minh).

CREATE TABLE IF NOT EXISTS job_runs (
    run_id String,
    job String,
    -- What the run covers, e.g. '2026-09..2026-10'.
    period String,
    -- The due instant of the schedule this run serves (the start time for manual runs).
    scheduled_for DateTime,
    trigger Enum8('schedule' = 1, 'catch_up' = 2, 'manual' = 3),
    started_at DateTime,
    -- Equal to started_at while running.
    finished_at DateTime,
    outcome Enum8('running' = 1, 'succeeded' = 2, 'failed' = 3, 'skipped_overlap' = 4, 'interrupted' = 5),
    -- The job's one-line summary, or its error, or who held the lock.
    detail String,
    -- host:pid of the process that ran it.
    host String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(started_at)
ORDER BY (job, run_id);
