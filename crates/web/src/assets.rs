//! Static files compiled into the binary: nothing is fetched from outside at run time.

use crate::error::WebError;
use crate::routes::{Access, Data, Routes};
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// (file name, content type, bytes).
const FILES: [(&str, &str, &[u8]); 2] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/static/{file}",
            "GET",
            Access::Public,
            Data::None,
            get(asset),
        )
        .add(
            "/favicon.ico",
            "GET",
            Access::Public,
            Data::None,
            get(|| asset(Path("favicon.svg".to_owned()))),
        )
}

async fn asset(Path(file): Path<String>) -> Result<Response, WebError> {
    let (_, content_type, bytes) = FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(WebError::NotFound)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Assets change only with the binary; an hour of caching keeps phones fast
    // without pinning a stale stylesheet across an upgrade for long.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}
