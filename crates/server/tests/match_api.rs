//! `POST /api/match` in process, over a store loaded with the committed sample.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use common::post_match as post;

async fn conditions_of(app: &axum::Router, nct_id: &str) -> String {
    let request = Request::get(format!("/api/v2/studies/{nct_id}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    let study: Value = serde_json::from_slice(&bytes).unwrap();
    let ps = &study["protocolSection"];
    format!(
        "{} {} {}",
        ps["conditionsModule"],
        ps["identificationModule"]["briefTitle"],
        ps["identificationModule"]["officialTitle"]
    )
    .to_lowercase()
}

const NSCLC_NOTE: &str = "A 64-year-old man with stage IV non-small cell lung cancer, EGFR negative. \
    ECOG performance status 1. He received carboplatin and pemetrexed. He denies smoking. No brain metastases.";

#[tokio::test]
async fn a_note_gets_ranked_trials_on_its_topic_with_every_criterion_marked() {
    let (app, _store, _dir) = common::sample_app().await;
    let (status, body) = post(&app, json!({ "note": NSCLC_NOTE, "top": 5 }).to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["input"], "note");
    assert_eq!(body["trials_considered"], 776);

    // The extracted profile and the evidence for each fact, with spans into the note.
    assert_eq!(body["profile"]["age_years"], 64.0);
    assert_eq!(body["profile"]["sex"], "male");
    let evidence = body["extraction"]["evidence"].as_array().unwrap();
    assert!(!evidence.is_empty());
    for e in evidence {
        let (start, end) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&NSCLC_NOTE[start..end], e["text"].as_str().unwrap());
    }
    assert!(
        evidence.iter().any(|e| e["negated"] == true),
        "the denied smoking is kept as a negated fact"
    );

    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let mut on_topic = 0;
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        let id = r["nct_id"].as_str().unwrap();
        assert_eq!(r["url"], format!("/trials/{id}"));
        assert!(
            ["likely_eligible", "possibly_eligible", "not_eligible"]
                .contains(&r["verdict"].as_str().unwrap())
        );
        let text = conditions_of(&app, id).await;
        if text.contains("lung") || text.contains("nsclc") {
            on_topic += 1;
        }
        for mark in r["criteria"].as_array().unwrap() {
            assert!(
                ["met", "not_met", "unknown", "not_applicable"]
                    .contains(&mark["mark"].as_str().unwrap())
            );
            assert!(!mark["criterion"].as_str().unwrap().is_empty());
            // A met or failed rule cites the patient fact; an unknown one names the fact that would decide it.
            match mark["mark"].as_str().unwrap() {
                "met" | "not_met" => assert!(mark["patient_fact"].is_string(), "{mark}"),
                "unknown" => assert!(mark["fact"].is_object(), "{mark}"),
                _ => {}
            }
        }
        if r["verdict"] == "possibly_eligible" {
            let unknowns = r["deciding_unknowns"].as_array().unwrap();
            assert!(!unknowns.is_empty());
            assert!(
                unknowns
                    .iter()
                    .all(|u| u["fact"].is_string() && u["question"].is_string()),
                "{unknowns:?}"
            );
        }
    }
    assert!(
        on_topic >= 4,
        "{on_topic} of the top 5 are lung cancer trials"
    );
    let scores: Vec<f64> = results
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked best first: {scores:?}"
    );
}

#[tokio::test]
async fn a_profile_is_matched_and_decisive_facts_change_the_verdict() {
    let (app, _store, _dir) = common::sample_app().await;
    let profile = json!({
        "age_years": 45, "sex": "female",
        "diagnoses": [{"text": "acute lymphoblastic leukemia"}],
        "disease_state": {"relapsed": true}
    });
    let (status, body) = post(&app, json!({ "profile": profile }).to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["input"], "profile");
    assert!(body.get("extraction").is_none());
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 10, "ten by default");
    let top = &results[0];
    let text = conditions_of(&app, top["nct_id"].as_str().unwrap()).await;
    assert!(
        text.contains("leukemia") || text.contains("leukaemia"),
        "{text}"
    );

    // The same patient aged 5 fails adult trials on the registry age limit, which is cited.
    let child = json!({ "profile": { "age_years": 5, "sex": "female", "diagnoses": [{"text": "acute lymphoblastic leukemia"}] }, "top": 50 });
    let (_, body) = post(&app, child.to_string()).await;
    let excluded = body["results"].as_array().unwrap().iter().find(|r| {
        r["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "age" && m["mark"] == "not_met")
    });
    let excluded = excluded.expect("some leukemia trial is for adults only");
    assert_eq!(excluded["verdict"], "not_eligible");
    let age_mark = excluded["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "age" && m["mark"] == "not_met")
        .unwrap();
    assert_eq!(age_mark["patient_fact"], "age 5");
}

#[tokio::test]
async fn bad_requests_get_a_400_naming_the_problem() {
    let (app, _store, _dir) = common::sample_app().await;
    for (body, expected) in [
        ("", "empty"),
        ("{\"note\": ", "not valid JSON"),
        ("[]", "JSON object"),
        (r#"{"profile": {"age": 40}}"#, "unknown field `age`"),
        (r#"{"profile": {"sex": "unknown"}}"#, "profile does not fit"),
        (r#"{"profile": {"ecog": 9}}"#, "ecog 9"),
        (r#"{"profile": "a string"}"#, "must be a JSON object"),
        (r#"{"note": ""}"#, "note is empty"),
        (r#"{"note": "x", "top": 1000}"#, "top"),
        (r#"{"note": "x", "profile": {}}"#, "not both"),
        (r#"{"patient": "x"}"#, "Unknown field"),
    ] {
        let (status, value) = post(&app, body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(value["status"], 400);
        let message = value["error"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }
}

#[tokio::test]
async fn a_huge_body_gets_a_json_413_and_a_long_note_a_400() {
    let (app, _store, _dir) = common::sample_app().await;
    let huge = json!({ "note": "word ".repeat(100_000) }).to_string(); // ~500 KB: under the router's cap, over ours
    let (status, value) = post(&app, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        value["error"].as_str().unwrap().contains("too large"),
        "{value}"
    );

    // Over the router's 1 MiB cap with a declared length, the router itself answers 413.
    let request = Request::post("/api/match")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, 2_000_000)
        .body(Body::from(vec![b' '; 2_000_000]))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(request).await.unwrap().status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let long = json!({ "note": "word ".repeat(5_000) }).to_string(); // 25 000 characters
    let (status, value) = post(&app, long).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        value["error"].as_str().unwrap().contains("too long"),
        "{value}"
    );
}

#[tokio::test]
async fn the_corpus_follows_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();
    ingest::ingest_paths(&store, &[common::data("NCT07117305.json")], &mut |_| {})
        .await
        .unwrap();
    let app = server::router(server::AppState::new(store.clone()));
    let request = json!({ "note": "A 30-year-old man with relapsed T-cell acute lymphoblastic leukemia.", "top": 100 }).to_string();
    let (_, body) = post(&app, request.clone()).await;
    assert_eq!(body["trials_considered"], 1);
    assert_eq!(body["results"][0]["nct_id"], "NCT07117305");

    // After an ingest, the next match sees the new trials without any call.
    ingest::ingest_paths(&store, &[common::data("studies.jsonl.gz")], &mut |_| {})
        .await
        .unwrap();
    let (_, body) = post(&app, request).await;
    assert_eq!(body["trials_considered"], 776);
    assert_eq!(body["results"].as_array().unwrap().len(), 100);
}
