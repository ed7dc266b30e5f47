//! `chiso import FILE.csv`: units that have no API send one of two CSV layouts
//! (`docs/source-api.md`). Each unit-month in the file is validated exactly like
//! a pull and accepted or rejected whole; a bad line names its number.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::editor_lines::EditorLines;
use super::problem::ProblemKind;
use super::report::{Report, UnitResult};
use super::sink::{accept, reject, Attempt, Transport};
use super::validate::{validate, Completeness, Rejection};
use crate::config::{MeasureCatalogue, Registry};
use crate::domain::payload::{MeasureRecord, ServiceRecord, StatsPage};
use crate::domain::{Month, UnitCode};
use crate::store::{Channel, Store};

const SERVICE_HEADER: &[&str] = &[
    "unit",
    "month",
    "service_code",
    "service_name",
    "field",
    "level",
    "eligible_full_online",
    "integrated_national_portal",
    "received",
    "received_online",
    "processed",
    "processed_on_time",
    "processed_late",
    "pending_overdue",
];
const MEASURE_HEADER: &[&str] = &["unit", "month", "measure", "value"];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read: {source}")]
    Open {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: cannot read: {source}")]
    Read { file: String, source: csv::Error },
    #[error("{file}: {message}")]
    Xlsx { file: String, message: String },
    #[error("{file}: header {found:?} is neither layout: expected {services:?} or {measures:?}")]
    Header {
        file: String,
        found: Vec<String>,
        services: &'static [&'static str],
        measures: &'static [&'static str],
    },
}

/// What an import did: the per unit-month report, lines that named no unit or
/// month (nothing to attach them to), and the names matched to units.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    pub report: Report,
    pub line_errors: Vec<String>,
    pub matches: Vec<String>,
    /// Every problem of the file, line errors and refused unit-months alike,
    /// as the upload page lists them.
    pub problems: Vec<Problem>,
}

/// One problem of a file: the line as the unit's editor numbers it (when one
/// line is to blame), the unit and month as written, the field, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub line: Option<u64>,
    pub unit: String,
    pub month: String,
    pub field: String,
    pub message: String,
    /// What `message` says, for pages in their reader's language.
    #[serde(skip)]
    pub kind: ProblemKind,
    /// The line is another unit's than the one the file may carry (`Scope`).
    pub foreign: bool,
}

/// Whose rows a file may carry: any unit's (`chiso import`, ministry staff)
/// or one unit's only (a unit account's upload). Another unit's rows are a
/// problem of their line and are never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    AnyUnit,
    OnlyUnit(UnitCode),
}

#[derive(Default)]
struct Group {
    page: Option<StatsPage>,
    lines: Vec<String>,
    /// Line number of each service code and measure code, to name it in errors.
    line_of: HashMap<String, u64>,
    first_error: Option<(String, ProblemKind, u64)>,
}

pub async fn import_file(
    path: &Path,
    registry: &Registry,
    catalogue: &MeasureCatalogue,
    store: &Store,
    dry_run: bool,
) -> Result<ImportOutcome, ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ImportError::Open {
        file: file.clone(),
        source,
    })?;
    let source = Source {
        file: &file,
        bytes: &bytes,
        scope: &Scope::AnyUnit,
    };
    import_bytes(source, registry, catalogue, store, dry_run).await
}

/// A file's name (for messages), its bytes, and whose rows it may carry.
pub struct Source<'a> {
    pub file: &'a str,
    pub bytes: &'a [u8],
    pub scope: &'a Scope,
}

