//! `chiso-bench soak`: chiso's real pipeline for minutes on end against the
//! simulator, a ClickHouse and an SMTP sink of its own, while faults drawn
//! from a seed break them (issue 12 §6); then the faults stop, every job is
//! run until it succeeds, and the invariants are checked and written to
//! `target/bench/soak.md`. Not a timed test: the figures are the product.
//!
//! chiso runs as the real binary: one-shot `collect`, `compute` and `remind`
//! of the soak's months (SIGKILLed at random), and one `chiso serve` on a
//! schedule of seconds (the recent months), whose RSS is sampled.

mod check;
pub(crate) mod child;
mod cycles;
mod expected;
mod faults;
mod report;
mod rng;
mod world;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use chiso::app::App;
use chiso::config::{Overrides, SourceConfig};
use chiso::domain::Month;
use chiso::notify::{month_to_remind, today_in};
use chiso::simulate::{self, SimulatorConfig};
use chiso::store::RunOutcome;

pub use report::render;

use self::check::{RemindLine, Verdict, Watch};
use self::child::Chiso;
use self::cycles::{Plan, Recovered, Tally};
use self::expected::Expected;
use self::faults::{Event, Targets, Timeline};
use self::rng::Rng;
use self::world::{ClickHouse, Sink, SinkState};

/// The soak's database on its own server.
const DATABASE: &str = "soak";

#[derive(Debug, Clone)]
pub struct Options {
    /// How long faults are injected.
    pub duration: Duration,
    pub seed: u64,
    /// `config/chiso.toml`.
    pub config: PathBuf,
    pub clickhouse_script: PathBuf,
    pub sink_script: PathBuf,
    /// The chiso binary (default: beside this one).
    pub chiso: Option<PathBuf>,
    /// ClickHouse's data, the mails, the runs' output (emptied first).
    pub work_dir: PathBuf,
}

/// What the soak did and found.
#[derive(Debug)]
pub struct Soak {
    pub seed: u64,
    pub started: chrono::DateTime<chrono::Utc>,
    /// Faults asked for; the phase lasts until the runs under way end.
    pub duration: Duration,
    pub fault_phase: Duration,
    pub total: Duration,
    pub plan: Plan,
    pub events: Vec<Event>,
    pub tally: Tally,
    pub verdicts: Vec<Verdict>,
}

impl Soak {
    pub fn passed(&self) -> bool {
        self.verdicts.iter().all(|v| v.pass)
    }
}

fn say(text: &str) {
    eprintln!("soak: {} {text}", chrono::Utc::now().format("%H:%M:%S"));
}

/// The whole soak; its servers are stopped whatever happens.
pub async fn run(opts: &Options) -> anyhow::Result<Soak> {
    let _ = std::fs::remove_dir_all(&opts.work_dir);
    std::fs::create_dir_all(opts.work_dir.join("state"))
        .with_context(|| format!("cannot create {}", opts.work_dir.display()))?;
    let work_dir = opts.work_dir.canonicalize()?;
    say(&format!(
        "starting ClickHouse in {}",
        work_dir.join("clickhouse").display()
    ));
    let clickhouse =
        ClickHouse::start(&opts.clickhouse_script, &work_dir.join("clickhouse")).await?;
    let mut sink = Sink::start(&opts.sink_script, &work_dir.join("mail")).await?;
    let result = soak(opts, &work_dir, &clickhouse, &mut sink).await;
    sink.stop().await;
    clickhouse.stop().await;
    result
}

