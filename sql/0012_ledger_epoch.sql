-- Issue 13 §2: every send-ledger row carries the epoch of the lease its
-- transition was granted under (the fencing token; docs/alerts.md, Fencing).
-- 0: single-host mode, and every row written before. ClickHouse 18.16 has no
-- ADD COLUMN IF NOT EXISTS: the migration runner skips this file's statement
-- when the column is already there (a run cut short after it).

ALTER TABLE send_ledger ADD COLUMN epoch UInt64 DEFAULT 0;
