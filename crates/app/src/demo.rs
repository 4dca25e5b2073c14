//! The demo data set: Zhaoqing as the article describes it. The city and its eight
//! county-level divisions carry their real GB/T 2260 codes; towns, villages and parks
//! below them are plausible but **synthetic** (flagged `synthetic` in the database) —
//! their 9- and 12-digit codes follow the statistical pattern, not the official list.

use crate::{App, AppError, AppResult};
use domain::Role;
use store::parks::NewPark;
use store::regions::NewRegion;

pub const CITY: (&str, &str) = ("441200", "肇庆市");

/// Real county-level divisions of Zhaoqing (GB/T 2260), with synthetic towns/streets.
pub const COUNTIES: [(&str, &str, &[&str]); 8] = [
    (
        "441202",
        "端州区",
        &["城东街道", "城西街道", "黄岗街道", "睦岗街道"],
    ),
    (
        "441203",
        "鼎湖区",
        &[
            "坑口街道",
            "桂城街道",
            "广利街道",
            "永安镇",
            "沙浦镇",
            "莲花镇",
        ],
    ),
    (
        "441204",
        "高要区",
        &["南岸街道", "金渡镇", "白土镇", "回龙镇", "蛟塘镇", "金利镇"],
    ),
    (
        "441223",
        "广宁县",
        &["南街街道", "排沙镇", "潭布镇", "江屯镇", "石涧镇"],
    ),
    (
        "441224",
        "怀集县",
        &["怀城街道", "冷坑镇", "马宁镇", "岗坪镇", "凤岗镇"],
    ),
    (
        "441225",
        "封开县",
        &["江口街道", "南丰镇", "长岗镇", "杏花镇", "大洲镇"],
    ),
    (
        "441226",
        "德庆县",
        &["德城街道", "官圩镇", "马圩镇", "回龙镇", "悦城镇"],
    ),
    (
        "441284",
        "四会市",
        &[
            "东城街道",
            "城中街道",
            "贞山街道",
            "大沙镇",
            "石狗镇",
            "龙甫镇",
        ],
    ),
];

/// Stems for synthetic village and community names.
const PLACE_STEMS: [&str; 16] = [
    "东风", "龙湾", "石岗", "南安", "白沙", "塘尾", "高田", "上坪", "河口", "新围", "岭头", "水边",
    "大塘", "旺岗", "莲塘", "西岸",
];

/// Parks and functional zones: (code, name, kind, region). 肇庆高新区 sits in 四会市's
/// 大旺 area and 肇庆新区 in 鼎湖区; the county parks are synthetic.
pub const PARKS: [(&str, &str, &str, &str); 8] = [
    (
        "ZQHT",
        "肇庆高新技术产业开发区（肇庆高新区）",
        "zone",
        "441284",
    ),
    ("ZQXQ", "肇庆新区", "zone", "441203"),
    ("GYJL", "高要金利产业园", "park", "441204"),
    ("GNCY", "广宁产业园", "park", "441223"),
    ("HJCY", "怀集产业转移工业园", "park", "441224"),
    ("FKCY", "封开产业园", "park", "441225"),
    ("DQGY", "德庆工业园", "park", "441226"),
    ("SHCY", "四会产业园", "park", "441284"),
];

/// The password of every demo account. Demo mode prints it and shows it on the login
/// page; a real deployment creates its accounts with `fugong user add`.
pub const DEMO_PASSWORD: &str = "fugong2020";

