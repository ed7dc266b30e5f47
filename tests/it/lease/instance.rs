//! Real `chiso serve` processes of one cluster: one config folder (ten
//! units reporting by file, each with a contact; alerts at the test's sink),
//! one database, one ZooKeeper root per test; signals by process id.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};

use super::SESSION_SECS;
use crate::common::smtp::SmtpSink;
use crate::common::{config_folder, http};
use chiso::store::Store;

const NEVER: &str = "0 0 0 1 1 * 2099";

/// Polls until a condition holds, at most `bound`; panics naming `what`.
pub struct Within {
    start: Instant,
    bound: Duration,
    what: &'static str,
}

impl Within {
    pub fn new(bound: Duration, what: &'static str) -> Self {
        Self {
            start: Instant::now(),
            bound,
            what,
        }
    }

    pub async fn tick(&self) {
        assert!(
            self.start.elapsed() < self.bound,
            "not within {:?}: {}",
            self.bound,
            self.what
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn units() -> String {
    (1..=10)
        .map(|i| {
            format!(
                "[[unit]]\ncode = \"{c}\"\nname = \"Tỉnh thử nghiệm {i}\"\nkind = \"province\"\n\
                 group = \"province\"\nfrom = \"2019-01-01\"\ncontacts = [\"cds.{c}@units.invalid\"]\n\
                 source = {{ type = \"file\" }}\n",
                c = format!("{:02}", i * 2)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub struct Cluster {
    /// A root of this run's own: claims of an earlier run (same keys) never
    /// count as sent.
    root: String,
    database: String,
    zookeeper: String,
    config: tempfile::TempDir,
}

impl Cluster {
    /// The test's config folder: alerts at `sink`, every unit owing a mail.
    pub fn new(test: &str, store: &Store, sink: &SmtpSink) -> Self {
        let zookeeper = std::env::var("CHISO_TEST_ZOOKEEPER").expect(
            "CHISO_TEST_ZOOKEEPER is not set: the test ZooKeeper's host:port \
             (scripts/zookeeper.sh start DIR); `make test` sets it",
        );
        let config = config_folder(&units());
        let dir = config.path();
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/mail");
        // A window of 31 days: whatever today is, every unit owes the previous
        // month's not_reported reminder (before the deadline) or escalation (after).
        let alerts = format!(
            r#"
bottom_n = 1
remind_days_before_deadline = 31
staff = ["tonghop@ministry.invalid"]
dashboard_base_url = "https://chiso.test.invalid/units"
key_indicator = "online_dossier_rate"
chart_months = 3
max_tries = 3
backoff_secs = 0
templates_dir = "{}"
chart_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
lock_file = "state/remind.lock"

[smtp]
host = "127.0.0.1"
port = {}
security = "none"
timeout_secs = 3
from = "Hệ thống chỉ số CĐS <chiso@ministry.invalid>"
"#,
            templates.display(),
            sink.port
        );
        std::fs::write(dir.join("alerts.toml"), alerts).unwrap();
        Self {
            root: format!("/chiso_it/{test}-{}", uuid::Uuid::new_v4().simple()),
            database: store.database().to_string(),
            zookeeper,
            config,
        }
    }

    /// Instances of this cluster use the ZooKeeper at `addr` instead.
    pub fn with_zookeeper(mut self, addr: &str) -> Self {
        self.zookeeper = addr.to_string();
        self
    }

    /// `chiso ARGS…` of this cluster (its config, database, ZooKeeper root),
    /// no job due; `state` holds its lock files.
    pub fn command(&self, args: &[&str], state: &Path) -> tokio::process::Command {
        let url = std::env::var("CHISO_TEST_CLICKHOUSE_URL").unwrap();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_chiso"));
        command
            .arg("--config")
            .arg(self.config.path().join("chiso.toml"))
            .args(["--clickhouse-url", &url, "--database", &self.database])
            .args(args)
            .env("CHISO_LOG", "warn,chiso=info,zookeeper_client=info")
            .env("CHISO_STATE_DIR", state)
            .env("CHISO_SCHEDULE_COLLECT", NEVER)
            .env("CHISO_SCHEDULE_COMPUTE", NEVER)
            .env("CHISO_SCHEDULE_REMIND", NEVER)
            .env("CHISO_ZOOKEEPER", &self.zookeeper)
            .env(
                "CHISO_ZOOKEEPER_SESSION_TIMEOUT_SECS",
                SESSION_SECS.to_string(),
            )
            .env("CHISO_ZOOKEEPER_ROOT", &self.root)
            .kill_on_drop(true);
        command
    }

    /// `chiso serve` with no job due unless `env` says so; returns once it listens.
    pub async fn start(&self, name: &str, env: &[(&str, &str)]) -> Instance {
        let state = tempfile::tempdir().unwrap();
        let mut command = self.command(
            &["serve", "--addr", "127.0.0.1:0", "--workers", "1"],
            state.path(),
        );
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let tag = name.to_string();
        let keep = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{tag}] {line}");
                keep.lock().unwrap().push(line);
            }
        });
        let mut lines = BufReader::new(out).lines();
        let url = loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .expect("serve started")
                .unwrap()
                .expect("serve printed its address");
            log.lock().unwrap().push(line.clone());
            if let Some(rest) = line.strip_prefix("API at ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        let keep = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                keep.lock().unwrap().push(line);
            }
        });
        Instance {
            child,
            url,
            log,
            _state: state,
        }
    }
}

pub struct Instance {
    child: tokio::process::Child,
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
    _state: tempfile::TempDir,
}

impl Instance {
    /// `X-Chiso-Role` of `/readyz` (`leader`, `follower`, `unavailable`), or `down`.
    pub async fn role(&self) -> String {
        self.probe("x-chiso-role")
            .await
            .unwrap_or_else(|| "down".into())
    }

