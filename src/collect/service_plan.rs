//! A unit's service plan, as letter 1145/BTTTT-THH asks (docs/plans.md): one
//! CSV line per service, `unit,service_code,service_name,eligible,
//! target_month,reason`. An eligible service has the month it goes fully
//! online; a service not eligible has a reason from `plans.toml`. The file is
//! validated whole and stored whole as the unit's new plan (earlier ones are
//! kept), or refused with every problem named by line, unit and field.
//! `chiso plans import` and the `/ke-hoach` page both come here.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::csv_import::{without_bom, yes_no, Problem};
use super::editor_lines::EditorLines;
use super::plan_problem::PlanProblem;
use super::problem::ProblemKind;
use crate::config::{PlanSettings, Registry};
use crate::domain::{Month, UnitCode};
use crate::store::{AuditEvent, AuditKind, PlanFiling, PlanRow, Store, StoreError};

pub const PLAN_HEADER: [&str; 6] = [
    "unit",
    "service_code",
    "service_name",
    "eligible",
    "target_month",
    "reason",
];

/// A unit lists a few hundred to two thousand services; past this a file is
/// not a plan.
pub const MAX_PLAN_LINES: usize = 20_000;
const MAX_CODE_CHARS: usize = 64;
const MAX_NAME_CHARS: usize = 500;
/// Target months are read within this many years of the deadline's year.
const TARGET_YEARS: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{file}: cannot read: {source}")]
    Open {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: nothing stored, {} problem(s):\n  {}", .problems.len(), lines(.problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PlanFileError {
    /// The problems of a refused file; none for other errors.
    pub fn problems(&self) -> &[Problem] {
        match self {
            PlanFileError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// `line 3: unit 01: field 'target_month': …`, one problem a line.
fn lines(problems: &[Problem]) -> String {
    let one = |p: &Problem| {
        let line = p.line.map(|l| format!("line {l}: ")).unwrap_or_default();
        let unit = match p.unit.as_str() {
            "" => String::new(),
            u => format!("unit {u}: "),
        };
        let field = match p.field.as_str() {
            "" => String::new(),
            f => format!("field '{f}': "),
        };
        format!("{line}{unit}{field}{}", p.message)
    };
    problems.iter().map(one).collect::<Vec<_>>().join("\n  ")
}

/// A plan file and whose it is.
pub struct PlanSource<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// The unit filing: every line must be its own.
    pub unit: &'a UnitCode,
    /// The account filing (web), empty from the command line.
    pub filed_by: &'a str,
    /// The client's address (web), for the audit log.
    pub address: Option<String>,
}

/// What filing did.
#[derive(Debug, Clone, PartialEq)]
pub struct Filed {
    pub unit: UnitCode,
    pub services: usize,
    pub eligible: usize,
    /// False: the file is the unit's current plan already; nothing was written.
    pub stored: bool,
    pub dry_run: bool,
}

/// Validates `bytes` as `unit`'s plan: every service line, or every problem.
pub fn parse_plan(
    source: &PlanSource<'_>,
    registry: &Registry,
    settings: &PlanSettings,
    today: NaiveDate,
) -> Result<Vec<PlanRow>, PlanFileError> {
    let invalid = |problems| PlanFileError::Invalid {
        file: source.file_name.to_string(),
        problems,
    };
    // A workbook is read as the CSV of its first sheet, row N on line N, as `chiso import` reads it.
    let converted;
    let bytes = if super::xlsx::is_xlsx(source.bytes) {
        converted = super::xlsx::xlsx_as_csv(source.bytes)
            .map_err(|message| invalid(vec![problem(None, "", "", message)]))?;
        converted.as_slice()
    } else {
        source.bytes
    };
    let bytes = without_bom(bytes);
    let lines = EditorLines::new(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(invalid(vec![problem(Some(1), "", "header", e.to_string())])),
    };
    if header != PLAN_HEADER {
        let kind = PlanProblem::NotAPlanHeader {
            found: format!("{header:?}"),
            expected: format!("{PLAN_HEADER:?}"),
        };
        return Err(invalid(vec![problem(Some(1), "", "header", kind)]));
    }
    let mut rules = Rules {
        unit: source.unit,
        registry,
        settings,
        now: Month::of(today),
        first_line_of: HashMap::new(),
        problems: Vec::new(),
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_PLAN_LINES {
            let kind = PlanProblem::TooManyLines {
                max: MAX_PLAN_LINES,
            };
            rules.problems.push(problem(None, "", "", kind));
            break;
        }
        match record {
            Ok(record) => {
                let line = lines.of(record.position());
                if let Some(row) = rules.row(line, &record) {
                    rows.push(row);
                }
            }
            Err(e) => {
                let (line, message) = lines.describe(&e);
                rules.problems.push(problem(line, "", "", message));
            }
        }
    }
    if rows.is_empty() && rules.problems.is_empty() {
        rules
            .problems
            .push(problem(None, "", "", PlanProblem::NoServiceLines));
    }
    match rules.problems.is_empty() {
        true => Ok(rows),
        false => Err(invalid(rules.problems)),
    }
}

fn problem(line: Option<u64>, unit: &str, field: &str, what: impl Into<ProblemKind>) -> Problem {
    let kind = what.into();
    Problem {
        line,
        unit: unit.to_string(),
        month: String::new(),
        field: field.to_string(),
        message: kind.to_string(),
        kind,
        foreign: false,
    }
}

/// What each line is checked against, and what was found so far.
struct Rules<'a> {
    unit: &'a UnitCode,
    registry: &'a Registry,
    settings: &'a PlanSettings,
    /// Units are matched as valid this month.
    now: Month,
    first_line_of: HashMap<String, u64>,
    problems: Vec<Problem>,
}

impl Rules<'_> {
    /// The line's row, or its problems recorded and none.
    fn row(&mut self, line: u64, record: &csv::StringRecord) -> Option<PlanRow> {
        let cell = |k: usize| record.get(k).unwrap_or("");
        let written = cell(0);
        // A unit of today, or one the deadline asked (merged since).
        let asked = Month::of(self.settings.deadline);
        let unit = self.registry.find(written, self.now);
        let found = match unit.or_else(|| self.registry.find(written, asked)) {
            None => vec![(
                "unit",
                ProblemKind::NoSuchUnit {
                    written: written.to_string(),
                    month: self.now.to_string(),
                },
            )],
            Some(u) if &u.code != self.unit => {
                let kind = PlanProblem::ForeignUnit {
                    unit: u.code.to_string(),
                    own: self.unit.to_string(),
                };
                let mut p = problem(Some(line), written, "unit", kind);
                p.foreign = true;
                self.problems.push(p);
                return None;
            }
            Some(_) => self.cells(line, record),
        };
        let ok = found.is_empty();
        for (field, message) in found {
            self.problems
                .push(problem(Some(line), written, field, message));
        }
        let eligible = yes_no(cell(3)) == Some(true);
        ok.then(|| PlanRow {
            unit_code: self.unit.to_string(),
            version: 0,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            service_code: cell(1).to_string(),
            service_name: cell(2).to_string(),
            eligible: u8::from(eligible),
            target_month: match eligible {
                true => self
                    .target(cell(4))
                    .map(Month::first_day)
                    .unwrap_or_default(),
                false => NaiveDate::default(),
            },
            reason: cell(5).to_string(),
        })
    }

    /// The problems of a line of the plan's unit, by field.
    fn cells(&mut self, line: u64, record: &csv::StringRecord) -> Vec<(&'static str, ProblemKind)> {
        let cell = |k: usize| record.get(k).unwrap_or("");
        let mut found = Vec::new();
        let code = cell(1);
        if code.is_empty() || code.chars().count() > MAX_CODE_CHARS {
            let max = MAX_CODE_CHARS;
            found.push(("service_code", PlanProblem::CodeLength { max }.into()));
        } else if let Some(first) = self.first_line_of.get(code) {
            let (code, first) = (code.to_string(), *first);
            found.push((
                "service_code",
                PlanProblem::ListedTwice { code, first }.into(),
            ));
        } else {
            self.first_line_of.insert(code.to_string(), line);
        }
        let name = cell(2);
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            let max = MAX_NAME_CHARS;
            found.push(("service_name", PlanProblem::NameLength { max }.into()));
        }
        let (target, reason) = (cell(4), cell(5));
        let codes = || self.settings.reason_codes();
        match yes_no(cell(3)) {
            None => found.push((
                "eligible",
                ProblemKind::NotAFlag {
                    text: cell(3).to_string(),
                },
            )),
            Some(true) => {
                if let Err(kind) = self.target(target) {
                    found.push(("target_month", kind));
                }
                if !reason.is_empty() {
                    let reason = reason.to_string();
                    found.push(("reason", PlanProblem::ReasonForEligible { reason }.into()));
                }
            }
            Some(false) => {
                if !target.is_empty() {
                    let target = target.to_string();
                    let kind = PlanProblem::TargetForNotEligible { target };
                    found.push(("target_month", kind.into()));
                }
                if reason.is_empty() {
                    let kind = PlanProblem::ReasonRequired { codes: codes() };
                    found.push(("reason", kind.into()));
                } else if self.settings.reason(reason).is_none() {
                    let reason = reason.to_string();
                    let kind = PlanProblem::NotAReason {
                        reason,
                        codes: codes(),
                    };
                    found.push(("reason", kind.into()));
                }
            }
        }
        found
    }

    /// A target month: `YYYY-MM`, within `TARGET_YEARS` of the deadline's year.
    fn target(&self, text: &str) -> Result<Month, ProblemKind> {
        if text.is_empty() {
            return Err(PlanProblem::TargetRequired.into());
        }
        let month: Month = text.parse().map_err(|e| ProblemKind::BadMonth {
            written: text.to_string(),
            message: format!("{e}"),
        })?;
        let year = self.settings.deadline.year();
        let (lo, hi) = (year - TARGET_YEARS, year + TARGET_YEARS);
        if !(lo..=hi).contains(&month.year()) {
            let text = text.to_string();
            return Err(PlanProblem::TargetOutOfRange { text, lo, hi }.into());
        }
        Ok(month)
    }
}

