//! Matcher documents kept in the store: a restarted server reads them instead of parsing
//! criteria, ranks exactly as when it built them, and never reads a document of another
//! version of the trial or of the code, nor trips over a malformed one.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

/// A fresh router (empty document cache), as after a restart.
fn restart(store: &store::Store) -> axum::Router {
    server::router(server::AppState::new(store.clone()))
}

async fn post(app: &axum::Router, body: &Value) -> Value {
    let (status, value) = common::post_match(app, body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    value["results"].clone()
}

fn patients() -> [Value; 2] {
    [
        json!({ "note": "A 64-year-old man with non-small cell lung cancer, stage IV, EGFR negative. ECOG 1. He received carboplatin. He denies smoking.", "top": 20 }),
        json!({ "profile": { "age_years": 61, "sex": "female", "diagnoses": [{"text": "type 2 diabetes mellitus"}], "medications": ["metformin"] }, "top": 20 }),
    ]
}

async fn results(app: &axum::Router) -> Vec<Value> {
    let mut out = Vec::new();
    for p in patients() {
        out.push(post(app, &p).await);
    }
    out
}

async fn all_ids(store: &store::Store) -> Vec<String> {
    store
        .changed_since(None)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

async fn stored_count(store: &store::Store) -> usize {
    let ids = all_ids(store).await;
    store
        .matcher_documents(&server::matcher_documents_format(), &ids)
        .await
        .unwrap()
        .len()
}

fn title_of(results: &Value, nct_id: &str) -> String {
    results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["nct_id"] == nct_id)
        .unwrap_or_else(|| panic!("{nct_id} not in {results}"))["title"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_documents_rank_as_built_ones_and_only_current_ones_are_read() {
    let (store, _dir) = common::sample_store().await;

    // First match ever: every document is built from its record, then stored.
    let built = results(&restart(&store)).await;
    assert_eq!(stored_count(&store).await, 776);

    // After a restart they are read back: the same results to the last digit. The raw records
    // are made unreadable first, so a match that still parsed them would fail.
    hide_raw(&store).await;
    assert_eq!(results(&restart(&store)).await, built);
    store
        .execute_raw(
            "UPDATE trials SET raw = (SELECT s.raw FROM saved_raw s WHERE s.nct_id = trials.nct_id)",
        )
        .await
        .unwrap();

    // Dropped, they are built again, with the same results.
    store.clear_matcher_documents().await.unwrap();
    assert_eq!(results(&restart(&store)).await, built);
    assert_eq!(stored_count(&store).await, 776);

    // A malformed document is rebuilt from the record (and rewritten), not a failure.
    let first = built[0][0]["nct_id"].as_str().unwrap().to_string();
    store
        .execute_raw(&format!(
            "UPDATE matcher_documents SET body = X'FF00FF' WHERE nct_id = '{first}'"
        ))
        .await
        .unwrap();
    assert_eq!(results(&restart(&store)).await, built);
    let rewritten = store
        .matcher_documents(
            &server::matcher_documents_format(),
            std::slice::from_ref(&first),
        )
        .await
        .unwrap();
    assert_eq!(rewritten.len(), 1);
    assert_ne!(rewritten[0].body, [0xff, 0x00, 0xff]);

    // A new copy of that trial (a new title): its old document, put back by hand, is not read,
    // whether tied to the old content or labelled with the new content's hash under another
    // format.
    let old_title = title_of(&built[0], &first);
    store
        .execute_raw(&format!(
            "CREATE TABLE saved_doc AS SELECT * FROM matcher_documents WHERE nct_id = '{first}'"
        ))
        .await
        .unwrap();
    let record = store.get(&first).await.unwrap().unwrap().record;
    let mut value: Value = serde_json::from_str(&record.raw).unwrap();
    let brief = value["protocolSection"]["identificationModule"]["briefTitle"]
        .as_str()
        .unwrap()
        .to_string();
    value["protocolSection"]["identificationModule"]["briefTitle"] =
        format!("Revised: {brief}").into();
    value["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] =
        json!({"date": "2030-01-02", "type": "ACTUAL"});
    let newer = ctgov::Record::from_api_value(value).unwrap();
    assert_eq!(
        store.upsert_batch(&[newer]).await.unwrap(),
        [store::Upsert::Updated]
    );
    let put_back = |set: &str| {
        format!(
            "DELETE FROM matcher_documents WHERE nct_id = '{first}'; \
             INSERT INTO matcher_documents SELECT * FROM saved_doc; \
             UPDATE matcher_documents SET {set} WHERE nct_id = '{first}'"
        )
    };
    let current_sha = format!("(SELECT raw_sha256 FROM trials WHERE nct_id = '{first}')");
    for stale in [
        "format = format".to_string(),
        format!("raw_sha256 = {current_sha}, format = 'msgpack-0-older-build'"),
    ] {
        store.execute_raw(&put_back(&stale)).await.unwrap();
        let now = post(&restart(&store), &patients()[0]).await;
        assert!(title_of(&now, &first).starts_with("Revised: "), "{stale}");
    }
    // The control: the same old document labelled current would be read (so the two checks
    // above are what keep it out).
    store
        .execute_raw(&put_back(&format!(
            "raw_sha256 = {current_sha}, format = '{}'",
            server::matcher_documents_format()
        )))
        .await
        .unwrap();
    let now = post(&restart(&store), &patients()[0]).await;
    assert_eq!(title_of(&now, &first), old_title);
}

/// Makes every raw record unreadable (saved aside), so a match that parsed one would fail.
async fn hide_raw(store: &store::Store) {
    store
        .execute_raw("CREATE TABLE saved_raw AS SELECT nct_id, raw FROM trials")
        .await
        .unwrap();
    store
        .execute_raw("UPDATE trials SET raw = '{'")
        .await
        .unwrap();
}

async fn restore_raw(store: &store::Store) {
    store
        .execute_raw(
            "UPDATE trials SET raw = (SELECT s.raw FROM saved_raw s WHERE s.nct_id = trials.nct_id); \
             DROP TABLE saved_raw",
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_stores_what_a_match_would_build_and_skips_what_is_current() {
    let (store, _dir) = common::sample_store().await;
    let ids = all_ids(&store).await;
    let mut steps = Vec::new();
    let filled =
        server::fill_matcher_documents(&store, &ids, &mut |done, total| steps.push((done, total)))
            .await
            .unwrap();
    assert_eq!(
        filled,
        server::FillSummary {
            current: 0,
            built: 776,
            stored: 776
        }
    );
    assert_eq!(steps.first(), Some(&(0, 776)));
    assert_eq!(steps.last(), Some(&(776, 776)));
    assert!(steps.len() > 2, "progress comes chunk by chunk: {steps:?}");
    assert_eq!(stored_count(&store).await, 776);

    // A match reads what the fill stored (no record is readable) and ranks exactly as when it
    // builds the documents itself.
    hide_raw(&store).await;
    let read = results(&restart(&store)).await;
    restore_raw(&store).await;
    store.clear_matcher_documents().await.unwrap();
    assert_eq!(read, results(&restart(&store)).await);

    // `matcher_documents` gives them back in the order asked, without ids the store lacks.
    let asked = [
        ids[5].clone(),
        "NCT99999999".to_string(),
        ids[1].to_ascii_lowercase(),
    ];
    let docs = server::matcher_documents(&store, &asked).await.unwrap();
    let got: Vec<&str> = docs.iter().map(|d| d.nct_id.as_str()).collect();
    assert_eq!(got, [ids[5].as_str(), ids[1].as_str()]);

    // Current documents are not built again; a missing one is, once however often it is named.
    store
        .execute_raw(&format!(
            "DELETE FROM matcher_documents WHERE nct_id = '{}'",
            ids[3]
        ))
        .await
        .unwrap();
    let mut twice = ids.clone();
    twice.push(ids[3].to_ascii_lowercase());
    let filled = server::fill_matcher_documents(&store, &twice, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        filled,
        server::FillSummary {
            current: 775,
            built: 1,
            stored: 1
        }
    );
    assert_eq!(stored_count(&store).await, 776);
}
