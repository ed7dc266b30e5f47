//! `alerts.toml`: who gets which reminder (issue 4), the ledger's retry policy,
//! the mail templates and chart font, and the SMTP server. Credentials never
//! live in the file: it names the environment variables that hold them.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::message::Mailbox;
use lettre::Address;
use serde::Deserialize;

use super::{read_toml, ConfigError, IndicatorCatalogue, Problems, Registry};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain text: only for a relay on loopback (and the tests).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    port: u16,
    security: SmtpSecurity,
    timeout_secs: u64,
    from: String,
    #[serde(default)]
    username_env: Option<String>,
    #[serde(default)]
    password_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    bottom_n: u32,
    #[serde(default)]
    lagging_score_drop_points: f64,
    remind_days_before_deadline: u32,
    #[serde(default)]
    remind_repeat_days: u32,
    #[serde(default)]
    remind_max_repeats: u32,
    staff: Vec<String>,
    dashboard_base_url: String,
    key_indicator: String,
    max_tries: u16,
    backoff_secs: u64,
    #[serde(default = "default_chart_months")]
    chart_months: u32,
    templates_dir: PathBuf,
    chart_font: PathBuf,
    lock_file: PathBuf,
    #[serde(default = "default_portal_down_threshold_pct")]
    portal_down_threshold_pct: f64,
    #[serde(default = "default_cert_warn_days")]
    cert_warn_days: i32,
    smtp: RawSmtp,
}

fn default_portal_down_threshold_pct() -> f64 {
    5.0
}

fn default_cert_warn_days() -> i32 {
    45
}

fn default_chart_months() -> u32 {
    12
}

/// The SMTP server mails go to.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub timeout_secs: u64,
    pub from: Mailbox,
    /// Names of the environment variables holding the credentials; none = no AUTH.
    pub username_env: Option<String>,
    pub password_env: Option<String>,
}

/// `alerts.toml`, validated; paths resolved against the file's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSettings {
    /// A ranked unit among the last `bottom_n` of its group gets the lagging
    /// alert (0: this criterion is off).
    pub bottom_n: u32,
    /// A unit whose composite score fell by at least this many points from
    /// the month before gets the lagging alert (0: off).
    pub lagging_score_drop_points: f64,
    /// The not-reported reminder is due this many days before the deadline.
    pub remind_days_before_deadline: u32,
    /// The not-reported reminder goes again every this many days while the
    /// unit is still missing (0: never again)…
    pub remind_repeat_days: u32,
    /// …at most this many times after the first.
    pub remind_max_repeats: u32,
    /// The ministry's staff list: the digest, and a copy of every escalation.
    pub staff: Vec<Address>,
    /// Mails link to `{dashboard_base_url}/{unit code}`.
    pub dashboard_base_url: String,
    /// The indicator charted in the mail.
    pub key_indicator: String,
    /// Tries of one mail before it is marked failed.
    pub max_tries: u16,
    /// Wait after the first failed try, doubled after each further one.
    pub backoff_secs: u64,
    /// Months shown in the chart, ending with the reminded month.
    pub chart_months: u32,
    pub templates_dir: PathBuf,
    pub chart_font: PathBuf,
    /// Held (flock) for the whole of a remind run: two runs never overlap.
    pub lock_file: PathBuf,
    /// A portal failing more than this share (percent) of the month's probes
    /// gets the portal-down reminder (issue 15 §4, docs/probes.md).
    pub portal_down_threshold_pct: f64,
    /// A portal whose certificate had this many days left or fewer in the
    /// month (or had expired) gets the certificate reminder.
    pub cert_warn_days: i32,
    pub smtp: SmtpSettings,
}

