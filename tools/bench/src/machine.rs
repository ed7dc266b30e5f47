//! What every figure stands on: the machine, the ClickHouse version, the data size.

pub use chiso::store::bench::TableSize;
use chiso::store::Store;

#[derive(Debug, Clone)]
pub struct Machine {
    pub cores: usize,
    pub memory_gib: f64,
    pub cpu: String,
    pub clickhouse: String,
}

fn meminfo_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    text.lines().find_map(|l| {
        l.strip_prefix(key)?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub async fn machine(store: &Store) -> anyhow::Result<Machine> {
    Ok(Machine {
        cores: std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1),
        memory_gib: meminfo_kib("MemTotal:").unwrap_or(0) as f64 / (1024.0 * 1024.0),
        cpu: cpu_model(),
        clickhouse: store.server_version().await?,
    })
}

pub async fn sizes(store: &Store, database: &str) -> anyhow::Result<Vec<TableSize>> {
    Ok(store.table_sizes(database).await?)
}

/// A process's peak resident set (VmHWM), in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:")?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
}
