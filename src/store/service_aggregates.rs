//! `service_aggregates` (0017_service_aggregates.sql): each formula aggregate
//! (`count_services(…)`, `sum_services(…)`) of each unit-month-version,
//! counted once from the service rows and then read as one row per
//! unit-month. Counting them from the rows on every compute took 34.7 s of
//! the ×10 bench (62 M service rows; docs/bench-notes.md).
//!
//! The rows are filled on read: before reading an aggregate over a span, the
//! current versions of the span that lack it are counted and stored (a year
//! per query, so memory stays bounded). A new version (a correction, a
//! replaced month) is a new key, so it is counted when first read; a catalogue
//! that gains an aggregate fills it for the months it reads; a version already
//! filled is never counted again. Equal to the count from the rows
//! (`service_counts_from_rows`; tests/it/service_aggregates.rs).

use clickhouse::Row;
use serde::Deserialize;

use super::figures::{years, Units};
use super::service_counts::predicate_sql;
use super::{ServiceCount, Store, StoreError};
use crate::domain::formula::ServiceAggregate;
use crate::domain::Month;

/// A row of `service_aggregates`, as the fill writes it with `INSERT … SELECT`.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct ServiceAggregateRow {
    pub unit_code: String,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub month: chrono::NaiveDate,
    pub version: u64,
    /// The aggregate's canonical text (`ServiceAggregate`'s Display).
    pub aggregate: String,
    /// The month's count, or sum of the field, over the services that met it.
    pub value: u64,
    /// For a count over a window only: the services that met it in the month.
    pub services: Vec<String>,
}

/// A month in which some unit's current version lacks the aggregate.
#[derive(Debug, Row, Deserialize)]
struct Unfilled {
    month: String,
}

/// The current versions of a span (the newest committed, as `{current}`
/// takes them) that lack `{aggregate}`: one set, so the fill tests each
/// service row against one set rather than two (10–30 % faster at ×10).
const UNFILLED_VERSIONS: &str = "SELECT unit_code, month, version FROM \
     (SELECT unit_code, month, max(version) AS version FROM \
     (SELECT unit_code, month, version FROM batch_log WHERE {range}{units} AND services > 0 \
     UNION ALL SELECT unit_code, month, version FROM batches WHERE {range}{units} AND services > 0) \
     GROUP BY unit_code, month) \
     WHERE (unit_code, month, version) NOT IN (SELECT unit_code, month, version \
     FROM service_aggregates WHERE aggregate = {aggregate} AND {range}{units})";