impl AlertSettings {
    /// Loads `path`, checking the key indicator against the catalogue and every
    /// contact of the registry as a mail address (problems name the unit).
    pub fn load(
        path: &Path,
        indicators: &IndicatorCatalogue,
        registry: &Registry,
    ) -> Result<Self, ConfigError> {
        let raw: RawAlerts = read_toml(path)?;
        let mut p = Problems::new(path);
        let resolve = |f: &Path| match path.parent() {
            Some(dir) if f.is_relative() => dir.join(f),
            _ => f.to_path_buf(),
        };
        let mut staff = Vec::new();
        for (i, s) in raw.staff.iter().enumerate() {
            match Address::from_str(s) {
                Ok(a) => staff.push(a),
                Err(e) => p.add(
                    format!("staff[{i}]"),
                    format!("'{s}' is not a mail address: {e}"),
                ),
            }
        }
        if staff.is_empty() && raw.staff.is_empty() {
            p.add(
                "staff",
                "name at least one address: the digest and escalations go there",
            );
        }
        if indicators.get(&raw.key_indicator).is_none() {
            p.add(
                "key_indicator",
                format!("'{}' is not in the indicator catalogue", raw.key_indicator),
            );
        }
        if !(raw.dashboard_base_url.starts_with("http://")
            || raw.dashboard_base_url.starts_with("https://"))
        {
            p.add(
                "dashboard_base_url",
                format!(
                    "'{}' must start with http:// or https://",
                    raw.dashboard_base_url
                ),
            );
        }
        if !(raw.lagging_score_drop_points >= 0.0 && raw.lagging_score_drop_points.is_finite()) {
            p.add(
                "lagging_score_drop_points",
                format!(
                    "{} must be 0 (off) or a positive number of points",
                    raw.lagging_score_drop_points
                ),
            );
        }
        check_repeats(&raw, &mut p);
        if !(0.0..100.0).contains(&raw.portal_down_threshold_pct) {
            p.add(
                "portal_down_threshold_pct",
                format!(
                    "{} must be a percent from 0 up to (not including) 100",
                    raw.portal_down_threshold_pct
                ),
            );
        }
        if !(0..=365).contains(&raw.cert_warn_days) {
            p.add(
                "cert_warn_days",
                format!("{} must be from 0 to 365 days", raw.cert_warn_days),
            );
        }
        if raw.max_tries == 0 {
            p.add("max_tries", "must be at least 1");
        }
        if !(1..=60).contains(&raw.chart_months) {
            p.add(
                "chart_months",
                format!("{} is not within 1..=60", raw.chart_months),
            );
        }
        let smtp = &raw.smtp;
        if smtp.host.trim().is_empty() {
            p.add("smtp.host", "is empty");
        }
        if smtp.port == 0 {
            p.add("smtp.port", "must not be 0");
        }
        if smtp.timeout_secs == 0 {
            p.add("smtp.timeout_secs", "must be at least 1");
        }
        if smtp.username_env.is_some() != smtp.password_env.is_some() {
            p.add(
                "smtp.username_env",
                "give both username_env and password_env, or neither",
            );
        }
        let from = Mailbox::from_str(&smtp.from)
            .map_err(|e| {
                p.add(
                    "smtp.from",
                    format!("'{}' is not a mailbox: {e}", smtp.from),
                )
            })
            .ok();
        check_contacts(registry, &mut p);
        let settings = from.map(|from| Self {
            bottom_n: raw.bottom_n,
            lagging_score_drop_points: raw.lagging_score_drop_points,
            remind_days_before_deadline: raw.remind_days_before_deadline,
            remind_repeat_days: raw.remind_repeat_days,
            remind_max_repeats: raw.remind_max_repeats,
            staff,
            dashboard_base_url: raw.dashboard_base_url.trim_end_matches('/').to_string(),
            key_indicator: raw.key_indicator,
            max_tries: raw.max_tries,
            backoff_secs: raw.backoff_secs,
            chart_months: raw.chart_months,
            templates_dir: resolve(&raw.templates_dir),
            chart_font: resolve(&raw.chart_font),
            lock_file: resolve(&raw.lock_file),
            portal_down_threshold_pct: raw.portal_down_threshold_pct,
            cert_warn_days: raw.cert_warn_days,
            smtp: SmtpSettings {
                host: raw.smtp.host,
                port: raw.smtp.port,
                security: raw.smtp.security,
                timeout_secs: raw.smtp.timeout_secs,
                from,
                username_env: raw.smtp.username_env,
                password_env: raw.smtp.password_env,
            },
        });
        match settings {
            Some(s) => p.into_result(s),
            None => Err(p
                .into_result(())
                .err()
                .unwrap_or(ConfigError { problems: vec![] })),
        }
    }
}

