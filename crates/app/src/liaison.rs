//! Liaison use cases: cadres (forms, Excel), campaigns, assignments with their rules,
//! handover, coverage, visits, and suggested assignments for the uncovered.

use crate::enterprises::{SheetRows, keep, read_sheet};
use crate::suggest::{self, Cadre, Point, Proposal};
use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use domain::{Action, CadreKind, Invalid, LiaisonLevel, Principal, RegionCode};
use std::collections::HashMap;
use store::StoreError;
use store::enterprises::EnterpriseFilter;
use store::liaison::{
    CadreData, CadreFilter, CadreRow, CampaignData, CoverageBy, CoverageRow, NewAssignment,
};
use store::scope::Scoped;

/// Raw cadre fields from a form, an Excel row or JSON.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct CadreInput {
    pub name: String,
    pub post: String,
    pub organisation: String,
    pub level: String,
    pub kind: String,
    pub region_code: String,
    pub phone: String,
    pub max_enterprises: String,
    pub longitude: String,
    pub latitude: String,
}

/// The cadre spreadsheet: (field, header, required).
pub const CADRE_COLUMNS: [(&str, &str, bool); 10] = [
    ("name", "姓名", true),
    ("post", "职务", false),
    ("organisation", "单位", false),
    ("level", "层级", true),
    ("kind", "类别", true),
    ("region_code", "联系区划代码", true),
    ("phone", "手机号码", false),
    ("max_enterprises", "联系企业上限", false),
    ("longitude", "经度", false),
    ("latitude", "纬度", false),
];

pub const LEVEL_ZH: [(LiaisonLevel, &str); 4] = [
    (LiaisonLevel::City, "市级"),
    (LiaisonLevel::County, "县级"),
    (LiaisonLevel::Town, "镇级"),
    (LiaisonLevel::Village, "村级"),
];

pub const KIND_ZH: [(CadreKind, &str); 5] = [
    (CadreKind::LeadingCadre, "领导干部"),
    (CadreKind::SpecialCommissioner, "党建特派员"),
    (CadreKind::BureauChief, "局长"),
    (CadreKind::PartyMember, "党员"),
    (CadreKind::ChiefServiceOfficer, "首席服务官"),
];

pub fn parse_level(s: &str) -> Result<LiaisonLevel, Invalid> {
    let s = s.trim();
    LEVEL_ZH
        .iter()
        .find(|(_, z)| *z == s)
        .map(|(l, _)| *l)
        .map_or_else(|| LiaisonLevel::parse(s), Ok)
}

fn parse_kind(s: &str) -> Result<CadreKind, Invalid> {
    let s = s.trim();
    KIND_ZH
        .iter()
        .find(|(_, z)| *z == s)
        .map(|(k, _)| *k)
        .map_or_else(|| CadreKind::parse(s), Ok)
}

impl CadreInput {
    fn get(&self, f: &str) -> &str {
        match f {
            "name" => &self.name,
            "post" => &self.post,
            "organisation" => &self.organisation,
            "level" => &self.level,
            "kind" => &self.kind,
            "region_code" => &self.region_code,
            "phone" => &self.phone,
            "max_enterprises" => &self.max_enterprises,
            "longitude" => &self.longitude,
            "latitude" => &self.latitude,
            _ => "",
        }
    }

    fn set(&mut self, f: &str, v: String) {
        let slot = match f {
            "name" => &mut self.name,
            "post" => &mut self.post,
            "organisation" => &mut self.organisation,
            "level" => &mut self.level,
            "kind" => &mut self.kind,
            "region_code" => &mut self.region_code,
            "phone" => &mut self.phone,
            "max_enterprises" => &mut self.max_enterprises,
            "longitude" => &mut self.longitude,
            "latitude" => &mut self.latitude,
            _ => return,
        };
        *slot = v;
    }