async fn soak(
    opts: &Options,
    work_dir: &Path,
    clickhouse: &ClickHouse,
    sink: &mut Sink,
) -> anyhow::Result<Soak> {
    let started = chrono::Utc::now();
    let begun = Instant::now();
    let app = App::load(
        &opts.config,
        &Overrides {
            clickhouse_url: Some(clickhouse.url.clone()),
            database: Some(DATABASE.into()),
            source_override: None,
        },
    )?;
    app.store.migrate().await?;
    let seed = opts.seed;
    let simulator = simulate::serve(
        app.registry.clone(),
        SimulatorConfig {
            seed,
            page_size: 500,
            slow_delay_ms: 2_500,
            fault: Vec::new(),
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .context("cannot start the simulator")?;

    let plan = plan_of(&app, seed)?;
    let recent = recent_months(&app);
    let mut months: Vec<Month> = plan.from.through(plan.to).collect();
    months.extend(recent);
    months.sort();
    months.dedup();
    let expected = Expected::of(&app.registry, &app.catalogue, &months, seed);
    let units: Vec<String> = app
        .registry
        .valid_in(plan.to)
        .filter(|u| matches!(u.source, SourceConfig::Http { .. }))
        .map(|u| u.code.to_string())
        .collect();

    let alerts = write_alerts(opts, work_dir, sink.port)?;
    let chiso = Chiso {
        bin: match &opts.chiso {
            Some(p) => p.clone(),
            None => child::find_binary()?,
        },
        config: opts.config.clone(),
        url: clickhouse.url.clone(),
        database: DATABASE.into(),
        source: simulator.base_url(),
        env: child_env(&alerts, &work_dir.join("state")),
        log_dir: work_dir.to_path_buf(),
    };
    let mut serve = chiso.serve()?;
    let serve_pid = serve.id().context("chiso serve has no pid")?;
    let samples: Arc<Mutex<Vec<(Duration, u64)>>> = Arc::default();
    let sampler = tokio::spawn(sample_rss(serve_pid, samples.clone()));

    let mut rng = Rng::new(seed);
    let (mut fault_rng, mut cycle_rng) = (rng.split(), rng.split());
    let timeline = Timeline::new();
    let until = Instant::now() + opts.duration;
    say(&format!(
        "faults for {} s (seed {seed}); collect/compute {}..{}, remind {} and earlier months; serve pid {serve_pid}",
        opts.duration.as_secs(),
        plan.from,
        plan.to,
        plan.remind_month,
    ));
    let mut targets = Targets {
        clickhouse,
        sink,
        simulator: &simulator,
        units: &units,
    };
    let (driven, busy, watch): (anyhow::Result<()>, anyhow::Result<Tally>, Watch) = tokio::join!(
        faults::drive(&mut fault_rng, &mut targets, &timeline, until),
        cycles::keep_busy(&chiso, &plan, &mut cycle_rng, &timeline, until),
        check::watch(&app.store, &expected, until, Duration::from_millis(1_500)),
    );
    let fault_phase = begun.elapsed();

    // Recovery: every server back, no fault, each job run until it succeeds.
    say("faults off; recovering");
    simulator.faults.set(Vec::new());
    if let Err(e) = &driven {
        say(&format!(
            "a fault could not be undone: {e:#}; restarting the servers"
        ));
        clickhouse.restart().await?;
    }
    targets.sink.set(SinkState::Up).await?;
    let tally = busy?;
    let recovery_wall = chrono::Utc::now();
    let mut recovery = Vec::new();
    for verb in [cycles::Verb::Collect, cycles::Verb::Compute] {
        let what = format!("chiso {}", plan.args(verb).join(" "));
        let r =
            cycles::until_done(&chiso, &what, &plan.args(verb), 20, Duration::from_secs(2)).await?;
        say(&format!("{what}: ok {} after {} tries", r.ok, r.tries));
        recovery.push(r);
    }
    let mut reminded = Vec::new();
    for &month in &tally.reminded {
        let r = cycles::until_done(
            &chiso,
            "",
            &plan.remind_args(month),
            20,
            Duration::from_secs(2),
        )
        .await?;
        reminded.push(r);
    }
    say(&format!(
        "remind of {} months: {} done",
        reminded.len(),
        reminded.iter().filter(|r| r.ok).count()
    ));
    recovery.push(Recovered::all(
        format!(
            "chiso remind of each of the {} months reminded",
            reminded.len()
        ),
        &reminded,
    ));
    let finals: Vec<RemindLine> = reminded.iter().filter_map(|r| r.last.clone()).collect();
    recovery.extend(serve_recovered(&app, recovery_wall, Duration::from_secs(120)).await);
    let r = cycles::until_done(
        &chiso,
        "chiso remind (serve's month)",
        &["remind".into()],
        20,
        Duration::from_secs(2),
    )
    .await?;
    recovery.push(r);

    sampler.abort();
    let serve_alive = serve.try_wait().ok().flatten().is_none();
    let _ = serve.start_kill();
    let _ = serve.wait().await;

    say("checking the invariants");
    let events = timeline.events();
    let mut verdicts = vec![
        check::data(&app.store, &expected).await?,
        check::duplicates(&app.store).await?,
        check::half_months(&watch),
    ];
    let mut ledger = Vec::new();
    let mut periods: Vec<String> = tally.reminded.iter().map(Month::to_string).collect();
    periods.push(month_to_remind(today_in(app.zone())).to_string());
    // The service-plan reminders are keyed by the plan deadline, not a month.
    periods.push(chiso::notify::plan_rule::period(app.plans.deadline));
    periods.sort();
    periods.dedup();
    for p in &periods {
        ledger.extend(app.store.ledger(p).await?);
    }
    let start_wall = SystemTime::now() - timeline.start.elapsed();
    verdicts.push(check::mail(
        &ledger,
        &targets.sink.received()?,
        &finals,
        &events,
        start_wall,
    ));
    let samples = samples.lock().map(|s| s.clone()).unwrap_or_default();
    let mut rss = check::rss(&samples, 20, 10 * 1024);
    if !serve_alive {
        rss.pass = false;
        rss.figures
            .push("chiso serve exited before the end (see serve.log)".into());
    }
    verdicts.push(rss);
    verdicts.push(recovery_verdict(&recovery, &tally));
    if let Err(e) = driven {
        verdicts.push(Verdict {
            name: "faults undone",
            pass: false,
            figures: vec![format!("{e:#}")],
        });
    }
    simulator.stop().await;
    Ok(Soak {
        seed,
        started,
        duration: opts.duration,
        fault_phase,
        total: begun.elapsed(),
        plan,
        events,
        tally,
        verdicts,
    })
}

/// Three months of 2024, the last reminded about the day after its deadline.
fn plan_of(app: &App, seed: u64) -> anyhow::Result<Plan> {
    let first = Month::new(2024, 1 + (seed % 9) as u32).context("a month of 2024")?;
    let to = first.next().next();
    Ok(Plan {
        from: first,
        to,
        remind_month: to,
        deadline_day: app.settings.compute.deadline_day,
    })
}

/// What `chiso serve`'s collect job covers: the previous and the current month.
fn recent_months(app: &App) -> [Month; 2] {
    let now = Month::of(today_in(app.zone()));
    [now.prev(), now]
}

/// The settings of every chiso the soak starts: short timeouts so a fault is
/// felt in seconds, a schedule of seconds for `serve`, the soak's alerts.
fn child_env(alerts: &Path, state: &Path) -> Vec<(String, String)> {
    let pairs = [
        ("CHISO_ALERTS", alerts.display().to_string()),
        ("CHISO_STATE_DIR", state.display().to_string()),
        ("CHISO_CLICKHOUSE_TIMEOUT_SECS", "15".into()),
        ("CHISO_COLLECT_TIMEOUT_SECS", "5".into()),
        ("CHISO_COLLECT_RETRIES", "1".into()),
        ("CHISO_COLLECT_UNIT_MONTH_DEADLINE_SECS", "30".into()),
        ("CHISO_COLLECT_DEADLINE_SECS", "120".into()),
        ("CHISO_COMPUTE_DEADLINE_SECS", "120".into()),
        ("CHISO_REMIND_DEADLINE_SECS", "60".into()),
        ("CHISO_SCHEDULE_COLLECT", "0,15,30,45 * * * * *".into()),
        ("CHISO_SCHEDULE_COMPUTE", "7,22,37,52 * * * * *".into()),
        ("CHISO_SCHEDULE_REMIND", "10,40 * * * * *".into()),
        (
            "CHISO_SESSION_SECRET",
            "soak-secret-not-for-any-real-deployment".into(),
        ),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The shipped alerts with the sink as server, 3 s SMTP bounds, a retry a
/// second after a failure and no giving up (a soak must not give a mail up).
fn write_alerts(opts: &Options, work_dir: &Path, port: u16) -> anyhow::Result<PathBuf> {
    let config_dir = opts
        .config
        .canonicalize()
        .with_context(|| format!("cannot find {}", opts.config.display()))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let templates = config_dir.join("../templates/mail");
    let text = format!(
        r#"# Written by chiso-bench soak: the shipped rules, the soak's SMTP sink.
bottom_n = 5
remind_days_before_deadline = 3
staff = ["tonghop.chiso@ministry.invalid"]
dashboard_base_url = "https://chiso.ministry.invalid/units"
key_indicator = "online_dossier_rate"
chart_months = 12
max_tries = 10000
backoff_secs = 1
templates_dir = {templates:?}
chart_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
lock_file = {lock:?}

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout_secs = 3
from = "Hệ thống chỉ số CĐS <chiso@ministry.invalid>"
"#,
        templates = templates.display().to_string(),
        lock = work_dir.join("state/remind.lock").display().to_string(),
    );
    let path = work_dir.join("alerts.toml");
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Samples `pid`'s RSS every second until aborted.
async fn sample_rss(pid: u32, samples: Arc<Mutex<Vec<(Duration, u64)>>>) {
    let start = Instant::now();
    loop {
        if let Some(kib) = child::rss_kib(pid) {
            if let Ok(mut s) = samples.lock() {
                s.push((start.elapsed(), kib));
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits until `chiso serve` has run each job to success since `since`.
async fn serve_recovered(
    app: &App,
    since: chrono::DateTime<chrono::Utc>,
    bound: Duration,
) -> Vec<Recovered> {
    let mut out = Vec::new();
    let started = Instant::now();
    for job in ["collect", "compute", "remind"] {
        let mut tries = 0;
        let ok = loop {
            tries += 1;
            let done = app.store.job_runs(job).await.is_ok_and(|runs| {
                runs.iter()
                    .any(|r| r.outcome == RunOutcome::Succeeded && r.started_at >= since)
            });
            if done || started.elapsed() > bound {
                break done;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        out.push(Recovered {
            what: format!("chiso serve: scheduled {job}"),
            tries,
            took: started.elapsed(),
            ok,
            last: None,
            why: if ok {
                String::new()
            } else {
                format!("no succeeded run within {} s", bound.as_secs())
            },
        });
    }
    out
}

fn recovery_verdict(recovery: &[Recovered], tally: &Tally) -> Verdict {
    let mut figures: Vec<String> = recovery
        .iter()
        .map(|r| {
            format!(
                "{}: {} after {} tries, {:.1} s{}",
                r.what,
                if r.ok { "done" } else { "NOT done" },
                r.tries,
                r.took.as_secs_f64(),
                if r.why.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.why)
                }
            )
        })
        .collect();
    figures.extend(tally.hung.iter().cloned());
    Verdict {
        name: "every job recovers once the faults stop, none hangs",
        pass: recovery.iter().all(|r| r.ok) && tally.hung.is_empty(),
        figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short soak with a fixed seed, on a ClickHouse and a sink of its own
    /// (needs clickhouse-server, python3-aiosmtpd and the chiso binary, as
    /// `make test` has them).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_short_soak_keeps_every_invariant() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = tempfile_dir();
        let opts = Options {
            duration: Duration::from_secs(20),
            seed: 12,
            config: root.join("config/chiso.toml"),
            clickhouse_script: root.join("scripts/clickhouse.sh"),
            sink_script: root.join("scripts/smtp_sink.py"),
            chiso: None,
            work_dir: dir.clone(),
        };
        let soak = run(&opts).await.unwrap();
        let text = render(&soak);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(soak.passed(), "{text}");
        assert!(!soak.events.is_empty(), "{text}");
    }

    fn tempfile_dir() -> PathBuf {
        let base = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        base.join(format!("chiso-soak-test-{}", std::process::id()))
    }
}
