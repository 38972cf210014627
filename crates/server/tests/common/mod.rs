//! Set-up shared by the server's integration tests: a store loaded with the committed sample.

#![allow(dead_code)] // each test crate uses its own subset

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

/// A file of the committed sample (`data/ctgov`).
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/ctgov")
        .join(name)
}

/// A fresh SQLite store holding the 775 sample trials and NCT07117305. Keep the directory
/// alive as long as the store.
pub async fn sample_store() -> (store::Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();
    let summary = ingest::ingest_paths(
        &store,
        &[data("studies.jsonl.gz"), data("NCT07117305.json")],
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.stored, 776);
    (store, dir)
}

/// The whole router over [`sample_store`].
pub async fn sample_app() -> (axum::Router, store::Store, tempfile::TempDir) {
    let (store, dir) = sample_store().await;
    (
        server::router(server::AppState::new(store.clone())),
        store,
        dir,
    )
}

/// `POST /api/match` through `app`: the status and the body as JSON (a body that is not JSON
/// comes back as a JSON string, so error pages can be asserted on too).
pub async fn post_match(app: &axum::Router, body: impl Into<Body>) -> (StatusCode, Value) {
    let request = Request::post("/api/match")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

/// Sends `request` through `app`: the status and the body as text.
pub async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// `pairs` as an `application/x-www-form-urlencoded` body, as a browser sends a form.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Posts a form (`pairs`) to `uri` as a browser would: the status and the page.
pub async fn post_form(
    app: &axum::Router,
    uri: &str,
    pairs: &[(&str, &str)],
) -> (StatusCode, String) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(encode(pairs)))
        .unwrap();
    send(app, request).await
}
