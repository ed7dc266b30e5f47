//! Loading and validating `config/`: settings (`chiso.toml`), the unit registry
//! (`units.toml`) and the measure catalogue (`measures.toml`).
//!
//! Every loader goes raw (serde, `deny_unknown_fields`) → validated, and reports
//! every problem at once as `file: key: message`.

mod alerts;
mod indicators;
mod measures;
mod plans;
mod settings;
mod units;

use std::fmt;
use std::path::{Path, PathBuf};

/// Shared by every loader of a TOML file (the simulator's too).
pub use self::read_toml as load_toml;
pub use alerts::{AlertSettings, SmtpSecurity, SmtpSettings};
pub use indicators::{
    CompositeMethod, Direction, Indicator, IndicatorCatalogue, Points, ValueUnit, YearTarget,
    ZeroDenominator, PORTAL_MEASURES, REPORTING_MEASURES, SERVICE_MEASURES,
};
pub use measures::{MeasureCatalogue, MeasureDef, MeasureKind};
pub use plans::{PlanReason, PlanSettings};
pub use settings::{
    ClickHouseSettings, CollectorSettings, ComputeSettings, CoordinationSettings, Overrides,
    PathSettings, ProbeSettings, ScheduleSettings, SecureCookies, Settings, WebSettings,
};
pub use units::{FormerName, PortalConfig, Registry, SourceConfig, Unit};

/// One problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.key, self.message)
    }
}

/// All the problems found while loading configuration, one per line.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(Problem::to_string).collect();
        write!(f, "invalid configuration:\n  {}", lines.join("\n  "))
    }
}

/// Collects problems so a loader can report them all at once.
#[derive(Debug)]
pub(crate) struct Problems {
    file: PathBuf,
    found: Vec<Problem>,
}

impl Problems {
    pub(crate) fn new(file: &Path) -> Self {
        Self {
            file: file.to_path_buf(),
            found: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.found.push(Problem {
            file: self.file.clone(),
            key: key.into(),
            message: message.into(),
        });
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, ConfigError> {
        if self.found.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError {
                problems: self.found,
            })
        }
    }
}

/// Reads and parses a TOML file; a syntax or type error names the file and the key.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let one = |key: &str, message: String| ConfigError {
        problems: vec![Problem {
            file: path.to_path_buf(),
            key: key.to_string(),
            message,
        }],
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| one("(file)", format!("cannot read: {e}")))?;
    toml::from_str(&text).map_err(|e| {
        let message = e.message().to_string();
        let line = e
            .span()
            .map(|s| {
                format!(
                    " (line {})",
                    text[..s.start.min(text.len())].lines().count().max(1)
                )
            })
            .unwrap_or_default();
        one("(parse)", format!("{message}{line}"))
    })
}
