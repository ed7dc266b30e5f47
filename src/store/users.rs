//! `users`, `api_tokens` and `token_uses` of the private database
//! (sql/private/0001): the accounts of the web interface and the API. Hashing
//! and checking passwords and tokens is `web::auth`'s job; this file only
//! stores and reads rows, each in its latest version (FINAL).

use chrono::{DateTime, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use super::quorum::Database;
use super::{Store, StoreError};

/// `users.role`, the Enum8 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr)]
#[repr(i8)]
pub enum RoleCode {
    Ministry = 1,
    Unit = 2,
    Analyst = 3,
}

impl RoleCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleCode::Ministry => "ministry",
            RoleCode::Unit => "unit",
            RoleCode::Analyst => "analyst",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ministry" => Some(RoleCode::Ministry),
            "unit" => Some(RoleCode::Unit),
            "analyst" => Some(RoleCode::Analyst),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct UserRow {
    pub login: String,
    pub role: RoleCode,
    /// The unit of a `Unit` account; empty otherwise.
    pub unit_code: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub created_at: DateTime<Utc>,
    pub disabled: u8,
    /// Sessions signed with a lower epoch are over (logout, password change).
    pub session_epoch: u32,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct TokenRow {
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
    pub login: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub expires_at: DateTime<Utc>,
    pub revoked: u8,
    pub version: u64,
}

impl TokenRow {
    /// The short id `chiso users tokens` shows and `revoke-token --id` takes.
    pub fn id(&self) -> &str {
        self.token_hash
            .get(..TOKEN_ID_LEN)
            .unwrap_or(&self.token_hash)
    }
}

pub const TOKEN_ID_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct TokenUse {
    pub token_hash: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub used_at: DateTime<Utc>,
}

/// A token with when it was last seen live, for `chiso users tokens`.
#[derive(Debug, Clone, Row, Deserialize)]
pub struct TokenListed {
    pub token_hash: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub expires_at: DateTime<Utc>,
    pub revoked: u8,
    /// The epoch (1970) when never used.
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub last_used: DateTime<Utc>,
}

impl Store {
    async fn insert_private<T>(&self, table: &str, row: &T) -> Result<(), StoreError>
    where
        T: clickhouse::RowOwned + clickhouse::RowWrite,
    {
        self.insert_into(Database::Private, table, std::slice::from_ref(row))
            .await
    }

    /// Writes an account's new state; give it a higher `version` than the last.
    pub async fn put_user(&self, row: &UserRow) -> Result<(), StoreError> {
        self.insert_private("users", row).await
    }

    /// The account `login` in its latest state, disabled or not.
    pub async fn user(&self, login: &str) -> Result<Option<UserRow>, StoreError> {
        let q = self
            .private
            .query("SELECT ?fields FROM users FINAL WHERE login = ?")
            .bind(login);
        self.run("read user", q.fetch_optional()).await
    }

    /// Every account, by login.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let q = self
            .private
            .query("SELECT ?fields FROM users FINAL ORDER BY login");
        self.run("read users", q.fetch_all()).await
    }

    pub async fn put_token(&self, row: &TokenRow) -> Result<(), StoreError> {
        self.insert_private("api_tokens", row).await
    }

    /// The token whose SHA-256 is `token_hash`, revoked or not.
    pub async fn token(&self, token_hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let q = self
            .private
            .query("SELECT ?fields FROM api_tokens FINAL WHERE token_hash = ?")
            .bind(token_hash);
        self.run("read api token", q.fetch_optional()).await
    }

    /// The tokens whose id (first characters of the hash) is `id`.
    pub async fn tokens_by_id(&self, id: &str) -> Result<Vec<TokenRow>, StoreError> {
        let q = self
            .private
            .query("SELECT ?fields FROM api_tokens FINAL WHERE substring(token_hash, 1, ?) = ?")
            .bind(TOKEN_ID_LEN as u64)
            .bind(id);
        self.run("read api tokens by id", q.fetch_all()).await
    }

    /// Notes that a token was just found live.
    pub async fn note_token_use(&self, token_hash: &str) -> Result<(), StoreError> {
        let row = TokenUse {
            token_hash: token_hash.to_string(),
            used_at: chrono::Utc::now(),
        };
        self.insert_private("token_uses", &row).await
    }

    /// The tokens of `login`, oldest first, with when each was last used.
    pub async fn tokens_of(&self, login: &str) -> Result<Vec<TokenListed>, StoreError> {
        let q = self
            .private
            .query(
                "SELECT token_hash, created_at, expires_at, revoked, last_used \
                 FROM (SELECT token_hash, created_at, expires_at, revoked \
                 FROM api_tokens FINAL WHERE login = ?) AS tokens \
                 ANY LEFT JOIN (SELECT token_hash, max(used_at) AS last_used \
                 FROM token_uses GROUP BY token_hash) AS uses USING token_hash \
                 ORDER BY created_at, token_hash",
            )
            .bind(login);
        self.run("read api tokens of an account", q.fetch_all())
            .await
    }
}
