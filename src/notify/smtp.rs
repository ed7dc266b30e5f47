//! Where mails go: an SMTP server (lettre, the server's reply kept) or, for
//! `--dry-run`, `.eml` files in a folder. The ledger is written only for
//! SMTP: a dry run changes nothing. lettre's own timeout covers only the
//! connect; the whole exchange (greeting, each command, the data) is bounded
//! here by `smtp.timeout_secs`, so a server that accepts and never answers
//! fails the try instead of holding the run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpSecurity, SmtpSettings};

/// The backend a run sends through.
pub enum Backend {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The bound on one mail's whole SMTP exchange.
        timeout: Duration,
    },
    /// Dry run: every mail as `{dir}/{n}-{rule}-{unit}-{recipient}.eml`.
    Files(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("smtp {host}: {message}")]
    Setup { host: String, message: String },
    #[error("smtp: environment variable {0} (named by alerts.toml smtp.username_env/password_env) is not set")]
    MissingCredential(String),
    #[error("dry-run folder {}: {source}", .dir.display())]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// A try that did not end with the server's acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// The server's reply, or the connection error.
    pub reply: String,
    /// No SMTP answer at all (refused, timed out, TLS): the server is likely
    /// down, so the run stops trying the rest of its batch.
    pub unreachable: bool,
}

impl Backend {
    /// The SMTP transport of `settings`, credentials read through `env`.
    pub fn smtp(
        settings: &SmtpSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, BackendError> {
        let setup = |e: lettre::transport::smtp::Error| BackendError::Setup {
            host: settings.host.clone(),
            message: e.to_string(),
        };
        let builder = match settings.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(setup)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(setup)?
            }
        };
        let timeout = Duration::from_secs(settings.timeout_secs);
        let mut builder = builder.port(settings.port).timeout(Some(timeout));
        if let (Some(user_var), Some(pass_var)) = (&settings.username_env, &settings.password_env) {
            let user =
                env(user_var).ok_or_else(|| BackendError::MissingCredential(user_var.clone()))?;
            let pass =
                env(pass_var).ok_or_else(|| BackendError::MissingCredential(pass_var.clone()))?;
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Backend::Smtp {
            transport: builder.build(),
            timeout,
        })
    }

    /// The dry-run backend, creating `dir`.
    pub fn files(dir: &Path) -> Result<Self, BackendError> {
        std::fs::create_dir_all(dir).map_err(|source| BackendError::Folder {
            dir: dir.to_path_buf(),
            source,
        })?;
        Ok(Backend::Files(dir.to_path_buf()))
    }

    pub fn is_dry_run(&self) -> bool {
        matches!(self, Backend::Files(_))
    }

    /// The longest one delivery can take (a file write is not bounded).
    pub fn send_timeout(&self) -> Duration {
        match self {
            Backend::Smtp { timeout, .. } => *timeout,
            Backend::Files(_) => Duration::ZERO,
        }
    }

    /// Hands `message` over; `Ok` carries the server's acceptance reply.
    /// `name` names the file of a dry run.
    pub async fn deliver(&self, name: &str, message: &Message) -> Result<String, SendFailure> {
        match self {
            Backend::Smtp { transport, timeout } => {
                // Dropping the send at the bound closes its connection: no pool is kept.
                match tokio::time::timeout(*timeout, transport.send(message.clone())).await {
                    Ok(Ok(response)) => Ok(format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    )),
                    Ok(Err(e)) => Err(SendFailure {
                        reply: e.to_string(),
                        unreachable: e.status().is_none(),
                    }),
                    Err(_) => Err(SendFailure {
                        reply: format!(
                            "the SMTP server did not finish the exchange within {} s (smtp.timeout_secs)",
                            timeout.as_secs()
                        ),
                        unreachable: true,
                    }),
                }
            }
            Backend::Files(dir) => {
                let path = dir.join(format!("{}.eml", file_safe(name)));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map(|()| format!("written to {}", path.display()))
                    .map_err(|e| SendFailure {
                        reply: format!("{}: {e}", path.display()),
                        unreachable: true,
                    })
            }
        }
    }
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
