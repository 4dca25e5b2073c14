//! The enterprise registry's use cases: checking input from forms, Excel and the API;
//! creating and editing within the caller's scope; resumption reports; the Excel
//! template, import (row by row, good rows kept) and export.

use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use domain::enterprise::percent;
use domain::{Action, Invalid, PartyOrg, Principal, RegionCode, ResumptionStatus, Uscc};
use std::collections::HashMap;
use store::enterprises::{EnterpriseData, EnterpriseFilter, EnterpriseRow, StatusReport};
use store::scope::Scoped;

/// Raw values as typed in a form, an Excel row or a JSON body.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct EnterpriseInput {
    pub uscc: String,
    pub name: String,
    pub legal_rep: String,
    pub address: String,
    pub longitude: String,
    pub latitude: String,
    pub region_code: String,
    pub park_code: String,
    pub industry_code: String,
    pub above_scale: String,
    pub key_enterprise: String,
    pub headcount: String,
    pub party_org: String,
    pub party_secretary: String,
    /// Import only: a resumption status to record when it differs from the current one.
    pub status: String,
    pub capacity_pct: String,
    pub workforce_pct: String,
}

/// The spreadsheet's columns, in order: (field, Chinese header, required, max length).
/// The template, the export and the import all use this one list, so an exported file
/// imports back unchanged.
pub const COLUMNS: [(&str, &str, bool, usize); 17] = [
    ("uscc", "统一社会信用代码", true, 18),
    ("name", "企业名称", true, 100),
    ("legal_rep", "法定代表人", false, 50),
    ("address", "地址", false, 200),
    ("longitude", "经度", false, 20),
    ("latitude", "纬度", false, 20),
    ("region_code", "所在区划代码", true, 12),
    ("park_code", "园区代码", false, 20),
    ("industry_code", "行业代码", false, 4),
    ("above_scale", "规上企业", false, 5),
    ("key_enterprise", "重点企业", false, 5),
    ("headcount", "从业人数", false, 9),
    ("party_org", "党组织", false, 10),
    ("party_secretary", "党组织书记", false, 50),
    ("status", "复工状态", false, 10),
    ("capacity_pct", "产能利用率%", false, 5),
    ("workforce_pct", "到岗率%", false, 5),
];

/// Chinese labels accepted (and written) for the enumerations.
pub const PARTY_ORG_ZH: [(PartyOrg, &str); 4] = [
    (PartyOrg::None, "无"),
    (PartyOrg::Branch, "党支部"),
    (PartyOrg::GeneralBranch, "党总支"),
    (PartyOrg::Committee, "党委"),
];

pub const STATUS_ZH: [(ResumptionStatus, &str); 6] = [
    (ResumptionStatus::NotResumed, "未复工"),
    (ResumptionStatus::Applied, "已申报"),
    (ResumptionStatus::Approved, "已批准"),
    (ResumptionStatus::Partial, "部分复工"),
    (ResumptionStatus::Full, "全面复工"),
    (ResumptionStatus::Suspended, "停工"),
];

impl EnterpriseInput {
    pub fn set(&mut self, field: &str, value: String) {
        let slot = match field {
            "uscc" => &mut self.uscc,
            "name" => &mut self.name,
            "legal_rep" => &mut self.legal_rep,
            "address" => &mut self.address,
            "longitude" => &mut self.longitude,
            "latitude" => &mut self.latitude,
            "region_code" => &mut self.region_code,
            "park_code" => &mut self.park_code,
            "industry_code" => &mut self.industry_code,
            "above_scale" => &mut self.above_scale,
            "key_enterprise" => &mut self.key_enterprise,
            "headcount" => &mut self.headcount,
            "party_org" => &mut self.party_org,
            "party_secretary" => &mut self.party_secretary,
            "status" => &mut self.status,
            "capacity_pct" => &mut self.capacity_pct,
            "workforce_pct" => &mut self.workforce_pct,
            _ => return,
        };
        *slot = value;
    }

    pub fn get(&self, field: &str) -> &str {
        match field {
            "uscc" => &self.uscc,
            "name" => &self.name,
            "legal_rep" => &self.legal_rep,
            "address" => &self.address,
            "longitude" => &self.longitude,
            "latitude" => &self.latitude,
            "region_code" => &self.region_code,
            "park_code" => &self.park_code,
            "industry_code" => &self.industry_code,
            "above_scale" => &self.above_scale,
            "key_enterprise" => &self.key_enterprise,
            "headcount" => &self.headcount,
            "party_org" => &self.party_org,
            "party_secretary" => &self.party_secretary,
            "status" => &self.status,
            "capacity_pct" => &self.capacity_pct,
            "workforce_pct" => &self.workforce_pct,
            _ => "",
        }
    }

