//! One file per employee (一员一档): checking a file from a form, the API or an Excel
//! row; protecting the resident ID number (encrypted, hashed, masked — see
//! [`crate::idkeys`]); permitted, audited views of the full number; lookup by exact
//! number; the import of a whole workforce with progress; template and export; the
//! personal declaration link.

mod input;
mod links;
mod sheet;

pub use input::*;
pub use sheet::{rejected_workbook, template};

use crate::enterprises::{ImportReport, RowProblem, read_sheet};
use crate::{App, AppError, AppResult};
use domain::{Action, Invalid, Principal, ResidentId};
use input::field;
use sheet::{header_of, sheet_row};
use std::collections::{HashMap, HashSet};
use store::workforce::{EmployeeData, EmployeeFilter, EmployeeRow};

/// Rows per transaction in an import: each row whole or absent; progress between.
const IMPORT_CHUNK: usize = 1000;

impl App {
    /// Encrypts, hashes and masks the number into the file's columns.
    pub fn protect(&self, mut c: CheckedEmployee) -> AppResult<EmployeeData> {
        let full = c.id_number.reveal();
        c.data.id_cipher = self.ids.encrypt(full)?;
        c.data.id_hash = self.ids.hash(full);
        c.data.id_masked = c.id_number.masked();
        Ok(c.data)
    }

    async fn region_codes(&self) -> AppResult<HashSet<String>> {
        Ok(self
            .store
            .regions()
            .all_codes()
            .await?
            .into_iter()
            .collect())
    }

    pub async fn employees(
        &self,
        who: &Principal,
        f: &EmployeeFilter,
    ) -> AppResult<(Vec<EmployeeRow>, i64)> {
        Ok(self.store.scoped(who).employees(f).await?)
    }

    pub async fn employee(&self, who: &Principal, id: i64) -> AppResult<EmployeeRow> {
        Ok(self
            .store
            .scoped(who)
            .employee(id, Some(self.today()))
            .await?)
    }

