//! Settings from the environment (`CHISO_*`) and the command line, each named
//! by its key in `chiso.toml`.

use std::path::PathBuf;
use std::str::FromStr;

use super::Settings;
use crate::config::Problems;

/// The environment variable for each setting a deployer changes.
pub(super) const ENV_KEYS: &[(&str, &str)] = &[
    ("CHISO_CLICKHOUSE_URL", "clickhouse.url"),
    ("CHISO_CLICKHOUSE_USER", "clickhouse.user"),
    ("CHISO_CLICKHOUSE_PASSWORD", "clickhouse.password"),
    ("CHISO_CLICKHOUSE_DATABASE", "clickhouse.database"),
    ("CHISO_CLICKHOUSE_TIMEOUT_SECS", "clickhouse.timeout_secs"),
    ("CHISO_CLICKHOUSE_CLUSTER", "clickhouse.cluster"),
    ("CHISO_CLICKHOUSE_INSERT_QUORUM", "clickhouse.insert_quorum"),
    ("CHISO_CLICKHOUSE_ANALYST_USER", "clickhouse.analyst_user"),
    (
        "CHISO_CLICKHOUSE_ANALYST_PASSWORD",
        "clickhouse.analyst_password",
    ),
    ("CHISO_COLLECT_CONCURRENCY", "collector.concurrency"),
    ("CHISO_COLLECT_TIMEOUT_SECS", "collector.timeout_secs"),
    ("CHISO_COLLECT_RETRIES", "collector.retries"),
    ("CHISO_SOURCE_OVERRIDE", "collector.source_override"),
    ("CHISO_COLLECT_MAX_BODY_BYTES", "collector.max_body_bytes"),
    ("CHISO_COLLECT_MAX_PAGES", "collector.max_pages"),
    (
        "CHISO_COLLECT_UNIT_MONTH_DEADLINE_SECS",
        "collector.unit_month_deadline_secs",
    ),
    ("CHISO_TIMEZONE", "schedule.timezone"),
    ("CHISO_SCHEDULE_COLLECT", "schedule.collect"),
    ("CHISO_SCHEDULE_COMPUTE", "schedule.compute"),
    ("CHISO_SCHEDULE_REMIND", "schedule.remind"),
    ("CHISO_STATE_DIR", "schedule.state_dir"),
    (
        "CHISO_COLLECT_DEADLINE_SECS",
        "schedule.collect_deadline_secs",
    ),
    (
        "CHISO_COMPUTE_DEADLINE_SECS",
        "schedule.compute_deadline_secs",
    ),
    (
        "CHISO_REMIND_DEADLINE_SECS",
        "schedule.remind_deadline_secs",
    ),
    ("CHISO_REPORT_DEADLINE_DAY", "compute.deadline_day"),
    (
        "CHISO_UNUSED_FULL_ONLINE_MONTHS",
        "compute.unused_full_online_months",
    ),
    ("CHISO_UNITS", "paths.units"),
    ("CHISO_MEASURES", "paths.measures"),
    ("CHISO_INDICATORS", "paths.indicators"),
    ("CHISO_ALERTS", "paths.alerts"),
    ("CHISO_DASHBOARDS", "paths.dashboards"),
    (
        "CHISO_SQL_MAX_EXECUTION_TIME_SECS",
        "web.sql_max_execution_time_secs",
    ),
    ("CHISO_SQL_MAX_RESULT_ROWS", "web.sql_max_result_rows"),
    ("CHISO_SQL_MAX_RESULT_BYTES", "web.sql_max_result_bytes"),
    ("CHISO_SQL_MAX_CONCURRENT", "web.sql_max_concurrent"),
    ("CHISO_ZOOKEEPER", "coordination.zookeeper"),
    (
        "CHISO_ZOOKEEPER_SESSION_TIMEOUT_SECS",
        "coordination.session_timeout_secs",
    ),
    ("CHISO_ZOOKEEPER_ROOT", "coordination.root"),
    ("CHISO_SCHEDULE_PROBE", "probe.schedule"),
    ("CHISO_PROBE_EXTRA_ROOT", "probe.extra_root_certificate"),
];

