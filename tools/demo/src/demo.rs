//! The demo (`chiso-demo`, what `make run` starts): migrate, serve the simulator of every
//! unit, backfill months of statistics through the real collectors, compute
//! and freeze the results, serve the API, and keep running until Ctrl-C.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::Context;

use chiso::app::App;
use chiso::collect::{Collector, Report, REPLAY_DAYS};
use chiso::domain::{Month, Period};
use chiso::simulate::{self, SimulatorConfig};

pub struct DemoOptions {
    pub from: Month,
    pub to: Month,
    pub simulator_addr: SocketAddr,
    /// Where the API listens (port 0: any free port).
    pub web_addr: SocketAddr,
    /// Return after the summary instead of waiting for Ctrl-C (used by tests and CI).
    pub exit_after_backfill: bool,
}

pub async fn run(mut app: App, opts: DemoOptions) -> anyhow::Result<()> {
    let version = app
        .store
        .server_version()
        .await
        .context("ClickHouse is not reachable")?;
    let applied = app.store.migrate().await?;
    println!(
        "ClickHouse {version} at {}, database '{}'",
        app.settings.clickhouse.url,
        app.store.database()
    );
    println!(
        "migrations applied now: {}",
        if applied.is_empty() {
            "none (up to date)".to_string()
        } else {
            applied.join(", ")
        }
    );

    let sim_config = SimulatorConfig::load(&app.settings.resolve(&app.settings.paths.simulator))?;
    let sim_seed = sim_config.seed;
    let sim = simulate::serve(app.registry.clone(), sim_config, opts.simulator_addr)
        .with_context(|| format!("cannot start the simulator on {}", opts.simulator_addr))?;
    println!(
        "simulator of all units at {}  (GET {}/{{unit}}/v1/stats?month=YYYY-MM)",
        sim.base_url(),
        sim.base_url()
    );
    // Units submit at their own times (simulate::submission_time). The newest
    // months are replayed day by day on a clock the simulator shares, as a
    // chiso watching them would have collected: on time, late and missing.
    // Older months, first collected now, show "arrival unknown".
    sim.release_at_submission_times();
    println!("\nsimulated public service portals on loopback (docs/probes.md):");
    let _portals = crate::portals::start(&mut app, opts.to).await?;
    app.settings.collector.source_override = Some(sim.base_url());

    let mut collector = Collector::new(
        app.store.clone(),
        app.registry.clone(),
        app.catalogue.clone(),
        app.settings.collector.clone(),
    )?;
    collector.clock = sim.clock();
    let all: Vec<Month> = opts.from.through(opts.to).collect();
    let (backfilled, replayed) = all.split_at(all.len().saturating_sub(REPLAYED_MONTHS));
    let (mut rows, mut failures) = (0usize, Vec::new());
    if let (Some(first), Some(last)) = (backfilled.first(), backfilled.last()) {
        println!("\nbackfilling {first} to {last} for every unit valid in each month:");
        println!(
            "{:<8} {:>6} {:>9} {:>7} {:>10} {:>12} {:>7}",
            "month", "units", "succeeded", "failed", "unchanged", "rows stored", "secs"
        );
    }
    for &month in backfilled {
        let started = Instant::now();
        let units = collector.units_for(month, None)?;
        let report = collector.collect(month, &units, false).await;
        let unchanged = report.count(chiso::store::Outcome::Unchanged);
        let failed: Vec<_> = report.failed().cloned().collect();
        println!(
            "{:<8} {:>6} {:>9} {:>7} {:>10} {:>12} {:>7.1}",
            month.to_string(),
            units.len(),
            report.succeeded(),
            failed.len(),
            unchanged,
            report.rows(),
            started.elapsed().as_secs_f64()
        );
        rows += report.rows();
        failures.extend(failed);
    }
    println!("\nreplaying the newest months day by day after their end, as chiso would have collected them:");
    for &month in replayed {
        let zone = app.zone();
        let days = collector
            .replay_month(month, (&REPLAY_DAYS, 17, zone))
            .await?;
        let deadline = app.computer().deadline.of(month);
        let summary = replay_summary(&days, deadline);
        rows += days.iter().map(|(_, r)| r.rows()).sum::<usize>();
        println!("{month}  {summary}");
    }
    println!(
        "\n{rows} rows stored in this run; {} unit-months of the backfill not collected:",
        failures.len()
    );
    for f in &failures {
        println!("  {:<9} {}", f.outcome.as_str(), f.message);
    }
    let started = Instant::now();
    let months: Vec<Month> = opts.from.through(opts.to).collect();
    let computed = app.computer().compute_months(&months).await?;
    let stored = computed
        .iter()
        .filter(|c| c.written == chiso::compute::publish::Written::Stored)
        .count();
    println!(
        "\ncomputed {} periods (months, quarters, years, years to date): {stored} stored, {} unchanged, in {:.1} s",
        computed.len(),
        computed.len() - stored,
        started.elapsed().as_secs_f64()
    );
    // As DTI publishes: every month but the newest is frozen.
    let mut frozen = 0;
    for m in months.iter().rev().skip(1) {
        let (outcome, _) = app.computer().freeze(Period::Month(*m)).await?;
        frozen += usize::from(outcome == chiso::compute::publish::FreezeOutcome::Frozen);
    }
    println!("froze {frozen} month(s) now (all but {})", opts.to);

    let plans = crate::plans::file_demo_plans(&app, (opts.from, opts.to), sim_seed).await?;
    println!(
        "filed {plans} service plans now (1145/BTTTT-THH; deadline {})",
        app.plans.deadline
    );
    demo_accounts(&app).await?;
    let app = std::sync::Arc::new(app);
    let web = chiso::web::serve(app.clone(), opts.web_addr, 2)
        .with_context(|| format!("cannot listen on {}", opts.web_addr))?;
    println!(
        "web pages and API at {url}  (ranking: {url}/xep-hang?period={m}; API: {url}/api/v1/rankings?period={m})",
        url = web.url(),
        m = opts.to
    );
    println!(
        "\nWhile it runs, in another terminal:\n  target/release/chiso --clickhouse-url {url} runs --month {m}\n  target/release/chiso --clickhouse-url {url} --source-override {sim} collect --month {m}\n  scripts/clickhouse.sh client var/clickhouse --database chiso",
        url = app.settings.clickhouse.url,
        m = opts.to,
        sim = sim.base_url(),
    );
    if !opts.exit_after_backfill {
        println!("\nchiso demo is running (simulator and API up). Press Ctrl-C to stop.");
        chiso::shutdown::signal_then_bound(chiso::shutdown::STOP_BOUND).await;
    }
    web.stop().await;
    sim.stop().await;
    Ok(())
}

