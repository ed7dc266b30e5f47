//! Every setting checked at once, each problem named by its key.

use std::str::FromStr;

use super::Settings;
use crate::config::Problems;

impl Settings {
    pub(super) fn validate(&self, p: &mut Problems) {
        let ch = &self.clickhouse;
        if ch.urls().is_empty() {
            p.add("clickhouse.url", "names no server");
        }
        for url in ch.urls() {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                p.add(
                    "clickhouse.url",
                    format!("'{url}' must start with http:// or https://"),
                );
            }
        }
        if !ch
            .cluster
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            p.add(
                "clickhouse.cluster",
                format!("'{}' must be letters, digits and _", ch.cluster),
            );
        }
        if ch.database.is_empty()
            || !ch
                .database
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            p.add(
                "clickhouse.database",
                format!("'{}' must be letters, digits and _", ch.database),
            );
        }
        let c = &self.collector;
        let w = &self.web;
        for (key, value) in [
            ("web.session_hours", w.session_hours),
            ("web.token_days", w.token_days),
            (
                "web.sql_max_execution_time_secs",
                w.sql_max_execution_time_secs,
            ),
            ("web.sql_max_result_rows", w.sql_max_result_rows),
            ("web.sql_max_result_bytes", w.sql_max_result_bytes),
            ("clickhouse.timeout_secs", ch.timeout_secs),
            ("clickhouse.insert_quorum", ch.insert_quorum),
            ("collector.timeout_secs", c.timeout_secs),
            ("collector.concurrency", c.concurrency as u64),
            ("collector.max_body_bytes", c.max_body_bytes),
            ("collector.max_pages", c.max_pages as u64),
            (
                "collector.unit_month_deadline_secs",
                c.unit_month_deadline_secs,
            ),
            (
                "schedule.collect_deadline_secs",
                self.schedule.collect_deadline_secs,
            ),
            (
                "schedule.compute_deadline_secs",
                self.schedule.compute_deadline_secs,
            ),
            (
                "schedule.remind_deadline_secs",
                self.schedule.remind_deadline_secs,
            ),
        ] {
            if value == 0 {
                p.add(key, "must be at least 1");
            }
        }
        if w.token_days > 3650 {
            p.add("web.token_days", "must be at most 3650 (ten years)");
        }
        if c.backoff_base_ms > c.backoff_max_ms {
            p.add(
                "collector.backoff_base_ms",
                "must not exceed collector.backoff_max_ms",
            );
        }
        if let Some(url) = &c.source_override {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                p.add(
                    "collector.source_override",
                    format!("'{url}' must start with http:// or https://"),
                );
            }
        }
        if !(1..=28).contains(&self.compute.deadline_day) {
            p.add(
                "compute.deadline_day",
                format!("{} must be a day from 1 to 28", self.compute.deadline_day),
            );
        }
        let window = self.compute.unused_full_online_months;
        if !(1..=crate::domain::formula::MAX_WINDOW_MONTHS).contains(&window) {
            p.add(
                "compute.unused_full_online_months",
                format!(
                    "{window} must be from 1 to {}",
                    crate::domain::formula::MAX_WINDOW_MONTHS
                ),
            );
        }
        for (key, v) in [
            (
                "compute.outlier_min_points",
                self.compute.outlier_min_points,
            ),
            (
                "compute.outlier_min_relative",
                self.compute.outlier_min_relative,
            ),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                p.add(key, format!("{v} must be a number ≥ 0"));
            }
        }
        if chrono_tz::Tz::from_str(&self.schedule.timezone).is_err() {
            p.add(
                "schedule.timezone",
                format!("'{}' is not an IANA time zone", self.schedule.timezone),
            );
        }
        for (key, expr) in [
            ("schedule.collect", &self.schedule.collect),
            ("schedule.compute", &self.schedule.compute),
            ("schedule.remind", &self.schedule.remind),
        ] {
            if let Err(message) = check_cron(expr) {
                p.add(key, message);
            }
        }
        self.check_coordination(p);
    }

    fn check_coordination(&self, p: &mut Problems) {
        let co = &self.coordination;
        if !(1..=60).contains(&co.session_timeout_secs) {
            p.add(
                "coordination.session_timeout_secs",
                format!(
                    "{} must be from 1 to 60 seconds (ZooKeeper's own bounds apply too)",
                    co.session_timeout_secs
                ),
            );
        }
        let root_ok = co.root.starts_with('/')
            && co.root.len() > 1
            && !co.root.ends_with('/')
            && co.root[1..].split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            });
        if !root_ok {
            p.add(
                "coordination.root",
                format!(
                    "'{}' must be an absolute ZooKeeper path such as /chiso",
                    co.root
                ),
            );
        }
        if co.is_cluster()
            && co.zookeeper.split(',').any(|h| {
                h.trim()
                    .rsplit_once(':')
                    .is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err())
            })
        {
            p.add(
                "coordination.zookeeper",
                format!("'{}' must be host:port[,host:port…]", co.zookeeper),
            );
        }
    }
}

/// A cron expression the scheduler will accept, read as the `cron` crate reads it.
pub(super) fn check_cron(expr: &str) -> Result<(), String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if !(6..=7).contains(&fields.len()) {
        return Err(format!(
            "'{expr}' needs 6 or 7 fields: sec min hour day month weekday [year]"
        ));
    }
    // The cron crate counts weekdays from Sunday = 1, Unix cron from Sunday = 0:
    // a number here would quietly run on the wrong day.
    if fields[5].chars().any(|c| c.is_ascii_digit()) {
        return Err(format!(
            "'{expr}': write weekdays by name (Mon-Fri, Sat), not by number"
        ));
    }
    cron::Schedule::from_str(expr)
        .map(drop)
        .map_err(|e| format!("'{expr}' is not a cron expression: {e}"))
}
