-- The analyst users on ClickHouse with access control (CREATE USER, 20.5 and
-- later): the same profile as the users.d file `scripts/clickhouse.sh
-- analyst-xml` writes for 18.16 (docs/security.md). `make test` checks on
-- current ClickHouse that every statement parses and that this profile's
-- settings equal the users.d file's (scripts/compat/access.py).
-- Replace the passwords and networks; servers before 22.x spell CONST as READONLY.

CREATE SETTINGS PROFILE chiso_analyst_limits SETTINGS
    readonly = 1 CONST,
    max_execution_time = 30 CONST, timeout_overflow_mode = 'throw' CONST,
    max_memory_usage = 1073741824 CONST,
    max_rows_to_read = 100000000 CONST, read_overflow_mode = 'throw' CONST,
    max_result_rows = 100000 CONST, max_result_bytes = 50000000 CONST,
    result_overflow_mode = 'throw' CONST,
    max_concurrent_queries_for_user = 4 CONST, max_threads = 1 CONST,
    output_format_json_quote_64bit_integers = 0 CONST;

CREATE USER chiso_analyst IDENTIFIED WITH sha256_password BY 'change me'
    HOST IP '10.0.0.5' SETTINGS PROFILE 'chiso_analyst_limits';

CREATE USER analyst IDENTIFIED WITH sha256_password BY 'change me too'
    HOST IP '10.0.1.0/24' SETTINGS PROFILE 'chiso_analyst_limits';

-- Nothing else: no chiso_private.*, no sources (URL, FILE, REMOTE…).
GRANT SELECT ON chiso.* TO chiso_analyst, analyst;
