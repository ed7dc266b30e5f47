//! The per-service aggregates of indicator formulas (`count_services(…)`),
//! counted in ClickHouse per unit-month. The predicate's SQL is built from the
//! parsed formula's closed lists (columns, operators, levels) and numbers the
//! parser produced; no text of the formula reaches the query.

use clickhouse::Row;
use serde::Deserialize;

use super::figures::Units;
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
    /// met `aggregate`'s predicate in each of the `months` months ending there.
    /// A month missing from the window counts as not met: a service is
    /// confirmed only by reports.
    pub async fn service_counts(
        &self,
        aggregate: &ServiceAggregate,
        (from, to): (Month, Month),
        units: Units<'_>,
    ) -> Result<Vec<ServiceCount>, StoreError> {
        if let Some(field) = aggregate.sum {
            return self
                .service_sums(field, &aggregate.pred, (from, to), units)
                .await;
        }
        let window = aggregate.months.max(1);
        let mut start = from;
        for _ in 1..window {
            start = start.prev();
        }
        let pred = predicate_sql(&aggregate.pred);
        // Each row is spread over the windows it belongs to (its month and the
        // next window-1); a service counts where it met the predicate in all.
        let sql = format!(
            "SELECT unit_code, toString(end_month), countIf(held = {window}) FROM \
             (SELECT unit_code, service_code, addMonths(month, shift) AS end_month, sum(ok) AS held FROM \
             (SELECT unit_code, service_code, month, toUInt8({pred}) AS ok FROM service_stats FINAL \
             WHERE {{range}}{{units}} AND {{current}}) \
             ARRAY JOIN range({window}) AS shift \
             GROUP BY unit_code, service_code, end_month) \
             WHERE end_month >= toDate('{first}') AND end_month <= toDate('{last}') \
             GROUP BY unit_code, end_month ORDER BY unit_code, end_month",
            first = from.first_day(),
            last = to.first_day(),
        );
        let rows: Vec<ServiceCount> = self
            .fetch_figures(
                "count services for a formula",
                (&sql, "service_stats"),
                (start, to),
                units,
            )
            .await?;
        Ok(rows)
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
