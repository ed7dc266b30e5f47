//! `chiso dashboards export --grafana DIR`: the dashboards as Grafana JSON.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chiso::app::App;

pub fn export_grafana(app: &App, dir: &Path) -> anyhow::Result<ExitCode> {
    let written = chiso::dashboards::grafana::export(&app.dashboards, dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    for f in &written {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
