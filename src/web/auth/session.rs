//! Signed session cookies and CSRF tokens. A session cookie is
//! `login.epoch.expiry.signature` (HMAC-SHA256 under the server's secret). The
//! account is read again on every request (or kept `TOKENS_KEPT_FOR`): a
//! session whose epoch is below the account's (logout, password change,
//! disabling raise it) is over. The CSRF token of a session is an HMAC of the
//! cookie value; the login form, before any session, uses a random
//! double-submit cookie.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "chiso_session";
/// The login form's double-submit cookie.
pub const LOGIN_CSRF_COOKIE: &str = "chiso_login_csrf";
/// The environment variable that, when set, holds the signing secret.
pub const SECRET_ENV: &str = "CHISO_SESSION_SECRET";
const SECRET_FILE: &str = "session_secret";

/// The key sessions and CSRF tokens are signed with.
#[derive(Clone)]
pub struct SessionKey {
    secret: Vec<u8>,
}

impl SessionKey {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    /// `CHISO_SESSION_SECRET` (at least 32 characters), else `state_dir/session_secret`,
    /// created with a random secret on first use (mode 0600).
    pub fn load(env: Option<String>, state_dir: &Path) -> std::io::Result<Self> {
        if let Some(secret) = env.filter(|s| s.len() >= 32) {
            return Ok(Self::new(secret.as_bytes()));
        }
        let path = state_dir.join(SECRET_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => return Ok(Self::new(text.trim().as_bytes())),
            _ => {}
        }
        std::fs::create_dir_all(state_dir)?;
        let secret = crate::accounts::credentials::random_text(48)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        write_private(&path, &secret)?;
        Ok(Self::new(secret.as_bytes()))
    }

    fn mac(&self, parts: &[&str]) -> String {
        // HMAC takes keys of any length: new_from_slice cannot fail for it.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.secret) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"\n");
        }
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// The cookie value of a session of `login` at `epoch`, ending at `expires` (unix seconds).
    pub fn sign(&self, login: &str, epoch: u32, expires: i64) -> String {
        let (epoch, expires) = (epoch.to_string(), expires.to_string());
        let sig = self.mac(&["session", login, &epoch, &expires]);
        format!("{login}.{epoch}.{expires}.{sig}")
    }

    /// The login and epoch of a cookie value, if its signature holds and it has not expired at `now`.
    pub fn verify(&self, value: &str, now: i64) -> Option<(String, u32)> {
        let mut parts = value.rsplitn(4, '.');
        let (sig, expires, epoch, login) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let expected = self.mac(&["session", login, epoch, expires]);
        let valid: bool = expected.as_bytes().ct_eq(sig.as_bytes()).into();
        let live = expires.parse::<i64>().ok()? > now;
        let epoch = epoch.parse::<u32>().ok()?;
        (valid && live && !login.is_empty()).then(|| (login.to_string(), epoch))
    }

    /// The CSRF token of the session whose cookie value is `session`.
    pub fn csrf(&self, session: &str) -> String {
        self.mac(&["csrf", session])
    }
}

/// Equality that does not leak where two tokens differ.
pub fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())
    }
    #[cfg(not(unix))]
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_session_verifies_until_it_expires_and_not_when_altered() {
        let key = SessionKey::new(b"0123456789abcdef0123456789abcdef");
        let value = key.sign("an.nguyen@mic", 3, 2_000);
        let signed_in = Some(("an.nguyen@mic".to_string(), 3));
        assert_eq!(key.verify(&value, 1_999), signed_in);
        assert_eq!(key.verify(&value, 2_000), None);
        assert_eq!(
            key.verify(&value.replace("an.nguyen", "bo.tran"), 1_000),
            None
        );
        assert_eq!(key.verify(&value.replace(".2000.", ".9999."), 1_000), None);
        assert_eq!(key.verify(&value.replace(".3.", ".4."), 1_000), None);
        let other = SessionKey::new(b"another secret, just as long as it");
        assert_eq!(other.verify(&value, 1_000), None);
        assert_ne!(
            key.csrf(&value),
            key.csrf(&key.sign("an.nguyen@mic", 3, 2_001))
        );
    }

    #[test]
    fn the_secret_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = SessionKey::load(None, dir.path()).unwrap();
        let b = SessionKey::load(None, dir.path()).unwrap();
        assert_eq!(a.secret, b.secret);
        let c = SessionKey::load(Some("x".repeat(40)), dir.path()).unwrap();
        assert_ne!(a.secret, c.secret);
    }
}
