//! The `fugong` binary's library half: configuration and the one start-up path shared
//! by `main` and the integration tests (`prepare`, then `serve` on a bound listener).

pub mod config;

use anyhow::Context;
use app::App;
use config::Config;
use domain::Clock;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
pub use web::WebSettings;

/// Makes sure the data directory exists and can be written: keys and the SQLite file
/// live there, and finding out at the first write would be too late.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let probe = dir.join(".fugong-write-check");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("data directory {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Opens the configured database with the configured ID-number keys and brings it up
/// to date (migrations, reference data, the keys' check); what `migrate` runs.
pub async fn open(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(App, store::DbTarget, store::migrate::Applied)> {
    ensure_data_dir(&config.data_dir)?;
    let target = config.db_target()?;
    let ids = config.id_keys()?;
    let store = store::Store::open(&target).await?;
    let app = App::new(store, clock, ids);
    let applied = app.prepare().await.map_err(|e| match e {
        app::AppError::Refused("id_key_mismatch") => anyhow::anyhow!(
            "the ID-number key file {} does not match this database (its numbers were \
             written with another key, or with a newer version of this one); use the key \
             file of the instance that wrote the data",
            config.id_key_path().display()
        ),
        other => other.into(),
    })?;
    Ok((app, target, applied))
}

/// Opens and prepares the database (see [`open`]) and — when `demo` is set and the
/// database holds no city data yet — loads the demo data set.
pub async fn prepare(
    config: &Config,
    clock: Arc<dyn Clock>,
    demo: bool,
) -> anyhow::Result<Prepared> {
    let (app, target, _) = open(config, clock).await?;
    let demo_loaded = if demo && !app.store.holds_data().await? {
        Some(app::demo::load(&app, false).await?)
    } else {
        None
    };
    Ok(Prepared {
        app,
        demo_loaded,
        target,
    })
}

pub struct Prepared {
    pub app: App,
    /// What the demo loader put in, when it ran on this start.
    pub demo_loaded: Option<app::demo::DemoSummary>,
    pub target: store::DbTarget,
}

/// Binds the listen address with an error that says which address.
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Serves until `shutdown` resolves, then drains requests and closes the database.
pub async fn serve(
    app: App,
    settings: WebSettings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = app.store.clone();
    let state = web::AppState::new(app, settings);
    web::launch(listener, state, shutdown)
        .await
        .context("server failed")?;
    store.close().await;
    Ok(())
}

/// Background jobs, run by every instance: each is safe to run concurrently (the
/// escalation marks each request in the statement that finds it). Stops when the
/// returned handle is aborted.
pub fn spawn_jobs(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match app.escalate_requests().await {
                Ok(ids) if !ids.is_empty() => {
                    tracing::info!(escalated = ids.len(), "requests escalated")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "escalation job failed"),
            }
        }
    })
}
