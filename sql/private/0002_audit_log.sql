-- The audit log: who did what and when. Append-only: chiso only inserts into
-- it, and it lives in the private database, which the analyst users cannot read.
CREATE TABLE IF NOT EXISTS audit_log (
    at DateTime,
    kind Enum8('login_succeeded' = 1, 'login_failed' = 2, 'login_throttled' = 3,
               'logout' = 4, 'account_changed' = 5, 'token_changed' = 6,
               'freeze' = 7, 'import' = 8, 'sql_query' = 9, 'remind_run' = 10),
    -- The account that acted; empty for the command line and the scheduler.
    actor String,
    -- What the event is about: an account, a token id, a period, a file.
    subject String,
    -- The client address of a web request; empty otherwise.
    address String,
    -- What happened, in a line (for SQL queries: the query text).
    detail String,
    -- SQL queries: rows and bytes answered, time taken, refused or not.
    rows UInt64,
    bytes UInt64,
    duration_ms UInt64,
    refused UInt8
) ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, kind);
