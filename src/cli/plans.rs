//! `chiso plans import FILE --unit CODE`: a unit's service plan (letter
//! 1145/BTTTT-THH, docs/plans.md); `chiso plans status`: who filed, late or not.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chiso::app::App;
use chiso::collect::service_plan::{file_plan, PlanFileError, PlanSource};
use chiso::compute::plan_progress::filing_statuses;
use chiso::domain::Month;

pub async fn import(app: &App, file: &Path, unit: &str, dry_run: bool) -> anyhow::Result<ExitCode> {
    let today = chiso::notify::today_in(app.zone());
    let Some(found) = app.registry.find(unit, Month::of(today)) else {
        anyhow::bail!("--unit '{unit}' matches no unit of the registry valid this month");
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let source = PlanSource {
        file_name: &name,
        bytes: &bytes,
        unit: &found.code,
        filed_by: "",
        address: None,
    };
    match file_plan(source, &app.registry, &app.plans, &app.store, dry_run).await {
        Ok(filed) => {
            let what = match (filed.dry_run, filed.stored) {
                (true, _) => "would file",
                (false, true) => "filed",
                (false, false) => "unchanged (the current plan already), kept",
            };
            println!(
                "unit {}: {what} a plan of {} services, {} eligible for full online",
                filed.unit, filed.services, filed.eligible
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ PlanFileError::Invalid { .. }) => {
            eprintln!("{e}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// Every unit valid in the deadline's month with its plan's status against `plans.toml`'s deadline.
pub async fn status(app: &App) -> anyhow::Result<ExitCode> {
    let zone = app.zone();
    let today = chiso::notify::today_in(zone);
    let units: Vec<_> = app
        .registry
        .valid_in(Month::of(app.plans.deadline))
        .collect();
    let deadline = (app.plans.deadline, zone);
    let statuses = filing_statuses(&app.store, &units, deadline, today).await?;
    println!("deadline {}", app.plans.deadline);
    for s in statuses {
        println!(
            "{}\t{}\t{}\t{}",
            s.code,
            s.status.as_str(),
            s.filings,
            s.name
        );
    }
    Ok(ExitCode::SUCCESS)
}
