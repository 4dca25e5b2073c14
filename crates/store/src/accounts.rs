//! Accounts, their grants, sessions, API tokens and login attempts. Every change is
//! audited in its own transaction; password hashes and token hashes never leave the
//! store except to the verifier.

use crate::audit::{Actor, Entry};
use crate::db::Db;
use crate::{StoreError, StoreResult};
use serde_json::json;

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UserRow {
        pub id: i64,
        pub username: String,
        pub display_name: String,
        pub disabled: bool,
        pub created_at: i64,
    }
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GrantRow {
        pub id: i64,
        pub user_id: i64,
        pub role: String,
        pub target: Option<String>,
    }
}

row_struct! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TokenRow {
        pub id: i64,
        pub name: String,
        pub prefix: String,
        pub created_at: i64,
        pub last_used_at: Option<i64>,
        pub revoked_at: Option<i64>,
    }
}

row_struct! {
    #[derive(Debug, Clone)]
    pub struct Credentials {
        pub id: i64,
        pub password_hash: String,
        pub disabled: bool,
    }
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    /// (role, target) pairs, already checked by the caller.
    pub grants: &'a [(String, Option<String>)],
}

pub struct Accounts<'a> {
    pub(crate) db: &'a Db,
}

const USER_COLUMNS: &str = "id, username, display_name, disabled, created_at";

