//! Accounts of the web interface and the API: users with a role, their
//! passwords (argon2id) and API tokens (SHA-256 stored), sessions ended by an
//! epoch, every change audited. The web side (`web::auth`) signs people in
//! with them; the `chiso users` commands, the demo and the bench make them.

pub mod credentials;
pub mod manage;

use crate::domain::UnitCode;
use crate::store::RoleCode;

/// What an account may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Ministry,
    /// Staff of this unit.
    Unit(UnitCode),
    Analyst,
}

impl Role {
    pub fn code(&self) -> RoleCode {
        match self {
            Role::Ministry => RoleCode::Ministry,
            Role::Unit(_) => RoleCode::Unit,
            Role::Analyst => RoleCode::Analyst,
        }
    }
}

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    pub role: Role,
}
