-- Issue 12: a job past its deadline (schedule.{job}_deadline_secs) is stopped
-- and recorded 'timed_out'; a failed or timed-out run is tried again after a
-- backoff, recorded with trigger 'retry'. Enlarging an Enum8 keeps the stored
-- values (checked on 18.16); running this twice changes nothing.

ALTER TABLE job_runs MODIFY COLUMN outcome Enum8('running' = 1, 'succeeded' = 2, 'failed' = 3, 'skipped_overlap' = 4, 'interrupted' = 5, 'timed_out' = 6);

ALTER TABLE job_runs MODIFY COLUMN trigger Enum8('schedule' = 1, 'catch_up' = 2, 'manual' = 3, 'retry' = 4);
