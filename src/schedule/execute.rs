//! One run's machinery: the job's future under its deadline and the stop
//! signal, the flag that says a job is running, naps that end at shutdown.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::watch;

use super::job::{Job, JobContext};
use super::RunOutcome;

/// Marks a job running until dropped, however its run ends.
pub(super) struct Running<'a>(&'a watch::Sender<bool>);

impl<'a> Running<'a> {
    pub(super) fn mark(flag: &'a watch::Sender<bool>) -> Self {
        flag.send_replace(true);
        Self(flag)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.send_replace(false);
    }
}

/// Completes once the stop flag is set (or its sender is gone).
pub(super) async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// Sleeps `wait`; true when stopped meanwhile.
pub(super) async fn nap(wait: Duration, stopped: &watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = until_stopped(stopped.clone()) => true,
        _ = tokio::time::sleep(wait) => false,
    }
}

/// Runs the job function until it ends, its deadline passes or `stop` completes.
/// Dropping the job's future at the deadline stops its work at its next await.
pub(super) async fn execute(
    job: &Job,
    ctx: JobContext,
    stop: impl std::future::Future<Output = ()>,
) -> (RunOutcome, String) {
    let run = job.run.clone();
    // A panic in the job, even while building its future, fails this run only.
    let work = AssertUnwindSafe(async move { run(ctx).await }).catch_unwind();
    tokio::select! {
        _ = stop => (
            RunOutcome::Interrupted,
            "stopped with the service; caught up at the next start".to_string(),
        ),
        done = tokio::time::timeout(job.deadline, work) => match done {
            Err(_) => (
                RunOutcome::TimedOut,
                format!(
                    "stopped at its deadline of {} s (schedule.{}_deadline_secs); retried later",
                    job.deadline.as_secs_f64(),
                    job.name
                ),
            ),
            Ok(Ok(Ok(summary))) => (RunOutcome::Succeeded, summary),
            Ok(Ok(Err(e))) => (RunOutcome::Failed, format!("{e:#}")),
            Ok(Err(panic)) => (RunOutcome::Failed, format!("panicked: {}", panic_text(&panic))),
        },
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
