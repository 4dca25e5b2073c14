use domain::Invalid;
use store::StoreError;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that failed a check; carries the field and a translatable code.
    #[error("invalid {0}")]
    Invalid(#[from] Invalid),
    #[error("not found")]
    NotFound,
    /// The account lacks the permission for this action.
    #[error("forbidden")]
    Forbidden,
    /// Wrong username or password (deliberately not saying which).
    #[error("bad credentials")]
    BadCredentials,
    /// Too many failed logins; try again in this many minutes.
    #[error("throttled for {minutes} min")]
    Throttled { minutes: i64 },
    #[error("{0}")]
    Refused(&'static str),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(code) => AppError::Refused(code),
            other => AppError::Store(other),
        }
    }
}
