//! End to end in a real browser: the shell in Chinese, the switch to English.

use crate::harness::{Backend, Options, TestApp};
use crate::webdriver::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_switches_to_english_and_remembers_it() {
    let Some(browser) = Browser::start("zh-CN").await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite, Options { demo: true })
        .await
        .unwrap();

    // Signed out, the home page leads to the login form, which lists the demo accounts.
    browser.goto(&app.url("/")).await;
    assert!(browser.current_url().await.contains("/login?next=/"));
    let demo = browser.text(&browser.find("#demo-accounts").await).await;
    assert!(demo.contains("city_admin") && demo.contains(app::demo::DEMO_PASSWORD));
    browser
        .type_text(&browser.find("#username").await, "city_admin")
        .await;
    browser
        .type_text(&browser.find("#password").await, app::demo::DEMO_PASSWORD)
        .await;
    browser.click(&browser.find("#login-submit").await).await;
    // A click returns before the next page has loaded: wait for each page to change.
    let home = app.url("/");
    browser.wait_for_url(|u| u == home).await;
    let nav = browser
        .wait_for_text("#main-nav", |t| t.contains("首页"))
        .await;
    assert!(nav.contains("行政区划"), "Chinese navigation: {nav}");
    let html = browser.find("html").await;
    assert_eq!(
        browser.attribute(&html, "lang").await.as_deref(),
        Some("zh-CN")
    );

    browser.click(&browser.find("#lang-switch").await).await;
    let nav = browser
        .wait_for_text("#main-nav", |t| t.contains("Home"))
        .await;
    assert!(
        nav.contains("Regions") && nav.contains("Industries"),
        "English navigation: {nav}"
    );
    let html = browser.find("html").await;
    assert_eq!(
        browser.attribute(&html, "lang").await.as_deref(),
        Some("en")
    );
    assert_eq!(
        browser.current_url().await,
        home,
        "the switch returns to the same page"
    );

    // The choice is remembered: another page, reached by a link, is English too.
    browser
        .click(&browser.find("#main-nav a[href='/regions']").await)
        .await;
    browser.wait_for_url(|u| u.ends_with("/regions")).await;
    let h1 = browser.wait_for_text("main h1", |t| t == "Regions").await;
    assert_eq!(h1, "Regions");
    let first_county = browser
        .text(&browser.find("main table tbody tr td a").await)
        .await;
    assert_eq!(first_county, "肇庆市");

    // And back to Chinese.
    browser.click(&browser.find("#lang-switch").await).await;
    let h1 = browser.wait_for_text("main h1", |t| t == "行政区划").await;
    assert_eq!(h1, "行政区划");
    browser.quit().await;
}
