//! The unit simulator (`chiso simulate`): the source API of every unit under one
//! base URL, with deterministic, plausible data and per-unit fault modes. The
//! demo and the tests drive all units through it.

mod data;
mod faults;
mod portal;
mod server;

use std::path::Path;

use serde::Deserialize;

pub use data::{generate, seed_of, submission_time};
pub use faults::{Fault, FaultMode, Faults};
pub use portal::{
    PortalCertificates, PortalError, PortalMode, SimulatedPortal, EXPIRED_DAYS_AGO, VALID_DAYS_LEFT,
};
pub use server::{serve, SimulatorHandle, REDIRECT_BODY, SECRET_BODY};

use crate::config::{load_toml as read_toml, ConfigError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    pub seed: u64,
    /// Services per page; larger units are paginated with a cursor.
    pub page_size: usize,
    /// How long a `slow` unit stalls.
    pub slow_delay_ms: u64,
    #[serde(default)]
    pub fault: Vec<Fault>,
}

impl SimulatorConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        read_toml(path)
    }
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            seed: 2019,
            page_size: 500,
            slow_delay_ms: 30_000,
            fault: Vec::new(),
        }
    }
}
