//! Freshness: a unit corrects a month (the simulator serves other figures),
//! `chiso collect` stores it; how long until its unit page shows the
//! corrected figure, and, after `chiso compute --freeze`, until the ranking
//! page changes. The server is the bench's own release server; the pages are
//! polled every 100 ms.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::dashboards::{self, Server};
use crate::ingest::simulator_config;
use crate::run::{Options, DB};
use crate::Target;
use chiso::config::SourceConfig;
use chiso::domain::{Month, RankingGroup};

/// How long the unit page is watched after the collect, before the freeze.
const WATCH_UNIT: Duration = Duration::from_secs(10);
/// How long a page is watched after the freeze.
const WATCH_FROZEN: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct FreshRun {
    pub unit: String,
    pub month: Month,
    /// The indicator whose corrected value was looked for.
    pub indicator: String,
    pub collect: Duration,
    /// From the collect's end to the corrected figure on the unit page;
    /// `None`: not within `WATCH_UNIT` (it waits for a compute).
    pub unit_page: Option<Duration>,
    pub freeze: Duration,
    /// From the freeze's end to the corrected figure on the unit page
    /// (zero when it showed before the freeze).
    pub unit_page_after_freeze: Option<Duration>,
    /// From the freeze's end to a changed ranking page.
    pub ranking_page: Option<Duration>,
}

/// One correction of `month` through the real `chiso` binary `chiso`.
pub async fn correction(
    target: &Target,
    chiso: &Path,
    server: &Server,
    database: &str,
    month: Month,
    (token, seed): (&str, u64),
) -> anyhow::Result<FreshRun> {
    let app = target.app(database)?;
    let unit = app
        .registry
        .valid_in(month)
        .find(|u| {
            u.group == RankingGroup::Province && matches!(u.source, SourceConfig::Http { .. })
        })
        .context("no province reporting by API")?
        .clone();
    let code = unit.code.to_string();
    let unit_path = format!("/don-vi/{code}?from={month}&to={month}");
    let ranking_path = format!("/xep-hang?period={month}&group=province");
    let before_unit = get(server, &unit_path, Some(token)).await?;
    let before_ranking = get(server, &ranking_path, None).await?;
    let old = figures(target, database, &unit, month).await?;

    let sim = chiso::simulate::serve(
        app.registry.clone(),
        simulator_config(seed),
        ([127, 0, 0, 1], 0).into(),
    )
    .context("cannot start the corrected simulator")?;
    // Absolute: chiso resolves a relative state directory against its config's.
    let state = std::env::current_dir()?
        .join(&target.log_dir)
        .join("fresh-state");
    std::fs::create_dir_all(&state)?;
    let run = |args: Vec<String>| {
        let mut cmd = tokio::process::Command::new(chiso);
        cmd.arg("--config")
            .arg(&target.config)
            .arg("--clickhouse-url")
            .arg(&target.clickhouse_url)
            .arg("--database")
            .arg(database)
            .arg("--source-override")
            .arg(sim.base_url())
            .args(args)
            .env("CHISO_STATE_DIR", &state)
            .envs(target.env.iter().map(|(k, v)| (k, v)))
            .kill_on_drop(true);
        cmd
    };
    let started = Instant::now();
    let out = run(vec![
        "collect".into(),
        "--month".into(),
        month.to_string(),
        "--unit".into(),
        code.clone(),
    ])
    .output()
    .await?;
    sim.stop().await;
    ensure(&out, "chiso collect")?;
    let collect = started.elapsed();
    let collected = Instant::now();
    let mut seen = Vec::new();
    while collected.elapsed() < WATCH_UNIT {
        seen.push((
            collected.elapsed(),
            get(server, &unit_path, Some(token)).await?,
        ));
        tokio::time::sleep(POLL).await;
    }

    let started = Instant::now();
    let out = run(vec!["compute".into(), "--freeze".into(), month.to_string()])
        .output()
        .await?;
    ensure(&out, "chiso compute --freeze")?;
    let freeze = started.elapsed();
    let frozen = Instant::now();
    let new = figures(target, database, &unit, month).await?;
    let (indicator, expected) = new
        .iter()
        .find(|(i, v)| {
            !before_unit.contains(v.as_str()) && old.iter().any(|(j, w)| j == i && w != v)
        })
        .cloned()
        .context("the correction changed no figure the unit page shows")?;
    let unit_page = seen
        .iter()
        .find(|(_, body)| body.contains(&expected))
        .map(|(t, _)| *t);
    let (mut unit_after, mut ranking) = (unit_page.map(|_| Duration::ZERO), None);
    while frozen.elapsed() < WATCH_FROZEN && (unit_after.is_none() || ranking.is_none()) {
        if ranking.is_none() && get(server, &ranking_path, None).await? != before_ranking {
            ranking = Some(frozen.elapsed());
        }
        if unit_after.is_none()
            && get(server, &unit_path, Some(token))
                .await?
                .contains(&expected)
        {
            unit_after = Some(frozen.elapsed());
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(FreshRun {
        unit: code,
        month,
        indicator,
        collect,
        unit_page,
        freeze,
        unit_page_after_freeze: unit_after,
        ranking_page: ranking,
    })
}

fn ensure(out: &std::process::Output, what: &str) -> anyhow::Result<()> {
    if !out.status.success() {
        anyhow::bail!("{what}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

async fn get(server: &Server, path: &str, token: Option<&str>) -> anyhow::Result<String> {
    let mut req = reqwest::Client::new()
        .get(format!("{}{path}", server.url))
        .timeout(Duration::from_secs(30));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let response = req.send().await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        anyhow::bail!("GET {path}: {status}");
    }
    Ok(body)
}

/// The unit's figures of `month` as its page prints them, read by a fresh
/// App (no kept results): (indicator, value).
async fn figures(
    target: &Target,
    database: &str,
    unit: &chiso::config::Unit,
    month: Month,
) -> anyhow::Result<Vec<(String, String)>> {
    let app = target.app(database)?;
    let series = app.computer().unit_series(unit, month, month).await?;
    let mut out = Vec::new();
    for m in &series {
        for e in &m.evaluations {
            let Some(indicator) = app.indicators.get(&e.indicator) else {
                continue;
            };
            if e.value.is_some() {
                out.push((
                    e.indicator.clone(),
                    chiso::domain::number::optional(e.value, indicator.unit),
                ));
            }
        }
    }
    Ok(out)
}

/// The part: `runs` corrections, each of another month, on one server.
pub async fn part(opts: &Options, token: &str, runs: usize) -> anyhow::Result<Vec<FreshRun>> {
    let t = &opts.target;
    let chiso = crate::soak::child::find_binary()?;
    let server = dashboards::start_server(t, DB, opts.workers).await?;
    let mut month = Month::new(opts.years.1, 11).context("a month")?;
    let mut out = Vec::new();
    for run in 0..runs {
        let seed = opts.seed + 1000 + run as u64;
        match correction(t, &chiso, &server, DB, month, (token, seed)).await {
            Ok(r) => out.push(r),
            Err(e) => {
                server.stop().await;
                return Err(e);
            }
        }
        month = month.prev();
    }
    server.stop().await;
    Ok(out)
}
