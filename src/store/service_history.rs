//! Each service's months as its unit reported them (level and dossiers), and
//! the services declared fully online that received no online dossier in
//! each of the last N months (letter 1145/BTTTT-THH: is a service declared
//! online really used?).

use clickhouse::Row;
use serde::Deserialize;

use super::figures::Units;
use super::service_counts::predicate_sql;
use super::{Store, StoreError};
use crate::domain::formula::unused_full_online;
use crate::domain::Month;

/// One service in one month of the unit's current report.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct ServiceMonthRow {
    pub service_code: String,
    /// `YYYY-MM-01`.
    pub month: String,
    pub service_name: String,
    pub field: String,
    /// `full_online`, `partial_online` or `not_online`.
    pub level: String,
    pub received: u64,
    pub received_online: u64,
    pub processed: u64,
    pub processed_on_time: u64,
    pub processed_late: u64,
}

/// A service declared fully online with no online dossier in each of the
/// window's months (all of them reported).
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct UnusedService {
    pub unit_code: String,
    pub service_code: String,
    pub service_name: String,
    pub field: String,
}

impl Store {
    /// The services of `unit` in each month of `from..=to` it reported, by
    /// service then month. A repeated insert of the current version folds in
    /// the GROUP BY, so no FINAL is needed.
    pub async fn unit_service_months(
        &self,
        unit: &str,
        (from, to): (Month, Month),
    ) -> Result<Vec<ServiceMonthRow>, StoreError> {
        let sql = "SELECT service_code, toString(month), any(service_name), any(field), \
                   toString(any(level)), any(received), any(received_online), any(processed), \
                   any(processed_on_time), any(processed_late) \
                   FROM service_stats WHERE {range}{units} AND {current} \
                   GROUP BY service_code, month ORDER BY service_code, month";
        let codes = [unit.to_string()];
        self.fetch_figures(
            "read a unit's services by month",
            (sql, "service_stats"),
            (from, to),
            Units::Only(&codes),
        )
        .await
    }

    /// The services that met the unused-full-online predicate in each of the
    /// `months` months ending with `to`: the same predicate and window as
    /// the `count_services(…, months = N)` indicator (`formula::unused_full_online`).
    pub async fn unused_full_online(
        &self,
        to: Month,
        months: u32,
        units: Units<'_>,
    ) -> Result<Vec<UnusedService>, StoreError> {
        let months = months.max(1);
        let mut from = to;
        for _ in 1..months {
            from = from.prev();
        }
        let pred = predicate_sql(&unused_full_online(months).pred);
        let sql = format!(
            "SELECT unit_code, service_code, any(service_name), any(field) \
             FROM service_stats WHERE {{range}}{{units}} AND {{current}} \
             GROUP BY unit_code, service_code HAVING uniqExactIf(month, {pred}) = {months} \
             ORDER BY unit_code, service_code"
        );
        self.fetch_figures(
            "find full-online services without online dossiers",
            (&sql, "service_stats"),
            (from, to),
            units,
        )
        .await
    }
}
