-- Accounts, API tokens and their uses, in `<database>_private`: a database the
-- analyst ClickHouse users are not allowed to read. ReplacingMergeTree(version):
-- a change writes a new row with a higher version; FINAL gives the current state.
-- Nothing is deleted: an account is disabled, a token revoked.

CREATE TABLE IF NOT EXISTS users (
    login String,
    role Enum8('ministry' = 1, 'unit' = 2, 'analyst' = 3),
    -- The unit a 'unit' account belongs to; empty for the other roles.
    unit_code String,
    -- Argon2id PHC string ($argon2id$v=19$...).
    password_hash String,
    created_at DateTime,
    disabled UInt8,
    -- Carried in the signed session cookie; raised by logout, password change
    -- and disabling, which ends every session signed with a lower one.
    session_epoch UInt32,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY login;

CREATE TABLE IF NOT EXISTS api_tokens (
    -- SHA-256 of the token, hex; the token itself is shown once and never stored.
    -- Its first 12 characters are the token's id in `chiso users tokens`.
    token_hash String,
    login String,
    created_at DateTime,
    expires_at DateTime,
    revoked UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash;

-- When a token was last seen live (written at most every few seconds per process).
CREATE TABLE IF NOT EXISTS token_uses (
    token_hash String,
    used_at DateTime
) ENGINE = ReplacingMergeTree(used_at)
ORDER BY token_hash;
