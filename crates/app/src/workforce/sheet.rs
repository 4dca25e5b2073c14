//! The employee spreadsheets: rows for the export, the import template, the workbook
//! of rejected rows.

use super::input::{COLUMNS, GENDER_ZH, ISOLATION_ZH, RESIDENCE_ZH, RETURN_ZH, input_of, label_of};
use crate::AppResult;
use crate::enterprises::ImportReport;
use domain::workforce::{Gender, IsolationKind, ResidenceKind};
use domain::{ResidentId, ReturnStatus};
use store::workforce::EmployeeRow;

/// The row as spreadsheet cells in [`COLUMNS`] order, enumerations in Chinese.
pub(super) fn sheet_row(r: &EmployeeRow) -> Vec<String> {
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

pub(super) fn header_of(name: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| c.0 == name)
        .map(|c| c.1)
        .unwrap_or("")
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
