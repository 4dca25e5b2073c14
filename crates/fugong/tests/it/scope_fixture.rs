//! The accounts and rows the scope-leak matrix probes with: sibling districts, a park,
//! an enterprise, a bank, a department, a liaison, and foreign rows of each kind.

use crate::harness::{Session, TestApp};
use store::enterprises::{EnterpriseFilter, EnterpriseRow};

/// Enterprises as the system sees them, to know the right answers.
pub(crate) async fn all_enterprises(
    app: &TestApp,
    f: EnterpriseFilter,
) -> (Vec<EnterpriseRow>, i64) {
    app.app
        .store
        .system()
        .enterprises(&EnterpriseFilter {
            limit: 100_000,
            ..f
        })
        .await
        .unwrap()
}

pub(crate) struct Fixture {
    pub(crate) hr: Session,
    /// A demo request (宝龙汽车's) and an attachment on it.
    pub(crate) request: i64,
    pub(crate) attachment: i64,
    pub(crate) liaison: Session,
    /// A cadre placed in 四会市 and one of its active assignments.
    pub(crate) sihui_cadre: store::liaison::CadreRow,
    pub(crate) sihui_assignment: i64,
    pub(crate) duanzhou_cadres: i64,
    pub(crate) duanzhou: Session,
    pub(crate) sihui: Session,
    pub(crate) park: Session,
    pub(crate) firm: Session,
    pub(crate) bank: Session,
    /// An enterprise in 四会市 (outside 端州区), and one in 端州区.
    pub(crate) in_sihui: EnterpriseRow,
    pub(crate) in_duanzhou: EnterpriseRow,
    pub(crate) duanzhou_total: i64,
    pub(crate) park_total: i64,
}

pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    let (sihui_rows, _) = all_enterprises(
        app,
        EnterpriseFilter {
            region: Some("441284".into()),
            ..Default::default()
        },
    )
    .await;
    let (dz_rows, duanzhou_total) = all_enterprises(
        app,
        EnterpriseFilter {
            region: Some("441202".into()),
            ..Default::default()
        },
    )
    .await;
    let (_, park_total) = all_enterprises(
        app,
        EnterpriseFilter {
            park: Some("ZQHT".into()),
            ..Default::default()
        },
    )
    .await;
    let sys = app.app.store.system();
    let (sc, _) = sys
        .cadres(&store::liaison::CadreFilter {
            region: Some("441284".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let (sihui_cadre, sihui_assignment) = {
        let mut found = None;
        for c in sc {
            if let Some(a) = sys
                .cadre_assignments(c.id)
                .await
                .unwrap()
                .into_iter()
                .find(|a| a.active)
            {
                found = Some((c, a.id));
                break;
            }
        }
        found.unwrap()
    };
    let (_, duanzhou_cadres) = sys
        .cadres(&store::liaison::CadreFilter {
            region: Some("441202".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let firm_user = app
        .app
        .store
        .accounts()
        .by_username("enterprise_demo")
        .await
        .unwrap()
        .unwrap();
    let firm_principal = app.app.principal(firm_user.id).await.unwrap();
    let request = app
        .app
        .store
        .scoped(&firm_principal)
        .requests(&store::requests::RequestFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .0[0]
        .id;
    let attachment = app
        .app
        .attach(
            &firm_principal,
            request,
            "photo.png",
            b"\x89PNG\r\n\x1a\nfake",
        )
        .await
        .unwrap();
    Fixture {
        hr: app.session("hr_bureau").await,
        request,
        attachment,
        liaison: app.session("liaison_demo").await,
        sihui_cadre,
        sihui_assignment,
        duanzhou_cadres,
        duanzhou: app.session("duanzhou_officer").await,
        sihui: app.session("sihui_officer").await,
        park: app.session("gaoxin_park").await,
        firm: app.session("enterprise_demo").await,
        bank: app.session("bank_demo").await,
        // Not enterprise 1, which the enterprise account owns.
        in_sihui: sihui_rows
            .into_iter()
            .find(|e| e.id != 1 && e.park_code.is_none())
            .unwrap(),
        in_duanzhou: dz_rows.into_iter().next().unwrap(),
        duanzhou_total,
        park_total,
    }
}

pub(crate) async fn api_total(
    app: &TestApp,
    s: &Session,
    query: &str,
) -> (i64, Vec<serde_json::Value>) {
    let v: serde_json::Value = app
        .get_as(s, &format!("/api/v1/enterprises?per_page=500&{query}"), &[])
        .await
        .json()
        .await
        .unwrap();
    (
        v["total"].as_i64().unwrap(),
        v["items"].as_array().unwrap().clone(),
    )
}