/// One account per role, created on the first run with a password printed
/// once; later runs say they exist (reset with `chiso users add`).
async fn demo_accounts(app: &App) -> anyhow::Result<()> {
    use chiso::accounts::credentials::{add_user, random_text};
    use chiso::store::RoleCode;
    let accounts = [
        ("bo-tt", RoleCode::Ministry, None, "cán bộ bộ (xem mọi thứ)"),
        (
            "don-vi-01",
            RoleCode::Unit,
            Some("01"),
            "cán bộ Hà Nội (chỉ đơn vị mình)",
        ),
        (
            "phan-tich",
            RoleCode::Analyst,
            None,
            "chuyên viên phân tích (SQL)",
        ),
    ];
    println!("\ndemo accounts (login at /login):");
    for (login, role, unit, what) in accounts {
        if app.store.user(login).await?.is_some() {
            println!("  {login:<10} exists ({what}); its password was printed when it was created");
            continue;
        }
        let password = random_text(16)?;
        add_user(&app.store, &app.registry, login, role, unit, &password).await?;
        println!("  {login:<10} password {password}  ({what})");
    }
    Ok(())
}

/// The newest months are replayed rather than backfilled: the last one is
/// usually still before its deadline, the two before it show late reports.
const REPLAYED_MONTHS: usize = 3;

/// "N on time, N late, N not reported (as of …)" from a replay's daily reports:
/// each unit counts on the day its report was first stored.
fn replay_summary(days: &[(chrono::DateTime<chrono::Utc>, Report)], deadline: i64) -> String {
    use std::collections::BTreeMap;
    let mut first: BTreeMap<String, i64> = BTreeMap::new();
    let mut units = std::collections::BTreeSet::new();
    for (at, report) in days {
        for r in &report.results {
            units.insert(r.unit.to_string());
            if r.outcome.is_success() {
                first.entry(r.unit.to_string()).or_insert(at.timestamp());
            }
        }
    }
    let on_time = first.values().filter(|&&t| t <= deadline).count();
    let late = first.len() - on_time;
    let last = days
        .last()
        .map(|(at, _)| {
            at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
                .format("%d/%m/%Y")
                .to_string()
        })
        .unwrap_or_else(|| "—".into());
    format!(
        "{on_time} on time, {late} late, {} not reported as of {last}",
        units.len() - first.len()
    )
}
