//! `measures.toml`: the unit-level measures a payload or CSV may carry. A code
//! not declared here is an error, so a typo never becomes a new series.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{read_toml, ConfigError, Problems};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// A whole number of things (documents, reports, citizens).
    Count,
    /// A share in percent, 0 to 100.
    Percent,
    /// A score on a scale, non-negative.
    Score,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDef {
    pub code: String,
    pub name: String,
    pub kind: MeasureKind,
    /// Plausible values, inclusive: anything outside rejects the unit-month
    /// (a value of 1e307 is a broken source, not a figure).
    pub min: f64,
    pub max: f64,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    measure: Vec<MeasureDef>,
}

#[derive(Debug, Clone, Default)]
pub struct MeasureCatalogue {
    by_code: BTreeMap<String, MeasureDef>,
}

impl MeasureCatalogue {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let raw: RawCatalogue = read_toml(path)?;
        Self::build(path, raw.measure)
    }

    fn build(path: &Path, defs: Vec<MeasureDef>) -> Result<Self, ConfigError> {
        let mut problems = Problems::new(path);
        let mut by_code = BTreeMap::new();
        for (i, def) in defs.into_iter().enumerate() {
            let key = format!("measure[{i}].code");
            if def.code.is_empty()
                || !def
                    .code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                problems.add(
                    &key,
                    format!("'{}' must be lower-case letters, digits and _", def.code),
                );
            }
            check_bounds(&def, i, &mut problems);
            if let Some(prev) = by_code.insert(def.code.clone(), def) {
                problems.add(key, format!("'{}' is declared twice", prev.code));
            }
        }
        problems.into_result(Self { by_code })
    }

    pub fn get(&self, code: &str) -> Option<&MeasureDef> {
        self.by_code.get(code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &MeasureDef> {
        self.by_code.values()
    }

    /// Checks one value against its declaration; `Err` says why it is unacceptable.
    pub fn check(&self, code: &str, value: f64) -> Result<(), String> {
        let def = self
            .get(code)
            .ok_or_else(|| format!("unknown measure '{code}' (not in measures.toml)"))?;
        if !value.is_finite() {
            return Err(format!("{value} is not a number"));
        }
        if value < 0.0 {
            return Err(format!("{value} is negative"));
        }
        match def.kind {
            MeasureKind::Count if value.fract() != 0.0 => {
                Err(format!("{value} is not a whole number"))
            }
            MeasureKind::Percent if value > 100.0 => Err(format!("{value} exceeds 100 percent")),
            _ if value < def.min => Err(format!(
                "{} is below the plausible minimum {} (measures.toml)",
                shown(value),
                def.min
            )),
            _ if value > def.max => Err(format!(
                "{} exceeds the plausible maximum {} (measures.toml)",
                shown(value),
                def.max
            )),
            _ => Ok(()),
        }
    }
}

/// A value as a message quotes it: 1e307, not 308 digits.
fn shown(value: f64) -> String {
    if value.abs() >= 1e15 {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

/// Bounds must be finite numbers with `min <= max`, within what the kind allows.
fn check_bounds(def: &MeasureDef, i: usize, problems: &mut Problems) {
    let (min, max) = (def.min, def.max);
    if !(min.is_finite() && max.is_finite()) || min > max || min < 0.0 {
        problems.add(
            format!("measure[{i}].min"),
            format!(
                "bounds {min}..{max} of '{}' must be finite, non-negative and min <= max",
                def.code
            ),
        );
    }
    if def.kind == MeasureKind::Percent && max > 100.0 {
        problems.add(
            format!("measure[{i}].max"),
            format!("{max} exceeds 100 for the percent '{}'", def.code),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> MeasureCatalogue {
        MeasureCatalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/measures.toml"))
            .unwrap()
    }

    #[test]
    fn shipped_catalogue_loads_with_kinds() {
        let c = shipped();
        assert!(c.iter().count() >= 5);
        assert_eq!(
            c.get("satisfaction_percent").map(|d| d.kind),
            Some(MeasureKind::Percent)
        );
    }

    #[test]
    fn values_are_checked_against_their_kind() {
        let c = shipped();
        assert!(c.check("documents_exchanged_electronic", 12.0).is_ok());
        assert!(c
            .check("documents_exchanged_electronic", 1.5)
            .unwrap_err()
            .contains("whole"));
        assert!(c
            .check("satisfaction_percent", 101.0)
            .unwrap_err()
            .contains("exceeds 100"));
        assert!(c
            .check("satisfaction_percent", -1.0)
            .unwrap_err()
            .contains("negative"));
        assert!(c
            .check("documents_exchanged_electronic", 1e307)
            .unwrap_err()
            .contains("plausible maximum"));
        assert!(c.check("satisfaction_percent", f64::NAN).is_err());
        assert!(c.check("national_portal_index", f64::INFINITY).is_err());
        assert!(c
            .check("nope", 1.0)
            .unwrap_err()
            .contains("unknown measure 'nope'"));
    }

    #[test]
    fn duplicate_codes_are_rejected() {
        let def = MeasureDef {
            code: "a".into(),
            name: "A".into(),
            kind: MeasureKind::Count,
            min: 0.0,
            max: 10.0,
            description: String::new(),
        };
        let err = MeasureCatalogue::build(Path::new("m.toml"), vec![def.clone(), def]).unwrap_err();
        assert!(err.to_string().contains("'a' is declared twice"), "{err}");
    }

    #[test]
    fn every_shipped_measure_has_finite_bounds() {
        for def in shipped().iter() {
            assert!(def.min.is_finite() && def.max.is_finite() && def.min <= def.max);
            assert!(def.max <= 1e9, "{}: {}", def.code, def.max);
        }
    }

    #[test]
    fn implausible_bounds_are_refused_at_start_up() {
        let def = |code: &str, kind, min, max| MeasureDef {
            code: code.into(),
            name: code.into(),
            kind,
            min,
            max,
            description: String::new(),
        };
        let err = MeasureCatalogue::build(
            Path::new("m.toml"),
            vec![
                def("a", MeasureKind::Count, 5.0, 1.0),
                def("b", MeasureKind::Score, 0.0, f64::INFINITY),
                def("c", MeasureKind::Percent, 0.0, 150.0),
            ],
        )
        .unwrap_err()
        .to_string();
        for needle in ["measure[0].min", "measure[1].min", "measure[2].max"] {
            assert!(err.contains(needle), "{needle} missing: {err}");
        }
    }
}
