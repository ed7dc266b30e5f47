-- Accounts and API tokens moved to `<database>_private` (sql/private/0001_accounts.sql),
-- out of the analysts' reach. `chiso migrate` copies the rows of these tables
-- there just before applying this file; copying again is harmless (same versions).
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS api_tokens;
