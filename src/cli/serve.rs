//! `chiso serve`: migrations, the pages and API, and the scheduler until a signal.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chiso::app::App;
use chiso::collect::{Collector, Prober};
use chiso::lease::Lease;
use chiso::schedule::{self, Scheduler, Schedules};

pub async fn run(app: App, addr: SocketAddr, workers: usize) -> anyhow::Result<()> {
    let applied = app.store.migrate().await?;
    if !applied.is_empty() {
        println!("applied migrations: {}", applied.join(", "));
    }
    let schedules = Schedules::with_probe(&app.settings.schedule, &app.settings.probe.schedule)?;
    let prober = Arc::new(Prober::from_settings(&app.settings)?);
    let state_dir = app.settings.resolve(&app.settings.schedule.state_dir);
    let collector = Arc::new(Collector::new(
        app.store.clone(),
        app.registry.clone(),
        app.catalogue.clone(),
        app.settings.collector.clone(),
    )?);
    let app = Arc::new(app);
    // Cluster mode: only the instance holding the lease runs the jobs.
    let lease = Lease::from_settings(&app.settings.coordination, &schedule::instance_name());
    if lease.is_cluster() {
        println!(
            "cluster mode: instance {} campaigns for the lease in ZooKeeper {}",
            lease.instance(),
            app.settings.coordination.zookeeper
        );
    }
    let s = &app.settings.schedule;
    let jobs = vec![
        schedule::collect_job(collector, schedules.collect.clone())
            .with_deadline(Duration::from_secs(s.collect_deadline_secs)),
        schedule::compute_job(app.clone(), schedules.compute.clone())
            .with_deadline(Duration::from_secs(s.compute_deadline_secs)),
        schedule::remind_job_leading(app.clone(), lease.clone(), schedules.remind.clone())
            .with_deadline(Duration::from_secs(s.remind_deadline_secs)),
        schedule::probe_job(app.clone(), prober, schedules.probe.clone())
            .with_deadline(Duration::from_secs(app.settings.probe.deadline_secs)),
    ];
    for job in &jobs {
        println!(
            "job {:<8} {}  next {}",
            job.name.as_str(),
            job.schedule.expression(),
            job.schedule
                .next_after(chrono::Utc::now())
                .map(|t| t.with_timezone(&schedules.zone).to_rfc3339())
                .unwrap_or_else(|| "never".into())
        );
    }
    let scheduler = Scheduler::new(app.store.clone(), state_dir, jobs)?.with_lease(lease.clone());
    let web = chiso::web::serve_leading(app.clone(), lease.clone(), addr, workers)
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("API at {}  (Ctrl-C or SIGTERM stops)", web.url());
    // Within STOP_GRACE the loops stop, within WEB_GRACE_SECS the web server;
    // the watchdog ends the process at STOP_BOUND whatever still runs.
    let stop = chiso::shutdown::signal_then_bound(chiso::shutdown::STOP_BOUND);
    scheduler.run_until(stop).await;
    // The election node goes at once: another instance takes the jobs now.
    lease.resign().await;
    web.stop().await;
    Ok(())
}
