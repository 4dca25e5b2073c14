//! Use cases, one module per feature. Web handlers and CLI commands call these; these
//! call the store. Nothing here knows about HTTP, HTML or the terminal.

pub mod accounts;
mod audit;
pub mod demo;
mod demo_enterprises;
mod demo_liaison;
mod demo_requests;
pub mod enterprises;
mod error;
pub mod excel;
pub mod liaison;
pub mod reference;
pub mod regions;
pub mod requests;
pub mod suggest;

pub use error::{AppError, AppResult};

use domain::Clock;
use std::sync::Arc;
use store::Store;

/// What every use case needs: the store and the clock.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Brings a database up to date: migrations, then reference data that every city
    /// needs (the industry classification). Safe to run at every start.
    pub async fn prepare(&self) -> AppResult<store::migrate::Applied> {
        let applied = self.store.migrate().await?;
        reference::load_industries(&self.store).await?;
        Ok(applied)
    }
}
