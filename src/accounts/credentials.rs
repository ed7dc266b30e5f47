//! Passwords (argon2id), API tokens (random, stored as SHA-256) and the
//! accounts they open: what `chiso users …` and the login form call.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use sha2::{Digest, Sha256};

use super::{Account, Role};
use crate::config::Registry;
use crate::domain::kept::Kept;
use crate::domain::UnitCode;
use crate::store::{AuditEvent, AuditKind, RoleCode, Store, StoreError, UserRow};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("login '{0}': use 3 to 64 of a-z, 0-9, '.', '_', '-', '@'")]
    BadLogin(String),
    #[error("login '{0}' already exists")]
    Exists(String),
    #[error("login '{0}' does not exist")]
    Unknown(String),
    #[error("no API token has the id '{0}' (see `chiso users tokens --login L`)")]
    UnknownToken(String),
    #[error("role 'unit' needs --unit CODE; other roles take none")]
    UnitMismatch,
    #[error("unit '{0}' is not in the registry")]
    UnknownUnit(String),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("cannot draw random bytes from the system: {0}")]
    Random(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// `n` random bytes, base64url: passwords, tokens, CSRF values, secrets.
pub fn random_text(n: usize) -> Result<String, AccountError> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| AccountError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// False for a wrong password and for a hash that does not parse.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// What `api_tokens` stores of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c))
}

/// The account of a stored row, unless disabled.
pub fn account_of(row: UserRow) -> Option<Account> {
    if row.disabled != 0 {
        return None;
    }
    let role = match row.role {
        RoleCode::Ministry => Role::Ministry,
        RoleCode::Analyst => Role::Analyst,
        RoleCode::Unit => Role::Unit(UnitCode::new(row.unit_code)),
    };
    Some(Account {
        login: row.login,
        role,
    })
}

/// Creates an account; `unit` is required for (and only for) `RoleCode::Unit`.
pub async fn add_user(
    store: &Store,
    registry: &Registry,
    login: &str,
    role: RoleCode,
    unit: Option<&str>,
    password: &str,
) -> Result<UserRow, AccountError> {
    if !valid_login(login) {
        return Err(AccountError::BadLogin(login.to_string()));
    }
    let unit_code = match (role, unit) {
        (RoleCode::Unit, Some(code)) => {
            if registry.get(&UnitCode::new(code)).is_none() {
                return Err(AccountError::UnknownUnit(code.to_string()));
            }
            code.to_string()
        }
        (RoleCode::Unit, None) | (_, Some(_)) => return Err(AccountError::UnitMismatch),
        (_, None) => String::new(),
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    if store.user(login).await?.is_some() {
        return Err(AccountError::Exists(login.to_string()));
    }
    let row = UserRow {
        login: login.to_string(),
        role,
        unit_code,
        password_hash: hash_password(password)?,
        created_at: Utc::now(),
        disabled: 0,
        session_epoch: 0,
        version: 1,
    };
    store.put_user(&row).await?;
    let event = AuditEvent::new(AuditKind::AccountChanged, "", login)
        .with_detail(format!("created, role {}", role.as_str()));
    store.audit_or_warn(&event).await;
    Ok(row)
}

/// A new API token for `login` that lasts `DEFAULT_TOKEN_DAYS`, returned once.
pub async fn add_token(store: &Store, login: &str) -> Result<String, AccountError> {
    super::manage::add_token_for(store, login, DEFAULT_TOKEN_DAYS).await
}

/// How long a token found live, or a session's account, is trusted without
/// asking again: an API client sends a token with every request, and its two
/// lookups were most of a unit page's queries under load (`make bench`). A
/// change made through this process (logout, any `manage` call) takes effect
/// here at once; one made by another process (`chiso users …`) within this time.
pub const TOKENS_KEPT_FOR: Duration = Duration::from_secs(2);

/// How long after ClickHouse last confirmed a token it still opens its
/// account while ClickHouse cannot be reached: a scraper goes on reading
/// `/metrics` through an outage, which is when `chiso_clickhouse_up 0` (what
/// the alert reads) matters. A revocation is written to ClickHouse too, so
/// none can be made meanwhile; an unknown token is refused as before.
pub const TOKENS_KEPT_WHILE_UNREACHABLE: Duration = Duration::from_secs(600);

/// How long the recheck of a token already confirmed may take before
/// ClickHouse counts as unreachable (hung rather than down): under
/// Prometheus's 10 s scrape timeout.
const RECHECK_WAIT: Duration = Duration::from_secs(3);

/// The default lifetime of a new API token (`[web] token_days`).
pub const DEFAULT_TOKEN_DAYS: u32 = 90;

/// A live token: when it was last looked at, its account, when it expires
/// (unix seconds) and when ClickHouse last confirmed it.
#[derive(Clone)]
struct KeptToken {
    at: Instant,
    account: Account,
    expires: i64,
    confirmed: Instant,
}

fn kept_tokens() -> &'static Kept<KeptToken> {
    static KEPT: OnceLock<Kept<KeptToken>> = OnceLock::new();
    KEPT.get_or_init(|| Kept::new(1024))
}

fn kept_users() -> &'static Kept<(Instant, UserRow)> {
    static KEPT: OnceLock<Kept<(Instant, UserRow)>> = OnceLock::new();
    KEPT.get_or_init(|| Kept::new(1024))
}

