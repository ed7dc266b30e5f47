//! The whole bench, part after part, on the throwaway ClickHouse of
//! `scripts/bench.sh`: ingest, history, compute, dashboards, scale.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::compute::{baselines, compute_all, periods, Baseline, ComputeRun};
use crate::dashboards::{self, DashboardFigures, Load};
use crate::ingest::{self, IngestFigures};
use crate::load::{load, Loaded};
use crate::machine::{machine, sizes, Machine, TableSize};
use crate::Target;
use chiso::domain::{Month, Period};
use chiso::store::bench::{merges_sql, scale_copy_sql, RUNNING_QUERIES_SQL};
use chiso::store::RoleCode;

/// The database the collectors fill and the history completes.
pub const DB: &str = "bench";
/// ClickHouse ingesting the same rows itself.
pub const DB_BASELINE: &str = "bench_baseline";
/// The history with ten times the service rows.
pub const DB_SCALED: &str = "bench_x10";

pub struct Options {
    pub target: Target,
    /// Where the baseline's JSONEachRow files go (target/bench).
    pub work_dir: PathBuf,
    pub seed: u64,
    /// The months the ingest benchmark collects through the collectors.
    pub ingest: (Month, Month),
    /// The years of history computed (2019–2025).
    pub years: (i32, i32),
    pub scale: u32,
    pub load: Load,
    pub workers: usize,
}

pub struct Report {
    pub machine: Machine,
    pub started: chrono::DateTime<chrono::Utc>,
    pub total: Duration,
    pub options_years: (i32, i32),
    pub scale: u32,
    pub ingest: IngestFigures,
    pub history: Loaded,
    pub sizes: Vec<(String, Vec<TableSize>)>,
    pub compute_first: ComputeRun,
    pub compute_again: ComputeRun,
    pub baselines: Vec<Baseline>,
    pub indicators: usize,
    pub dashboards: DashboardFigures,
    pub scaled_copy: Duration,
    pub scaled_first: ComputeRun,
    pub scaled_baselines: Vec<Baseline>,
}

fn say(text: &str) {
    eprintln!("bench: {} {text}", chrono::Utc::now().format("%H:%M:%S"));
}

pub async fn run(opts: &Options) -> anyhow::Result<Report> {
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    let t = &opts.target;

    // 1. Ingest: the collectors, then the same rows through clickhouse-client.
    let ingest = ingest_part(t, opts.ingest, opts.seed, &opts.work_dir).await?;
    let (from, to) = opts.ingest;

    // The rest of the history through the fast path.
    let app = t.app(DB)?;
    let machine = machine(&app.store).await?;
    let (y0, y1) = opts.years;
    let months: Vec<Month> = Month::new(y0, 1)
        .zip(Month::new(y1, 12))
        .map(|(a, b)| a.through(b).filter(|m| *m < from || *m > to).collect())
        .unwrap_or_default();
    say(&format!(
        "loading the rest of {y0}–{y1} ({} months) directly",
        months.len()
    ));
    let history = load(&app.store, &app.registry, &app.catalogue, months, opts.seed).await?;
    settle(t, DB).await;

    // 2. Compute.
    let all = periods(y0, y1);
    say(&format!("computing {} periods", all.len()));
    let compute_first = compute_all(&app, &all).await?;
    say("recomputing (nothing changed)");
    let compute_again = compute_all(&app, &all).await?;
    say("baseline queries, one per indicator");
    let baselines = baselines(&app, |_| true).await?;

    // 3. Dashboards over a frozen month.
    let month = Month::new(y1, 12).context("the last month")?;
    app.computer().freeze(Period::Month(month)).await?;
    chiso::accounts::credentials::add_user(
        &app.store,
        &app.registry,
        "bench.ministry",
        RoleCode::Ministry,
        None,
        "a long enough bench password",
    )
    .await?;
    let token = chiso::accounts::credentials::add_token(&app.store, "bench.ministry").await?;
    let pages = vec![
        (
            "national ranking (frozen, public)",
            format!("/xep-hang?period={month}&group=province"),
            None,
        ),
        (
            "unit page (ministry token)",
            format!("/don-vi/01?to={month}"),
            Some(token),
        ),
    ];
    say("dashboards under wrk");
    let dashboards = dashboards::run(t, DB, opts.workers, &pages, &opts.load).await?;
    drain(t).await;

    // 4. Scale: the same history with `scale` × the service rows.
    say(&format!(
        "scale: copying the history ×{} in ClickHouse",
        opts.scale
    ));
    let scaled_app = t.fresh_app(DB_SCALED).await?;
    let copy_started = Instant::now();
    scale_copy(t, opts.scale).await?;
    let scaled_copy = copy_started.elapsed();
    settle(t, DB_SCALED).await;
    say("scale: computing");
    let scaled_first = compute_all(&scaled_app, &all).await?;
    let scaled_baselines =
        baselines_of(&scaled_app, &["online_dossier_rate", "on_time_rate"]).await?;

    let mut all_sizes = Vec::new();
    for db in [DB, DB_BASELINE, DB_SCALED] {
        all_sizes.push((db.to_string(), sizes(&app.store, db).await?));
    }
    Ok(Report {
        machine,
        started: started_at,
        total: started.elapsed(),
        options_years: opts.years,
        scale: opts.scale,
        ingest,
        history,
        sizes: all_sizes,
        compute_first,
        compute_again,
        indicators: app.indicators.iter().count(),
        baselines,
        dashboards,
        scaled_copy,
        scaled_first,
        scaled_baselines,
    })
}

