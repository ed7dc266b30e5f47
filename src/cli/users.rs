//! `chiso users …`: accounts of the web interface and API, their passwords and tokens.

use anyhow::Context;
use chiso::app::App;

use super::args::UsersCommand;

/// The password of `users add` and `users passwd`: the first line of stdin,
/// or a generated one (the bool says so: print it once).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        Ok((chiso::accounts::credentials::random_text(15)?, true))
    }
}

/// `chiso users …`.
pub async fn run(app: &App, command: UsersCommand) -> anyhow::Result<()> {
    use chiso::accounts::{credentials, manage};
    // The users table arrives with a migration: apply what is missing first.
    app.store.migrate().await?;
    match command {
        UsersCommand::Add {
            login,
            role,
            unit,
            password_stdin,
        } => {
            let role = chiso::store::RoleCode::parse(&role)
                .with_context(|| format!("--role '{role}': one of ministry, unit, analyst"))?;
            let (password, generated) = new_password(password_stdin)?;
            let row = credentials::add_user(
                &app.store,
                &app.registry,
                &login,
                role,
                unit.as_deref(),
                &password,
            )
            .await?;
            println!("account '{}' ({}) created", row.login, row.role.as_str());
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UsersCommand::Token { login } => {
            let days = u32::try_from(app.settings.web.token_days).unwrap_or(u32::MAX);
            let token = manage::add_token_for(&app.store, &login, days).await?;
            println!("token for '{login}' (shown once; send as 'Authorization: Bearer …'):");
            println!("{token}");
        }
        UsersCommand::Disable { login } => {
            manage::disable(&app.store, &login).await?;
            println!("account '{login}' disabled; its sessions and tokens stop within 2 s");
        }
        UsersCommand::Enable { login } => {
            manage::enable(&app.store, &login).await?;
            println!("account '{login}' enabled");
        }
        UsersCommand::Passwd {
            login,
            password_stdin,
        } => {
            let (password, generated) = new_password(password_stdin)?;
            manage::set_password(&app.store, &login, &password).await?;
            println!("password of '{login}' changed; its sessions are over");
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UsersCommand::Tokens { login } => {
            let when = |t: chrono::DateTime<chrono::Utc>| match t.timestamp() {
                0 => "-".to_string(),
                _ => t.format("%Y-%m-%d %H:%M").to_string(),
            };
            println!(
                "{:<12} {:<16} {:<16} {:<16} revoked",
                "id", "created", "last used", "expires"
            );
            for t in app.store.tokens_of(&login).await? {
                let id = t.token_hash.get(..chiso::store::TOKEN_ID_LEN).unwrap_or("");
                println!(
                    "{id:<12} {:<16} {:<16} {:<16} {}",
                    when(t.created_at),
                    when(t.last_used),
                    when(t.expires_at),
                    if t.revoked == 0 { "no" } else { "yes" }
                );
            }
        }
        UsersCommand::RevokeToken { id } => {
            let row = manage::revoke_token(&app.store, &id).await?;
            println!("token {id} of '{}' revoked", row.login);
        }
        UsersCommand::List => {
            println!(
                "{:<24} {:<9} {:<6} {:<8} created",
                "login", "role", "unit", "state"
            );
            for u in app.store.users().await? {
                println!(
                    "{:<24} {:<9} {:<6} {:<8} {}",
                    u.login,
                    u.role.as_str(),
                    u.unit_code,
                    if u.disabled == 0 {
                        "active"
                    } else {
                        "disabled"
                    },
                    u.created_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
    }
    Ok(())
}
