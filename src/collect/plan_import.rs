//! `chiso targets import FILE`: a unit's month-by-month plan per indicator, as
//! letter 1145/BTTTT-THH asked each province to file for 2021. One CSV per
//! unit, `unit,indicator,month,value`; validated whole and stored whole, or
//! refused with every problem named by line, unit, month and field.

use std::collections::HashSet;
use std::path::Path;

use chrono::Utc;

use crate::config::{IndicatorCatalogue, Registry, ValueUnit};
use crate::domain::{Month, UnitCode};
use crate::store::{Store, StoreError, TrajectoryRow};

pub const TRAJECTORY_HEADER: [&str; 4] = ["unit", "indicator", "month", "value"];

#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    #[error("{file}: cannot read: {source}")]
    Read { file: String, source: csv::Error },
    #[error("{file}: nothing imported, {} problem(s):\n  {}", .problems.len(), .problems.join("\n  "))]
    Invalid { file: String, problems: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a valid file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub unit: UnitCode,
    pub rows: Vec<TrajectoryRow>,
}

/// Validates `text` (the file's content) into rows; every problem at once.
pub fn parse_plan(
    file: &str,
    text: &str,
    registry: &Registry,
    indicators: &IndicatorCatalogue,
) -> Result<Plan, TargetsError> {
    let invalid = |problems| TargetsError::Invalid {
        file: file.to_string(),
        problems,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|source| TargetsError::Read {
            file: file.to_string(),
            source,
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if header != TRAJECTORY_HEADER {
        return Err(invalid(vec![format!(
            "line 1: header {header:?}, expected {TRAJECTORY_HEADER:?}"
        )]));
    }
    let now = Utc::now();
    let version = u64::try_from(now.timestamp_micros()).unwrap_or(0);
    let mut problems = Vec::new();
    let mut unit: Option<UnitCode> = None;
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let field = |k: usize| record.get(k).unwrap_or("");
        let (who, code, month_text, value_text) = (field(0), field(1), field(2), field(3));
        let Ok(month) = month_text.parse::<Month>() else {
            problems.push(format!(
                "line {line}: unit {who}: field 'month': '{month_text}' is not YYYY-MM"
            ));
            continue;
        };
        let at = |what: &str| format!("line {line}: unit {who}, month {month}: {what}");
        let Some(u) = registry.find(who, month) else {
            problems.push(at("field 'unit': no such unit valid in that month"));
            continue;
        };
        match &unit {
            None => unit = Some(u.code.clone()),
            Some(first) if *first != u.code => {
                problems.push(at(&format!(
                    "field 'unit': one file per unit; this file is for {first}"
                )));
                continue;
            }
            Some(_) => {}
        }
        let Some(indicator) = indicators.get(code) else {
            problems.push(at(&format!(
                "field 'indicator': unknown indicator '{code}'"
            )));
            continue;
        };
        if !indicator.applies_to_group(u.group) {
            problems.push(at(&format!(
                "field 'indicator': '{code}' does not apply to group '{}'",
                u.group.as_str()
            )));
            continue;
        }
        let ceiling = match indicator.unit {
            ValueUnit::Percent => 100.0,
            ValueUnit::Count | ValueUnit::Score => f64::INFINITY,
        };
        let value = match value_text.parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=ceiling).contains(&v) => v,
            _ => {
                problems.push(at(&format!(
                    "field 'value': '{value_text}' is not a {} value",
                    indicator.unit.as_str()
                )));
                continue;
            }
        };
        if !seen.insert((code.to_string(), month)) {
            problems.push(at(&format!(
                "field 'indicator': '{code}' is planned twice for this month"
            )));
            continue;
        }
        rows.push(TrajectoryRow {
            unit_code: u.code.to_string(),
            indicator: code.to_string(),
            month: month.first_day(),
            value,
            source_file: file.to_string(),
            imported_at: now,
            version,
        });
    }
    match unit {
        _ if !problems.is_empty() => Err(invalid(problems)),
        None => Err(invalid(vec!["the file has no plan lines".into()])),
        Some(unit) => Ok(Plan { unit, rows }),
    }
}

/// Reads, validates and (unless `dry_run`) stores a plan file in one INSERT.
pub async fn import_plan(
    path: &Path,
    registry: &Registry,
    indicators: &IndicatorCatalogue,
    store: &Store,
    dry_run: bool,
) -> Result<Plan, TargetsError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TargetsError::Read {
        file: file.clone(),
        source: csv::Error::from(e),
    })?;
    let plan = parse_plan(&file, &text, registry, indicators)?;
    if !dry_run {
        store.store_trajectories(&plan.rows).await?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MeasureCatalogue;

    fn config() -> (Registry, IndicatorCatalogue) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let measures = MeasureCatalogue::load(&dir.join("measures.toml")).unwrap();
        (
            Registry::load(&dir.join("units.toml")).unwrap(),
            IndicatorCatalogue::load(&dir.join("indicators.toml"), &measures).unwrap(),
        )
    }

    #[test]
    fn a_valid_plan_is_read_by_code_or_name() {
        let (reg, ind) = config();
        let text = "unit,indicator,month,value\n\
                    01,online_dossier_rate,2021-01,20\n\
                    Thành phố Hà Nội,online_dossier_rate,2021-02,25.5\n";
        let plan = parse_plan("plan.csv", text, &reg, &ind).unwrap();
        assert_eq!(plan.unit, UnitCode::new("01"));
        assert_eq!(plan.rows.len(), 2);
        assert_eq!(plan.rows[1].value, 25.5);
    }

    #[test]
    fn every_problem_is_named_by_line_unit_month_and_field_and_nothing_is_kept() {
        let (reg, ind) = config();
        let text = "unit,indicator,month,value\n\
                    01,online_dossier_rate,2021-01,120\n\
                    01,no_such_indicator,2021-02,20\n\
                    79,online_dossier_rate,2021-03,20\n\
                    01,online_dossier_rate,2021-13,20\n\
                    01,online_dossier_rate,2021-04,30\n\
                    01,online_dossier_rate,2021-04,35\n";
        let err = parse_plan("plan.csv", text, &reg, &ind)
            .unwrap_err()
            .to_string();
        for expected in [
            "line 2: unit 01, month 2021-01: field 'value': '120' is not a percent value",
            "line 3: unit 01, month 2021-02: field 'indicator': unknown indicator 'no_such_indicator'",
            "line 4: unit 79, month 2021-03: field 'unit': one file per unit; this file is for 01",
            "line 5: unit 01: field 'month': '2021-13' is not YYYY-MM",
            "line 7: unit 01, month 2021-04: field 'indicator': 'online_dossier_rate' is planned twice",
        ] {
            assert!(err.contains(expected), "{expected:?} not in:\n{err}");
        }
        assert!(err.contains("nothing imported, 5 problem(s)"), "{err}");
    }

    #[test]
    fn an_indicator_of_another_group_is_refused() {
        let (reg, ind) = config();
        let ministry_only = ind
            .iter()
            .find(|i| !i.applies_to_group(crate::domain::RankingGroup::Province))
            .map(|i| i.code.clone());
        if let Some(code) = ministry_only {
            let text = format!("unit,indicator,month,value\n01,{code},2021-01,10\n");
            let err = parse_plan("plan.csv", &text, &reg, &ind)
                .unwrap_err()
                .to_string();
            assert!(err.contains("does not apply to group 'province'"), "{err}");
        }
    }
}
