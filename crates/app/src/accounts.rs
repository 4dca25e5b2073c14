//! Accounts: passwords (Argon2id), login with throttling, sessions, API tokens, and
//! the administration of accounts and grants. Permission checks for these actions are
//! `Principal::can` (domain::access); the store audits every change.

use crate::{App, AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use domain::access::TargetKind;
use domain::{Action, Grant, Invalid, Principal, Role};
use sha2::{Digest, Sha256};
use store::accounts::{NewUser, TokenRow, UserRow};
use store::audit::{Actor, Entry};

/// A session lasts a working day and a half, then the person signs in again.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed logins counted over this window…
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// …refuse an account after this many…
pub const ACCOUNT_FAILURES: usize = 5;
/// …and an address after this many.
pub const ADDRESS_FAILURES: usize = 20;

pub const TOKEN_PREFIX: &str = "fgt_";

/// A successful login: the cookie's token (only its hash is stored) and CSRF secret.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub principal: Principal,
    pub expires_at: i64,
}

/// `n` random bytes from the operating system, hex-encoded.
pub fn random_hex(n: usize) -> AppResult<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|_| AppError::Refused("random_unavailable"))?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a high-entropy secret (session or API token). Such secrets need no slow
/// hash; a fast one lets every request look its token up by index.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Argon2id with the crate's default (OWASP) parameters, off the async threads.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| AppError::Refused("password_hash_failed"))
    })
    .await
    .map_err(|_| AppError::Refused("password_hash_failed"))?
}

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a password nobody has, verified when the username is unknown so that
/// such an attempt costs the same time and does not reveal which accounts exist.
async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async { hash_password("no-such-account").await.unwrap_or_default() })
        .await
        .clone()
}

pub fn check_username(s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid::new("username", "required"));
    }
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if !(3..=32).contains(&s.len()) || !ok_chars {
        return Err(Invalid::new("username", "username_format"));
    }
    Ok(s.to_owned())
}

pub fn check_display_name(s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid::new("display_name", "required"));
    }
    if s.chars().count() > 50 {
        return Err(Invalid::new("display_name", "too_long"));
    }
    Ok(s.to_owned())
}

pub fn check_password(s: &str) -> Result<(), Invalid> {
    let n = s.chars().count();
    if n < 8 {
        return Err(Invalid::new("password", "password_too_short"));
    }
    if n > 128 {
        return Err(Invalid::new("password", "too_long"));
    }
    Ok(())
}

fn actor_of(p: &Principal) -> Actor {
    Actor::user(p.user_id, &p.username)
}

impl App {
    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// The account with its grants, as the layers above see it.
    pub async fn principal(&self, user_id: i64) -> AppResult<Principal> {
        let accounts = self.store.accounts();
        let user = accounts.get(user_id).await?;
        let grants = accounts
            .grants(user_id)
            .await?
            .into_iter()
            .filter_map(|g| {
                let role = Role::parse(&g.role).ok()?;
                Grant::parse(role, g.target.as_deref()).ok()
            })
            .collect();
        Ok(Principal {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            grants,
        })
    }

