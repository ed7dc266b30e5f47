//! The servers a soak runs chiso against, each one it can break: a ClickHouse
//! of its own (`scripts/clickhouse.sh`), killed with SIGKILL and restarted on
//! the same ports, and the SMTP sink (`scripts/smtp_sink.py`), taken down or
//! replaced by a listener that accepts and never answers.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// The soak's own ClickHouse.
pub struct ClickHouse {
    script: PathBuf,
    pub dir: PathBuf,
    pub url: String,
}

impl ClickHouse {
    /// `scripts/clickhouse.sh start DIR`: a server on free loopback ports.
    pub async fn start(script: &Path, dir: &Path) -> anyhow::Result<Self> {
        let url = start_in(script, dir).await?;
        Ok(Self {
            script: script.to_path_buf(),
            dir: dir.to_path_buf(),
            url,
        })
    }

    /// SIGKILL, as a crash or the OOM killer would: no clean shutdown.
    pub async fn kill(&self) -> anyhow::Result<()> {
        let pid_file = self.dir.join("clickhouse.pid");
        let pid = std::fs::read_to_string(&pid_file)
            .with_context(|| format!("cannot read {}", pid_file.display()))?;
        let pid = pid.trim();
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            bail!("{}: '{pid}' is not a pid", pid_file.display());
        }
        let status = Command::new("kill").args(["-KILL", pid]).status().await?;
        if !status.success() {
            bail!("kill -KILL {pid} (ClickHouse) failed");
        }
        Ok(())
    }

    /// Starts the server again on its previous ports; fails if they moved,
    /// since every chiso process was given the old URL.
    pub async fn restart(&self) -> anyhow::Result<()> {
        let url = start_in(&self.script, &self.dir).await?;
        if url != self.url {
            bail!("ClickHouse came back at {url}, not {}", self.url);
        }
        Ok(())
    }

    pub async fn stop(&self) {
        let _ = Command::new(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .output()
            .await;
    }
}

async fn start_in(script: &Path, dir: &Path) -> anyhow::Result<String> {
    let out = Command::new(script)
        .arg("start")
        .arg(dir)
        .output()
        .await
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "{} start {}: {}",
            script.display(),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .map(str::to_string)
        .context("clickhouse.sh printed no URL")
}

/// How the mail server behaves now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkState {
    Up,
    /// Nothing listens: connections are refused.
    Down,
    /// A listener accepts every connection and never says a word.
    Silent,
}

/// The SMTP sink on a fixed loopback port, saving each message as a file.
pub struct Sink {
    script: PathBuf,
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
    silent: Option<JoinHandle<()>>,
}

/// One message the sink stored: its Message-ID and when it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    pub arrived: SystemTime,
}

impl Sink {
    pub async fn start(script: &Path, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut sink = Self {
            script: script.to_path_buf(),
            port,
            dir: dir.to_path_buf(),
            child: None,
            silent: None,
        };
        sink.set(SinkState::Up).await?;
        Ok(sink)
    }

    pub async fn set(&mut self, state: SinkState) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        if let Some(task) = self.silent.take() {
            task.abort();
            let _ = task.await;
        }
        match state {
            SinkState::Down => Ok(()),
            SinkState::Up => {
                self.child = Some(self.spawn().await?);
                Ok(())
            }
            SinkState::Silent => {
                let listener = bind_retrying(self.port).await?;
                self.silent = Some(tokio::spawn(hold_connections(listener)));
                Ok(())
            }
        }
    }

    /// Debian's python3, where python3-aiosmtpd is installed.
    async fn spawn(&self) -> anyhow::Result<Child> {
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let mut last = String::new();
        // The port may linger a moment after the last holder closed it.
        for _ in 0..20 {
            let mut child = Command::new(python)
                .arg(&self.script)
                .arg(self.port.to_string())
                .arg(&self.dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("cannot start {}", self.script.display()))?;
            let stdout = child.stdout.take().context("the sink's stdout")?;
            let mut line = String::new();
            let mut reader = BufReader::new(stdout);
            let read = reader.read_line(&mut line);
            match tokio::time::timeout(Duration::from_secs(10), read).await {
                Ok(Ok(_)) if line.trim() == "ready" => return Ok(child),
                other => last = format!("{other:?}"),
            }
            let _ = child.start_kill();
            let _ = child.wait().await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bail!(
            "{} did not start on port {}: {last}",
            self.script.display(),
            self.port
        )
    }

    /// Every message stored so far, in arrival order.
    pub fn received(&self) -> anyhow::Result<Vec<Received>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        let mut out = Vec::new();
        for path in files {
            let text = std::fs::read(&path)?;
            let arrived = std::fs::metadata(&path)?.modified()?;
            let message_id = message_id_of(&String::from_utf8_lossy(&text))
                .with_context(|| format!("{}: no Message-ID header", path.display()))?;
            out.push(Received {
                message_id,
                arrived,
            });
        }
        Ok(out)
    }

    pub async fn stop(&mut self) {
        let _ = self.set(SinkState::Down).await;
    }
}

/// The Message-ID header of a raw message (its head only).
pub fn message_id_of(raw: &str) -> Option<String> {
    raw.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("message-id")
            .then(|| value.trim().to_string())
    })
}

async fn bind_retrying(port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let mut last = None;
    for _ in 0..20 {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(last.map_or_else(
        || anyhow::anyhow!("cannot bind 127.0.0.1:{port}"),
        |e| anyhow::Error::new(e).context(format!("cannot bind 127.0.0.1:{port}")),
    ))
}

/// Accepts every connection and keeps it open, silent, until aborted.
async fn hold_connections(listener: tokio::net::TcpListener) {
    let mut held = Vec::new();
    while let Ok((socket, _)) = listener.accept().await {
        held.push(socket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_read_from_the_head_only() {
        let raw = "X-Sink-Rcpt: a@b\r\nSubject: x\r\nMessage-ID: <abc@chiso.invalid>\r\n\r\nMessage-ID: <body>\r\n";
        assert_eq!(message_id_of(raw).as_deref(), Some("<abc@chiso.invalid>"));
        assert_eq!(message_id_of("Subject: x\r\n\r\nMessage-ID: <b>"), None);
    }
}
