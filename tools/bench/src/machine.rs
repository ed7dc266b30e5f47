//! What every figure stands on: the machine, the ClickHouse version, the data size.

pub use chiso::store::bench::TableSize;
use std::path::Path;

use chiso::store::Store;

#[derive(Debug, Clone)]
pub struct Machine {
    pub cores: usize,
    pub memory_gib: f64,
    pub cpu: String,
    pub clickhouse: String,
    /// The filesystem under ClickHouse's data: it moves the ingest figures
    /// (docs/bench-notes.md, "Ingest").
    pub storage: String,
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

/// The mount holding `dir` (the longest mount point above it in
/// /proc/mounts): its filesystem type, and for ext4 whether it keeps a journal.
pub fn storage(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mount = mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (device, point, fstype) = (f.next()?, f.next()?, f.next()?);
            dir.starts_with(point).then_some((device, point, fstype))
        })
        .max_by_key(|(_, point, _)| point.len());
    let Some((device, point, fstype)) = mount else {
        return format!("unknown filesystem ({})", dir.display());
    };
    // jbd2 names a journal after its device ("vda-8"); none means ext4 runs without one.
    let journal = match fstype {
        "ext4" => {
            let name = device.rsplit('/').next().unwrap_or(device);
            let journaled = std::fs::read_dir("/proc/fs/jbd2")
                .map(|d| {
                    d.flatten()
                        .any(|e| e.file_name().to_string_lossy().starts_with(name))
                })
                .unwrap_or(false);
            if journaled {
                ", with a journal"
            } else {
                ", without a journal"
            }
        }
        _ => "",
    };
    format!("{fstype}{journal} at {point} ({})", dir.display())
}

pub async fn machine(store: &Store, clickhouse_dir: &Path) -> anyhow::Result<Machine> {
    Ok(Machine {
        cores: std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1),
        memory_gib: meminfo_kib("MemTotal:").unwrap_or(0) as f64 / (1024.0 * 1024.0),
        cpu: cpu_model(),
        clickhouse: store.server_version().await?,
        storage: storage(clickhouse_dir),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storage_is_the_longest_mount_above_the_directory() {
        // /proc is its own mount on every Linux; / is below it in length.
        let proc = storage(Path::new("/proc/self"));
        assert!(proc.starts_with("proc at /proc ("), "{proc}");
    }
}
