//! What the operator reads: `chiso runs` (each unit's last attempt of a month),
//! `chiso outbox` (mails not sent yet), `chiso dashboards export`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chiso::app::App;
use chiso::domain::Month;
use chiso::store::Channel;

pub async fn runs(app: &App, month: Month) -> anyhow::Result<ExitCode> {
    let attempts = app.store.last_attempts(month).await?;
    println!(
        "{:<8} {:<5} {:<9} {:>4} {:>5} {:>8} {:>8}  reason",
        "unit", "via", "outcome", "http", "tries", "services", "measures"
    );
    for a in &attempts {
        let via = match a.channel {
            Channel::Http => "http",
            Channel::Csv => "csv",
        };
        println!(
            "{:<8} {:<5} {:<9} {:>4} {:>5} {:>8} {:>8}  {}",
            a.unit_code,
            via,
            a.outcome.as_str(),
            a.http_status,
            a.tries,
            a.services,
            a.measures,
            a.error
        );
    }
    let missing = app
        .registry
        .valid_in(month)
        .filter(|u| !attempts.iter().any(|a| a.unit_code == u.code.as_str()));
    for u in missing {
        println!("{:<8} {:<5} {:<9}", u.code, "-", "no attempt");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn outbox(app: &App, month: Option<Month>) -> anyhow::Result<ExitCode> {
    let rows = app.store.outbox().await?;
    println!(
        "{:<8} {:<7} {:>5}  {:<19}  key / last reply",
        "period", "state", "tries", "next try (UTC)"
    );
    let wanted = month.map(|m| m.to_string());
    for r in rows
        .iter()
        .filter(|r| wanted.as_ref().is_none_or(|m| *m == r.period))
    {
        println!(
            "{:<8} {:<7} {:>5}  {:<19}  {}\n{:>45}{}",
            r.period,
            r.state.as_str(),
            r.tries,
            r.next_try_at.format("%Y-%m-%d %H:%M:%S"),
            r.key,
            "",
            r.last_reply
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export_grafana(app: &App, dir: &Path) -> anyhow::Result<ExitCode> {
    let written = chiso::dashboards::grafana::export(&app.dashboards, dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    for f in &written {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
