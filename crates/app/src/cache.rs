//! Process-local caches for the declaration hot path, each safe for several instances:
//!
//! - API token → principal, for [`TOKEN_TTL`]: an HR system posting declarations all
//!   morning would otherwise cost three queries per request before any work. This
//!   instance forgets every entry at once when it changes an account, a grant or a
//!   token; another instance sees the change within the TTL (README says so).
//! - employee → enterprise: never changes (a file belongs to one enterprise for good;
//!   files are not deleted), so a cached answer is never stale on any instance.

use domain::Principal;
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

pub const TOKEN_TTL: Duration = Duration::from_secs(30);
/// Entries before the employee map is cleared (≈ 50 MB at most).
const MAX_EMPLOYEES: usize = 2_000_000;
const MAX_TOKENS: usize = 10_000;

#[derive(Default)]
pub struct Caches {
    tokens: Mutex<HashMap<String, (Principal, Instant)>>,
    employees: RwLock<HashMap<i64, i64>>,
}

impl Caches {
    pub fn token(&self, hash: &str) -> Option<Principal> {
        let tokens = self.tokens.lock().ok()?;
        tokens
            .get(hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_TTL)
            .map(|(p, _)| p.clone())
    }

    pub fn remember_token(&self, hash: String, p: Principal) {
        if let Ok(mut tokens) = self.tokens.lock() {
            if tokens.len() >= MAX_TOKENS {
                tokens.clear();
            }
            tokens.insert(hash, (p, Instant::now()));
        }
    }

    /// After any change to accounts, grants or tokens.
    pub fn forget_tokens(&self) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.clear();
        }
    }

    /// The known enterprises of `ids`, and the ids not cached yet.
    pub fn employee_enterprises(&self, ids: &[i64]) -> (HashMap<i64, i64>, Vec<i64>) {
        let mut known = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        if let Ok(map) = self.employees.read() {
            for id in ids {
                match map.get(id) {
                    Some(e) => {
                        known.insert(*id, *e);
                    }
                    None => missing.push(*id),
                }
            }
        } else {
            missing.extend_from_slice(ids);
        }
        (known, missing)
    }

    pub fn remember_employees(&self, found: &HashMap<i64, i64>) {
        if let Ok(mut map) = self.employees.write() {
            if map.len() + found.len() > MAX_EMPLOYEES {
                map.clear();
            }
            map.extend(found.iter().map(|(k, v)| (*k, *v)));
        }
    }
}
