//! `chiso.toml`: where ClickHouse is, how collectors behave, when jobs run.
//!
//! Precedence: file < environment (`CHISO_*`) < command-line flags (`Overrides`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

mod checks;
mod env;
mod probe;

pub use probe::ProbeSettings;

use super::{read_toml, ConfigError, Problems};
use env::ENV_KEYS;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickHouseSettings {
    /// HTTP interface, e.g. `http://127.0.0.1:8123`; several servers (the
    /// replicas of a cluster) separated by commas, tried in turn when one
    /// cannot be connected to (`urls()`).
    pub url: String,
    pub user: String,
    /// Better given as `CHISO_CLICKHOUSE_PASSWORD` than written here.
    #[serde(default)]
    pub password: String,
    pub database: String,
    pub timeout_secs: u64,
    /// The ClickHouse user `POST /api/v1/sql` runs analysts' queries as:
    /// `readonly=1`, only `database` readable, limits in its profile
    /// (`scripts/clickhouse.sh analyst-user`, docs/security.md (the analyst path)).
    /// Empty: the endpoint answers 503; it never falls back to `user`.
    #[serde(default)]
    pub analyst_user: String,
    /// Better given as `CHISO_CLICKHOUSE_ANALYST_PASSWORD`.
    #[serde(default)]
    pub analyst_password: String,
    /// Cluster mode (docs/deploy.md): the name of the cluster in the servers'
    /// `remote_servers`; tables are created `ON CLUSTER` as Replicated*MergeTree.
    /// Empty: one server, everything as before.
    #[serde(default)]
    pub cluster: String,
    /// Cluster mode: how many replicas must hold a write that a promise rests
    /// on (ledger, batch records, results, freezes, accounts) before it counts.
    #[serde(default = "default_insert_quorum")]
    pub insert_quorum: u64,
}

fn default_insert_quorum() -> u64 {
    2
}