    /// Signs in, or says why not. Throttling is checked before the password, so the
    /// right password does not get through a lock.
    pub async fn login(&self, username: &str, password: &str, address: &str) -> AppResult<Session> {
        let accounts = self.store.accounts();
        let now = self.now_ms();
        let username = username.trim().to_lowercase();
        let (by_user, by_address) = accounts
            .failures_since(&username, address, now - THROTTLE_WINDOW_MS)
            .await?;
        let lock_until = [
            by_user
                .get(ACCOUNT_FAILURES - 1)
                .map(|t| t + THROTTLE_WINDOW_MS),
            by_address
                .get(ADDRESS_FAILURES - 1)
                .map(|t| t + THROTTLE_WINDOW_MS),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(until) = lock_until.filter(|u| *u > now) {
            accounts
                .record_attempt(&username, address, now, "throttled")
                .await?;
            let minutes = (until - now + 59_999) / 60_000;
            return Err(AppError::Throttled { minutes });
        }

        let creds = accounts.credentials(&username).await?;
        let outcome = match &creds {
            None => {
                verify_password(password, &dummy_hash().await).await;
                "unknown_user"
            }
            Some(c) if !verify_password(password, &c.password_hash).await => "bad_password",
            Some(c) if c.disabled => "disabled",
            Some(_) => "ok",
        };
        accounts
            .record_attempt(&username, address, now, outcome)
            .await?;
        let user_id = creds.as_ref().map(|c| c.id);
        if outcome != "ok" {
            self.store
                .audit()
                .append(&Entry {
                    actor: &Actor {
                        id: user_id,
                        name: username.clone(),
                    },
                    at: now,
                    action: "login_failed",
                    entity: "user",
                    entity_id: user_id.map(|i| i.to_string()),
                    before: None,
                    after: Some(serde_json::json!({ "reason": outcome, "address": address })),
                })
                .await?;
            return Err(AppError::BadCredentials);
        }
        let user_id = user_id.ok_or(AppError::BadCredentials)?;
        let principal = self.principal(user_id).await?;
        let token = random_hex(32)?;
        let csrf = random_hex(32)?;
        let expires_at = now + SESSION_MS;
        accounts
            .create_session(&token_hash(&token), user_id, &csrf, now, expires_at)
            .await?;
        self.store
            .audit()
            .append(&Entry {
                actor: &actor_of(&principal),
                at: now,
                action: "login",
                entity: "user",
                entity_id: Some(user_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "address": address })),
            })
            .await?;
        Ok(Session {
            token,
            csrf,
            principal,
            expires_at,
        })
    }

    /// The principal and CSRF secret of a live session cookie.
    pub async fn session(&self, token: &str) -> AppResult<Option<(Principal, String)>> {
        let hash = token_hash(token);
        match self.store.accounts().session(&hash, self.now_ms()).await? {
            Some((user_id, csrf)) => Ok(Some((self.principal(user_id).await?, csrf))),
            None => Ok(None),
        }
    }

    pub async fn logout(&self, token: &str, who: &Principal) -> AppResult<()> {
        self.store
            .accounts()
            .delete_session(&token_hash(token))
            .await?;
        self.store
            .audit()
            .append(&Entry {
                actor: &actor_of(who),
                at: self.now_ms(),
                action: "logout",
                entity: "user",
                entity_id: Some(who.user_id.to_string()),
                before: None,
                after: None,
            })
            .await?;
        Ok(())
    }

    /// The principal behind an `Authorization: Bearer` token, if it is live.
    pub async fn token_principal(&self, token: &str) -> AppResult<Option<Principal>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = token_hash(token);
        if let Some(p) = self.caches.token(&hash) {
            return Ok(Some(p));
        }
        match self
            .store
            .accounts()
            .token_user(&hash, self.now_ms())
            .await?
        {
            Some(user_id) => {
                let p = self.principal(user_id).await?;
                self.caches.remember_token(hash, p.clone());
                Ok(Some(p))
            }
            None => Ok(None),
        }
    }

    pub async fn change_password(
        &self,
        who: &Principal,
        current: &str,
        new: &str,
        session_token: Option<&str>,
    ) -> AppResult<()> {
        let creds = self.store.accounts().credentials_by_id(who.user_id).await?;
        if !verify_password(current, &creds.password_hash).await {
            return Err(Invalid::new("current_password", "password_wrong").into());
        }
        check_password(new)?;
        let hash = hash_password(new).await?;
        let keep = session_token.map(token_hash);
        self.store
            .accounts()
            .set_password(
                who.user_id,
                &hash,
                keep.as_deref(),
                "change_password",
                &actor_of(who),
                self.now_ms(),
            )
            .await?;
        Ok(())
    }

    // --- administration -------------------------------------------------------------

    fn require(&self, who: Option<&Principal>, action: Action) -> AppResult<Actor> {
        match who {
            None => Ok(Actor::system()),
            Some(p) if p.can(action) => Ok(actor_of(p)),
            Some(_) => Err(AppError::Forbidden),
        }
    }

    /// Checks a grant's target against the city's data (the region, park or industry
    /// must exist). Ids of modules not built yet are checked for form only.
    async fn check_grant(&self, role: Role, target: Option<&str>) -> AppResult<Grant> {
        let grant = Grant::parse(role, target)?;
        let exists = match (role.target_kind(), grant.target.value()) {
            (TargetKind::Region(_), Some(code)) => self.store.regions().get(&code).await.is_ok(),
            (TargetKind::Park, Some(code)) => self
                .store
                .parks()
                .all()
                .await?
                .iter()
                .any(|p| p.code == code),
            (TargetKind::Industry, Some(code)) => self
                .store
                .industries()
                .all()
                .await?
                .iter()
                .any(|i| i.code == code),
            _ => true,
        };
        if !exists {
            return Err(Invalid::new("scope", "scope_unknown").into());
        }
        Ok(grant)
    }

    /// Creates an account. `who` is `None` for the CLI (`fugong user add`) and the demo.
    pub async fn create_user(
        &self,
        who: Option<&Principal>,
        username: &str,
        display_name: &str,
        password: &str,
        grants: &[(Role, Option<String>)],
    ) -> AppResult<i64> {
        let actor = self.require(who, Action::ManageAccounts)?;
        let username = check_username(username)?;
        let display_name = check_display_name(display_name)?;
        check_password(password)?;
        let mut rows = Vec::new();
        for (role, target) in grants {
            let g = self.check_grant(*role, target.as_deref()).await?;
            rows.push((g.role.as_str().to_owned(), g.target.value()));
        }
        let hash = hash_password(password).await?;
        let user = NewUser {
            username: &username,
            display_name: &display_name,
            password_hash: &hash,
            grants: &rows,
        };
        Ok(self
            .store
            .accounts()
            .create(&user, &actor, self.now_ms())
            .await?)
    }

    pub async fn users(&self, who: &Principal) -> AppResult<Vec<UserRow>> {
        self.require(Some(who), Action::ManageAccounts)?;
        Ok(self.store.accounts().list().await?)
    }

    pub async fn set_disabled(
        &self,
        who: &Principal,
        user_id: i64,
        disabled: bool,
    ) -> AppResult<()> {
        let actor = self.require(Some(who), Action::ManageAccounts)?;
        if disabled && user_id == who.user_id {
            return Err(AppError::Refused("cannot_disable_self"));
        }
        self.store
            .accounts()
            .set_disabled(user_id, disabled, &actor, self.now_ms())
            .await?;
        self.caches.forget_tokens();
        Ok(())
    }

    pub async fn reset_password(
        &self,
        who: Option<&Principal>,
        user_id: i64,
        password: &str,
    ) -> AppResult<()> {
        let actor = self.require(who, Action::ManageAccounts)?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        Ok(self
            .store
            .accounts()
            .set_password(
                user_id,
                &hash,
                None,
                "reset_password",
                &actor,
                self.now_ms(),
            )
            .await?)
    }

    pub async fn add_grant(
        &self,
        who: &Principal,
        user_id: i64,
        role: Role,
        target: Option<&str>,
    ) -> AppResult<i64> {
        let actor = self.require(Some(who), Action::ManageAccounts)?;
        self.store.accounts().get(user_id).await?;
        let g = self.check_grant(role, target).await?;
        let id = self
            .store
            .accounts()
            .add_grant(
                user_id,
                g.role.as_str(),
                g.target.value().as_deref(),
                &actor,
                self.now_ms(),
            )
            .await?;
        self.caches.forget_tokens();
        Ok(id)
    }

    pub async fn remove_grant(
        &self,
        who: &Principal,
        user_id: i64,
        grant_id: i64,
    ) -> AppResult<()> {
        let actor = self.require(Some(who), Action::ManageAccounts)?;
        self.store
            .accounts()
            .remove_grant(user_id, grant_id, &actor, self.now_ms())
            .await?;
        self.caches.forget_tokens();
        Ok(())
    }

    // --- API tokens -----------------------------------------------------------------

    /// Creates a token for `user_id` and returns it — the only time it is shown.
    /// `who` is the user themself, or `None` for `fugong token create`.
    pub async fn create_token(
        &self,
        who: Option<&Principal>,
        user_id: i64,
        name: &str,
    ) -> AppResult<(i64, String)> {
        let actor = match who {
            Some(p) if p.user_id == user_id && p.can(Action::UseApiTokens) => actor_of(p),
            Some(_) => return Err(AppError::Forbidden),
            None => Actor::system(),
        };
        let name = name.trim();
        let name = if name.is_empty() { "API" } else { name };
        if name.chars().count() > 60 {
            return Err(Invalid::new("name", "too_long").into());
        }
        let token = format!("{TOKEN_PREFIX}{}", random_hex(24)?);
        let prefix = token[..TOKEN_PREFIX.len() + 6].to_owned();
        let id = self
            .store
            .accounts()
            .create_token(
                user_id,
                name,
                &token_hash(&token),
                &prefix,
                &actor,
                self.now_ms(),
            )
            .await?;
        Ok((id, token))
    }

    pub async fn tokens(&self, who: &Principal) -> AppResult<Vec<TokenRow>> {
        Ok(self.store.accounts().tokens(who.user_id).await?)
    }

    pub async fn revoke_token(&self, who: &Principal, token_id: i64) -> AppResult<()> {
        self.store
            .accounts()
            .revoke_token(who.user_id, token_id, &actor_of(who), self.now_ms())
            .await?;
        self.caches.forget_tokens();
        Ok(())
    }
}
