//! One file per employee (一员一档): checking a file from a form, the API or an Excel
//! row; protecting the resident ID number (encrypted, hashed, masked — see
//! [`crate::idkeys`]); permitted, audited views of the full number; lookup by exact
//! number; the import of a whole workforce with progress; template and export; the
//! personal declaration link.

use crate::enterprises::{ImportReport, RowProblem, keep, parse_bool, read_sheet};
use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use domain::workforce::{Gender, IsolationKind, ResidenceKind};
use domain::{Action, Invalid, Principal, RegionCode, ResidentId, ReturnStatus};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap, HashSet};
use store::workforce::{EmployeeData, EmployeeFilter, EmployeeRow, LinkHolder};

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
fn label_of<T: Copy + PartialEq>(labels: &[(T, &str)], v: T) -> String {
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

fn field<'a>(input: &'a EmployeeInput, name: &str) -> &'a str {
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

/// The row as spreadsheet cells in [`COLUMNS`] order, enumerations in Chinese.
fn sheet_row(r: &EmployeeRow) -> Vec<String> {
    let input = input_of(r);
    COLUMNS
        .iter()
        .map(|(name, _, _, _)| {
            let v = input.get(*name).cloned().unwrap_or_default();
            match *name {
                "gender" => Gender::parse(&v)
                    .map(|g| label_of(&GENDER_ZH, g))
                    .unwrap_or(v),
                "residence_kind" => ResidenceKind::parse(&v)
                    .map(|k| label_of(&RESIDENCE_ZH, k))
                    .unwrap_or(v),
                "return_status" => ReturnStatus::parse(&v)
                    .map(|k| label_of(&RETURN_ZH, k))
                    .unwrap_or(v),
                "isolation_kind" => IsolationKind::parse(&v)
                    .map(|k| label_of(&ISOLATION_ZH, k))
                    .unwrap_or(v),
                "fever_or_cough" => if v == "yes" { "是" } else { "否" }.to_owned(),
                _ => v,
            }
        })
        .collect()
}

fn header_of(name: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| c.0 == name)
        .map(|c| c.1)
        .unwrap_or("")
}

/// Rows per transaction in an import: each row whole or absent; progress between.
const IMPORT_CHUNK: usize = 1000;

