//! Loading everything a command needs from `config/`, once, with every problem reported.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::compute::figures::Deadline;
use crate::compute::publish::Computer;
use crate::config::{
    AlertSettings, ConfigError, IndicatorCatalogue, MeasureCatalogue, Overrides, PlanSettings,
    Problems, Registry, Settings,
};
use crate::dashboards::{load_dir, Dashboard};
use crate::store::Store;

/// Settings, registry and catalogue, validated, plus a store handle.
pub struct App {
    pub settings: Settings,
    pub registry: Registry,
    pub catalogue: MeasureCatalogue,
    pub indicators: IndicatorCatalogue,
    /// `alerts.toml`, beside `chiso.toml`: reminder rules, ledger policy, SMTP.
    pub alerts: AlertSettings,
    /// `dashboards/*.toml`: the panels of the dashboard pages.
    pub dashboards: Vec<Dashboard>,
    /// `plans.toml`: the service plans' deadline and reasons (letter 1145/BTTTT-THH).
    pub plans: PlanSettings,
    pub store: Store,
}

/// A remind run starts no mail it could not finish by its deadline (twice the
/// SMTP bound, `notify::remind_until`): a deadline below that sends nothing, ever.
fn remind_budget_problem(deadline_secs: u64, smtp_timeout_secs: u64) -> Option<String> {
    let needed = smtp_timeout_secs.saturating_mul(2);
    (deadline_secs <= needed).then(|| {
        format!(
            "{deadline_secs} s must be more than twice alerts.toml smtp.timeout_secs \
             ({smtp_timeout_secs} s), or no mail is ever started"
        )
    })
}

fn check_remind_budget(
    config: &Path,
    settings: &Settings,
    alerts: &AlertSettings,
) -> Result<(), ConfigError> {
    let mut p = Problems::new(config);
    let deadline = settings.schedule.remind_deadline_secs;
    if let Some(message) = remind_budget_problem(deadline, alerts.smtp.timeout_secs) {
        p.add("schedule.remind_deadline_secs", message);
    }
    p.into_result(())
}

impl App {
    /// `config` is the path of `chiso.toml`; `CHISO_CONFIG` names it when no flag does.
    pub fn load(config: &Path, flags: &Overrides) -> Result<Self, ConfigError> {
        Self::load_with_env(config, flags, |k| std::env::var(k).ok())
    }

    /// `load` with the environment given: `make bench` loads a single-server
    /// and a cluster App side by side in one process.
    pub fn load_with_env(
        config: &Path,
        flags: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let settings = Settings::load(config, env, flags)?;
        let registry = Registry::load(&settings.resolve(&settings.paths.units));
        let catalogue = MeasureCatalogue::load(&settings.resolve(&settings.paths.measures));
        // Indicators name measures: they can be checked only once the catalogue loaded.
        let indicators = catalogue
            .as_ref()
            .ok()
            .map(|c| IndicatorCatalogue::load(&settings.resolve(&settings.paths.indicators), c));
        match (registry, catalogue, indicators) {
            (Ok(registry), Ok(catalogue), Some(Ok(indicators))) => {
                indicators.check_units(&settings.resolve(&settings.paths.indicators), &registry)?;
                let alerts = AlertSettings::load(
                    &settings.resolve(&settings.paths.alerts),
                    &indicators,
                    &registry,
                )?;
                check_remind_budget(config, &settings, &alerts)?;
                let dashboards = load_dir(&settings.resolve(&settings.paths.dashboards))?;
                let plans = PlanSettings::load(&settings.resolve(&settings.paths.plans))?;
                let store = Store::new(&settings.clickhouse);
                Ok(Self {
                    dashboards,
                    plans,
                    settings,
                    registry,
                    catalogue,
                    indicators,
                    alerts,
                    store,
                })
            }
            (r, c, i) => {
                let problems = [r.err(), c.err(), i.and_then(Result::err)]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| e.problems)
                    .collect();
                Err(ConfigError { problems })
            }
        }
    }

    /// The zone schedules and deadlines are read in (validated at load).
    pub fn zone(&self) -> Tz {
        self.settings
            .schedule
            .timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
    }

    /// Computing and reading results with the configured calendar and deadline.
    pub fn computer(&self) -> Computer<'_> {
        Computer {
            store: &self.store,
            registry: &self.registry,
            indicators: &self.indicators,
            calendar: self.settings.compute.quarter_calendar,
            deadline: Deadline {
                day: self.settings.compute.deadline_day,
                zone: self.zone(),
            },
        }
    }

    pub fn default_config_path() -> PathBuf {
        PathBuf::from("config/chiso.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remind_deadline_must_leave_room_for_a_whole_mail() {
        assert_eq!(remind_budget_problem(900, 30), None);
        assert_eq!(remind_budget_problem(61, 30), None);
        let problem = remind_budget_problem(60, 30).unwrap();
        assert!(problem.contains("smtp.timeout_secs (30 s)"), "{problem}");
        assert!(remind_budget_problem(5, u64::MAX).is_some());
    }

    fn shipped_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn the_shipped_configuration_loads() {
        let app = App::load(&shipped_dir().join("chiso.toml"), &Overrides::default()).unwrap();
        assert!(app.indicators.get("online_dossier_rate").is_some());
        assert_eq!(app.registry.all().len(), 87);
    }

    #[test]
    fn an_indicator_naming_an_unknown_measure_stops_start_up_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "chiso.toml",
            "units.toml",
            "measures.toml",
            "indicators.toml",
            "simulator.toml",
            "alerts.toml",
            "plans.toml",
        ] {
            std::fs::copy(shipped_dir().join(f), dir.path().join(f)).unwrap();
        }
        let path = dir.path().join("indicators.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let broken = text.replacen(
            "\"dossiers_processed_on_time\"",
            "\"dossiers_procesed_on_time\"",
            1,
        );
        assert_ne!(text, broken);
        std::fs::write(&path, broken).unwrap();
        let err = App::load(&dir.path().join("chiso.toml"), &Overrides::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("indicators.toml"), "{err}");
        assert!(
            err.contains("(on_time_rate)") && err.contains("'dossiers_procesed_on_time'"),
            "{err}"
        );
    }
}
