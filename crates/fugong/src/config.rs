//! Configuration that needs nothing: defaults, then an optional TOML file, then
//! environment variables, then command-line flags — each overriding the one before.
//!
//! | setting         | default            | TOML key         | environment             | flag       |
//! |-----------------|--------------------|------------------|-------------------------|------------|
//! | listen address  | 127.0.0.1:8080     | `listen`         | `FUGONG_LISTEN`         | `--listen` |
//! | data directory  | ./fugong-data      | `data_dir`       | `FUGONG_DATA`           | `--data`   |
//! | database        | SQLite in data dir | `database_url`   | `DATABASE_URL`          |            |
//! | secure cookies  | false              | `secure_cookies` | `FUGONG_SECURE_COOKIES` |            |
//! | log filter      | info               | `log`            | `FUGONG_LOG`            |            |
//! | ID-number keys  | `<data>/id-key`    | `id_key_file`    | `FUGONG_ID_KEY_FILE`    |            |
//! | public address  | the Host header    | `public_url`     | `FUGONG_PUBLIC_URL`     |            |
//!
//! The TOML file is `--config FILE`, or `FUGONG_CONFIG`, or `fugong.toml` in the
//! working directory if present.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "fugong-data";

#[derive(Clone)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` means the SQLite file in the data directory.
    pub database_url: Option<String>,
    pub secure_cookies: bool,
    pub log: String,
    /// The ID-number key file; `None` means `id-key` in the data directory (created
    /// on first start). Several instances on one PostgreSQL must share one file.
    pub id_key_file: Option<PathBuf>,
    /// `https://…` where people reach the server (links in QR codes); checked at load.
    pub public_url: Option<String>,
}

/// Secrets never printed: the database password is redacted.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(store::redact_url),
            )
            .field("secure_cookies", &self.secure_cookies)
            .field("log", &self.log)
            .field("id_key_file", &self.id_key_file)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.to_owned(),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            secure_cookies: false,
            log: "info".to_owned(),
            id_key_file: None,
            public_url: None,
        }
    }
}

/// The file's shape; unknown keys are refused by name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    secure_cookies: Option<bool>,
    log: Option<String>,
    id_key_file: Option<PathBuf>,
    public_url: Option<String>,
}

/// Flags given on the command line (already parsed by clap).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Builds the configuration from all sources. `env` is a lookup so tests need not
    /// touch the process environment.
    pub fn load(flags: &Flags, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let mut c = Config::default();
        let file = flags
            .config
            .clone()
            .or_else(|| env("FUGONG_CONFIG").map(PathBuf::from))
            .or_else(|| Some(PathBuf::from("fugong.toml")).filter(|p| p.exists()));
        if let Some(path) = file {
            c.apply_file(&path)?;
        }
        if let Some(v) = env("FUGONG_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("FUGONG_DATA") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("DATABASE_URL").filter(|v| !v.trim().is_empty()) {
            c.database_url = Some(v);
        }
        if let Some(v) = env("FUGONG_SECURE_COOKIES") {
            c.secure_cookies = parse_bool("FUGONG_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = env("FUGONG_LOG") {
            c.log = v;
        }
        if let Some(v) = env("FUGONG_ID_KEY_FILE").filter(|v| !v.trim().is_empty()) {
            c.id_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = env("FUGONG_PUBLIC_URL").filter(|v| !v.trim().is_empty()) {
            c.public_url = Some(v);
        }
        if let Some(url) = &c.public_url {
            c.public_url = Some(check_public_url(url)?);
        }
        if let Some(v) = &flags.listen {
            c.listen = v.clone();
        }
        if let Some(v) = &flags.data_dir {
            c.data_dir = v.clone();
        }
        Ok(c)
    }

    fn apply_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let file: FileConfig = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config file {}: {}", path.display(), e.message()))?;
        if let Some(v) = file.listen {
            self.listen = v;
        }
        if let Some(v) = file.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = file.database_url {
            self.database_url = Some(v);
        }
        if let Some(v) = file.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = file.log {
            self.log = v;
        }
        if let Some(v) = file.id_key_file {
            self.id_key_file = Some(v);
        }
        if let Some(v) = file.public_url {
            self.public_url = Some(v);
        }
        Ok(())
    }

    pub fn db_target(&self) -> anyhow::Result<store::DbTarget> {
        Ok(store::DbTarget::from_config(
            self.database_url.as_deref(),
            &self.data_dir,
        )?)
    }
}

impl Config {
    pub fn id_key_path(&self) -> PathBuf {
        self.id_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("id-key"))
    }

    /// Loads the ID-number keys, creating the default file on first start.
    pub fn id_keys(&self) -> anyhow::Result<app::idkeys::IdKeys> {
        app::idkeys::IdKeys::load_or_create(&self.id_key_path()).map_err(anyhow::Error::msg)
    }
}

/// `http(s)://host[:port][/path]` without a trailing slash; anything else refused by name.
fn check_public_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => bail!("public_url: expected http://… or https://…, got '{url}'"),
    }
}

fn parse_bool(name: &str, v: &str) -> anyhow::Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => bail!("{name}: expected true or false, got '{other}'"),
    }
}
