//! The whole bench, part after part, on the throwaway ClickHouse of
//! `scripts/bench.sh`: ingest, history, compute, dashboards, analysts,
//! freshness, scale, then the cluster of `scripts/cluster.sh`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::analysts::{self, AnalystFigures};
use crate::cluster::{self, ClusterFigures, ClusterOptions};
use crate::compute::{baselines, compute_all, periods, Baseline, ComputeRun};
use crate::dashboards::{self, DashboardFigures, Load, Page, PageFigures};
use crate::freshness::{self, FreshRun};
use crate::ingest::{self, Format, IngestFigures};
use crate::load::{load, Loaded};
use crate::machine::{machine, sizes, Machine, TableSize};
use crate::scale::ScaleFigures;
use crate::Target;
use chiso::domain::{Month, Period};
use chiso::store::bench::{merges_sql, scale_copy_sql, COLLECTED_TABLES, RUNNING_QUERIES_SQL};
use chiso::store::RoleCode;

/// The database the collectors fill and the history completes.
pub const DB: &str = "bench";
/// ClickHouse ingesting the same rows itself.
pub const DB_BASELINE: &str = "bench_baseline";
/// The same rows again, as RowBinary.
pub const DB_BINARY: &str = "bench_binary";
/// And as Native.
pub const DB_NATIVE: &str = "bench_native";
/// The history with ten times the service rows.
pub const DB_SCALED: &str = "bench_x10";

pub struct Options {
    pub target: Target,
    /// Where the baseline's files go (target/bench).
    pub work_dir: PathBuf,
    pub seed: u64,
    /// The months the ingest benchmark collects through the collectors.
    pub ingest: (Month, Month),
    /// The years of history computed (2019–2025).
    pub years: (i32, i32),
    pub scale: u32,
    pub load: Load,
    pub workers: usize,
    /// How many times each part runs (`--runs`): the report shows the median.
    pub runs: usize,
    /// Concurrent analysts of the SQL part, and how long each run lasts.
    pub analysts: usize,
    pub analyst_secs: u32,
    /// `scripts/cluster.sh`; `None` skips the cluster part.
    pub cluster_script: Option<PathBuf>,
    /// Where the cluster's replicas and ZooKeeper keep their data.
    pub cluster_dir: PathBuf,
}

pub struct Report {
    pub machine: Machine,
    pub started: chrono::DateTime<chrono::Utc>,
    pub total: Duration,
    pub options_years: (i32, i32),
    pub scale: u32,
    pub runs: usize,
    pub ingest: Vec<IngestFigures>,
    pub history: Loaded,
    pub sizes: Vec<(String, Vec<TableSize>)>,
    /// The first compute of `bench`, then of fresh copies of it (one per run).
    pub compute_first: Vec<ComputeRun>,
    pub compute_again: Vec<ComputeRun>,
    /// Per indicator, the median of the runs.
    pub baselines: Vec<Baseline>,
    pub indicators: usize,
    pub dashboards: DashboardFigures,
    /// The unit page over a copy of `bench` whose months were never computed.
    pub uncomputed: Part<PageFigures>,
    /// Over `service_stats_current`, then over the monthly sums (sql/0020).
    pub analysts: Part<Vec<AnalystFigures>>,
    pub freshness: Part<Vec<FreshRun>>,
    pub cluster: Part<ClusterFigures>,
    pub scaled: Part<ScaleFigures>,
}

/// A part that may fail without losing the rest of a long run: its error, as text.
pub type Part<T> = Result<T, String>;

fn part<T>(name: &str, r: anyhow::Result<T>) -> Part<T> {
    r.map_err(|e| {
        say(&format!("{name} failed: {e:#}"));
        format!("{e:#}")
    })
}

/// The database a copy of `bench` is made in (its first compute, the unit page before any).
pub const DB_COPY: &str = "bench_copy";
pub const DB_UNCOMPUTED: &str = "bench_uncomputed";
/// The unit whose pages are loaded (Hà Nội) and the password of every bench account.
pub const UNIT: &str = "01";
pub const PASSWORD: &str = "a long enough bench password";

pub fn say(text: &str) {
    eprintln!("bench: {} {text}", chrono::Utc::now().format("%H:%M:%S"));
}

