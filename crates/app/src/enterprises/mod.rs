//! The enterprise registry's use cases: checking input from forms, Excel and the API;
//! creating and editing within the caller's scope; resumption reports; the Excel
//! template, import (row by row, good rows kept) and export.

use crate::{App, AppError, AppResult};
use chrono::NaiveDate;

use domain::{Action, Invalid, Principal, ResumptionStatus};
use std::collections::HashMap;
use store::enterprises::{EnterpriseData, EnterpriseFilter, EnterpriseRow, StatusReport};
use store::scope::Scoped;

mod input;
mod sheet;

pub use input::*;
use input::{opt_percent, within_scope};
use sheet::header_of;
pub use sheet::*;

/// Rows per transaction in an import: each row is whole or absent, and progress is
/// reported between chunks.
const IMPORT_CHUNK: usize = 1000;

impl App {
    fn scoped_for<'a>(&'a self, who: Option<&Principal>) -> Scoped<'a> {
        match who {
            Some(p) => self.store.scoped(p),
            None => self.store.system(),
        }
    }

    fn require_action(who: Option<&Principal>, action: Action) -> AppResult<()> {
        match who {
            Some(p) if !p.can(action) => Err(AppError::Forbidden),
            _ => Ok(()),
        }
    }

    pub async fn enterprises(
        &self,
        who: &Principal,
        f: &EnterpriseFilter,
    ) -> AppResult<(Vec<EnterpriseRow>, i64)> {
        Ok(self.store.scoped(who).enterprises(f).await?)
    }

    pub async fn enterprise(&self, who: &Principal, id: i64) -> AppResult<EnterpriseRow> {
        Ok(self.store.scoped(who).enterprise(id).await?)
    }

    /// Creates (`id` None) or edits an enterprise from a form or the API.
    pub async fn save_enterprise(
        &self,
        who: &Principal,
        id: Option<i64>,
        input: &EnterpriseInput,
    ) -> AppResult<i64> {
        Self::require_action(Some(who), Action::EditEnterprises)?;
        let reference = self.enterprise_reference().await?;
        let data = check(input, &reference).map_err(|mut e| AppError::Invalid(e.remove(0)))?;
        let scoped = self.store.scoped(who);
        if let Some(id) = id {
            scoped.enterprise(id).await?;
        }
        if !within_scope(&scoped, &data, &reference, id) {
            return Err(Invalid::new("region_code", "out_of_scope").into());
        }
        match scoped.enterprise_by_uscc(&data.uscc).await {
            Ok(Some(other)) if Some(other.id) != id => {
                return Err(Invalid::new("uscc", "uscc_taken").into());
            }
            Err(store::StoreError::Conflict(_)) => {
                return Err(Invalid::new("uscc", "uscc_taken").into());
            }
            Err(e) => return Err(e.into()),
            _ => {}
        }
        let ids = scoped
            .save_enterprises(&[(id, data)], self.clock.now().timestamp_millis())
            .await?;
        ids.first().copied().ok_or(AppError::NotFound)
    }

    /// Records a resumption report for `day` (the city's calendar day).
    pub async fn report_resumption(
        &self,
        who: Option<&Principal>,
        id: i64,
        status: &str,
        capacity: &str,
        workforce: &str,
        day: NaiveDate,
    ) -> AppResult<()> {
        Self::require_action(who, Action::ReportResumption)?;
        let status = parse_status(status)?;
        let report = StatusReport {
            status: status.as_str().to_owned(),
            capacity_pct: opt_percent("capacity_pct", capacity)?,
            workforce_pct: opt_percent("workforce_pct", workforce)?,
            day,
        };
        Ok(self
            .scoped_for(who)
            .report_status(id, &report, self.clock.now().timestamp_millis())
            .await?)
    }

    /// Today in the city (Asia/Shanghai is UTC+8 all year).
    pub fn today(&self) -> NaiveDate {
        (self.clock.now() + chrono::Duration::hours(8)).date_naive()
    }

    /// Imports an .xlsx of enterprises: inserts new codes, updates existing ones in
    /// scope, rejects every bad row with its row, column and reason, and keeps the
    /// good rows. `progress(done, total)` is called between chunks.
    pub async fn import_enterprises(
        &self,
        who: Option<&Principal>,
        bytes: &[u8],
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> AppResult<ImportReport> {
        Self::require_action(who, Action::EditEnterprises)?;
        let (headers, rows) = read_sheet(bytes)?;
        // Columns by header, with or without the template's trailing "*".
        let index: HashMap<&'static str, usize> = COLUMNS
            .iter()
            .filter_map(|(field, header, _, _)| {
                headers
                    .iter()
                    .position(|h| h.trim().trim_end_matches('*').trim() == *header)
                    .map(|i| (*field, i))
            })
            .collect();
        if rows.is_empty() {
            return Err(Invalid::new("file", "empty_sheet").into());
        }
        let mut report = ImportReport::default();
        // A required column missing from the header row: say which, import nothing.
        for (field, header, _, _) in COLUMNS
            .iter()
            .filter(|(f, _, req, _)| *req && !index.contains_key(f))
        {
            report.rejected.push(RowProblem {
                row: 1,
                column: (*header).to_owned(),
                field,
                code: "missing_column",
            });
        }
        if !report.rejected.is_empty() {
            report.rejected_rows.push((1, headers.clone()));
            return Ok(report);
        }
        let reference = self.enterprise_reference().await?;
        let scoped = self.scoped_for(who);
        // Everything the file is checked against, fetched once, not per row.
        let everything = EnterpriseFilter {
            limit: i64::MAX / 2,
            ..EnterpriseFilter::default()
        };
        let in_scope: HashMap<String, EnterpriseRow> = scoped
            .enterprises(&everything)
            .await?
            .0
            .into_iter()
            .map(|e| (e.uscc.clone(), e))
            .collect();
        let elsewhere = scoped.usccs_outside_scope().await?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut writes: Vec<(Option<i64>, EnterpriseData, Option<ResumptionStatusInput>)> =
            Vec::new();
        let reject =
            |report: &mut ImportReport, row: usize, cells: &[String], problems: Vec<Invalid>| {
                for p in problems {
                    report.rejected.push(RowProblem {
                        row,
                        column: header_of(p.field).to_owned(),
                        field: p.field,
                        code: p.code,
                    });
                }
                report.rejected_rows.push((row, cells.to_vec()));
            };
        for (row, cells) in &rows {
            let mut input = EnterpriseInput::default();
            for (field, i) in &index {
                input.set(field, cells.get(*i).cloned().unwrap_or_default());
            }
            let data = match check(&input, &reference) {
                Ok(d) => d,
                Err(problems) => {
                    reject(&mut report, *row, cells, problems);
                    continue;
                }
            };
            let status = match status_input(&input) {
                Ok(s) => s,
                Err(p) => {
                    reject(&mut report, *row, cells, vec![p]);
                    continue;
                }
            };
            if seen.contains_key(&data.uscc) {
                reject(
                    &mut report,
                    *row,
                    cells,
                    vec![Invalid::new("uscc", "uscc_duplicate_in_file")],
                );
                continue;
            }
            if elsewhere.contains(&data.uscc) {
                reject(
                    &mut report,
                    *row,
                    cells,
                    vec![Invalid::new("uscc", "uscc_exists_elsewhere")],
                );
                continue;
            }
            let existing = in_scope.get(&data.uscc);
            let id = existing.as_ref().map(|e| e.id);
            if !within_scope(&scoped, &data, &reference, id) {
                reject(
                    &mut report,
                    *row,
                    cells,
                    vec![Invalid::new("region_code", "out_of_scope")],
                );
                continue;
            }
            seen.insert(data.uscc.clone(), *row);
            let status = status.filter(|s| match existing {
                Some(e) => {
                    e.status != s.status.as_str()
                        || e.capacity_pct != s.capacity
                        || e.workforce_pct != s.workforce
                }
                None => {
                    s.status != ResumptionStatus::NotResumed
                        || s.capacity.is_some()
                        || s.workforce.is_some()
                }
            });
            match existing {
                None => report.inserted += 1,
                Some(e) if EnterpriseData::from(e) == data && status.is_none() => {
                    report.unchanged += 1
                }
                Some(_) => report.updated += 1,
            }
            writes.push((id, data, status));
        }
        let total = writes.len();
        let now = self.clock.now().timestamp_millis();
        let today = self.today();
        let mut done = 0;
        progress(0, total);
        for chunk in writes.chunks(IMPORT_CHUNK) {
            let batch: Vec<(Option<i64>, EnterpriseData)> =
                chunk.iter().map(|(id, d, _)| (*id, d.clone())).collect();
            let ids = scoped.save_enterprises(&batch, now).await?;
            let reports: Vec<(i64, StatusReport)> = chunk
                .iter()
                .zip(ids)
                .filter_map(|((_, _, status), id)| {
                    status.as_ref().map(|s| {
                        let r = StatusReport {
                            status: s.status.as_str().to_owned(),
                            capacity_pct: s.capacity,
                            workforce_pct: s.workforce,
                            day: today,
                        };
                        (id, r)
                    })
                })
                .collect();
            scoped.report_statuses(&reports, now).await?;
            done += chunk.len();
            progress(done, total);
        }
        Ok(report)
    }

    /// All enterprises under the filter, as spreadsheet rows in [`COLUMNS`] order.
    pub async fn export_enterprises(
        &self,
        who: &Principal,
        f: &EnterpriseFilter,
    ) -> AppResult<Vec<u8>> {
        let f = EnterpriseFilter {
            limit: 200_000,
            offset: 0,
            ..f.clone()
        };
        let (rows, _) = self.store.scoped(who).enterprises(&f).await?;
        let data: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let input = EnterpriseInput::from_row(r);
                COLUMNS
                    .iter()
                    .map(|(field, _, _, _)| input.get(field).to_owned())
                    .collect()
            })
            .collect();
        let headers: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
        crate::excel::workbook("企业名录", &headers, &data)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ResumptionStatusInput {
    status: ResumptionStatus,
    capacity: Option<i64>,
    workforce: Option<i64>,
}

fn status_input(input: &EnterpriseInput) -> Result<Option<ResumptionStatusInput>, Invalid> {
    if input.status.trim().is_empty()
        && input.capacity_pct.trim().is_empty()
        && input.workforce_pct.trim().is_empty()
    {
        return Ok(None);
    }
    let status = if input.status.trim().is_empty() {
        ResumptionStatus::NotResumed
    } else {
        parse_status(&input.status)?
    };
    Ok(Some(ResumptionStatusInput {
        status,
        capacity: opt_percent("capacity_pct", &input.capacity_pct)?,
        workforce: opt_percent("workforce_pct", &input.workforce_pct)?,
    }))
}
