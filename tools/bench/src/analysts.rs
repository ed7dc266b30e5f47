//! Analyst SQL throughput: N analysts (each an account and token of its own),
//! each running a typical monthly aggregate over 2019–2025 through
//! `POST /api/v1/sql` in a loop, while `wrk` loads the public ranking page on
//! the same server: analysts must not slow the public page.

use std::time::{Duration, Instant};

use crate::dashboards::{self, wrk, Load};
use crate::run::{account, Options, DB, PASSWORD};
use chiso::store::RoleCode;

/// The ClickHouse user analysts' queries run as in the bench.
const ANALYST_USER: &str = "bench_analyst";
/// The analyst profile's `max_execution_time` in the bench.
pub const MAX_EXECUTION_SECS: u32 = 120;
use crate::stats::Spread;
use crate::wrk::WrkResult;

/// The analyst's query: the national online and on-time rates of every
/// month, read from `table`, whose dossier columns start with `prefix`:
/// `service_stats_current` (every service row) or the monthly sums
/// docs/analysts.md points analysts to (`service_month_sums_current`,
/// sql/0020, `dossiers_…`).
pub fn monthly_aggregate(table: &str, prefix: &str, (from_year, to_year): (i32, i32)) -> String {
    format!(
        "SELECT toYYYYMM(month) AS m, \
         sum({prefix}received_online) / sum({prefix}received) * 100 AS online, \
         sum({prefix}processed_on_time) / sum({prefix}processed) * 100 AS on_time \
         FROM {table} \
         WHERE month >= toDate('{from_year}-01-01') AND month <= toDate('{to_year}-12-01') \
         GROUP BY m ORDER BY m"
    )
}

#[derive(Debug, Clone)]
pub struct AnalystRun {
    pub answered: u64,
    /// Answers other than 200 and transport errors (timeouts included).
    pub failed: u64,
    pub elapsed: Duration,
    /// Latencies of the answered queries, sorted.
    pub latencies: Vec<Duration>,
    /// The ranking page under `wrk` meanwhile.
    pub ranking: WrkResult,
    /// What the first failed query got, said in the report.
    pub first_failure: Option<String>,
}

impl AnalystRun {
    pub fn per_sec(&self) -> f64 {
        self.answered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    pub fn p99(&self) -> Option<Duration> {
        percentile(&self.latencies, 0.99)
    }
}

/// The `q` quantile of sorted durations (nearest rank).
pub fn percentile(sorted: &[Duration], q: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[derive(Debug, Clone)]
pub struct AnalystFigures {
    pub analysts: usize,
    pub query: String,
    pub runs: Vec<AnalystRun>,
}

impl AnalystFigures {
    pub fn rate(&self) -> Option<Spread> {
        Spread::of(self.runs.iter().map(AnalystRun::per_sec))
    }
    pub fn p99_secs(&self) -> Option<Spread> {
        Spread::of(
            self.runs
                .iter()
                .filter_map(|r| r.p99().map(|d| d.as_secs_f64())),
        )
    }
    pub fn ranking_p99_ms(&self) -> Option<Spread> {
        Spread::of(
            self.runs
                .iter()
                .map(|r| r.ranking.p99.as_secs_f64() * 1000.0),
        )
    }
    pub fn ranking_rate(&self) -> Option<Spread> {
        Spread::of(self.runs.iter().map(|r| r.ranking.requests_per_sec))
    }
}

/// One run: every token's analyst loops for `load.duration_secs` while `wrk`
/// loads `ranking_url`. A query started is waited for (so the run may
/// outlast the load by one query).
pub async fn run(
    base: &str,
    tokens: &[String],
    query: &str,
    ranking_url: &str,
    load: &Load,
) -> anyhow::Result<AnalystRun> {
    let until = Instant::now() + Duration::from_secs(load.duration_secs.into());
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut analysts = Vec::new();
    for token in tokens {
        let (client, token, query) = (client.clone(), token.clone(), query.to_string());
        let url = format!("{base}/api/v1/sql");
        analysts.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut first_failure) = (Vec::new(), 0u64, None);
            while Instant::now() < until {
                let sent = Instant::now();
                let answer = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "query": query }))
                    .timeout(Duration::from_secs(120))
                    .send()
                    .await;
                let why = match answer {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(_) => None,
                        Err(e) => Some(e.to_string()),
                    },
                    Ok(r) => Some(format!(
                        "{} after {:.0} s: {}",
                        r.status(),
                        sent.elapsed().as_secs_f64(),
                        r.text().await.unwrap_or_default()
                    )),
                    Err(e) => Some(e.to_string()),
                };
                match why {
                    None => ok.push(sent.elapsed()),
                    Some(why) => {
                        failed += 1;
                        first_failure.get_or_insert(why);
                    }
                }
            }
            (ok, failed, first_failure)
        }));
    }
    let ranking = wrk(ranking_url, None, load).await?;
    let (mut latencies, mut failed, mut first_failure) = (Vec::new(), 0, None);
    for a in analysts {
        let (ok, f, why) = a.await?;
        latencies.extend(ok);
        failed += f;
        first_failure = first_failure.or(why);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(AnalystRun {
        answered: latencies.len() as u64,
        failed,
        elapsed,
        latencies,
        ranking,
        first_failure,
    })
}

