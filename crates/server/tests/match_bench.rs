//! Timings for `POST /api/match` over the committed sample: the first request (which builds the
//! matcher documents: the sample is smaller than the candidate limit, so every stored trial is a
//! candidate) and steady-state requests. At scale, see `examples/match_scale.rs`. Ignored by default; run with
//! `cargo test -p server --release --test match_bench -- --ignored --nocapture`.
//! It prints figures and asserts nothing about time.

mod common;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

async fn post(app: &axum::Router, body: String) -> (StatusCode, usize) {
    let request = Request::post("/api/match")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    (status, bytes.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn match_latency_over_the_sample() {
    let (store, _dir) = common::sample_store().await;
    let trials = store.count().await.unwrap();
    let app = server::router(server::AppState::new(store));
    let requests = [
        serde_json::json!({ "note": "A 64-year-old man with non-small cell lung cancer, stage IV, EGFR negative. ECOG 1. He received carboplatin. He denies smoking.", "top": 10 }),
        serde_json::json!({ "note": "A 45-year-old woman with chronic low back pain and a lumbar disc herniation at L4-L5. No prior surgery.", "top": 10 }),
        serde_json::json!({ "profile": { "age_years": 30, "sex": "male", "diagnoses": [{"text": "relapsed T-cell acute lymphoblastic leukemia"}] }, "top": 10 }),
    ];
    let started = Instant::now();
    let (status, _) = post(&app, requests[0].to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let first = started.elapsed();
    let rounds = 20;
    let mut times = Vec::new();
    for _ in 0..rounds {
        for r in &requests {
            let t = Instant::now();
            let (status, _) = post(&app, r.to_string()).await;
            assert_eq!(status, StatusCode::OK);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];
    println!("trials: {trials}");
    println!(
        "first request (builds the corpus): {:.0} ms",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "steady state over {} requests: median {median:.1} ms, p95 {p95:.1} ms, max {:.1} ms",
        times.len(),
        times[times.len() - 1]
    );
}
