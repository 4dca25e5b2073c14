//! Synthetic employee files and declarations for the demo and the scale generator.
//! Every number is a valid resident ID (made with its check character), unique in the
//! city, and stored encrypted like any other.

use crate::demo::Rng;
use crate::{App, AppResult};
use domain::ResidentId;
use store::Param;

const SURNAMES: [&str; 24] = [
    "李", "王", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "梁", "谢", "宋", "邓", "冯",
];
const GIVEN: [&str; 30] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "平", "建国", "志强", "晓燕", "海燕", "国华", "文", "俊", "婷", "斌", "霞",
];
/// Where out-of-town workers come from (province, city, the first six ID digits).
const ORIGINS: [(&str, &str, &str); 10] = [
    ("广东省", "肇庆市", "441202"),
    ("广东省", "肇庆市", "441284"),
    ("广东省", "茂名市", "440902"),
    ("湖南省", "衡阳市", "430405"),
    ("湖南省", "永州市", "431102"),
    ("广西壮族自治区", "梧州市", "450403"),
    ("广西壮族自治区", "贺州市", "451102"),
    ("四川省", "南充市", "511302"),
    ("贵州省", "遵义市", "520302"),
    ("江西省", "赣州市", "360702"),
];
const DEPARTMENTS: [(&str, &str); 6] = [
    ("生产部", "操作工"),
    ("生产部", "班组长"),
    ("质检部", "质检员"),
    ("仓储物流部", "叉车司机"),
    ("行政部", "文员"),
    ("设备部", "维修工"),
];
const COLUMNS: [&str; 25] = [
    "enterprise_id",
    "name",
    "id_cipher",
    "id_hash",
    "id_masked",
    "phone",
    "gender",
    "native_place",
    "origin_province",
    "origin_city",
    "residence_kind",
    "residence_region",
    "residence_address",
    "department",
    "post",
    "return_status",
    "returned_on",
    "travel_history",
    "fever_or_cough",
    "isolation_place",
    "family_health",
    "board_lodging",
    "remarks",
    "created_at",
    "updated_at",
];

