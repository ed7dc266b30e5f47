# The two commands of README.md. Both install what they need on a fresh machine.
.PHONY: run run-cluster test bench soak lint demo-once

## run: ClickHouse under var/, the simulator of every unit, 24 months backfilled; Ctrl-C stops all.
run:
	scripts/run.sh

## run-cluster: the demo on a loopback cluster (ZooKeeper, two replicas) with two `chiso serve` on :8080 and :8081.
run-cluster:
	scripts/run-cluster.sh

## test: a throwaway ClickHouse and a two-replica cluster, lint, every test against them.
test:
	scripts/test.sh

## bench: a throwaway ClickHouse; ingest, compute, dashboards and scale figures in target/bench/report.md.
bench:
	scripts/bench.sh

## soak: 5 minutes of chiso under random faults on a throwaway ClickHouse; invariants in target/bench/soak.md.
soak:
	scripts/deps.sh
	cargo build --release --quiet -p chiso -p chiso-bench --bins
	$${CARGO_TARGET_DIR:-target}/release/chiso-bench soak --minutes $${SOAK_MINUTES:-5} --seed $${SOAK_SEED:-2019}

## demo-once: like run, but exits after the backfill summary.
demo-once:
	scripts/run.sh --once

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
