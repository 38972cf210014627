//! The store's contract, run against SQLite and, when `TRIALBRIDGE_TEST_DATABASE_URL` names a
//! PostgreSQL server, against PostgreSQL too (each test in a schema of its own).

use std::io::{BufRead, BufReader};

use ctgov::Record;
use store::{Store, Upsert};

fn sample() -> Vec<Record> {
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ctgov/studies.jsonl.gz"
    ))
    .unwrap();
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
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
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
    admin
        .execute_raw(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Store::open_url(&format!("{url}{sep}options=-csearch_path%3D{schema}"))
        .await
        .unwrap()
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
        store
            .upsert_batch(std::slice::from_ref(&original))
            .await
            .unwrap();
        let newer = with_update(&original, "2030-01-02", "Newer title");
        assert_eq!(
            store.upsert_batch(std::slice::from_ref(&newer)).await.unwrap(),
            [Upsert::Updated],
            "{backend}"
        );
        let older = with_update(&original, "2029-12-31", "Older title");
        assert_eq!(
            store.upsert_batch(&[older]).await.unwrap(),
            [Upsert::Unchanged],
            "{backend}"
        );
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
            let n = records
                .iter()
                .filter(|r| r.study.lead_sponsor().map(|s| &s.name) == Some(&name))
                .count();
            (name, n as u64)
        };
        let profile = store.sponsor_profile(&name).await.unwrap();
        assert_eq!(profile.trial_count, expected, "{backend}");
        assert_eq!(
            profile.by_status.iter().map(|(_, n)| n).sum::<u64>(),
            expected
        );
        assert!(profile.top_conditions.len() <= 5);
        assert!(!profile.top_conditions.is_empty());
    }
}

#[tokio::test]
async fn state_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), None).await.unwrap();
        store
            .set_state("sync.checkpoint", "2025-01-01")
            .await
            .unwrap();
        store
            .set_state("sync.checkpoint", "2025-02-01")
            .await
            .unwrap();
        store.close().await;
    }
    let store = Store::open(dir.path(), None).await.unwrap();
    assert_eq!(
        store.state("sync.checkpoint").await.unwrap().as_deref(),
        Some("2025-02-01")
    );
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
            if page.is_empty() {
                break;
            }
            after = Some(page.last().unwrap().record.nct_id.to_string());
            seen.extend(page.into_iter().map(|t| t.record.nct_id));
        }
        let mut expected: Vec<_> = records.iter().map(|r| r.nct_id.clone()).collect();
        expected.sort();
        assert_eq!(seen, expected, "{backend}");
    }
}

#[tokio::test]
async fn get_many_reads_several_trials_in_the_order_asked() {
    let records = sample();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(&records).await.unwrap();
        // More ids than one query binds, in reverse order, one lower-case, one unknown.
        let mut ids: Vec<String> = records.iter().rev().map(|r| r.nct_id.to_string()).collect();
        ids[3] = ids[3].to_ascii_lowercase();
        ids.insert(10, "NCT99999999".into());
        let got = store.get_many(&ids).await.unwrap();
        let expected: Vec<String> = records.iter().rev().map(|r| r.nct_id.to_string()).collect();
        let got_ids: Vec<String> = got.iter().map(|t| t.record.nct_id.to_string()).collect();
        assert_eq!(got_ids, expected, "{backend}");
        assert_eq!(got[0].record.raw, records.last().unwrap().raw, "{backend}");
    }
}

/// Stored matcher documents for the first `n` sample trials, with distinct bodies.
async fn put_documents(store: &Store, records: &[Record], format: &str) -> Vec<String> {
    let ids: Vec<String> = records.iter().map(|r| r.nct_id.to_string()).collect();
    let docs: Vec<store::MatcherDocument> = store
        .get_many(&ids)
        .await
        .unwrap()
        .iter()
        .map(|t| store::MatcherDocument {
            nct_id: t.record.nct_id.to_string(),
            updated_at: t.updated_at,
            body: format!("document of {}", t.record.nct_id).into_bytes(),
        })
        .collect();
    assert_eq!(
        store.put_matcher_documents(format, &docs).await.unwrap(),
        ids.len()
    );
    ids
}

