//! Loading everything a command needs from `config/`, once, with every problem reported.

use std::path::{Path, PathBuf};

use crate::config::{ConfigError, MeasureCatalogue, Overrides, Registry, Settings};
use crate::store::Store;

/// Settings, registry and catalogue, validated, plus a store handle.
pub struct App {
    pub settings: Settings,
    pub registry: Registry,
    pub catalogue: MeasureCatalogue,
    pub store: Store,
}

impl App {
    /// `config` is the path of `chiso.toml`; `CHISO_CONFIG` names it when no flag does.
    pub fn load(config: &Path, flags: &Overrides) -> Result<Self, ConfigError> {
        let settings = Settings::load(config, |k| std::env::var(k).ok(), flags)?;
        let registry = Registry::load(&settings.resolve(&settings.paths.units));
        let catalogue = MeasureCatalogue::load(&settings.resolve(&settings.paths.measures));
        let (registry, catalogue) = match (registry, catalogue) {
            (Ok(r), Ok(c)) => (r, c),
            (r, c) => {
                let problems = [r.err(), c.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| e.problems)
                    .collect();
                return Err(ConfigError { problems });
            }
        };
        let store = Store::new(&settings.clickhouse);
        Ok(Self {
            settings,
            registry,
            catalogue,
            store,
        })
    }

    pub fn default_config_path() -> PathBuf {
        PathBuf::from("config/chiso.toml")
    }
}