impl ClickHouseSettings {
    /// The servers of `url`, in the order they are tried.
    pub fn urls(&self) -> Vec<&str> {
        self.url
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorSettings {
    /// Units pulled at the same time.
    pub concurrency: usize,
    /// Per request, connection included.
    pub timeout_secs: u64,
    /// Extra tries after the first, on timeouts, connection errors and 5xx.
    pub retries: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// When set, every unit's source is `{source_override}/{unit code}`: the simulator.
    /// Its sources may then be on loopback or private addresses.
    #[serde(default)]
    pub source_override: Option<String>,
    /// Largest body read for one unit-month, all its pages together; a
    /// response passing it is refused, unread past it.
    pub max_body_bytes: u64,
    /// Most pages one unit-month may take; an endless cursor stops here.
    pub max_pages: usize,
    /// Overall bound on one unit-month: all pages, retries and backoff.
    pub unit_month_deadline_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// IANA zone the cron expressions are read in.
    pub timezone: String,
    /// Cron expressions (sec min hour day month weekday [year]), weekdays by name.
    pub collect: String,
    pub compute: String,
    pub remind: String,
    /// Where the per-job lock files live, so a job never runs twice at once even
    /// across processes; relative paths are read from the folder of `chiso.toml`.
    pub state_dir: PathBuf,
    /// A run past its deadline is stopped and recorded `timed_out`, then retried
    /// after a backoff; a stuck unit or mail server cannot hold its job forever.
    pub collect_deadline_secs: u64,
    pub compute_deadline_secs: u64,
    /// Also the whole-run deadline of `chiso remind`: no mail is started that
    /// could not end (smtp.timeout_secs) before it.
    pub remind_deadline_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeSettings {
    /// A month's report is on time when stored by this day of the next month
    /// (end of day, in `schedule.timezone`).
    pub deadline_day: u32,
    /// `calendar` or `cut_off_676` (Decision 676/QĐ-BKHCN reporting quarters).
    pub quarter_calendar: crate::domain::QuarterCalendar,
    /// A month-over-month change is flagged for review only when it is both
    /// unusual among the units' changes and at least this large, in the
    /// indicator's unit (percentage points for rates)…
    #[serde(default = "default_outlier_min_points")]
    pub outlier_min_points: f64,
    /// …and at least this share of the month before's value (0.1 = 10 %).
    #[serde(default = "default_outlier_min_relative")]
    pub outlier_min_relative: f64,
    /// A service declared fully online with no online dossier in each of this
    /// many reported months is flagged (services page, quality page, digest).
    #[serde(default = "default_unused_full_online_months")]
    pub unused_full_online_months: u32,
}

fn default_unused_full_online_months() -> u32 {
    3
}

fn default_outlier_min_points() -> f64 {
    5.0
}

fn default_outlier_min_relative() -> f64 {
    0.1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathSettings {
    /// Relative paths are read from the folder of `chiso.toml`.
    pub units: PathBuf,
    pub measures: PathBuf,
    pub indicators: PathBuf,
    pub simulator: PathBuf,
    /// Reminder rules, ledger policy and SMTP (`alerts.toml`).
    #[serde(default = "default_alerts")]
    pub alerts: PathBuf,
    /// The folder of dashboard definitions (`dashboards/*.toml`).
    #[serde(default = "default_dashboards")]
    pub dashboards: PathBuf,
    /// The service plans' deadline and reasons (`plans.toml`, docs/plans.md).
    #[serde(default = "default_plans")]
    pub plans: PathBuf,
}

fn default_plans() -> PathBuf {
    PathBuf::from("plans.toml")
}

fn default_alerts() -> PathBuf {
    PathBuf::from("alerts.toml")
}

fn default_dashboards() -> PathBuf {
    PathBuf::from("../dashboards")
}

/// When session cookies carry `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecureCookies {
    /// When the request came over TLS or with `X-Forwarded-Proto: https`.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// `auto`, `always` or `never`.
    pub secure_cookies: SecureCookies,
    /// How long a login lasts.
    pub session_hours: u64,
    /// How long a new API token lasts.
    pub token_days: u64,
    /// Limits of `POST /api/v1/sql` chiso enforces on what it relays (the
    /// query is killed past them); the server's are in the analyst user's profile.
    pub sql_max_execution_time_secs: u64,
    pub sql_max_result_rows: u64,
    pub sql_max_result_bytes: u64,
    /// Analyst queries this process runs at once, all accounts together
    /// (the others wait, up to `sql_max_execution_time_secs`); 0: half the
    /// cores, at least one, so analysts never take the whole machine from
    /// the public pages (`make bench`, part 4).
    pub sql_max_concurrent: u64,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            secure_cookies: SecureCookies::Auto,
            session_hours: 12,
            token_days: 90,
            sql_max_execution_time_secs: 30,
            sql_max_result_rows: 100_000,
            sql_max_result_bytes: 50_000_000,
            sql_max_concurrent: 0,
        }
    }
}

/// `[coordination]`: one leader across hosts (docs/leader.md). Without
/// `zookeeper`, chiso runs in single-host mode: per-host `flock`s keep jobs
/// and remind runs from overlapping, as before.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoordinationSettings {
    /// ZooKeeper ensemble, `host:port,host:port` (the one ClickHouse uses);
    /// empty: single-host mode.
    pub zookeeper: String,
    /// The lease's session: a leader that stops answering loses its lease
    /// (and another instance takes the jobs) after this long.
    pub session_timeout_secs: u64,
    /// chiso's nodes live under this path (election, epoch, ledger claims).
    pub root: String,
}

impl Default for CoordinationSettings {
    fn default() -> Self {
        Self {
            zookeeper: String::new(),
            session_timeout_secs: 10,
            root: "/chiso".into(),
        }
    }
}

