//! `service_plan_rows` and `plan_filings` (0019_service_plans.sql): the plans
//! units file as letter 1145/BTTTT-THH asks, and what the collected service
//! levels say of them. A filing's rows are written first and its record last
//! (the commit); readers take a unit's newest recorded filing only.

use chrono::{DateTime, NaiveDate, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};

use super::figures::Units;
use super::{Store, StoreError};
use crate::domain::Month;

/// One service of a filing, column for column.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PlanRow {
    pub unit_code: String,
    pub version: u64,
    pub line: u32,
    pub service_code: String,
    pub service_name: String,
    pub eligible: u8,
    /// 1970-01-01 for a service not eligible.
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub target_month: NaiveDate,
    pub reason: String,
}

/// A filing's record: written after its rows, it makes them the unit's plan.
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PlanFiling {
    pub unit_code: String,
    pub version: u64,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub filed_at: DateTime<Utc>,
    pub filed_by: String,
    pub file_name: String,
    pub services: u32,
    pub eligible: u32,
    pub sha256: String,
}

/// Each unit's first and newest filing: the first says on time or late, the
/// newest is the plan.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct FilingSpan {
    pub unit_code: String,
    /// Unix seconds.
    pub first_filed_at: u32,
    pub newest_version: u64,
    pub filings: u64,
}

/// What the collected data says of one service of a unit, up to a month.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct ServiceLevelSpan {
    pub service_code: String,
    /// The first month reported fully online (`YYYY-MM-DD`); empty if never.
    pub first_full_online: String,
    /// The newest month the service was reported (`YYYY-MM-DD`).
    pub last_reported: String,
    /// Its level in that month (`full_online`, …).
    pub last_level: String,
}

/// A month's fully online services of a unit (a month it reported services).
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct MonthFullOnline {
    pub month: String,
    pub full_online: Vec<String>,
}

/// The earliest month the service history is read from.
const HISTORY_FROM: (i32, u32) = (2000, 1);

impl Store {
    /// Stores a filing: its rows, then its record. Nothing of a filing whose
    /// record was not written is ever read.
    pub async fn file_plan(&self, filing: &PlanFiling, rows: &[PlanRow]) -> Result<(), StoreError> {
        self.insert_rows("service_plan_rows", rows).await?;
        self.insert_rows("plan_filings", std::slice::from_ref(filing))
            .await
    }

    /// Every filing of `unit`, newest first.
    pub async fn plan_filings(&self, unit: &str) -> Result<Vec<PlanFiling>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM plan_filings WHERE unit_code = ? ORDER BY version DESC")
            .bind(unit);
        self.run("read plan filings", q.fetch_all()).await
    }

    /// The rows of `unit`'s filing `version`, in file order.
    pub async fn plan_rows(&self, unit: &str, version: u64) -> Result<Vec<PlanRow>, StoreError> {
        let q = self
            .client
            .query(
                "SELECT ?fields FROM service_plan_rows WHERE unit_code = ? AND version = ? \
                 ORDER BY line",
            )
            .bind(unit)
            .bind(version);
        self.run("read a plan", q.fetch_all()).await
    }

    /// The newest filing of `unit` and its rows, if it filed one.
    pub async fn current_plan(
        &self,
        unit: &str,
    ) -> Result<Option<(PlanFiling, Vec<PlanRow>)>, StoreError> {
        let Some(newest) = self.plan_filings(unit).await?.into_iter().next() else {
            return Ok(None);
        };
        let rows = self.plan_rows(unit, newest.version).await?;
        Ok(Some((newest, rows)))
    }

    /// Every unit's first and newest filing, for the statuses (filed, late, missing).
    pub async fn filing_spans(&self) -> Result<Vec<FilingSpan>, StoreError> {
        let sql = "SELECT unit_code, toUInt32(min(filed_at)), max(version), count() \
                   FROM plan_filings GROUP BY unit_code ORDER BY unit_code";
        self.run("read plan filings", self.client.query(sql).fetch_all())
            .await
    }

    /// For each service `unit` reported up to `as_of`: the first month it was
    /// fully online, and its level in the newest month it was reported.
    pub async fn service_level_spans(
        &self,
        unit: &str,
        as_of: Month,
    ) -> Result<Vec<ServiceLevelSpan>, StoreError> {
        let codes = [unit.to_string()];
        let from = Month::new(HISTORY_FROM.0, HISTORY_FROM.1).unwrap_or(as_of);
        // A repeated insert repeats a row with the same values: min, max and
        // argMax read it once. No full-online month: minIf gives the zero date.
        let sql = "SELECT service_code, \
                   if(countIf(level = 'full_online') = 0, '', toString(minIf(month, level = 'full_online'))), \
                   toString(max(month)), toString(argMax(level, month)) \
                   FROM service_stats WHERE {range}{units} AND {current} \
                   GROUP BY service_code ORDER BY service_code";
        self.fetch_figures(
            "read service levels for a plan",
            (sql, "service_stats"),
            (from, as_of),
            Units::Only(&codes),
        )
        .await
    }

    /// For each month of `from..=to` `unit` reported services: which were fully online.
    pub async fn months_full_online(
        &self,
        unit: &str,
        (from, to): (Month, Month),
    ) -> Result<Vec<MonthFullOnline>, StoreError> {
        let codes = [unit.to_string()];
        let sql = "SELECT toString(month), arraySort(groupUniqArrayIf(service_code, level = 'full_online')) \
                   FROM service_stats WHERE {range}{units} AND {current} \
                   GROUP BY month ORDER BY month";
        self.fetch_figures(
            "read fully online services by month",
            (sql, "service_stats"),
            (from, to),
            Units::Only(&codes),
        )
        .await
    }
}
