//! Who is asking: a session cookie (pages) or `Authorization: Bearer` (API). The
//! `authenticate` middleware resolves either into a [`Principal`] for the request;
//! `verify_csrf` refuses state-changing requests that ride on a cookie without the
//! session's CSRF token; `require_*` guard routes as `routes.rs` declares.

use crate::error::WebError;
use crate::{AppState, i18n};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Action, Principal};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "fg_session";
/// Double-submit token for forms shown before sign-in (the login form).
pub const PRE_SESSION_COOKIE: &str = "fg_presession";
pub const CSRF_FIELD: &str = "_csrf";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The request's signed-in account, in the request extensions.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub via: Via,
    /// The session's CSRF secret (sessions only).
    pub csrf: Option<String>,
    /// The session cookie's token (sessions only), for logout and password change.
    pub session_token: Option<String>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Resolves the principal. A bad bearer token is a 401 at once (an integration should
/// hear that its token is wrong, not be treated as anonymous); a stale cookie is
/// simply no session.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let app = &state.app;
    let auth = if let Some(token) = bearer(req.headers()) {
        match app.token_principal(token).await {
            Ok(Some(principal)) => Some(Authenticated {
                principal,
                via: Via::Token,
                csrf: None,
                session_token: None,
            }),
            Ok(None) => {
                return WebError::Refused(StatusCode::UNAUTHORIZED, "token_invalid")
                    .into_response();
            }
            Err(e) => return WebError::from(e).into_response(),
        }
    } else if let Some(token) = i18n::cookie(req.headers(), SESSION_COOKIE) {
        match app.session(&token).await {
            Ok(Some((principal, csrf))) => Some(Authenticated {
                principal,
                via: Via::Session,
                csrf: Some(csrf),
                session_token: Some(token),
            }),
            Ok(None) => None,
            Err(e) => return WebError::from(e).into_response(),
        }
    } else {
        None
    };
    if let Some(auth) = auth {
        req.extensions_mut().insert(auth);
    }
    next.run(req).await
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Equal in constant time for equal lengths.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses a cookie-borne state change without the right CSRF token. The token comes
/// in the `X-CSRF-Token` header, the `_csrf` form field, or the `_csrf` query
/// parameter (multipart uploads). Bearer-token requests carry no cookie, so no token.
pub async fn verify_csrf(req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    // The employee's declaration page (`/d/{token}`) acts on the signed link alone,
    // never on a session or cookie, so a forged cross-site request would need the
    // link itself; employees open it without an account, hence without a token.
    if req.uri().path().starts_with("/d/") {
        return next.run(req).await;
    }
    let auth = req.extensions().get::<Authenticated>();
    let expected = match auth {
        Some(a) if a.via == Via::Token => return next.run(req).await,
        Some(a) => a.csrf.clone(),
        None => i18n::cookie(req.headers(), PRE_SESSION_COOKIE),
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return csrf_refused();
    };
    let from_header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = req.uri().query().and_then(|q| form_field(q, CSRF_FIELD));
    if from_header
        .or(from_query)
        .is_some_and(|t| same(&t, &expected))
    {
        return next.run(req).await;
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refused();
    }
    // Read the form to find `_csrf`, then hand the same bytes on to the handler.
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return WebError::Refused(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            .into_response();
    };
    let ok = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|s| form_field(s, CSRF_FIELD))
        .is_some_and(|t| same(&t, &expected));
    if !ok {
        return csrf_refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn csrf_refused() -> Response {
    WebError::Refused(StatusCode::FORBIDDEN, "csrf").into_response()
}

/// One field of an `application/x-www-form-urlencoded` string.
pub fn form_field(form: &str, name: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], decoded) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn wants_json(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Pages send the visitor to sign in and come back; the API answers 401.
pub async fn require_signed_in(req: Request, next: Next) -> Response {
    if req.extensions().get::<Authenticated>().is_some() {
        return next.run(req).await;
    }
    if wants_json(req.uri().path()) || !is_safe(req.method()) {
        return WebError::Refused(StatusCode::UNAUTHORIZED, "unauthorized").into_response();
    }
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next_param: String = here
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    Redirect::to(&format!("/login?next={next_param}")).into_response()
}

pub async fn require_permission(action: Action, req: Request, next: Next) -> Response {
    match req.extensions().get::<Authenticated>() {
        None => require_signed_in(req, next).await,
        Some(a) if a.principal.can(action) => next.run(req).await,
        Some(_) => WebError::Refused(StatusCode::FORBIDDEN, "forbidden").into_response(),
    }
}

/// Extractor: the signed-in principal (routes behind `require_signed_in` only).
pub struct CurrentUser(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            .map(CurrentUser)
            .ok_or(WebError::Refused(StatusCode::UNAUTHORIZED, "unauthorized"))
    }
}

/// The peer address, for login throttling. Behind a proxy this is the proxy; see README.
pub fn peer(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