/// The part: the analyst ClickHouse user, the accounts, a server with the
/// SQL endpoint on, then `runs` runs of each query, one figure per query.
pub async fn part(
    opts: &Options,
    app: &chiso::app::App,
    ranking: &str,
    runs: usize,
) -> anyhow::Result<Vec<AnalystFigures>> {
    let t = &opts.target;
    let out = tokio::process::Command::new(&t.clickhouse_script)
        .arg("analyst-user")
        .arg(&t.clickhouse_dir)
        .args([DB, ANALYST_USER, PASSWORD])
        // One query per analyst at once (the shipped profile allows 4), and
        // time for 16 of them to share two cores (the shipped 30 s each).
        .env("CH_ANALYST_MAX_CONCURRENT", opts.analysts.to_string())
        .env(
            "CH_ANALYST_MAX_EXECUTION_TIME",
            MAX_EXECUTION_SECS.to_string(),
        )
        .output()
        .await?;
    if !out.status.success() {
        anyhow::bail!(
            "analyst-user: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut tokens = Vec::new();
    for n in 1..=opts.analysts {
        let login = format!("bench.analyst{n:02}");
        tokens.push(account(app, &login, RoleCode::Analyst, None).await?);
    }
    let target = t
        .clone()
        .with_env(
            "CHISO_SQL_MAX_EXECUTION_TIME_SECS",
            &MAX_EXECUTION_SECS.to_string(),
        )
        .with_env("CHISO_CLICKHOUSE_ANALYST_USER", ANALYST_USER)
        .with_env("CHISO_CLICKHOUSE_ANALYST_PASSWORD", PASSWORD);
    let server = dashboards::start_server(&target, DB, opts.workers).await?;
    let load = Load {
        duration_secs: opts.analyst_secs,
        ..opts.load.clone()
    };
    let ranking_url = format!("{}{ranking}", server.url);
    let mut figures = Vec::new();
    for query in [
        monthly_aggregate("service_stats_current", "", opts.years),
        monthly_aggregate("service_month_sums_current", "dossiers_", opts.years),
    ] {
        let mut out = Vec::new();
        for _ in 0..runs {
            let run = run(&server.url, &tokens, &query, &ranking_url, &load).await;
            match run {
                Ok(r) => out.push(r),
                Err(e) => {
                    server.stop().await;
                    return Err(e);
                }
            }
        }
        figures.push(AnalystFigures {
            analysts: opts.analysts,
            query,
            runs: out,
        });
    }
    server.stop().await;
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_99th_percentile_is_the_nearest_rank() {
        let ms: Vec<Duration> = (1..=200).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 0.99), Some(Duration::from_millis(198)));
        assert_eq!(percentile(&ms[..1], 0.99), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 0.99), None);
    }
}