/// The keyed signature of a personal link: 128 bits of HMAC-SHA256.
fn link_signature(secret: &[u8], employee_id: i64, version: i64) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(format!("declare:{employee_id}:{version}").as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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

    /// The secret that signs personal links: made once, kept in the database so every
    /// instance verifies the same links.
    async fn link_secret(&self) -> AppResult<Vec<u8>> {
        let secret = self
            .link_secret
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                getrandom::fill(&mut fresh).map_err(|_| AppError::Refused("random_unavailable"))?;
                let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
                let v = self
                    .store
                    .links()
                    .secret("declaration.link_secret", hex)
                    .await?;
                Ok::<Vec<u8>, AppError>(v.into_bytes())
            })
            .await?;
        Ok(secret.clone())
    }

    /// The personal link token of a file the caller keeps (write scope: the link is
    /// the employee's credential): `<id>-<version>-<signature>`.
    pub async fn declaration_link(&self, who: &Principal, id: i64) -> AppResult<String> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        let scoped = self.store.scoped(who);
        let row = scoped.employee(id, None).await?;
        scoped.writable_enterprise(row.enterprise_id).await?;
        let secret = self.link_secret().await?;
        Ok(format!(
            "{}-{}-{}",
            row.id,
            row.link_version,
            link_signature(&secret, row.id, row.link_version)
        ))
    }

    /// The links of many files at once (the printable sheet of QR codes), each
    /// checked like [`App::declaration_link`].
    pub async fn declaration_links(
        &self,
        who: &Principal,
        rows: &[EmployeeRow],
    ) -> AppResult<Vec<String>> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        let scoped = self.store.scoped(who);
        let enterprises: HashSet<i64> = rows.iter().map(|r| r.enterprise_id).collect();
        for e in enterprises {
            scoped.writable_enterprise(e).await?;
        }
        let secret = self.link_secret().await?;
        Ok(rows
            .iter()
            .map(|r| {
                format!(
                    "{}-{}-{}",
                    r.id,
                    r.link_version,
                    link_signature(&secret, r.id, r.link_version)
                )
            })
            .collect())
    }

    /// Revokes a file's link; the next link issued has a new version.
    pub async fn revoke_declaration_link(&self, who: &Principal, id: i64) -> AppResult<()> {
        if !who.can(Action::EditEmployees) {
            return Err(AppError::Forbidden);
        }
        self.store
            .scoped(who)
            .revoke_link(id, self.clock.now().timestamp_millis())
            .await?;
        Ok(())
    }

    /// Who a link belongs to, if its signature and version are good. Anything else —
    /// malformed, forged, revoked, unknown — is `NotFound`, saying nothing more.
    pub async fn link_holder(&self, token: &str) -> AppResult<LinkHolder> {
        let mut parts = token.splitn(3, '-');
        let (Some(id), Some(version), Some(sig)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(AppError::NotFound);
        };
        let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i64>()) else {
            return Err(AppError::NotFound);
        };
        let secret = self.link_secret().await?;
        let expected = link_signature(&secret, id, version);
        let same = expected.len() == sig.len()
            && expected
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |a, (x, y)| a | (x ^ y))
                == 0;
        if !same {
            return Err(AppError::NotFound);
        }
        let holder = self.store.links().holder(id).await?;
        if holder.link_version != version {
            return Err(AppError::NotFound);
        }
        Ok(holder)
    }
}

/// The import template: headers (required ones marked *), one sample row, notes.
pub fn template() -> AppResult<Vec<u8>> {
    let sample_id = ResidentId::with_check("44120219900307123").unwrap_or_default();
    let sample: Vec<String> = [
        "张三",
        sample_id.as_str(),
        "13800000000",
        "男",
        "广东省肇庆市",
        "湖南省",
        "衡阳市",
        "社区",
        "441202001001",
        "端州区城东街道示例社区 3 栋",
        "生产部",
        "操作工",
        "已在岗",
        "2020-01-20",
        "2020-02-08",
        "1月20日—2月8日在衡阳家中，2月8日乘大巴返肇",
        "否",
        "2020-02-08",
        "2020-02-22",
        "居所",
        "居家",
        "家人均健康",
        "住厂区宿舍，食堂分餐",
        "",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let notes_text: [(&str, &str); 9] = [
        (
            "id_number",
            "18 位居民身份证号码（GB 11643），系统核对校验位和出生日期；末位 X 大小写均可。同一企业内已有的身份证号将更新该员工档案。",
        ),
        ("phone", "11 位手机号码。"),
        ("gender", "男 / 女；留空按身份证号判断。"),
        ("residence_kind", "社区 / 宿舍；留空为社区。"),
        (
            "residence_region",
            "在本市居住的村（社区）12 位区划代码，例如 441202001001；发热预警会推送给该社区。",
        ),
        (
            "return_status",
            "未返回 / 在途 / 已返回观察中 / 已在岗 / 已离职；留空为未返回。",
        ),
        (
            "left_on",
            "日期写作 2020-02-10（离开日期、返回日期、隔离开始和结束日期同此）。",
        ),
        ("fever_or_cough", "是 / 否。"),
        ("isolation_kind", "居家 / 集中；未隔离留空。"),
    ];
    crate::excel::template("员工档案", &COLUMNS, sample, &notes_text)
}

/// The rejected rows as a workbook: the original cells plus a column of reasons.
pub fn rejected_workbook(report: &ImportReport, t: &dyn Fn(&str) -> String) -> AppResult<Vec<u8>> {
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
    crate::excel::rejected_rows(&headers, report, t)
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
