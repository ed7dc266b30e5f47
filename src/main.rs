//! The `chiso` command: parse arguments, load configuration, call one function per verb.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chiso::app::App;
use chiso::collect::{import_file, Collector};
use chiso::config::Overrides;
use chiso::domain::{Month, Period};
use chiso::schedule::{self, JobLock, JobName, Scheduler, Schedules};
use chiso::simulate;
use clap::{Parser, Subcommand};

// glibc's malloc, freeing across threads, was a tenth of a collect run's CPU
// and slowed every page under load (`make bench`); mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod print;

#[derive(Parser)]
#[command(
    name = "chiso",
    version,
    about = "Monitoring of Vietnam's e-government indicators"
)]
struct Cli {
    /// Settings file (chiso.toml).
    #[arg(
        long,
        global = true,
        env = "CHISO_CONFIG",
        default_value = "config/chiso.toml"
    )]
    config: PathBuf,
    /// ClickHouse HTTP URL; wins over the file and CHISO_CLICKHOUSE_URL.
    #[arg(long, global = true)]
    clickhouse_url: Option<String>,
    /// ClickHouse database; wins over the file and CHISO_CLICKHOUSE_DATABASE.
    #[arg(long, global = true)]
    database: Option<String>,
    /// Read every unit's source from {URL}/{unit code} (the simulator).
    #[arg(long, global = true)]
    source_override: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database and apply the migrations of sql/ that are missing.
    Migrate,
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
enum UsersCommand {
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
enum DashboardsCommand {
    /// Write each dashboard as Grafana dashboard JSON (ClickHouse data source).
    Export {
        /// The folder to write {slug}.json into.
        #[arg(long)]
        grafana: PathBuf,
    },
}

#[derive(Subcommand)]
enum TargetsCommand {
    /// Load a unit's monthly trajectory (CSV: unit,indicator,month,value).
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    restore_default_sigpipe();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHISO_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Takes `job`'s lock, or says who holds it.
fn hold(app: &App, job: JobName) -> anyhow::Result<JobLock> {
    let dir = app.settings.resolve(&app.settings.schedule.state_dir);
    match schedule::lock::acquire(&dir, job)? {
        Some(lock) => Ok(lock),
        None => anyhow::bail!(
            "job {job} is running elsewhere ({}); try again when it ends",
            schedule::lock::holder(&dir, job).unwrap_or_else(|| "holder unknown".into())
        ),
    }
}

/// `chiso serve`: migrations, the API, and the scheduler until a signal.
async fn serve(app: App, addr: SocketAddr, workers: usize) -> anyhow::Result<()> {
    let applied = app.store.migrate().await?;
    if !applied.is_empty() {
        println!("applied migrations: {}", applied.join(", "));
    }
    let schedules = Schedules::from_settings(&app.settings.schedule)?;
    let state_dir = app.settings.resolve(&app.settings.schedule.state_dir);
    let collector = Arc::new(Collector::new(
        app.store.clone(),
        app.registry.clone(),
        app.catalogue.clone(),
        app.settings.collector.clone(),
    )?);
    let app = Arc::new(app);
    let deadline = std::time::Duration::from_secs;
    let s = &app.settings.schedule;
    let jobs = vec![
        schedule::collect_job(collector, schedules.collect.clone())
            .with_deadline(deadline(s.collect_deadline_secs)),
        schedule::compute_job(app.clone(), schedules.compute.clone())
            .with_deadline(deadline(s.compute_deadline_secs)),
        schedule::remind_job(app.clone(), schedules.remind.clone())
            .with_deadline(deadline(s.remind_deadline_secs)),
    ];
    for job in &jobs {
        println!(
            "job {:<8} {}  next {}",
            job.name.as_str(),
            job.schedule.expression(),
            job.schedule
                .next_after(chrono::Utc::now())
                .map(|t| t.with_timezone(&schedules.zone).to_rfc3339())
                .unwrap_or_else(|| "never".into())
        );
    }
    let scheduler = Scheduler::new(app.store.clone(), state_dir, jobs)?;
    let web = chiso::web::serve(app.clone(), addr, workers)
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("API at {}  (Ctrl-C or SIGTERM stops)", web.url());
    // Within STOP_GRACE the loops stop, within WEB_GRACE_SECS the web server;
    // the watchdog ends the process at STOP_BOUND whatever still runs.
    let stop = chiso::shutdown::signal_then_bound(chiso::shutdown::STOP_BOUND);
    scheduler.run_until(stop).await;
    web.stop().await;
    Ok(())
}

/// The password of `users add` and `users passwd`: the first line of stdin,
/// or a generated one (the bool says so: print it once).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        Ok((chiso::web::auth::credentials::random_text(15)?, true))
    }
}