    /// Creates (`id` None) or edits a file of `enterprise_id`. On an edit the number
    /// may be left as shown (masked) to keep it.
    pub async fn save_employee(
        &self,
        who: &Principal,
        enterprise_id: i64,
        id: Option<i64>,
        input: &EmployeeInput,
    ) -> AppResult<i64> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        let scoped = self.store.scoped(who);
        let mut input = input.clone();
        let mut keep_number = None;
        if let Some(id) = id {
            let row = scoped.employee(id, None).await?;
            if row.enterprise_id != enterprise_id {
                return Err(AppError::NotFound);
            }
            if field(&input, "id_number") == row.id_masked {
                // Unchanged: check the stored number, keep its ciphertext and hash.
                let cipher = scoped
                    .employee_id_cipher(id, self.clock.now().timestamp_millis())
                    .await?;
                let full = self.ids.decrypt(&cipher)?;
                input.insert("id_number".into(), full);
                keep_number = Some(cipher);
            }
        }
        let regions = self.region_codes().await?;
        let checked = check(&input, &regions, self.today())
            .map_err(|mut e| AppError::Invalid(e.remove(0)))?;
        let hash = self.ids.hash(checked.id_number.reveal());
        let existing = scoped.employee_hashes(enterprise_id).await?;
        if existing.get(&hash).is_some_and(|other| Some(*other) != id) {
            return Err(Invalid::new("id_number", "id_number_taken").into());
        }
        let mut data = self.protect(checked)?;
        if let Some(cipher) = keep_number {
            data.id_cipher = cipher;
        }
        let ids = scoped
            .save_employees(
                enterprise_id,
                &[(id, data)],
                self.clock.now().timestamp_millis(),
            )
            .await?;
        ids.first().copied().ok_or(AppError::NotFound)
    }

    /// The full number of a file in scope, for an account with the permission; the
    /// view is in the audit log before the number is returned.
    pub async fn reveal_id_number(&self, who: &Principal, id: i64) -> AppResult<String> {
        if !who.can(Action::ViewIdNumber) {
            return Err(AppError::Forbidden);
        }
        let cipher = self
            .store
            .scoped(who)
            .employee_id_cipher(id, self.clock.now().timestamp_millis())
            .await?;
        self.ids.decrypt(&cipher)
    }

    /// Files in scope whose number is exactly `id_number` (through the keyed hash).
    pub async fn lookup_employees(
        &self,
        who: &Principal,
        id_number: &str,
    ) -> AppResult<Vec<EmployeeRow>> {
        let id = ResidentId::parse(id_number, self.today())?;
        let f = EmployeeFilter {
            id_hashes: self.ids.hashes(id.reveal()),
            day: Some(self.today()),
            limit: 100,
            ..EmployeeFilter::default()
        };
        Ok(self.store.scoped(who).employees(&f).await?.0)
    }

    /// Imports an enterprise's employees from .xlsx: new numbers are added, known ones
    /// (same enterprise) updated; every bad row is reported with its row, column and
    /// reason, and good rows are kept. `progress(done, total)` between chunks.
    pub async fn import_employees(
        &self,
        who: Option<&Principal>,
        enterprise_id: i64,
        bytes: &[u8],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> AppResult<ImportReport> {
        if let Some(p) = who
            && !p.can(Action::EditEmployees)
        {
            return Err(AppError::Forbidden);
        }
        let scoped = match who {
            Some(p) => self.store.scoped(p),
            None => self.store.system(),
        };
        let existing = scoped.employee_hashes(enterprise_id).await?;
        let (headers, rows) = read_sheet(bytes)?;
        let index: HashMap<&'static str, usize> = COLUMNS
            .iter()
            .filter_map(|(name, header, _, _)| {
                headers
                    .iter()
                    .position(|h| h.trim().trim_end_matches('*').trim() == *header)
                    .map(|i| (*name, i))
            })
            .collect();
        if rows.is_empty() {
            return Err(Invalid::new("file", "empty_sheet").into());
        }
        let mut report = ImportReport::default();
        for (name, header, _, _) in COLUMNS
            .iter()
            .filter(|(n, _, req, _)| *req && !index.contains_key(n))
        {
            report.rejected.push(RowProblem {
                row: 1,
                column: (*header).to_owned(),
                field: name,
                code: "missing_column",
            });
        }
        if !report.rejected.is_empty() {
            report.rejected_rows.push((1, headers.clone()));
            return Ok(report);
        }
        let regions = self.region_codes().await?;
        let today = self.today();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut writes: Vec<(Option<i64>, EmployeeData)> = Vec::new();
        // Progress counts the file's data rows: the rejected ones once checking is
        // done, then each written chunk; it ends at the number of rows in the file.
        let total = rows.len();
        progress(0, total);
        for (row, cells) in &rows {
            let input: EmployeeInput = index
                .iter()
                .map(|(name, i)| {
                    (
                        (*name).to_owned(),
                        cells.get(*i).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            let problems = match check(&input, &regions, today) {
                Ok(c) => {
                    let hash = self.ids.hash(c.id_number.reveal());
                    if seen.insert(hash.clone()) {
                        let id = existing.get(&hash).copied();
                        match id {
                            None => report.inserted += 1,
                            Some(_) => report.updated += 1,
                        }
                        writes.push((id, self.protect(c)?));
                        continue;
                    }
                    vec![Invalid::new("id_number", "id_number_duplicate_in_file")]
                }
                Err(problems) => problems,
            };
            for p in problems {
                report.rejected.push(RowProblem {
                    row: *row,
                    column: header_of(p.field).to_owned(),
                    field: p.field,
                    code: p.code,
                });
            }
            report.rejected_rows.push((*row, cells.clone()));
        }
        let now = self.clock.now().timestamp_millis();
        let mut done = report.rejected_rows.len();
        progress(done, total);
        for chunk in writes.chunks(IMPORT_CHUNK) {
            scoped.save_employees(enterprise_id, chunk, now).await?;
            done += chunk.len();
            progress(done, total);
        }
        Ok(report)
    }

    /// All files under the filter as a workbook in [`COLUMNS`] order (numbers masked).
    pub async fn export_employees(
        &self,
        who: &Principal,
        f: &EmployeeFilter,
    ) -> AppResult<Vec<u8>> {
        let f = EmployeeFilter {
            limit: 500_000,
            offset: 0,
            ..f.clone()
        };
        let (rows, _) = self.store.scoped(who).employees(&f).await?;
        let data: Vec<Vec<String>> = rows.iter().map(sheet_row).collect();
        let headers: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
        crate::excel::workbook("员工档案", &headers, &data)
    }
}

impl App {
    /// Re-encrypts and re-hashes every stored number under the current key (the last
    /// version of `self.ids`), in batches; `progress(done)` after each. Run by
    /// `fugong keys rotate` after it has appended the new key to the key file, so a
    /// crash half-way leaves rows readable under one version or the other.
    pub async fn rotate_id_numbers(
        &self,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> AppResult<usize> {
        let system = self.store.system();
        let mut after = 0;
        let mut done = 0;
        loop {
            let batch = system.id_ciphers_after(after, 2000).await?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            let mut rows = Vec::with_capacity(batch.len());
            for (id, cipher) in &batch {
                let full = self.ids.decrypt(cipher)?;
                rows.push((*id, self.ids.encrypt(&full)?, self.ids.hash(&full)));
            }
            system.rekey_employees(&rows).await?;
            done += rows.len();
            progress(done);
        }
        self.store
            .links()
            .check_id_keys(&self.ids.checks(), self.clock.now().timestamp_millis())
            .await?;
        Ok(done)
    }
}
