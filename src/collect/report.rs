//! What a collect or import run did, unit by unit, and the closing table.

use std::fmt;

use crate::domain::{Month, UnitCode};
use crate::store::Outcome;

#[derive(Debug, Clone)]
pub struct UnitResult {
    pub unit: UnitCode,
    pub month: Month,
    pub outcome: Outcome,
    pub services: usize,
    pub measures: usize,
    /// What the new batch replaced (services, measures), when something was stored before.
    pub replaced: Option<(u32, u32)>,
    pub field: Option<String>,
    pub message: String,
}

impl UnitResult {
    pub(crate) fn new(unit: &UnitCode, month: Month, counts: (usize, usize)) -> Self {
        Self {
            unit: unit.clone(),
            month,
            outcome: Outcome::Failed,
            services: counts.0,
            measures: counts.1,
            replaced: None,
            field: None,
            message: String::new(),
        }
    }

    /// The data is fine but its record could not be written: that is a failure to report, not to hide.
    pub(crate) fn note_record_failure(&mut self, error: &str) {
        self.outcome = Outcome::Failed;
        let sep = if self.message.is_empty() { "" } else { "; " };
        self.message = format!("{}{sep}recording the attempt failed: {error}", self.message);
    }

    pub fn rows(&self) -> usize {
        if self.outcome == Outcome::Stored {
            self.services + self.measures
        } else {
            0
        }
    }
}

/// All unit results of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub results: Vec<UnitResult>,
    pub dry_run: bool,
    /// Units skipped on purpose, with why (e.g. they report by file).
    pub skipped: Vec<(UnitCode, String)>,
}

impl Report {
    pub fn succeeded(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.is_success())
            .count()
    }

    pub fn failed(&self) -> impl Iterator<Item = &UnitResult> {
        self.results.iter().filter(|r| !r.outcome.is_success())
    }

    pub fn all_succeeded(&self) -> bool {
        self.failed().next().is_none()
    }

    pub fn rows(&self) -> usize {
        self.results.iter().map(UnitResult::rows).sum()
    }

    /// Unit-months that ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "DRY RUN: nothing was stored.")?;
            for r in &self.results {
                let what = match (r.outcome, r.replaced) {
                    (Outcome::Stored, Some((s, m))) => {
                        format!("would replace {s} services and {m} measures with {} services and {} measures", r.services, r.measures)
                    }
                    (Outcome::Stored, None) => format!(
                        "would insert {} services and {} measures",
                        r.services, r.measures
                    ),
                    (Outcome::Unchanged, _) => "unchanged: nothing to insert".to_string(),
                    (_, _) => format!("would reject: {}", r.message),
                };
                writeln!(f, "  unit {:<8} {}  {what}", r.unit, r.month)?;
            }
        }
        let failed: Vec<&UnitResult> = self.failed().collect();
        if !failed.is_empty() {
            writeln!(f, "Failures:")?;
            for r in &failed {
                writeln!(f, "  {:<9} {}", r.outcome.as_str(), r.message)?;
            }
        }
        for (unit, why) in &self.skipped {
            writeln!(f, "  skipped unit {unit}: {why}")?;
        }
        let stored = self.count(Outcome::Stored);
        let unchanged = self.count(Outcome::Unchanged);
        writeln!(f, "{:<12} {:>6}", "unit-months", self.results.len())?;
        writeln!(
            f,
            "{:<12} {:>6}  ({stored} stored, {unchanged} unchanged)",
            "succeeded",
            self.succeeded()
        )?;
        writeln!(f, "{:<12} {:>6}", "failed", failed.len())?;
        write!(
            f,
            "{:<12} {:>6}",
            if self.dry_run {
                "rows (plan)"
            } else {
                "rows stored"
            },
            self.rows()
        )
    }
}
