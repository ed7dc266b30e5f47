//! `chiso-bench` (`make bench`, via scripts/bench.sh): runs every benchmark
//! part against a throwaway ClickHouse and writes `target/bench/report.md`.
//! `chiso-bench serve` is the web server the dashboards part loads.
//!
//! Where chiso stands against the limits of its
//! own parts, each figure beside a baseline measured in the same run — the
//! collectors beside ClickHouse ingesting the same rows itself, the recompute
//! beside one hand-written query per indicator, the pages under `wrk`. It sits
//! at the far right of the pipeline: it drives every module, none uses it.

mod analysts;
mod cluster;
mod compute;
mod dashboards;
mod freshness;
mod ingest;
mod load;
mod machine;
mod report;
mod report_parts;
#[cfg(test)]
mod report_tests;
mod run;
mod scale;
mod soak;
mod stats;
mod target;
mod wrk;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chiso::domain::Month;
use clap::{Parser, Subcommand};
use dashboards::Load;
use run::{compute_part, ingest_part, run, Options};
use target::Target;

// glibc's malloc, freeing across threads, was a tenth of a collect run's CPU
// and slowed every page under load (`make bench`); mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "chiso-bench",
    about = "chiso's benchmarks: ingest, compute, dashboards, scale"
)]
struct Cli {
    #[arg(long, default_value = "config/chiso.toml")]
    config: PathBuf,
    /// The bench's ClickHouse (HTTP URL); `soak` starts its own.
    #[arg(long)]
    clickhouse_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every part, then the report.
    Run {
        /// The ClickHouse directory of `scripts/clickhouse.sh start DIR`.
        #[arg(long)]
        clickhouse_dir: PathBuf,
        #[arg(long, default_value = "scripts/clickhouse.sh")]
        clickhouse_script: PathBuf,
        #[arg(long, default_value = "target/bench/report.md")]
        out: PathBuf,
        /// Appended to the report: the closing note on what limits each figure.
        #[arg(long)]
        notes: Option<PathBuf>,
        #[arg(long, default_value = "2024-01")]
        ingest_from: Month,
        #[arg(long, default_value = "2024-12")]
        ingest_to: Month,
        #[arg(long, default_value_t = 2019)]
        from_year: i32,
        #[arg(long, default_value_t = 2025)]
        to_year: i32,
        #[arg(long, default_value_t = 10)]
        scale: u32,
        #[arg(long, default_value_t = 64)]
        connections: u32,
        #[arg(long, default_value_t = 10)]
        duration_secs: u32,
        /// Web server workers (default: the cores).
        #[arg(long)]
        workers: Option<usize>,
        #[arg(long, default_value_t = 2019)]
        seed: u64,
        /// How many times each part runs; the report judges the median.
        #[arg(long, env = "CHISO_BENCH_RUNS", default_value_t = 3)]
        runs: usize,
        /// Concurrent analysts on the SQL endpoint.
        #[arg(long, default_value_t = 16)]
        analysts: usize,
        /// How long each analyst run lasts (s).
        #[arg(long, default_value_t = 30)]
        analyst_secs: u32,
        /// `scripts/cluster.sh`: the two-replica cluster of the cluster part.
        #[arg(long, default_value = "scripts/cluster.sh")]
        cluster_script: PathBuf,
        /// Skip the cluster part.
        #[arg(long, env = "CHISO_BENCH_NO_CLUSTER")]
        no_cluster: bool,
        /// Where the cluster part puts its replicas and ZooKeeper (default:
        /// `cluster` under the work directory); `scripts/bench.sh` puts it
        /// beside the single server, on the same filesystem.
        #[arg(long)]
        cluster_dir: Option<PathBuf>,
    },
    /// Part 1 (ingest) alone, printed: a quick loop for profiling the collectors.
    Ingest {
        #[arg(long)]
        clickhouse_dir: PathBuf,
        #[arg(long, default_value = "scripts/clickhouse.sh")]
        clickhouse_script: PathBuf,
        #[arg(long, default_value = "target/bench")]
        work_dir: PathBuf,
        #[arg(long, default_value = "2024-01")]
        ingest_from: Month,
        #[arg(long, default_value = "2024-12")]
        ingest_to: Month,
        #[arg(long, default_value_t = 2019)]
        seed: u64,
    },
    /// Part 2 (compute) alone, printed, over DATABASE: loads 2019–2025 into it
    /// first when it holds no service rows; a quick loop for profiling. Over
    /// HTTP only, it does not wait for the load's merges: run it twice.
    Compute {
        #[arg(long, default_value = "bench_compute")]
        database: String,
        #[arg(long, default_value_t = 2019)]
        from_year: i32,
        #[arg(long, default_value_t = 2025)]
        to_year: i32,
        #[arg(long, default_value_t = 2019)]
        seed: u64,
    },
    /// Part 6 (scale) alone, printed: `bench` (as the run or `compute
    /// --database bench` left it) copied ×SCALE and computed.
    Scale {
        #[arg(long)]
        clickhouse_dir: PathBuf,
        #[arg(long, default_value = "scripts/clickhouse.sh")]
        clickhouse_script: PathBuf,
        #[arg(long, default_value_t = 2019)]
        from_year: i32,
        #[arg(long, default_value_t = 2025)]
        to_year: i32,
        #[arg(long, default_value_t = 10)]
        scale: u32,
    },
    /// chiso for N minutes under random faults (ClickHouse killed, units slow
    /// or broken, SMTP down or silent, chiso killed), then the invariants;
    /// writes target/bench/soak.md, exits non-zero if one broke.
    Soak {
        #[arg(long, conflicts_with = "seconds")]
        minutes: Option<u64>,
        /// A short run (the test's).
        #[arg(long)]
        seconds: Option<u64>,
        #[arg(long, default_value_t = 2019)]
        seed: u64,
        #[arg(long, default_value = "scripts/clickhouse.sh")]
        clickhouse_script: PathBuf,
        #[arg(long, default_value = "scripts/smtp_sink.py")]
        sink_script: PathBuf,
        /// The chiso binary (default: the one beside chiso-bench).
        #[arg(long)]
        chiso: Option<PathBuf>,
        /// ClickHouse's data, the mails and the runs' output (emptied first).
        #[arg(long, default_value = "target/bench/soak")]
        work_dir: PathBuf,
        #[arg(long, default_value = "target/bench/soak.md")]
        out: PathBuf,
    },
    /// The web server over DATABASE; prints its URL, runs until killed.
    Serve {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    chiso::logging::init();
    match main_inner(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chiso-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn main_inner(cli: Cli) -> anyhow::Result<()> {
    let url = cli
        .clickhouse_url
        .context("--clickhouse-url is needed (every command but soak)");
    match cli.command {
        Command::Soak {
            minutes,
            seconds,
            seed,
            clickhouse_script,
            sink_script,
            chiso,
            work_dir,
            out,
        } => {
            let secs = seconds.unwrap_or(minutes.unwrap_or(5) * 60);
            let opts = soak::Options {
                duration: std::time::Duration::from_secs(secs),
                seed,
                config: cli.config,
                clickhouse_script,
                sink_script,
                chiso,
                work_dir,
            };
            let result = soak::run(&opts).await?;
            let text = soak::render(&result);
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&out, &text)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{text}");
            eprintln!("chiso-bench: soak report written to {}", out.display());
            if !result.passed() {
                anyhow::bail!("the soak broke an invariant (see {})", out.display());
            }
            Ok(())
        }
        Command::Serve { database, workers } => {
            let target = Target::http_only(cli.config, url?);
            let app = Arc::new(target.app(&database)?);
            let web = chiso::web::serve(app, ([127, 0, 0, 1], 0).into(), workers)?;
            println!("{}", web.url());
            tokio::signal::ctrl_c()
                .await
                .context("waiting for a signal")?;
            web.stop().await;
            Ok(())
        }
        Command::Compute {
            database,
            from_year,
            to_year,
            seed,
        } => {
            let target = Target::http_only(cli.config, url?);
            let figures = compute_part(&target, &database, (from_year, to_year), seed).await?;
            println!("{figures}");
            Ok(())
        }
        Command::Scale {
            clickhouse_dir,
            clickhouse_script,
            from_year,
            to_year,
            scale,
        } => {
            let target = Target {
                config: cli.config,
                clickhouse_url: url?,
                clickhouse_dir,
                clickhouse_script,
                log_dir: PathBuf::from("target/bench"),
                env: Vec::new(),
            };
            let all = compute::periods(from_year, to_year);
            let f = scale::part(&target, scale, &all).await?;
            println!(
                "×{scale}: copy {:.2} s, compute {:.2} s ({} stored), with the aggregates emptied {:.2} s",
                f.copy.as_secs_f64(),
                f.first.elapsed.as_secs_f64(),
                f.first.stored,
                f.refilled.elapsed.as_secs_f64()
            );
            Ok(())
        }
        Command::Ingest {
            clickhouse_dir,
            clickhouse_script,
            work_dir,
            ingest_from,
            ingest_to,
            seed,
        } => {
            let target = Target {
                config: cli.config,
                clickhouse_url: url?,
                clickhouse_dir,
                clickhouse_script,
                log_dir: work_dir.clone(),
                env: Vec::new(),
            };
            let months = (ingest_from, ingest_to);
            let figures = ingest_part(&target, months, seed, &work_dir).await?;
            println!(
                "ClickHouse data on {}\n",
                machine::storage(&target.clickhouse_dir)
            );
            println!("{}", report::render_ingest(std::slice::from_ref(&figures)));
            Ok(())
        }
        Command::Run {
            clickhouse_dir,
            clickhouse_script,
            out,
            notes,
            ingest_from,
            ingest_to,
            from_year,
            to_year,
            scale,
            connections,
            duration_secs,
            workers,
            seed,
            runs,
            analysts,
            analyst_secs,
            cluster_script,
            no_cluster,
            cluster_dir,
        } => {
            let workers = workers.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(usize::from)
                    .unwrap_or(2)
            });
            let work_dir = out.parent().map(PathBuf::from).unwrap_or_default();
            let cluster_dir = cluster_dir.unwrap_or_else(|| work_dir.join("cluster"));
            let opts = Options {
                target: Target {
                    config: cli.config,
                    clickhouse_url: url?,
                    clickhouse_dir,
                    clickhouse_script,
                    log_dir: work_dir.clone(),
                    env: Vec::new(),
                },
                work_dir,
                seed,
                ingest: (ingest_from, ingest_to),
                years: (from_year, to_year),
                scale,
                load: Load {
                    connections,
                    duration_secs,
                    threads: 2,
                },
                workers,
                runs,
                analysts,
                analyst_secs,
                cluster_script: (!no_cluster).then_some(cluster_script),
                cluster_dir,
            };
            let report = run(&opts).await?;
            let notes = match notes {
                Some(p) => Some(
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                ),
                None => None,
            };
            let text = report::render(&report, notes.as_deref());
            std::fs::write(&out, &text)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{text}");
            eprintln!("chiso-bench: report written to {}", out.display());
            Ok(())
        }
    }
}