#[tokio::test]
async fn matcher_documents_read_back_only_for_their_content_and_format() {
    let records: Vec<Record> = sample().into_iter().take(3).collect();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(&records).await.unwrap();
        let ids = put_documents(&store, &records, "f1").await;
        let mut read = store.matcher_documents("f1", &ids).await.unwrap();
        read.sort_by(|a, b| a.nct_id.cmp(&b.nct_id));
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(
            read.iter().map(|d| d.nct_id.clone()).collect::<Vec<_>>(),
            sorted,
            "{backend}"
        );
        for d in &read {
            assert_eq!(
                d.body,
                format!("document of {}", d.nct_id).into_bytes(),
                "{backend}"
            );
            let trial = store.get(&d.nct_id).await.unwrap().unwrap();
            assert_eq!(d.updated_at, trial.updated_at, "{backend}");
        }
        // Another format (another build of the matcher) never sees them.
        assert!(
            store
                .matcher_documents("f2", &ids)
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );

        // A new copy of trial 0: its document is gone with the old content.
        let newer = with_update(&records[0], "2030-01-02", "Newer title");
        assert_eq!(
            store.upsert_batch(&[newer]).await.unwrap(),
            [Upsert::Updated]
        );
        let left: Vec<String> = store
            .matcher_documents("f1", &ids)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.nct_id)
            .collect();
        assert_eq!(left.len(), 2, "{backend}");
        assert!(!left.contains(&ids[0]), "{backend}");

        // Re-ingesting the same content keeps them.
        store.upsert_batch(&records[1..]).await.unwrap();
        assert_eq!(
            store.matcher_documents("f1", &ids).await.unwrap().len(),
            2,
            "{backend}"
        );

        store.clear_matcher_documents().await.unwrap();
        assert!(
            store
                .matcher_documents("f1", &ids)
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_matcher_document_of_older_content_is_never_read_or_written() {
    let records: Vec<Record> = sample().into_iter().take(2).collect();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(&records).await.unwrap();
        let ids = put_documents(&store, &records, "f1").await;
        // A row left tied to other content (as by a crash between writes in an older
        // version, or an edit by hand) is ignored.
        store
            .execute_raw(&format!(
                "UPDATE matcher_documents SET raw_sha256 = 'old' WHERE nct_id = '{}'",
                ids[0]
            ))
            .await
            .unwrap();
        let read = store.matcher_documents("f1", &ids).await.unwrap();
        assert_eq!(
            read.iter().map(|d| d.nct_id.clone()).collect::<Vec<_>>(),
            [ids[1].clone()],
            "{backend}"
        );

        // A document built from a copy that was replaced meanwhile is not stored.
        let before = store.get(&ids[1]).await.unwrap().unwrap();
        let newer = with_update(&records[1], "2030-01-02", "Newer title");
        store.upsert_batch(&[newer]).await.unwrap();
        let stale = store::MatcherDocument {
            nct_id: ids[1].clone(),
            updated_at: before.updated_at,
            body: b"built from the old copy".to_vec(),
        };
        assert_eq!(
            store.put_matcher_documents("f1", &[stale]).await.unwrap(),
            0,
            "{backend}"
        );
        assert!(
            store
                .matcher_documents("f1", &ids[1..])
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn missing_matcher_documents_are_those_without_a_current_row_in_the_format() {
    let records: Vec<Record> = sample().into_iter().take(4).collect();
    for (backend, store, _dir) in stores().await {
        store.upsert_batch(&records).await.unwrap();
        let ids: Vec<String> = records.iter().map(|r| r.nct_id.to_string()).collect();
        // Nothing stored yet: all of them, in the order asked, whatever the case; an id the
        // store does not hold is left out.
        let mut asked: Vec<String> = ids.iter().rev().map(|id| id.to_ascii_lowercase()).collect();
        asked.push("NCT99999999".into());
        let reversed: Vec<String> = ids.iter().rev().cloned().collect();
        assert_eq!(
            store.missing_matcher_documents("f1", &asked).await.unwrap(),
            reversed,
            "{backend}"
        );

        put_documents(&store, &records[..3], "f1").await;
        assert_eq!(
            store.missing_matcher_documents("f1", &ids).await.unwrap(),
            [ids[3].clone()],
            "{backend}"
        );
        // Another format has none; a new copy of trial 0 lost its document with the old content.
        assert_eq!(
            store.missing_matcher_documents("f2", &ids).await.unwrap(),
            ids,
            "{backend}"
        );
        store
            .upsert_batch(&[with_update(&records[0], "2030-01-02", "Newer title")])
            .await
            .unwrap();
        assert_eq!(
            store.missing_matcher_documents("f1", &ids).await.unwrap(),
            [ids[0].clone(), ids[3].clone()],
            "{backend}"
        );
    }
}