impl Settings {
    pub(super) fn set(&mut self, key: &str, value: &str, origin: &str, problems: &mut Problems) {
        let mut num = |target: &mut u64| parse_into(value, target, key, origin, problems);
        match key {
            "clickhouse.url" => self.clickhouse.url = value.to_string(),
            "clickhouse.user" => self.clickhouse.user = value.to_string(),
            "clickhouse.password" => self.clickhouse.password = value.to_string(),
            "clickhouse.database" => self.clickhouse.database = value.to_string(),
            "clickhouse.timeout_secs" => num(&mut self.clickhouse.timeout_secs),
            "clickhouse.cluster" => self.clickhouse.cluster = value.to_string(),
            "clickhouse.insert_quorum" => num(&mut self.clickhouse.insert_quorum),
            "clickhouse.analyst_user" => self.clickhouse.analyst_user = value.to_string(),
            "clickhouse.analyst_password" => self.clickhouse.analyst_password = value.to_string(),
            "collector.timeout_secs" => num(&mut self.collector.timeout_secs),
            "collector.concurrency" => parse_into(
                value,
                &mut self.collector.concurrency,
                key,
                origin,
                problems,
            ),
            "collector.retries" => {
                parse_into(value, &mut self.collector.retries, key, origin, problems)
            }
            "collector.source_override" => {
                self.collector.source_override = Some(value.to_string()).filter(|v| !v.is_empty())
            }
            "collector.max_body_bytes" => num(&mut self.collector.max_body_bytes),
            "collector.max_pages" => {
                parse_into(value, &mut self.collector.max_pages, key, origin, problems)
            }
            "collector.unit_month_deadline_secs" => {
                num(&mut self.collector.unit_month_deadline_secs)
            }
            "schedule.timezone" => self.schedule.timezone = value.to_string(),
            "schedule.collect" => self.schedule.collect = value.to_string(),
            "schedule.compute" => self.schedule.compute = value.to_string(),
            "schedule.remind" => self.schedule.remind = value.to_string(),
            "schedule.state_dir" => self.schedule.state_dir = PathBuf::from(value),
            "schedule.collect_deadline_secs" => num(&mut self.schedule.collect_deadline_secs),
            "schedule.compute_deadline_secs" => num(&mut self.schedule.compute_deadline_secs),
            "schedule.remind_deadline_secs" => num(&mut self.schedule.remind_deadline_secs),
            "compute.deadline_day" => {
                parse_into(value, &mut self.compute.deadline_day, key, origin, problems)
            }
            "compute.unused_full_online_months" => parse_into(
                value,
                &mut self.compute.unused_full_online_months,
                key,
                origin,
                problems,
            ),
            "paths.units" => self.paths.units = PathBuf::from(value),
            "paths.measures" => self.paths.measures = PathBuf::from(value),
            "paths.indicators" => self.paths.indicators = PathBuf::from(value),
            "paths.alerts" => self.paths.alerts = PathBuf::from(value),
            "paths.dashboards" => self.paths.dashboards = PathBuf::from(value),
            "web.sql_max_execution_time_secs" => num(&mut self.web.sql_max_execution_time_secs),
            "web.sql_max_result_rows" => num(&mut self.web.sql_max_result_rows),
            "web.sql_max_result_bytes" => num(&mut self.web.sql_max_result_bytes),
            "web.sql_max_concurrent" => num(&mut self.web.sql_max_concurrent),
            "coordination.zookeeper" => self.coordination.zookeeper = value.to_string(),
            "coordination.session_timeout_secs" => num(&mut self.coordination.session_timeout_secs),
            "coordination.root" => self.coordination.root = value.to_string(),
            "probe.schedule" => self.probe.schedule = value.to_string(),
            "probe.extra_root_certificate" => {
                self.probe.extra_root_certificate =
                    Some(PathBuf::from(value)).filter(|v| !v.as_os_str().is_empty())
            }
            _ => problems.add(key, format!("no such setting (from {origin})")),
        }
    }
}

fn parse_into<T: FromStr>(value: &str, target: &mut T, key: &str, origin: &str, p: &mut Problems) {
    match value.trim().parse() {
        Ok(v) => *target = v,
        Err(_) => p.add(
            key,
            format!("'{value}' from {origin} is not a whole number"),
        ),
    }
}
