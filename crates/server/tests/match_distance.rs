//! Distance to the nearest trial site in matching: `POST /api/match` and the "Find trials for
//! me" form, over a store loaded with the committed sample.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use common::post_match as post;

/// Great-circle distance in km, written out here so the server's figures are checked against
/// an independent computation from the stored records.
fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

async fn study(app: &axum::Router, nct_id: &str) -> Value {
    let request = Request::get(format!("/api/v2/studies/{nct_id}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn lung_cancer_patient(location: Value) -> Value {
    json!({
        "age_years": 64,
        "sex": "male",
        "diagnoses": [{"text": "non-small cell lung cancer", "stage": "IV"}],
        "location": location
    })
}

fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().unwrap()
}

fn ids(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["nct_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_city_location_gives_each_trial_its_nearest_site_and_a_limit_keeps_the_near_ones() {
    let (app, _store, _dir) = common::sample_app().await;
    let boston = json!({"city": "Boston, MA", "country": "United States"});
    let (status, all) = post(
        &app,
        json!({"profile": lung_cancer_patient(boston.clone()), "top": 100}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let place = &all["patient_location"];
    assert!(
        place["label"].as_str().unwrap().starts_with("Boston"),
        "{place}"
    );
    let (lat, lon) = (
        place["latitude"].as_f64().unwrap(),
        place["longitude"].as_f64().unwrap(),
    );
    assert!(haversine_km(lat, lon, 42.36, -71.06) < 5.0, "{place}");

    // Without a limit every trial stays, those with no site of known place too; the others
    // name their nearest site, at the distance the record's points give.
    let all = results(&all);
    assert_eq!(all.len(), 100);
    assert!(all.iter().any(|r| r.get("nearest_site").is_none()));
    let mut checked = 0;
    for r in all
        .iter()
        .filter(|r| r.get("nearest_site").is_some())
        .take(8)
    {
        let site = &r["nearest_site"];
        let record = study(&app, r["nct_id"].as_str().unwrap()).await;
        let locations = record["protocolSection"]["contactsLocationsModule"]["locations"]
            .as_array()
            .unwrap();
        let recruiting = site["recruiting"].as_bool().unwrap();
        let nearest = locations
            .iter()
            .filter(|l| {
                !recruiting
                    || matches!(
                        l["status"].as_str(),
                        Some("RECRUITING" | "NOT_YET_RECRUITING")
                    )
            })
            .filter_map(|l| {
                let g = l.get("geoPoint")?;
                Some(haversine_km(
                    lat,
                    lon,
                    g["lat"].as_f64()?,
                    g["lon"].as_f64()?,
                ))
            })
            .fold(f64::INFINITY, f64::min);
        let km = site["distance_km"].as_f64().unwrap();
        assert!((km - nearest).abs() <= 0.1, "{site} vs {nearest}");
        assert!(site["country"].is_string(), "{site}");
        checked += 1;
    }
    assert!(checked >= 5);

    // Within 250 km: only trials with a site that near, in the same order with the same
    // scores; the best of them are exactly the near ones of the unlimited list.
    let (status, near) = post(
        &app,
        json!({"profile": lung_cancer_patient(boston), "top": 100, "max_distance_km": 250})
            .to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{near}");
    assert_eq!(near["max_distance_km"], 250.0);
    let near = results(&near);
    assert!(!near.is_empty());
    for r in near {
        assert!(
            r["nearest_site"]["distance_km"].as_f64().unwrap() <= 250.0,
            "{r}"
        );
    }
    let near_in_all: Vec<&Value> = all
        .iter()
        .filter(|r| {
            r["nearest_site"]["distance_km"]
                .as_f64()
                .is_some_and(|km| km <= 250.0)
        })
        .collect();
    assert!(!near_in_all.is_empty() && near_in_all.len() < all.len());
    assert!(near.len() >= near_in_all.len());
    for (a, b) in near_in_all.iter().zip(near) {
        assert_eq!(a["nct_id"], b["nct_id"]);
        assert_eq!(a["score"], b["score"]);
        assert_eq!(a["verdict"], b["verdict"]);
    }
    for (i, r) in near.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
    }
    // A limit changes which trials are listed, never a trial's verdict or score.
    let scores: Vec<f64> = near.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{:?}", ids(near));
}

#[tokio::test]
async fn a_location_that_cannot_be_placed_is_a_400_naming_it() {
    let (app, _store, _dir) = common::sample_app().await;
    let unknown = lung_cancer_patient(json!({"city": "Xqzzyville", "country": "France"}));
    let (status, body) = post(&app, json!({"profile": unknown}).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("'Xqzzyville, France'"), "{error}");
    assert!(error.contains("location"), "{error}");

    let zip = lung_cancer_patient(json!({"postal_code": "00000"}));
    let (status, body) = post(&app, json!({"profile": zip}).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("'00000'"),
        "{body}"
    );

    // A limit needs a location: a note has none.
    let (status, body) = post(
        &app,
        json!({"note": "A 64-year-old man with lung cancer.", "max_distance_km": 100}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("location"),
        "{body}"
    );
    let (status, body) = post(
        &app,
        json!({"note": "A 64-year-old man.", "max_distance_km": -5}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("max_distance_km"),
        "{body}"
    );
}

#[tokio::test]
async fn a_note_takes_its_location_beside_it_and_a_country_alone_gives_no_distances() {
    let (app, _store, _dir) = common::sample_app().await;
    let note = "A 64-year-old man with stage IV non-small cell lung cancer.";
    // The request's own location places a note's patient; one line or an object.
    for location in [
        json!("02115"),
        json!({"city": "Boston, MA", "country": "United States"}),
    ] {
        let (status, body) = post(
            &app,
            json!({"note": note, "location": location, "max_distance_km": 250, "top": 20})
                .to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body["patient_location"]["label"]
                .as_str()
                .unwrap()
                .contains("United States"),
            "{body}"
        );
        let near = results(&body);
        assert!(!near.is_empty(), "{body}");
        for r in near {
            assert!(
                r["nearest_site"]["distance_km"].as_f64().unwrap() <= 250.0,
                "{r}"
            );
        }
    }
    // It replaces the profile's own location.
    let (_, body) = post(
        &app,
        json!({"profile": lung_cancer_patient(json!({"city": "Paris", "country": "France"})), "location": "02115"}).to_string(),
    )
    .await;
    assert_eq!(
        body["patient_location"]["label"], "ZIP 02115, United States",
        "{body}"
    );
    // A country alone is no place to measure from: the match runs without distances...
    let (status, body) = post(
        &app,
        json!({"profile": lung_cancer_patient(json!({"country": "France"}))}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("patient_location").is_none_or(Value::is_null),
        "{body}"
    );
    assert!(!results(&body).is_empty());
    // ...unless a limit asks for them.
    let (status, body) = post(
        &app,
        json!({"profile": lung_cancer_patient(json!({"country": "France"})), "max_distance_km": 100}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("only a country ('France')"),
        "{body}"
    );
    // A location that is neither a line nor an object is named.
    let (status, body) = post(&app, json!({"note": note, "location": 42}).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("\"location\""),
        "{body}"
    );
}

async fn post_form(app: &axum::Router, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    common::post_form(app, "/match", pairs).await
}

#[tokio::test]
async fn the_form_shows_the_nearest_site_and_limits_the_distance() {
    let (app, _store, _dir) = common::sample_app().await;
    let form = |within: &'static str, location: &'static str| {
        vec![
            ("action", "match"),
            ("age", "64"),
            ("sex", "male"),
            ("conditions", "non-small cell lung cancer"),
            ("location", location),
            ("max_distance_km", within),
            ("top", "25"),
        ]
    };
    let (status, html) = post_form(&app, &form("", "Boston, MA, USA")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Distances are from Boston"), "{html}");
    assert!(html.contains("<option value=\"250\">Within 250 km</option>"));
    let shown = html.matches("class=\"nearest-site\"").count();
    assert_eq!(shown, 25, "every result says where its nearest site is");
    assert!(html.contains("Nearest recruiting site: "));
    assert!(html.contains(" km ("), "US sites show miles too");

    let (status, html) = post_form(&app, &form("250", "Boston, MA, USA")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("only trials with a site within 250 km are shown"));
    assert!(html.contains("<option value=\"250\" selected>Within 250 km</option>"));
    assert!(!html.contains("No site location listed"));
    for line in html.split("class=\"nearest-site\">").skip(1) {
        let line = &line[..line.find("</p>").unwrap()];
        let km: f64 = line
            .rsplit(" — ")
            .next()
            .and_then(|d| d.split(" km").next())
            .and_then(|n| n.trim_start_matches("under ").parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(km <= 250.0, "{line}");
    }

    let (status, html) = post_form(&app, &form("", "Xqzzyville")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Xqzzyville"));
    assert!(
        html.contains("value=\"Xqzzyville\""),
        "the form keeps what was typed"
    );

    let (status, html) = post_form(&app, &form("100", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Say where you live"));
    let (status, _) = post_form(&app, &form("77", "Boston")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
