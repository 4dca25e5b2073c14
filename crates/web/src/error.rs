//! One error type for handlers. A handler returns `WebError`; the response carries only
//! an [`ErrorInfo`] marker, and `middleware::render_errors` turns it into a page or JSON
//! in the request's language — so every error, including 404s and panics, looks the
//! same and is translated in one place.

use app::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Invalid;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    /// A field failed its check.
    Invalid(Invalid),
    /// A request we understood but refuse, with a stable code.
    Refused(StatusCode, &'static str),
    /// The database cannot be reached.
    Unavailable,
    /// Anything else; details go to the log, never to the client.
    Internal(String),
}

/// Attached to error responses for the rendering middleware.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub field: Option<&'static str>,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Refused(s, _) => *s,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn info(&self) -> ErrorInfo {
        match self {
            WebError::NotFound => ErrorInfo {
                code: "not_found",
                field: None,
            },
            WebError::Invalid(i) => ErrorInfo {
                code: i.code,
                field: Some(i.field),
            },
            WebError::Refused(_, code) => ErrorInfo { code, field: None },
            WebError::Unavailable => ErrorInfo {
                code: "unavailable",
                field: None,
            },
            WebError::Internal(_) => ErrorInfo {
                code: "internal",
                field: None,
            },
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self.info());
        res
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(i) => WebError::Invalid(i),
            AppError::NotFound => WebError::NotFound,
            AppError::Forbidden => WebError::Refused(StatusCode::FORBIDDEN, "forbidden"),
            AppError::BadCredentials => {
                WebError::Refused(StatusCode::UNAUTHORIZED, "bad_credentials")
            }
            AppError::Throttled { .. } => {
                WebError::Refused(StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
            }
            AppError::Refused(code) => WebError::Refused(StatusCode::CONFLICT, code),
            AppError::Store(s) if s.is_unavailable() => WebError::Unavailable,
            AppError::Store(s) => WebError::Internal(s.to_string()),
        }
    }
}

impl From<store::StoreError> for WebError {
    fn from(e: store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

pub type WebResult<T> = Result<T, WebError>;