    /// `X-Chiso-Epoch` of `/readyz`.
    pub async fn epoch(&self) -> u64 {
        self.probe("x-chiso-epoch")
            .await
            .and_then(|e| e.parse().ok())
            .unwrap_or(0)
    }

    pub async fn leads(&self) -> bool {
        self.role().await == "leader"
    }

    async fn probe(&self, header: &str) -> Option<String> {
        let response = http()
            .get(format!("{}/readyz", self.url))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        Some(response.headers().get(header)?.to_str().ok()?.to_string())
    }

    /// The status of `GET path`.
    pub async fn get(&self, path: &str) -> u16 {
        http()
            .get(format!("{}{path}", self.url))
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }

    /// Status and body of `GET path` with an account's API token.
    pub async fn get_as(&self, path: &str, token: &str) -> (u16, String) {
        let response = http()
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    fn signal(&self, signal: i32) {
        let pid = self.child.id().expect("the instance runs");
        // SAFETY: signalling the child this test spawned, by its id.
        unsafe {
            libc::kill(pid as i32, signal);
        }
    }

    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
    }

    /// SIGTERM, then waits for the process to end.
    pub async fn stop(&mut self) {
        self.signal(libc::SIGTERM);
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }

    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    /// The first line of its output (logs included) containing `text`.
    pub fn log_line(&self, text: &str) -> Option<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(text))
            .cloned()
    }
}

/// A ZooKeeper of the test's own (scripts/zookeeper.sh), to stop and start.
pub struct OwnZooKeeper {
    pub addr: String,
    dir: tempfile::TempDir,
}

fn zookeeper_script(verb: &str, dir: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/zookeeper.sh");
    let out = std::process::Command::new(script)
        .arg(verb)
        .arg(dir)
        .output()
        .expect("scripts/zookeeper.sh runs");
    assert!(
        out.status.success(),
        "zookeeper.sh {verb}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

impl OwnZooKeeper {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let addr = zookeeper_script("start", dir.path());
        Self { addr, dir }
    }

    pub fn stop(&self) {
        zookeeper_script("stop", self.dir.path());
    }

    /// Starts it again on the same port with its data.
    pub fn restart(&self) {
        let addr = zookeeper_script("start", self.dir.path());
        assert_eq!(addr, self.addr, "the same port");
    }
}

impl Drop for OwnZooKeeper {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/zookeeper.sh");
        let _ = std::process::Command::new(script)
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}
