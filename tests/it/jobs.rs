//! Jobs never wait on a neighbour (issue 12 §3): a silent SMTP server holds
//! neither remind past its bound nor collect; a job past its deadline is
//! stopped and recorded timed_out; a failed run is retried. `serve`: the
//! bounded stop and /readyz.

mod net;
mod serve;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Timelike, Utc};
use chrono_tz::Asia::Ho_Chi_Minh;

use chiso::notify::{self, ledger, Backend};
use chiso::schedule::{
    Backoff, CronSchedule, Job, JobName, JobRunRow, RunOutcome, Scheduler, Trigger,
};
use chiso::store::{SendState, Store};

use super::common::test_store;
use super::notify::{after_deadline, assert_no_duplicates, fixture, month, DUE_AFTER_DEADLINE};
use super::schedule::{daily_2am, hcm};
use net::{wait_until, SilentServer};

fn every_second() -> CronSchedule {
    CronSchedule::parse("* * * * * *", Ho_Chi_Minh).unwrap()
}

/// Due once: at the wall-clock second `secs` from now (this year only).
fn once_in(secs: i64) -> CronSchedule {
    let t = (Utc::now() + chrono::Duration::seconds(secs)).with_timezone(&Ho_Chi_Minh);
    let expr = format!(
        "{} {} {} {} {} * {}",
        t.second(),
        t.minute(),
        t.hour(),
        chrono::Datelike::day(&t),
        chrono::Datelike::month(&t),
        chrono::Datelike::year(&t)
    );
    CronSchedule::parse(&expr, Ho_Chi_Minh).unwrap()
}

fn counting(name: JobName, schedule: CronSchedule, runs: &Arc<AtomicUsize>) -> Job {
    let runs = runs.clone();
    Job::new(name, schedule, move |_| {
        let runs = runs.clone();
        async move { Ok(format!("run {}", runs.fetch_add(1, Ordering::SeqCst) + 1)) }
    })
}

fn no_retries() -> Backoff {
    Backoff {
        first: Duration::from_secs(3600),
        max: Duration::from_secs(3600),
        retries: 0,
    }
}

async fn latest(store: &Store, job: &str) -> Option<JobRunRow> {
    store.job_runs(job).await.unwrap().pop()
}

