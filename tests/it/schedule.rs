//! The scheduler against the real ClickHouse: runs recorded in `job_runs`, a
//! missed run caught up once, no job running twice at once, the collect job.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Ho_Chi_Minh;

use chiso::schedule::{
    collect_job, CronSchedule, Job, JobName, JobRunRow, RunOutcome, Scheduler, Trigger,
};
use chiso::simulate::{Fault, FaultMode};
use chiso::store::{Outcome, Store};

use super::common::{collector, month, simulator, test_store};

pub(super) fn hcm(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Ho_Chi_Minh
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub(super) fn daily_2am() -> CronSchedule {
    CronSchedule::parse("0 0 2 * * *", Ho_Chi_Minh).unwrap()
}

/// A daily job that counts its runs, sleeping `ms` first.
fn counting(name: JobName, runs: &Arc<AtomicUsize>, ms: u64) -> Job {
    counting_on(daily_2am(), name, runs, ms)
}

fn counting_on(schedule: CronSchedule, name: JobName, runs: &Arc<AtomicUsize>, ms: u64) -> Job {
    let runs = runs.clone();
    Job::new(name, schedule, move |ctx| {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(format!("ran for {}", ctx.scheduled_for))
        }
    })
}

fn scheduler(store: &Store, state: &tempfile::TempDir, jobs: Vec<Job>) -> Scheduler {
    Scheduler::new(store.clone(), state.path().to_path_buf(), jobs).unwrap()
}