/// One account per role (usernames that integrators' scripts rely on), with the
/// target of its scope. Ids of modules not built yet (cadre, department, enterprise,
/// bank) point at the first demo row those modules will create.
pub const ACCOUNTS: [(&str, &str, Role, Option<&str>); 10] = [
    ("city_admin", "市指挥部管理员", Role::CityAdmin, None),
    (
        "duanzhou_officer",
        "端州区复工专班",
        Role::CountyOfficer,
        Some("441202"),
    ),
    (
        "sihui_officer",
        "四会市复工专班",
        Role::CountyOfficer,
        Some("441284"),
    ),
    (
        "chengdong_officer",
        "城东街道办",
        Role::TownOfficer,
        Some("441202001"),
    ),
    (
        "village_officer",
        "东风社区居委会",
        Role::VillageOfficer,
        Some("441202001001"),
    ),
    (
        "gaoxin_park",
        "肇庆高新区党工委",
        Role::ParkOfficer,
        Some("ZQHT"),
    ),
    (
        "industry_officer",
        "市工业和信息化局",
        Role::IndustryOfficer,
        Some("C"),
    ),
    (
        "liaison_demo",
        "挂点联系干部（演示）",
        Role::Liaison,
        Some("1"),
    ),
    (
        "enterprise_demo",
        "企业人事专员（演示）",
        Role::Enterprise,
        Some("1"),
    ),
    ("bank_demo", "银行客户经理（演示）", Role::Bank, Some("1")),
];

/// The human-resources bureau's request handler; its department id is looked up when
/// the demo loads.
pub const HR_ACCOUNT: (&str, &str, Role) = ("hr_bureau", "市人社局经办人", Role::DepartmentHandler);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub regions: usize,
    pub parks: usize,
    pub enterprises: usize,
    pub employees: usize,
    pub accounts: usize,
}

/// The whole region tree of the demo city, parents before children.
pub fn regions() -> Vec<NewRegion> {
    let mut out = vec![NewRegion {
        code: CITY.0.to_owned(),
        name: CITY.1.to_owned(),
        parent_code: None,
        level: "city",
        synthetic: false,
    }];
    let mut stem = 0usize;
    for (county_code, county_name, towns) in COUNTIES {
        out.push(NewRegion {
            code: county_code.to_owned(),
            name: county_name.to_owned(),
            parent_code: Some(CITY.0.to_owned()),
            level: "county",
            synthetic: false,
        });
        for (t, town) in towns.iter().enumerate() {
            let town_code = format!("{county_code}{:03}", t + 1);
            out.push(NewRegion {
                code: town_code.clone(),
                name: (*town).to_owned(),
                parent_code: Some(county_code.to_owned()),
                level: "town",
                synthetic: true,
            });
            // Streets (街道) have communities (社区); towns (镇) have villages (村)
            // and one community at the town seat.
            let street = town.ends_with("街道");
            let count = 3 + (t + county_code.len()) % 3;
            for v in 0..count {
                let name = PLACE_STEMS[stem % PLACE_STEMS.len()];
                stem += 1;
                let suffix = if street || v == 0 { "社区" } else { "村" };
                out.push(NewRegion {
                    code: format!(
                        "{town_code}{:03}",
                        if suffix == "社区" { v + 1 } else { v + 200 }
                    ),
                    name: format!("{name}{suffix}"),
                    parent_code: Some(town_code.clone()),
                    level: "village",
                    synthetic: true,
                });
            }
        }
    }
    out
}

pub fn parks() -> Vec<NewPark> {
    PARKS
        .iter()
        .map(|(code, name, kind, region)| NewPark {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            kind,
            region_code: (*region).to_owned(),
        })
        .collect()
}

/// Loads the demo data set. Refuses when the database already holds city data, unless
/// `force`, which first empties every city table (reference data stays).
pub async fn load(app: &App, force: bool) -> AppResult<DemoSummary> {
    load_sized(app, force, crate::demo_enterprises::DEMO, DEMO_WORKFORCE).await
}

/// Employees, past days of declarations, and the share (in 100) declared today: the
/// demo's, and the generated city's (SPEC §5: 1,000,000 employees; 30 days of
/// declarations, today left for the benchmark's morning).
const DEMO_WORKFORCE: (usize, i64, i64) = (4_000, 6, 80);
const CITY_WORKFORCE: (usize, i64, i64) = (1_000_000, 30, 0);