impl CoordinationSettings {
    /// True when a ZooKeeper ensemble is configured.
    pub fn is_cluster(&self) -> bool {
        !self.zookeeper.trim().is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub clickhouse: ClickHouseSettings,
    pub collector: CollectorSettings,
    pub schedule: ScheduleSettings,
    pub compute: ComputeSettings,
    pub paths: PathSettings,
    /// Sessions and the analyst SQL endpoint; defaults when the section is absent.
    #[serde(default)]
    pub web: WebSettings,
    /// The scheduler's lease in ZooKeeper; single-host mode when absent.
    #[serde(default)]
    pub coordination: CoordinationSettings,
    /// The portal probe job; its defaults when the section is absent.
    #[serde(default)]
    pub probe: ProbeSettings,
    /// The file these settings came from.
    #[serde(skip)]
    pub file: PathBuf,
}

/// Values given on the command line; they win over file and environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub clickhouse_url: Option<String>,
    pub database: Option<String>,
    pub source_override: Option<String>,
}

impl Settings {
    /// Loads `path`, applies the environment (`env` looks a variable up) and the flags.
    pub fn load(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut s: Settings = read_toml(path)?;
        s.file = path.to_path_buf();
        let mut problems = Problems::new(path);
        for (var, key) in ENV_KEYS {
            if let Some(value) = env(var) {
                s.set(key, &value, var, &mut problems);
            }
        }
        let flag_values = [
            ("clickhouse.url", &flags.clickhouse_url),
            ("clickhouse.database", &flags.database),
            ("collector.source_override", &flags.source_override),
        ];
        for (key, value) in flag_values {
            if let Some(v) = value {
                s.set(key, v, "command line", &mut problems);
            }
        }
        s.validate(&mut problems);
        problems.into_result(s)
    }

    /// A path from `[paths]`, resolved against the folder of `chiso.toml`.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.file.parent() {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::checks::check_cron;
    use super::*;

