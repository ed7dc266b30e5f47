//! One remind run at a time: an exclusive advisory lock (`flock`) on a file
//! held for the whole run. The kernel drops it when the process ends, even
//! by a crash or kill, so a stale lock never blocks the next run.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Held while alive.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another remind run holds {}: it is running; try again when it ends", .0.display())]
    Busy(PathBuf),
    #[error("lock file {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl RunLock {
    /// Takes the lock without waiting, creating the file (and its folder).
    pub fn acquire(path: &Path) -> Result<Self, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io)?;
        try_lock(&file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                LockError::Busy(path.to_path_buf())
            } else {
                io(e)
            }
        })?;
        Ok(Self {
            _file: file,
            path: path.to_path_buf(),
        })
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor we own; released when the file closes.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/remind.lock");
        let first = RunLock::acquire(&path).unwrap();
        let second = RunLock::acquire(&path).unwrap_err();
        assert!(matches!(second, LockError::Busy(_)), "{second}");
        assert!(second.to_string().contains("another remind run"));
        drop(first);
        RunLock::acquire(&path).unwrap();
    }
}
