#!/usr/bin/env bash
# `make run`: install what is missing, start ClickHouse with its data under var/,
# then the demo (migrate, simulator of every unit, backfill, summary). The demo
# keeps running; Ctrl-C stops it and the ClickHouse this script started.
# Running it again reuses var/ (nothing already stored is stored twice).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
cargo build --release --quiet -p chiso -p chiso-demo

dir=$PWD/var/clickhouse
mkdir -p "$dir"
url=$(scripts/clickhouse.sh start "$dir" | tail -n1)
stop() { scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true; echo "stopped ClickHouse ($dir)"; }
trap stop EXIT
trap 'exit 130' INT TERM

# The user analysts' SQL runs as (readonly=1, database chiso only, limits);
# its password is made once and kept beside the data.
[ -s "$dir/analyst.password" ] ||
    (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(16))' >"$dir/analyst.password")
export CHISO_CLICKHOUSE_ANALYST_USER=chiso_analyst
CHISO_CLICKHOUSE_ANALYST_PASSWORD=$(cat "$dir/analyst.password")
export CHISO_CLICKHOUSE_ANALYST_PASSWORD
scripts/clickhouse.sh analyst-user "$dir" chiso "$CHISO_CLICKHOUSE_ANALYST_USER" "$CHISO_CLICKHOUSE_ANALYST_PASSWORD"

echo "ClickHouse at $url, data in $dir"
"${CARGO_TARGET_DIR:-target}/release/chiso-demo" --clickhouse-url "$url" "$@"