/// `chiso users …`.
async fn users(app: &App, command: UsersCommand) -> anyhow::Result<()> {
    use chiso::web::auth::{credentials, manage};
    // The users table arrives with a migration: apply what is missing first.
    app.store.migrate().await?;
    match command {
        UsersCommand::Add {
            login,
            role,
            unit,
            password_stdin,
        } => {
            let role = chiso::store::RoleCode::parse(&role)
                .with_context(|| format!("--role '{role}': one of ministry, unit, analyst"))?;
            let (password, generated) = new_password(password_stdin)?;
            let row = credentials::add_user(
                &app.store,
                &app.registry,
                &login,
                role,
                unit.as_deref(),
                &password,
            )
            .await?;
            println!("account '{}' ({}) created", row.login, row.role.as_str());
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UsersCommand::Token { login } => {
            let days = u32::try_from(app.settings.web.token_days).unwrap_or(u32::MAX);
            let token = manage::add_token_for(&app.store, &login, days).await?;
            println!("token for '{login}' (shown once; send as 'Authorization: Bearer …'):");
            println!("{token}");
        }
        UsersCommand::Disable { login } => {
            manage::disable(&app.store, &login).await?;
            println!("account '{login}' disabled; its sessions and tokens stop within 2 s");
        }
        UsersCommand::Enable { login } => {
            manage::enable(&app.store, &login).await?;
            println!("account '{login}' enabled");
        }
        UsersCommand::Passwd {
            login,
            password_stdin,
        } => {
            let (password, generated) = new_password(password_stdin)?;
            manage::set_password(&app.store, &login, &password).await?;
            println!("password of '{login}' changed; its sessions are over");
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UsersCommand::Tokens { login } => {
            let when = |t: chrono::DateTime<chrono::Utc>| match t.timestamp() {
                0 => "-".to_string(),
                _ => t.format("%Y-%m-%d %H:%M").to_string(),
            };
            println!(
                "{:<12} {:<16} {:<16} {:<16} revoked",
                "id", "created", "last used", "expires"
            );
            for t in app.store.tokens_of(&login).await? {
                let id = t.token_hash.get(..chiso::store::TOKEN_ID_LEN).unwrap_or("");
                println!(
                    "{id:<12} {:<16} {:<16} {:<16} {}",
                    when(t.created_at),
                    when(t.last_used),
                    when(t.expires_at),
                    if t.revoked == 0 { "no" } else { "yes" }
                );
            }
        }
        UsersCommand::RevokeToken { id } => {
            let row = manage::revoke_token(&app.store, &id).await?;
            println!("token {id} of '{}' revoked", row.login);
        }
        UsersCommand::List => {
            println!(
                "{:<24} {:<9} {:<6} {:<8} created",
                "login", "role", "unit", "state"
            );
            for u in app.store.users().await? {
                println!(
                    "{:<24} {:<9} {:<6} {:<8} {}",
                    u.login,
                    u.role.as_str(),
                    u.unit_code,
                    if u.disabled == 0 {
                        "active"
                    } else {
                        "disabled"
                    },
                    u.created_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
    }
    Ok(())
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

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let flags = Overrides {
        clickhouse_url: cli.clickhouse_url,
        database: cli.database,
        source_override: cli.source_override,
    };
    let app = App::load(&cli.config, &flags)?;
    match cli.command {
        Command::Migrate => {
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
        Command::Collect {
            month,
            from,
            to,
            unit,
            dry_run,
        } => {
            let months: Vec<Month> = match (month, from, to) {
                (Some(m), _, _) => vec![m],
                (None, Some(f), Some(t)) => f.through(t).collect(),
                _ => anyhow::bail!("give --month YYYY-MM or --from YYYY-MM --to YYYY-MM"),
            };
            let collector = Collector::new(
                app.store,
                app.registry,
                app.catalogue,
                app.settings.collector,
            )?;
            let mut runs = Vec::new();
            for m in months {
                runs.push((m, collector.units_for(m, unit.as_deref())?));
            }
            let mut ok = true;
            let reports = collector.collect_months(&runs, dry_run).await;
            for ((m, _), report) in runs.iter().zip(reports) {
                println!("== {m}\n{report}");
                ok &= report.all_succeeded();
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Import { file, dry_run } => {
            let out =
                import_file(&file, &app.registry, &app.catalogue, &app.store, dry_run).await?;
            if !dry_run {
                let file = file.display().to_string();
                let event =
                    chiso::store::AuditEvent::new(chiso::store::AuditKind::Import, "", &file);
                let detail = format!("{}; {} line errors", out.report, out.line_errors.len());
                app.store.audit_or_warn(&event.with_detail(detail)).await;
            }
            for m in &out.matches {
                println!("matched by name: {m}");
            }
            for e in &out.line_errors {
                println!("error: {e}");
            }
            println!("{}", out.report);
            let ok = out.report.all_succeeded() && out.line_errors.is_empty();
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Compute {
            period,
            month,
            from,
            to,
            freeze,
        } => {
            // One compute at a time, by hand or on schedule.
            let _lock = hold(&app, JobName::Compute)?;
            let computer = app.computer();
            if let Some(p) = freeze {
                let (outcome, published) = computer.freeze(p).await?;
                print::ranking(&published, &app.indicators);
                println!("\n{p}: {outcome:?}");
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(p) = period {
                let computed = computer.compute(p).await?;
                let published = computer
                    .published(p)
                    .await?
                    .context("the computation just stored cannot be read back")?;
                print::ranking(&published, &app.indicators);
                println!("\n{p}: {:?}", computed.written);
                return Ok(ExitCode::SUCCESS);
            }
            let months: Vec<Month> = match (month, from, to) {
                (Some(m), _, _) => vec![m],
                (None, Some(f), Some(t)) => f.through(t).collect(),
                _ => anyhow::bail!("give --period P, --month YYYY-MM, --from/--to or --freeze P"),
            };
            for c in computer.compute_months(&months).await? {
                println!("{:<12} {:?}  {}", c.period, c.written, c.computation_id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, workers } => {
            serve(app, addr, workers).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dashboards {
            command: DashboardsCommand::Export { grafana },
        } => {
            let written = chiso::dashboards::grafana::export(&app.dashboards, &grafana)
                .with_context(|| format!("cannot write into {}", grafana.display()))?;
            for f in &written {
                println!("wrote {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Targets {
            command: TargetsCommand::Import { file, dry_run },
        } => {
            let plan = chiso::collect::plan_import::import_plan(
                &file,
                &app.registry,
                &app.indicators,
                &app.store,
                dry_run,
            )
            .await?;
            let verb = if dry_run { "would store" } else { "stored" };
            println!(
                "unit {}: {verb} {} monthly target(s) from {}",
                plan.unit,
                plan.rows.len(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs { month } => {
            let attempts = app.store.last_attempts(month).await?;
            println!(
                "{:<8} {:<5} {:<9} {:>4} {:>5} {:>8} {:>8}  reason",
                "unit", "via", "outcome", "http", "tries", "services", "measures"
            );
            for a in &attempts {
                let via = match a.channel {
                    chiso::store::Channel::Http => "http",
                    chiso::store::Channel::Csv => "csv",
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
            let expected: Vec<_> = app
                .registry
                .valid_in(month)
                .filter(|u| !attempts.iter().any(|a| a.unit_code == u.code.as_str()))
                .collect();
            for u in &expected {
                println!("{:<8} {:<5} {:<9}", u.code, "-", "no attempt");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Remind {
            month,
            dry_run,
            out,
            today,
        } => {
            let today = today.unwrap_or_else(|| chiso::notify::today_in(app.zone()));
            let month = month.unwrap_or_else(|| chiso::notify::month_to_remind(today));
            let backend = match (dry_run, out) {
                (true, Some(dir)) => chiso::notify::Backend::files(&dir)?,
                _ => chiso::notify::Backend::smtp(&app.alerts.smtp, |k| std::env::var(k).ok())?,
            };
            let report = chiso::notify::remind(&app, month, today, &backend).await?;
            println!("{report}");
            Ok(if report.all_succeeded() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Outbox { month } => {
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
        Command::Users { command } => {
            users(&app, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate { port } => {
            let sim_config = simulate::SimulatorConfig::load(
                &app.settings.resolve(&app.settings.paths.simulator),
            )?;
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            let sim = simulate::serve(app.registry, sim_config, addr)
                .with_context(|| format!("cannot listen on {addr}"))?;
            println!(
                "simulator of every unit at {}  (Ctrl-C stops)",
                sim.base_url()
            );
            tokio::signal::ctrl_c().await?;
            sim.stop().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
