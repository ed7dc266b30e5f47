-- Issue 14: the monthly cycle without an operator.
--
-- Who published (froze) a period and why. A revision of a published period is
-- a new freeze with its reason; every freeze is kept, so an earlier
-- publication stays readable with its as-of time. Freezes written before
-- have both empty. ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: the
-- migration runner skips an ADD COLUMN whose column is there already (a run
-- cut short after it).
ALTER TABLE freezes ADD COLUMN frozen_by String DEFAULT '';
ALTER TABLE freezes ADD COLUMN reason String DEFAULT '';

-- A unit's monthly file sent through the upload page, kept whole with who sent
-- it. A file is written when previewed and again, same id and bytes, when
-- confirmed (its data then goes through the same batch path as an import);
-- the newest row of an upload stands.
CREATE TABLE IF NOT EXISTS uploads (
    upload_id String,
    uploaded_by String,
    -- The uploader's unit; empty for ministry staff, who may send any unit's rows.
    unit_code String,
    file_name String,
    -- The file's bytes as sent (CSV text, at most the page's size limit).
    content String,
    sha256 String,
    -- Problems the preview found; a file with any is never confirmed.
    problems UInt32,
    state Enum8('previewed' = 1, 'confirmed' = 2),
    received_at DateTime,
    -- Microseconds since the epoch: the newest row of an upload stands.
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY upload_id;
