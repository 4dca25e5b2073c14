//! Demo requests: the 2020 working-day calendar, routing of each category to its
//! department, and requests in every state, some overdue. Synthetic.

use crate::requests::RequestInput;
use crate::{App, AppResult};
use chrono::NaiveDate;

/// 2020 public holidays (with the extended Spring Festival of the epidemic) and the
/// make-up working days, as the State Council published them.
pub const HOLIDAYS_2020: [(&str, &str); 2] =
    [("2020-01-24", "2020-02-02"), ("2020-04-04", "2020-04-06")];
pub const MORE_HOLIDAYS_2020: [(&str, &str); 3] = [
    ("2020-05-01", "2020-05-05"),
    ("2020-06-25", "2020-06-27"),
    ("2020-10-01", "2020-10-08"),
];
pub const MAKEUP_2020: [&str; 5] = [
    "2020-01-19",
    "2020-04-26",
    "2020-05-09",
    "2020-06-28",
    "2020-09-27",
];

/// Category → department (by name, as the demo organisations are named).
pub const ROUTES: [(&str, &str); 8] = [
    ("workforce", "市人力资源和社会保障局"),
    ("materials", "市工业和信息化局"),
    ("logistics", "市交通运输局"),
    ("financing", "市金融工作局"),
    ("policy", "市发展和改革局"),
    ("epidemic_prevention", "市卫生健康局"),
    ("permits", "市市场监督管理局"),
    ("other", "市工业和信息化局"),
];

const SAMPLES: [(&str, &str, &str, &str); 8] = [
    (
        "workforce",
        "urgent",
        "湖南籍员工 120 人无法返岗",
        "需协调点对点专车接回，员工已完成健康申报。",
    ),
    (
        "materials",
        "urgent",
        "口罩缺口 2 万只",
        "复工后每日需口罩 3000 只，现有库存仅够两天。",
    ),
    (
        "logistics",
        "normal",
        "原材料运输车辆通行证",
        "上游供应商在佛山，货车进入肇庆需要通行证明。",
    ),
    (
        "financing",
        "normal",
        "流动资金贷款 500 万元",
        "订单恢复，需流动资金采购原材料，申请对接银行。",
    ),
    (
        "policy",
        "normal",
        "社保减免政策咨询",
        "想了解阶段性减免企业社保费的适用条件。",
    ),
    (
        "epidemic_prevention",
        "urgent",
        "厂区消毒指导",
        "请卫健部门指导车间和宿舍的消毒规范。",
    ),
    (
        "permits",
        "normal",
        "复工备案材料补正",
        "复工申报被退回，请说明需补充的材料。",
    ),
    (
        "other",
        "normal",
        "员工子女入学问题",
        "外地员工子女在本地入学需要协调。",
    ),
];

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

pub async fn load(app: &App) -> AppResult<usize> {
    let r = app.store.requests();
    for (from, to) in HOLIDAYS_2020.iter().chain(MORE_HOLIDAYS_2020.iter()) {
        let mut d = day(from);
        while d <= day(to) {
            r.set_calendar_day(d, Some("holiday")).await?;
            d += chrono::Duration::days(1);
        }
    }
    for d in MAKEUP_2020 {
        r.set_calendar_day(day(d), Some("workday")).await?;
    }
    r.set_setting("request.normal_days", "3").await?;
    r.set_setting("request.response_minutes", "60").await?;
    let (departments, _) = app
        .store
        .organisations()
        .list(Some("department"), 100, 0)
        .await?;
    for (category, name) in ROUTES {
        if let Some(d) = departments.iter().find(|d| d.name == name) {
            r.set_route(category, store::requests::Route::Department(d.id))
                .await?;
        }
    }
    Ok(departments.len())
}

/// A handful of requests raised by the demo enterprise account, left in several states.
pub async fn load_requests(app: &App) -> AppResult<usize> {
    let Some(user) = app.store.accounts().by_username("enterprise_demo").await? else {
        return Ok(0);
    };
    let who = app.principal(user.id).await?;
    let Some(enterprise_id) = who.scope().enterprises.first().copied() else {
        return Ok(0);
    };
    let mut n = 0;
    for (category, urgency, title, description) in SAMPLES {
        let input = RequestInput {
            enterprise_id,
            category: category.into(),
            urgency: urgency.into(),
            title: title.into(),
            description: description.into(),
            visit_id: None,
        };
        app.raise_request(&who, &input).await?;
        n += 1;
    }
    Ok(n)
}
