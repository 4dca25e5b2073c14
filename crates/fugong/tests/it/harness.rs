//! Starts the real server, through the same `fugong::prepare` + `fugong::serve` as the
//! binary, on 127.0.0.1:0 against a fresh database per test.

use app::App;
use domain::FixedClock;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::{OnceCell, oneshot};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an `async fn name(app: TestApp)` on both databases:
/// `both!(name)` or `both!(name, Options { demo: true, ..Default::default() })`.
macro_rules! both {
    ($name:ident) => {
        both!($name, $crate::harness::Options::default());
    };
    ($name:ident, $opts:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let opts = $opts;
                if let Some(app) =
                    $crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite, opts).await
                {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let opts = $opts;
                if let Some(app) =
                    $crate::harness::TestApp::spawn($crate::harness::Backend::Postgres, opts).await
                {
                    super::$name(app).await;
                }
            }
        }
    };
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Load the demo data set before serving.
    pub demo: bool,
}

/// 2020-02-10 09:00 in Zhaoqing (01:00 UTC): the first working morning after the
/// extended Spring Festival holiday. Tests start here; nothing reads the wall clock.
pub fn start_of_story() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2020-02-10T09:00:00+08:00")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[allow(dead_code)] // fields for tests of later features (clock, files, config)
pub struct TestApp {
    pub base: String,
    /// A client that does not follow redirects, so tests can check them.
    pub client: reqwest::Client,
    pub app: App,
    pub backend: Backend,
    pub clock: Arc<FixedClock>,
    pub dir: tempfile::TempDir,
    pub config: fugong::config::Config,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    pg_database: Option<String>,
}

impl TestApp {
    /// `None` when the backend is not configured here (PostgreSQL without
    /// `FUGONG_TEST_POSTGRES_URL`) and not required by `FUGONG_TEST_REQUIRE_POSTGRES`.
    pub async fn spawn(backend: Backend, opts: Options) -> Option<TestApp> {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, pg_database) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let (url, name) = fresh_postgres_database().await?;
                (Some(url), Some(name))
            }
        };
        let config = fugong::config::Config {
            data_dir: dir.path().join("data"),
            database_url,
            ..Default::default()
        };
        let clock = Arc::new(FixedClock::new(start_of_story()));
        let prepared = fugong::prepare(&config, clock.clone(), opts.demo)
            .await
            .unwrap();
        let app = prepared.app.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let settings = fugong::WebSettings {
            demo: opts.demo,
            secure_cookies: false,
            public_url: None,
        };
        let server = tokio::spawn(fugong::serve(prepared.app, settings, listener, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Some(TestApp {
            base,
            client,
            app,
            backend,
            clock,
            dir,
            config,
            shutdown: Some(tx),
            server: Some(server),
            pg_database,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET with extra headers, e.g. `&[("accept-language", "en")]`.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap()
    }

    /// Signs in through the use case (not the form) and returns the cookie and CSRF
    /// token a browser would hold. Demo accounts share `app::demo::DEMO_PASSWORD`.
    pub async fn session(&self, username: &str) -> Session {
        let s = self
            .app
            .login(username, app::demo::DEMO_PASSWORD, "192.0.2.1")
            .await
            .unwrap_or_else(|e| panic!("login {username}: {e}"));
        Session {
            token: s.token,
            csrf: s.csrf,
        }
    }

    /// GET as a signed-in user, with extra headers.
    pub async fn get_as(
        &self,
        s: &Session,
        path: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.client.get(self.url(path)).header("cookie", s.cookie());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap()
    }

    /// A form POST as a signed-in user, with the session's CSRF token added.
    pub async fn post_as(
        &self,
        s: &Session,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("_csrf", &s.csrf));
        self.client
            .post(self.url(path))
            .header("cookie", s.cookie())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&fields))
            .send()
            .await
            .unwrap()
    }

    /// Starts a second server instance on the same database (as behind a load
    /// balancer) and returns its base URL.
    pub async fn second_instance(&self) -> String {
        let prepared = fugong::prepare(&self.config, self.clock.clone(), false)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let settings = fugong::WebSettings::default();
        tokio::spawn(fugong::serve(
            prepared.app,
            settings,
            listener,
            std::future::pending(),
        ));
        base
    }

    /// Asks the server to stop and waits for it to drain; returns what `serve` returned.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(handle) => handle.await.unwrap(),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let (Some(name), Ok(base)) = (self.pg_database.take(), std::env::var(PG_URL_VAR)) {
            // Best effort, on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(async {
                        if let Ok(mut conn) = pg_admin(&base).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            )))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

pub const PG_URL_VAR: &str = "FUGONG_TEST_POSTGRES_URL";

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The PostgreSQL base URL, or `None` (skip) — unless CI requires PostgreSQL, in which
/// case a missing URL fails the test instead of silently skipping it.
pub fn postgres_base_url() -> Option<String> {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                !required("FUGONG_TEST_REQUIRE_POSTGRES"),
                "FUGONG_TEST_REQUIRE_POSTGRES is set but {PG_URL_VAR} is not"
            );
            eprintln!("skipped: {PG_URL_VAR} not set");
            None
        }
    }
}

/// Whether browser tests must run (CI) rather than skip when chromedriver is missing.
pub fn browser_required() -> bool {
    required("FUGONG_TEST_REQUIRE_BROWSER")
}

async fn pg_admin(base: &str) -> Result<sqlx::PgConnection, sqlx::Error> {
    use sqlx::Connection;
    sqlx::PgConnection::connect(base).await
}

static PG_SWEPT: OnceCell<()> = OnceCell::const_new();
static PG_SEQ: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database for one test and returns its URL and name. The first call
/// in a process drops databases left behind by earlier, interrupted runs.
pub async fn fresh_postgres_database() -> Option<(String, String)> {
    let base = postgres_base_url()?;
    let mut conn = pg_admin(&base)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL for tests: {e}"));
    PG_SWEPT
        .get_or_init(|| async {
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname::TEXT FROM pg_database WHERE datname LIKE 'fugong_t_%'",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
            // Only databases of runs that ended long ago: another test process (a CI
            // run, a second terminal) may be using its own right now.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let stale = stale.into_iter().filter(|name| {
                let started = name
                    .trim_start_matches("fugong_t_")
                    .split('_')
                    .next()
                    .and_then(|t| t.parse::<u64>().ok());
                started.is_none_or(|t| now.saturating_sub(t) > 3600)
            });
            for name in stale {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
            }
        })
        .await;
    // The start time in the name lets a later run tell abandoned databases from a
    // concurrent run's (the only use of the wall clock in the tests).
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let name = format!(
        "fugong_t_{started}_{}_{}",
        std::process::id(),
        PG_SEQ.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .unwrap();
    Some((with_database(&base, &name), name))
}

/// `postgres://u@h:5432/test?x=y` with the database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let after_scheme = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[after_scheme..].find('/') {
        Some(slash) => &head[..after_scheme + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A signed-in browser's credentials.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
}

impl Session {
    pub fn cookie(&self) -> String {
        format!("fg_session={}", self.token)
    }
}

/// `application/x-www-form-urlencoded` body.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
