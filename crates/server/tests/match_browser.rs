//! The match pages in real headless Chromium (Debian `chromium`, and `chromium-driver` for the
//! filled-in-and-submitted flows, driven over WebDriver). Skipped, with a message, when they are
//! not installed, unless TRIALBRIDGE_REQUIRE_BROWSER is set (as CI does).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/ctgov")
        .join(name)
}

/// The server over the sample on a free port; returns its base URL.
async fn serve_sample() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();
    ingest::ingest_paths(
        &store,
        &[data("studies.jsonl.gz"), data("NCT07117305.json")],
        &mut |_| {},
    )
    .await
    .unwrap();
    let app = server::router(server::AppState::new(store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, dir)
}

fn installed(paths: &[&'static str], what: &str) -> Option<&'static str> {
    let found = paths
        .iter()
        .copied()
        .find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var_os("TRIALBRIDGE_REQUIRE_BROWSER").is_none(),
            "{what} is required but not installed"
        );
        eprintln!(
            "browser test skipped: {what} is not installed (apt-get install chromium chromium-driver)"
        );
    }
    found
}

fn chromium() -> Option<&'static str> {
    installed(
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        "Chromium",
    )
}

const FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The DOM after Chromium loaded and rendered the page.
async fn dump_dom(browser: &'static str, url: String) -> String {
    tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(browser)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--dump-dom", &url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_pages_render_in_chromium() {
    let Some(browser) = chromium() else { return };
    let (base, _dir) = serve_sample().await;
    let dom = dump_dom(browser, format!("{base}/match")).await;
    for id in [
        "note-form",
        "note-input",
        "profile-form",
        "age",
        "conditions",
        "more-details",
        "find-trials",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "#{id} missing in the rendered page"
        );
    }
    assert!(dom.contains("href=\"/static/match.css\""));

    let dom = dump_dom(browser, format!("{base}/trials/NCT07117305/eligibility")).await;
    assert!(
        dom.contains("id=\"eligibility-form\"") && dom.contains("How old are you?"),
        "{dom}"
    );
    let dom = dump_dom(browser, format!("{base}/trials/NCT99999999/eligibility")).await;
    assert!(dom.contains("We have no trial NCT99999999"));
}

/// A minimal W3C WebDriver client: just what the flows below use.
struct Driver {
    http: reqwest::Client,
    session: String,
    child: Child,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    async fn start(browser: &str, driver: &str) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{root}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": { "binary": browser, "args": args } } } });
        let created: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        Driver {
            http,
            session: format!("{root}/session/{session}"),
            child,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The element matching `css`, waiting for it to appear (page loads after a submit).
    async fn find(&self, css: &str) -> String {
        for _ in 0..100 {
            let v = self
                .call(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css}");
    }

    async fn count(&self, css: &str) -> usize {
        let v = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v.as_array().map(Vec::len).unwrap_or(0)
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn value(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::GET,
            &format!("/element/{id}/property/value"),
            None,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn quit(mut self) {
        let _ = self.http.delete(&self.session).send().await;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reads_a_note_corrects_it_and_finds_trials_in_chromium() {
    let Some(browser) = chromium() else { return };
    let Some(chromedriver) = installed(&["/usr/bin/chromedriver"], "chromedriver") else {
        return;
    };
    let (base, _dir) = serve_sample().await;
    let d = Driver::start(browser, chromedriver).await;

    d.go(&format!("{base}/match")).await;
    d.type_into(
        "#note-input",
        "A 64-year-old man with non-small cell lung cancer. ECOG 1. He denies smoking.",
    )
    .await;
    d.click("#read-note").await;
    d.find("#extracted").await;
    assert_eq!(d.value("#age").await, "64");
    assert!(d.text("#evidence").await.contains("absent"));
    // Correct the age before matching, as a user would.
    d.type_into("#age", "66").await;
    d.click("#find-trials").await;
    d.find("#results").await;
    assert_eq!(d.value("#age").await, "66");
    assert_eq!(d.count("li.result").await, 10);
    let first = d.text("li.result h3").await;
    assert!(!first.is_empty());
    // Marks are in words (the list is in a closed <details>, so open it first).
    d.click("li.result details.criteria-marks summary").await;
    let marks = d.text("li.result ul.marks").await;
    assert!(
        ["Met", "Not met", "Unknown", "Not applicable"]
            .iter()
            .any(|w| marks.contains(w)),
        "{marks}"
    );

    // Where the patient lives and how far they can travel: each trial names its nearest site
    // and its distance, and only trials with a site that near are listed.
    d.type_into("#location", "Boston, MA").await;
    d.click("#max_distance_km option[value='250']").await;
    d.click("#find-trials").await;
    d.find("#patient-place").await;
    let place = d.text("#patient-place").await;
    assert!(
        place.contains("Boston") && place.contains("within 250 km"),
        "{place}"
    );
    assert_eq!(d.value("#max_distance_km").await, "250");
    let site = d.text("li.result p.nearest-site").await;
    assert!(
        site.starts_with("Nearest") && site.contains(" km"),
        "{site}"
    );
    assert_eq!(
        d.count("li.result p.nearest-site").await,
        d.count("li.result").await
    );

    // Check my eligibility for the CAR-T trial: too old.
    d.go(&format!("{base}/trials/NCT07117305/eligibility"))
        .await;
    d.type_into("input[name=age]", "80").await;
    d.click("#check").await;
    d.find("#verdict").await;
    assert!(d.text("#verdict .verdict").await.contains("Not eligible"));
    d.quit().await;
}
