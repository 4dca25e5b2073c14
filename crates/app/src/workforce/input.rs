//! What an employee file is made of as typed by a person: the raw input, the
//! spreadsheet columns and Chinese labels, and the checks that turn input into data.

use crate::enterprises::{keep, parse_bool};
use chrono::NaiveDate;
use domain::workforce::{Gender, IsolationKind, ResidenceKind};
use domain::{Invalid, RegionCode, ResidentId, ReturnStatus};
use std::collections::{BTreeMap, HashSet};
use store::workforce::{EmployeeData, EmployeeRow};

/// Raw values by field name, as typed in a form, an Excel row or a JSON body.
pub type EmployeeInput = BTreeMap<String, String>;

/// The spreadsheet's columns, in order: (field, Chinese header, required, max length).
/// The template, the export and the import all use this one list.
pub const COLUMNS: [(&str, &str, bool, usize); 24] = [
    ("name", "姓名", true, 50),
    ("id_number", "身份证号", true, 18),
    ("phone", "手机号码", true, 11),
    ("gender", "性别", false, 6),
    ("native_place", "籍贯", false, 50),
    ("origin_province", "来源省份", false, 20),
    ("origin_city", "来源城市", false, 30),
    ("residence_kind", "居住类型", false, 10),
    ("residence_region", "居住村（社区）代码", false, 12),
    ("residence_address", "居住地址", false, 200),
    ("department", "部门", false, 50),
    ("post", "岗位", false, 50),
    ("return_status", "返岗状态", false, 20),
    ("left_on", "离开日期", false, 10),
    ("returned_on", "返回日期", false, 10),
    ("travel_history", "14天行程", false, 500),
    ("fever_or_cough", "有无发热咳嗽", false, 5),
    ("isolation_from", "隔离开始日期", false, 10),
    ("isolation_to", "隔离结束日期", false, 10),
    ("isolation_place", "隔离地点", false, 200),
    ("isolation_kind", "隔离方式", false, 10),
    ("family_health", "家庭成员健康状况", false, 200),
    ("board_lodging", "返岗后食宿安排", false, 200),
    ("remarks", "备注", false, 500),
];

pub const GENDER_ZH: [(Gender, &str); 2] = [(Gender::Male, "男"), (Gender::Female, "女")];
pub const RESIDENCE_ZH: [(ResidenceKind, &str); 2] = [
    (ResidenceKind::Community, "社区"),
    (ResidenceKind::Dormitory, "宿舍"),
];
pub const RETURN_ZH: [(ReturnStatus, &str); 5] = [
    (ReturnStatus::NotReturned, "未返回"),
    (ReturnStatus::Travelling, "在途"),
    (ReturnStatus::Observing, "已返回观察中"),
    (ReturnStatus::AtWork, "已在岗"),
    (ReturnStatus::Left, "已离职"),
];
pub const ISOLATION_ZH: [(IsolationKind, &str); 2] = [
    (IsolationKind::Home, "居家"),
    (IsolationKind::Central, "集中"),
];

/// A code from its Chinese label or the code itself.
fn by_label<T: Copy>(
    labels: &[(T, &str)],
    parse: fn(&str) -> Result<T, Invalid>,
    s: &str,
) -> Result<T, Invalid> {
    let s = s.trim();
    labels
        .iter()
        .find(|(_, z)| *z == s)
        .map(|(v, _)| *v)
        .map_or_else(|| parse(s), Ok)
}

/// The Chinese label of a code (spreadsheets), or the code.
pub(super) fn label_of<T: Copy + PartialEq>(labels: &[(T, &str)], v: T) -> String {
    labels
        .iter()
        .find(|(x, _)| *x == v)
        .map(|(_, z)| (*z).to_owned())
        .unwrap_or_default()
}

/// A date as typed: 2020-02-10, 2020/2/10, 2020.2.10, 20200210, or an Excel serial.
pub fn parse_day(field: &'static str, s: &str) -> Result<Option<NaiveDate>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(serial) = s.parse::<i64>()
        && (20_000..=80_000).contains(&serial)
    {
        let base =
            NaiveDate::from_ymd_opt(1899, 12, 30).ok_or(Invalid::new(field, "date_format"))?;
        return Ok(Some(base + chrono::Duration::days(serial)));
    }
    let normal = s.replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&normal, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .map(Some)
        .map_err(|_| Invalid::new(field, "date_format"))
}

pub(super) fn field<'a>(input: &'a EmployeeInput, name: &str) -> &'a str {
    input.get(name).map(|s| s.trim()).unwrap_or("")
}

/// A checked file before its number is protected.
#[derive(Debug, Clone)]
pub struct CheckedEmployee {
    pub id_number: ResidentId,
    /// Everything else, with empty crypto columns (filled by [`App::protect`]).
    pub data: EmployeeData,
}

