//! Ingest: the simulator of every unit over HTTP, through the collectors
//! (pagination, validation, content hash, INSERTs, attempt records) into
//! ClickHouse, beside ClickHouse ingesting the very same rows itself from a
//! JSONEachRow file with `clickhouse-client`, in the same run.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::load::month_rows;
use crate::Target;
use chiso::app::App;
use chiso::collect::Collector;
use chiso::domain::Month;
use chiso::simulate::{self, SimulatorConfig};
use chiso::store::bench::COLLECTED_TABLES;
use chiso::store::{LevelCode, MeasureRow, ServiceRow, Store};

#[derive(Debug, Clone)]
pub struct IngestFigures {
    pub from: Month,
    pub to: Month,
    pub unit_months: usize,
    pub failed_unit_months: usize,
    /// service_stats + measure_values rows the collectors stored.
    pub collector_rows: u64,
    pub collector_time: Duration,
    /// The same rows, inserted by clickhouse-client from JSONEachRow files.
    pub baseline_rows: u64,
    pub baseline_time: Duration,
    pub file_bytes: u64,
    /// The same rows again as RowBinary (the stricter baseline: no parsing of text).
    pub binary_rows: u64,
    pub binary_time: Duration,
    pub binary_bytes: u64,
    /// And as Native, ClickHouse's own columnar format.
    pub native_rows: u64,
    pub native_time: Duration,
    pub native_bytes: u64,
}

fn rate(rows: u64, time: Duration) -> f64 {
    rows as f64 / time.as_secs_f64().max(1e-9)
}

impl IngestFigures {
    pub fn collector_rate(&self) -> f64 {
        rate(self.collector_rows, self.collector_time)
    }
    pub fn baseline_rate(&self) -> f64 {
        rate(self.baseline_rows, self.baseline_time)
    }
    pub fn binary_rate(&self) -> f64 {
        rate(self.binary_rows, self.binary_time)
    }
    /// Collectors / JSONEachRow: the judged ratio.
    pub fn ratio(&self) -> f64 {
        self.collector_rate() / self.baseline_rate().max(1e-9)
    }
    pub fn native_rate(&self) -> f64 {
        rate(self.native_rows, self.native_time)
    }
    /// Collectors / Native.
    pub fn native_ratio(&self) -> f64 {
        self.collector_rate() / self.native_rate().max(1e-9)
    }
    /// Collectors / RowBinary.
    pub fn binary_ratio(&self) -> f64 {
        self.collector_rate() / self.binary_rate().max(1e-9)
    }
}

/// The simulator the bench collects from: the shipped seed, no faults.
pub fn simulator_config(seed: u64) -> SimulatorConfig {
    SimulatorConfig {
        seed,
        page_size: 500,
        slow_delay_ms: 30_000,
        fault: Vec::new(),
    }
}

/// Collects `from..=to` for every unit through the real collectors into `app`'s
/// (fresh) database, month by month as `chiso collect --from --to` does.
pub async fn collectors(
    app: &App,
    from: Month,
    to: Month,
    seed: u64,
) -> anyhow::Result<(usize, usize, Duration)> {
    let sim = simulate::serve(
        app.registry.clone(),
        simulator_config(seed),
        ([127, 0, 0, 1], 0).into(),
    )
    .context("cannot start the simulator")?;
    // The source's work is not the collectors': pages are rendered before the clock starts.
    let months: Vec<Month> = from.through(to).collect();
    sim.prepare(&months);
    let mut settings = app.settings.collector.clone();
    settings.source_override = Some(sim.base_url());
    let collector = Collector::new(
        app.store.clone(),
        app.registry.clone(),
        app.catalogue.clone(),
        settings,
    )?;
    let (mut unit_months, mut failed) = (0, 0);
    let started = Instant::now();
    let mut runs = Vec::new();
    for &month in &months {
        runs.push((month, collector.units_for(month, None)?));
    }
    // As `chiso collect --from --to` does: one stream of pulls over the months.
    for report in collector.collect_months(&runs, false).await {
        unit_months += report.results.len();
        failed += report.failed().count();
    }
    let elapsed = started.elapsed();
    sim.stop().await;
    Ok((unit_months, failed, elapsed))
}

/// service_stats + measure_values rows in `store`'s database.
pub async fn stored_rows(store: &Store) -> anyhow::Result<u64> {
    Ok(store.collected_row_count().await?)
}

/// `service_stats` as JSONEachRow: Date and DateTime as text, the level by name.
#[derive(Serialize)]
struct ServiceJson<'a> {
    unit_code: &'a str,
    month: String,
    service_code: &'a str,
    service_name: &'a str,
    field: &'a str,
    level: &'static str,
    eligible_full_online: u8,
    integrated_national_portal: u8,
    received: u64,
    received_online: u64,
    processed: u64,
    processed_on_time: u64,
    processed_late: u64,
    pending_overdue: u64,
    attempt_id: &'a str,
    version: u64,
    collected_at: String,
}

