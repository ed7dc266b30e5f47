-- Accounts of the web interface and the API, and API tokens for scripts.
-- Both are ReplacingMergeTree(version): a change writes a new row with a higher
-- version; FINAL gives each account's (or token's) current state. Nothing here is
-- ever deleted: an account is disabled, a token revoked.

CREATE TABLE IF NOT EXISTS users (
    login String,
    role Enum8('ministry' = 1, 'unit' = 2, 'analyst' = 3),
    -- The unit a 'unit' account belongs to; empty for the other roles.
    unit_code String,
    -- Argon2id PHC string ($argon2id$v=19$...).
    password_hash String,
    created_at DateTime,
    disabled UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY login;

CREATE TABLE IF NOT EXISTS api_tokens (
    -- SHA-256 of the token, hex; the token itself is shown once and never stored.
    token_hash String,
    login String,
    created_at DateTime,
    revoked UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash;
