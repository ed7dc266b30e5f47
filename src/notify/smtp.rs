//! Where mails go: an SMTP server (lettre, with a timeout and the server's
//! reply kept) or, for `--dry-run`, `.eml` files in a folder. The ledger is
//! written only for SMTP: a dry run changes nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpSecurity, SmtpSettings};

/// The backend a run sends through.
pub enum Backend {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
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
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(settings.timeout_secs)));
        if let (Some(user_var), Some(pass_var)) = (&settings.username_env, &settings.password_env) {
            let user =
                env(user_var).ok_or_else(|| BackendError::MissingCredential(user_var.clone()))?;
            let pass =
                env(pass_var).ok_or_else(|| BackendError::MissingCredential(pass_var.clone()))?;
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Backend::Smtp(builder.build()))
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

    /// Hands `message` over; `Ok` carries the server's acceptance reply.
    /// `name` names the file of a dry run.
    pub async fn deliver(&self, name: &str, message: &Message) -> Result<String, SendFailure> {
        match self {
            Backend::Smtp(transport) => match transport.send(message.clone()).await {
                Ok(response) => Ok(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(e) => Err(SendFailure {
                    reply: e.to_string(),
                    unreachable: e.status().is_none(),
                }),
            },
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
