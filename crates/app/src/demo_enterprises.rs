//! Demo enterprises: the article's 1,121 above-scale industrial enterprises and 879
//! smaller ones, among them the four the article names, with valid USCCs, coordinates
//! near their county seat, and thirty days of resumption reports. All synthetic except
//! the four names.

use crate::AppResult;
use crate::demo::Rng;
use chrono::{Duration, NaiveDate};
use domain::Uscc;
use store::{Param, Store};

pub const ABOVE_SCALE: usize = 1121;
pub const SMALLER: usize = 879;
pub const HISTORY_DAYS: i64 = 30;

/// (name, county, division, park, headcount): the enterprises the article names.
/// 广东宝龙汽车 comes first, so it is enterprise 1 (the `enterprise_demo` account's).
pub const NAMED: [(&str, &str, &str, Option<&str>, i64); 4] = [
    ("广东宝龙汽车有限公司", "441284", "36", Some("ZQHT"), 860),
    (
        "广东天龙油墨股份有限公司",
        "441204",
        "26",
        Some("GYJL"),
        1200,
    ),
    ("广东鼎丰纸业有限公司", "441223", "22", Some("GNCY"), 650),
    ("广东力源科技股份有限公司", "441202", "39", None, 420),
];

/// County seats (longitude, latitude), for plausible coordinates.
const SEATS: [(&str, f64, f64, u32); 8] = [
    ("441202", 112.48, 23.07, 14),
    ("441203", 112.56, 23.16, 12),
    ("441204", 112.46, 23.03, 16),
    ("441223", 112.44, 23.63, 8),
    ("441224", 112.18, 23.91, 8),
    ("441225", 111.51, 23.42, 7),
    ("441226", 111.78, 23.14, 8),
    ("441284", 112.73, 23.33, 27),
];

const STEMS: [&str; 40] = [
    "宏达", "华信", "金龙", "粤兴", "鼎盛", "永泰", "恒昌", "新力", "星辉", "富源", "汇丰", "德成",
    "嘉华", "利民", "兴业", "创达", "联发", "广汇", "骏发", "顺安", "南方", "西江", "端砚", "鼎湖",
    "宝月", "星湖", "北岭", "七星", "羚羊", "砚都", "高登", "汇通", "佳美", "盛世", "明珠", "长青",
    "东信", "荣达", "百川", "信达",
];

/// Industrial divisions with a word for the name: (division, word).
const INDUSTRIAL: [(&str, &str); 16] = [
    ("13", "食品"),
    ("17", "纺织"),
    ("20", "木业"),
    ("21", "家具"),
    ("22", "纸业"),
    ("26", "化工"),
    ("29", "塑胶"),
    ("30", "建材"),
    ("31", "钢铁"),
    ("32", "铝业"),
    ("33", "五金"),
    ("34", "机械"),
    ("36", "汽车配件"),
    ("38", "电器"),
    ("39", "电子"),
    ("44", "能源"),
];

const SMALL: [(&str, &str); 8] = [
    ("51", "贸易"),
    ("52", "商行"),
    ("54", "物流"),
    ("61", "酒店"),
    ("62", "餐饮"),
    ("65", "信息技术"),
    ("48", "建筑工程"),
    ("80", "物业服务"),
];

const SURNAMES: [&str; 12] = [
    "陈", "李", "黄", "梁", "张", "何", "林", "罗", "周", "吴", "冯", "邓",
];
const GIVEN: [&str; 12] = [
    "志强", "伟", "国华", "建军", "丽华", "永明", "海燕", "文杰", "秀英", "明辉", "少芳", "振东",
];

