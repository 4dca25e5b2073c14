//! A minimal W3C WebDriver client for Debian's `chromedriver` and headless `chromium`.
//! Nothing is downloaded: if the binaries are missing the browser tests skip, or fail
//! when `FUGONG_TEST_REQUIRE_BROWSER=1` (CI).

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: String,
    child: Child,
    _profile: tempfile::TempDir,
}

fn find_binary(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| (*p).to_owned())
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session whose
    /// preferred language is `accept_language` (e.g. "zh-CN").
    pub async fn start(accept_language: &str) -> Option<Browser> {
        let chromedriver =
            find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        let chromium = find_binary(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let (Some(chromedriver), Some(chromium)) = (chromedriver, chromium) else {
            assert!(
                !crate::harness::browser_required(),
                "FUGONG_TEST_REQUIRE_BROWSER is set but chromium/chromedriver are not installed"
            );
            eprintln!("skipped: chromium or chromedriver not installed");
            return None;
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}"));
        let driver = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{driver}/status")).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == json!(true)
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not become ready");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--window-size=1200,900",
                        format!("--lang={accept_language}"),
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                    "prefs": { "intl.accept_languages": accept_language }
                }
            }}
        });
        let res: Value = http
            .post(format!("{driver}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {res}"))
            .to_owned();
        Some(Browser {
            http,
            session,
            driver,
            child,
            _profile: profile,
        })
    }

    fn at(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.driver, self.session, path)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let v: Value = self
            .http
            .post(self.at(path))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(v["value"]["error"].is_null(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    async fn get(&self, path: &str) -> Value {
        let v: Value = self
            .http
            .get(self.at(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(v["value"]["error"].is_null(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// Waits (up to 20 s) until the current URL satisfies `ok` — a click that submits a
    /// form or follows a link returns before the new page has loaded.
    pub async fn wait_for_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let mut url = String::new();
        for _ in 0..200 {
            url = self.current_url().await;
            if ok(&url) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser stayed at {url}");
    }

    /// Waits (up to 20 s) until the element's text satisfies `ok`, and returns it.
    pub async fn wait_for_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut text = String::new();
        for _ in 0..200 {
            let v = self
                .http
                .post(self.at("/element"))
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .await;
            if let Ok(r) = v
                && let Ok(v) = r.json::<Value>().await
                && let Some(id) = v["value"][ELEMENT_KEY].as_str()
            {
                text = self
                    .get(&format!("/element/{id}/text"))
                    .await
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if ok(&text) {
                    return text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never matched; last text: {text}");
    }

    pub async fn current_url(&self) -> String {
        self.get("/url")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The element matching a CSS selector (fails the test if there is none).
    pub async fn find(&self, css: &str) -> String {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    pub async fn click(&self, element: &str) {
        self.post(&format!("/element/{element}/click"), json!({}))
            .await;
    }

    pub async fn type_text(&self, element: &str, text: &str) {
        self.post(
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub async fn text(&self, element: &str) -> String {
        self.get(&format!("/element/{element}/text"))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn attribute(&self, element: &str, name: &str) -> Option<String> {
        self.get(&format!("/element/{element}/attribute/{name}"))
            .await
            .as_str()
            .map(str::to_owned)
    }

    pub async fn quit(mut self) {
        let _ = self.http.delete(self.at("")).send().await;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