/// Checks one file, collecting every problem (an import reports them all).
pub fn check(
    input: &EmployeeInput,
    regions: &HashSet<String>,
    today: NaiveDate,
) -> Result<CheckedEmployee, Vec<Invalid>> {
    let mut errors = Vec::new();
    for (name, _, required, max) in COLUMNS {
        let v = field(input, name);
        if required && v.is_empty() && name != "id_number" {
            errors.push(Invalid::new(name, "required"));
        } else if v.chars().count() > max {
            errors.push(Invalid::new(name, "too_long"));
        }
    }
    let id = keep(
        &mut errors,
        ResidentId::parse(field(input, "id_number"), today),
    );
    let phone = field(input, "phone");
    let mobile =
        phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    if !phone.is_empty() && !mobile {
        errors.push(Invalid::new("phone", "phone_format"));
    }
    let gender = match field(input, "gender") {
        "" => id.as_ref().map(ResidentId::gender),
        g => keep(&mut errors, by_label(&GENDER_ZH, Gender::parse, g)),
    };
    let residence_kind = match field(input, "residence_kind") {
        "" => Some(ResidenceKind::Community),
        k => keep(
            &mut errors,
            by_label(&RESIDENCE_ZH, ResidenceKind::parse, k),
        ),
    };
    let residence_region = match field(input, "residence_region") {
        "" => Some(None),
        code => keep(
            &mut errors,
            RegionCode::parse(code)
                .map_err(|_| Invalid::new("residence_region", "region_code_format"))
                .and_then(|c| {
                    if regions.contains(c.as_str()) {
                        Ok(Some(c.as_str().to_owned()))
                    } else {
                        Err(Invalid::new("residence_region", "region_unknown"))
                    }
                }),
        ),
    };
    let return_status = match field(input, "return_status") {
        "" => Some(ReturnStatus::NotReturned),
        s => keep(&mut errors, by_label(&RETURN_ZH, ReturnStatus::parse, s)),
    };
    let isolation_kind = match field(input, "isolation_kind") {
        "" | "无" => Some(None),
        s => keep(
            &mut errors,
            by_label(&ISOLATION_ZH, IsolationKind::parse, s),
        )
        .map(Some),
    };
    let day = |errors: &mut Vec<Invalid>, name: &'static str| {
        keep(errors, parse_day(name, field(input, name)))
    };
    let left_on = day(&mut errors, "left_on");
    let returned_on = day(&mut errors, "returned_on");
    let isolation_from = day(&mut errors, "isolation_from");
    let isolation_to = day(&mut errors, "isolation_to");
    if let (Some(Some(a)), Some(Some(b))) = (isolation_from, isolation_to)
        && b < a
    {
        errors.push(Invalid::new("isolation_to", "date_order"));
    }
    let fever = keep(
        &mut errors,
        parse_bool("fever_or_cough", field(input, "fever_or_cough")),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let (
        Some(id),
        Some(gender),
        Some(kind),
        Some(residence_region),
        Some(status),
        Some(isolation_kind),
        Some(left_on),
        Some(returned_on),
        Some(isolation_from),
        Some(isolation_to),
        Some(fever),
    ) = (
        id,
        gender,
        residence_kind,
        residence_region,
        return_status,
        isolation_kind,
        left_on,
        returned_on,
        isolation_from,
        isolation_to,
        fever,
    )
    else {
        return Err(vec![Invalid::new("id_number", "required")]);
    };
    let text = |name: &str| field(input, name).to_owned();
    Ok(CheckedEmployee {
        data: EmployeeData {
            name: text("name"),
            id_cipher: Vec::new(),
            id_hash: Vec::new(),
            id_masked: id.masked(),
            phone: text("phone"),
            gender: gender.as_str().to_owned(),
            native_place: text("native_place"),
            origin_province: text("origin_province"),
            origin_city: text("origin_city"),
            residence_kind: kind.as_str().to_owned(),
            residence_region,
            residence_address: text("residence_address"),
            department: text("department"),
            post: text("post"),
            return_status: status.as_str().to_owned(),
            left_on,
            returned_on,
            travel_history: text("travel_history"),
            fever_or_cough: fever,
            isolation_from,
            isolation_to,
            isolation_place: text("isolation_place"),
            isolation_kind: isolation_kind.map(|k| k.as_str().to_owned()),
            family_health: text("family_health"),
            board_lodging: text("board_lodging"),
            remarks: text("remarks"),
        },
        id_number: id,
    })
}

/// A stored file back as input (the edit form, the export); the number masked, as
/// the caller may not see more.
pub fn input_of(r: &EmployeeRow) -> EmployeeInput {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let pairs = [
        ("name", r.name.clone()),
        ("id_number", r.id_masked.clone()),
        ("phone", r.phone.clone()),
        ("gender", r.gender.clone()),
        ("native_place", r.native_place.clone()),
        ("origin_province", r.origin_province.clone()),
        ("origin_city", r.origin_city.clone()),
        ("residence_kind", r.residence_kind.clone()),
        (
            "residence_region",
            r.residence_region.clone().unwrap_or_default(),
        ),
        ("residence_address", r.residence_address.clone()),
        ("department", r.department.clone()),
        ("post", r.post.clone()),
        ("return_status", r.return_status.clone()),
        ("left_on", day(r.left_on)),
        ("returned_on", day(r.returned_on)),
        ("travel_history", r.travel_history.clone()),
        (
            "fever_or_cough",
            if r.fever_or_cough { "yes" } else { "no" }.to_owned(),
        ),
        ("isolation_from", day(r.isolation_from)),
        ("isolation_to", day(r.isolation_to)),
        ("isolation_place", r.isolation_place.clone()),
        (
            "isolation_kind",
            r.isolation_kind.clone().unwrap_or_default(),
        ),
        ("family_health", r.family_health.clone()),
        ("board_lodging", r.board_lodging.clone()),
        ("remarks", r.remarks.clone()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