pub async fn run(opts: &Options) -> anyhow::Result<Report> {
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    let t = &opts.target;
    let runs = opts.runs.max(1);

    // 1. Ingest: the collectors, then the same rows through clickhouse-client.
    let ingest = ingest_runs(t, opts.ingest, opts.seed, &opts.work_dir, runs).await?;
    let (from, to) = opts.ingest;

    // The rest of the history through the fast path.
    let app = t.app(DB)?;
    let machine = machine(&app.store, &t.clickhouse_dir).await?;
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
    // A copy before any compute: the unit page where no month was computed.
    let uncomputed_app = copy_of_bench(t, DB_UNCOMPUTED).await?;

    // 2. Compute.
    let all = periods(y0, y1);
    say(&format!("computing {} periods", all.len()));
    let mut compute_first = vec![compute_all(&app, &all).await?];
    let (mut compute_again, mut baseline_runs) = (Vec::new(), Vec::new());
    for run in 0..runs {
        say(&format!("recomputing (nothing changed), run {}", run + 1));
        compute_again.push(compute_all(&app, &all).await?);
        say("baseline queries, one per indicator");
        baseline_runs.push(baselines(&app, |_| true).await?);
    }
    for run in 1..runs {
        say(&format!("first compute of a fresh copy, run {}", run + 1));
        let copy = copy_of_bench(t, DB_COPY).await?;
        compute_first.push(compute_all(&copy, &all).await?);
    }

    // 3. Dashboards over a frozen month.
    let month = Month::new(y1, 12).context("the last month")?;
    app.computer().freeze(Period::Month(month)).await?;
    let ministry = account(&app, "bench.ministry", RoleCode::Ministry, None).await?;
    let staff = account(&app, "bench.unit", RoleCode::Unit, Some(UNIT)).await?;
    let page = |name, path: String, token: Option<&String>| Page {
        name,
        path,
        token: token.cloned(),
    };
    let pages = vec![
        page(
            "national ranking (frozen, public)",
            format!("/xep-hang?period={month}&group=province"),
            None,
        ),
        page(
            "unit page (ministry token)",
            format!("/don-vi/{UNIT}?to={month}"),
            Some(&ministry),
        ),
        page(
            "unit page (unit-staff token, its own unit)",
            format!("/don-vi/{UNIT}?to={month}"),
            Some(&staff),
        ),
        page(
            "indicator page (unit-staff token)",
            format!("/chi-so/online_dossier_rate?period={month}"),
            Some(&staff),
        ),
    ];
    say("dashboards under wrk");
    let dashboards = dashboards::run(t, DB, opts.workers, &pages, &opts.load, runs).await?;
    drain(t).await;
    say("the unit page over a database never computed");
    let uncomputed = part(
        "uncomputed unit page",
        async {
            let token =
                account(&uncomputed_app, "bench.ministry", RoleCode::Ministry, None).await?;
            let p = page(
                "unit page, months never computed (ministry token)",
                format!("/don-vi/{UNIT}?to={month}"),
                Some(&token),
            );
            let figures =
                dashboards::run(t, DB_UNCOMPUTED, opts.workers, &[p], &opts.load, runs).await?;
            figures.pages.into_iter().next().context("no page figures")
        }
        .await,
    );
    drain(t).await;

    // 4. Analysts' SQL beside the public page.
    say(&format!("{} analysts on the SQL endpoint", opts.analysts));
    let ranking = pages[0].path.clone();
    let analysts = part(
        "analyst SQL",
        analysts::part(opts, &app, &ranking, runs).await,
    );
    drain(t).await;

    // 5. Freshness: a correction through `chiso collect`, then a freeze.
    say("freshness: corrections through chiso collect");
    let freshness = part("freshness", freshness::part(opts, &ministry, runs).await);
    drain(t).await;

    // 6. Scale: the same history with `scale` × the service rows.
    let scaled = part("scale", crate::scale::part(t, opts.scale, &all).await);

    let mut all_sizes = Vec::new();
    for db in [DB, DB_BASELINE, DB_BINARY, DB_NATIVE, DB_SCALED] {
        all_sizes.push((db.to_string(), sizes(&app.store, db).await?));
    }
    for db in [DB_COPY, DB_UNCOMPUTED] {
        if let Ok(copy) = t.app(db) {
            let _ = copy.store.drop_database().await;
        }
    }

    // 7. The cluster, last: it starts servers of its own.
    let cluster = match &opts.cluster_script {
        Some(script) => {
            let o = ClusterOptions {
                single: t,
                script: script.clone(),
                dir: std::env::current_dir()?.join(&opts.cluster_dir),
                chiso: crate::soak::child::find_binary()?,
                months: opts.ingest,
                seed: opts.seed,
                workers: opts.workers,
                load: opts.load.clone(),
                runs,
            };
            part("cluster", cluster::run(&o, say).await)
        }
        None => Err("skipped (--no-cluster)".into()),
    };
    Ok(Report {
        machine,
        started: started_at,
        total: started.elapsed(),
        options_years: opts.years,
        scale: opts.scale,
        runs,
        ingest,
        history,
        sizes: all_sizes,
        compute_first,
        compute_again,
        indicators: app.indicators.iter().count(),
        baselines: median_baselines(&baseline_runs),
        dashboards,
        uncomputed,
        analysts,
        freshness,
        cluster,
        scaled,
    })
}