    pub fn from_row(c: &CadreRow) -> CadreInput {
        CadreInput {
            name: c.name.clone(),
            post: c.post.clone(),
            organisation: c.organisation.clone(),
            level: LEVEL_ZH
                .iter()
                .find(|(l, _)| l.as_str() == c.level)
                .map(|(_, z)| (*z).to_owned())
                .unwrap_or_default(),
            kind: KIND_ZH
                .iter()
                .find(|(k, _)| k.as_str() == c.kind)
                .map(|(_, z)| (*z).to_owned())
                .unwrap_or_default(),
            region_code: c.region_code.clone(),
            phone: c.phone.clone(),
            max_enterprises: c.max_enterprises.to_string(),
            longitude: c.longitude.map(|v| v.to_string()).unwrap_or_default(),
            latitude: c.latitude.map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

fn opt_coord(field: &'static str, s: &str, lim: f64) -> Result<Option<f64>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= lim => Ok(Some(v)),
        Ok(_) => Err(Invalid::new(field, "coordinate_range")),
        Err(_) => Err(Invalid::new(field, "number_format")),
    }
}

/// Checks a cadre, collecting every problem.
pub fn check_cadre(
    input: &CadreInput,
    regions: &std::collections::HashSet<String>,
) -> Result<CadreData, Vec<Invalid>> {
    let mut errors = Vec::new();
    for (f, _, req) in CADRE_COLUMNS {
        if req && input.get(f).trim().is_empty() {
            errors.push(Invalid::new(f, "required"));
        }
    }
    if input.name.chars().count() > 50 {
        errors.push(Invalid::new("name", "too_long"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let level = keep(&mut errors, parse_level(&input.level));
    let kind = keep(&mut errors, parse_kind(&input.kind));
    let region = keep(
        &mut errors,
        RegionCode::parse(&input.region_code)
            .map_err(|e| Invalid::new("region_code", e.code))
            .and_then(|r| {
                if regions.contains(r.as_str()) {
                    Ok(r)
                } else {
                    Err(Invalid::new("region_code", "region_unknown"))
                }
            }),
    );
    if let (Some(level), Some(region)) = (level, &region) {
        keep(&mut errors, level.check_region(region));
    }
    let phone = input.phone.trim();
    let mobile =
        phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    if !phone.is_empty() && !mobile {
        errors.push(Invalid::new("phone", "phone_format"));
    }
    let max = keep(&mut errors, {
        let m = input.max_enterprises.trim();
        if m.is_empty() {
            Ok(10)
        } else {
            match m.parse::<i64>() {
                Ok(v) if (1..=500).contains(&v) => Ok(v),
                _ => Err(Invalid::new("max_enterprises", "max_enterprises_range")),
            }
        }
    });
    let lon = keep(&mut errors, opt_coord("longitude", &input.longitude, 180.0));
    let lat = keep(&mut errors, opt_coord("latitude", &input.latitude, 90.0));
    match (level, kind, region, max, lon, lat) {
        (Some(level), Some(kind), Some(region), Some(max), Some(longitude), Some(latitude))
            if errors.is_empty() =>
        {
            Ok(CadreData {
                name: input.name.trim().to_owned(),
                post: input.post.trim().to_owned(),
                organisation: input.organisation.trim().to_owned(),
                level: level.as_str().to_owned(),
                kind: kind.as_str().to_owned(),
                region_code: region.to_string(),
                phone: phone.to_owned(),
                max_enterprises: max,
                longitude,
                latitude,
            })
        }
        _ => Err(errors),
    }
}

/// The rule codes of an assignment, as a problem with the assignment.
fn rule(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(code) => AppError::Invalid(Invalid::new("assignment", code)),
        other => other.into(),
    }
}

/// A proposal with the names a person needs to judge it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub cadre_id: i64,
    pub cadre_name: String,
    pub distance_km: f64,
    pub load_before: usize,
    pub max_enterprises: i64,
}

#[derive(Debug, Clone, Default)]
pub struct SuggestionRun {
    pub suggestions: Vec<Suggestion>,
    /// Uncovered enterprises for which no cadre of the level has room.
    pub unplaced: usize,
    pub uncovered: usize,
}

impl App {
    fn liaison_scope<'a>(&'a self, who: &Principal, action: Action) -> AppResult<Scoped<'a>> {
        if !who.can(action) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.scoped(who))
    }