impl Accounts<'_> {
    /// Creates an account with its grants. A taken username is `StoreError::Conflict`.
    pub async fn create(&self, u: &NewUser<'_>, actor: &Actor, now: i64) -> StoreResult<i64> {
        let id = with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
                .bind(u.username)
                .fetch_one(&mut *tx)
                .await?;
            if taken > 0 {
                return Err(StoreError::Conflict("username_taken"));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, disabled, created_at, updated_at)
                 VALUES ($1, $2, $3, FALSE, $4, $4) RETURNING id",
            )
            .bind(u.username)
            .bind(u.display_name)
            .bind(u.password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (role, target) in u.grants {
                sqlx::query("INSERT INTO grants (user_id, role, target, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(role)
                    .bind(target)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let grants: Vec<_> = u.grants.iter().map(|(r, t)| json!({"role": r, "target": t})).collect();
            audit!(&mut *tx, &Entry {
                actor, at: now, action: "create", entity: "user", entity_id: Some(id.to_string()),
                before: None,
                after: Some(json!({"username": u.username, "display_name": u.display_name, "grants": grants})),
            });
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    pub async fn get(&self, id: i64) -> StoreResult<UserRow> {
        let row: Option<UserRow> = with_db!(self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn by_username(&self, username: &str) -> StoreResult<Option<UserRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1")))
                .bind(username)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The stored hash, for the password verifier only.
    pub async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn credentials_by_id(&self, id: i64) -> StoreResult<Credentials> {
        let row: Option<Credentials> = with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, password_hash, disabled FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn list(&self) -> StoreResult<Vec<UserRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")))
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn count(&self) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?
        }))
    }

    pub async fn grants(&self, user_id: i64) -> StoreResult<Vec<GrantRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, user_id, role, target FROM grants WHERE user_id = $1 ORDER BY id")
                .bind(user_id)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn all_grants(&self) -> StoreResult<Vec<GrantRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as("SELECT id, user_id, role, target FROM grants ORDER BY user_id, id")
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn add_grant(
        &self,
        user_id: i64,
        role: &str,
        target: Option<&str>,
        actor: &Actor,
        now: i64,
    ) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let dup: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM grants WHERE user_id = $1 AND role = $2
                 AND (target = $3 OR (target IS NULL AND CAST($3 AS TEXT) IS NULL))",
            )
            .bind(user_id)
            .bind(role)
            .bind(target)
            .fetch_one(&mut *tx)
            .await?;
            if dup > 0 {
                return Err(StoreError::Conflict("grant_exists"));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO grants (user_id, role, target, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(user_id)
            .bind(role)
            .bind(target)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, &Entry {
                actor, at: now, action: "grant", entity: "user", entity_id: Some(user_id.to_string()),
                before: None, after: Some(json!({"grant_id": id, "role": role, "target": target})),
            });
            tx.commit().await?;
            id
        }))
    }

    pub async fn remove_grant(
        &self,
        user_id: i64,
        grant_id: i64,
        actor: &Actor,
        now: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<GrantRow> =
                sqlx::query_as("SELECT id, user_id, role, target FROM grants WHERE id = $1 AND user_id = $2")
                    .bind(grant_id)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            sqlx::query("DELETE FROM grants WHERE id = $1").bind(grant_id).execute(&mut *tx).await?;
            audit!(&mut *tx, &Entry {
                actor, at: now, action: "revoke_grant", entity: "user", entity_id: Some(user_id.to_string()),
                before: Some(json!({"grant_id": row.id, "role": row.role, "target": row.target})), after: None,
            });
            tx.commit().await?;
        });
        Ok(())
    }

    /// Disables or re-enables an account; disabling also ends its sessions.
    pub async fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: &Actor,
        now: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let before: Option<bool> = sqlx::query_scalar("SELECT disabled FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(before) = before else { return Err(StoreError::NotFound) };
            sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            audit!(&mut *tx, &Entry {
                actor, at: now, action: if disabled { "disable" } else { "enable" }, entity: "user",
                entity_id: Some(user_id.to_string()),
                before: Some(json!({"disabled": before})), after: Some(json!({"disabled": disabled})),
            });
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replaces the password hash and ends every session of the account except `keep`
    /// (the session that changed its own password stays signed in).
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
        action: &str,
        actor: &Actor,
        now: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_session.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            // The hash itself is never audited.
            audit!(&mut *tx, &Entry {
                actor, at: now, action, entity: "user", entity_id: Some(user_id.to_string()),
                before: None, after: Some(json!({"password": "changed"})),
            });
            tx.commit().await?;
        });
        Ok(())
    }

    // --- sessions -------------------------------------------------------------------

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session's user id and CSRF token; expired or disabled → `None`.
    pub async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<(i64, String)>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT s.user_id, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Removes expired sessions and login attempts older than `attempts_before`.
    pub async fn sweep(&self, now: i64, attempts_before: i64) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?;
            sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(attempts_before).execute(pool).await?;
        });
        Ok(())
    }

    // --- API tokens -----------------------------------------------------------------

    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &Actor,
        now: i64,
    ) -> StoreResult<i64> {
        Ok(with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id",
            )
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(prefix)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            audit!(&mut *tx, &Entry {
                actor, at: now, action: "create", entity: "api_token", entity_id: Some(id.to_string()),
                before: None, after: Some(json!({"user_id": user_id, "name": name, "prefix": prefix})),
            });
            tx.commit().await?;
            id
        }))
    }

    pub async fn tokens(&self, user_id: i64) -> StoreResult<Vec<TokenRow>> {
        Ok(with_db!(self.db, pool => {
            sqlx::query_as(
                "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens
                 WHERE user_id = $1 ORDER BY id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Revokes one of `user_id`'s tokens; another user's token is `NotFound`.
    pub async fn revoke_token(
        &self,
        user_id: i64,
        token_id: i64,
        actor: &Actor,
        now: i64,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(&mut *tx, &Entry {
                actor, at: now, action: "revoke", entity: "api_token", entity_id: Some(token_id.to_string()),
                before: Some(json!({"revoked": false})), after: Some(json!({"revoked": true})),
            });
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user a live token belongs to. Its use is noted at most once a minute, so
    /// an integration's steady traffic does not turn every read into a write.
    pub async fn token_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<i64>> {
        Ok(with_db!(self.db, pool => {
            let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            match row {
                Some((id, user_id, last)) => {
                    if last.is_none_or(|l| now - l >= 60_000) {
                        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                            .bind(now)
                            .bind(id)
                            .execute(pool)
                            .await?;
                    }
                    Some(user_id)
                }
                None => None,
            }
        }))
    }

    // --- login attempts -------------------------------------------------------------

    pub async fn record_attempt(
        &self,
        username: &str,
        address: &str,
        at: i64,
        outcome: &str,
    ) -> StoreResult<()> {
        with_db!(self.db, pool => {
            sqlx::query("INSERT INTO login_attempts (username, address, at, outcome) VALUES ($1, $2, $3, $4)")
                .bind(username)
                .bind(address)
                .bind(at)
                .bind(outcome)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Times of failed attempts (wrong password, unknown or disabled account) since
    /// `since`, newest first, for one account and for one address.
    pub async fn failures_since(
        &self,
        username: &str,
        address: &str,
        since: i64,
    ) -> StoreResult<(Vec<i64>, Vec<i64>)> {
        Ok(with_db!(self.db, pool => {
            let by_user: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM login_attempts WHERE username = $1 AND at >= $2
                 AND outcome IN ('bad_password', 'unknown_user', 'disabled') ORDER BY at DESC LIMIT 50",
            )
            .bind(username)
            .bind(since)
            .fetch_all(pool)
            .await?;
            let by_address: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM login_attempts WHERE address = $1 AND at >= $2
                 AND outcome IN ('bad_password', 'unknown_user', 'disabled') ORDER BY at DESC LIMIT 50",
            )
            .bind(address)
            .bind(since)
            .fetch_all(pool)
            .await?;
            (by_user, by_address)
        }))
    }
}