/// Repeats need a spacing, and every round must open inside the reminder
/// window (from `remind_days_before_deadline` days before the deadline to it).
fn check_repeats(raw: &RawAlerts, p: &mut Problems) {
    if raw.remind_max_repeats > 0 && raw.remind_repeat_days == 0 {
        p.add(
            "remind_repeat_days",
            "must be at least 1 when remind_max_repeats is above 0",
        );
    }
    let last = u64::from(raw.remind_repeat_days) * u64::from(raw.remind_max_repeats);
    if last > u64::from(raw.remind_days_before_deadline) {
        p.add(
            "remind_max_repeats",
            format!(
                "{} repeats every {} days end {last} days after the window opens, past the deadline ({} days after); lower one of them or widen remind_days_before_deadline",
                raw.remind_max_repeats, raw.remind_repeat_days, raw.remind_days_before_deadline
            ),
        );
    }
}

/// Every contact must parse as the address SMTP will be given; the registry's
/// own check is looser. The problem names the unit.
fn check_contacts(registry: &Registry, p: &mut Problems) {
    for u in registry.all() {
        for (k, c) in u.contacts.iter().enumerate() {
            if let Err(e) = Address::from_str(c) {
                p.add(
                    format!("unit {} ({}): contacts[{k}]", u.code, u.name),
                    format!("'{c}' in the unit registry is not a mail address: {e}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MeasureCatalogue;

    fn shipped() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    fn catalogue_and_registry() -> (IndicatorCatalogue, Registry) {
        let measures = MeasureCatalogue::load(&shipped().join("measures.toml")).unwrap();
        let indicators =
            IndicatorCatalogue::load(&shipped().join("indicators.toml"), &measures).unwrap();
        (
            indicators,
            Registry::load(&shipped().join("units.toml")).unwrap(),
        )
    }

    #[test]
    fn the_shipped_alerts_load_with_paths_resolved() {
        let (i, r) = catalogue_and_registry();
        let a = AlertSettings::load(&shipped().join("alerts.toml"), &i, &r).unwrap();
        assert!(a.templates_dir.join("lagging.html").is_file(), "{a:?}");
        assert_eq!(a.smtp.security, SmtpSecurity::Starttls);
        assert!(!a.staff.is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_key() {
        let (i, r) = catalogue_and_registry();
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(shipped().join("alerts.toml"))
            .unwrap()
            .replace(
                "key_indicator = \"online_dossier_rate\"",
                "key_indicator = \"nope\"",
            )
            .replace("max_tries = 5", "max_tries = 0")
            .replace("remind_max_repeats = 1", "remind_max_repeats = 4");
        let text = text.replacen("staff = [", "staff = [\"not an address\", ", 1);
        let path = dir.path().join("alerts.toml");
        std::fs::write(&path, text).unwrap();
        let e = AlertSettings::load(&path, &i, &r).unwrap_err().to_string();
        for needle in [
            "key_indicator: 'nope'",
            "max_tries: must",
            "staff[0]: 'not an address'",
            "remind_max_repeats: 4 repeats every 2 days",
        ] {
            assert!(e.contains(needle), "{needle} in {e}");
        }
    }

    #[test]
    fn an_invalid_contact_in_the_registry_names_the_unit() {
        let (i, _) = catalogue_and_registry();
        let mut units = Registry::load(&shipped().join("units.toml"))
            .unwrap()
            .all()
            .to_vec();
        // Passes the registry's loose check, not an SMTP address parser.
        units[0].contacts = vec!["chi..so@units.invalid".into()];
        let r = Registry::build(Path::new("units.toml"), units);
        let e = match r {
            Ok(r) => AlertSettings::load(&shipped().join("alerts.toml"), &i, &r)
                .unwrap_err()
                .to_string(),
            Err(e) => e.to_string(),
        };
        assert!(e.contains("unit") && e.contains("01"), "{e}");
    }
}
