//! Demo liaison data: cadres at the four levels, the article's three campaigns, and
//! assignments that cover most enterprises at each level — with gaps left on purpose,
//! so the coverage page and the suggestions have something to show. Synthetic.

use crate::AppResult;
use crate::demo::Rng;
use chrono::NaiveDate;
use store::enterprises::{EnterpriseFilter, EnterpriseRow};
use store::{Param, Store};

const SURNAMES: [&str; 16] = [
    "陈", "李", "黄", "梁", "张", "何", "林", "罗", "周", "吴", "冯", "邓", "谭", "苏", "莫", "区",
];
const GIVEN: [&str; 16] = [
    "志坚", "建国", "卫东", "晓明", "丽娟", "国强", "秀兰", "海波", "永红", "文华", "少雄", "美玲",
    "振华", "伟明", "红梅", "家豪",
];

/// A cadre to create: name, post, organisation, level, kind, region, max, lon, lat.
struct C {
    name: String,
    post: String,
    org: String,
    level: &'static str,
    kind: &'static str,
    region: String,
    max: i64,
    lon: f64,
    lat: f64,
}

pub async fn load(store: &Store, today: NaiveDate, now: i64) -> AppResult<usize> {
    let mut rng = Rng(0x11a1_5011);
    let all: Vec<EnterpriseRow> = store
        .system()
        .enterprises(&EnterpriseFilter {
            limit: i64::MAX / 2,
            ..Default::default()
        })
        .await?
        .0;
    let regions = crate::demo::regions();
    let seat = |code: &str| -> (f64, f64) {
        let es: Vec<&EnterpriseRow> = all
            .iter()
            .filter(|e| e.region_code.starts_with(code))
            .collect();
        if es.is_empty() {
            return (112.47, 23.05);
        }
        let n = es.len() as f64;
        (
            es.iter().filter_map(|e| e.longitude).sum::<f64>() / n,
            es.iter().filter_map(|e| e.latitude).sum::<f64>() / n,
        )
    };
    let person = |rng: &mut Rng| {
        format!(
            "{}{}",
            SURNAMES[rng.below(16) as usize],
            GIVEN[rng.below(16) as usize]
        )
    };
    let mut cadres: Vec<C> = Vec::new();
    // Cadre 1 is the `liaison_demo` account's: a city leader linking the article's firms.
    let (lon, lat) = seat("4412");
    cadres.push(C {
        name: "林振华".into(),
        post: "副市长".into(),
        org: "肇庆市人民政府".into(),
        level: "city",
        kind: "leading_cadre",
        region: "441200".into(),
        max: 30,
        lon,
        lat,
    });
    for i in 0..((all.len() / 25).max(10)) {
        let (kind, post, org) = if i % 3 == 0 {
            ("leading_cadre", "市领导", "中共肇庆市委")
        } else {
            (
                "bureau_chief",
                "局长",
                [
                    "市工业和信息化局",
                    "市商务局",
                    "市人力资源和社会保障局",
                    "市发展和改革局",
                ][i % 4],
            )
        };
        cadres.push(C {
            name: person(&mut rng),
            post: post.into(),
            org: org.into(),
            level: "city",
            kind,
            region: "441200".into(),
            max: 30,
            lon: lon + rng.jitter(),
            lat: lat + rng.jitter(),
        });
    }
    for r in regions.iter().filter(|r| r.level == "county") {
        let (lon, lat) = seat(&r.code);
        let n_ent = all
            .iter()
            .filter(|e| e.region_code.starts_with(&r.code))
            .count();
        // 端州区's 116 party special commissioners; 高要区's bureau chiefs (百名局长进千企).
        let (count, kind, post) = match r.code.as_str() {
            "441202" => (116, "special_commissioner", "党建特派员"),
            "441204" => (100, "bureau_chief", "局长"),
            _ => (n_ent / 15 + 3, "leading_cadre", "区（县）领导"),
        };
        for _ in 0..count {
            cadres.push(C {
                name: person(&mut rng),
                post: post.into(),
                org: format!("{}委", r.name),
                level: "county",
                kind,
                region: r.code.clone(),
                max: 20,
                lon: lon + rng.jitter(),
                lat: lat + rng.jitter(),
            });
        }
    }
    for r in regions.iter().filter(|r| r.level == "town") {
        let (lon, lat) = seat(&r.code);
        for k in 0..6 {
            let (kind, post) = if k == 0 {
                ("chief_service_officer", "首席服务官")
            } else {
                ("leading_cadre", "镇（街）干部")
            };
            cadres.push(C {
                name: person(&mut rng),
                post: post.into(),
                org: r.name.clone(),
                level: "town",
                kind,
                region: r.code.clone(),
                max: 25,
                lon: lon + rng.jitter() / 3.0,
                lat: lat + rng.jitter() / 3.0,
            });
        }
    }
    for r in regions.iter().filter(|r| r.level == "village") {
        let (lon, lat) = seat(&r.code);
        // 封开县's party members (千名党员联百企) — several per village.
        let count = if r.code.starts_with("441225") { 4 } else { 1 };
        for _ in 0..count {
            cadres.push(C {
                name: person(&mut rng),
                post: "党员".into(),
                org: format!("{}党支部", r.name),
                level: "village",
                kind: "party_member",
                region: r.code.clone(),
                max: 20,
                lon: lon + rng.jitter() / 10.0,
                lat: lat + rng.jitter() / 10.0,
            });
        }
    }
    let rows: Vec<Vec<Param>> = cadres
        .iter()
        .map(|c| {
            vec![
                Param::Text(c.name.clone()),
                Param::Text(c.post.clone()),
                Param::Text(c.org.clone()),
                Param::Text(c.level.to_owned()),
                Param::Text(c.kind.to_owned()),
                Param::Text(c.region.clone()),
                Param::Text(format!("13{:09}", 700_000_000 + rng.below(99_999_999))),
                Param::Int(c.max),
                Param::OptReal(Some((c.lon * 1e4).round() / 1e4)),
                Param::OptReal(Some((c.lat * 1e4).round() / 1e4)),
                Param::Bool(true),
                Param::Int(now),
                Param::Int(now),
            ]
        })
        .collect();
    let cols = [
        "name",
        "post",
        "organisation",
        "level",
        "kind",
        "region_code",
        "phone",
        "max_enterprises",
        "longitude",
        "latitude",
        "active",
        "created_at",
        "updated_at",
    ];
    store.seed("cadres", &cols, rows, now).await?;
    let ids = store.seeded_order("cadres").await?;

    let start = today - chrono::Duration::days(30);
    let campaigns = vec![
        vec![
            Param::Text("端州区116名党建特派员进企业".into()),
            Param::Text("中共端州区委组织部".into()),
            Param::Text("441202".into()),
            Param::OptDay(Some(start)),
            Param::OptDay(None),
            Param::Text("cadres".into()),
            Param::Int(116),
            Param::Bool(false),
            Param::Int(now),
        ],
        vec![
            Param::Text("百名局长进千企".into()),
            Param::Text("高要区人民政府".into()),
            Param::Text("441204".into()),
            Param::OptDay(Some(start)),
            Param::OptDay(None),
            Param::Text("enterprises".into()),
            Param::Int(1000),
            Param::Bool(false),
            Param::Int(now),
        ],
        vec![
            Param::Text("千名党员联百企".into()),
            Param::Text("中共封开县委".into()),
            Param::Text("441225".into()),
            Param::OptDay(Some(start)),
            Param::OptDay(None),
            Param::Text("enterprises".into()),
            Param::Int(100),
            Param::Bool(true),
            Param::Int(now),
        ],
    ];
    store
        .seed(
            "campaigns",
            &[
                "name",
                "organiser",
                "region_code",
                "starts_on",
                "ends_on",
                "target_kind",
                "target_count",
                "allow_multiple",
                "created_at",
            ],
            campaigns,
            now,
        )
        .await?;
    let campaign_ids = store.seeded_order("campaigns").await?;

    // Assign greedily by distance within each covering region, leaving a share of
    // enterprises uncovered at each level.
    let mut load = vec![0i64; cadres.len()];
    let mut assignments: Vec<Vec<Param>> = Vec::new();
    let km = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    for (n, e) in all.iter().enumerate() {
        let at = (e.longitude.unwrap_or(112.47), e.latitude.unwrap_or(23.05));
        for (level, share, prefix_len) in [
            ("city", 85, 0usize),
            ("county", 90, 6),
            ("town", 80, 9),
            ("village", 70, 12),
        ] {
            let named = n < 4;
            if !named && rng.below(100) >= share {
                continue;
            }
            let covering = if prefix_len == 0 {
                "441200".to_owned()
            } else {
                e.region_code.get(..prefix_len).unwrap_or("").to_owned()
            };
            let pick = if named && level == "city" {
                Some(0)
            } else {
                cadres
                    .iter()
                    .enumerate()
                    .filter(|(i, c)| c.level == level && c.region == covering && load[*i] < c.max)
                    .min_by(|a, b| {
                        km(at, (a.1.lon, a.1.lat)).total_cmp(&km(at, (b.1.lon, b.1.lat)))
                    })
                    .map(|(i, _)| i)
            };
            let Some(i) = pick else { continue };
            load[i] += 1;
            let campaign = match (level, e.region_code.get(..6)) {
                ("county", Some("441202")) => Some(campaign_ids[0]),
                ("county", Some("441204")) => Some(campaign_ids[1]),
                ("village", Some("441225")) => Some(campaign_ids[2]),
                _ => None,
            };
            assignments.push(vec![
                Param::Int(ids[i]),
                Param::Int(e.id),
                Param::Text(level.to_owned()),
                Param::OptInt(campaign),
                Param::OptDay(Some(start + chrono::Duration::days(rng.below(20) as i64))),
                Param::Bool(true),
                Param::Int(now),
            ]);
        }
    }
    store
        .seed(
            "assignments",
            &[
                "cadre_id",
                "enterprise_id",
                "level",
                "campaign_id",
                "starts_on",
                "active",
                "created_at",
            ],
            assignments,
            now,
        )
        .await?;
    Ok(ids.len())
}
