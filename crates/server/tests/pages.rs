//! The trial page, read as rendered HTML, for NCT07117305 and every sample trial.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The text of the element with this id (tags stripped, entities decoded, spaces folded).
fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open_end = start + html[start..].find('>')? + 1;
    let tag_start = html[..start].rfind('<')? + 1;
    let tag: String = html[tag_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    // Find the matching close tag, counting nested tags of the same name.
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 1;
    let mut pos = open_end;
    while depth > 0 {
        let next_close = pos + html[pos..].find(&close)?;
        match html[pos..next_close].find(&open) {
            Some(o) => {
                depth += 1;
                pos = pos + o + open.len();
            }
            None => {
                depth -= 1;
                pos = next_close + close.len();
            }
        }
    }
    Some(text_of(&html[open_end..pos - close.len()]))
}

fn text_of(fragment: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the entities an HTML escaper writes: named ones for markup characters, and numeric.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn folded(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_example_trial_page_has_every_element_of_the_seed_page() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = get(&app, "/trials/NCT07117305").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        element_text(&html, "title").unwrap(),
        "CD7 CAR-T Combined With Autologous Hematopoietic Stem Cell Transplantation"
    );
    assert_eq!(
        element_text(&html, "launched").unwrap(),
        "Launched by Zhengzhou University · Aug 4, 2025"
    );
    assert!(
        element_text(&html, "current-as-of")
            .unwrap()
            .starts_with("Current as of ")
    );
    assert_eq!(element_text(&html, "status").unwrap(), "Not yet recruiting");
    assert!(element_text(&html, "keywords").is_some());
    assert!(element_text(&html, "summary").is_some());
    assert_eq!(element_text(&html, "sex").unwrap(), "All");
    assert_eq!(element_text(&html, "ages").unwrap(), "14 to 65 years");
    assert_eq!(
        element_text(&html, "about-h").unwrap(),
        "About Zhengzhou University"
    );
    assert!(
        element_text(&html, "locations")
            .unwrap()
            .contains("China Zhengzhou, Henan")
    );
    assert_eq!(
        element_text(&html, "patients-applied").unwrap(),
        "0 patients applied"
    );
    assert!(
        html.contains("href=\"/trials/NCT07117305/eligibility\""),
        "no link to the eligibility check"
    );
    let timeline = element_text(&html, "timeline").unwrap();
    for label in [
        "First submitted Aug 4, 2025 (Actual)",
        "Trial start",
        "Last updated",
        "Primary completion",
        "Completion Not reported",
    ] {
        assert!(timeline.contains(label), "{label} missing from {timeline}");
    }

    // Numbered inclusion (9) and exclusion (12) lists; sub-items a.–c. nested under item 4.
    let eligibility = &html[html.find("id=\"eligibility\"").unwrap()..];
    let inclusion = &eligibility[eligibility
        .find("<ol class=\"criteria inclusion\">")
        .unwrap()..];
    let exclusion_at = inclusion.find("<ol class=\"criteria exclusion\">").unwrap();
    let (inclusion, exclusion) = inclusion.split_at(exclusion_at);
    let top_items = |list: &str| -> usize {
        // Top-level items are the <li> not inside a nested <ol class="sub">.
        let mut depth = 0usize;
        let mut count = 0;
        let mut rest = list;
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            if rest.starts_with("<ol") {
                depth += 1;
            } else if rest.starts_with("</ol") {
                if depth == 1 {
                    break;
                }
                depth -= 1;
            } else if rest.starts_with("<li")
                && depth == 1
                && !rest.starts_with("<li><span class=\"rule-kind\"")
            {
                count += 1;
            }
            rest = &rest[1..];
        }
        count
    };
    assert_eq!(top_items(inclusion), 9);
    assert_eq!(top_items(exclusion), 12);
    let item4 = inclusion
        .find("For patients with T-cell lymphoma who are refractory")
        .unwrap();
    let sub = &inclusion[item4..];
    let sub = &sub[sub.find("<ol class=\"sub\"").unwrap()..];
    let sub = &sub[..sub.find("</ol>").unwrap()];
    assert_eq!(
        sub.matches("<li").count() - sub.matches("<li><span class=\"rule-kind\"").count(),
        3
    );
    assert!(
        text_of(sub)
            .contains("b. Those who experienced recurrence in the early stage (< 12 months)")
    );
    // Criteria come with their typed rules.
    assert!(text_of(inclusion).contains("CD7 expression ≥ 10%"));
}