/// Synthetic data for benchmarks: the demo city with `scale` enterprises
/// ("small": the demo's 2,000 and 20,000 employees; "city": 20,000 enterprises,
/// 1,000,000 employees and 30 days of declarations — SPEC §5).
pub async fn generate(app: &App, scale: &str, force: bool) -> AppResult<DemoSummary> {
    let (size, workforce) = match scale {
        "small" => (crate::demo_enterprises::DEMO, (20_000, 30, 0)),
        "city" => (
            crate::demo_enterprises::Size {
                above_scale: 4_000,
                smaller: 16_000,
                seed: 0x0c17_5ca1e,
            },
            CITY_WORKFORCE,
        ),
        _ => return Err(AppError::Refused("scale_unknown")),
    };
    load_sized(app, force, size, workforce).await
}

async fn load_sized(
    app: &App,
    force: bool,
    size: crate::demo_enterprises::Size,
    workforce: (usize, i64, i64),
) -> AppResult<DemoSummary> {
    if app.store.holds_data().await? {
        if !force {
            return Err(AppError::Refused("demo_data_exists"));
        }
        app.store.reset_data().await?;
    }
    let regions = app.store.regions().upsert_all(&regions()).await?;
    let parks = app.store.parks().upsert_all(&parks()).await?;
    let enterprises = crate::demo_enterprises::load(
        &app.store,
        size,
        app.today(),
        app.clock.now().timestamp_millis(),
    )
    .await?;
    crate::demo_enterprises::load_organisations(&app.store, app.clock.now().timestamp_millis())
        .await?;
    let cadres =
        crate::demo_liaison::load(&app.store, app.today(), app.clock.now().timestamp_millis())
            .await?;
    crate::demo_requests::load(app).await?;
    // Ids differ between engines after a reload (PostgreSQL identities keep counting),
    // so the enterprise and liaison accounts point at their rows by name.
    let baolong = app
        .store
        .system()
        .enterprises(&store::enterprises::EnterpriseFilter {
            q: Some(crate::demo_enterprises::NAMED[0].0.into()),
            limit: 1,
            ..Default::default()
        })
        .await?
        .0
        .first()
        .map(|e| e.id.to_string());
    let first_cadre = app
        .store
        .seeded_order("cadres")
        .await?
        .first()
        .map(|id| id.to_string());
    for (username, name, role, target) in ACCOUNTS {
        let target = match role {
            Role::Enterprise => baolong.clone(),
            Role::Liaison => first_cadre.clone(),
            _ => target.map(str::to_owned),
        };
        app.create_user(None, username, name, DEMO_PASSWORD, &[(role, target)])
            .await?;
    }
    // The human-resources bureau's handler, by the department's id in this database.
    let (departments, _) = app
        .store
        .organisations()
        .list(Some("department"), 100, 0)
        .await?;
    if let Some(hr) = departments
        .iter()
        .find(|d| d.name == "市人力资源和社会保障局")
    {
        let target = Some(hr.id.to_string());
        let (username, name, role) = HR_ACCOUNT;
        app.create_user(None, username, name, DEMO_PASSWORD, &[(role, target)])
            .await?;
    }
    crate::demo_requests::load_requests(app).await?;
    let employees = crate::demo_workforce::load(app, workforce.0, workforce.1, workforce.2).await?;
    let accounts = ACCOUNTS.len() + 1;
    tracing::info!(
        regions,
        parks,
        enterprises,
        cadres,
        employees,
        accounts,
        "demo data loaded"
    );
    Ok(DemoSummary {
        regions,
        parks,
        enterprises,
        employees,
        accounts,
    })
}

/// A small deterministic generator (xorshift), so the demo and the generated city are
/// the same on every machine; shared by the demo loaders and the benchmarks.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// 0 ≤ value < n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// 0 ≤ value < 1.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() % 1_000_000) as f64 / 1_000_000.0
    }

    /// A small offset in degrees (±0.05), for coordinates near a place.
    pub fn jitter(&mut self) -> f64 {
        ((self.next_u64() % 2000) as f64 / 1000.0 - 1.0) * 0.05
    }
}
