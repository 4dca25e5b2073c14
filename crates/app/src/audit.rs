//! Reading the audit log (city admins only) and exporting it.

use crate::{App, AppError, AppResult};
use domain::{Action, Principal};
use store::audit::{AuditFilter, AuditRow};

impl App {
    pub async fn audit_log(
        &self,
        who: &Principal,
        filter: &AuditFilter,
    ) -> AppResult<(Vec<AuditRow>, i64)> {
        if !who.can(Action::ViewAudit) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.audit().list(filter).await?)
    }
}
