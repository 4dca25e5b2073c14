//! Loading a city's own region table (code, name, parent code) from .xlsx or CSV, so
//! another city can replace the demo's Zhaoqing.

use crate::enterprises::{RowProblem, read_sheet};
use crate::{App, AppResult};
use domain::{Invalid, RegionCode};
use std::collections::HashSet;
use store::regions::NewRegion;

#[derive(Debug, Clone, Default)]
pub struct RegionImport {
    pub saved: usize,
    pub rejected: Vec<RowProblem>,
}

/// Rows of a CSV file (UTF-8, comma separated, no quoting needed for codes and names;
/// quoted fields are unwrapped), numbered from 1 like a spreadsheet.
fn read_csv(text: &str) -> Vec<(usize, Vec<String>)> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            (
                i + 1,
                l.split(',')
                    .map(|c| c.trim().trim_matches('"').to_owned())
                    .collect(),
            )
        })
        .collect()
}

impl App {
    /// Imports regions: every row is checked (code format, name, parent known in the
    /// file or the database, parent's code a prefix of the child's); the good rows are
    /// saved together, parents first.
    pub async fn import_regions(&self, bytes: &[u8]) -> AppResult<RegionImport> {
        let rows: Vec<(usize, Vec<String>)> = if bytes.starts_with(b"PK") {
            let (headers, data) = read_sheet(bytes)?;
            std::iter::once((1, headers)).chain(data).collect()
        } else {
            let text = std::str::from_utf8(bytes).map_err(|_| Invalid::new("file", "not_xlsx"))?;
            read_csv(text)
        };
        // A header row is any first row whose first cell is not a code.
        let rows: Vec<_> = rows
            .into_iter()
            .enumerate()
            .filter(|(i, (_, cells))| {
                *i > 0 || RegionCode::parse(cells.first().map(String::as_str).unwrap_or("")).is_ok()
            })
            .map(|(_, r)| r)
            .collect();
        if rows.is_empty() {
            return Err(Invalid::new("file", "empty_sheet").into());
        }
        let in_db: HashSet<String> = self
            .store
            .regions()
            .all_codes()
            .await?
            .into_iter()
            .collect();
        let mut known = in_db.clone();
        let in_file: HashSet<String> = rows
            .iter()
            .filter_map(|(_, c)| c.first().cloned())
            .collect();
        let mut report = RegionImport::default();
        let mut good: Vec<NewRegion> = Vec::new();
        let problem =
            |row: usize, column: &str, field: &'static str, code: &'static str| RowProblem {
                row,
                column: column.to_owned(),
                field,
                code,
            };
        for (row, cells) in &rows {
            let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
            let code = match RegionCode::parse(cell(0)) {
                Ok(c) => c,
                Err(e) => {
                    report
                        .rejected
                        .push(problem(*row, "code", "region_code", e.code));
                    continue;
                }
            };
            let name = cell(1);
            if name.is_empty() || name.chars().count() > 50 {
                let code = if name.is_empty() {
                    "required"
                } else {
                    "too_long"
                };
                report.rejected.push(problem(*row, "name", "name", code));
                continue;
            }
            let parent = cell(2);
            let parent = if parent.is_empty() {
                None
            } else {
                match RegionCode::parse(parent) {
                    Ok(p)
                        if p.contains(&code)
                            && p != code
                            && (known.contains(p.as_str()) || in_file.contains(p.as_str())) =>
                    {
                        Some(p.to_string())
                    }
                    Ok(p) if !p.contains(&code) || p == code => {
                        report.rejected.push(problem(
                            *row,
                            "parent_code",
                            "parent_code",
                            "parent_not_above",
                        ));
                        continue;
                    }
                    Ok(_) => {
                        report.rejected.push(problem(
                            *row,
                            "parent_code",
                            "parent_code",
                            "region_unknown",
                        ));
                        continue;
                    }
                    Err(e) => {
                        report
                            .rejected
                            .push(problem(*row, "parent_code", "parent_code", e.code));
                        continue;
                    }
                }
            };
            known.insert(code.to_string());
            good.push(NewRegion {
                code: code.to_string(),
                name: name.to_owned(),
                parent_code: parent,
                level: code.level().as_str(),
                synthetic: false,
            });
        }
        // A row whose parent was itself refused cannot go in either.
        loop {
            let saved: HashSet<String> = good.iter().map(|r| r.code.clone()).collect();
            let orphans: Vec<usize> = good
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.parent_code
                        .as_ref()
                        .is_some_and(|p| !in_db.contains(p) && !saved.contains(p))
                })
                .map(|(i, _)| i)
                .collect();
            if orphans.is_empty() {
                break;
            }
            for i in orphans.into_iter().rev() {
                let r = good.remove(i);
                let row = rows
                    .iter()
                    .find(|(_, c)| c.first() == Some(&r.code))
                    .map(|(n, _)| *n)
                    .unwrap_or(0);
                report
                    .rejected
                    .push(problem(row, "parent_code", "parent_code", "region_unknown"));
            }
        }
        // Parents before children: shorter codes first.
        good.sort_by_key(|r| (r.code.len(), r.code.clone()));
        report.saved = self.store.regions().upsert_all(&good).await?;
        Ok(report)
    }
}
