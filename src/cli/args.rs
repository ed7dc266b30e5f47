//! The `chiso` command line: every verb and its flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use chiso::domain::{Month, Period};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chiso",
    version,
    about = "Monitoring of Vietnam's e-government indicators"
)]
pub struct Cli {
    /// Settings file (chiso.toml).
    #[arg(
        long,
        global = true,
        env = "CHISO_CONFIG",
        default_value = "config/chiso.toml"
    )]
    pub config: PathBuf,
    /// ClickHouse HTTP URL; wins over the file and CHISO_CLICKHOUSE_URL.
    #[arg(long, global = true)]
    pub clickhouse_url: Option<String>,
    /// ClickHouse database; wins over the file and CHISO_CLICKHOUSE_DATABASE.
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// Read every unit's source from {URL}/{unit code} (the simulator).
    #[arg(long, global = true)]
    pub source_override: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create the database and apply the migrations of sql/ that are missing.
    Migrate {
        /// Print every statement of a migration from scratch (JSON lines) and
        /// touch no database.
        #[arg(long)]
        print: bool,
    },
    /// Pull a month (or a range) from every unit's endpoint into ClickHouse.
    Collect {
        #[arg(long, conflicts_with_all = ["from", "to"])]
        month: Option<Month>,
        #[arg(long, requires = "to")]
        from: Option<Month>,
        #[arg(long, requires = "from")]
        to: Option<Month>,
        /// Only this unit (code).
        #[arg(long)]
        unit: Option<String>,
        /// Print what would be inserted, replaced and rejected; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Load a CSV file sent by a unit that has no API.
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Indicators, composite scores and national rankings, stored as a new
    /// computation only when they changed; prints the ranking of --period.
    Compute {
        /// YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-YTD: compute, store and print it.
        #[arg(long, conflicts_with_all = ["month", "from", "to", "freeze"])]
        period: Option<Period>,
        /// Every period this month feeds: the month, its quarter, year and year to date.
        #[arg(long, conflicts_with_all = ["from", "to", "freeze"])]
        month: Option<Month>,
        #[arg(long, requires = "to")]
        from: Option<Month>,
        #[arg(long, requires = "from")]
        to: Option<Month>,
        /// Publish a period: freeze its results with the as-of time. Rankings show
        /// the frozen results from then on; a later recompute is kept beside them.
        #[arg(long, conflicts_with_all = ["from", "to"])]
        freeze: Option<Period>,
        /// Why the period is published (or revised, when published before):
        /// kept with the freeze, shown on the ranking page and in the API.
        // Conflicts spelt out: clap waives `requires` when a conflicting argument is given.
        #[arg(long, requires = "freeze", conflicts_with_all = ["period", "month", "from", "to"])]
        reason: Option<String>,
    },
    /// Run the jobs on their cron schedules and serve the API, until Ctrl-C or SIGTERM.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "CHISO_WEB_ADDR")]
        addr: SocketAddr,
        /// HTTP worker threads.
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// The dashboards of dashboards/*.toml.
    Dashboards {
        #[command(subcommand)]
        command: DashboardsCommand,
    },
    /// Targets units file themselves.
    Targets {
        #[command(subcommand)]
        command: TargetsCommand,
    },
    /// Service plans units file (letter 1145/BTTTT-THH, docs/plans.md).
    Plans {
        #[command(subcommand)]
        command: PlansCommand,
    },
    /// Each unit's last collection attempt for a month, with its reason.
    Runs {
        #[arg(long)]
        month: Month,
    },
    /// Reminder and alert mails of a month (config/alerts.toml), each sent once.
    Remind {
        /// The month reminded about (default: the previous month).
        #[arg(long)]
        month: Option<chiso::domain::Month>,
        /// Write every mail that would be sent as .eml files into --out; send nothing.
        #[arg(long, requires = "out")]
        dry_run: bool,
        #[arg(long, requires = "dry_run")]
        out: Option<PathBuf>,
        /// The date the due windows are judged on (default: today in the configured zone).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// The national monthly progress report: writes report-M.html (print-ready,
    /// A4) and report-M.xlsx (its tables) into --out, from the month's published
    /// results, else provisional ones (said so in the report). See docs/report.md.
    Report {
        #[arg(long)]
        month: Month,
        /// The folder to write the two files into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Mails not sent yet: pending, sending (outcome unknown) and failed keys.
    Outbox {
        #[arg(long)]
        month: Option<chiso::domain::Month>,
    },
    /// Accounts of the web interface and API.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Serve the source API of every unit with simulated data.
    Simulate {
        #[arg(long, default_value_t = 8400)]
        port: u16,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create an account; prints a generated password once unless --password-stdin.
    Add {
        #[arg(long)]
        login: String,
        /// ministry (everything), unit (the ranking and its own unit), analyst (SQL, exports).
        #[arg(long)]
        role: String,
        /// The unit of a `unit` account (its code in units.toml).
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// A new API token for scripts (`Authorization: Bearer …`), printed once;
    /// it lasts `[web] token_days`.
    Token {
        #[arg(long)]
        login: String,
    },
    /// Every account with its role and unit.
    List,
    /// Stop an account: no login, its sessions and tokens stop opening anything.
    Disable {
        #[arg(long)]
        login: String,
    },
    Enable {
        #[arg(long)]
        login: String,
    },
    /// A new password (generated and printed once unless --password-stdin); ends every session.
    Passwd {
        #[arg(long)]
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// An account's API tokens: id, created, last used, expires, revoked.
    Tokens {
        #[arg(long)]
        login: String,
    },
    /// Revoke the API token with this id (from `users tokens`).
    RevokeToken {
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand)]
pub enum DashboardsCommand {
    /// Write each dashboard as Grafana dashboard JSON (ClickHouse data source).
    Export {
        /// The folder to write {slug}.json into.
        #[arg(long)]
        grafana: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum TargetsCommand {
    /// Load a unit's monthly trajectory (CSV: unit,indicator,month,value).
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum PlansCommand {
    /// File a unit's plan (CSV: unit,service_code,service_name,eligible,target_month,reason);
    /// stored whole as its new plan, or refused naming every bad line.
    Import {
        file: PathBuf,
        /// The unit filing (code or name); every line must be its own.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        dry_run: bool,
    },
    /// Every unit's plan: filed, late, missing or awaited (before the deadline).
    Status,
}
