//! One job at a time across processes: an advisory lock on `{state_dir}/job-{job}.lock`
//! (`flock`), held by `chiso serve` and by manual runs alike. The kernel drops it
//! when the process ends, so a crash never leaves a job locked.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::JobName;

/// Held while a job runs; dropping it releases the lock.
#[derive(Debug)]
pub struct JobLock {
    _file: File,
    path: PathBuf,
}

impl JobLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "lock file {path}: {source}; check schedule.state_dir (CHISO_STATE_DIR) exists and is writable"
)]
pub struct LockError {
    path: PathBuf,
    source: std::io::Error,
}

/// `job-remind.lock`, never `remind.lock`: the remind run's own lock
/// (alerts.toml `lock_file`, by default `var/state/remind.lock` too) is a
/// second lock in the same process, and two `flock`s on one file conflict.
fn lock_path(dir: &Path, job: JobName) -> PathBuf {
    dir.join(format!("job-{}.lock", job.as_str()))
}

/// Takes `job`'s lock without waiting; `Ok(None)` when another holder has it.
pub fn acquire(dir: &Path, job: JobName) -> Result<Option<JobLock>, LockError> {
    let path = lock_path(dir, job);
    let err = |source| LockError {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(err)?;
    if !try_lock(&file).map_err(err)? {
        return Ok(None);
    }
    // Who holds it, for the message of whoever finds it taken.
    file.set_len(0).map_err(err)?;
    file.rewind().map_err(err)?;
    write!(file, "pid {}", std::process::id()).map_err(err)?;
    Ok(Some(JobLock { _file: file, path }))
}

/// What the current holder wrote in the lock file (e.g. `pid 4242`), if readable.
pub fn holder(dir: &Path, job: JobName) -> Option<String> {
    let mut text = String::new();
    File::open(lock_path(dir, job))
        .and_then(|mut f| f.read_to_string(&mut text))
        .ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// `File::try_lock` is `flock(LOCK_EX | LOCK_NB)` on Unix: the lock belongs to
/// the open file, so it also keeps out a second opener inside this process.
fn try_lock(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), JobName::Collect).unwrap();
        assert!(first.is_some());
        assert!(acquire(dir.path(), JobName::Collect).unwrap().is_none());
        let pid = format!("pid {}", std::process::id());
        assert_eq!(holder(dir.path(), JobName::Collect), Some(pid));
        // Another job is not held up.
        assert!(acquire(dir.path(), JobName::Compute).unwrap().is_some());
        drop(first);
        assert!(acquire(dir.path(), JobName::Collect).unwrap().is_some());
    }

    #[test]
    fn the_state_dir_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("var/state");
        let lock = acquire(&nested, JobName::Remind).unwrap().unwrap();
        assert!(lock.path().ends_with("var/state/job-remind.lock"));
    }

    #[test]
    fn the_scheduled_remind_can_take_the_remind_runs_own_lock() {
        // The shipped config puts both in var/state: the scheduler holds its
        // job lock while `notify::remind` takes alerts.toml's lock_file.
        let dir = tempfile::tempdir().unwrap();
        let _job = acquire(dir.path(), JobName::Remind).unwrap().unwrap();
        let run = crate::notify::lock::RunLock::acquire(&dir.path().join("remind.lock"));
        assert!(run.is_ok(), "{:?}", run.err());
    }
}
