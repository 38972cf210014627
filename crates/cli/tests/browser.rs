//! The served pages in real headless Chromium (Debian `chromium`). Skipped, with a message,
//! when Chromium is not installed, unless TRIALBRIDGE_REQUIRE_BROWSER is set (as CI does).

mod common;

use std::process::Command;

use common::serve_fresh as serve;

fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var_os("TRIALBRIDGE_REQUIRE_BROWSER").is_none(), "Chromium is required but not installed");
        eprintln!("browser tests skipped: Chromium is not installed (apt-get install chromium chromium-driver)");
    }
    found
}

/// The DOM after Chromium loaded and rendered the page.
fn dump_dom(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom", url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_trial_page_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let server = serve();
    let dom = dump_dom(browser, &format!("{}/trials/NCT07117305", server.base));
    assert!(dom.contains("CD7 CAR-T Combined With Autologous Hematopoietic Stem Cell Transplantation"), "{dom}");
    for id in ["launched", "current-as-of", "status", "keywords", "summary", "sex", "ages", "eligibility",
               "about-sponsor", "locations", "patients-applied", "timeline"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "#{id} missing in the rendered page");
    }
    assert!(dom.contains("<ol class=\"criteria inclusion\">") && dom.contains("<ol class=\"criteria exclusion\">"));
    // The stylesheet loaded and applies (the browser resolved the link to our CSS route).
    assert!(dom.contains("href=\"/static/style.css\""));

    let not_found = dump_dom(browser, &format!("{}/trials/NCT99999999", server.base));
    assert!(not_found.contains("We have no trial NCT99999999"));
}

#[test]
fn the_search_page_finds_trials_near_a_place_in_chromium() {
    let Some(browser) = chromium() else { return };
    let server = serve();
    let dom = dump_dom(browser, &format!("{}/search?cond=lymphoma&place=Boston%2C+MA&radius=500", server.base));
    // The place was understood and said back, results came with facets and distances.
    assert!(dom.contains("Boston, MA"), "the place is not echoed");
    assert!(dom.contains("trials found"), "no result count");
    assert!(dom.contains("miles away"), "no distance to the nearest site");
    assert!(dom.contains("type=\"checkbox\""), "no facet checkboxes");
    assert!(dom.contains("href=\"/trials/NCT"), "no links to trial pages");
    // An unknown place is explained, not silently ignored.
    let unknown = dump_dom(browser, &format!("{}/search?cond=lymphoma&place=Xyzzyplugh", server.base));
    assert!(unknown.contains("Xyzzyplugh"), "the unknown place is not named");
}
