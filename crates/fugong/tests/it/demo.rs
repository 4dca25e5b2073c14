//! The demo data set: loaded once, refused over existing data, replaced with force.

use crate::harness::TestApp;

async fn demo_loads_refuses_and_force_replaces(app: TestApp) {
    let a = &app.app;
    assert!(!a.store.holds_data().await.unwrap());
    let summary = app::demo::load(a, false).await.unwrap();
    assert_eq!(summary.regions, app::demo::regions().len());
    assert_eq!(
        a.store.regions().count().await.unwrap(),
        summary.regions as i64
    );

    // The real codes of the city and its eight county-level divisions.
    let counties = a.store.regions().children(Some("441200")).await.unwrap();
    let codes: Vec<&str> = counties.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "441202", "441203", "441204", "441223", "441224", "441225", "441226", "441284"
        ]
    );
    assert!(counties.iter().all(|c| !c.synthetic));
    let towns = a.store.regions().children(Some("441284")).await.unwrap();
    assert!(
        towns
            .iter()
            .all(|t| t.synthetic && t.code.starts_with("441284") && t.code.len() == 9)
    );

    let again = app::demo::load(a, false).await;
    assert!(
        matches!(again, Err(app::AppError::Refused("demo_data_exists"))),
        "{again:?}"
    );
    let forced = app::demo::load(a, true).await.unwrap();
    assert_eq!(forced, summary);
    assert_eq!(
        a.store.parks().all().await.unwrap().len(),
        app::demo::PARKS.len()
    );
}
both!(demo_loads_refuses_and_force_replaces);

#[test]
fn demo_region_codes_are_valid_and_nest() {
    let regions = app::demo::regions();
    let mut seen = std::collections::HashSet::new();
    for r in &regions {
        let code = domain::RegionCode::parse(&r.code).unwrap();
        assert_eq!(code.level().as_str(), r.level, "{}", r.code);
        assert!(seen.insert(r.code.clone()), "duplicate {}", r.code);
        if let Some(parent) = &r.parent_code {
            let parent = domain::RegionCode::parse(parent).unwrap();
            assert!(parent.contains(&code), "{} under {}", r.code, parent);
            assert!(
                seen.contains(parent.as_str()),
                "parent {} listed before {}",
                parent,
                r.code
            );
        }
    }
}
