//! A file's problems in the reader's language, from their kind (issue 14):
//! the validator's English stays for the log and the CLI.

use crate::collect::{PlanProblem, ProblemKind};
use crate::t;

/// What `kind` says, as the catalogue words it.
pub fn message(kind: &ProblemKind) -> String {
    use ProblemKind::*;
    match kind {
        UnitMismatch { written } => t!("upload-problem-unit-mismatch", written = written.as_str()),
        MonthMismatch { written } => {
            t!("upload-problem-month-mismatch", written = written.as_str())
        }
        EmptyPayload => t!("upload-problem-empty-payload"),
        NoServices => t!("upload-problem-no-services"),
        Duplicate { code } if code.is_empty() => t!("upload-problem-duplicate-measure"),
        Duplicate { code } => t!("upload-problem-duplicate", code = code.as_str()),
        EmptyCode => t!("upload-problem-empty-code"),
        Negative { value } => t!("upload-problem-negative", value = *value),
        AboveMaximum { value, max } => {
            t!("upload-problem-above-maximum", value = *value, max = *max)
        }
        OnlineAboveReceived { online, received } => t!(
            "upload-problem-online-above-received",
            online = *online,
            received = *received
        ),
        HandledAboveProcessed {
            on_time,
            late,
            processed,
        } => t!(
            "upload-problem-handled-above-processed",
            on_time = *on_time,
            late = *late,
            processed = *processed
        ),
        NotEligibleFullOnline => t!("upload-problem-not-eligible-full-online"),
        NotWholeNumber { text } => t!("upload-problem-not-whole-number", text = text.as_str()),
        NotANumber { text } => t!("upload-problem-not-a-number", text = text.as_str()),
        NotAFlag { text } => t!("upload-problem-not-a-flag", text = text.as_str()),
        FieldCount { found, expected } => t!(
            "upload-problem-field-count",
            found = *found,
            expected = *expected
        ),
        NotUtf8 { field } => t!("upload-problem-not-utf8", field = *field),
        BadMonth { written, .. } => t!("upload-problem-bad-month", written = written.as_str()),
        NoSuchUnit { written, month } => t!(
            "upload-problem-no-such-unit",
            written = written.as_str(),
            month = month.as_str()
        ),
        ForeignUnit { unit, own } => t!(
            "upload-problem-foreign-unit",
            unit = unit.as_str(),
            own = own.as_str()
        ),
        BadHeader {
            found,
            services,
            measures,
        } => t!(
            "upload-problem-bad-header",
            found = found.as_str(),
            services = services.as_str(),
            measures = measures.as_str()
        ),
        Other(text) => text.clone(),
        Plan(p) => plan(p),
    }
}

/// A service plan's problem (`/ke-hoach`), as the catalogue words it.
fn plan(p: &PlanProblem) -> String {
    use PlanProblem::*;
    match p {
        NotAPlanHeader { found, expected } => t!(
            "plan-problem-header",
            found = found.as_str(),
            expected = expected.as_str()
        ),
        TooManyLines { max } => t!("plan-problem-too-many-lines", max = *max),
        NoServiceLines => t!("plan-problem-no-lines"),
        ForeignUnit { unit, own } => {
            t!(
                "plan-problem-foreign-unit",
                unit = unit.as_str(),
                own = own.as_str()
            )
        }
        CodeLength { max } | NameLength { max } => t!("plan-problem-length", max = *max),
        ListedTwice { code, first } => {
            t!(
                "plan-problem-listed-twice",
                code = code.as_str(),
                first = *first
            )
        }
        ReasonForEligible { reason } => {
            t!("plan-problem-reason-for-eligible", reason = reason.as_str())
        }
        TargetForNotEligible { target } => {
            t!(
                "plan-problem-target-for-not-eligible",
                target = target.as_str()
            )
        }
        ReasonRequired { codes } => t!("plan-problem-reason-required", codes = codes.as_str()),
        NotAReason { reason, codes } => t!(
            "plan-problem-not-a-reason",
            reason = reason.as_str(),
            codes = codes.as_str()
        ),
        TargetRequired => t!("plan-problem-target-required"),
        TargetOutOfRange { text, lo, hi } => t!(
            "plan-problem-target-out-of-range",
            text = text.as_str(),
            lo = lo.to_string(),
            hi = hi.to_string()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn a_problem_reads_in_the_page_language_and_the_log_keeps_its_english() {
        let kind = ProblemKind::OnlineAboveReceived {
            online: 120,
            received: 100,
        };
        assert_eq!(kind.to_string(), "120 exceeds received 100");
        assert_eq!(
            Lang::Vi.sync_scope(|| message(&kind)),
            "Số hồ sơ tiếp nhận trực tuyến 120 lớn hơn số hồ sơ tiếp nhận 100"
        );
        assert_eq!(
            Lang::En.sync_scope(|| message(&kind)),
            "120 dossiers received online, more than the 100 received"
        );
    }
}
