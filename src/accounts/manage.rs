//! Changes to accounts and tokens, for `chiso users …` and logout. Each writes
//! a new version of the row and forgets what this process kept of the account,
//! so that the change holds here at once (other processes: `TOKENS_KEPT_FOR`).

use chrono::Utc;

use super::credentials::{
    forget_account, hash_password, random_text, token_hash, AccountError, MIN_PASSWORD_CHARS,
};
use crate::store::{AuditEvent, AuditKind, Store, TokenRow, UserRow, TOKEN_ID_LEN};

/// Above the last version, and above any version written earlier by the clock.
fn next_version(last: u64) -> u64 {
    let micros = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(0);
    last.saturating_add(1).max(micros)
}

/// Writes `login`'s account changed by `change`, with a new session epoch:
/// every session signed before is over.
async fn change_user(
    store: &Store,
    login: &str,
    event: AuditEvent,
    change: impl FnOnce(&mut UserRow),
) -> Result<UserRow, AccountError> {
    let mut row = store
        .user(login)
        .await?
        .ok_or_else(|| AccountError::Unknown(login.to_string()))?;
    change(&mut row);
    row.session_epoch = row.session_epoch.wrapping_add(1);
    row.version = next_version(row.version);
    store.put_user(&row).await?;
    forget_account(store, login);
    store.audit_or_warn(&event).await;
    Ok(row)
}

/// Logout: ends every session of `login`, on every device.
pub async fn end_sessions(store: &Store, login: &str) -> Result<UserRow, AccountError> {
    let event = AuditEvent::new(AuditKind::Logout, login, login).with_detail("every session ended");
    change_user(store, login, event, |_| {}).await
}

/// Stops `login`: no login, and its sessions and tokens open nothing.
pub async fn disable(store: &Store, login: &str) -> Result<UserRow, AccountError> {
    set_disabled(store, login, true).await
}

pub async fn enable(store: &Store, login: &str) -> Result<UserRow, AccountError> {
    set_disabled(store, login, false).await
}

async fn set_disabled(store: &Store, login: &str, disabled: bool) -> Result<UserRow, AccountError> {
    let what = if disabled { "disabled" } else { "enabled" };
    let event = AuditEvent::new(AuditKind::AccountChanged, "", login).with_detail(what);
    change_user(store, login, event, |row| row.disabled = u8::from(disabled)).await
}

/// A new password for `login`; its sessions end.
pub async fn set_password(
    store: &Store,
    login: &str,
    password: &str,
) -> Result<UserRow, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    let hash = hash_password(password)?;
    let event = AuditEvent::new(AuditKind::AccountChanged, "", login)
        .with_detail("password changed; sessions ended");
    change_user(store, login, event, |row| row.password_hash = hash).await
}

/// A new API token for `login` that lasts `days`, returned once; only its hash is stored.
pub async fn add_token_for(store: &Store, login: &str, days: u32) -> Result<String, AccountError> {
    if store.user(login).await?.is_none() {
        return Err(AccountError::Unknown(login.to_string()));
    }
    let token = format!("chiso_{}", random_text(32)?);
    let created_at = Utc::now();
    let row = TokenRow {
        token_hash: token_hash(&token),
        login: login.to_string(),
        created_at,
        // Ten years at most: ClickHouse's DateTime ends in 2106.
        expires_at: created_at + chrono::Duration::days(i64::from(days.min(3650))),
        revoked: 0,
        version: 1,
    };
    store.put_token(&row).await?;
    let event = AuditEvent::new(AuditKind::TokenChanged, "", login).with_detail(format!(
        "token {} created, expires {}",
        row.id(),
        row.expires_at.format("%Y-%m-%d")
    ));
    store.audit_or_warn(&event).await;
    Ok(token)
}

/// Revokes the token whose id (`chiso users tokens`) is `id`.
pub async fn revoke_token(store: &Store, id: &str) -> Result<TokenRow, AccountError> {
    let id = id.trim().to_ascii_lowercase();
    let mut found = if id.len() == TOKEN_ID_LEN && id.chars().all(|c| c.is_ascii_hexdigit()) {
        store.tokens_by_id(&id).await?
    } else {
        Vec::new()
    };
    // 48 bits of a SHA-256: two tokens sharing an id would need ~2^24 tokens.
    let (Some(mut row), None) = (found.pop(), found.pop()) else {
        return Err(AccountError::UnknownToken(id));
    };
    row.revoked = 1;
    row.version = next_version(row.version);
    store.put_token(&row).await?;
    forget_account(store, &row.login);
    let event = AuditEvent::new(AuditKind::TokenChanged, "", &row.login)
        .with_detail(format!("token {} revoked", row.id()));
    store.audit_or_warn(&event).await;
    Ok(row)
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_only_grow() {
        let now = super::next_version(0);
        assert!(now > 1_700_000_000_000_000);
        assert!(super::next_version(now) > now);
        assert_eq!(super::next_version(u64::MAX), u64::MAX);
    }
}
