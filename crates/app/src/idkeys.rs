//! Protection of resident ID numbers: encryption at rest and exact-match lookup.
//!
//! The key file (default `<data>/id-key`, or `id_key_file` / `FUGONG_ID_KEY_FILE`)
//! holds one line per key version, `<version>:<64 hex digits>`; the last line is the
//! key new numbers are written with, earlier lines only read older rows. From each
//! master key two keys are derived (HMAC-SHA256 with a label): one for
//! XChaCha20-Poly1305 (random 24-byte nonces, so no nonce bookkeeping), one for the
//! keyed hash that finds a number by exact match without decrypting every row.
//!
//! Rotation: `fugong keys rotate` appends a new version to the file, re-encrypts and
//! re-hashes every number under it, and leaves the old line for the operator to delete
//! once every instance runs with the new file. The database keeps a check value per
//! version (an HMAC of a constant), so a server started with the wrong file refuses to
//! start instead of writing numbers nobody can read.

use crate::{AppError, AppResult};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 24;

#[derive(Clone)]
struct KeyVersion {
    version: u8,
    cipher: XChaCha20Poly1305,
    lookup: [u8; 32],
    check: String,
}

/// The loaded keys. Never printed (`Debug` shows only the versions).
#[derive(Clone)]
pub struct IdKeys {
    /// Oldest first; the last is current.
    versions: Vec<KeyVersion>,
}

impl fmt::Debug for IdKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<u8> = self.versions.iter().map(|k| k.version).collect();
        write!(f, "IdKeys(versions {v:?})")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac =
        <HmacSha256 as hmac::KeyInit>::new_from_slice(master).unwrap_or_else(|_| unreachable_key());
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// HMAC accepts keys of any length, so this cannot happen.
fn unreachable_key() -> HmacSha256 {
    <HmacSha256 as hmac::KeyInit>::new(&Default::default())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl KeyVersion {
    fn new(version: u8, master: &[u8; 32]) -> KeyVersion {
        let enc = derive(master, "fugong/id-number/encrypt/v1");
        let lookup = derive(master, "fugong/id-number/lookup/v1");
        let check = hex(&derive(master, "fugong/id-number/check/v1")[..16]);
        KeyVersion {
            version,
            cipher: XChaCha20Poly1305::new(&enc.into()),
            lookup,
            check,
        }
    }

    fn hash(&self, id: &str) -> Vec<u8> {
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.lookup)
            .unwrap_or_else(|_| unreachable_key());
        mac.update(id.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

impl IdKeys {
    /// Parses a key file's text.
    pub fn parse(text: &str) -> Result<IdKeys, String> {
        let mut versions: Vec<KeyVersion> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (v, k) = line.split_once(':').ok_or(format!(
                "line {}: expected <version>:<64 hex digits>",
                n + 1
            ))?;
            let version: u8 = v
                .trim()
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .ok_or(format!("line {}: version must be 1–255", n + 1))?;
            let key: [u8; 32] = unhex(k.trim())
                .and_then(|b| b.try_into().ok())
                .ok_or(format!("line {}: the key must be 64 hex digits", n + 1))?;
            if versions.iter().any(|x| x.version >= version) {
                return Err(format!("line {}: versions must increase", n + 1));
            }
            versions.push(KeyVersion::new(version, &key));
        }
        if versions.is_empty() {
            return Err("no key in the file".to_owned());
        }
        Ok(IdKeys { versions })
    }

    /// Reads the key file, creating it (mode 0600) with a fresh random key when absent.
    pub fn load_or_create(path: &Path) -> Result<IdKeys, String> {
        if !path.exists() {
            let line = new_key_line(1)?;
            write_private(path, &line)?;
            tracing::info!(path = %path.display(), "created a new ID-number key file; back it up with the database");
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read ID key file {}: {e}", path.display()))?;
        IdKeys::parse(&text).map_err(|e| format!("ID key file {}: {e}", path.display()))
    }

    /// A key for tests and benchmarks that need no file.
    pub fn from_master(master: [u8; 32]) -> IdKeys {
        IdKeys {
            versions: vec![KeyVersion::new(1, &master)],
        }
    }

    fn current(&self) -> &KeyVersion {
        // `parse` refuses a file without keys, so there is always a last one.
        &self.versions[self.versions.len() - 1]
    }

    pub fn current_version(&self) -> u8 {
        self.current().version
    }

    /// `version || nonce || ciphertext+tag` under the current key.
    pub fn encrypt(&self, id: &str) -> AppResult<Vec<u8>> {
        self.seal(id.as_bytes())
    }

    /// Encrypts any bytes that may hold ID numbers (an import's rejected rows).
    pub fn seal(&self, plain: &[u8]) -> AppResult<Vec<u8>> {
        let k = self.current();
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| AppError::Refused("random_unavailable"))?;
        let ct = k
            .cipher
            .encrypt(&XNonce::from(nonce), plain)
            .map_err(|_| AppError::Refused("id_crypto"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(k.version);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// The number back, under whichever version wrote it.
    pub fn decrypt(&self, blob: &[u8]) -> AppResult<String> {
        String::from_utf8(self.open(blob)?).map_err(|_| AppError::Refused("id_crypto"))
    }

    /// Bytes sealed by [`IdKeys::seal`].
    pub fn open(&self, blob: &[u8]) -> AppResult<Vec<u8>> {
        let (version, rest) = blob.split_first().ok_or(AppError::Refused("id_crypto"))?;
        let k = self
            .versions
            .iter()
            .find(|k| k.version == *version)
            .ok_or(AppError::Refused("id_key_missing"))?;
        if rest.len() < NONCE_LEN {
            return Err(AppError::Refused("id_crypto"));
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| AppError::Refused("id_crypto"))?;
        k.cipher
            .decrypt(&XNonce::from(nonce), ct)
            .map_err(|_| AppError::Refused("id_crypto"))
    }

    /// The keyed hash under the current key (what new rows store).
    pub fn hash(&self, id: &str) -> Vec<u8> {
        self.current().hash(id)
    }

    /// The hashes under every version: a lookup matches rows not yet rotated too.
    pub fn hashes(&self, id: &str) -> Vec<Vec<u8>> {
        self.versions.iter().map(|k| k.hash(id)).collect()
    }

    /// `(version, check value)` of every key, for the database's record.
    pub fn checks(&self) -> Vec<(i64, String)> {
        self.versions
            .iter()
            .map(|k| (i64::from(k.version), k.check.clone()))
            .collect()
    }
}

/// A new `<version>:<hex>` line with a random key.
pub fn new_key_line(version: u8) -> Result<String, String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| format!("no randomness: {e}"))?;
    Ok(format!(
        "# fugong ID-number key; keep it with (and apart from) the database backups\n{version}:{}\n",
        hex(&key)
    ))
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("cannot write ID key file {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write ID key file {}: {e}", path.display()))
}
