//! The cluster part (issue 13): the two-replica cluster of
//! `scripts/cluster.sh` (ZooKeeper and two ClickHouse replicas of one shard,
//! on the same machine), chiso in cluster mode over both replicas: ingest
//! through the collectors with quorum 2, the frozen ranking page under `wrk`,
//! and the failover time of two real `chiso serve` on the cluster's lease.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::compute::compute_all;
use crate::dashboards::{self, Load, PageFigures};
use crate::ingest;
use crate::stats::Spread;
use crate::Target;
use chiso::domain::{Month, Period};

/// The cluster's name in `scripts/clickhouse/cluster.xml` (CHISO_CLUSTER_NAME).
const CLUSTER: &str = "chiso";
const NEVER: &str = "0 0 0 1 1 * 2099";
/// The lease's session in the failover runs: the shipped default.
pub const SESSION_SECS: u64 = 10;

#[derive(Debug, Clone)]
pub struct ClusterFigures {
    /// (rows, time) of each ingest run through the collectors into the cluster.
    pub ingest: Vec<(u64, Duration)>,
    pub ranking: PageFigures,
    /// SIGKILL of the leader → the other `chiso serve` says `leader`.
    pub failover: Vec<Duration>,
    pub session_secs: u64,
}

impl ClusterFigures {
    pub fn ingest_rate(&self) -> Option<Spread> {
        Spread::of(
            self.ingest
                .iter()
                .map(|(rows, t)| *rows as f64 / t.as_secs_f64().max(1e-9)),
        )
    }
    pub fn failover_secs(&self) -> Option<Spread> {
        Spread::of_secs(self.failover.iter().copied())
    }
}

/// The cluster of `scripts/cluster.sh start DIR`, stopped when dropped.
struct Cluster {
    script: PathBuf,
    dir: PathBuf,
    urls: [String; 2],
    zookeeper: String,
}

impl Cluster {
    async fn start(script: &Path, dir: &Path) -> anyhow::Result<Self> {
        let out = tokio::process::Command::new(script)
            .arg("start")
            .arg(dir)
            .env("CHISO_CLUSTER_NAME", CLUSTER)
            .stderr(Stdio::inherit())
            .output()
            .await
            .context("cannot run scripts/cluster.sh")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        match (out.status.success(), lines.as_slice()) {
            (true, [a, b, zk]) => Ok(Self {
                script: script.to_path_buf(),
                dir: dir.to_path_buf(),
                urls: [a.to_string(), b.to_string()],
                zookeeper: zk.to_string(),
            }),
            _ => anyhow::bail!("scripts/cluster.sh start printed {text:?}"),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

pub struct ClusterOptions<'a> {
    pub single: &'a Target,
    pub script: PathBuf,
    pub dir: PathBuf,
    pub chiso: PathBuf,
    pub months: (Month, Month),
    pub seed: u64,
    pub workers: usize,
    pub load: Load,
    pub runs: usize,
}

pub async fn run(o: &ClusterOptions<'_>, say: impl Fn(&str)) -> anyhow::Result<ClusterFigures> {
    let _ = std::fs::remove_dir_all(&o.dir);
    let cluster = Cluster::start(&o.script, &o.dir).await?;
    let target = Target {
        clickhouse_url: cluster.urls.join(","),
        ..o.single.clone()
    }
    .with_env("CHISO_CLICKHOUSE_CLUSTER", CLUSTER);
    let (from, to) = o.months;
    let mut ingest = Vec::new();
    let mut app = None;
    for run in 0..o.runs.max(1) {
        say(&format!("cluster: ingest {from}..{to}, run {}", run + 1));
        let fresh = target.fresh_app(crate::run::DB).await?;
        let (_, _, elapsed) = ingest::collectors(&fresh, from, to, o.seed).await?;
        ingest.push((ingest::stored_rows(&fresh.store).await?, elapsed));
        app = Some(fresh);
    }
    let app = app.context("no ingest run")?;
    say("cluster: computing and freezing the ingest months");
    let periods: Vec<Period> = from.through(to).map(Period::Month).collect();
    compute_all(&app, &periods).await?;
    app.computer().freeze(Period::Month(to)).await?;
    let page = dashboards::Page {
        name: "national ranking on the cluster (frozen, public)",
        path: format!("/xep-hang?period={to}&group=province"),
        token: None,
    };
    say("cluster: the ranking page under wrk");
    let figures = dashboards::run(
        &target,
        crate::run::DB,
        o.workers,
        std::slice::from_ref(&page),
        &o.load,
        o.runs,
    )
    .await?;
    let ranking = figures
        .pages
        .into_iter()
        .next()
        .context("no ranking figures")?;
    say("cluster: failover of the leader");
    let failover = failover(o, &target, &cluster).await?;
    Ok(ClusterFigures {
        ingest,
        ranking,
        failover,
        session_secs: SESSION_SECS,
    })
}

/// A real `chiso serve` on the cluster and its lease.
struct Instance {
    child: tokio::process::Child,
    url: String,
}

async fn serve(
    o: &ClusterOptions<'_>,
    target: &Target,
    zookeeper: &str,
    name: &str,
) -> anyhow::Result<Instance> {
    let state = o.dir.join(format!("state-{name}"));
    std::fs::create_dir_all(&state)?;
    let log = std::fs::File::create(o.dir.join(format!("serve-{name}.log")))?;
    let mut child = tokio::process::Command::new(&o.chiso)
        .arg("--config")
        .arg(&target.config)
        .args(["--clickhouse-url", &target.clickhouse_url])
        .args(["--database", crate::run::DB])
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1"])
        .envs(target.env.iter().map(|(k, v)| (k, v)))
        .env("CHISO_STATE_DIR", &state)
        .env("CHISO_ZOOKEEPER", zookeeper)
        .env(
            "CHISO_ZOOKEEPER_SESSION_TIMEOUT_SECS",
            SESSION_SECS.to_string(),
        )
        .env("CHISO_ZOOKEEPER_ROOT", "/chiso_bench")
        .env("CHISO_SCHEDULE_COLLECT", NEVER)
        .env("CHISO_SCHEDULE_COMPUTE", NEVER)
        .env("CHISO_SCHEDULE_REMIND", NEVER)
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .context("cannot start chiso serve")?;
    let stdout = child.stdout.take().context("no stdout of chiso serve")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.strip_prefix("API at ") {
                return Ok(rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string());
            }
        }
        anyhow::bail!("chiso serve exited before printing its address")
    })
    .await
    .context("chiso serve did not print its address within 60 s")??;
    // The rest of its output is not read: keep the pipe from filling.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Instance { child, url })
}