/// The service lines as stored, without what changes between filings.
fn content(rows: &[PlanRow]) -> Vec<(&str, &str, u8, NaiveDate, &str)> {
    rows.iter()
        .map(|r| {
            let target = r.target_month;
            (
                r.service_code.as_str(),
                r.service_name.as_str(),
                r.eligible,
                target,
                r.reason.as_str(),
            )
        })
        .collect()
}

/// Validates a plan file and (unless `dry_run`) stores it as the unit's new
/// plan, rows then filing; a file equal to the current plan stores nothing.
/// Each filing goes to the audit log.
pub async fn file_plan(
    source: PlanSource<'_>,
    registry: &Registry,
    settings: &PlanSettings,
    store: &Store,
    dry_run: bool,
) -> Result<Filed, PlanFileError> {
    let now = Utc::now();
    let mut rows = parse_plan(&source, registry, settings, now.date_naive())?;
    let unit = source.unit.to_string();
    let eligible = rows.iter().filter(|r| r.eligible == 1).count();
    let mut filed = Filed {
        unit: source.unit.clone(),
        services: rows.len(),
        eligible,
        stored: false,
        dry_run,
    };
    let current = store.current_plan(&unit).await?;
    let unchanged = current.is_some_and(|(_, old)| content(&old) == content(&rows));
    if dry_run || unchanged {
        return Ok(filed);
    }
    let version = u64::try_from(now.timestamp_micros()).unwrap_or_default();
    for r in &mut rows {
        r.version = version;
    }
    let filing = PlanFiling {
        unit_code: unit.clone(),
        version,
        filed_at: now,
        filed_by: source.filed_by.to_string(),
        file_name: source.file_name.to_string(),
        services: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        eligible: u32::try_from(eligible).unwrap_or(u32::MAX),
        sha256: Sha256::digest(source.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    };
    store.file_plan(&filing, &rows).await?;
    filed.stored = true;
    let event = AuditEvent::new(AuditKind::Import, source.filed_by, &format!("plan {unit}"))
        .with_address(source.address.clone())
        .with_detail(format!(
            "service plan {} of unit {unit}: {} services, {eligible} eligible (filing {version})",
            source.file_name,
            rows.len()
        ));
    store.audit_or_warn(&event).await;
    Ok(filed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config() -> (Registry, PlanSettings) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        (
            Registry::load(&dir.join("units.toml")).unwrap(),
            PlanSettings::load(&dir.join("plans.toml")).unwrap(),
        )
    }

    fn parse(text: &str) -> Result<Vec<PlanRow>, PlanFileError> {
        let (registry, settings) = config();
        let unit = UnitCode::new("01");
        let source = PlanSource {
            file_name: "plan.csv",
            bytes: text.as_bytes(),
            unit: &unit,
            filed_by: "",
            address: None,
        };
        let today = NaiveDate::from_ymd_opt(2021, 4, 20).unwrap();
        parse_plan(&source, &registry, &settings, today)
    }

    #[test]
    fn a_plan_with_bom_and_crlf_reads_by_code_or_name() {
        let text = "\u{feff}unit,service_code,service_name,eligible,target_month,reason\r\n\
                    01,1.001,Cấp phép xây dựng,có,2021-06,\r\n\
                    Thành phố Hà Nội,1.002,Đăng ký kết hôn,no,,in_person\r\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].eligible, 1);
        assert_eq!(
            rows[0].target_month,
            NaiveDate::from_ymd_opt(2021, 6, 1).unwrap()
        );
        assert_eq!(
            (rows[1].eligible, rows[1].reason.as_str()),
            (0, "in_person")
        );
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
    }

    #[test]
    fn every_bad_line_is_named_by_line_unit_and_field() {
        let text = "unit,service_code,service_name,eligible,target_month,reason\n\
                    01,1.001,Cấp phép,yes,,\n\
                    01,1.002,Kết hôn,no,,no_such_reason\n\
                    01,1.003,Khai sinh,yes,2021-05,\n\
                    01,1.003,Khai sinh lại,yes,2021-07,\n\
                    79,2.001,Thủ tục khác,yes,2021-05,\n\
                    01,1.004,Hộ tịch,maybe,,\n\
                    01,1.005,Đất đai,yes,2040-01,\n\
                    01,1.006,Đất đai,no,2021-05,rarely_used\n";
        let err = parse(text).unwrap_err();
        let message = err.to_string();
        for expected in [
            "nothing stored, 7 problem(s)",
            "line 2: unit 01: field 'target_month': required for an eligible service",
            "line 3: unit 01: field 'reason': 'no_such_reason' is not a reason: one of in_person",
            "line 5: unit 01: field 'service_code': '1.003' is listed twice (first on line 4)",
            "line 6: unit 79: field 'unit': unit 79 is not the unit filing this plan (01)",
            "line 7: unit 01: field 'eligible': 'maybe' is not",
            "line 8: unit 01: field 'target_month': '2040-01' is not between 2016-01 and 2026-12",
            "line 9: unit 01: field 'target_month': '2021-05': a service not eligible has no target month",
        ] {
            assert!(message.contains(expected), "{expected:?} not in:\n{message}");
        }
        assert!(err.problems().iter().any(|p| p.foreign));
    }

    #[test]
    fn a_wrong_header_or_an_empty_file_is_refused() {
        let err = parse("unit,service,eligible\n01,1,yes\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1: field 'header'"), "{err}");
        let err = parse("unit,service_code,service_name,eligible,target_month,reason\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no service lines"), "{err}");
    }
}