    /// The form of an existing enterprise, for editing and for the export.
    pub fn from_row(r: &EnterpriseRow) -> EnterpriseInput {
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let yes_no = |b: bool| if b { "是" } else { "否" }.to_owned();
        EnterpriseInput {
            uscc: r.uscc.clone(),
            name: r.name.clone(),
            legal_rep: r.legal_rep.clone(),
            address: r.address.clone(),
            longitude: num(r.longitude),
            latitude: num(r.latitude),
            region_code: r.region_code.clone(),
            park_code: r.park_code.clone().unwrap_or_default(),
            industry_code: r.industry_code.clone().unwrap_or_default(),
            above_scale: yes_no(r.above_scale),
            key_enterprise: yes_no(r.key_enterprise),
            headcount: r.headcount.to_string(),
            party_org: PARTY_ORG_ZH
                .iter()
                .find(|(p, _)| p.as_str() == r.party_org)
                .map(|(_, z)| (*z).to_owned())
                .unwrap_or_default(),
            party_secretary: r.party_secretary.clone(),
            status: STATUS_ZH
                .iter()
                .find(|(s, _)| s.as_str() == r.status)
                .map(|(_, z)| (*z).to_owned())
                .unwrap_or_default(),
            capacity_pct: r.capacity_pct.map(|v| v.to_string()).unwrap_or_default(),
            workforce_pct: r.workforce_pct.map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

fn parse_bool(field: &'static str, s: &str) -> Result<bool, Invalid> {
    match s.trim().to_lowercase().as_str() {
        "" | "否" | "n" | "no" | "0" | "false" => Ok(false),
        "是" | "y" | "yes" | "1" | "true" | "on" => Ok(true),
        _ => Err(Invalid::new(field, "yes_no")),
    }
}

fn parse_party_org(s: &str) -> Result<PartyOrg, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(PartyOrg::None);
    }
    PARTY_ORG_ZH
        .iter()
        .find(|(_, z)| *z == s)
        .map(|(p, _)| *p)
        .map_or_else(|| PartyOrg::parse(s), Ok)
}

pub fn parse_status(s: &str) -> Result<ResumptionStatus, Invalid> {
    let s = s.trim();
    STATUS_ZH
        .iter()
        .find(|(_, z)| *z == s)
        .map(|(p, _)| *p)
        .map_or_else(|| ResumptionStatus::parse(s), Ok)
}

fn opt_number(field: &'static str, s: &str, lo: f64, hi: f64) -> Result<Option<f64>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Ok(Some(v)),
        Ok(_) => Err(Invalid::new(field, "coordinate_range")),
        Err(_) => Err(Invalid::new(field, "number_format")),
    }
}

fn opt_percent(field: &'static str, s: &str) -> Result<Option<i64>, Invalid> {
    let s = s.trim().trim_end_matches('%');
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s
        .parse()
        .map_err(|_| Invalid::new(field, "number_format"))?;
    percent(field, v.round() as i64).map(Some)
}

/// The city's reference data an import or a form is checked against, loaded once.
pub struct Reference {
    regions: HashMap<String, ()>,
    parks: HashMap<String, i64>,
    /// Division code → section letter.
    divisions: HashMap<String, String>,
}

impl App {
    pub async fn enterprise_reference(&self) -> AppResult<Reference> {
        let regions = self
            .store
            .regions()
            .all_codes()
            .await?
            .into_iter()
            .map(|c| (c, ()))
            .collect();
        let parks = self
            .store
            .parks()
            .all()
            .await?
            .into_iter()
            .map(|p| (p.code, p.id))
            .collect();
        let divisions = self
            .store
            .industries()
            .all()
            .await?
            .into_iter()
            .filter(|i| i.kind == "division")
            .map(|i| (i.code, i.section))
            .collect();
        Ok(Reference {
            regions,
            parks,
            divisions,
        })
    }
}

