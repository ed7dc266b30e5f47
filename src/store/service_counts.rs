//! The per-service aggregates of indicator formulas (`count_services(…)`),
//! counted in ClickHouse per unit-month straight from the service rows: the
//! reference `service_aggregates` (service_aggregates.rs) is compared with
//! (tests/it/service_aggregates.rs). The predicate's SQL is built from the
//! parsed formula's closed lists (columns, operators, levels) and numbers the
//! parser produced; no text of the formula reaches the query.

use clickhouse::Row;
use serde::Deserialize;

use super::figures::{years, Units};
use super::{Store, StoreError};
use crate::domain::formula::{CmpOp, Operand, Pred, ServiceAggregate, ServiceField};
use crate::domain::Month;

/// One aggregate's count for one unit-month the unit reported services for.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct ServiceCount {
    pub unit_code: String,
    pub month: String,
    pub count: u64,
}

impl Store {
    /// For each month of `from..=to` a unit reported, how many of its services
    /// met `aggregate`'s predicate in each of the `months` months ending there
    /// (or the sum of a field over those that met it). A month missing from
    /// the window counts as not met: a service is confirmed only by reports.
    /// A unit-month where no service met it may have no row: the caller
    /// counts it as 0 where the unit reported services.
    pub async fn service_counts_from_rows(
        &self,
        aggregate: &ServiceAggregate,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceCount>, StoreError> {
        // A year per query, as the other figures are read: memory stays
        // bounded however long the history (a whole 10× history in one
        // query went past ClickHouse's 2 GiB per query).
        let mut out = Vec::new();
        for span in years(from, to) {
            out.extend(self.service_counts_in(aggregate, span, units).await?);
        }
        Ok(out)
    }

    async fn service_counts_in(
        &self,
        aggregate: &ServiceAggregate,
        (first, last): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceCount>, StoreError> {
        if let Some(field) = aggregate.sum {
            return self
                .service_sums(field, &aggregate.pred, (first, last), units)
                .await;
        }
        let pred = predicate_sql(&aggregate.pred);
        let window = aggregate.months.max(1);
        // No FINAL: the current-version filter keeps one version of each
        // unit-month, and an insert repeated after a lost answer repeats a
        // service's rows, which uniqExact and groupUniqArray count once.
        if window == 1 {
            let sql = format!(
                "SELECT unit_code, toString(month), toUInt64(uniqExactIf(service_code, {pred})) \
                 FROM service_stats WHERE {{range}}{{units}} AND {{current}} \
                 GROUP BY unit_code, month ORDER BY unit_code, month"
            );
            return self
                .fetch_figures(
                    "count services for a formula",
                    (&sql, "service_stats"),
                    (first, last),
                    units,
                )
                .await;
        }
        let mut start = first;
        for _ in 1..window {
            start = start.prev();
        }
        // Each service's months that met the predicate; a month ends a window
        // where the months before it in the window met it too.
        let earlier: Vec<String> = (1..window)
            .map(|k| format!("addMonths(end_month, -{k})"))
            .collect();
        let sql = format!(
            "SELECT unit_code, toString(end_month), count() FROM \
             (SELECT unit_code, service_code, groupUniqArrayIf(month, {pred}) AS met \
             FROM service_stats WHERE {{range}}{{units}} AND {{current}} \
             GROUP BY unit_code, service_code) \
             ARRAY JOIN met AS end_month \
             WHERE end_month >= toDate('{from}') AND end_month <= toDate('{to}') \
             AND hasAll(met, [{earlier}]) \
             GROUP BY unit_code, end_month ORDER BY unit_code, end_month",
            from = first.first_day(),
            to = last.first_day(),
            earlier = earlier.join(", "),
        );
        self.fetch_figures(
            "count services for a formula",
            (&sql, "service_stats"),
            (start, last),
            units,
        )
        .await
    }
}

impl Store {
    async fn service_sums(
        &self,
        field: ServiceField,
        pred: &Pred,
        span: (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceCount>, StoreError> {
        let sql = format!(
            "SELECT unit_code, toString(month), toUInt64(sumIf({field}, {pred})) FROM service_stats FINAL \
             WHERE {{range}}{{units}} AND {{current}} GROUP BY unit_code, month ORDER BY unit_code, month",
            field = field.as_str(),
            pred = predicate_sql(pred),
        );
        self.fetch_figures(
            "sum services for a formula",
            (&sql, "service_stats"),
            span,
            units,
        )
        .await
    }
}

/// The predicate as a ClickHouse boolean over one `service_stats` row.
pub fn predicate_sql(pred: &Pred) -> String {
    match pred {
        Pred::Cmp(field, op, rhs) => {
            let op = match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            let rhs = match rhs {
                // The column's own type: UInt64 counts compare with a Float64 constant.
                Operand::Number(v) => format!("toFloat64({})", finite(*v)),
                Operand::Level(level) => format!("'{}'", level.as_str()),
                Operand::Field(f) => f.as_str().to_string(),
            };
            format!("({} {op} {rhs})", field.as_str())
        }
        Pred::Not(p) => format!("(NOT {})", predicate_sql(p)),
        Pred::And(a, b) => format!("({} AND {})", predicate_sql(a), predicate_sql(b)),
        Pred::Or(a, b) => format!("({} OR {})", predicate_sql(a), predicate_sql(b)),
    }
}

/// The parser admits finite numbers only; a non-finite one here would be a bug,
/// and 0 keeps the query valid rather than emitting `inf`.
fn finite(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "0".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::formula::{parse, Expr};

    fn sql_of(text: &str) -> String {
        match parse(text).expect(text) {
            Expr::Services(a) => predicate_sql(&a.pred),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn predicates_become_sql_from_closed_lists_only() {
        assert_eq!(
            sql_of("count_services(level = full_online and received_online = 0)"),
            "((level = 'full_online') AND (received_online = toFloat64(0)))"
        );
        assert_eq!(
            sql_of("count_services(not (processed_late > processed_on_time or received >= 2.5))"),
            "(NOT ((processed_late > processed_on_time) OR (received >= toFloat64(2.5))))"
        );
    }
}
