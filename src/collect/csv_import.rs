//! `chiso import FILE.csv`: units that have no API send one of two CSV layouts
//! (`docs/source-api.md`). Each unit-month in the file is validated exactly like
//! a pull and accepted or rejected whole; a bad line names its number.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

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
}

#[derive(Default)]
struct Group {
    page: Option<StatsPage>,
    lines: Vec<String>,
    /// Line number of each service code and measure code, to name it in errors.
    line_of: HashMap<String, u64>,
    first_error: Option<(String, String)>,
}

pub async fn import_file(
    path: &Path,
    registry: &Registry,
    catalogue: &MeasureCatalogue,
    store: &Store,
    dry_run: bool,
) -> Result<ImportOutcome, ImportError> {
    let file = path.display().to_string();
    let read_err = |source| ImportError::Read {
        file: file.clone(),
        source,
    };
    let bytes = std::fs::read(path).map_err(|source| ImportError::Open {
        file: file.clone(),
        source,
    })?;
    let lines = EditorLines::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
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
                outcome.line_errors.push(lines.describe(&file, &e));
                continue;
            }
        };
        let line = lines.of(record.position());
        let at = |msg: String| format!("{file} line {line}: {msg}");
        let month: Month = match record[1].parse() {
            Ok(m) => m,
            Err(e) => {
                outcome.line_errors.push(at(format!("field 'month': {e}")));
                continue;
            }
        };
        let Some(unit) = registry.find(&record[0], month) else {
            outcome.line_errors.push(at(format!(
                "field 'unit': '{}' matches no unit valid in {month}",
                &record[0]
            )));
            continue;
        };
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
            group
                .first_error
                .get_or_insert((field, format!("{reason} (line {line} of {file})")));
        }
    }
    let header_line = header.join(",");
    for ((unit, month), group) in groups {
        let result = import_group(
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
        outcome.report.results.push(result);
    }
    Ok(outcome)
}

/// Line numbers as an editor shows them, whatever the line endings. In a CRLF
/// file (what Excel writes on Windows) the csv reader ends a record at `\r` and
/// starts the next at the `\n`, one line early; so the line is counted here
/// from the record's first byte that is not a line ending.
struct EditorLines<'a> {
    text: &'a [u8],
    /// Byte offset of every `\n`.
    newlines: Vec<usize>,
}

impl<'a> EditorLines<'a> {
    fn new(text: &'a [u8]) -> Self {
        let newlines = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Self { text, newlines }
    }

    /// The 1-based line a record starts on (a quoted cell may run past it).
    fn of(&self, position: Option<&csv::Position>) -> u64 {
        let start = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let rest = self.text.get(start..).unwrap_or_default();
        let endings = rest
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let first = start.saturating_add(endings);
        self.newlines.partition_point(|&n| n < first) as u64 + 1
    }

    /// A record the csv reader could not read, named by its editor line.
    fn describe(&self, file: &str, e: &csv::Error) -> String {
        match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos: Some(pos),
                expected_len,
                len,
            } => format!(
                "{file} line {}: {len} fields where the header has {expected_len}",
                self.of(Some(pos))
            ),
            csv::ErrorKind::Utf8 {
                pos: Some(pos),
                err,
            } => format!(
                "{file} line {}: field {} is not UTF-8 text (save the file as UTF-8)",
                self.of(Some(pos)),
                err.field() + 1
            ),
            _ => format!("{file}: {e}"),
        }
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
) -> UnitResult {
    let attempt = Attempt::start(Channel::Csv, unit, month);
    let t = || Transport {
        http_status: 0,
        tries: 1,
    };
    let payload = || format!("{header}\n{}", group.lines.join("\n"));
    if let Some((field, reason)) = &group.first_error {
        let rejection = Rejection {
            unit: unit.clone(),
            month,
            field: field.clone(),
            reason: reason.clone(),
        };
        return reject(store, &attempt, &rejection, payload(), t(), dry_run).await;
    }
    let pages: Vec<StatsPage> = group.page.iter().cloned().collect();
    match validate(unit, month, &pages, Completeness::Partial, catalogue) {
        Ok(batch) => accept(store, &attempt, &batch, t(), dry_run).await,
        Err(mut rejection) => {
            let code = rejection
                .field
                .split("code=")
                .nth(1)
                .and_then(|s| s.split(']').next())
                .unwrap_or_default();
            if let Some(line) = group.line_of.get(code) {
                rejection.reason = format!("{} (line {line} of {file})", rejection.reason);
            }
            reject(store, &attempt, &rejection, payload(), t(), dry_run).await
        }
    }
}

fn count(record: &csv::StringRecord, i: usize) -> Result<i64, (String, String)> {
    record[i].parse().map_err(|_| {
        (
            SERVICE_HEADER[i].to_string(),
            format!("'{}' is not a whole number", &record[i]),
        )
    })
}

fn flag(record: &csv::StringRecord, i: usize) -> Result<bool, (String, String)> {
    match record[i].to_lowercase().as_str() {
        "1" | "true" | "yes" | "có" | "x" => Ok(true),
        "0" | "false" | "no" | "không" | "" => Ok(false),
        other => Err((
            SERVICE_HEADER[i].to_string(),
            format!("'{other}' is not 1/0, true/false or có/không"),
        )),
    }
}

fn parse_service(r: &csv::StringRecord) -> Result<ServiceRecord, (String, String)> {
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

fn parse_measure(r: &csv::StringRecord) -> Result<MeasureRecord, (String, String)> {
    let value = r[3]
        .replace(',', ".")
        .parse()
        .map_err(|_| ("value".to_string(), format!("'{}' is not a number", &r[3])))?;
    Ok(MeasureRecord {
        code: r[2].to_string(),
        value,
        source: None,
    })
}
