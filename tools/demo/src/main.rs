//! `chiso-demo` (what `make run` starts): a managed local ClickHouse already
//! running, the simulator of every unit, months backfilled through the real
//! collectors, computed and frozen, the pages and API served until Ctrl-C.
//! A crate of its own, so the server links none of it (issue 16).

mod demo;
mod plans;
mod portals;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chiso::app::App;
use chiso::config::Overrides;
use chiso::domain::Month;
use clap::Parser;

// As in `chiso`: glibc's malloc, freeing across threads, slowed every page under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "chiso-demo",
    about = "chiso's demo: the simulator of every unit, months backfilled, the pages served"
)]
struct Cli {
    /// Settings file (chiso.toml).
    #[arg(long, env = "CHISO_CONFIG", default_value = "config/chiso.toml")]
    config: PathBuf,
    /// ClickHouse HTTP URL; wins over the file and CHISO_CLICKHOUSE_URL.
    #[arg(long)]
    clickhouse_url: Option<String>,
    /// ClickHouse database; wins over the file and CHISO_CLICKHOUSE_DATABASE.
    #[arg(long)]
    database: Option<String>,
    /// First month to backfill (default: 24 months before the current one).
    #[arg(long)]
    from: Option<Month>,
    /// Last month to backfill (default: the previous month).
    #[arg(long)]
    to: Option<Month>,
    #[arg(long, default_value = "127.0.0.1:0")]
    simulator_addr: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:8080")]
    web_addr: SocketAddr,
    /// Stop after the backfill summary.
    #[arg(long)]
    once: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    // The replay meets reports not yet submitted on most of its days: its
    // summary counts them, one warning each would bury it.
    chiso::logging::init_with_default("warn,chiso::collect::runner=error");
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let flags = Overrides {
        clickhouse_url: cli.clickhouse_url,
        database: cli.database,
        source_override: None,
    };
    let app = App::load(&cli.config, &flags)?;
    let current = Month::of(
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .date_naive(),
    );
    let to = cli.to.unwrap_or(current.prev());
    let from = cli.from.unwrap_or(
        Month::new(to.year() - 2, to.month())
            .map(Month::next)
            .unwrap_or(to),
    );
    demo::run(
        app,
        demo::DemoOptions {
            from,
            to,
            simulator_addr: cli.simulator_addr,
            web_addr: cli.web_addr,
            exit_after_backfill: cli.once,
        },
    )
    .await
}
