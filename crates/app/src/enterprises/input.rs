//! What an enterprise is made of as typed by a person: the raw input, the
//! spreadsheet columns and labels, and the checks that turn input into data.

use crate::{App, AppResult};
use domain::enterprise::percent;
use domain::{Invalid, PartyOrg, RegionCode, ResumptionStatus, Uscc};
use std::collections::HashMap;
use store::enterprises::{EnterpriseData, EnterpriseRow};
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

pub(crate) fn parse_bool(field: &'static str, s: &str) -> Result<bool, Invalid> {
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

pub(super) fn opt_percent(field: &'static str, s: &str) -> Result<Option<i64>, Invalid> {
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
pub(crate) fn keep<T>(errors: &mut Vec<Invalid>, r: Result<T, Invalid>) -> Option<T> {
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
pub(super) fn within_scope(
    s: &Scoped<'_>,
    data: &EnterpriseData,
    r: &Reference,
    id: Option<i64>,
) -> bool {
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