/// Validates every unit-month of a file and stores each valid one (unless
/// `dry_run`) through the same sink as a pull.
pub async fn import_bytes(
    source: Source<'_>,
    registry: &Registry,
    catalogue: &MeasureCatalogue,
    store: &Store,
    dry_run: bool,
) -> Result<ImportOutcome, ImportError> {
    let Source { file, bytes, scope } = source;
    let file = file.to_string();
    // A workbook is read as the CSV of its first sheet, row N on line N.
    let converted;
    let bytes = if super::xlsx::is_xlsx(bytes) {
        converted = super::xlsx::xlsx_as_csv(bytes).map_err(|message| ImportError::Xlsx {
            file: file.clone(),
            message,
        })?;
        converted.as_slice()
    } else {
        bytes
    };
    let bytes = without_bom(bytes);
    let read_err = |source| ImportError::Read {
        file: file.clone(),
        source,
    };
    let lines = EditorLines::new(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(read_err)?
        .iter()
        .map(str::to_string)
        .collect();
    let services_layout = header == SERVICE_HEADER;
    if !services_layout && header != MEASURE_HEADER {
        return Err(ImportError::Header {
            file,
            found: header,
            services: SERVICE_HEADER,
            measures: MEASURE_HEADER,
        });
    }
    let mut outcome = ImportOutcome {
        report: Report {
            dry_run,
            ..Report::default()
        },
        ..Default::default()
    };
    let mut groups: BTreeMap<(UnitCode, Month), Group> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let (line, message) = lines.describe(&e);
                outcome.line_error(&file, line, ("", ""), "", message);
                continue;
            }
        };
        let line = lines.of(record.position());
        let written = (&record[0], &record[1]);
        let month: Month = match record[1].parse() {
            Ok(m) => m,
            Err(e) => {
                let kind = ProblemKind::BadMonth {
                    written: record[1].to_string(),
                    message: e.to_string(),
                };
                outcome.line_error(&file, Some(line), written, "month", kind);
                continue;
            }
        };
        let Some(unit) = registry.find(&record[0], month) else {
            let kind = ProblemKind::NoSuchUnit {
                written: record[0].to_string(),
                month: month.to_string(),
            };
            outcome.line_error(&file, Some(line), written, "unit", kind);
            continue;
        };
        if let Scope::OnlyUnit(own) = scope {
            // A unit's staff also send the months of the units merged into it.
            if &unit.code != own && !unit.successors.contains(own) {
                let kind = ProblemKind::ForeignUnit {
                    unit: unit.code.to_string(),
                    own: own.to_string(),
                };
                outcome.line_error(&file, Some(line), written, "unit", kind);
                if let Some(p) = outcome.problems.last_mut() {
                    p.foreign = true;
                }
                continue;
            }
        }
        if unit.code.as_str() != &record[0] {
            let note = format!("'{}' matched unit {} {}", &record[0], unit.code, unit.name);
            if !outcome.matches.contains(&note) {
                outcome.matches.push(note);
            }
        }
        let group = groups.entry((unit.code.clone(), month)).or_default();
        let raw: Vec<&str> = record.iter().collect();
        group.lines.push(raw.join(","));
        let page = group.page.get_or_insert_with(|| StatsPage {
            unit_code: unit.code.to_string(),
            month: month.to_string(),
            generated_at: String::new(),
            services: vec![],
            measures: vec![],
            next_cursor: None,
        });
        let parsed = if services_layout {
            parse_service(&record).map(|s| {
                group.line_of.insert(s.code.clone(), line);
                page.services.push(s);
            })
        } else {
            parse_measure(&record).map(|m| {
                group.line_of.insert(m.code.clone(), line);
                page.measures.push(m);
            })
        };
        if let Err((field, reason)) = parsed {
            group.first_error.get_or_insert((field, reason, line));
        }
    }
    let header_line = header.join(",");
    for ((unit, month), group) in groups {
        let (result, problem) = import_group(
            &unit,
            month,
            group,
            &header_line,
            &file,
            catalogue,
            store,
            dry_run,
        )
        .await;
        outcome.problems.extend(problem);
        outcome.report.results.push(result);
    }
    Ok(outcome)
}

impl ImportOutcome {
    /// A line that belongs to no unit-month that could be stored.
    fn line_error(
        &mut self,
        file: &str,
        line: Option<u64>,
        (unit, month): (&str, &str),
        field: &str,
        kind: ProblemKind,
    ) {
        let message = kind.to_string();
        let text = match (line, field) {
            (Some(l), "") => format!("{file} line {l}: {message}"),
            (Some(l), f) => format!("{file} line {l}: field '{f}': {message}"),
            (None, _) => format!("{file}: {message}"),
        };
        self.line_errors.push(text);
        self.problems.push(Problem {
            line,
            unit: unit.to_string(),
            month: month.to_string(),
            field: field.to_string(),
            message,
            kind,
            foreign: false,
        });
    }
}

