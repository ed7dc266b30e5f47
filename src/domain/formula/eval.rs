//! A formula's value on one month's figures. Missing stays missing: a formula
//! whose measure or aggregate the month lacks has no value, never a zero.

use super::ast::{Expr, Func, ServiceAggregate};

impl ServiceAggregate {
    /// The key of the aggregate's count among a month's figures: its canonical
    /// text, so two indicators spelling it alike share one count.
    pub fn figure_key(&self) -> String {
        self.to_string()
    }
}

impl Expr {
    /// The value with `figure` giving each measure (by name) and each service
    /// aggregate (by [`ServiceAggregate::figure_key`]). A division by zero has
    /// no value: the caller decides what a zero denominator means.
    pub fn eval(&self, figure: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        let v = match self {
            Expr::Number(v) => *v,
            Expr::Measure(m) => figure(m)?,
            Expr::Services(a) => figure(&a.figure_key())?,
            Expr::Neg(a) => -a.eval(figure)?,
            Expr::Add(a, b) => a.eval(figure)? + b.eval(figure)?,
            Expr::Sub(a, b) => a.eval(figure)? - b.eval(figure)?,
            Expr::Mul(a, b) => a.eval(figure)? * b.eval(figure)?,
            Expr::Div(a, b) => {
                let d = b.eval(figure)?;
                if d == 0.0 {
                    return None;
                }
                a.eval(figure)? / d
            }
            Expr::Call(func, args) => {
                let values = args
                    .iter()
                    .map(|a| a.eval(figure))
                    .collect::<Option<Vec<f64>>>()?;
                let fold = match func {
                    Func::Min => f64::min,
                    Func::Max => f64::max,
                };
                values.into_iter().reduce(fold)?
            }
        };
        v.is_finite().then_some(v)
    }
}
