//! `plans.toml`: the deadline of the service plans letter 1145/BTTTT-THH asks
//! units to file, and the closed list of reasons a service may be declared not
//! eligible for full online (docs/plans.md).

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{read_toml, ConfigError, Problems};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlans {
    deadline: NaiveDate,
    #[serde(default = "yes")]
    remind_missing: bool,
    #[serde(default)]
    reason: Vec<RawReason>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReason {
    code: String,
    label: String,
}

/// One reason a service is not eligible: the code a plan file writes and
/// its Vietnamese label for pages and mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanReason {
    pub code: String,
    pub label: String,
}

/// The validated `plans.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSettings {
    /// The last day (Vietnam time) a plan is filed on time.
    pub deadline: NaiveDate,
    /// Whether a unit with no plan past the deadline gets the reminder mail.
    pub remind_missing: bool,
    pub reasons: Vec<PlanReason>,
}

impl PlanSettings {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let raw: RawPlans = read_toml(path)?;
        let mut p = Problems::new(path);
        if raw.reason.is_empty() {
            p.add("reason", "at least one reason is needed");
        }
        let mut reasons: Vec<PlanReason> = Vec::new();
        for (i, r) in raw.reason.into_iter().enumerate() {
            let key = format!("reason[{i}]");
            let code_ok = !r.code.is_empty()
                && r.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !code_ok {
                p.add(
                    format!("{key}.code"),
                    format!("'{}' must be lower-case a-z, 0-9 or _", r.code),
                );
            } else if reasons.iter().any(|x| x.code == r.code) {
                p.add(
                    format!("{key}.code"),
                    format!("'{}' is listed twice", r.code),
                );
            }
            if r.label.trim().is_empty() {
                p.add(format!("{key}.label"), "a Vietnamese label is needed");
            }
            reasons.push(PlanReason {
                code: r.code,
                label: r.label,
            });
        }
        p.into_result(Self {
            deadline: raw.deadline,
            remind_missing: raw.remind_missing,
            reasons,
        })
    }

    pub fn reason(&self, code: &str) -> Option<&PlanReason> {
        self.reasons.iter().find(|r| r.code == code)
    }

    /// The codes, for messages: `in_person, rarely_used, …`.
    pub fn reason_codes(&self) -> String {
        let codes: Vec<&str> = self.reasons.iter().map(|r| r.code.as_str()).collect();
        codes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_plans_load_with_the_letters_deadline() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/plans.toml");
        let plans = PlanSettings::load(&path).unwrap();
        assert_eq!(
            plans.deadline,
            NaiveDate::from_ymd_opt(2021, 4, 28).unwrap()
        );
        assert!(plans.reason("in_person").is_some());
        assert!(plans.reason("nope").is_none());
    }

    #[test]
    fn bad_reasons_are_named_all_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plans.toml");
        std::fs::write(
            &path,
            "deadline = \"2021-04-28\"\n[[reason]]\ncode = \"Bad Code\"\nlabel = \"x\"\n\
             [[reason]]\ncode = \"a\"\nlabel = \"\"\n[[reason]]\ncode = \"a\"\nlabel = \"y\"\n",
        )
        .unwrap();
        let err = PlanSettings::load(&path).unwrap_err().to_string();
        for part in [
            "reason[0].code: 'Bad Code'",
            "reason[1].label",
            "reason[2].code: 'a' is listed twice",
        ] {
            assert!(err.contains(part), "{part} not in {err}");
        }
    }
}