impl<'a> From<&'a ServiceRow> for ServiceJson<'a> {
    fn from(r: &'a ServiceRow) -> Self {
        Self {
            unit_code: &r.unit_code,
            month: r.month.to_string(),
            service_code: &r.service_code,
            service_name: &r.service_name,
            field: &r.field,
            level: match r.level {
                LevelCode::FullOnline => "full_online",
                LevelCode::PartialOnline => "partial_online",
                LevelCode::NotOnline => "not_online",
            },
            eligible_full_online: r.eligible_full_online,
            integrated_national_portal: r.integrated_national_portal,
            received: r.received,
            received_online: r.received_online,
            processed: r.processed,
            processed_on_time: r.processed_on_time,
            processed_late: r.processed_late,
            pending_overdue: r.pending_overdue,
            attempt_id: &r.attempt_id,
            version: r.version,
            collected_at: r.collected_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

#[derive(Serialize)]
struct MeasureJson<'a> {
    unit_code: &'a str,
    month: String,
    measure_code: &'a str,
    value: f64,
    source: &'a str,
    attempt_id: &'a str,
    version: u64,
    collected_at: String,
}

impl<'a> From<&'a MeasureRow> for MeasureJson<'a> {
    fn from(r: &'a MeasureRow) -> Self {
        Self {
            unit_code: &r.unit_code,
            month: r.month.to_string(),
            measure_code: &r.measure_code,
            value: r.value,
            source: &r.source,
            attempt_id: &r.attempt_id,
            version: r.version,
            collected_at: r.collected_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

/// Writes the rows the collectors store for `from..=to` (same seed, same
/// validation) as two JSONEachRow files in `dir`; returns (rows, bytes).
pub fn write_files(
    app: &App,
    from: Month,
    to: Month,
    seed: u64,
    dir: &Path,
) -> anyhow::Result<(u64, u64)> {
    let open = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(name);
        let f = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(std::io::BufWriter::with_capacity(1 << 20, f))
    };
    let (mut services, mut measures) =
        (open("service_stats.jsonl")?, open("measure_values.jsonl")?);
    let mut rows = 0u64;
    for month in from.through(to) {
        let m = month_rows(&app.registry, &app.catalogue, month, seed);
        for r in &m.services {
            serde_json::to_writer(&mut services, &ServiceJson::from(r))?;
            services.write_all(b"\n")?;
        }
        for r in &m.measures {
            serde_json::to_writer(&mut measures, &MeasureJson::from(r))?;
            measures.write_all(b"\n")?;
        }
        rows += (m.services.len() + m.measures.len()) as u64;
    }
    services.flush()?;
    measures.flush()?;
    let bytes = ["service_stats.jsonl", "measure_values.jsonl"]
        .iter()
        .map(|n| std::fs::metadata(dir.join(n)).map(|m| m.len()).unwrap_or(0))
        .sum();
    Ok((rows, bytes))
}

/// A baseline's input: JSONEachRow written by the bench, or RowBinary that
/// ClickHouse itself wrote from the JSON baseline's tables (so the bytes are
/// exactly its column types, in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonEachRow,
    RowBinary,
    Native,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::JsonEachRow => "JSONEachRow",
            Format::RowBinary => "RowBinary",
            Format::Native => "Native",
        }
    }

    pub fn file(self, table: &str) -> String {
        match self {
            Format::JsonEachRow => format!("{table}.jsonl"),
            Format::RowBinary => format!("{table}.rowbinary"),
            Format::Native => format!("{table}.native"),
        }
    }
}

/// Writes `database`'s collected tables as `format` files in `dir` (not
/// timed); returns their bytes.
pub async fn export(
    target: &Target,
    database: &str,
    dir: &Path,
    format: Format,
) -> anyhow::Result<u64> {
    let mut bytes = 0;
    for table in COLLECTED_TABLES {
        let path = dir.join(format.file(table));
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let query = format!("SELECT * FROM {database}.{table} FORMAT {}", format.name());
        // `output()` would capture stdout itself: spawn with stdout the file.
        let out = target
            .client(&["--query", &query])
            .stdout(std::process::Stdio::from(file))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("cannot run clickhouse-client")?
            .wait_with_output()
            .await?;
        if !out.status.success() {
            anyhow::bail!(
                "clickhouse-client {query}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    }
    Ok(bytes)
}

/// Times `clickhouse-client --query "INSERT INTO db.table FORMAT F" < file`
/// for both files, one after the other, into `database`.
pub async fn baseline(
    target: &Target,
    database: &str,
    dir: &Path,
    format: Format,
) -> anyhow::Result<Duration> {
    let mut total = Duration::ZERO;
    for table in COLLECTED_TABLES {
        let file = std::fs::File::open(dir.join(format.file(table)))?;
        let query = format!("INSERT INTO {database}.{table} FORMAT {}", format.name());
        let started = Instant::now();
        let out = target
            .client(&["--query", &query])
            .stdin(std::process::Stdio::from(file))
            .output()
            .await
            .context("cannot run clickhouse-client")?;
        total += started.elapsed();
        if !out.status.success() {
            anyhow::bail!(
                "clickhouse-client {query}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    Ok(total)
}
