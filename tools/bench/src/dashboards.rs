//! Dashboards: the real web server (release, its own process) over the bench
//! database, loaded by `wrk` (another process) on the national ranking of a
//! frozen period (public) and on a unit page (a ministry token), with the
//! server's peak resident memory read from /proc.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::machine::peak_rss;
use crate::wrk::{parse, WrkResult};
use crate::Target;

#[derive(Debug, Clone)]
pub struct Load {
    pub connections: u32,
    pub duration_secs: u32,
    pub threads: u32,
}

#[derive(Debug, Clone)]
pub struct PageFigures {
    pub name: &'static str,
    pub path: String,
    /// The status of one request before the load: 200 or the figures mean nothing.
    pub status: u16,
    pub wrk: WrkResult,
}

#[derive(Debug, Clone)]
pub struct DashboardFigures {
    pub pages: Vec<PageFigures>,
    pub peak_rss: Option<u64>,
    pub workers: usize,
}

/// The server: `chiso-bench serve` of this executable, on a free port.
struct Server {
    child: tokio::process::Child,
    url: String,
    pid: u32,
}

async fn start_server(target: &Target, database: &str, workers: usize) -> anyhow::Result<Server> {
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

async fn wrk(url: &str, token: Option<&str>, load: &Load) -> anyhow::Result<WrkResult> {
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

async fn status(url: &str, token: Option<&str>) -> anyhow::Result<u16> {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    Ok(req.send().await?.status().as_u16())
}

/// Loads each `(name, path, token)` in turn with `wrk`, then reads the server's peak RSS.
pub async fn run(
    target: &Target,
    database: &str,
    workers: usize,
    pages: &[(&'static str, String, Option<String>)],
    load: &Load,
) -> anyhow::Result<DashboardFigures> {
    let mut server = start_server(target, database, workers).await?;
    let mut out = Vec::new();
    for (name, path, token) in pages {
        let url = format!("{}{path}", server.url);
        let status = status(&url, token.as_deref()).await?;
        let wrk = wrk(&url, token.as_deref(), load).await?;
        out.push(PageFigures {
            name,
            path: path.clone(),
            status,
            wrk,
        });
    }
    let peak_rss = peak_rss(server.pid);
    let _ = server.child.kill().await;
    Ok(DashboardFigures {
        pages: out,
        peak_rss,
        workers,
    })
}
