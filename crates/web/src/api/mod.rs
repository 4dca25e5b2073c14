//! The JSON API: `/api/v1/*` for integrations (HR systems, banks), authenticated by
//! `Authorization: Bearer <token>` or a session cookie; and `/healthz`.

mod enterprises;
mod health;
mod liaison;
mod me;
mod requests;
pub mod workforce;

use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .merge(health::routes())
        .merge(me::routes())
        .merge(enterprises::routes())
        .merge(liaison::routes())
        .merge(requests::routes())
        .merge(workforce::routes())
}