/// Loads about `total` employees spread over the enterprises (the demo's named firms
/// first, more to bigger ones), and declarations for the last `days` days, today's
/// with `today_share` in 100 declared (the demo leaves some to chase; the scale
/// generator leaves today empty for the benchmark's morning).
pub async fn load(app: &App, total: usize, days: i64, today_share: i64) -> AppResult<usize> {
    let now = app.clock.now().timestamp_millis();
    let today = app.today();
    let everything = store::enterprises::EnterpriseFilter {
        limit: i64::MAX / 2,
        sort: store::enterprises::Sort::Name,
        ..Default::default()
    };
    let (mut enterprises, _) = app.store.system().enterprises(&everything).await?;
    // The firms named in the article first, with half their headcount on file (the
    // demo's enterprise account is the first of them), then the rest by size.
    let named = |name: &str| crate::demo_enterprises::NAMED.iter().any(|n| n.0 == name);
    enterprises.sort_by_key(|e| (!named(&e.name), -e.headcount, e.id));
    let villages: Vec<String> = app
        .store
        .regions()
        .all_codes()
        .await?
        .into_iter()
        .filter(|c| c.len() == 12)
        .collect();
    if enterprises.is_empty() || villages.is_empty() {
        return Ok(0);
    }
    let mut rng = Rng(0x5eed_e3b1_0eef);
    // Each enterprise's share: its headcount, capped so a demo spreads over many.
    let weight: Vec<usize> = enterprises
        .iter()
        .map(|e| (e.headcount.clamp(5, 400)) as usize)
        .collect();
    let sum: usize = weight.iter().sum();
    let mut rows: Vec<Vec<Param>> = Vec::with_capacity(20_000);
    let mut n = 0usize;
    'outer: for (e, w) in enterprises.iter().zip(&weight) {
        let count = if named(&e.name) {
            (e.headcount as usize / 2).min(total / 8)
        } else {
            (total * w).div_ceil(sum).max(1)
        };
        // Villages of the enterprise's county, for where its people live.
        let county = &e.region_code[..6.min(e.region_code.len())];
        let near: Vec<&String> = villages.iter().filter(|v| v.starts_with(county)).collect();
        for _ in 0..count {
            if n >= total {
                break 'outer;
            }
            let (province, city, prefix) = ORIGINS[rng.below(ORIGINS.len() as u64) as usize];
            // Unique in the city: the running number picks birth date and sequence.
            let birth = chrono::NaiveDate::from_ymd_opt(1965, 1, 1).unwrap_or_default()
                + chrono::Duration::days((n / 900) as i64 % 12_000);
            let first17 = format!("{prefix}{}{:03}", birth.format("%Y%m%d"), n % 900 + 100);
            let Some(id_number) = ResidentId::with_check(&first17) else {
                continue;
            };
            let id = ResidentId::parse(&id_number, today)?;
            let name = format!(
                "{}{}",
                SURNAMES[rng.below(SURNAMES.len() as u64) as usize],
                GIVEN[rng.below(GIVEN.len() as u64) as usize]
            );
            let (department, post) = DEPARTMENTS[rng.below(DEPARTMENTS.len() as u64) as usize];
            let dorm = rng.below(3) == 0;
            let village = near
                .get(rng.below(near.len().max(1) as u64) as usize)
                .map(|v| (*v).clone())
                .unwrap_or_else(|| villages[0].clone());
            let status = match rng.below(20) {
                0 => "not_returned",
                1 => "travelling",
                2 | 3 => "observing",
                4 => "left",
                _ => "at_work",
            };
            let local = prefix.starts_with("4412");
            let returned = (status == "at_work" || status == "observing")
                .then(|| today - chrono::Duration::days(3 + rng.below(20) as i64));
            rows.push(vec![
                Param::Int(e.id),
                Param::Text(name),
                Param::Bytes(app.ids.encrypt(id.reveal())?),
                Param::Bytes(app.ids.hash(id.reveal())),
                Param::Text(id.masked()),
                Param::Text(format!(
                    "1{}{:09}",
                    3 + rng.below(7),
                    rng.below(1_000_000_000)
                )),
                Param::Text(id.gender().as_str().to_owned()),
                Param::Text(format!("{province}{city}")),
                Param::Text(province.to_owned()),
                Param::Text(city.to_owned()),
                Param::Text(if dorm { "dormitory" } else { "community" }.to_owned()),
                Param::OptText(Some(village)),
                Param::Text(if dorm {
                    format!("{}员工宿舍", e.name)
                } else {
                    String::new()
                }),
                Param::Text(department.to_owned()),
                Param::Text(post.to_owned()),
                Param::Text(status.to_owned()),
                Param::OptDay(returned),
                Param::Text(if local {
                    "未离开本市".to_owned()
                } else {
                    format!("春节在{city}家中，乘专车返回")
                }),
                Param::Bool(false),
                Param::Text(String::new()),
                Param::Text("家人健康".to_owned()),
                Param::Text(
                    if dorm {
                        "住厂区宿舍，食堂分餐"
                    } else {
                        "居家，自行就餐"
                    }
                    .to_owned(),
                ),
                Param::Text(String::new()),
                Param::Int(now),
                Param::Int(now),
            ]);
            n += 1;
            if rows.len() >= 20_000 {
                app.store
                    .seed("employees", &COLUMNS, std::mem::take(&mut rows), now)
                    .await?;
            }
        }
    }
    if !rows.is_empty() {
        app.store.seed("employees", &COLUMNS, rows, now).await?;
    }
    let declarations = app.store.declarations();
    for back in (0..=days).rev() {
        let day = today - chrono::Duration::days(back);
        // Declarations come in between 07:00 and 09:00 city time (23:00–01:00 UTC).
        let morning = day
            .and_hms_opt(7, 0, 0)
            .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
            .unwrap_or(now);
        let share = if back == 0 { today_share } else { 95 };
        if share == 0 {
            continue;
        }
        declarations
            .seed_day(day, back * 7919, share, morning.min(now), back > 0)
            .await?;
    }
    Ok(n)
}
