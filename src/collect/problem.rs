//! What is wrong with a unit-month or a line, as a kind with its values: the
//! log and the CLI print it in English (`Display`, the operators' words),
//! the upload page says it in the reader's language from the kind, never
//! by reading the English text.

use std::fmt;

/// One kind of problem the validator or the CSV reader finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The payload names another unit than the one asked for.
    UnitMismatch {
        written: String,
    },
    /// The payload names another month than the one asked for.
    MonthMismatch {
        written: String,
    },
    EmptyPayload,
    /// A unit that provides public services sent none.
    NoServices,
    /// A code appears twice in one unit-month.
    Duplicate {
        code: String,
    },
    EmptyCode,
    Negative {
        value: i64,
    },
    AboveMaximum {
        value: u64,
        max: u64,
    },
    OnlineAboveReceived {
        online: u64,
        received: u64,
    },
    HandledAboveProcessed {
        on_time: u64,
        late: u64,
        processed: u64,
    },
    /// Fully online, but marked not eligible to be.
    NotEligibleFullOnline,
    NotWholeNumber {
        text: String,
    },
    NotANumber {
        text: String,
    },
    NotAFlag {
        text: String,
    },
    /// A CSV line with another number of fields than its header.
    FieldCount {
        found: u64,
        expected: u64,
    },
    /// A field that is not UTF-8 (its 1-based position).
    NotUtf8 {
        field: u64,
    },
    BadMonth {
        written: String,
        message: String,
    },
    /// No unit of the registry is valid under this code or name in the month.
    NoSuchUnit {
        written: String,
        month: String,
    },
    /// Another unit's row in a file of one unit's account.
    ForeignUnit {
        unit: String,
        own: String,
    },
    /// A file whose header is neither layout.
    BadHeader {
        found: String,
        services: String,
        measures: String,
    },
    /// Anything else, in the English of the part that found it (a measure's
    /// bounds, a service level, a file's header, a malformed payload).
    Other(String),
    /// A service plan's line (`chiso plans import`, `/ke-hoach`).
    Plan(super::plan_problem::PlanProblem),
}

impl From<super::plan_problem::PlanProblem> for ProblemKind {
    fn from(p: super::plan_problem::PlanProblem) -> Self {
        ProblemKind::Plan(p)
    }
}

/// A message with no kind of its own (a plan file's checks, in English).
impl From<String> for ProblemKind {
    fn from(text: String) -> Self {
        ProblemKind::Other(text)
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProblemKind::*;
        match self {
            UnitMismatch { written } => write!(f, "'{written}' does not match the requested unit"),
            MonthMismatch { written } => {
                write!(f, "'{written}' does not match the requested month")
            }
            EmptyPayload => f.write_str("the payload is empty: no services and no measures"),
            NoServices => {
                f.write_str("no services reported by a unit that provides public services")
            }
            Duplicate { code } if code.is_empty() => f.write_str("appears twice"),
            Duplicate { code } => write!(f, "'{code}' appears twice"),
            EmptyCode => f.write_str("is empty"),
            Negative { value } => write!(f, "{value} is negative"),
            AboveMaximum { value, max } => write!(
                f,
                "{value} exceeds the plausible maximum {max} for one procedure in a month"
            ),
            OnlineAboveReceived { online, received } => {
                write!(f, "{online} exceeds received {received}")
            }
            HandledAboveProcessed {
                on_time,
                late,
                processed,
            } => write!(
                f,
                "on time {on_time} + late {late} exceeds processed {processed}"
            ),
            NotEligibleFullOnline => f.write_str(
                "full_online, but the service is marked not eligible to be fully online",
            ),
            NotWholeNumber { text } => write!(f, "'{text}' is not a whole number"),
            NotANumber { text } => write!(f, "'{text}' is not a number"),
            NotAFlag { text } => {
                write!(f, "'{text}' is not 1/0, true/false, yes/no or có/không")
            }
            FieldCount { found, expected } => {
                write!(f, "{found} fields where the header has {expected}")
            }
            NotUtf8 { field } => write!(
                f,
                "field {field} is not UTF-8 text (save the file as UTF-8)"
            ),
            BadMonth { message, .. } => f.write_str(message),
            NoSuchUnit { written, month } => {
                write!(f, "'{written}' matches no unit valid in {month}")
            }
            ForeignUnit { unit, own } => write!(
                f,
                "unit {unit} is neither this account's unit ({own}) nor merged into it: its rows are refused"
            ),
            BadHeader {
                found,
                services,
                measures,
            } => write!(
                f,
                "header {found} is neither layout: expected {services} or {measures}"
            ),
            Other(text) => f.write_str(text),
            Plan(p) => p.fmt(f),
        }
    }
}
