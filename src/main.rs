//! The `chiso` command: parse arguments, load configuration, call one function
//! per verb (`src/cli/`, one file each).

mod cli;

use std::process::ExitCode;

use chiso::app::App;
use chiso::config::Overrides;
use clap::Parser;
use cli::args::{Cli, Command, DashboardsCommand, PlansCommand, TargetsCommand};
use cli::compute::Computing;

// glibc's malloc, freeing across threads, was a tenth of a collect run's CPU
// and slowed every page under load (`make bench`); mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    restore_default_sigpipe();
    chiso::logging::init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let flags = Overrides {
        clickhouse_url: cli.clickhouse_url,
        database: cli.database,
        source_override: cli.source_override,
    };
    let app = App::load(&cli.config, &flags)?;
    match cli.command {
        Command::Migrate { print } => cli::migrate::run(&app, print).await,
        Command::Collect {
            month,
            from,
            to,
            unit,
            dry_run,
        } => {
            let months = match (month, from, to) {
                (Some(m), _, _) => vec![m],
                (None, Some(f), Some(t)) => f.through(t).collect(),
                _ => anyhow::bail!("give --month YYYY-MM or --from YYYY-MM --to YYYY-MM"),
            };
            cli::collect::run(app, months, unit, dry_run).await
        }
        Command::Import { file, dry_run } => cli::import::data(&app, &file, dry_run).await,
        Command::Compute {
            period,
            month,
            from,
            to,
            freeze,
            reason,
        } => {
            let what = match (freeze, period, month, from, to) {
                (Some(p), ..) => Computing::Freeze(p, reason.unwrap_or_default()),
                (None, Some(p), ..) => Computing::Period(p),
                (None, None, Some(m), ..) => Computing::Months(vec![m]),
                (None, None, None, Some(f), Some(t)) => Computing::Months(f.through(t).collect()),
                _ => anyhow::bail!("give --period P, --month YYYY-MM, --from/--to or --freeze P"),
            };
            cli::compute::run(&app, what).await
        }
        Command::Serve { addr, workers } => {
            cli::serve::run(app, addr, workers).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dashboards {
            command: DashboardsCommand::Export { grafana },
        } => cli::dashboards::export_grafana(&app, &grafana),
        Command::Targets {
            command: TargetsCommand::Import { file, dry_run },
        } => cli::targets::import(&app, &file, dry_run).await,
        Command::Plans {
            command:
                PlansCommand::Import {
                    file,
                    unit,
                    dry_run,
                },
        } => cli::plans::import(&app, &file, &unit, dry_run).await,
        Command::Plans {
            command: PlansCommand::Status,
        } => cli::plans::status(&app).await,
        Command::Runs { month } => cli::runs::run(&app, month).await,
        Command::Remind {
            month,
            dry_run,
            out,
            today,
        } => cli::remind::run(&app, month, out.filter(|_| dry_run), today).await,
        Command::Report { month, out } => cli::report::run(&app, month, &out).await,
        Command::Outbox { month } => cli::outbox::run(&app, month).await,
        Command::Users { command } => {
            cli::users::run(&app, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate { port } => cli::simulate::run(app, port).await,
    }
}

/// `chiso runs --month … | head` must end quietly when the reader goes away,
/// as Unix tools do, instead of panicking in `println!`.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
