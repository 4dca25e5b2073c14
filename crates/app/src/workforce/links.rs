//! The employee's personal declaration link: `<id>-<version>-<signature>`, signed
//! with a secret kept in the database (every instance verifies the same links),
//! revocable by bumping the file's version, handed out only to who keeps the file.

use crate::{App, AppError, AppResult};
use domain::{Action, Principal};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashSet;
use store::workforce::{EmployeeRow, LinkHolder};

/// The keyed signature of a personal link: 128 bits of HMAC-SHA256.
fn link_signature(secret: &[u8], employee_id: i64, version: i64) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(format!("declare:{employee_id}:{version}").as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl App {
    /// The secret that signs personal links: made once, kept in the database so every
    /// instance verifies the same links.
    async fn link_secret(&self) -> AppResult<Vec<u8>> {
        let secret = self
            .link_secret
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                getrandom::fill(&mut fresh).map_err(|_| AppError::Refused("random_unavailable"))?;
                let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
                let v = self
                    .store
                    .links()
                    .secret("declaration.link_secret", hex)
                    .await?;
                Ok::<Vec<u8>, AppError>(v.into_bytes())
            })
            .await?;
        Ok(secret.clone())
    }

    /// The personal link token of a file the caller keeps (write scope: the link is
    /// the employee's credential): `<id>-<version>-<signature>`.
    pub async fn declaration_link(&self, who: &Principal, id: i64) -> AppResult<String> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        let scoped = self.store.scoped(who);
        let row = scoped.employee(id, None).await?;
        scoped.writable_enterprise(row.enterprise_id).await?;
        let secret = self.link_secret().await?;
        Ok(format!(
            "{}-{}-{}",
            row.id,
            row.link_version,
            link_signature(&secret, row.id, row.link_version)
        ))
    }

    /// The links of many files at once (the printable sheet of QR codes), each
    /// checked like [`App::declaration_link`].
    pub async fn declaration_links(
        &self,
        who: &Principal,
        rows: &[EmployeeRow],
    ) -> AppResult<Vec<String>> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        let scoped = self.store.scoped(who);
        let enterprises: HashSet<i64> = rows.iter().map(|r| r.enterprise_id).collect();
        for e in enterprises {
            scoped.writable_enterprise(e).await?;
        }
        let secret = self.link_secret().await?;
        Ok(rows
            .iter()
            .map(|r| {
                format!(
                    "{}-{}-{}",
                    r.id,
                    r.link_version,
                    link_signature(&secret, r.id, r.link_version)
                )
            })
            .collect())
    }

    /// Revokes a file's link; the next link issued has a new version.
    pub async fn revoke_declaration_link(&self, who: &Principal, id: i64) -> AppResult<()> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        self.store
            .scoped(who)
            .revoke_link(id, self.clock.now().timestamp_millis())
            .await?;
        Ok(())
    }

    /// Who a link belongs to, if its signature and version are good. Anything else —
    /// malformed, forged, revoked, unknown — is `NotFound`, saying nothing more.
    pub async fn link_holder(&self, token: &str) -> AppResult<LinkHolder> {
        let mut parts = token.splitn(3, '-');
        let (Some(id), Some(version), Some(sig)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(AppError::NotFound);
        };
        let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i64>()) else {
            return Err(AppError::NotFound);
        };
        let secret = self.link_secret().await?;
        let expected = link_signature(&secret, id, version);
        let same = expected.len() == sig.len()
            && expected
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |a, (x, y)| a | (x ^ y))
                == 0;
        if !same {
            return Err(AppError::NotFound);
        }
        let holder = self.store.links().holder(id).await?;
        if holder.link_version != version {
            return Err(AppError::NotFound);
        }
        Ok(holder)
    }
}
