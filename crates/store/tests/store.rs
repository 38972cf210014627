//! The store's contract, run against SQLite and, when `TRIALBRIDGE_TEST_DATABASE_URL` names a
//! PostgreSQL server, against PostgreSQL too (each test in a schema of its own).

use std::io::{BufRead, BufReader};

use ctgov::Record;
use store::{Store, Upsert};

fn sample() -> Vec<Record> {
    let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ctgov/studies.jsonl.gz")).unwrap();
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| Record::from_api_json(&l.unwrap()).unwrap())
        .collect()
}

/// SQLite in a temporary directory, plus PostgreSQL when configured.
async fn stores() -> Vec<(&'static str, Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(dir.path(), None).await.unwrap();
    let mut out = vec![("sqlite", sqlite, Some(dir))];
    match std::env::var("TRIALBRIDGE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => out.push(("postgres", postgres_schema(&url).await, None)),
        _ => eprintln!("PostgreSQL store tests skipped: TRIALBRIDGE_TEST_DATABASE_URL is not set"),
    }
    out
}

/// A fresh schema on the test server, so parallel tests never see each other's rows.
async fn postgres_schema(url: &str) -> Store {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "tb_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let admin = Store::open_url(url).await.unwrap();
    // The first test of this run drops the schemas earlier runs left behind (their process ids
    // differ from ours); this run's own schemas go the same way next time.
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SWEPT.swap(true, Ordering::SeqCst) {
        let ours = format!("tb\\_test\\_{}\\_%", std::process::id());
        admin
            .execute_raw(&format!(
                "DO $$ DECLARE s text; BEGIN \
                 FOR s IN SELECT nspname FROM pg_namespace \
                   WHERE nspname LIKE 'tb\\_test\\_%' AND nspname NOT LIKE '{ours}' LOOP \
                   EXECUTE 'DROP SCHEMA IF EXISTS ' || quote_ident(s) || ' CASCADE'; \
                 END LOOP; END $$"
            ))
            .await
            .unwrap();
    }
    admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    admin.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Store::open_url(&format!("{url}{sep}options=-csearch_path%3D{schema}")).await.unwrap()
}

#[tokio::test]
async fn ingest_is_idempotent_and_keeps_raw_records() {
    let records = sample();
    assert_eq!(records.len(), 775);
    for (backend, store, _dir) in stores().await {
        let first = store.upsert_batch(&records).await.unwrap();
        assert!(first.iter().all(|o| *o == Upsert::Stored), "{backend}");
        let second = store.upsert_batch(&records).await.unwrap();
        assert!(second.iter().all(|o| *o == Upsert::Unchanged), "{backend}");
        assert_eq!(store.count().await.unwrap(), 775, "{backend}");
        for r in records.iter().step_by(50) {
            let stored = store.get(r.nct_id.as_str()).await.unwrap().unwrap();
            assert_eq!(stored.record.raw, r.raw, "{backend}");
            assert_eq!(stored.record.study, r.study, "{backend}");
        }
        assert!(store.get("NCT99999999").await.unwrap().is_none());
    }
}

fn with_update(record: &Record, date: &str, title: &str) -> Record {
    let mut value: serde_json::Value = serde_json::from_str(&record.raw).unwrap();
    value["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] =
        serde_json::json!({"date": date, "type": "ACTUAL"});
    value["protocolSection"]["identificationModule"]["briefTitle"] = title.into();
    Record::from_api_value(value).unwrap()
}

#[tokio::test]
async fn newer_copies_replace_older_ones_never_the_reverse() {
    let original = sample().into_iter().next().unwrap();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(std::slice::from_ref(&original)).await.unwrap();
        let newer = with_update(&original, "2030-01-02", "Newer title");
        assert_eq!(store.upsert_batch(&[newer.clone()]).await.unwrap(), [Upsert::Updated], "{backend}");
        let older = with_update(&original, "2029-12-31", "Older title");
        assert_eq!(store.upsert_batch(&[older]).await.unwrap(), [Upsert::Unchanged], "{backend}");
        let kept = store.get(original.nct_id.as_str()).await.unwrap().unwrap();
        assert_eq!(kept.record.study.brief_title(), "Newer title", "{backend}");
    }
}

#[tokio::test]
async fn sponsor_profile_counts_what_is_stored() {
    let records = sample();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(&records).await.unwrap();
        let (name, expected) = {
            let name = records[0].study.lead_sponsor().unwrap().name.clone();
            let n = records.iter().filter(|r| r.study.lead_sponsor().map(|s| &s.name) == Some(&name)).count();
            (name, n as u64)
        };
        let profile = store.sponsor_profile(&name).await.unwrap();
        assert_eq!(profile.trial_count, expected, "{backend}");
        assert_eq!(profile.by_status.iter().map(|(_, n)| n).sum::<u64>(), expected);
        assert!(profile.top_conditions.len() <= 5);
        assert!(!profile.top_conditions.is_empty());
    }
}

#[tokio::test]
async fn state_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), None).await.unwrap();
        store.set_state("sync.checkpoint", "2025-01-01").await.unwrap();
        store.set_state("sync.checkpoint", "2025-02-01").await.unwrap();
        store.close().await;
    }
    let store = Store::open(dir.path(), None).await.unwrap();
    assert_eq!(store.state("sync.checkpoint").await.unwrap().as_deref(), Some("2025-02-01"));
    assert_eq!(store.state("missing").await.unwrap(), None);
}

#[tokio::test]
async fn walking_pages_visits_every_trial_once() {
    let records = sample();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(&records).await.unwrap();
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store.page_after(after.as_deref(), 100).await.unwrap();
            if page.is_empty() { break; }
            after = Some(page.last().unwrap().record.nct_id.to_string());
            seen.extend(page.into_iter().map(|t| t.record.nct_id));
        }
        let mut expected: Vec<_> = records.iter().map(|r| r.nct_id.clone()).collect();
        expected.sort();
        assert_eq!(seen, expected, "{backend}");
    }
}
