#!/usr/bin/env bash
# `make test`: install what is missing, start a throwaway ClickHouse on a free
# loopback port in a temporary directory, lint, run every test against it, stop it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# chromium + chromium-driver: the browser test (tests/it/browser.rs).
# prometheus: promtool checks and tests the alerting rules of deploy/prometheus.
scripts/deps.sh chromium chromium-driver prometheus

dir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-ch.XXXXXX")
zkdir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-zk.XXXXXX")
cleanup() {
    scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true
    scripts/zookeeper.sh stop "$zkdir" >/dev/null 2>&1 || true
    rm -rf "$dir" "$zkdir"
}
trap cleanup EXIT INT TERM

# Every query logged: the replay on current ClickHouse reads them (scripts/compat.sh).
url=$(CH_LOG_QUERIES=1 scripts/clickhouse.sh start "$dir" | tail -n1)
echo "test ClickHouse at $url ($dir)"
export CHISO_TEST_CLICKHOUSE_URL=$url
# tests/it/common: analyst users are written into this server's users.d.
export CHISO_TEST_CLICKHOUSE_DIR=$dir
# tests/it/lease.rs: the leader's lease (each test under a root of its own).
CHISO_TEST_ZOOKEEPER=$(scripts/zookeeper.sh start "$zkdir" | tail -n1)
echo "test ZooKeeper at $CHISO_TEST_ZOOKEEPER ($zkdir)"
export CHISO_TEST_ZOOKEEPER

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --all-targets
# chiso read through the clients an analyst's notebook uses (tests/python).
CHISO_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/chiso" \
    "$(scripts/venv.sh)" -m pytest -q -p no:cacheprovider tests/python
# What chiso sent to 18.16, replayed on current ClickHouse: same rows.
scripts/compat.sh "$url"
# The alerting rules: valid, and firing when (and only when) they should.
promtool check rules deploy/prometheus/chiso.rules.yml
promtool test rules deploy/prometheus/chiso.rules.test.yml