    fn shipped() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/chiso.toml")
    }

    #[test]
    fn shipped_settings_load() {
        let s = Settings::load(&shipped(), |_| None, &Overrides::default()).unwrap();
        assert_eq!(s.clickhouse.database, "chiso");
        assert_eq!(s.schedule.timezone, "Asia/Ho_Chi_Minh");
        assert!(s.resolve(&s.paths.units).ends_with("config/units.toml"));
    }

    #[test]
    fn environment_beats_file_and_flags_beat_environment() {
        let env = |k: &str| match k {
            "CHISO_CLICKHOUSE_URL" => Some("http://env:1".to_string()),
            "CHISO_CLICKHOUSE_DATABASE" => Some("from_env".to_string()),
            "CHISO_COLLECT_RETRIES" => Some("7".to_string()),
            _ => None,
        };
        let flags = Overrides {
            clickhouse_url: Some("http://flag:2".into()),
            ..Default::default()
        };
        let s = Settings::load(&shipped(), env, &flags).unwrap();
        assert_eq!(s.clickhouse.url, "http://flag:2");
        assert_eq!(s.clickhouse.database, "from_env");
        assert_eq!(s.collector.retries, 7);
    }

    #[test]
    fn bad_environment_value_names_the_key_and_variable() {
        let env = |k: &str| (k == "CHISO_COLLECT_TIMEOUT_SECS").then(|| "soon".to_string());
        let err = Settings::load(&shipped(), env, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("collector.timeout_secs"), "{err}");
        assert!(err.contains("CHISO_COLLECT_TIMEOUT_SECS"), "{err}");
        assert!(err.contains("chiso.toml"), "{err}");
    }

    #[test]
    fn missing_key_names_the_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chiso.toml");
        let text = std::fs::read_to_string(shipped())
            .unwrap()
            .replace("database = \"chiso\"", "");
        std::fs::write(&path, text).unwrap();
        let err = Settings::load(&path, |_| None, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("database"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
    }

    #[test]
    fn a_bad_cron_expression_stops_start_up_naming_the_key() {
        let env = |k: &str| match k {
            "CHISO_SCHEDULE_COLLECT" => Some("0 0 25 * * *".to_string()),
            "CHISO_SCHEDULE_REMIND" => Some("0 0 9 * * 1".to_string()),
            "CHISO_SCHEDULE_COMPUTE" => Some("0 30 2 * *".to_string()),
            _ => None,
        };
        let err = Settings::load(&shipped(), env, &Overrides::default()).unwrap_err();
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["schedule.collect", "schedule.compute", "schedule.remind"],
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("'0 0 25 * * *' is not a cron expression"),
            "{text}"
        );
        assert!(text.contains("weekdays by name"), "{text}");
    }

    #[test]
    fn weekday_names_and_a_year_field_are_accepted() {
        assert_eq!(check_cron("0 0 9 * * Mon-Fri"), Ok(()));
        assert_eq!(check_cron("0 0 9 6 * * 2026"), Ok(()));
    }

    #[test]
    fn the_state_dir_resolves_against_the_config_folder_and_follows_the_environment() {
        let s = Settings::load(&shipped(), |_| None, &Overrides::default()).unwrap();
        assert!(s
            .resolve(&s.schedule.state_dir)
            .ends_with("config/../var/state"));
        let env = |k: &str| (k == "CHISO_STATE_DIR").then(|| "/srv/chiso/state".to_string());
        let s = Settings::load(&shipped(), env, &Overrides::default()).unwrap();
        assert_eq!(
            s.resolve(&s.schedule.state_dir),
            PathBuf::from("/srv/chiso/state")
        );
    }

    #[test]
    fn coordination_is_single_host_unless_an_ensemble_is_named() {
        let s = Settings::load(&shipped(), |_| None, &Overrides::default()).unwrap();
        assert!(!s.coordination.is_cluster());
        assert_eq!(s.coordination.root, "/chiso");
        let env = |k: &str| match k {
            "CHISO_ZOOKEEPER" => Some("zk1:2181,zk2:2181".to_string()),
            "CHISO_ZOOKEEPER_SESSION_TIMEOUT_SECS" => Some("6".to_string()),
            _ => None,
        };
        let s = Settings::load(&shipped(), env, &Overrides::default()).unwrap();
        assert!(s.coordination.is_cluster());
        assert_eq!(s.coordination.session_timeout_secs, 6);
        let bad = |k: &str| match k {
            "CHISO_ZOOKEEPER" => Some("zk1".to_string()),
            "CHISO_ZOOKEEPER_SESSION_TIMEOUT_SECS" => Some("0".to_string()),
            "CHISO_ZOOKEEPER_ROOT" => Some("chiso/".to_string()),
            _ => None,
        };
        let err = Settings::load(&shipped(), bad, &Overrides::default()).unwrap_err();
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "coordination.session_timeout_secs",
                "coordination.root",
                "coordination.zookeeper"
            ],
            "{err}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let env = |k: &str| match k {
            "CHISO_CLICKHOUSE_URL" => Some("ftp://x".to_string()),
            "CHISO_TIMEZONE" => Some("Mars/Olympus".to_string()),
            _ => None,
        };
        let err = Settings::load(&shipped(), env, &Overrides::default()).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
    }

    #[test]
    fn several_clickhouse_servers_and_a_cluster_come_from_the_environment() {
        let env = |k: &str| match k {
            "CHISO_CLICKHOUSE_URL" => Some("http://a:8123, http://b:8123".to_string()),
            "CHISO_CLICKHOUSE_CLUSTER" => Some("chiso".to_string()),
            "CHISO_CLICKHOUSE_INSERT_QUORUM" => Some("3".to_string()),
            _ => None,
        };
        let s = Settings::load(&shipped(), env, &Overrides::default()).unwrap();
        assert_eq!(s.clickhouse.urls(), ["http://a:8123", "http://b:8123"]);
        assert_eq!(s.clickhouse.cluster, "chiso");
        assert_eq!(s.clickhouse.insert_quorum, 3);
    }

    #[test]
    fn each_bad_server_url_and_a_bad_cluster_name_are_named() {
        let env = |k: &str| match k {
            "CHISO_CLICKHOUSE_URL" => Some("http://a:8123,ftp://b".to_string()),
            "CHISO_CLICKHOUSE_CLUSTER" => Some("chiso; DROP".to_string()),
            _ => None,
        };
        let err = Settings::load(&shipped(), env, &Overrides::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("'ftp://b' must start with http://"), "{text}");
        assert!(text.contains("clickhouse.cluster"), "{text}");
        assert_eq!(err.problems.len(), 2, "{err}");
    }
}
