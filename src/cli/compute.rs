//! `chiso compute`: store (when changed) and print a period's rankings, every
//! period some months feed, or publish (freeze) a period.

use std::process::ExitCode;

use anyhow::Context;
use chiso::app::App;
use chiso::compute::publish::Publishing;
use chiso::domain::{Month, Period};
use chiso::schedule::{self, JobLock, JobName};

use super::print;

/// What to compute.
pub enum Computing {
    Period(Period),
    Months(Vec<Month>),
    /// A period to publish, and why.
    Freeze(Period, String),
}

pub async fn run(app: &App, what: Computing) -> anyhow::Result<ExitCode> {
    // One compute at a time, by hand or on schedule.
    let _lock = hold(app, JobName::Compute)?;
    let computer = app.computer();
    match what {
        Computing::Freeze(p, reason) => {
            let who = Publishing {
                by: "",
                reason: &reason,
            };
            let (outcome, published) = computer.publish(p, who).await?;
            print::ranking(&published, &app.indicators);
            println!("\n{p}: {outcome:?}");
        }
        Computing::Period(p) => {
            let computed = computer.compute(p).await?;
            let published = computer
                .published(p)
                .await?
                .context("the computation just stored cannot be read back")?;
            print::ranking(&published, &app.indicators);
            println!("\n{p}: {:?}", computed.written);
        }
        Computing::Months(months) => {
            for c in computer.compute_months(&months).await? {
                println!("{:<12} {:?}  {}", c.period, c.written, c.computation_id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Takes `job`'s lock, or says who holds it.
fn hold(app: &App, job: JobName) -> anyhow::Result<JobLock> {
    let dir = app.settings.resolve(&app.settings.schedule.state_dir);
    match schedule::lock::acquire(&dir, job)? {
        Some(lock) => Ok(lock),
        None => anyhow::bail!(
            "job {job} is running elsewhere ({}); try again when it ends",
            schedule::lock::holder(&dir, job).unwrap_or_else(|| "holder unknown".into())
        ),
    }
}
