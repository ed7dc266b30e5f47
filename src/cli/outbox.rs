//! `chiso outbox`: mails not sent yet (pending, sending, failed), with tries and reply.

use std::process::ExitCode;

use chiso::app::App;
use chiso::domain::Month;

pub async fn run(app: &App, month: Option<Month>) -> anyhow::Result<ExitCode> {
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
