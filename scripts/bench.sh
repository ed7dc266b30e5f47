#!/usr/bin/env bash
# `make bench`: install what is missing (wrk too), build release, start a
# throwaway ClickHouse on free loopback ports, run every benchmark part
# (target/release/chiso-bench), write target/bench/report.md, stop ClickHouse.
# Extra arguments go to `chiso-bench run` (e.g. --duration-secs 5 --scale 4).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh wrk
cargo build --release --quiet -p chiso-bench

# Where cargo put the binary: CARGO_TARGET_DIR when set (shared caches, CI), else target/.
bin_dir=${CARGO_TARGET_DIR:-target}/release

mkdir -p target/bench
dir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-bench-ch.XXXXXX")
cleanup() { scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

url=$(scripts/clickhouse.sh start "$dir" | tail -n1)
echo "bench ClickHouse at $url ($dir)"

# The web server's session secret: any 32+ characters (nothing is signed that outlives the run).
# Reads at ten times the data outlast the shipped 60 s ClickHouse timeout.
CHISO_CLICKHOUSE_TIMEOUT_SECS=600 CHISO_SESSION_SECRET=$(head -c 32 /dev/urandom | base64) \
    "$bin_dir/chiso-bench" --clickhouse-url "$url" run \
    --clickhouse-dir "$dir" --out target/bench/report.md --notes docs/bench-notes.md "$@"