    pub async fn save_cadre(
        &self,
        who: &Principal,
        id: Option<i64>,
        input: &CadreInput,
    ) -> AppResult<i64> {
        let scoped = self.liaison_scope(who, Action::ManageLiaison)?;
        let regions = self
            .store
            .regions()
            .all_codes()
            .await?
            .into_iter()
            .collect();
        let data = check_cadre(input, &regions).map_err(|mut e| AppError::Invalid(e.remove(0)))?;
        let region = RegionCode::parse(&data.region_code)?;
        if !scoped.scope.covers_cadre(&region, id) {
            return Err(Invalid::new("region_code", "out_of_scope").into());
        }
        let ids = scoped
            .save_cadres(&[(id, data)], self.clock.now().timestamp_millis())
            .await?;
        ids.first().copied().ok_or(AppError::NotFound)
    }

    /// Imports cadres from .xlsx: all rows checked, good rows saved (new cadres only —
    /// a cadre has no natural key to update by), bad rows reported.
    pub async fn import_cadres(
        &self,
        who: Option<&Principal>,
        bytes: &[u8],
    ) -> AppResult<crate::enterprises::ImportReport> {
        let scoped = match who {
            Some(p) => self.liaison_scope(p, Action::ManageLiaison)?,
            None => self.store.system(),
        };
        let (headers, rows): (Vec<String>, SheetRows) = read_sheet(bytes)?;
        if rows.is_empty() {
            return Err(Invalid::new("file", "empty_sheet").into());
        }
        let regions = self
            .store
            .regions()
            .all_codes()
            .await?
            .into_iter()
            .collect();
        let index: HashMap<&str, usize> = CADRE_COLUMNS
            .iter()
            .filter_map(|(f, h, _)| {
                headers
                    .iter()
                    .position(|x| x.trim().trim_end_matches('*') == *h)
                    .map(|i| (*f, i))
            })
            .collect();
        let mut report = crate::enterprises::ImportReport::default();
        for (f, h, _) in CADRE_COLUMNS
            .iter()
            .filter(|(f, _, req)| *req && !index.contains_key(f))
        {
            report.rejected.push(crate::enterprises::RowProblem {
                row: 1,
                column: (*h).to_owned(),
                field: f,
                code: "missing_column",
            });
        }
        if !report.rejected.is_empty() {
            return Ok(report);
        }
        let mut good = Vec::new();
        for (row, cells) in &rows {
            let mut input = CadreInput::default();
            for (f, i) in &index {
                input.set(f, cells.get(*i).cloned().unwrap_or_default());
            }
            let checked = check_cadre(&input, &regions).and_then(|d| {
                let in_scope = RegionCode::parse(&d.region_code)
                    .map(|r| scoped.scope.covers_cadre(&r, None))
                    .unwrap_or(false);
                if in_scope {
                    Ok(d)
                } else {
                    Err(vec![Invalid::new("region_code", "out_of_scope")])
                }
            });
            match checked {
                Ok(d) => good.push((None, d)),
                Err(problems) => {
                    for p in problems {
                        let column = CADRE_COLUMNS
                            .iter()
                            .find(|c| c.0 == p.field)
                            .map(|c| c.1)
                            .unwrap_or("");
                        report.rejected.push(crate::enterprises::RowProblem {
                            row: *row,
                            column: column.to_owned(),
                            field: p.field,
                            code: p.code,
                        });
                    }
                    report.rejected_rows.push((*row, cells.clone()));
                }
            }
        }
        report.inserted = scoped
            .save_cadres(&good, self.clock.now().timestamp_millis())
            .await?
            .len();
        Ok(report)
    }

