//! `service_sums` (0016_service_sums.sql): each unit-month-version's service
//! sums, written beside its service rows, so compute reads one row per
//! unit-month rather than every service row through `FINAL` (single-threaded
//! per query on 18.16: 12–14 s for 2019–2025 at ten times the bench data).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::{LevelCode, ServiceRow};

/// A row of `service_sums`: the sums `ServiceFigures` reads, per version.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct ServiceSumsRow {
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    pub version: u64,
    pub services_total: u64,
    pub services_full_online: u64,
    pub services_partial_online: u64,
    pub services_online: u64,
    pub services_eligible_full_online: u64,
    pub services_integrated_national_portal: u64,
    pub dossiers_received: u64,
    pub dossiers_received_online: u64,
    pub dossiers_processed: u64,
    pub dossiers_processed_on_time: u64,
    pub dossiers_processed_late: u64,
    pub dossiers_pending_overdue: u64,
}

impl ServiceSumsRow {
    fn empty(unit_code: &str, month: NaiveDate, version: u64) -> Self {
        Self {
            unit_code: unit_code.to_string(),
            month,
            version,
            services_total: 0,
            services_full_online: 0,
            services_partial_online: 0,
            services_online: 0,
            services_eligible_full_online: 0,
            services_integrated_national_portal: 0,
            dossiers_received: 0,
            dossiers_received_online: 0,
            dossiers_processed: 0,
            dossiers_processed_on_time: 0,
            dossiers_processed_late: 0,
            dossiers_pending_overdue: 0,
        }
    }

    /// Adds one service, as `service_figures`' aggregates count it.
    fn add(&mut self, s: &ServiceRow) {
        self.services_total += 1;
        self.services_full_online += u64::from(s.level == LevelCode::FullOnline);
        self.services_partial_online += u64::from(s.level == LevelCode::PartialOnline);
        self.services_online += u64::from(s.level != LevelCode::NotOnline);
        self.services_eligible_full_online += u64::from(s.eligible_full_online == 1);
        self.services_integrated_national_portal += u64::from(s.integrated_national_portal == 1);
        // Wrapping as ClickHouse's sum(UInt64) does: the validator bounds each value.
        self.dossiers_received = self.dossiers_received.wrapping_add(s.received);
        self.dossiers_received_online = self
            .dossiers_received_online
            .wrapping_add(s.received_online);
        self.dossiers_processed = self.dossiers_processed.wrapping_add(s.processed);
        self.dossiers_processed_on_time = self
            .dossiers_processed_on_time
            .wrapping_add(s.processed_on_time);
        self.dossiers_processed_late = self.dossiers_processed_late.wrapping_add(s.processed_late);
        self.dossiers_pending_overdue = self
            .dossiers_pending_overdue
            .wrapping_add(s.pending_overdue);
    }
}

/// One row per unit, month and version of `services`, in key order. The
/// validator refuses a service twice in a unit-month, so each counts once.
pub fn sums_of(services: &[ServiceRow]) -> Vec<ServiceSumsRow> {
    let mut out: BTreeMap<(&str, NaiveDate, u64), ServiceSumsRow> = BTreeMap::new();
    for s in services {
        out.entry((s.unit_code.as_str(), s.month, s.version))
            .or_insert_with(|| ServiceSumsRow::empty(&s.unit_code, s.month, s.version))
            .add(s);
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(unit: &str, version: u64, level: LevelCode, received: u64) -> ServiceRow {
        ServiceRow {
            unit_code: unit.into(),
            month: NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(),
            service_code: format!("s{received}"),
            service_name: String::new(),
            field: String::new(),
            level,
            eligible_full_online: 1,
            integrated_national_portal: 0,
            received,
            received_online: received / 2,
            processed: received,
            processed_on_time: received,
            processed_late: 0,
            pending_overdue: 1,
            attempt_id: String::new(),
            version,
            collected_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn each_unit_month_version_gets_one_row_of_its_services() {
        let rows = sums_of(&[
            service("02", 7, LevelCode::FullOnline, 10),
            service("01", 7, LevelCode::PartialOnline, 4),
            service("02", 7, LevelCode::NotOnline, 20),
            service("02", 8, LevelCode::FullOnline, 30),
        ]);
        let keys: Vec<(&str, u64)> = rows
            .iter()
            .map(|r| (r.unit_code.as_str(), r.version))
            .collect();
        assert_eq!(keys, [("01", 7), ("02", 7), ("02", 8)]);
        let two = &rows[1];
        assert_eq!(two.services_total, 2);
        assert_eq!(two.services_full_online, 1);
        assert_eq!(two.services_partial_online, 0);
        assert_eq!(two.services_online, 1);
        assert_eq!(two.services_eligible_full_online, 2);
        assert_eq!(two.dossiers_received, 30);
        assert_eq!(two.dossiers_received_online, 15);
        assert_eq!(two.dossiers_pending_overdue, 2);
    }
}
