//! Simulated public service portals (issue 15 §4): each on its own loopback
//! port over TLS, with certificates made at run time by a throwaway CA
//! (`rcgen`) — one of them expired. Fault modes: up, down (HTTP 503), slow
//! (answers after a delay), expired certificate, a redirect on the portal's
//! own host, and one to another host. The probe trusts the CA through
//! `probe.extra_root_certificate`: nothing turns verification off.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalMode {
    Up,
    /// HTTP 503 to every request.
    Down,
    /// 200 after the portal's delay.
    Slow,
    /// 200, but over a certificate whose validity ended 30 days ago.
    ExpiredCertificate,
    /// `/` moves to `/home` on the same host, which answers 200.
    RedirectOnHost,
    /// `/` moves to `https://portal.invalid/`.
    RedirectOffHost,
}

/// How many days ago the expired certificate's validity ended (and how many
/// the valid one has left): the probe tests count on them.
pub const EXPIRED_DAYS_AGO: i64 = 30;
pub const VALID_DAYS_LEFT: i64 = 90;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("simulated portal certificates: {0}")]
    Certificates(String),
    #[error("simulated portal: {0}")]
    Io(#[from] std::io::Error),
}

/// The throwaway CA and the two server configurations it signed.
#[derive(Clone)]
pub struct PortalCertificates {
    /// The CA certificate, PEM: what `probe.extra_root_certificate` names.
    pub ca_pem: String,
    valid: TlsAcceptor,
    expired: TlsAcceptor,
}

impl PortalCertificates {
    /// A new CA and leaf certificates for `127.0.0.1` and `localhost`, their
    /// times counted from now (half a day off the whole day, so a test's
    /// seconds never move the days left).
    pub fn generate() -> Result<Self, PortalError> {
        let bad = |e: rcgen::Error| PortalError::Certificates(e.to_string());
        let now = time::OffsetDateTime::now_utc();
        let days = |d: i64| time::Duration::hours(24 * d);
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(bad)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.distinguished_name
            .push(DnType::CommonName, "chiso simulated portals CA");
        ca.not_before = now - days(3650);
        ca.not_after = now + days(3650);
        let ca_key = KeyPair::generate().map_err(bad)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(bad)?;
        let issuer = Issuer::new(ca, ca_key);
        let leaf = |not_before, not_after| -> Result<TlsAcceptor, PortalError> {
            let mut params =
                CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                    .map_err(bad)?;
            params.not_before = not_before;
            params.not_after = not_after;
            let key = KeyPair::generate().map_err(bad)?;
            let cert = params.signed_by(&key, &issuer).map_err(bad)?;
            let chain = vec![cert.der().clone(), ca_cert.der().clone()];
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
            acceptor(chain, key)
        };
        let half = time::Duration::hours(12);
        Ok(Self {
            ca_pem: ca_cert.pem(),
            valid: leaf(now - days(1), now + days(VALID_DAYS_LEFT) + half)?,
            expired: leaf(now - days(400), now - days(EXPIRED_DAYS_AGO) + half)?,
        })
    }
}

fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, PortalError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PortalError::Certificates(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| PortalError::Certificates(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

struct PortalState {
    mode: Mutex<PortalMode>,
    slow: Duration,
    /// Connections accepted: a probe that reached this portal counts here.
    connections: AtomicU64,
}

/// A running portal; it stops when dropped.
pub struct SimulatedPortal {
    pub addr: SocketAddr,
    state: Arc<PortalState>,
    task: tokio::task::JoinHandle<()>,
}

impl SimulatedPortal {
    /// Starts a portal on a free loopback port.
    pub async fn start(
        certs: &PortalCertificates,
        mode: PortalMode,
        slow: Duration,
    ) -> Result<Self, PortalError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(PortalState {
            mode: Mutex::new(mode),
            slow,
            connections: AtomicU64::new(0),
        });
        let (certs, served) = (certs.clone(), state.clone());
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                served.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(answer(tcp, certs.clone(), served.clone()));
            }
        });
        Ok(Self { addr, state, task })
    }

    /// What the registry's `portal.url` names.
    pub fn url(&self) -> String {
        format!("https://{}/", self.addr)
    }

    pub fn set_mode(&self, mode: PortalMode) {
        if let Ok(mut m) = self.state.mode.lock() {
            *m = mode;
        }
    }

    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }
}

impl Drop for SimulatedPortal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One connection: the handshake, one request read (bounded), one answer.
async fn answer(tcp: TcpStream, certs: PortalCertificates, state: Arc<PortalState>) {
    let mode = state.mode.lock().map(|m| *m).unwrap_or(PortalMode::Up);
    let acceptor = match mode {
        PortalMode::ExpiredCertificate => certs.expired,
        _ => certs.valid,
    };
    let bound = Duration::from_secs(10);
    let Ok(Ok(mut tls)) = tokio::time::timeout(bound, acceptor.accept(tcp)).await else {
        return;
    };
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match tokio::time::timeout(bound, tls.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let path = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let response = match (mode, path.as_str()) {
        (PortalMode::Down, _) => reply("503 Service Unavailable", "", "Bảo trì"),
        (PortalMode::Slow, _) => {
            tokio::time::sleep(state.slow).await;
            reply("200 OK", "", "Cổng dịch vụ công")
        }
        (PortalMode::RedirectOnHost, "/") => reply("302 Found", "location: /home\r\n", ""),
        (PortalMode::RedirectOffHost, _) => {
            reply("302 Found", "location: https://portal.invalid/\r\n", "")
        }
        _ => reply("200 OK", "", "Cổng dịch vụ công"),
    };
    let _ = tls.write_all(response.as_bytes()).await;
    let _ = tls.shutdown().await;
}

fn reply(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}
