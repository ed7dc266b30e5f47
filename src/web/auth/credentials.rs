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
use crate::store::{RoleCode, Store, StoreError, TokenRow, UserRow};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("login '{0}': use 3 to 64 of a-z, 0-9, '.', '_', '-', '@'")]
    BadLogin(String),
    #[error("login '{0}' already exists")]
    Exists(String),
    #[error("login '{0}' does not exist")]
    Unknown(String),
    #[error("role 'unit' needs --unit CODE; other roles take none")]
    UnitMismatch,
    #[error("unit '{0}' is not in the registry")]
    UnknownUnit(String),
    #[error("the password must have at least 10 characters")]
    ShortPassword,
    #[error("cannot draw random bytes from the system: {0}")]
    Random(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

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
    if password.chars().count() < 10 {
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
        version: 1,
    };
    store.put_user(&row).await?;
    Ok(row)
}

/// A new API token for `login`, returned once; only its hash is stored.
pub async fn add_token(store: &Store, login: &str) -> Result<String, AccountError> {
    if store.user(login).await?.is_none() {
        return Err(AccountError::Unknown(login.to_string()));
    }
    let token = format!("chiso_{}", random_text(32)?);
    store
        .put_token(&TokenRow {
            token_hash: token_hash(&token),
            login: login.to_string(),
            created_at: Utc::now(),
            revoked: 0,
            version: 1,
        })
        .await?;
    Ok(token)
}

/// How long a token found live is trusted without asking again: an API
/// client sends one with every request, and its two lookups were most of a
/// unit page's queries under load (`make bench`). A token revoked or an
/// account disabled stops opening pages within this time.
pub const TOKENS_KEPT_FOR: Duration = Duration::from_secs(2);

/// The account a bearer token opens, if the token and its account are live.
pub async fn account_for_token(store: &Store, token: &str) -> Result<Option<Account>, StoreError> {
    static KEPT: OnceLock<Kept<(Instant, Account)>> = OnceLock::new();
    let kept = KEPT.get_or_init(|| Kept::new(1024));
    let hash = token_hash(token);
    // By database too: one process may serve several (the tests do).
    let key = format!("{}|{hash}", store.database());
    if let Some((checked, account)) = kept.get(&key) {
        if checked.elapsed() < TOKENS_KEPT_FOR {
            return Ok(Some(account));
        }
    }
    let checked = Instant::now();
    let Some(row) = store.token(&hash).await? else {
        return Ok(None);
    };
    if row.revoked != 0 {
        return Ok(None);
    }
    let account = store.user(&row.login).await?.and_then(account_of);
    // Only a live token is kept: an unknown one is asked about every time.
    if let Some(a) = &account {
        kept.keep(key, (checked, a.clone()));
    }
    Ok(account)
}

/// The account of `login` and `password`, checked off the async threads (argon2 is slow on purpose).
pub async fn account_for_password(
    store: &Store,
    login: &str,
    password: &str,
) -> Result<Option<Account>, StoreError> {
    let Some(row) = store.user(login).await? else {
        return Ok(None);
    };
    let (hash, password) = (row.password_hash.clone(), password.to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(if ok { account_of(row) } else { None })
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
