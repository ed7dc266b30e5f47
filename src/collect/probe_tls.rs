//! The probe's TLS: the public roots (webpki-roots, as the collector's client
//! has) plus `probe.extra_root_certificate`, verified in full, with the peer
//! certificate kept as the handshake saw it. The verifier wraps rustls' own
//! WebPKI verifier: it records the certificate, then returns that verifier's
//! verdict unchanged, so an expired certificate still fails the probe but is
//! recorded as "expired N days ago", not only as "failed". Verification is
//! never switched off.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Why the probe's TLS could not be set up (a start-up problem).
#[derive(Debug, thiserror::Error)]
pub enum ProbeTlsError {
    #[error("probe.extra_root_certificate '{path}': {detail}")]
    ExtraRoot { path: String, detail: String },
    #[error("probe TLS: {0}")]
    Setup(String),
}

/// The roots and verifier every probe shares.
#[derive(Debug, Clone)]
pub struct ProbeRoots {
    provider: Arc<CryptoProvider>,
    verifier: Arc<WebPkiServerVerifier>,
}

impl ProbeRoots {
    /// The public roots, plus the certificates of `extra` (PEM text; `path` names it).
    pub fn new(extra: Option<(&str, &[u8])>) -> Result<Self, ProbeTlsError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some((path, pem)) = extra {
            let bad = |detail: String| ProbeTlsError::ExtraRoot {
                path: path.to_string(),
                detail,
            };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<_, _>>()
                .map_err(|e| bad(format!("not PEM certificates: {e}")))?;
            if certs.is_empty() {
                return Err(bad("holds no certificate".into()));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| bad(format!("not a usable root: {e}")))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| ProbeTlsError::Setup(e.to_string()))?;
        Ok(Self { provider, verifier })
    }

    /// A client configuration for one probe, and where its handshake leaves
    /// the peer certificate.
    pub fn recording(&self) -> Result<(rustls::ClientConfig, Arc<SeenCertificate>), ProbeTlsError> {
        let seen = Arc::new(SeenCertificate::default());
        let verifier = Recording {
            inner: self.verifier.clone(),
            seen: seen.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| ProbeTlsError::Setup(e.to_string()))?
            // "dangerous" is rustls' name for any custom verifier; this one
            // returns the WebPKI verdict unchanged.
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok((config, seen))
    }
}

/// The end-entity certificate of the last handshake, valid or not.
#[derive(Debug, Default)]
pub struct SeenCertificate(Mutex<Option<CertificateDer<'static>>>);

impl SeenCertificate {
    /// Whole days from `now` to the certificate's not-after, rounded down:
    /// negative once it has expired (an hour past is -1), `None` when no
    /// certificate was seen or it cannot be read.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<i32> {
        let der = self.0.lock().ok()?.clone()?;
        days_left(&der, now)
    }
}

/// `SeenCertificate::days_left` of a DER certificate.
pub fn days_left(der: &[u8], now: DateTime<Utc>) -> Option<i32> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.timestamp();
    let secs = not_after - now.timestamp();
    i32::try_from(secs.div_euclid(86_400)).ok()
}

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<SeenCertificate>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.0.lock() {
            *seen = Some(end_entity.clone().into_owned());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
