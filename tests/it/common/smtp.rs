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
        };
        sink.resume();
        sink
    }

    /// (Re)starts the server on its port; returns once it listens.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the SMTP sink is already running");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp_sink.py");
        let mut child = Command::new(python())
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
