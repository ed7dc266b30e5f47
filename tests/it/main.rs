//! Integration tests: one binary, a real ClickHouse (started by `make test`,
//! URL in CHISO_TEST_CLICKHOUSE_URL, its directory in CHISO_TEST_CLICKHOUSE_DIR
//! for analyst users), a fresh database per test, the simulator
//! on a free loopback port. Nothing beyond loopback.

// Tests state facts; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod analyst;
mod api;
mod atomic;
mod audit;
mod auth;
mod browser;
mod cluster;
mod collect;
mod common;
mod compute;
mod faults;
mod formulas;
mod grafana;
mod hostile;
mod import;
mod indicator_page_kept;
mod jobs;
mod languages;
mod lease;
mod notify;
mod ops;
mod pages;
mod plans;
mod probes;
mod publish;
mod quality;
mod registry;
mod remind_policy;
mod report;
mod results;
mod schedule;
mod schema;
mod service_aggregates;
mod service_history;
mod service_sums;
mod sql;
mod timeliness;
mod unit_page_kept;
mod upload;
