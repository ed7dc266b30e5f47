//! `chiso targets import FILE.csv`: a unit's monthly trajectory.

use std::path::Path;
use std::process::ExitCode;

use chiso::app::App;
use chiso::collect::plan_import::import_plan;

pub async fn import(app: &App, file: &Path, dry_run: bool) -> anyhow::Result<ExitCode> {
    let plan = import_plan(file, &app.registry, &app.indicators, &app.store, dry_run).await?;
    let verb = if dry_run { "would store" } else { "stored" };
    println!(
        "unit {}: {verb} {} monthly target(s) from {}",
        plan.unit,
        plan.rows.len(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}
