//! A real SMTP server on loopback for the mail tests: scripts/smtp_sink.py
//! (Debian's python3-aiosmtpd) saving each message as a file; stop and start
//! again on the same port for the "server down" test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct SmtpSink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    /// Seconds each RCPT TO waits for its answer (a slow server).
    rcpt_delay: Option<f64>,
}

/// One received message: the envelope recipients and the raw bytes.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub raw: Vec<u8>,
}

/// Debian's interpreter, where python3-aiosmtpd is installed (a pyenv or venv
/// python3 first on PATH would not have it).
fn python() -> PathBuf {
    let debian = Path::new("/usr/bin/python3");
    if debian.exists() {
        debian.to_path_buf()
    } else {
        PathBuf::from("python3")
    }
}

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl SmtpSink {
    pub fn start() -> Self {
        let mut sink = Self {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
            rcpt_delay: None,
        };
        sink.resume();
        sink
    }

    /// A slow server: each RCPT TO answered after `secs`, before any of the
    /// message is read, so a client killed meanwhile leaves no message.
    pub fn start_slow(secs: f64) -> Self {
        let mut sink = Self {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
            rcpt_delay: Some(secs),
        };
        sink.resume();
        sink
    }

    /// True while a slow server holds a client in its RCPT delay.
    pub fn in_rcpt(&self) -> bool {
        self.dir.path().join(".in-rcpt").exists()
    }

    /// (Re)starts the server on its port; returns once it listens.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the SMTP sink is already running");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp_sink.py");
        let mut command = Command::new(python());
        if let Some(secs) = self.rcpt_delay {
            command.env("SMTP_SINK_RCPT_DELAY_SECS", secs.to_string());
        }
        let mut child = command
            .arg(script)
            .arg(self.port.to_string())
            .arg(self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start scripts/smtp_sink.py (python3-aiosmtpd, scripts/deps.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "smtp_sink.py did not start");
        self.child = Some(child);
    }

    /// Stops the server: connections are refused until `resume`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: signalling the child we spawned, by its id.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            child.wait().unwrap();
        }
    }

    /// Every message received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(p).unwrap();
                let end = bytes.windows(2).position(|w| w == b"\r\n").unwrap();
                let head = std::str::from_utf8(&bytes[..end]).unwrap();
                let rcpt = head
                    .strip_prefix("X-Sink-Rcpt: ")
                    .unwrap()
                    .split(',')
                    .map(str::to_string)
                    .collect();
                Received {
                    rcpt,
                    raw: bytes[end + 2..].to_vec(),
                }
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
