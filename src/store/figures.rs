//! The monthly figures indicators are computed from: per unit-month sums of the
//! current services, the current unit-level measures, and when each unit-month
//! was first stored (for the reporting rate and timeliness).

use clickhouse::Row;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Deserialize;

use super::{Store, StoreError};
use crate::domain::Month;

/// Sums of a unit-month's current services; names are the measure names of
/// `config/indicators.toml` (`SERVICE_MEASURES`).
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct ServiceFigures {
    pub unit_code: String,
    pub month: String,
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

impl ServiceFigures {
    /// (measure name, value) pairs, in the names indicators use.
    pub fn named(&self) -> [(&'static str, f64); 12] {
        [
            ("services_total", self.services_total as f64),
            ("services_full_online", self.services_full_online as f64),
            (
                "services_partial_online",
                self.services_partial_online as f64,
            ),
            ("services_online", self.services_online as f64),
            (
                "services_eligible_full_online",
                self.services_eligible_full_online as f64,
            ),
            (
                "services_integrated_national_portal",
                self.services_integrated_national_portal as f64,
            ),
            ("dossiers_received", self.dossiers_received as f64),
            (
                "dossiers_received_online",
                self.dossiers_received_online as f64,
            ),
            ("dossiers_processed", self.dossiers_processed as f64),
            (
                "dossiers_processed_on_time",
                self.dossiers_processed_on_time as f64,
            ),
            (
                "dossiers_processed_late",
                self.dossiers_processed_late as f64,
            ),
            (
                "dossiers_pending_overdue",
                self.dossiers_pending_overdue as f64,
            ),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct MeasureFigure {
    pub unit_code: String,
    pub month: String,
    pub measure_code: String,
    pub value: f64,
}

/// When a unit-month was first stored: the report's arrival.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct FirstStored {
    pub unit_code: String,
    pub month: String,
    /// Unix seconds.
    pub first_stored_at: u32,
}

#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct LastStored {
    pub unit_code: String,
    pub month: String,
    /// Unix seconds.
    pub last_stored_at: u32,
}

/// When chiso first tried to collect a month, from any unit by any channel:
/// a report first stored after the deadline of a month chiso was not yet
/// collecting by then (a backfill, an import of history) has no known arrival.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct MonthWatched {
    pub month: String,
    /// Unix seconds.
    pub first_attempt_at: u32,
}

/// Which units a read covers: every unit (a computation) or a few (one unit's
/// page and its merged predecessors). The tables are sorted by unit first, so
/// a few units read only their own granules.
#[derive(Debug, Clone, Copy)]
pub enum Units<'a> {
    All,
    Only(&'a [String]),
}

impl Units<'_> {
    /// The SQL condition, one `?` per code (bound by `bind`).
    fn condition(self) -> String {
        match self {
            Units::All => String::new(),
            Units::Only([]) => " AND 0".to_string(),
            Units::Only(codes) => {
                format!(" AND unit_code IN ({})", vec!["?"; codes.len()].join(", "))
            }
        }
    }

    fn bind(self, mut q: clickhouse::query::Query) -> clickhouse::query::Query {
        if let Units::Only(codes) = self {
            for c in codes {
                q = q.bind(c.as_str());
            }
        }
        q
    }
}

/// Years read at once: enough to keep two cores busy, few enough to leave
/// ClickHouse's concurrent query limit to the pages.
const YEARS_AT_ONCE: usize = 4;

/// `from..=to` cut at year ends, in order.
pub(super) fn years(from: Month, to: Month) -> Vec<(Month, Month)> {
    let mut spans = Vec::new();
    let mut start = from;
    while start <= to {
        let year_end = Month::new(start.year(), 12).unwrap_or(to);
        let end = year_end.min(to);
        spans.push((start, end));
        start = end.next();
    }
    spans
}

impl Store {
    /// Runs `sql`, whose two `?` are the first and last month, and fetches every row.
    pub(super) async fn fetch_month_range<T>(
        &self,
        context: &str,
        sql: &str,
        from: Month,
        to: Month,
    ) -> Result<Vec<T>, StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowRead,
    {
        let q = self
            .client
            .query(sql)
            .bind(from.first_day().to_string())
            .bind(to.first_day().to_string());
        self.run(context, q.fetch_all()).await
    }

    /// Runs `sql`, each of whose `{range}{units}` is the month range and
    /// `units`' condition, and fetches every row. `{current}` reads the current version of each
    /// unit-month as the `*_current` views do (0011_committed_versions.sql), with the
    /// month range and units in both the scan and the newest-version subquery:
    /// the views cannot take them, so they group the whole table on every read
    /// (14× slower on two months of a 1.6 M-row table; `make bench`).
    pub(super) async fn fetch_figures<T>(
        &self,
        context: &str,
        (sql, table): (&str, &str),
        span: (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<T>, StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowRead,
    {
        self.since_collect
            .figure_reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let q = self.figures_query((sql, table), span, units, None);
        self.run(context, q.fetch_all()).await
    }

    /// `fetch_figures`' query, unrun; each `{aggregate}` binds `aggregate`'s
    /// text, in the order the placeholders stand.
    pub(super) fn figures_query(
        &self,
        (sql, table): (&str, &str),
        (from, to): (Month, Month),
        units: Units<'_>,
        aggregate: Option<&str>,
    ) -> clickhouse::query::Query {
        let range = "month >= toDate(?) AND month <= toDate(?)";
        let condition = units.condition();
        // The newest committed version, as the views take it (0011_committed_versions.sql).
        let listed = if table == "measure_values" {
            "measures"
        } else {
            "services"
        };
        let current = format!(
            "(unit_code, month, version) IN (SELECT unit_code, month, max(version) FROM \
             (SELECT unit_code, month, version FROM batch_log WHERE {{range}}{{units}} AND {listed} > 0 \
             UNION ALL SELECT unit_code, month, version FROM batches WHERE {{range}}{{units}} AND {listed} > 0) \
             GROUP BY unit_code, month)"
        );
        let sql = sql.replace("{current}", &current);
        let (from, to) = (from.first_day().to_string(), to.first_day().to_string());
        // Each placeholder binds its values where it stands, left to right.
        let mut text = String::with_capacity(sql.len());
        let mut binds: Vec<Option<&str>> = Vec::new();
        let mut rest = sql.as_str();
        loop {
            let scope = rest.find("{range}{units}");
            let agg = rest.find("{aggregate}");
            let (at, is_scope) = match (scope, agg) {
                (Some(s), Some(a)) if a < s => (a, false),
                (Some(s), _) => (s, true),
                (None, Some(a)) => (a, false),
                (None, None) => break,
            };
            text.push_str(&rest[..at]);
            if is_scope {
                text.push_str(range);
                text.push_str(&condition);
                binds.push(None);
                rest = &rest[at + "{range}{units}".len()..];
            } else {
                text.push('?');
                binds.push(Some(aggregate.unwrap_or_default()));
                rest = &rest[at + "{aggregate}".len()..];
            }
        }
        text.push_str(rest);
        let mut q = self.client.query(&text);
        for bind in binds {
            q = match bind {
                None => units.bind(q.bind(&from).bind(&to)),
                Some(a) => q.bind(a),
            };
        }
        q
    }

    /// Every unit-month's service sums, from `service_sums` (one row per
    /// unit-month-version, written with the service rows): no `FINAL`, one
    /// query. Equal to `service_figures_from_rows` (tests/it/service_sums.rs).
    pub async fn service_figures(
        &self,
        span: (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceFigures>, StoreError> {
        let sql =
            "SELECT unit_code, toString(month), sum(services_total), sum(services_full_online), \
                   sum(services_partial_online), sum(services_online), \
                   sum(services_eligible_full_online), sum(services_integrated_national_portal), \
                   sum(dossiers_received), sum(dossiers_received_online), sum(dossiers_processed), \
                   sum(dossiers_processed_on_time), sum(dossiers_processed_late), \
                   sum(dossiers_pending_overdue) \
                   FROM service_sums WHERE {range}{units} AND {current} \
                   GROUP BY unit_code, month ORDER BY unit_code, month";
        self.fetch_figures("read service figures", (sql, "service_sums"), span, units)
            .await
    }

    /// The same sums from the service rows themselves, through `FINAL`: how
    /// they were read before `service_sums`, kept as the reference the
    /// equality test compares with. Read a year (a partition) per query,
    /// several at once: FINAL merges on one thread per query on 18.16.
    pub async fn service_figures_from_rows(
        &self,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceFigures>, StoreError> {
        let sql = "SELECT unit_code, toString(month), count(), countIf(level = 'full_online'), \
                   countIf(level = 'partial_online'), countIf(level != 'not_online'), \
                   countIf(eligible_full_online = 1), countIf(integrated_national_portal = 1), \
                   sum(received), sum(received_online), sum(processed), sum(processed_on_time), \
                   sum(processed_late), sum(pending_overdue) \
                   FROM service_stats FINAL WHERE {range}{units} AND {current} \
                   GROUP BY unit_code, month ORDER BY unit_code, month";
        let reads = years(from, to).into_iter().map(|span| {
            self.fetch_figures("read service figures", (sql, "service_stats"), span, units)
        });
        let parts: Vec<Vec<ServiceFigures>> = stream::iter(reads)
            .buffered(YEARS_AT_ONCE)
            .try_collect()
            .await?;
        Ok(parts.concat())
    }

    pub async fn measure_figures(
        &self,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<MeasureFigure>, StoreError> {
        let sql =
            "SELECT unit_code, toString(month), measure_code, value FROM measure_values FINAL \
                   WHERE {range}{units} AND {current} ORDER BY unit_code, month, measure_code";
        let sql = (sql, "measure_values");
        self.fetch_figures("read measure figures", sql, (from, to), units)
            .await
    }

    pub async fn first_stored(
        &self,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<FirstStored>, StoreError> {
        self.stored_times(("min", "read report arrivals"), (from, to), units)
            .await
    }

    /// `min` or `max` of when each unit-month's batches were stored.
    async fn stored_times<T>(
        &self,
        (pick, context): (&str, &str),
        span: (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<T>, StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowRead,
    {
        // Both tables (0008_batch_log.sql): `batches` keeps only the newest
        // batch once merged, the log every batch since it exists.
        // The scope inside each branch: 18.16 does not push it into a UNION.
        let sql = format!(
            "SELECT unit_code, toString(month), toUInt32({pick}(stored_at)) FROM \
             (SELECT unit_code, month, stored_at FROM batch_log WHERE {{range}}{{units}} \
             UNION ALL SELECT unit_code, month, stored_at FROM batches WHERE {{range}}{{units}}) \
             GROUP BY unit_code, month"
        );
        self.fetch_figures(context, (&sql, "batches"), span, units)
            .await
    }

    /// When each unit-month's newest batch was stored: a computation older
    /// than it no longer shows the unit's data (unchanged re-pulls store nothing).
    pub async fn last_stored(
        &self,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<LastStored>, StoreError> {
        self.stored_times(("max", "read when reports last changed"), (from, to), units)
            .await
    }

    /// The first collection attempt of each month of `from..=to`, any unit.
    pub async fn months_watched(
        &self,
        (from, to): (Month, Month),
    ) -> Result<Vec<MonthWatched>, StoreError> {
        let sql = "SELECT toString(month), toUInt32(min(started_at)) FROM collection_attempts \
                   WHERE {range}{units} GROUP BY month ORDER BY month";
        let sql = (sql, "collection_attempts");
        self.fetch_figures(
            "read when months were first collected",
            sql,
            (from, to),
            Units::All,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn a_span_is_cut_at_year_ends() {
        assert_eq!(
            years(m("2019-03"), m("2021-02")),
            [
                (m("2019-03"), m("2019-12")),
                (m("2020-01"), m("2020-12")),
                (m("2021-01"), m("2021-02")),
            ]
        );
        assert_eq!(
            years(m("2021-06"), m("2021-06")),
            [(m("2021-06"), m("2021-06"))]
        );
        assert!(years(m("2021-06"), m("2021-05")).is_empty());
    }
}
