//! Spreadsheets: reading a workbook's first sheet, the import report, the template
//! and the workbook of rejected rows.

use super::COLUMNS;
use crate::{AppError, AppResult};
use domain::{Invalid, Uscc};

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

pub(super) fn header_of(field: &str) -> &'static str {
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
    crate::excel::template("企业名录", &COLUMNS, sample, &NOTES)
}

/// The rejected rows as a workbook: the original cells plus a column of reasons.
pub fn rejected_workbook(report: &ImportReport, t: &dyn Fn(&str) -> String) -> AppResult<Vec<u8>> {
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
    crate::excel::rejected_rows(&headers, report, t)
}
