#!/usr/bin/env bash
# `make test`: install what is missing, start throwaway servers on free
# loopback ports in temporary directories (a ClickHouse, a ZooKeeper for the
# lease tests, a two-replica cluster), lint, run every test against them, stop them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# chromium + chromium-driver: the browser test (tests/it/browser.rs).
# prometheus: promtool checks and tests the alerting rules of deploy/prometheus.
scripts/deps.sh chromium chromium-driver prometheus

dir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-ch.XXXXXX")
zkdir=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-zk.XXXXXX")
cluster=$(mktemp -d "${TMPDIR:-/tmp}/chiso-test-cluster.XXXXXX")
cleanup() {
    scripts/clickhouse.sh stop "$dir" >/dev/null 2>&1 || true
    scripts/zookeeper.sh stop "$zkdir" >/dev/null 2>&1 || true
    scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true
    rm -rf "$dir" "$zkdir" "$cluster"
}
trap cleanup EXIT INT TERM

# Every query logged: the replay on current ClickHouse reads them (scripts/compat.sh).
url=$(CH_LOG_QUERIES=1 scripts/clickhouse.sh start "$dir" | tail -n1)
echo "test ClickHouse at $url ($dir)"
export CHISO_TEST_CLICKHOUSE_URL=$url
# tests/it/common: analyst users are written into this server's users.d.
export CHISO_TEST_CLICKHOUSE_DIR=$dir
# tests/it/lease.rs: the leader's lease (each test under a root of its own).
# Apart from the cluster's ZooKeeper, which the cluster tests stop.
CHISO_TEST_ZOOKEEPER=$(scripts/zookeeper.sh start "$zkdir" | tail -n1)
echo "test ZooKeeper at $CHISO_TEST_ZOOKEEPER ($zkdir)"
export CHISO_TEST_ZOOKEEPER

# tests/it/cluster.rs: two replicas of one shard and ZooKeeper (issue 13);
# the tests kill a replica and stop ZooKeeper in this directory.
mapfile -t addrs < <(scripts/cluster.sh start "$cluster")
echo "test cluster: replicas ${addrs[0]} ${addrs[1]}, ZooKeeper ${addrs[2]} ($cluster)"
export CHISO_TEST_CLUSTER_URLS="${addrs[0]},${addrs[1]}"
export CHISO_TEST_CLUSTER_DIR=$cluster

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
