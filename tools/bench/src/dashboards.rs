//! Dashboards: the real web server (release, its own process) over the bench
//! database, loaded by `wrk` (another process) on the national ranking of a
//! frozen period (public), unit pages and the indicator page (ministry and
//! unit-staff tokens), with the server's peak resident memory read from /proc.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::machine::peak_rss;
use crate::stats::Spread;
use crate::wrk::{parse, WrkResult};
use crate::Target;

#[derive(Debug, Clone)]
pub struct Load {
    pub connections: u32,
    pub duration_secs: u32,
    pub threads: u32,
}

/// A page to load: its name in the report, its path, the bearer token sent.
#[derive(Debug, Clone)]
pub struct Page {
    pub name: &'static str,
    pub path: String,
    pub token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PageFigures {
    pub name: &'static str,
    pub path: String,
    /// The status of one request before the load: 200 or the figures mean nothing.
    pub status: u16,
    /// One `wrk` per run.
    pub runs: Vec<WrkResult>,
}

impl PageFigures {
    pub fn rate(&self) -> Option<Spread> {
        Spread::of(self.runs.iter().map(|w| w.requests_per_sec))
    }
    /// p99 in milliseconds.
    pub fn p99_ms(&self) -> Option<Spread> {
        Spread::of(self.runs.iter().map(|w| w.p99.as_secs_f64() * 1000.0))
    }
    pub fn p50_ms(&self) -> Option<Spread> {
        Spread::of(self.runs.iter().map(|w| w.p50.as_secs_f64() * 1000.0))
    }
}

#[derive(Debug, Clone)]
pub struct DashboardFigures {
    pub pages: Vec<PageFigures>,
    pub peak_rss: Option<u64>,
    pub workers: usize,
}

/// The server: `chiso-bench serve` of this executable, on a free port.
pub struct Server {
    child: tokio::process::Child,
    pub url: String,
    pub pid: u32,
}

impl Server {
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// `chiso-bench serve` over `database`, with the target's chiso environment.
pub async fn start_server(
    target: &Target,
    database: &str,
    workers: usize,
) -> anyhow::Result<Server> {
    let exe = std::env::current_exe()?;
    // The server's failures under load are counted by wrk (non-2xx); their log goes to a file.
    let log_path = target.log_dir.join("server.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot write {}", log_path.display()))?;
    let mut child = tokio::process::Command::new(exe)
        .arg("--config")
        .arg(&target.config)
        .arg("--clickhouse-url")
        .arg(&target.clickhouse_url)
        .arg("serve")
        .arg("--database")
        .arg(database)
        .arg("--workers")
        .arg(workers.to_string())
        .envs(target.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the bench server")?;
    let pid = child.id().context("the bench server exited at once")?;
    let stdout = child
        .stdout
        .take()
        .context("no stdout of the bench server")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .context("the bench server did not print its URL within 30 s")??
        .context("the bench server exited before printing its URL")?;
    Ok(Server { child, url, pid })
}

pub async fn wrk(url: &str, token: Option<&str>, load: &Load) -> anyhow::Result<WrkResult> {
    let mut cmd = tokio::process::Command::new("wrk");
    cmd.arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration_secs))
        .arg("--latency");
    if let Some(t) = token {
        cmd.arg("-H").arg(format!("Authorization: Bearer {t}"));
    }
    let out = cmd
        .arg(url)
        .output()
        .await
        .context("cannot run wrk (scripts/deps.sh wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!("wrk {url}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(parse(&text)?)
}

pub async fn status(url: &str, token: Option<&str>) -> anyhow::Result<u16> {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    Ok(req.send().await?.status().as_u16())
}

/// Loads each page in turn with `wrk`, `runs` rounds over all pages, then
/// reads the server's peak RSS.
pub async fn run(
    target: &Target,
    database: &str,
    workers: usize,
    pages: &[Page],
    load: &Load,
    runs: usize,
) -> anyhow::Result<DashboardFigures> {
    let server = start_server(target, database, workers).await?;
    let mut out = Vec::new();
    for page in pages {
        let url = format!("{}{}", server.url, page.path);
        out.push(PageFigures {
            name: page.name,
            path: page.path.clone(),
            status: status(&url, page.token.as_deref()).await?,
            runs: Vec::new(),
        });
    }
    // Rounds rather than one page's runs back to back: a slow spell of the
    // shared machine spreads over the pages instead of sinking one.
    for _ in 0..runs.max(1) {
        for (page, figures) in pages.iter().zip(out.iter_mut()) {
            let url = format!("{}{}", server.url, page.path);
            figures
                .runs
                .push(wrk(&url, page.token.as_deref(), load).await?);
        }
    }
    let peak_rss = peak_rss(server.pid);
    server.stop().await;
    Ok(DashboardFigures {
        pages: out,
        peak_rss,
        workers,
    })
}
