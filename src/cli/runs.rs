//! `chiso runs --month M`: each unit's last collection attempt, with its reason.

use std::process::ExitCode;

use chiso::app::App;
use chiso::domain::Month;
use chiso::store::Channel;

pub async fn run(app: &App, month: Month) -> anyhow::Result<ExitCode> {
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