/// Where an enterprise's resumption stood `days_ago` days before today, given the
/// day it applied and how fast it recovers.
fn trajectory(
    days_ago: i64,
    applied: i64,
    speed: i64,
    ceiling: i64,
    stalls: bool,
) -> (&'static str, Option<i64>, Option<i64>) {
    let t = HISTORY_DAYS - days_ago; // day index, 0 = thirty days ago
    if t < applied {
        return ("not_resumed", None, None);
    }
    if t < applied + 2 {
        return ("applied", None, None);
    }
    if t < applied + 3 {
        return ("approved", Some(0), Some(10));
    }
    let since = t - applied - 3;
    let capacity = (20 + since * speed).min(ceiling);
    let workforce = (30 + since * (speed + 2)).min(ceiling.max(60) + 5).min(100);
    if stalls && days_ago < 4 {
        return ("suspended", Some(0), Some(capacity / 4));
    }
    if capacity >= 90 {
        ("full", Some(capacity), Some(workforce))
    } else {
        ("partial", Some(capacity), Some(workforce))
    }
}

/// How many enterprises to make, and the generator's seed.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub above_scale: usize,
    pub smaller: usize,
    pub seed: u64,
}

/// The demo: the article's figures.
pub const DEMO: Size = Size {
    above_scale: ABOVE_SCALE,
    smaller: SMALLER,
    seed: 0x5eed_2020_0210,
};

