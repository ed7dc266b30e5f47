//! `chiso migrate`: create the databases and apply the missing migrations.

use std::process::ExitCode;

use chiso::app::App;

pub async fn run(app: &App, print: bool) -> anyhow::Result<ExitCode> {
    if print {
        // One JSON object a line, for scripts (scripts/compat/replay.py).
        for statement in chiso::store::migration_plan() {
            println!("{}", serde_json::to_string(&statement)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let applied = app.store.migrate().await?;
    println!(
        "database '{}': applied {}",
        app.store.database(),
        if applied.is_empty() {
            "nothing (up to date)".into()
        } else {
            applied.join(", ")
        }
    );
    Ok(ExitCode::SUCCESS)
}