#[tokio::test]
async fn a_silent_smtp_server_fails_the_mail_retryably_and_holds_no_other_job() {
    let f = fixture("jobs_silent_smtp").await;
    let silent = SilentServer::start().await;
    let mut silent_smtp = f.app.alerts.smtp.clone();
    silent_smtp.port = silent.port;
    silent_smtp.timeout_secs = 5;
    let working_smtp = f.app.alerts.smtp.clone();
    let app = Arc::new(f.app);
    let store = app.store.clone();

    let remind = {
        let app = app.clone();
        Job::new(JobName::Remind, once_in(2), move |_| {
            let (app, smtp) = (app.clone(), silent_smtp.clone());
            async move {
                let backend = Backend::smtp(&smtp, |_| None)?;
                let report = notify::remind(&app, month(), after_deadline(), &backend).await?;
                match report.all_succeeded() {
                    true => Ok(report.to_string()),
                    false => Err(anyhow::anyhow!(report.to_string())),
                }
            }
        })
        .with_deadline(Duration::from_secs(60))
    };
    let collects = Arc::new(AtomicUsize::new(0));
    let collect = counting(JobName::Collect, every_second(), &collects);
    let state = tempfile::tempdir().unwrap();
    let s = Scheduler::new(store.clone(), state.path().into(), vec![collect, remind])
        .unwrap()
        .with_backoff(no_retries());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let loops = tokio::spawn(async move {
        s.run_until(async {
            let _ = stopped.await;
        })
        .await
    });

    // Remind is now stuck in the SMTP exchange; collect keeps its slots.
    silent.wait_for_connection(Duration::from_secs(15)).await;
    let before = collects.load(Ordering::SeqCst);
    wait_until(Duration::from_secs(3), || {
        collects.load(Ordering::SeqCst) > before
    })
    .await;
    let remind_run = latest(&store, "remind").await.unwrap();
    assert_eq!(
        remind_run.outcome,
        RunOutcome::Running,
        "collect ran while remind hung"
    );

    // Remind ends by itself once the SMTP bound passes, failed, not hung.
    let mut finished = None;
    for _ in 0..200 {
        let run = latest(&store, "remind").await.unwrap();
        if run.outcome != RunOutcome::Running {
            finished = Some(run);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let run = finished.expect("remind ended");
    assert_eq!(run.outcome, RunOutcome::Failed, "{}", run.detail);
    assert!(run.detail.contains("within 5 s"), "{}", run.detail);
    assert!(run.finished_at - run.started_at <= chrono::Duration::seconds(20));
    let _ = stop.send(());
    loops.await.unwrap();

    // The tried mail is pending again (retryable, not given up); none is left sending.
    let rows = store.ledger(&month().to_string()).await.unwrap();
    assert_eq!(rows.len(), DUE_AFTER_DEADLINE, "{rows:?}");
    let tried: Vec<_> = rows.iter().filter(|r| r.tries > 0).collect();
    assert_eq!(
        tried.len(),
        1,
        "the batch stops at a silent server: {rows:?}"
    );
    assert!(
        tried[0].last_reply.contains("within 5 s"),
        "{}",
        tried[0].last_reply
    );
    for r in &rows {
        assert_eq!(r.state, SendState::Pending, "{r:?}");
        assert_eq!(ledger::decide(Some(r), Utc::now()), ledger::Decision::Retry);
    }
    assert!(f.sink.received().is_empty());

    // A working server gets every mail exactly once.
    let backend = Backend::smtp(&working_smtp, |_| None).unwrap();
    let report = notify::remind(&app, month(), after_deadline(), &backend)
        .await
        .unwrap();
    assert_eq!(
        (report.sent, report.due),
        (DUE_AFTER_DEADLINE, DUE_AFTER_DEADLINE),
        "{report}"
    );
    let again = notify::remind(&app, month(), after_deadline(), &backend)
        .await
        .unwrap();
    assert_eq!(
        (again.sent, again.already_sent),
        (0, DUE_AFTER_DEADLINE),
        "{again}"
    );
    let received = f.sink.received();
    assert_eq!(received.len(), DUE_AFTER_DEADLINE);
    assert_no_duplicates(&received);
}

/// Sets its flag when dropped: the job's future was stopped, not left running.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_job_past_its_deadline_is_stopped_and_recorded_timed_out() {
    let store = test_store("jobs_timed_out").await;
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let stuck = Job::new(JobName::Compute, daily_2am(), move |_| {
        let guard = DropFlag(flag.clone());
        async move {
            tokio::time::sleep(Duration::from_secs(600)).await;
            drop(guard);
            Ok("finished".to_string())
        }
    })
    .with_deadline(Duration::from_millis(300));
    let state = tempfile::tempdir().unwrap();
    let s = Scheduler::new(store.clone(), state.path().into(), vec![stuck]).unwrap();
    let at = hcm(2026, 10, 6, 2, 30);
    let run = s
        .run_job(JobName::Compute, at, Trigger::Schedule)
        .await
        .unwrap();
    assert_eq!(run.outcome, RunOutcome::TimedOut);
    assert!(
        run.detail
            .contains("deadline of 0.3 s (schedule.compute_deadline_secs)"),
        "{}",
        run.detail
    );
    assert!(dropped.load(Ordering::SeqCst), "the job's work was dropped");

    let recorded = store.job_runs("compute").await.unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].outcome, RunOutcome::TimedOut);
    let failures = store.job_history("compute").await.unwrap().failures;
    assert_eq!(failures.map(|f| (f.count, f.last_served)), Some((1, at)));
}

#[tokio::test]
async fn a_failed_run_is_retried_at_start_after_its_backoff_and_a_success_ends_it() {
    let store = test_store("jobs_retry_at_start").await;
    let at = hcm(2026, 10, 6, 2, 0);
    let ended = at + chrono::Duration::minutes(5);
    for (id, outcome) in [("down", RunOutcome::Failed), ("slow", RunOutcome::TimedOut)] {
        store
            .record_job_run(&JobRunRow {
                run_id: id.into(),
                job: "collect".into(),
                period: "2026-09..2026-10".into(),
                scheduled_for: at,
                trigger: Trigger::Schedule,
                started_at: at,
                finished_at: ended,
                outcome,
                detail: "clickhouse unreachable".into(),
                host: "test".into(),
                version: 2,
            })
            .await
            .unwrap();
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let state = tempfile::tempdir().unwrap();
    let s = Scheduler::new(
        store.clone(),
        state.path().into(),
        vec![counting(JobName::Collect, daily_2am(), &runs)],
    )
    .unwrap();

    // Two failures in a row: the retry waits 2 minutes after the last.
    let early = s
        .catch_up(ended + chrono::Duration::seconds(90))
        .await
        .unwrap();
    assert!(early.is_empty(), "{early:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    let retried = s
        .catch_up(ended + chrono::Duration::minutes(3))
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].trigger, Trigger::Retry);
    assert_eq!(
        retried[0].scheduled_for, at,
        "the retry serves the failed slot"
    );
    assert_eq!(retried[0].outcome, RunOutcome::Succeeded);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // The success ends the retries.
    assert_eq!(store.job_history("collect").await.unwrap().failures, None);
    let later = s
        .catch_up(ended + chrono::Duration::minutes(60))
        .await
        .unwrap();
    assert!(later.is_empty(), "{later:?}");
}