pub async fn load(store: &Store, size: Size, today: NaiveDate, now: i64) -> AppResult<usize> {
    let towns_villages = store.regions().all_codes().await?;
    // Names for addresses: 肇庆市端州区城东街道东风社区 12 号.
    let names_of: std::collections::HashMap<String, String> = crate::demo::regions()
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let villages: Vec<&String> = towns_villages.iter().filter(|c| c.len() == 12).collect();
    let parks = store.parks().all().await?;
    let park_id = |code: &str| parks.iter().find(|p| p.code == code).map(|p| p.id);
    let mut rng = Rng(size.seed);
    let mut rows: Vec<Vec<Param>> = Vec::new();
    let mut usccs: Vec<(String, i64, i64, i64, bool)> = Vec::new(); // uscc, applied, speed, ceiling, stalls
    let mut names = std::collections::HashSet::new();
    let mut codes: std::collections::HashSet<String> = std::collections::HashSet::new();
    let total = size.above_scale + size.smaller;
    for n in 0..total {
        let above = n < size.above_scale;
        let named = NAMED.get(n);
        // County by weight.
        let county = match named {
            Some(e) => e.1,
            None => {
                let mut pick = rng.below(100) as u32;
                SEATS
                    .iter()
                    .find(|s| {
                        if pick < s.3 {
                            true
                        } else {
                            pick -= s.3;
                            false
                        }
                    })
                    .map(|s| s.0)
                    .unwrap_or("441202")
            }
        };
        let (division, word) = match named {
            Some(e) => (e.2, ""),
            None if above => INDUSTRIAL[rng.below(INDUSTRIAL.len() as u64) as usize],
            None => SMALL[rng.below(SMALL.len() as u64) as usize],
        };
        let name = match named {
            Some(e) => e.0.to_owned(),
            None => loop {
                let stem = STEMS[rng.below(STEMS.len() as u64) as usize];
                let place = if rng.below(3) == 0 {
                    "肇庆市"
                } else {
                    "肇庆"
                };
                let kind = if above && rng.below(4) == 0 {
                    "股份有限公司"
                } else {
                    "有限公司"
                };
                let candidate = format!("{place}{stem}{word}{kind}");
                let candidate = if names.contains(&candidate) {
                    format!("{place}{stem}{word}{}号{kind}", rng.below(90) + 10)
                } else {
                    candidate
                };
                if !names.contains(&candidate) {
                    break candidate;
                }
            },
        };
        names.insert(name.clone());
        let in_county: Vec<&&String> = villages.iter().filter(|v| v.starts_with(county)).collect();
        let region = in_county
            .get(rng.below(in_county.len() as u64) as usize)
            .map(|s| (**s).clone())
            .unwrap_or_else(|| county.to_owned());
        let park = match named {
            Some(e) => e.3.and_then(park_id),
            None if above && rng.below(3) == 0 => parks
                .iter()
                .filter(|p| p.region_code == county)
                .nth(rng.below(2) as usize)
                .map(|p| p.id),
            None => None,
        };
        let uscc = loop {
            let body: String = (0..9)
                .map(|_| Uscc::CHARS[rng.below(31) as usize] as char)
                .collect();
            if let Some(u) = Uscc::with_check(&format!("91{county}{body}"))
                && codes.insert(u.to_string())
            {
                break u.to_string();
            }
        };
        let (lon0, lat0) = SEATS
            .iter()
            .find(|s| s.0 == county)
            .map(|s| (s.1, s.2))
            .unwrap_or((112.47, 23.05));
        let headcount = match named {
            Some(e) => e.4,
            None if above => 50 + (rng.unit().powi(3) * 2500.0) as i64,
            None => 3 + (rng.unit().powi(2) * 120.0) as i64,
        };
        let party_org = match (above, rng.below(20)) {
            (true, 0..=2) => "none",
            (true, 3..=15) => "branch",
            (true, 16..=18) => "general_branch",
            (true, _) => "committee",
            (false, 0..=13) => "none",
            (false, _) => "branch",
        };
        let secretary = if party_org == "none" {
            String::new()
        } else {
            format!(
                "{}{}",
                SURNAMES[rng.below(12) as usize],
                GIVEN[rng.below(12) as usize]
            )
        };
        let applied = if above {
            rng.below(8) as i64
        } else {
            2 + rng.below(20) as i64
        };
        let speed = 3 + rng.below(8) as i64;
        let ceiling = 70 + rng.below(31) as i64;
        let stalls = rng.below(60) == 0;
        let (status, capacity, workforce) = trajectory(0, applied, speed, ceiling, stalls);
        rows.push(vec![
            Param::Text(uscc.clone()),
            Param::Text(name),
            Param::Text(format!(
                "{}{}",
                SURNAMES[rng.below(12) as usize],
                GIVEN[rng.below(12) as usize]
            )),
            Param::Text(address(&names_of, &region, n)),
            Param::OptReal(Some(
                ((lon0 + (rng.unit() - 0.5) * 0.2) * 1e4).round() / 1e4,
            )),
            Param::OptReal(Some(
                ((lat0 + (rng.unit() - 0.5) * 0.2) * 1e4).round() / 1e4,
            )),
            Param::Text(region),
            Param::OptInt(park),
            Param::OptText(Some(division.to_owned())),
            Param::Bool(above),
            Param::Bool(named.is_some() || (above && rng.below(8) == 0)),
            Param::Int(headcount),
            Param::Text(party_org.to_owned()),
            Param::Text(secretary),
            Param::Text(status.to_owned()),
            Param::OptInt(capacity),
            Param::OptInt(workforce),
            Param::OptDay(Some(today)),
            Param::Int(now),
            Param::Int(now),
        ]);
        usccs.push((uscc, applied, speed, ceiling, stalls));
    }
    store
        .seed(
            "enterprises",
            &[
                "uscc",
                "name",
                "legal_rep",
                "address",
                "longitude",
                "latitude",
                "region_code",
                "park_id",
                "industry_code",
                "above_scale",
                "key_enterprise",
                "headcount",
                "party_org",
                "party_secretary",
                "status",
                "capacity_pct",
                "workforce_pct",
                "status_day",
                "created_at",
                "updated_at",
            ],
            rows,
            now,
        )
        .await?;
    let ids: std::collections::HashMap<String, i64> = store
        .seeded_ids("enterprises", "uscc")
        .await?
        .into_iter()
        .collect();
    let mut history = Vec::new();
    for (uscc, applied, speed, ceiling, stalls) in &usccs {
        let Some(id) = ids.get(uscc) else { continue };
        let mut last: Option<(&str, Option<i64>, Option<i64>)> = None;
        for days_ago in (0..HISTORY_DAYS).rev() {
            let entry = trajectory(days_ago, *applied, *speed, *ceiling, *stalls);
            // A report is filed on days something was known; before applying, none.
            if entry.0 == "not_resumed" && last.is_none() {
                continue;
            }
            last = Some(entry);
            let day = today - Duration::days(days_ago);
            history.push(vec![
                Param::Int(*id),
                Param::OptDay(Some(day)),
                Param::Text(entry.0.to_owned()),
                Param::OptInt(entry.1),
                Param::OptInt(entry.2),
                Param::Int(now - days_ago * 86_400_000),
                Param::Text("demo".to_owned()),
            ]);
        }
    }
    store
        .seed(
            "enterprise_status_history",
            &[
                "enterprise_id",
                "day",
                "status",
                "capacity_pct",
                "workforce_pct",
                "recorded_at",
                "recorded_by",
            ],
            history,
            now,
        )
        .await?;
    Ok(usccs.len())
}

