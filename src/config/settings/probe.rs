//! `[probe]` of `chiso.toml`: the portal probe job (issue 15 §4, docs/probes.md).

use std::path::PathBuf;

use serde::Deserialize;

use super::checks::check_cron;
use crate::config::Problems;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeSettings {
    /// Cron expression (sec min hour day month weekday [year]) in `schedule.timezone`.
    pub schedule: String,
    /// A run past this is stopped and recorded `timed_out`.
    pub deadline_secs: u64,
    /// Portals probed at the same time.
    pub concurrency: usize,
    /// Per probe, connection and TLS handshake included: past it the portal is down.
    pub timeout_secs: u64,
    /// Redirects followed on the portal's own host (and scheme); one to another
    /// host is never followed and the probe fails.
    pub max_redirects: usize,
    /// A PEM file of extra roots trusted besides the public ones (the
    /// simulated portals' test CA); relative to the folder of `chiso.toml`.
    /// Verification is never turned off.
    pub extra_root_certificate: Option<PathBuf>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        Self {
            schedule: "0 */15 * * * *".into(),
            deadline_secs: 600,
            concurrency: 8,
            timeout_secs: 10,
            max_redirects: 3,
            extra_root_certificate: None,
        }
    }
}

impl ProbeSettings {
    pub(super) fn check(&self, p: &mut Problems) {
        if let Err(message) = check_cron(&self.schedule) {
            p.add("probe.schedule", message);
        }
        for (key, value) in [
            ("probe.deadline_secs", self.deadline_secs),
            ("probe.concurrency", self.concurrency as u64),
            ("probe.timeout_secs", self.timeout_secs),
        ] {
            if value == 0 {
                p.add(key, "must be at least 1");
            }
        }
        if self.max_redirects > 10 {
            p.add("probe.max_redirects", "must be at most 10");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::config::{Overrides, Settings};

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/chiso.toml")
    }

    #[test]
    fn the_shipped_probe_runs_every_quarter_hour_and_a_bad_one_is_named() {
        let s = Settings::load(&shipped(), |_| None, &Overrides::default()).unwrap();
        assert_eq!(s.probe.schedule, "0 */15 * * * *");
        assert_eq!(s.probe.extra_root_certificate, None);
        let env = |k: &str| match k {
            "CHISO_SCHEDULE_PROBE" => Some("every minute".to_string()),
            "CHISO_PROBE_EXTRA_ROOT" => Some("ca.pem".to_string()),
            _ => None,
        };
        let err = Settings::load(&shipped(), env, &Overrides::default()).unwrap_err();
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["probe.schedule"], "{err}");
    }
}
