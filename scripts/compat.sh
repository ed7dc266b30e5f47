#!/usr/bin/env bash
# The replay on current ClickHouse (issue 18 §6), run by `make test` after the
# integration tests: every migration statement, the data of every test
# database and every distinct SELECT chiso sent to 18.16 (logged because the
# test server runs with CH_LOG_QUERIES=1) go to ClickHouse 26.x in process
# (PyPI's chdb-core, pinned in tests/python/requirements.txt, in the
# project-local .venv), and the rows must match.
# Then the analyst user's access in both forms, users.d and CREATE USER
# (scripts/compat/access.py; report in target/compat/access.md).
#   scripts/compat.sh URL        # report in target/compat/report.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -eq 1 ] || { echo "usage: $0 URL" >&2; exit 2; }

python=$(scripts/venv.sh)
"$python" scripts/compat/replay.py --url "$1" \
    --chiso "${CARGO_TARGET_DIR:-target}/debug/chiso" --report target/compat/report.md
"$python" scripts/compat/access.py --sql deploy/clickhouse/analyst-access.sql \
    --report target/compat/access.md
