//! `sync` against a local HTTP server of the test's own that serves real sample records as API
//! v2 pages, with the registry's paging, its date filter, and injected 429 / 5xx answers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ingest::sync::{Checkpoint, SyncConfig, sync};
use serde_json::Value;

#[derive(Default)]
struct Fake {
    studies: Vec<Value>,
    /// Status codes to answer with before serving normally, consumed one per request.
    failures: Vec<u16>,
    /// Answer 503 to every request for this page token while set.
    broken_token: Option<String>,
    requests: Vec<HashMap<String, String>>,
}

fn last_update(v: &Value) -> String {
    v["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

async fn studies(
    State(fake): State<Arc<Mutex<Fake>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut fake = fake.lock().unwrap();
    fake.requests.push(q.clone());
    if !fake.failures.is_empty() {
        let code = fake.failures.remove(0);
        let mut headers = HeaderMap::new();
        if code == 429 {
            headers.insert("Retry-After", "0".parse().unwrap());
        }
        return (StatusCode::from_u16(code).unwrap(), headers, "try later").into_response();
    }
    if fake.broken_token.is_some() && q.get("pageToken") == fake.broken_token.as_ref() {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    // AREA[LastUpdatePostDate]RANGE[since,MAX]
    let since = q.get("filter.advanced").map(|f| {
        f.trim_start_matches("AREA[LastUpdatePostDate]RANGE[")
            .split(',')
            .next()
            .unwrap()
            .to_string()
    });
    let mut selected: Vec<&Value> = fake
        .studies
        .iter()
        .filter(|s| {
            since
                .as_ref()
                .is_none_or(|d| last_update(s).as_str() >= d.as_str())
        })
        .collect();
    selected.sort_by_key(|s| last_update(s));
    let size: usize = q.get("pageSize").unwrap().parse().unwrap();
    let start: usize = q
        .get("pageToken")
        .map_or(0, |t| t.trim_start_matches("tok").parse().unwrap());
    let page: Vec<&Value> = selected.iter().skip(start).take(size).copied().collect();
    let mut body = serde_json::json!({"studies": page});
    if start + size < selected.len() {
        body["nextPageToken"] = format!("tok{}", start + size).into();
    }
    axum::Json(body).into_response()
}

async fn serve(fake: Arc<Mutex<Fake>>) -> String {
    let app = axum::Router::new()
        .route("/api/v2/studies", axum::routing::get(studies))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/api/v2")
}

fn sample() -> Vec<Value> {
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ctgov/studies.jsonl.gz"
    ))
    .unwrap();
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

fn config(base_url: String) -> SyncConfig {
    SyncConfig {
        base_url,
        page_size: 100,
        max_retries: 3,
        initial_backoff: Duration::from_millis(5),
        ..SyncConfig::default()
    }
}

async fn checkpoint(store: &store::Store) -> Checkpoint {
    serde_json::from_str(
        &store
            .state(ingest::sync::CHECKPOINT)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn full_then_incremental_sync_with_retries() {
    let studies = sample();
    let newest = studies.iter().map(last_update).max().unwrap();
    let fake = Arc::new(Mutex::new(Fake {
        studies,
        failures: vec![429, 503],
        ..Fake::default()
    }));
    let base = serve(fake.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();

    let first = sync(&store, &config(base.clone()), &mut |_| {})
        .await
        .unwrap();
    assert_eq!((first.stored, first.rejected.len()), (775, 0));
    assert_eq!(store.count().await.unwrap(), 775);
    let cp = checkpoint(&store).await;
    assert_eq!(
        cp,
        Checkpoint {
            since: Some(newest.clone()),
            page_token: None,
            high_water: None
        }
    );

    // The next run asks only for what changed since the checkpoint, and finds it unchanged.
    fake.lock().unwrap().requests.clear();
    let second = sync(&store, &config(base), &mut |_| {}).await.unwrap();
    assert_eq!(second.stored + second.updated, 0);
    assert!(
        second.unchanged >= 1 && second.unchanged < 775,
        "{}",
        second.unchanged
    );
    let asked = fake.lock().unwrap().requests[0]
        .get("filter.advanced")
        .cloned();
    assert_eq!(
        asked,
        Some(format!("AREA[LastUpdatePostDate]RANGE[{newest},MAX]"))
    );
}

#[tokio::test]
async fn an_interrupted_sync_resumes_from_its_checkpoint() {
    let fake = Arc::new(Mutex::new(Fake {
        studies: sample(),
        broken_token: Some("tok300".into()),
        ..Fake::default()
    }));
    let base = serve(fake.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();

    let err = sync(&store, &config(base.clone()), &mut |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("resume"), "{err}");
    assert_eq!(store.count().await.unwrap(), 300);
    assert_eq!(
        checkpoint(&store).await.page_token.as_deref(),
        Some("tok300")
    );

    fake.lock().unwrap().broken_token = None;
    fake.lock().unwrap().requests.clear();
    let resumed = sync(&store, &config(base), &mut |_| {}).await.unwrap();
    assert_eq!(resumed.stored, 475);
    assert_eq!(store.count().await.unwrap(), 775);
    assert_eq!(
        fake.lock().unwrap().requests[0]
            .get("pageToken")
            .map(String::as_str),
        Some("tok300")
    );
}