#[tokio::test]
async fn a_run_missed_while_down_is_caught_up_once() {
    let store = test_store("schedule_catch_up").await;
    let last = hcm(2026, 10, 3, 2, 0);
    store
        .record_job_run(&JobRunRow {
            run_id: "earlier".into(),
            job: "collect".into(),
            period: "2026-09..2026-10".into(),
            scheduled_for: last,
            trigger: Trigger::Schedule,
            started_at: last,
            finished_at: last,
            outcome: RunOutcome::Succeeded,
            detail: String::new(),
            host: "test".into(),
            version: 2,
        })
        .await
        .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let state = tempfile::tempdir().unwrap();
    let s = scheduler(&store, &state, vec![counting(JobName::Collect, &runs, 0)]);

    // Down for three days: slots on the 4th, 5th and 6th passed.
    let now = hcm(2026, 10, 6, 8, 0);
    let caught = s.catch_up(now).await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].scheduled_for, hcm(2026, 10, 6, 2, 0));
    assert_eq!(caught[0].trigger, Trigger::CatchUp);
    assert_eq!(caught[0].outcome, RunOutcome::Succeeded);

    let recorded = store.job_runs("collect").await.unwrap();
    let catch_ups: Vec<_> = recorded
        .iter()
        .filter(|r| r.trigger == Trigger::CatchUp)
        .collect();
    assert_eq!(catch_ups.len(), 1, "{recorded:?}");
    assert_eq!(catch_ups[0].outcome, RunOutcome::Succeeded);
    assert_eq!(catch_ups[0].period, "2026-10");
    assert_eq!(
        catch_ups[0].detail,
        format!("ran for {}", hcm(2026, 10, 6, 2, 0))
    );

    // Restarted an hour later: nothing was missed since.
    let again = scheduler(&store, &state, vec![counting(JobName::Collect, &runs, 0)]);
    assert!(again
        .catch_up(now + chrono::Duration::hours(1))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_job_never_recorded_is_not_caught_up_at_first_start() {
    let store = test_store("schedule_first_start").await;
    let runs = Arc::new(AtomicUsize::new(0));
    let state = tempfile::tempdir().unwrap();
    let s = scheduler(&store, &state, vec![counting(JobName::Remind, &runs, 0)]);
    assert!(s.catch_up(hcm(2026, 10, 6, 8, 0)).await.unwrap().is_empty());
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_run_cut_short_is_caught_up_at_the_next_start() {
    let store = test_store("schedule_cut_short").await;
    let state = tempfile::tempdir().unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let s = scheduler(&store, &state, vec![counting(JobName::Collect, &runs, 0)]);
    let served = hcm(2026, 10, 4, 2, 0);
    s.run_job(JobName::Collect, served, Trigger::Schedule)
        .await
        .unwrap();
    // The next run died with the process: only its 'running' row was written.
    let cut = hcm(2026, 10, 5, 2, 0);
    let mut running = store.job_runs("collect").await.unwrap().remove(0);
    running.run_id = "cut-short".into();
    running.scheduled_for = cut;
    running.outcome = RunOutcome::Running;
    running.version = 1;
    store.record_job_run(&running).await.unwrap();

    let caught = s.catch_up(hcm(2026, 10, 5, 9, 0)).await.unwrap();
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].scheduled_for, cut);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn shutdown_during_a_run_records_it_interrupted_and_the_next_start_catches_it_up() {
    let store = test_store("schedule_interrupted").await;
    let state = tempfile::tempdir().unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let every_second = CronSchedule::parse("* * * * * *", Ho_Chi_Minh).unwrap();
    let slow = counting_on(every_second.clone(), JobName::Collect, &runs, 10_000);
    let s = scheduler(&store, &state, vec![slow]);
    let started = Utc::now();
    s.run_until(tokio::time::sleep(Duration::from_millis(1_500)))
        .await;
    assert!(
        Utc::now() - started < chrono::Duration::seconds(5),
        "shutdown waited for the job"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let recorded = store.job_runs("collect").await.unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].outcome, RunOutcome::Interrupted);
    assert_eq!(recorded[0].trigger, Trigger::Schedule);

    let quick = counting_on(every_second, JobName::Collect, &runs, 0);
    let restarted = scheduler(&store, &state, vec![quick]);
    let caught = restarted.catch_up(Utc::now()).await.unwrap();
    assert_eq!(caught.len(), 1);
    assert!(caught[0].scheduled_for >= recorded[0].scheduled_for);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_job_never_runs_twice_at_the_same_time_in_one_process() {
    let store = test_store("schedule_overlap").await;
    let runs = Arc::new(AtomicUsize::new(0));
    let state = tempfile::tempdir().unwrap();
    let s = scheduler(&store, &state, vec![counting(JobName::Collect, &runs, 500)]);
    let at = hcm(2026, 10, 6, 2, 0);
    let (a, b) = tokio::join!(
        s.run_job(JobName::Collect, at, Trigger::Schedule),
        s.run_job(JobName::Collect, at, Trigger::Manual),
    );
    let mut outcomes = [a.unwrap().outcome, b.unwrap().outcome];
    outcomes.sort_by_key(|o| *o as i8);
    assert_eq!(
        outcomes,
        [RunOutcome::Succeeded, RunOutcome::SkippedOverlap]
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    let recorded = store.job_runs("collect").await.unwrap();
    let mut outcomes: Vec<_> = recorded.iter().map(|r| r.outcome.as_str()).collect();
    outcomes.sort();
    assert_eq!(outcomes, ["skipped_overlap", "succeeded"]);
    let skipped = recorded
        .iter()
        .find(|r| r.outcome == RunOutcome::SkippedOverlap)
        .unwrap();
    assert!(
        skipped.detail.contains("already running"),
        "{}",
        skipped.detail
    );
}

#[tokio::test]
async fn a_second_service_sharing_the_state_dir_skips_naming_the_holder() {
    let store = test_store("schedule_overlap_across").await;
    let runs = Arc::new(AtomicUsize::new(0));
    let state = tempfile::tempdir().unwrap();
    // Two schedulers, as two `chiso serve` would be: only the lock file is shared.
    let first = scheduler(&store, &state, vec![counting(JobName::Compute, &runs, 500)]);
    let second = scheduler(&store, &state, vec![counting(JobName::Compute, &runs, 500)]);
    let at = hcm(2026, 10, 6, 2, 30);
    let (a, b) = tokio::join!(
        first.run_job(JobName::Compute, at, Trigger::Schedule),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            second.run_job(JobName::Compute, at, Trigger::Manual).await
        },
    );
    assert_eq!(a.unwrap().outcome, RunOutcome::Succeeded);
    let b = b.unwrap();
    assert_eq!(b.outcome, RunOutcome::SkippedOverlap);
    let pid = format!("pid {}", std::process::id());
    assert!(
        b.detail.contains("elsewhere") && b.detail.contains(&pid),
        "{}",
        b.detail
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // The lock went with the run.
    let later = second
        .run_job(JobName::Compute, at, Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(later.outcome, RunOutcome::Succeeded);
}

#[tokio::test]
async fn a_failing_or_panicking_job_is_recorded_failed_with_its_error() {
    let store = test_store("schedule_failed").await;
    let state = tempfile::tempdir().unwrap();
    let failing = Job::new(JobName::Collect, daily_2am(), |_| async {
        Err(anyhow::anyhow!("unit 79 unreachable")).map_err(|e| e.context("month 2026-10"))
    });
    fn explode() -> String {
        panic!("a result")
    }
    let panicking = Job::new(JobName::Compute, daily_2am(), |_| async { Ok(explode()) });
    let s = scheduler(&store, &state, vec![failing, panicking]);
    let at = hcm(2026, 10, 6, 2, 0);
    let failed = s
        .run_job(JobName::Collect, at, Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(failed.outcome, RunOutcome::Failed);
    assert_eq!(failed.detail, "month 2026-10: unit 79 unreachable");
    let panicked = s
        .run_job(JobName::Compute, at, Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(panicked.outcome, RunOutcome::Failed);
    assert_eq!(panicked.detail, "panicked: a result");

    let recorded = store.job_runs("collect").await.unwrap();
    assert_eq!(
        recorded.len(),
        1,
        "one row per run once folded: {recorded:?}"
    );
    assert_eq!(recorded[0].outcome, RunOutcome::Failed);
    assert_eq!(recorded[0].detail, "month 2026-10: unit 79 unreachable");
    assert!(recorded[0].finished_at >= recorded[0].started_at);
    // A failed run served its slot: no missed slot to catch up; it is
    // retried after a backoff instead (tests/it/jobs.rs).
    let history = store.job_history("collect").await.unwrap();
    assert_eq!(history.last_served, Some(at));
}

#[tokio::test]
async fn the_collect_job_stores_the_previous_and_current_month() {
    let store = test_store("schedule_collect_job").await;
    let sim = simulator(vec![]);
    let state = tempfile::tempdir().unwrap();
    let job = collect_job(Arc::new(collector(&store, &sim)), daily_2am());
    let s = scheduler(&store, &state, vec![job]);
    // 02:00 on New Year's Day in Hanoi, still 31 December in UTC.
    let run = s
        .run_job(JobName::Collect, hcm(2025, 1, 1, 2, 0), Trigger::Schedule)
        .await
        .unwrap();
    assert_eq!(run.outcome, RunOutcome::Succeeded, "{}", run.detail);
    assert_eq!(run.period, "2024-12..2025-01");
    for m in ["2024-12", "2025-01"] {
        let attempts = store.last_attempts(month(m)).await.unwrap();
        assert_eq!(attempts.len(), 63 + 22, "units attempted in {m}");
        assert!(attempts.iter().all(|a| a.outcome == Outcome::Stored), "{m}");
        assert!(
            run.detail
                .contains(&format!("{m}: 85 of 85 units collected (85 stored")),
            "{}",
            run.detail
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_collect_run_with_a_unit_down_fails_naming_it() {
    let store = test_store("schedule_collect_fails").await;
    let sim = simulator(vec![Fault {
        unit: "04".into(),
        mode: FaultMode::Http500,
        tries: 0,
        months: vec![month("2025-01")],
    }]);
    let state = tempfile::tempdir().unwrap();
    let job = collect_job(Arc::new(collector(&store, &sim)), daily_2am());
    let s = scheduler(&store, &state, vec![job]);
    let run = s
        .run_job(JobName::Collect, hcm(2025, 1, 6, 2, 0), Trigger::Schedule)
        .await
        .unwrap();
    assert_eq!(run.outcome, RunOutcome::Failed);
    assert!(
        run.detail.starts_with("2024-12: 85 of 85"),
        "{}",
        run.detail
    );
    assert!(
        run.detail.contains("2025-01: 84 of 85") && run.detail.ends_with("failed: 04 (failed)"),
        "{}",
        run.detail
    );
    sim.stop().await;
}

#[tokio::test]
async fn the_compute_job_stores_each_period_once_and_a_second_run_changes_nothing() {
    let store = test_store("schedule_compute_job").await;
    let sim = simulator(vec![]);
    let c = collector(&store, &sim);
    let units = c.units_for(month("2021-06"), None).unwrap();
    assert!(c
        .collect(month("2021-06"), &units, false)
        .await
        .all_succeeded());
    sim.stop().await;
    let state = tempfile::tempdir().unwrap();
    let app = Arc::new(super::common::test_app(store.clone()));
    let job = chiso::schedule::compute_job(app, daily_2am());
    let s = scheduler(&store, &state, vec![job]);
    let at = hcm(2021, 7, 1, 2, 30);
    let first = s
        .run_job(JobName::Compute, at, Trigger::Schedule)
        .await
        .unwrap();
    assert_eq!(first.outcome, RunOutcome::Succeeded, "{}", first.detail);
    assert_eq!(first.period, "2021-06..2021-07");
    // 2021-06, 2021-Q2, 2021, 2021-06-YTD, 2021-07, 2021-Q3, 2021-07-YTD.
    assert_eq!(first.detail, "7 periods: 7 stored, 0 unchanged");
    let second = s
        .run_job(JobName::Compute, at, Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(second.detail, "7 periods: 0 stored, 7 unchanged");
    assert_eq!(store.computations("2021-06").await.unwrap().len(), 1);
}

/// The dates of `schedule`'s runs from the 1st of `month`'s next month to its end.
fn run_dates(schedule: &CronSchedule, month: chiso::domain::Month) -> Vec<chrono::NaiveDate> {
    let next = month.next();
    let start = Ho_Chi_Minh
        .from_local_datetime(&next.first_day().and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let mut dates = Vec::new();
    let mut at = start - chrono::Duration::seconds(1);
    while let Some(t) = schedule.next_after(at) {
        let date = t.with_timezone(&Ho_Chi_Minh).date_naive();
        if date > next.last_day() {
            break;
        }
        dates.push(date);
        at = t;
    }
    dates
}

/// Issue 14 §3: with the shipped schedule and alert windows, every month of a
/// year gets a remind run inside the reminder window (before the deadline),
/// and one after it for the escalation. The schedule shipped before (09:00 on
/// the 6th) had none before the deadline: the check below says so too.
#[test]
fn the_shipped_remind_schedule_runs_inside_the_reminder_window_every_month() {
    use chiso::notify::rules::{window, Window};
    let app = super::common::test_app(super::common::another_store("shipped_remind_schedule"));
    let zone: chrono_tz::Tz = app.settings.schedule.timezone.parse().unwrap();
    let shipped = CronSchedule::parse(&app.settings.schedule.remind, zone).unwrap();
    let old = CronSchedule::parse("0 0 9 6 * *", zone).unwrap();
    let days_before = app.alerts.remind_days_before_deadline;
    let deadline_day = app.settings.compute.deadline_day;
    for m in 1..=12 {
        let reported = month(&format!("2026-{m:02}"));
        let deadline = chiso::notify::deadline_of(reported, deadline_day);
        let windows = |schedule: &CronSchedule| -> Vec<Window> {
            run_dates(schedule, reported)
                .into_iter()
                .inspect(|d| assert_eq!(chiso::notify::month_to_remind(*d), reported))
                .map(|d| window(d, deadline, days_before))
                .collect()
        };
        let shipped_windows = windows(&shipped);
        assert!(
            shipped_windows.contains(&Window::BeforeDeadline),
            "{reported}: no remind run between {days_before} days before {deadline} and it"
        );
        assert!(
            shipped_windows.contains(&Window::AfterDeadline),
            "{reported}"
        );
        assert!(
            !windows(&old).contains(&Window::BeforeDeadline),
            "{reported}"
        );
    }
}