impl Store {
    /// For each month of `from..=to` a unit reported, how many of its services
    /// met `aggregate`'s predicate in each of the `months` months ending there
    /// (or the sum of a field over those that met it). A month missing from
    /// the window counts as not met: a service is confirmed only by reports.
    /// A unit-month where no service met it may have no row: the caller
    /// counts it as 0 where the unit reported services.
    pub async fn service_counts(
        &self,
        aggregate: &ServiceAggregate,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceCount>, StoreError> {
        let window = aggregate.months.max(1);
        let mut start = from;
        for _ in 1..window {
            start = start.prev();
        }
        self.fill_service_aggregates(aggregate, (start, to), units)
            .await?;
        let key = aggregate.to_string();
        if window == 1 {
            // Several rows of one version are copies (two fills at once): any is each.
            let sql = "SELECT unit_code, toString(month), any(value) FROM service_aggregates \
                 WHERE aggregate = {aggregate} AND {range}{units} AND {current} \
                 GROUP BY unit_code, month ORDER BY unit_code, month";
            return self.fetch_aggregates(sql, (from, to), units, &key).await;
        }
        let mut out = Vec::new();
        for (first, last) in years(from, to) {
            let mut span_start = first;
            for _ in 1..window {
                span_start = span_start.prev();
            }
            // Each service's months that met the predicate; a month ends a
            // window where the months before it in the window met it too.
            let earlier: Vec<String> = (1..window)
                .map(|k| format!("addMonths(end_month, -{k})"))
                .collect();
            let sql = format!(
                "SELECT unit_code, toString(end_month), count() FROM \
                 (SELECT unit_code, service_code, groupUniqArray(month) AS met \
                 FROM service_aggregates ARRAY JOIN services AS service_code \
                 WHERE aggregate = {{aggregate}} AND {{range}}{{units}} AND {{current}} \
                 GROUP BY unit_code, service_code) \
                 ARRAY JOIN met AS end_month \
                 WHERE end_month >= toDate('{first}') AND end_month <= toDate('{last}') \
                 AND hasAll(met, [{earlier}]) \
                 GROUP BY unit_code, end_month ORDER BY unit_code, end_month",
                first = first.first_day(),
                last = last.first_day(),
                earlier = earlier.join(", "),
            );
            out.extend(
                self.fetch_aggregates(&sql, (span_start, last), units, &key)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn fetch_aggregates(
        &self,
        sql: &str,
        span: (Month, Month),
        units: Units<'_>,
        key: &str,
    ) -> Result<Vec<ServiceCount>, StoreError> {
        let q = self.figures_query((sql, "service_aggregates"), span, units, Some(key));
        self.run("read formula aggregates", q.fetch_all()).await
    }

    /// Counts and stores `aggregate` for the current versions of `span` that
    /// lack it; does nothing (one small query) when none does.
    pub async fn fill_service_aggregates(
        &self,
        aggregate: &ServiceAggregate,
        span: (Month, Month),
        units: Units<'_>,
    ) -> Result<(), StoreError> {
        let key = aggregate.to_string();
        let sql = format!(
            "SELECT toString(month) FROM ({UNFILLED_VERSIONS}) GROUP BY month ORDER BY month"
        );
        let q = self.figures_query((&sql, "service_stats"), span, units, Some(&key));
        let unfilled: Vec<Unfilled> = self.run("find unfilled aggregates", q.fetch_all()).await?;
        let months: Vec<Month> = unfilled
            .iter()
            .filter_map(|u| u.month.get(..7)?.parse().ok())
            .collect();
        let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
            return Ok(());
        };
        let sql = fill_sql(aggregate);
        for (a, b) in years(first, last) {
            // Only the months of this year that lack it: the NOT IN skips the rest.
            let in_year: Vec<&Month> = months.iter().filter(|m| **m >= a && **m <= b).collect();
            let (Some(&&a), Some(&&b)) = (in_year.first(), in_year.last()) else {
                continue;
            };
            let q = self.figures_query((&sql, "service_stats"), (a, b), units, Some(&key));
            self.run("store formula aggregates", q.execute()).await?;
        }
        Ok(())
    }
}

/// The statement counting `aggregate` per unit-month-version from the rows.
/// A service's rows repeated by a repeated insert count once: distinct codes
/// (or code-value pairs for a sum: the validator refuses a service twice in
/// a unit-month). Grouping by service first was 4× slower on 18.16.
fn fill_sql(aggregate: &ServiceAggregate) -> String {
    let pred = predicate_sql(&aggregate.pred);
    let (value, services) = match (aggregate.sum, aggregate.months > 1) {
        (Some(field), _) => (
            format!(
                "toUInt64(arraySum(arrayMap(t -> t.2, groupUniqArrayIf((service_code, {}), {pred}))))",
                field.as_str()
            ),
            "emptyArrayString()".to_string(),
        ),
        (None, true) => (
            "toUInt64(length(met))".to_string(),
            format!("groupUniqArrayIf(service_code, {pred}) AS met"),
        ),
        (None, false) => (
            format!("toUInt64(uniqExactIf(service_code, {pred}))"),
            "emptyArrayString()".to_string(),
        ),
    };
    format!(
        "INSERT INTO service_aggregates (unit_code, month, version, aggregate, value, services) \
         SELECT unit_code, month, version, {{aggregate}}, {value}, {services} \
         FROM service_stats WHERE {{range}}{{units}} \
         AND (unit_code, month, version) IN ({UNFILLED_VERSIONS}) \
         GROUP BY unit_code, month, version"
    )
}