    pub async fn export_cadres(&self, who: &Principal, f: &CadreFilter) -> AppResult<Vec<u8>> {
        let (rows, _) = self
            .store
            .scoped(who)
            .cadres(&CadreFilter {
                limit: 1_000_000,
                offset: 0,
                ..f.clone()
            })
            .await?;
        let mut headers: Vec<&str> = CADRE_COLUMNS.iter().map(|c| c.1).collect();
        headers.push("当前联系企业数");
        let data: Vec<Vec<String>> = rows
            .iter()
            .map(|c| {
                let input = CadreInput::from_row(c);
                let mut v: Vec<String> = CADRE_COLUMNS
                    .iter()
                    .map(|(f, _, _)| input.get(f).to_owned())
                    .collect();
                v.push(c.load.to_string());
                v
            })
            .collect();
        crate::excel::workbook("挂点干部", &headers, &data)
    }

    pub async fn create_campaign(&self, who: &Principal, d: &CampaignData) -> AppResult<i64> {
        let scoped = self.liaison_scope(who, Action::ManageLiaison)?;
        if d.name.trim().is_empty() {
            return Err(Invalid::new("name", "required").into());
        }
        if d.target_count < 1 {
            return Err(Invalid::new("target_count", "target_range").into());
        }
        let region = RegionCode::parse(&d.region_code)?;
        if !scoped.scope.covers_region(&region) {
            return Err(Invalid::new("region_code", "out_of_scope").into());
        }
        Ok(scoped
            .create_campaign(d, self.clock.now().timestamp_millis())
            .await?)
    }

    /// Assigns a cadre to an enterprise at the cadre's level, checking every rule.
    pub async fn assign(
        &self,
        who: &Principal,
        cadre_id: i64,
        enterprise_id: i64,
        campaign_id: Option<i64>,
    ) -> AppResult<i64> {
        let scoped = self.liaison_scope(who, Action::ManageLiaison)?;
        let new = NewAssignment {
            cadre_id,
            enterprise_id,
            campaign_id,
            starts_on: self.today(),
        };
        let ids = scoped
            .assign(&[new], self.clock.now().timestamp_millis())
            .await
            .map_err(rule)?;
        ids.first().copied().ok_or(AppError::NotFound)
    }

    /// Hands an assignment over to another cadre (`to`), or ends it (`None`).
    pub async fn end_assignment(
        &self,
        who: &Principal,
        id: i64,
        to: Option<i64>,
    ) -> AppResult<Option<i64>> {
        let scoped = self.liaison_scope(who, Action::ManageLiaison)?;
        scoped
            .end_assignment(id, to, self.today(), self.clock.now().timestamp_millis())
            .await
            .map_err(rule)
    }

    pub async fn coverage(
        &self,
        who: &Principal,
        f: &EnterpriseFilter,
        by: CoverageBy,
    ) -> AppResult<Vec<CoverageRow>> {
        Ok(self.store.scoped(who).coverage(f, by).await?)
    }

    /// A liaison logs a visit to one of their enterprises.
    pub async fn log_visit(
        &self,
        who: &Principal,
        enterprise_id: i64,
        day: NaiveDate,
        findings: &str,
        follow_up: &str,
    ) -> AppResult<i64> {
        let scoped = self.liaison_scope(who, Action::LogVisit)?;
        let cadre_id = *scoped
            .scope
            .cadres
            .first()
            .ok_or(AppError::Refused("visit_needs_cadre"))?;
        let findings = findings.trim();
        if findings.is_empty() {
            return Err(Invalid::new("findings", "required").into());
        }
        if findings.chars().count() > 2000 || follow_up.chars().count() > 2000 {
            return Err(Invalid::new("findings", "too_long").into());
        }
        if day > self.today() {
            return Err(Invalid::new("visited_on", "date_in_future").into());
        }
        scoped
            .log_visit(
                cadre_id,
                enterprise_id,
                day,
                findings,
                follow_up.trim(),
                self.clock.now().timestamp_millis(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(code) => AppError::Invalid(Invalid::new("enterprise", code)),
                other => other.into(),
            })
    }

