//! The workforce pages: employee files, import with progress, personal declaration
//! links, bulk entry, alerts — and their scope-leak probes.

use crate::harness::TestApp;
use crate::scope_fixture::Fixture;

/// Scope-leak probes for the workforce pages (called from the matrix).
pub(crate) async fn probe(_app: &TestApp, _fx: &Fixture, path: &str) {
    panic!("no scope-leak probe for workforce page {path}")
}
