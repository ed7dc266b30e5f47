//! chiso as the soak runs it: the real binary, as child processes. One-shot
//! `collect`, `compute` and `remind` runs that the soak may SIGKILL at a
//! moment of chance, and one long-lived `chiso serve` on a fast schedule whose
//! RSS it samples.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::process::{Child, Command};

/// How to start chiso against the soak's servers.
#[derive(Debug, Clone)]
pub struct Chiso {
    pub bin: PathBuf,
    pub config: PathBuf,
    pub url: String,
    pub database: String,
    pub source: String,
    /// CHISO_* settings of the soak (alerts file, state dir, timeouts, schedule).
    pub env: Vec<(String, String)>,
    /// Where each run's output goes.
    pub log_dir: PathBuf,
}

/// How a one-shot run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Succeeded,
    Failed(String),
    /// SIGKILLed by the soak while it ran.
    Killed,
    /// Still running at the soak's bound: a hang; killed.
    Hung,
}

/// A finished run: how it ended, its standard output.
#[derive(Debug, Clone)]
pub struct Run {
    pub ended: Ended,
    pub stdout: String,
}

impl Chiso {
    fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--config")
            .arg(&self.config)
            .arg("--clickhouse-url")
            .arg(&self.url)
            .arg("--database")
            .arg(&self.database)
            .arg("--source-override")
            .arg(&self.source)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Runs `chiso ARGS` to its end, or SIGKILLs it after `kill_after`, or
    /// after `bound` (a hang). Its output goes to `{log_dir}/{name}.out`.
    pub async fn run(
        &self,
        name: &str,
        args: &[String],
        kill_after: Option<Duration>,
        bound: Duration,
    ) -> anyhow::Result<Run> {
        let out_path = self.log_dir.join(format!("{name}.out"));
        let out = std::fs::File::create(&out_path)
            .with_context(|| format!("cannot write {}", out_path.display()))?;
        let err = out.try_clone()?;
        let mut child = self
            .command(args)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .with_context(|| format!("cannot start {}", self.bin.display()))?;
        let kill_at = kill_after.unwrap_or(bound).min(bound);
        let ended = tokio::select! {
            status = child.wait() => {
                let status = status?;
                if status.success() {
                    Ended::Succeeded
                } else {
                    Ended::Failed(last_line(&out_path))
                }
            }
            _ = tokio::time::sleep(kill_at) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                if kill_after.is_some_and(|k| k < bound) { Ended::Killed } else { Ended::Hung }
            }
        };
        Ok(Run {
            ended,
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        })
    }

    /// `chiso serve` on a free loopback port, its output in `{log_dir}/serve.log`.
    pub fn serve(&self) -> anyhow::Result<Child> {
        let path = self.log_dir.join("serve.log");
        let log = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let err = log.try_clone()?;
        self.command(&["serve".into(), "--addr".into(), "127.0.0.1:0".into()])
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .with_context(|| format!("cannot start {} serve", self.bin.display()))
    }
}

/// Why a run failed: its last line saying so, else its last line.
fn last_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let telling = |l: &&&str| {
        let l = l.to_lowercase();
        l.contains("error") || l.contains("failed")
    };
    lines
        .iter()
        .rev()
        .find(telling)
        .or(lines.last())
        .map(|l| l.chars().take(300).collect())
        .unwrap_or_default()
}

/// The resident set of process `pid` in KiB (Linux `/proc`), if it runs.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The chiso binary beside this one (target/{profile}/chiso), also from a
/// test binary in target/{profile}/deps.
pub fn find_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("cannot find this executable")?;
    let mut dir = me.parent();
    while let Some(d) = dir {
        let candidate = d.join("chiso");
        if candidate.is_file() {
            return Ok(candidate);
        }
        if d.file_name().is_some_and(|n| n == "target") {
            break;
        }
        dir = d.parent();
    }
    anyhow::bail!(
        "no chiso binary beside {}; build it first (cargo build --bin chiso, or --release)",
        me.display()
    )
}
