//! `portal_probes` (0018_portal_probes.sql): every probe of a unit's public
//! service portal, and the month's figures made of them (issue 15 §4).

use chrono::{DateTime, NaiveDate, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::Month;

/// One probe, column for column.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct ProbeRow {
    pub unit_code: String,
    pub portal_url: String,
    /// The probe's month in `schedule.timezone`, as its first day.
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: NaiveDate,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub probed_at: DateTime<Utc>,
    pub probed_us: u64,
    /// 1: a 2xx answer within the timeout over a valid certificate.
    pub ok: u8,
    /// 0 when nothing answered.
    pub http_status: u16,
    pub response_ms: u32,
    /// Days until the peer certificate's not-after, negative once expired;
    /// `None` when no certificate was seen (no connection).
    pub cert_days_left: Option<i32>,
    pub error: String,
}

/// What a unit-month's probes add up to, as read from the table.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct ProbeMonthRow {
    pub unit_code: String,
    /// The month's first day, as text (`2026-06-01`).
    pub month: String,
    pub probes: u64,
    pub ok_probes: u64,
    /// Response times of the successful probes, for the p95.
    pub ok_response_ms: Vec<u32>,
    /// The lowest days-left of the month's certificates.
    pub cert_days_min: Option<i32>,
    /// The newest probe's: what the portal shows now.
    pub last_ok: u8,
    pub last_status: u16,
    pub last_cert_days: Option<i32>,
    pub last_error: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub last_probed_at: DateTime<Utc>,
}

impl Store {
    /// Records probes; the unit page's kept values are read again after.
    pub async fn record_probes(&self, rows: &[ProbeRow]) -> Result<(), StoreError> {
        self.insert_rows("portal_probes", rows).await
    }

    /// Every unit-month's probes in `from..=to`, summed up; unit-months
    /// never probed are absent. `unit` narrows to one unit.
    pub async fn probe_months(
        &self,
        (from, to): (Month, Month),
        unit: Option<&str>,
    ) -> Result<Vec<ProbeMonthRow>, StoreError> {
        let sql = "SELECT unit_code, toString(month), count(), countIf(ok = 1), \
                   arraySort(groupArrayIf(response_ms, ok = 1)), min(cert_days_left), \
                   argMax(ok, probed_us), argMax(http_status, probed_us), \
                   argMax(cert_days_left, probed_us), argMax(error, probed_us), max(probed_at) \
                   FROM portal_probes WHERE month >= toDate(?) AND month <= toDate(?) \
                   AND (? = '' OR unit_code = ?) \
                   GROUP BY unit_code, month ORDER BY unit_code, month";
        let unit = unit.unwrap_or_default();
        let q = self
            .client
            .query(sql)
            .bind(from.first_day().to_string())
            .bind(to.first_day().to_string())
            .bind(unit)
            .bind(unit);
        self.run("read portal probes", q.fetch_all()).await
    }

    /// Probes per unit and outcome (`up`, `down`), over all time: the
    /// `chiso_probe_total` counter of `/metrics`.
    pub async fn probe_counts(&self) -> Result<Vec<super::AttemptCount>, StoreError> {
        let sql = "SELECT unit_code, if(ok = 1, 'up', 'down') AS outcome, count() \
                   FROM portal_probes GROUP BY unit_code, outcome ORDER BY unit_code, outcome";
        self.run("count portal probes", self.client.query(sql).fetch_all())
            .await
    }

    /// The probes of one unit and month, oldest first (tests, the card's detail).
    pub async fn probes_of(&self, unit: &str, month: Month) -> Result<Vec<ProbeRow>, StoreError> {
        let sql = "SELECT ?fields FROM portal_probes WHERE unit_code = ? AND month = toDate(?) \
                   ORDER BY probed_us";
        let q = self
            .client
            .query(sql)
            .bind(unit)
            .bind(month.first_day().to_string());
        self.run("read portal probes", q.fetch_all()).await
    }
}