async fn role(url: &str) -> String {
    let answer = reqwest::Client::new()
        .get(format!("{url}/readyz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    answer
        .ok()
        .and_then(|r| Some(r.headers().get("x-chiso-role")?.to_str().ok()?.to_string()))
        .unwrap_or_else(|| "down".into())
}

/// Polls until one of `instances` leads (up to two sessions); its index.
async fn leader(instances: &[Instance]) -> anyhow::Result<usize> {
    let until = Instant::now() + Duration::from_secs(SESSION_SECS * 2 + 30);
    while Instant::now() < until {
        for (i, inst) in instances.iter().enumerate() {
            if role(&inst.url).await == "leader" {
                return Ok(i);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("no chiso serve became leader")
}

/// Each run: SIGKILL the leader, time until the other says `leader`, start
/// the killed one again (it follows).
async fn failover(
    o: &ClusterOptions<'_>,
    target: &Target,
    cluster: &Cluster,
) -> anyhow::Result<Vec<Duration>> {
    let zk = &cluster.zookeeper;
    let mut instances = vec![
        serve(o, target, zk, "a").await?,
        serve(o, target, zk, "b").await?,
    ];
    let mut times = Vec::new();
    for run in 0..o.runs.max(1) {
        let lead = leader(&instances).await?;
        let other = 1 - lead;
        instances[lead].child.kill().await?;
        let killed = Instant::now();
        let until = killed + Duration::from_secs(SESSION_SECS * 3 + 30);
        while role(&instances[other].url).await != "leader" {
            if Instant::now() > until {
                anyhow::bail!("no failover within {} s", (until - killed).as_secs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        times.push(killed.elapsed());
        let name = format!("{}{run}", if lead == 0 { "a" } else { "b" });
        instances[lead] = serve(o, target, zk, &name).await?;
    }
    for mut i in instances {
        let _ = i.child.kill().await;
    }
    Ok(times)
}
