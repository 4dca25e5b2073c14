//! Use cases, one module per feature. Web handlers and CLI commands call these; these
//! call the store. Nothing here knows about HTTP, HTML or the terminal.

pub mod accounts;
mod audit;
pub mod cache;
pub mod declarations;
pub mod demo;
mod demo_enterprises;
mod demo_liaison;
mod demo_requests;
mod demo_workforce;
pub mod enterprises;
mod error;
pub mod excel;
pub mod idkeys;
pub mod liaison;
pub mod reference;
pub mod regions;
pub mod requests;
pub mod suggest;
pub mod workforce;

pub use error::{AppError, AppResult};

use domain::Clock;
use std::sync::Arc;
use store::Store;

/// What every use case needs: the store, the clock, the ID-number keys; and what is
/// made once per process: the declaration writer, the link-signing secret.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<idkeys::IdKeys>,
    writer: Arc<std::sync::OnceLock<declarations::Writer>>,
    pub(crate) caches: Arc<cache::Caches>,
    link_secret: Arc<tokio::sync::OnceCell<Vec<u8>>>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, ids: idkeys::IdKeys) -> Self {
        Self {
            store,
            clock,
            ids: Arc::new(ids),
            writer: Arc::default(),
            caches: Arc::default(),
            link_secret: Arc::default(),
        }
    }

    /// Brings a database up to date: migrations, then reference data that every city
    /// needs (the industry classification). Safe to run at every start.
    pub async fn prepare(&self) -> AppResult<store::migrate::Applied> {
        let applied = self.store.migrate().await?;
        reference::load_industries(&self.store).await?;
        self.store
            .links()
            .check_id_keys(&self.ids.checks(), self.clock.now().timestamp_millis())
            .await?;
        Ok(applied)
    }
}
