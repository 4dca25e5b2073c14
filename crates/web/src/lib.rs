//! fugong's HTTP face. `router` builds every route; `launch` serves it on a listener the
//! caller bound (the binary binds the configured address, tests bind 127.0.0.1:0).
//!
//! - `html/`: server-rendered pages per feature (askama templates in `templates/`)
//! - `api/`: the JSON API under `/api/v1` and `/healthz`
//! - `i18n`: message catalogues (`locales/*.toml`) and the request's language
//! - `error`: one error type; `middleware` turns it into a translated page or JSON
//! - `assets`: CSS and icons compiled into the binary

mod api;
mod assets;
pub mod auth;
mod error;
mod html;
pub mod i18n;
mod middleware;
pub mod routes;

pub use error::WebError;

use app::App;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Settings of the web layer that are not the database.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Demo mode: the login page shows the demo accounts.
    pub demo: bool,
    /// Mark cookies `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// The address people reach the server at (`https://fugong.example.gov.cn`), for
    /// links printed or encoded in QR codes; without it, the request's Host header.
    pub public_url: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub settings: Arc<WebSettings>,
}

impl AppState {
    pub fn new(app: App, settings: WebSettings) -> Self {
        Self {
            app: Arc::new(app),
            settings: Arc::new(settings),
        }
    }
}

fn all_routes() -> routes::Routes {
    routes::Routes::new()
        .merge(html::routes())
        .merge(api::routes())
        .merge(assets::routes())
}

/// Every route with its access rule and data kind, as registered in the router; the
/// tests walk this table.
pub fn route_table() -> Vec<routes::RouteSpec> {
    all_routes().into_parts().1
}

/// Every route of the product, with the middleware stack around them.
pub fn router(state: AppState) -> Router {
    let (routes, _) = all_routes().into_parts();
    routes
        .fallback(|| async { WebError::NotFound })
        // Listed inner to outer. Who is asking is known before CSRF is checked; error
        // rendering sees every response, including panics and the fallback, and
        // replaces error bodies; security headers go on last so they are on whatever
        // is finally sent.
        .layer(axum::middleware::from_fn(auth::verify_csrf))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(middleware::log_requests))
        .layer(axum::middleware::from_fn(middleware::render_errors))
        .layer(axum::middleware::from_fn(middleware::security_headers))
}

/// Serves until `shutdown` completes, then finishes in-flight requests and returns.
pub async fn launch(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
