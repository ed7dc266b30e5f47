-- The send ledger of reminder and alert mails (issue 4): one key per
-- (rule, unit, period, recipient), its states as rows with increasing
-- `version`; the newest row of a key is its state (read with argMax, the
-- engine folds older rows away in the background). ClickHouse has no
-- transactions: exactly-once rests on the remind lock and on marking
-- `sending` before the SMTP call and `sent` only after the server accepted
-- (docs/alerts.md).

CREATE TABLE IF NOT EXISTS send_ledger (
    key String,
    rule Enum8('lagging' = 1, 'not_reported' = 2, 'escalation' = 3, 'digest' = 4),
    unit_code String,
    period String,
    recipient String,
    -- Fixed per key: a mail re-sent after an unknown outcome is the same mail.
    message_id String,
    state Enum8('pending' = 1, 'sending' = 2, 'sent' = 3, 'failed' = 4),
    tries UInt16,
    -- The SMTP server's reply (or the connection error) of the last try.
    last_reply String,
    -- A pending key is not tried again before this (backoff).
    next_try_at DateTime,
    updated_at DateTime,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY key;