/// The value, or `None` with the problem noted.
fn keep<T>(errors: &mut Vec<Invalid>, r: Result<T, Invalid>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Checks one enterprise, collecting every problem (an import reports them all).
pub fn check(input: &EnterpriseInput, r: &Reference) -> Result<EnterpriseData, Vec<Invalid>> {
    let mut errors = Vec::new();
    for (field, _, required, max) in COLUMNS {
        let v = input.get(field).trim();
        if required && v.is_empty() {
            errors.push(Invalid::new(field, "required"));
        } else if v.chars().count() > max {
            errors.push(Invalid::new(field, "too_long"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let uscc = keep(&mut errors, Uscc::parse(&input.uscc));
    let region = keep(
        &mut errors,
        RegionCode::parse(&input.region_code)
            .map_err(|e| Invalid::new("region_code", e.code))
            .and_then(|c| {
                if r.regions.contains_key(c.as_str()) {
                    Ok(c)
                } else {
                    Err(Invalid::new("region_code", "region_unknown"))
                }
            }),
    );
    let park_code = input.park_code.trim();
    let park_id = keep(
        &mut errors,
        if park_code.is_empty() {
            Ok(None)
        } else {
            r.parks
                .get(park_code)
                .map(|id| Some(*id))
                .ok_or(Invalid::new("park_code", "park_unknown"))
        },
    );
    let industry = input.industry_code.trim();
    let industry_code = keep(
        &mut errors,
        if industry.is_empty() {
            Ok(None)
        } else if r.divisions.contains_key(industry) {
            Ok(Some(industry.to_owned()))
        } else {
            Err(Invalid::new("industry_code", "industry_unknown"))
        },
    );
    let longitude = keep(
        &mut errors,
        opt_number("longitude", &input.longitude, -180.0, 180.0),
    );
    let latitude = keep(
        &mut errors,
        opt_number("latitude", &input.latitude, -90.0, 90.0),
    );
    let above_scale = keep(&mut errors, parse_bool("above_scale", &input.above_scale));
    let key_enterprise = keep(
        &mut errors,
        parse_bool("key_enterprise", &input.key_enterprise),
    );
    let headcount = keep(&mut errors, {
        let h = input.headcount.trim();
        if h.is_empty() {
            Ok(0)
        } else {
            match h.parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && (0.0..=10_000_000.0).contains(&v) => Ok(v as i64),
                Ok(_) => Err(Invalid::new("headcount", "headcount_range")),
                Err(_) => Err(Invalid::new("headcount", "number_format")),
            }
        }
    });
    let party_org = keep(&mut errors, parse_party_org(&input.party_org));
    match (
        uscc,
        region,
        park_id,
        industry_code,
        longitude,
        latitude,
        above_scale,
        key_enterprise,
        headcount,
        party_org,
    ) {
        (
            Some(uscc),
            Some(region),
            Some(park_id),
            Some(industry_code),
            Some(longitude),
            Some(latitude),
            Some(above_scale),
            Some(key_enterprise),
            Some(headcount),
            Some(party_org),
        ) if errors.is_empty() => Ok(EnterpriseData {
            uscc: uscc.to_string(),
            name: input.name.trim().to_owned(),
            legal_rep: input.legal_rep.trim().to_owned(),
            address: input.address.trim().to_owned(),
            longitude,
            latitude,
            region_code: region.to_string(),
            park_id,
            industry_code,
            above_scale,
            key_enterprise,
            headcount,
            party_org: party_org.as_str().to_owned(),
            party_secretary: input.party_secretary.trim().to_owned(),
        }),
        _ => Err(errors),
    }
}

/// Whether `data` would be visible to the writer — a record nobody in the writer's
/// scope could see again must not be created or moved there by them.
fn within_scope(s: &Scoped<'_>, data: &EnterpriseData, r: &Reference, id: Option<i64>) -> bool {
    let Ok(region) = RegionCode::parse(&data.region_code) else {
        return false;
    };
    let park = data.park_id.and_then(|pid| {
        r.parks
            .iter()
            .find(|(_, id)| **id == pid)
            .map(|(c, _)| c.as_str())
    });
    let industry = data
        .industry_code
        .as_deref()
        .and_then(|d| r.divisions.get(d).map(|sec| (d, sec.as_str())));
    s.scope.covers_enterprise(&region, park, industry, id)
}

/// One problem in an import: the spreadsheet row (as Excel numbers it), the column
/// header, and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub field: &'static str,
    pub code: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<RowProblem>,
    /// The rejected rows as they were, for the downloadable report.
    pub rejected_rows: Vec<(usize, Vec<String>)>,
}

fn header_of(field: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| c.0 == field)
        .map(|c| c.1)
        .unwrap_or("")
}

/// A cell as text: numbers without a trailing ".0", so a code typed as a number
/// survives.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Data rows with their Excel row numbers.
pub type SheetRows = Vec<(usize, Vec<String>)>;

/// Reads the first sheet of an .xlsx: header row and data rows (with their Excel
/// row numbers), skipping empty rows.
pub fn read_sheet(bytes: &[u8]) -> AppResult<(Vec<String>, SheetRows)> {
    use calamine::Reader;
    if !bytes.starts_with(b"PK") {
        return Err(Invalid::new("file", "not_xlsx").into());
    }
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| AppError::Invalid(Invalid::new("file", "not_xlsx")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(AppError::Invalid(Invalid::new("file", "empty_sheet")))?
        .map_err(|_| AppError::Invalid(Invalid::new("file", "not_xlsx")))?;
    let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut rows = range.rows().enumerate();
    let headers: Vec<String> = match rows.next() {
        Some((_, cells)) => cells.iter().map(cell_text).collect(),
        None => return Err(Invalid::new("file", "empty_sheet").into()),
    };
    let data = rows
        .map(|(i, cells)| {
            (
                start_row + i + 1,
                cells.iter().map(cell_text).collect::<Vec<_>>(),
            )
        })
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    Ok((headers, data))
}

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

/// What each column takes, for the template's notes sheet.
const NOTES: [(&str, &str); 17] = [
    (
        "uscc",
        "18 位统一社会信用代码（GB 32100-2015），系统会核对校验位。已存在的代码将更新该企业。",
    ),
    ("name", "营业执照上的企业全称，最多 100 字。"),
    ("legal_rep", "法定代表人姓名。"),
    ("address", "生产经营地址。"),
    ("longitude", "经度，小数，例如 112.4651。可留空。"),
    ("latitude", "纬度，小数，例如 23.0472。可留空。"),
    (
        "region_code",
        "企业所在村（社区）或镇（街道）的区划代码，9 位或 12 位，例如 441202001001。",
    ),
    (
        "park_code",
        "所在园区代码，例如 ZQHT（肇庆高新区）；不在园区的留空。",
    ),
    (
        "industry_code",
        "国民经济行业分类（GB/T 4754-2017）大类两位代码，例如 36（汽车制造业）。",
    ),
    ("above_scale", "是否规模以上企业：是 / 否。"),
    ("key_enterprise", "是否重点企业：是 / 否。"),
    ("headcount", "从业人数，整数。"),
    ("party_org", "党组织类型：无 / 党支部 / 党总支 / 党委。"),
    ("party_secretary", "党组织书记姓名。"),
    (
        "status",
        "复工状态：未复工 / 已申报 / 已批准 / 部分复工 / 全面复工 / 停工。留空不改变。",
    ),
    ("capacity_pct", "产能利用率，0–100 的整数。"),
    ("workforce_pct", "员工到岗率，0–100 的整数。"),
];

/// The import template: headers (required ones marked *), one sample row, notes.
pub fn template() -> AppResult<Vec<u8>> {
    let headers: Vec<String> = COLUMNS
        .iter()
        .map(|(_, h, req, _)| {
            if *req {
                format!("{h}*")
            } else {
                (*h).to_owned()
            }
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let sample_uscc = Uscc::with_check("91441202MA4UABCD1")
        .map(|u| u.to_string())
        .unwrap_or_default();
    let sample: Vec<String> = [
        sample_uscc.as_str(),
        "肇庆市示例制造有限公司",
        "张三",
        "肇庆市端州区示例路 1 号",
        "112.4651",
        "23.0472",
        "441202001001",
        "",
        "36",
        "是",
        "否",
        "120",
        "党支部",
        "李四",
        "部分复工",
        "60",
        "75",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let notes: Vec<Vec<String>> = NOTES
        .iter()
        .map(|(field, note)| {
            let (_, header, req, max) = COLUMNS
                .iter()
                .find(|c| c.0 == *field)
                .copied()
                .unwrap_or(("", "", false, 0));
            vec![
                header.to_owned(),
                if req { "必填" } else { "选填" }.to_owned(),
                max.to_string(),
                (*note).to_owned(),
            ]
        })
        .collect();
    crate::excel::workbook_sheets(&[
        ("企业名录", &headers, &[sample]),
        (
            "填写说明",
            &["列名", "是否必填", "最大长度", "说明"],
            &notes,
        ),
    ])
}

/// The rejected rows as a workbook: the original cells plus a column of reasons.
pub fn rejected_workbook(report: &ImportReport, t: &dyn Fn(&str) -> String) -> AppResult<Vec<u8>> {
    let mut headers: Vec<&str> = vec!["行号"];
    headers.extend(COLUMNS.iter().map(|c| c.1));
    headers.push("错误原因");
    let rows: Vec<Vec<String>> = report
        .rejected_rows
        .iter()
        .map(|(row, cells)| {
            let reasons: Vec<String> = report
                .rejected
                .iter()
                .filter(|p| p.row == *row)
                .map(|p| format!("{}：{}", p.column, t(p.code)))
                .collect();
            let mut out = vec![row.to_string()];
            out.extend(cells.iter().cloned());
            out.resize(COLUMNS.len() + 1, String::new());
            out.push(reasons.join("；"));
            out
        })
        .collect();
    crate::excel::workbook("未导入的行", &headers, &rows)
}
