-- Issue 15 §3: the service plans letter 1145/BTTTT-THH asks each unit to file
-- (docs/plans.md). A filing is its rows, then its record in plan_filings (the
-- commit): readers take a unit's newest filing and only its rows, so a filing
-- cut short between the two is never read, and every earlier one is kept.
CREATE TABLE IF NOT EXISTS service_plan_rows (
    unit_code String,
    -- The filing's id (microseconds since the epoch); every row of a file has it.
    version UInt64,
    -- The line of the file, as the unit's editor numbers it.
    line UInt32,
    service_code String,
    service_name String,
    eligible UInt8,
    -- The first day of the month the service goes fully online; 1970-01-01
    -- for a service not eligible.
    target_month Date,
    -- A code of plans.toml's reasons for a service not eligible; empty otherwise.
    reason String
) ENGINE = MergeTree
ORDER BY (unit_code, version, service_code);

CREATE TABLE IF NOT EXISTS plan_filings (
    unit_code String,
    version UInt64,
    filed_at DateTime,
    -- The account's login (web), or empty (the command line).
    filed_by String,
    file_name String,
    services UInt32,
    eligible UInt32,
    sha256 String
) ENGINE = MergeTree
ORDER BY (unit_code, version);

-- The reminder to a unit with no plan past the deadline ('plan_missing').
-- Numbered after this migration, not 6: other additions to the rules made in
-- parallel keep their own numbers. Enlarging an Enum8 keeps the stored values.
ALTER TABLE send_ledger MODIFY COLUMN rule Enum8('lagging' = 1, 'not_reported' = 2, 'escalation' = 3, 'digest' = 4, 'result' = 5, 'portal_down' = 6, 'cert_expiring' = 7, 'plan_missing' = 19);