#[tokio::test]
async fn every_sample_trial_page_shows_the_records_facts() {
    let (app, store, _dir) = common::sample_app().await;
    let mut after: Option<String> = None;
    let mut checked = 0;
    loop {
        let page = store.page_after(after.as_deref(), 200).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.record.nct_id.to_string());
        for trial in page {
            let study = &trial.record.study;
            let id = trial.record.nct_id.as_str();
            let (status, html) = get(&app, &format!("/trials/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{id}");
            assert_eq!(
                element_text(&html, "title").unwrap(),
                folded(study.display_title()),
                "{id}"
            );
            let launched = element_text(&html, "launched").unwrap();
            if let Some(sponsor) = study.lead_sponsor() {
                assert!(
                    launched.contains(&folded(&sponsor.name)),
                    "{id}: {launched}"
                );
                assert_eq!(
                    element_text(&html, "about-h").unwrap(),
                    format!("About {}", folded(&sponsor.name)),
                    "{id}"
                );
            }
            assert!(
                element_text(&html, "current-as-of")
                    .unwrap()
                    .starts_with("Current as of"),
                "{id}"
            );
            assert_eq!(
                element_text(&html, "status")
                    .unwrap()
                    .split(" Why stopped")
                    .next()
                    .unwrap(),
                ctgov::status_label(study.overall_status()),
                "{id}"
            );
            assert!(element_text(&html, "keywords").is_some(), "{id}");
            for k in study.keywords() {
                assert!(
                    element_text(&html, "keywords")
                        .unwrap()
                        .contains(&folded(k)),
                    "{id}: keyword {k}"
                );
            }
            assert!(element_text(&html, "summary").is_some(), "{id}");
            let sex = element_text(&html, "sex").unwrap();
            let expected_sex = match study.sex() {
                Some("ALL") => "All",
                Some("FEMALE") => "Female",
                Some("MALE") => "Male",
                _ => "Not reported",
            };
            assert_eq!(sex, expected_sex, "{id}");
            let ages = element_text(&html, "ages").unwrap();
            if let Ok(Some(min)) = study.minimum_age() {
                assert!(
                    ages.contains(&format!("{}", min.value as i64)),
                    "{id}: {ages}"
                );
            }
            if let Ok(Some(max)) = study.maximum_age() {
                assert!(
                    ages.contains(&format!("{}", max.value as i64)),
                    "{id}: {ages}"
                );
            }
            let has_inclusion_heading = study.eligibility_criteria().is_some_and(|c| {
                c.lines().any(|l| {
                    matches!(
                        l.trim().to_lowercase().as_str(),
                        "inclusion criteria:" | "inclusion criteria"
                    )
                })
            });
            if has_inclusion_heading {
                assert!(
                    html.contains("id=\"inclusion-h\""),
                    "{id}: no inclusion list"
                );
            }
            let locations = element_text(&html, "locations").unwrap();
            for site in study.locations().iter().take(20) {
                if let Some(city) = &site.city {
                    assert!(locations.contains(&folded(city)), "{id}: {city}");
                }
                if let Some(country) = &site.country {
                    assert!(locations.contains(&folded(country)), "{id}: {country}");
                }
            }
            assert_eq!(
                element_text(&html, "patients-applied").unwrap(),
                "0 patients applied",
                "{id}"
            );
            assert!(
                element_text(&html, "timeline")
                    .unwrap()
                    .contains("Primary completion"),
                "{id}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 776);
}

#[tokio::test]
async fn bad_and_unknown_ids() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, html) = get(&app, "/trials/NCT123").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("is not a trial number"));
    let (status, html) = get(&app, "/trials/NCT99999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("We have no trial NCT99999999"));
    let (status, html) = get(&app, "/trials/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!html.contains("<script>alert(1)"), "the id must be escaped");
    let (status, body) = get(&app, "/api/v2/studies/NCT99999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"error\""));
    let (status, _) = get(&app, "/api/v2/studies/nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_api_returns_the_stored_registry_record_unchanged() {
    let (app, store, _dir) = common::sample_app().await;
    let stored = store.get("NCT00000410").await.unwrap().unwrap();
    let (status, body) = get(&app, "/api/v2/studies/NCT00000410").await;
    assert_eq!(status, StatusCode::OK);
    let mut served: serde_json::Value = serde_json::from_str(&body).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&stored.record.raw).unwrap();
    // Our summary is an addition under a key no registry field can have; the rest is the record.
    let extensions = served
        .as_object_mut()
        .unwrap()
        .remove("x-trialbridge")
        .unwrap();
    assert_eq!(served, raw);
    let summary = extensions["plainSummary"]["text"].as_str().unwrap();
    assert!(summary.contains("The study has finished."), "{summary}");
    let (status, body) = get(&app, "/api/v2/version").await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["apiVersion"].is_string() && v["dataTimestamp"].is_string());
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_endpoint_and_each_answers() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, body) = get(&app, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v2/studies",
        "/api/v2/studies/{nctId}",
        "/api/v2/version",
        "/api/match",
        "/api/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    // Every documented path is served (no 404 from the fallback).
    for (path, item) in paths {
        let uri = path.replace("{nctId}", "NCT07117305");
        let method = if item.get("get").is_some() {
            "GET"
        } else {
            "POST"
        };
        let request = Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from(if method == "POST" {
                r#"{"note": "A 40-year-old woman with lymphoma."}"#
            } else {
                ""
            }))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{method} {uri}");
    }
}
