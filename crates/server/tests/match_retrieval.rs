//! Matching retrieves candidates from the search index, then reranks them.
//!
//! One test, run alone in this binary, because the candidate limit is read from the
//! environment (`TRIALBRIDGE_MATCH_CANDIDATES`) when a router is built.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};

async fn post(app: &axum::Router, body: &Value) -> Value {
    let (status, value) = common::post_match(app, body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    value
}

fn ranking(body: &Value) -> Vec<(String, String)> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["nct_id"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A router over `store` and an index rebuilt from it, with `k` candidates.
async fn app_with_index(store: &store::Store, k: usize) -> axum::Router {
    // SAFETY: this binary runs this one test; no other thread reads the environment meanwhile.
    unsafe { std::env::set_var("TRIALBRIDGE_MATCH_CANDIDATES", k.to_string()) };
    let mut studies = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.page_after(after.as_deref(), 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.record.nct_id.to_string());
        studies.extend(page.into_iter().map(|t| t.record.study));
    }
    let index = search::TrialIndex::open_in_ram().unwrap();
    index.rebuild(studies.into_iter()).unwrap();
    server::router(server::AppState::with_index(store.clone(), Arc::new(index)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_come_from_the_index_and_a_small_store_is_scanned_whole() {
    let (store, _dir) = common::sample_store().await;
    let lung = json!({ "note": "A 64-year-old man with non-small cell lung cancer, stage IV. ECOG 1. He received carboplatin.", "top": 10 });
    let leukemia = json!({ "profile": { "age_years": 30, "sex": "male", "diagnoses": [{"text": "relapsed T-cell acute lymphoblastic leukemia"}] }, "top": 10 });

    // K at least the store's size: every stored trial is a candidate, exactly as a server
    // without an index (the full scan) ranks them.
    let whole = app_with_index(&store, 1000).await;
    let no_index = {
        unsafe { std::env::set_var("TRIALBRIDGE_MATCH_CANDIDATES", "1000") };
        server::router(server::AppState::new(store.clone()))
    };
    for patient in [&lung, &leukemia] {
        let a = post(&whole, patient).await;
        let b = post(&no_index, patient).await;
        assert_eq!(a["trials_considered"], 776);
        assert_eq!(ranking(&a), ranking(&b));
        // The matcher sums in a fixed order, so the scores are equal to the last bit.
        assert_eq!(a["results"][0]["score"], b["results"][0]["score"]);
    }

    // K smaller than the store: the index's best 60 are reranked; the answer still covers the
    // whole store and is about the patient's condition.
    let retrieved = app_with_index(&store, 60).await;
    let body = post(&retrieved, &lung).await;
    assert_eq!(body["trials_considered"], 776);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    let full = post(&whole, &lung).await;
    let lung_trials = |v: &Value| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                let t = r["title"].as_str().unwrap().to_lowercase();
                t.contains("lung") || t.contains("nsclc")
            })
            .count()
    };
    assert!(lung_trials(&body) >= 5, "{body}");
    assert!(lung_trials(&body) + 2 >= lung_trials(&full));
    // The full scan's best trial is among the retrieved candidates' best.
    let first = full["results"][0]["nct_id"].as_str().unwrap();
    assert!(results.iter().any(|r| r["nct_id"] == first), "{first}");

    // A second match is served from the document cache and gives the same answer.
    assert_eq!(ranking(&post(&retrieved, &lung).await), ranking(&body));

    // A patient with no words the index knows gets an empty list, not an error.
    let nothing = post(
        &retrieved,
        &json!({ "profile": { "age_years": 40, "diagnoses": [{"text": "zzqx"}] } }),
    )
    .await;
    assert_eq!(nothing["results"].as_array().unwrap().len(), 0);
}
