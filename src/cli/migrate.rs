//! `chiso migrate`: create the databases and apply the missing migrations.

use std::process::ExitCode;

use chiso::app::App;

pub async fn run(app: &App) -> anyhow::Result<ExitCode> {
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