#[tokio::test]
async fn a_scheduled_run_that_fails_is_retried_by_the_running_service_until_it_succeeds() {
    let store = test_store("jobs_retry_live").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let flaky = Job::new(JobName::Collect, once_in(2), move |_| {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            match n {
                1 | 2 => anyhow::bail!("clickhouse unreachable (try {n})"),
                _ => Ok(format!("collected on try {n}")),
            }
        }
    });
    let state = tempfile::tempdir().unwrap();
    let s = Scheduler::new(store.clone(), state.path().into(), vec![flaky])
        .unwrap()
        .with_backoff(Backoff {
            first: Duration::from_millis(200),
            max: Duration::from_millis(300),
            retries: 5,
        });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let loops = tokio::spawn(async move {
        s.run_until(async {
            let _ = stopped.await;
        })
        .await
    });
    wait_until(Duration::from_secs(15), || {
        calls.load(Ordering::SeqCst) >= 3
    })
    .await;
    // Past the longest backoff: a success is not retried.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop.send(());
    loops.await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    let recorded = store.job_runs("collect").await.unwrap();
    // Runs within one second: `job_runs` orders them by run_id there.
    let mut seen: Vec<_> = recorded
        .iter()
        .map(|r| (r.trigger, r.outcome, r.scheduled_for))
        .collect();
    seen.sort_by_key(|(t, o, _)| (*t as i8, *o as i8));
    let slot = recorded[0].scheduled_for;
    assert_eq!(
        seen,
        [
            (Trigger::Schedule, RunOutcome::Failed, slot),
            (Trigger::Retry, RunOutcome::Succeeded, slot),
            (Trigger::Retry, RunOutcome::Failed, slot),
        ]
    );
}

#[tokio::test]
async fn a_slot_that_keeps_failing_is_retried_a_bounded_number_of_times() {
    let store = test_store("jobs_retries_spent").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let broken = Job::new(JobName::Compute, once_in(2), move |_| {
        c.fetch_add(1, Ordering::SeqCst);
        async { anyhow::bail!("a unit down all day") }
    });
    let state = tempfile::tempdir().unwrap();
    let s = Scheduler::new(store.clone(), state.path().into(), vec![broken])
        .unwrap()
        .with_backoff(Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(100),
            retries: 2,
        });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let loops = tokio::spawn(async move {
        s.run_until(async {
            let _ = stopped.await;
        })
        .await
    });
    wait_until(Duration::from_secs(15), || {
        calls.load(Ordering::SeqCst) >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop.send(());
    loops.await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3, "the run and its 2 retries");
    let failures = store.job_history("compute").await.unwrap().failures;
    assert_eq!(failures.map(|f| f.count), Some(3));
}

#[tokio::test]
async fn compute_due_while_collect_runs_waits_for_it_and_remind_does_not() {
    let store = test_store("jobs_compute_after_collect").await;
    let collected = Arc::new(AtomicBool::new(false));
    let done = collected.clone();
    let collect = Job::new(JobName::Collect, once_in(2), move |_| {
        let done = done.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            done.store(true, Ordering::SeqCst);
            Ok("collected".to_string())
        }
    });
    // Both due a second into collect's run.
    let saw = |name, schedule| {
        let seen = collected.clone();
        Job::new(name, schedule, move |_| {
            let collected = seen.load(Ordering::SeqCst);
            async move { Ok(format!("collect over: {collected}")) }
        })
    };
    let compute = saw(JobName::Compute, once_in(3)).after(JobName::Collect);
    let remind = saw(JobName::Remind, once_in(3));
    let state = tempfile::tempdir().unwrap();
    let s = Scheduler::new(
        store.clone(),
        state.path().into(),
        vec![collect, compute, remind],
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let loops = tokio::spawn(async move {
        s.run_until(async {
            let _ = stopped.await;
        })
        .await
    });
    tokio::time::sleep(Duration::from_secs(6)).await;
    let _ = stop.send(());
    loops.await.unwrap();
    let detail = |job: &'static str| {
        let store = store.clone();
        async move { latest(&store, job).await.map(|r| (r.outcome, r.detail)) }
    };
    let over = |b: bool| Some((RunOutcome::Succeeded, format!("collect over: {b}")));
    assert_eq!(detail("compute").await, over(true));
    assert_eq!(detail("remind").await, over(false));
}