/// By database too: one process may serve several (the tests do).
fn kept_key(store: &Store, id: &str) -> String {
    format!("{}|{id}", store.database())
}

/// Forgets what this process kept of `login`'s account and tokens, so a change
/// to it (logout, disable, new password, revoked token) holds at once here.
pub fn forget_account(store: &Store, login: &str) {
    kept_users().forget(&kept_key(store, login));
    kept_tokens().forget_if(|kept| kept.account.login == login);
}

/// The account a bearer token opens, if the token (unrevoked, unexpired) and
/// its account are live.
pub async fn account_for_token(store: &Store, token: &str) -> Result<Option<Account>, StoreError> {
    let hash = token_hash(token);
    let key = kept_key(store, &hash);
    let now = Utc::now().timestamp();
    let checked = Instant::now();
    let kept = kept_tokens().get(&key).filter(|k| k.expires > now);
    if let Some(k) = &kept {
        if k.at.elapsed() < TOKENS_KEPT_FOR {
            return Ok(Some(k.account.clone()));
        }
        // Stale: this caller checks again while the others go on with the
        // kept account for the few milliseconds it takes; when all 64
        // connections of `wrk` checked at once every 2 s (and each recorded
        // the use), the unit page's p99 was ~400 ms (docs/bench-notes.md).
        let looking = KeptToken {
            at: checked,
            ..k.clone()
        };
        kept_tokens().keep(key.clone(), looking);
    }
    let lookup = live_account(store, &hash, now);
    // A token already confirmed waits for a hung ClickHouse only so long.
    let live = match &kept {
        Some(_) => tokio::time::timeout(RECHECK_WAIT, lookup)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Timeout {
                    url: store.server_in_use(),
                    context: "recheck an API token".into(),
                    secs: RECHECK_WAIT.as_secs(),
                })
            }),
        None => lookup.await,
    };
    if let Err(e) = &live {
        let standing = kept.filter(|k| k.confirmed.elapsed() < TOKENS_KEPT_WHILE_UNREACHABLE);
        if let Some(k) = standing.filter(|_| e.is_unreachable()) {
            tracing::debug!(error = %e, login = %k.account.login, "token kept while ClickHouse is unreachable");
            return Ok(Some(k.account));
        }
    }
    if !matches!(live, Ok(Some(_))) {
        kept_tokens().forget(&key);
    }
    let Some((account, expires)) = live? else {
        return Ok(None);
    };
    // Only a live token is kept: an unknown one is asked about every time.
    let confirmed = KeptToken {
        at: checked,
        account: account.clone(),
        expires,
        confirmed: checked,
    };
    kept_tokens().keep(key, confirmed);
    if let Err(e) = store.note_token_use(&hash).await {
        tracing::warn!(error = %e, login = %account.login, "token use not recorded");
    }
    Ok(Some(account))
}

/// The account of a token hash and when the token expires, read now: `None`
/// when the token is unknown, revoked or expired, or its account is not live.
async fn live_account(
    store: &Store,
    hash: &str,
    now: i64,
) -> Result<Option<(Account, i64)>, StoreError> {
    let Some(row) = store.token(hash).await? else {
        return Ok(None);
    };
    let expires = row.expires_at.timestamp();
    if row.revoked != 0 || expires <= now {
        return Ok(None);
    }
    let account = store.user(&row.login).await?.and_then(account_of);
    Ok(account.map(|a| (a, expires)))
}

/// The account of a session cookie's `login` and `epoch`, if it is live and
/// the epoch still current (no logout or password change since).
pub async fn account_for_session(
    store: &Store,
    login: &str,
    epoch: u32,
) -> Result<Option<Account>, StoreError> {
    let key = kept_key(store, login);
    let row = match kept_users().get(&key) {
        Some((checked, row)) if checked.elapsed() < TOKENS_KEPT_FOR => row,
        _ => {
            let checked = Instant::now();
            let Some(row) = store.user(login).await? else {
                return Ok(None);
            };
            kept_users().keep(key, (checked, row.clone()));
            row
        }
    };
    Ok((row.session_epoch == epoch)
        .then(|| account_of(row))
        .flatten())
}

/// A hash no password matches, checked for unknown logins so that they take
/// as long as known ones (argon2 is most of a login's time).
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        random_text(24)
            .and_then(|p| hash_password(&p))
            .unwrap_or_default()
    })
}

/// Computes the dummy hash now, so that the first unknown login is not slower.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// The account of `login` and `password` with its session epoch, checked off
/// the async threads (argon2 is slow on purpose). An unknown login is checked
/// against a dummy hash: known and unknown logins take the same time.
pub async fn account_for_password(
    store: &Store,
    login: &str,
    password: &str,
) -> Result<Option<(Account, u32)>, StoreError> {
    let row = store.user(login).await?;
    let hash = row
        .as_ref()
        .map_or_else(|| dummy_hash().to_string(), |r| r.password_hash.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(row.filter(|_| ok).and_then(|r| {
        let epoch = r.session_epoch;
        account_of(r).map(|a| (a, epoch))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn logins_are_short_lower_case_words() {
        assert!(valid_login("nguyen.van_a@mic"));
        assert!(!valid_login("Nguyen"));
        assert!(!valid_login("ab"));
        assert!(!valid_login("a b c"));
    }
}
