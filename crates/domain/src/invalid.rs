//! A value that failed its check, described by stable codes rather than prose.

use std::fmt;

/// Why a value was refused: which field, and a stable code. The message a person reads
/// is looked up in the catalogue under `error.<code>` in their language, so the same
/// code serves the HTML form, the Excel import report and the JSON API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub code: &'static str,
}

impl Invalid {
    pub const fn new(field: &'static str, code: &'static str) -> Self {
        Self { field, code }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

impl std::error::Error for Invalid {}
