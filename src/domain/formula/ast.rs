//! The parsed formula. `Display` writes the canonical text: one spelling per
//! formula, used as the figure key of a service aggregate.

use std::fmt;

use crate::domain::ServiceLevel;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    /// A measure: per-service sum, reporting record or a code of measures.toml.
    Measure(String),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    Services(ServiceAggregate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Min,
    Max,
}

/// `count_services(pred[, months = N])`: the unit's services for which `pred`
/// held in each of the N months ending with the month evaluated (N = 1 by default).
/// `sum_services(field, pred)`: the sum of `field` over the month's services for
/// which `pred` holds (months is then always 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceAggregate {
    /// `None` counts services; `Some(field)` sums that field.
    pub sum: Option<ServiceField>,
    pub pred: Pred,
    pub months: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    Cmp(ServiceField, CmpOp, Operand),
    Not(Box<Pred>),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Number(f64),
    Level(ServiceLevel),
    Field(ServiceField),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A column of a service row a predicate may test. The closed list is what
/// keeps a formula from reaching any other column or function of ClickHouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceField {
    Level,
    EligibleFullOnline,
    IntegratedNationalPortal,
    Received,
    ReceivedOnline,
    Processed,
    ProcessedOnTime,
    ProcessedLate,
    PendingOverdue,
}

impl ServiceField {
    pub const ALL: [ServiceField; 9] = [
        ServiceField::Level,
        ServiceField::EligibleFullOnline,
        ServiceField::IntegratedNationalPortal,
        ServiceField::Received,
        ServiceField::ReceivedOnline,
        ServiceField::Processed,
        ServiceField::ProcessedOnTime,
        ServiceField::ProcessedLate,
        ServiceField::PendingOverdue,
    ];

    /// The name in formulas, which is also the column of `service_stats`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceField::Level => "level",
            ServiceField::EligibleFullOnline => "eligible_full_online",
            ServiceField::IntegratedNationalPortal => "integrated_national_portal",
            ServiceField::Received => "received",
            ServiceField::ReceivedOnline => "received_online",
            ServiceField::Processed => "processed",
            ServiceField::ProcessedOnTime => "processed_on_time",
            ServiceField::ProcessedLate => "processed_late",
            ServiceField::PendingOverdue => "pending_overdue",
        }
    }

    pub fn parse(name: &str) -> Option<ServiceField> {
        ServiceField::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// `level` compares with level names; every other field with numbers.
    pub fn is_level(self) -> bool {
        self == ServiceField::Level
    }
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

impl Func {
    pub fn as_str(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
        }
    }
}

impl Expr {
    /// Every measure the formula names, in order of appearance.
    pub fn measures(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Measure(m) = e {
                out.push(m.as_str());
            }
        });
        out
    }

    /// Every per-service aggregate the formula counts, in order of appearance.
    pub fn service_aggregates(&self) -> Vec<&ServiceAggregate> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Services(a) = e {
                out.push(a);
            }
        });
        out
    }

    /// A bare measure name: the formula of every indicator written before formulas.
    pub fn as_measure(&self) -> Option<&str> {
        match self {
            Expr::Measure(m) => Some(m),
            _ => None,
        }
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Number(_) | Expr::Measure(_) | Expr::Services(_) => {}
            Expr::Neg(a) => a.visit(f),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.visit(f)),
        }
    }
}

fn number(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    // `{}` of an f64 is the shortest text that reads back as the same value.
    write!(f, "{v}")
}

impl fmt::Display for Expr {
    /// Fully parenthesised below the top, so the text reads back as the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(v) => number(f, *v),
            Expr::Measure(m) => f.write_str(m),
            Expr::Neg(a) => write!(f, "-({a})"),
            Expr::Add(a, b) => write!(f, "({a} + {b})"),
            Expr::Sub(a, b) => write!(f, "({a} - {b})"),
            Expr::Mul(a, b) => write!(f, "({a} * {b})"),
            Expr::Div(a, b) => write!(f, "({a} / {b})"),
            Expr::Call(func, args) => {
                write!(f, "{}(", func.as_str())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Services(a) => write!(f, "{a}"),
        }
    }
}

impl fmt::Display for ServiceAggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sum {
            None => write!(f, "count_services({}", self.pred)?,
            Some(field) => write!(f, "sum_services({}, {}", field.as_str(), self.pred)?,
        }
        if self.months != 1 {
            write!(f, ", months = {}", self.months)?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Pred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pred::Cmp(field, op, rhs) => write!(f, "{} {} {rhs}", field.as_str(), op.as_str()),
            Pred::Not(p) => write!(f, "not ({p})"),
            Pred::And(a, b) => write!(f, "({a} and {b})"),
            Pred::Or(a, b) => write!(f, "({a} or {b})"),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Number(v) => number(f, *v),
            Operand::Level(l) => f.write_str(l.as_str()),
            Operand::Field(x) => f.write_str(x.as_str()),
        }
    }
}
