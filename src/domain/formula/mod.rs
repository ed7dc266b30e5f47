//! Indicator formulas: arithmetic over measures, and aggregates over a unit's
//! per-service rows (`count_services(level = full_online and received_online = 0,
//! months = 3)`). Parsed and checked when the catalogue loads; the aggregates are
//! counted in ClickHouse from a typed predicate (never from pasted text), the
//! arithmetic is evaluated here on one month's figures. Grammar: docs/formulas.md.

mod ast;
mod eval;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use ast::{CmpOp, Expr, Func, Operand, Pred, ServiceAggregate, ServiceField};
pub use parser::parse;

/// Where a formula is wrong: `column` counts characters from 1, as an editor shows them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct FormulaError {
    pub column: usize,
    pub message: String,
}

impl FormulaError {
    fn new(column: usize, message: impl Into<String>) -> Self {
        FormulaError {
            column,
            message: message.into(),
        }
    }
}

/// The most months a `months = N` window may span: two years is already more
/// than any directive asks, and it bounds the rows one aggregate reads.
pub const MAX_WINDOW_MONTHS: u32 = 24;

/// A service declared fully online that received no online dossier, in each
/// of `months` months: what EMC checks (letter 1145/BTTTT-THH) and what the
/// `full_online_services_unused_3m` indicator counts. The services page, the
/// quality page and the digest flag by this one predicate.
pub fn unused_full_online(months: u32) -> ServiceAggregate {
    use crate::domain::ServiceLevel;
    ServiceAggregate {
        sum: None,
        pred: Pred::And(
            Box::new(Pred::Cmp(
                ServiceField::Level,
                CmpOp::Eq,
                Operand::Level(ServiceLevel::FullOnline),
            )),
            Box::new(Pred::Cmp(
                ServiceField::ReceivedOnline,
                CmpOp::Eq,
                Operand::Number(0.0),
            )),
        ),
        months: months.clamp(1, MAX_WINDOW_MONTHS),
    }
}

/// A parsed formula with the text it was written as (which pages and the API show).
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    text: String,
    expr: Expr,
}

impl Formula {
    pub fn parse(text: &str) -> Result<Formula, FormulaError> {
        Ok(Formula {
            text: text.trim().to_string(),
            expr: parse(text)?,
        })
    }

    /// The formula that is one measure, as every indicator was before formulas.
    pub fn measure(name: &str) -> Formula {
        Formula {
            text: name.to_string(),
            expr: Expr::Measure(name.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The value on one month's figures (measure name or aggregate key → value).
    pub fn eval(&self, figures: &std::collections::BTreeMap<String, f64>) -> Option<f64> {
        self.expr.eval(&|key| figures.get(key).copied())
    }
}

impl std::fmt::Display for Formula {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// As written: the API and pages show the formula's text.
impl serde::Serialize for Formula {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl std::ops::Deref for Formula {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}
