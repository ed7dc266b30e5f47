//! `users` and `api_tokens` (0007): the accounts of the web interface and the
//! API. Hashing and checking passwords and tokens is `web::auth`'s job; this
//! file only stores and reads rows, each in its latest version (FINAL).

use chrono::{DateTime, Utc};
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

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
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct TokenRow {
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
    pub login: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub created_at: DateTime<Utc>,
    pub revoked: u8,
    pub version: u64,
}

impl Store {
    /// Writes an account's new state; give it a higher `version` than the last.
    pub async fn put_user(&self, row: &UserRow) -> Result<(), StoreError> {
        self.insert_rows("users", std::slice::from_ref(row)).await
    }

    /// The account `login` in its latest state, disabled or not.
    pub async fn user(&self, login: &str) -> Result<Option<UserRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM users FINAL WHERE login = ?")
            .bind(login);
        self.run("read user", q.fetch_optional()).await
    }

    /// Every account, by login.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM users FINAL ORDER BY login");
        self.run("read users", q.fetch_all()).await
    }

    pub async fn put_token(&self, row: &TokenRow) -> Result<(), StoreError> {
        self.insert_rows("api_tokens", std::slice::from_ref(row))
            .await
    }

    /// The token whose SHA-256 is `token_hash`, revoked or not.
    pub async fn token(&self, token_hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let q = self
            .client
            .query("SELECT ?fields FROM api_tokens FINAL WHERE token_hash = ?")
            .bind(token_hash);
        self.run("read api token", q.fetch_optional()).await
    }
}