#[allow(clippy::too_many_arguments)]
async fn import_group(
    unit: &UnitCode,
    month: Month,
    group: Group,
    header: &str,
    file: &str,
    catalogue: &MeasureCatalogue,
    store: &Store,
    dry_run: bool,
) -> (UnitResult, Option<Problem>) {
    let attempt = Attempt::start(Channel::Csv, unit, month);
    let t = || Transport {
        http_status: 0,
        tries: 1,
    };
    let payload = || format!("{header}\n{}", group.lines.join("\n"));
    let problem = |rejection: &Rejection, line: Option<u64>| Problem {
        line,
        unit: unit.to_string(),
        month: month.to_string(),
        field: rejection.field.clone(),
        message: rejection.reason.clone(),
        kind: (*rejection.kind).clone(),
        foreign: false,
    };
    if let Some((field, kind, line)) = &group.first_error {
        let reason = kind.to_string();
        let mut rejection = Rejection {
            unit: unit.clone(),
            month,
            field: field.clone(),
            reason: reason.clone(),
            kind: Box::new(kind.clone()),
        };
        let found = problem(&rejection, Some(*line));
        rejection.reason = format!("{reason} (line {line} of {file})");
        let result = reject(store, &attempt, &rejection, payload(), t(), dry_run).await;
        return (result, Some(found));
    }
    let pages: Vec<StatsPage> = group.page.iter().cloned().collect();
    match validate(unit, month, &pages, Completeness::Partial, catalogue) {
        Ok(batch) => (accept(store, &attempt, &batch, t(), dry_run).await, None),
        Err(mut rejection) => {
            let code = rejection
                .field
                .split("code=")
                .nth(1)
                .and_then(|s| s.split(']').next())
                .unwrap_or_default();
            let line = group.line_of.get(code).copied();
            let found = problem(&rejection, line);
            if let Some(line) = line {
                rejection.reason = format!("{} (line {line} of {file})", rejection.reason);
            }
            let result = reject(store, &attempt, &rejection, payload(), t(), dry_run).await;
            (result, Some(found))
        }
    }
}

fn count(record: &csv::StringRecord, i: usize) -> Result<i64, (String, ProblemKind)> {
    record[i].parse().map_err(|_| {
        (
            SERVICE_HEADER[i].to_string(),
            ProblemKind::NotWholeNumber {
                text: record[i].to_string(),
            },
        )
    })
}

/// A yes/no cell as units write it; an empty cell is no.
pub(super) fn yes_no(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "1" | "true" | "yes" | "có" | "x" => Some(true),
        "0" | "false" | "no" | "không" | "" => Some(false),
        _ => None,
    }
}

/// Excel's "CSV UTF-8" starts with a byte order mark; it names no column.
pub(super) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn flag(record: &csv::StringRecord, i: usize) -> Result<bool, (String, ProblemKind)> {
    yes_no(&record[i]).ok_or_else(|| {
        (
            SERVICE_HEADER[i].to_string(),
            ProblemKind::NotAFlag {
                text: record[i].to_lowercase(),
            },
        )
    })
}

fn parse_service(r: &csv::StringRecord) -> Result<ServiceRecord, (String, ProblemKind)> {
    Ok(ServiceRecord {
        code: r[2].to_string(),
        name: r[3].to_string(),
        field: r[4].to_string(),
        level: r[5].to_string(),
        eligible_full_online: flag(r, 6)?,
        integrated_national_portal: flag(r, 7)?,
        received: count(r, 8)?,
        received_online: count(r, 9)?,
        processed: count(r, 10)?,
        processed_on_time: count(r, 11)?,
        processed_late: count(r, 12)?,
        pending_overdue: count(r, 13)?,
    })
}

fn parse_measure(r: &csv::StringRecord) -> Result<MeasureRecord, (String, ProblemKind)> {
    let value = r[3].replace(',', ".").parse().map_err(|_| {
        let text = r[3].to_string();
        ("value".to_string(), ProblemKind::NotANumber { text })
    })?;
    Ok(MeasureRecord {
        code: r[2].to_string(),
        value,
        source: None,
    })
}
