//! The middleware every request passes through: error rendering (with panics caught),
//! security headers, and a request log that never records personal data.

use crate::error::{ErrorInfo, WebError};
use crate::html::{ErrorPage, Shell};
use crate::i18n;
use askama::Template;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// Logs method, route *pattern* (e.g. `/regions/{code}`, never the concrete path or
/// query, which may carry names or ID numbers), status and duration.
pub async fn log_requests(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "-".to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    let micros = started.elapsed().as_micros() as u64;
    tracing::info!(target: "fugong::http", %method, route, status = res.status().as_u16(), micros);
    res
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Whether the client should get JSON rather than a page.
fn wants_json(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz"
}

/// Turns every error response — a `WebError`, an extractor's rejection, the 404
/// fallback, a panic — into a translated HTML page or a JSON body
/// `{"error":{"code","message","field"?}}`.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = i18n::resolve(req.headers());
    let path = req.uri().path().to_owned();
    let json = wants_json(&path);
    let res = match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(_) => {
            WebError::Internal(format!("handler panicked on {}", route_hint(&path))).into_response()
        }
    };
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let marked = res.extensions().get::<ErrorInfo>().cloned();
    let already_rendered = marked.is_none()
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if already_rendered {
        return res;
    }
    let info = marked.unwrap_or(ErrorInfo {
        code: code_for(status),
        field: None,
    });
    // An extractor's rejection explains itself in plain text; API clients get it as
    // `detail`, pages only the translated message.
    let detail = if json && res.extensions().get::<ErrorInfo>().is_none() {
        let body = axum::body::to_bytes(res.into_body(), 4096)
            .await
            .unwrap_or_default();
        Some(String::from_utf8_lossy(&body).into_owned()).filter(|s| !s.is_empty())
    } else {
        None
    };
    let t = i18n::messages(lang);
    let message = t.error(info.code);
    if json {
        let mut error = serde_json::json!({ "code": info.code, "message": message });
        if let Some(field) = info.field {
            error["field"] = field.into();
        }
        if let Some(detail) = detail {
            error["detail"] = detail.into();
        }
        return (status, axum::Json(serde_json::json!({ "error": error }))).into_response();
    }
    let page = ErrorPage {
        shell: Shell::anonymous(lang, "/"),
        status: status.as_u16(),
        title: t.msg(title_key(status)),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page did not render");
            (status, message.to_owned()).into_response()
        }
    }
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "too_many_requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad_request",
    }
}

fn title_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "errorpage.not_found",
        503 => "errorpage.unavailable",
        s if s >= 500 => "errorpage.internal",
        _ => "errorpage.bad_request",
    }
}

/// The first path segment only, for logs: enough to find the handler, no identifiers.
fn route_hint(path: &str) -> String {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    format!("/{first}/…")
}