/// A bench account (password login) and a token of it.
pub async fn account(
    app: &chiso::app::App,
    login: &str,
    role: RoleCode,
    unit: Option<&str>,
) -> anyhow::Result<String> {
    chiso::accounts::credentials::add_user(&app.store, &app.registry, login, role, unit, PASSWORD)
        .await?;
    Ok(chiso::accounts::credentials::add_token(&app.store, login).await?)
}

/// A fresh `database` holding `bench`'s collected rows, settled; nothing computed.
async fn copy_of_bench(t: &Target, database: &str) -> anyhow::Result<chiso::app::App> {
    let copy = t.fresh_app(database).await?;
    scale_copy(t, database, 1).await?;
    settle(t, database).await;
    Ok(copy)
}

/// Per indicator, the run of median time.
fn median_baselines(runs: &[Vec<Baseline>]) -> Vec<Baseline> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|b| {
            let mut times: Vec<Duration> = runs
                .iter()
                .filter_map(|r| r.iter().find(|x| x.indicator == b.indicator)?.elapsed)
                .collect();
            times.sort();
            Baseline {
                indicator: b.indicator.clone(),
                elapsed: times.get(times.len() / 2).copied(),
                rows: b.rows,
                why_none: b.why_none,
            }
        })
        .collect()
}

/// Part 1 `runs` times (`chiso-bench ingest` runs it once).
pub async fn ingest_runs(
    t: &Target,
    months: (Month, Month),
    seed: u64,
    work_dir: &std::path::Path,
    runs: usize,
) -> anyhow::Result<Vec<IngestFigures>> {
    let mut out = Vec::new();
    for run in 0..runs.max(1) {
        say(&format!("ingest, run {}", run + 1));
        out.push(ingest_part(t, months, seed, work_dir).await?);
    }
    for f in COLLECTED_TABLES {
        for format in [Format::JsonEachRow, Format::RowBinary, Format::Native] {
            let _ = std::fs::remove_file(work_dir.join(format.file(f)));
        }
    }
    Ok(out)
}

/// Part 1 alone (`chiso-bench ingest` runs only this): `from..=to` through
/// the collectors into a fresh `bench`, then the same rows through
/// clickhouse-client into a fresh `bench_baseline` (JSONEachRow) and a fresh
/// `bench_binary` (RowBinary).
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
    let baseline_time = ingest::baseline(t, DB_BASELINE, work_dir, Format::JsonEachRow).await?;
    let baseline_rows = ingest::stored_rows(&baseline_app.store).await?;
    if baseline_rows != file_rows {
        anyhow::bail!("the baseline stored {baseline_rows} rows of the {file_rows} in its files");
    }
    let binary_bytes = ingest::export(t, DB_BASELINE, work_dir, Format::RowBinary).await?;
    let binary_app = t.fresh_app(DB_BINARY).await?;
    say("ingest baseline: clickhouse-client INSERT … FORMAT RowBinary");
    let binary_time = ingest::baseline(t, DB_BINARY, work_dir, Format::RowBinary).await?;
    let binary_rows = ingest::stored_rows(&binary_app.store).await?;
    if binary_rows != file_rows {
        anyhow::bail!("the RowBinary baseline stored {binary_rows} rows of {file_rows}");
    }
    let native_bytes = ingest::export(t, DB_BASELINE, work_dir, Format::Native).await?;
    let native_app = t.fresh_app(DB_NATIVE).await?;
    say("ingest baseline: clickhouse-client INSERT … FORMAT Native");
    let native_time = ingest::baseline(t, DB_NATIVE, work_dir, Format::Native).await?;
    let native_rows = ingest::stored_rows(&native_app.store).await?;
    if native_rows != file_rows {
        anyhow::bail!("the Native baseline stored {native_rows} rows of {file_rows}");
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
        binary_rows,
        binary_time,
        binary_bytes,
        native_rows,
        native_time,
        native_bytes,
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

/// Copies `bench` into `database` with each service row `scale` times under
/// distinct service codes (so `scale` × the services and dossiers per
/// unit-month); measures and batches once.
pub(crate) async fn scale_copy(t: &Target, database: &str, scale: u32) -> anyhow::Result<()> {
    for sql in scale_copy_sql(DB, database, scale) {
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
pub(crate) async fn settle(t: &Target, database: &str) {
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