/// Part 1 alone (`chiso-bench ingest` runs only this): `from..=to` through
/// the collectors into a fresh `bench`, then the same rows through
/// clickhouse-client into a fresh `bench_baseline`.
pub async fn ingest_part(
    t: &Target,
    (from, to): (Month, Month),
    seed: u64,
    work_dir: &std::path::Path,
) -> anyhow::Result<IngestFigures> {
    let app = t.fresh_app(DB).await?;
    say(&format!("ingest {from}..{to} through the collectors"));
    let (unit_months, failed, collector_time) = ingest::collectors(&app, from, to, seed).await?;
    let collector_rows = ingest::stored_rows(&app.store).await?;
    say("ingest baseline: writing the same rows as JSONEachRow");
    std::fs::create_dir_all(work_dir)?;
    let (file_rows, file_bytes) = ingest::write_files(&app, from, to, seed, work_dir)?;
    let baseline_app = t.fresh_app(DB_BASELINE).await?;
    say("ingest baseline: clickhouse-client INSERT … FORMAT JSONEachRow");
    let baseline_time = ingest::baseline(t, DB_BASELINE, work_dir).await?;
    let baseline_rows = ingest::stored_rows(&baseline_app.store).await?;
    if baseline_rows != file_rows {
        anyhow::bail!("the baseline stored {baseline_rows} rows of the {file_rows} in its files");
    }
    for f in ["service_stats.jsonl", "measure_values.jsonl"] {
        let _ = std::fs::remove_file(work_dir.join(f));
    }
    Ok(IngestFigures {
        from,
        to,
        unit_months,
        failed_unit_months: failed,
        collector_rows,
        collector_time,
        baseline_rows,
        baseline_time,
        file_bytes,
    })
}

/// Part 2 alone (`chiso-bench compute`): the history of `years` loaded into
/// `database` unless it holds service rows, then the first compute and the
/// recompute of every period, as text.
pub async fn compute_part(
    t: &Target,
    database: &str,
    (y0, y1): (i32, i32),
    seed: u64,
) -> anyhow::Result<String> {
    let app = t.app(database)?;
    app.store.migrate().await?;
    if ingest::stored_rows(&app.store).await? == 0 {
        let months: Vec<Month> = Month::new(y0, 1)
            .zip(Month::new(y1, 12))
            .map(|(a, b)| a.through(b).collect())
            .unwrap_or_default();
        say(&format!("loading {y0}–{y1} into {database}"));
        load(&app.store, &app.registry, &app.catalogue, months, seed).await?;
        settle(t, database).await;
    }
    let all = periods(y0, y1);
    let first = compute_all(&app, &all).await?;
    let again = compute_all(&app, &all).await?;
    Ok(format!(
        "{} periods: first {:.2} s ({} stored), again {:.2} s ({} stored)",
        all.len(),
        first.elapsed.as_secs_f64(),
        first.stored,
        again.elapsed.as_secs_f64(),
        again.stored
    ))
}

async fn baselines_of(app: &chiso::app::App, codes: &[&str]) -> anyhow::Result<Vec<Baseline>> {
    baselines(app, |code| codes.contains(&code)).await
}

/// Copies `bench` into `bench_x10` with each service row `scale` times under
/// distinct service codes (so `scale` × the services and dossiers per
/// unit-month); measures and batches once.
async fn scale_copy(t: &Target, scale: u32) -> anyhow::Result<()> {
    for sql in scale_copy_sql(DB, DB_SCALED, scale) {
        let out = t.client(&["--query", &sql]).output().await?;
        if !out.status.success() {
            anyhow::bail!("{sql}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
    }
    Ok(())
}

/// Waits (up to two minutes) for the queries a killed server left running.
async fn drain(t: &Target) {
    let sql = RUNNING_QUERIES_SQL;
    for _ in 0..240 {
        let running = t
            .client(&["--query", sql])
            .output()
            .await
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<u32>()
                    .ok()
            })
            .unwrap_or(1);
        if running <= 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits (up to two minutes) for the background merges of `database` to end,
/// so they do not run under the next measurement.
async fn settle(t: &Target, database: &str) {
    let sql = merges_sql(database);
    for _ in 0..240 {
        let busy = t
            .client(&["--query", &sql])
            .output()
            .await
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() != "0")
            .unwrap_or(false);
        if !busy {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