/// The city's organisations: the "two new" party working committee, departments,
/// industry party committees, park party organisations, and a branch for every
/// enterprise that has a party organisation.
pub async fn load_organisations(store: &Store, now: i64) -> AppResult<usize> {
    let parks = store.parks().all().await?;
    let mut rows: Vec<Vec<Param>> = Vec::new();
    let org = |kind: &str,
               name: String,
               region: &str,
               park: Option<i64>,
               industry: Option<&str>,
               ent: Option<i64>| {
        vec![
            Param::Text(kind.to_owned()),
            Param::Text(name),
            Param::Text(region.to_owned()),
            Param::OptInt(park),
            Param::OptText(industry.map(str::to_owned)),
            Param::OptInt(ent),
        ]
    };
    rows.push(org(
        "two_new_committee",
        "中共肇庆市委两新组织工作委员会".into(),
        "441200",
        None,
        None,
        None,
    ));
    for d in [
        "市人力资源和社会保障局",
        "市工业和信息化局",
        "市商务局",
        "市卫生健康局",
        "市金融工作局",
        "市交通运输局",
        "市市场监督管理局",
        "市发展和改革局",
    ] {
        rows.push(org("department", d.to_owned(), "441200", None, None, None));
    }
    for (name, industry) in [
        ("市工业和信息化系统党委", "C"),
        ("市商贸流通行业党委", "F"),
        ("市交通运输行业党委", "G"),
        ("市建筑行业党委", "E"),
    ] {
        rows.push(org(
            "industry_committee",
            name.to_owned(),
            "441200",
            None,
            Some(industry),
            None,
        ));
    }
    for p in &parks {
        let name = if p.kind == "zone" {
            format!("{}党工委", p.name)
        } else {
            format!("{}党委", p.name)
        };
        rows.push(org(
            "park_org",
            name,
            &p.region_code,
            Some(p.id),
            None,
            None,
        ));
    }
    let all = store
        .system()
        .enterprises(&store::enterprises::EnterpriseFilter {
            limit: i64::MAX / 2,
            ..Default::default()
        })
        .await?
        .0;
    for e in all.iter().filter(|e| e.party_org != "none") {
        let suffix = match e.party_org.as_str() {
            "committee" => "委员会",
            "general_branch" => "总支部委员会",
            _ => "支部委员会",
        };
        rows.push(org(
            "enterprise_branch",
            format!("中共{}{suffix}", e.name),
            &e.region_code,
            e.park_id,
            None,
            Some(e.id),
        ));
    }
    Ok(store
        .seed(
            "organisations",
            &[
                "kind",
                "name",
                "region_code",
                "park_id",
                "industry_code",
                "enterprise_id",
            ],
            rows,
            now,
        )
        .await?)
}

fn address(names: &std::collections::HashMap<String, String>, region: &str, n: usize) -> String {
    let part = |len: usize| {
        region
            .get(..len)
            .and_then(|c| names.get(c))
            .map(String::as_str)
            .unwrap_or("")
    };
    let road = ["工业大道", "民营路", "兴业路", "创业街", "西江路", "港口路"][n % 6];
    format!(
        "肇庆市{}{}{}{road}{}号",
        part(6),
        part(9),
        part(12),
        1 + n % 300
    )
}
