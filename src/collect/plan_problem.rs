//! What is wrong with a line of a service plan (letter 1145/BTTTT-THH,
//! docs/plans.md), as a kind with its values: `chiso plans import` prints
//! it in English (`Display`), the `/ke-hoach` page in the reader's language.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanProblem {
    /// The header is not the plan's.
    NotAPlanHeader {
        found: String,
        expected: String,
    },
    TooManyLines {
        max: usize,
    },
    NoServiceLines,
    /// Another unit's line in the plan of the unit filing it.
    ForeignUnit {
        unit: String,
        own: String,
    },
    CodeLength {
        max: usize,
    },
    ListedTwice {
        code: String,
        first: u64,
    },
    NameLength {
        max: usize,
    },
    ReasonForEligible {
        reason: String,
    },
    TargetForNotEligible {
        target: String,
    },
    ReasonRequired {
        codes: String,
    },
    NotAReason {
        reason: String,
        codes: String,
    },
    TargetRequired,
    TargetOutOfRange {
        text: String,
        lo: i32,
        hi: i32,
    },
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PlanProblem::*;
        match self {
            NotAPlanHeader { found, expected } => write!(f, "{found}, expected {expected}"),
            TooManyLines { max } => {
                write!(f, "more than {max} lines; a plan lists a unit's services")
            }
            NoServiceLines => f.write_str("the file has no service lines"),
            ForeignUnit { unit, own } => write!(
                f,
                "unit {unit} is not the unit filing this plan ({own}): its lines are refused"
            ),
            CodeLength { max } | NameLength { max } => write!(f, "must be 1 to {max} characters"),
            ListedTwice { code, first } => {
                write!(f, "'{code}' is listed twice (first on line {first})")
            }
            ReasonForEligible { reason } => {
                write!(f, "'{reason}': a reason is for services not eligible only")
            }
            TargetForNotEligible { target } => {
                write!(f, "'{target}': a service not eligible has no target month")
            }
            ReasonRequired { codes } => {
                write!(f, "required for a service not eligible: one of {codes}")
            }
            NotAReason { reason, codes } => write!(f, "'{reason}' is not a reason: one of {codes}"),
            TargetRequired => f.write_str("required for an eligible service (YYYY-MM)"),
            TargetOutOfRange { text, lo, hi } => {
                write!(f, "'{text}' is not between {lo}-01 and {hi}-12")
            }
        }
    }
}
