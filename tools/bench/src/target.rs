//! Where the bench runs: the throwaway ClickHouse `scripts/bench.sh` started,
//! the shipped configuration over one of its databases.

use std::path::PathBuf;

use chiso::app::App;
use chiso::config::Overrides;

/// Where the bench runs: the throwaway ClickHouse `scripts/bench.sh` started.
#[derive(Debug, Clone)]
pub struct Target {
    /// `config/chiso.toml`.
    pub config: PathBuf,
    pub clickhouse_url: String,
    /// The server's directory, for `scripts/clickhouse.sh client DIR`.
    pub clickhouse_dir: PathBuf,
    /// `scripts/clickhouse.sh`.
    pub clickhouse_script: PathBuf,
    /// Where the bench writes its files (target/bench): the web server's log.
    pub log_dir: PathBuf,
    /// chiso settings by environment name (`CHISO_CLICKHOUSE_CLUSTER`, the
    /// analyst user…) over the process's own: given to the Apps the bench
    /// loads and to the servers it starts.
    pub env: Vec<(String, String)>,
}

impl Target {
    /// A target reached over HTTP only: no `clickhouse-client`, so the parts
    /// that wait on merges or run baselines through it cannot use it.
    pub fn http_only(config: PathBuf, clickhouse_url: String) -> Self {
        Self {
            config,
            clickhouse_url,
            clickhouse_dir: PathBuf::new(),
            clickhouse_script: PathBuf::new(),
            log_dir: PathBuf::new(),
            env: Vec::new(),
        }
    }

    /// This target with `key` set to `value` in its chiso environment.
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The shipped configuration over `database` of the bench's ClickHouse.
    pub fn app(&self, database: &str) -> anyhow::Result<App> {
        let flags = Overrides {
            clickhouse_url: Some(self.clickhouse_url.clone()),
            database: Some(database.to_string()),
            source_override: None,
        };
        let env = |key: &str| {
            self.env
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var(key).ok())
        };
        Ok(App::load_with_env(&self.config, &flags, env)?)
    }

    /// A fresh, migrated `database`.
    pub async fn fresh_app(&self, database: &str) -> anyhow::Result<App> {
        let app = self.app(database)?;
        app.store.drop_database().await?;
        app.store.migrate().await?;
        Ok(app)
    }

    /// `clickhouse-client` on the bench's server (native port), with `args`.
    pub fn client(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.clickhouse_script);
        cmd.arg("client").arg(&self.clickhouse_dir).args(args);
        cmd
    }
}