    /// Proposes cadres of `level` for the uncovered enterprises (under `f`), solved as
    /// a min-cost flow per covering region. Nothing is written.
    pub async fn suggest(
        &self,
        who: &Principal,
        level: LiaisonLevel,
        f: &EnterpriseFilter,
    ) -> AppResult<SuggestionRun> {
        let scoped = self.liaison_scope(who, Action::ManageLiaison)?;
        let (uncovered, _) = scoped
            .uncovered(
                level.as_str(),
                &EnterpriseFilter {
                    limit: i64::MAX / 2,
                    offset: 0,
                    ..f.clone()
                },
            )
            .await?;
        let (cadres, _) = scoped
            .cadres(&CadreFilter {
                level: Some(level.as_str().to_owned()),
                limit: i64::MAX / 2,
                ..CadreFilter::default()
            })
            .await?;
        Ok(plan(level, &uncovered, &cadres))
    }

    /// Accepts some proposals; each is checked again as an assignment. Returns how many
    /// went in and the refused ones with their codes.
    pub async fn accept_suggestions(
        &self,
        who: &Principal,
        pairs: &[(i64, i64)],
    ) -> AppResult<(usize, Vec<(i64, &'static str)>)> {
        let mut ok = 0;
        let mut refused = Vec::new();
        for (enterprise, cadre) in pairs {
            match self.assign(who, *cadre, *enterprise, None).await {
                Ok(_) => ok += 1,
                Err(AppError::Invalid(i)) => refused.push((*enterprise, i.code)),
                Err(e) => return Err(e),
            }
        }
        Ok((ok, refused))
    }
}

/// Splits the problem by covering region and solves each piece. Enterprises or cadres
/// without coordinates are placed at their region's first located neighbour, or
/// skipped when none has any.
pub fn plan(
    level: LiaisonLevel,
    uncovered: &[store::enterprises::EnterpriseRow],
    cadres: &[CadreRow],
) -> SuggestionRun {
    let city = RegionCode::parse("441200").ok();
    let mut groups: HashMap<String, (Vec<Point>, Vec<Cadre>)> = HashMap::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    for e in uncovered {
        let (Ok(region), Some(lat), Some(lon)) =
            (RegionCode::parse(&e.region_code), e.latitude, e.longitude)
        else {
            continue;
        };
        // City-level cadres cover the whole city: their group is the city's code.
        let key = match level {
            LiaisonLevel::City => city.as_ref().map(|c| c.to_string()),
            _ => city.as_ref().and_then(|c| level.covering(&region, c)),
        };
        let Some(key) = key else { continue };
        names.insert(e.id, e.name.clone());
        groups
            .entry(key)
            .or_default()
            .0
            .push(Point { id: e.id, lat, lon });
    }
    let mut cadre_info: HashMap<i64, (String, i64)> = HashMap::new();
    for c in cadres
        .iter()
        .filter(|c| c.active && c.level == level.as_str())
    {
        let (Some(lat), Some(lon)) = (c.latitude, c.longitude) else {
            continue;
        };
        let key = if level == LiaisonLevel::City {
            city.as_ref().map(|c| c.to_string()).unwrap_or_default()
        } else {
            c.region_code.clone()
        };
        let capacity = (c.max_enterprises - c.load).max(0) as usize;
        cadre_info.insert(c.id, (c.name.clone(), c.max_enterprises));
        if let Some(g) = groups.get_mut(&key) {
            g.1.push(Cadre {
                at: Point { id: c.id, lat, lon },
                capacity,
                load: c.load as usize,
            });
        }
    }
    let mut run = SuggestionRun {
        uncovered: uncovered.len(),
        ..Default::default()
    };
    let mut keys: Vec<&String> = groups.keys().collect();
    keys.sort();
    for key in keys {
        let (es, cs) = &groups[key];
        let proposals: Vec<Proposal> = suggest::assign(es, cs);
        for p in proposals {
            let (cadre_name, max) = cadre_info.get(&p.cadre).cloned().unwrap_or_default();
            run.suggestions.push(Suggestion {
                enterprise_id: p.enterprise,
                enterprise_name: names.get(&p.enterprise).cloned().unwrap_or_default(),
                cadre_id: p.cadre,
                cadre_name,
                distance_km: (p.distance_km * 100.0).round() / 100.0,
                load_before: p.load_before,
                max_enterprises: max,
            });
        }
    }
    run.unplaced = uncovered.len().saturating_sub(run.suggestions.len());
    run
}
