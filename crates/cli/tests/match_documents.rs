//! Matcher documents are stored when trials arrive (`ingest`, `reindex`, the sample `serve`
//! loads), and `trialbridge match` reads them, ranking exactly as when it builds them itself.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trialbridge"));
    cmd.env_remove("TRIALBRIDGE_DATABASE_URL")
        .env_remove("TRIALBRIDGE_DATA_DIR")
        .env_remove("TRIALBRIDGE_MATCH_CANDIDATES");
    cmd
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ctgov/studies.jsonl.gz")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Runs `f` on the store of `data` (SQLite; no CLI process is writing meanwhile).
fn with_store<T>(data: &Path, f: impl AsyncFnOnce(&store::Store) -> T) -> T {
    runtime().block_on(async {
        let store = store::Store::open(data, None).await.unwrap();
        let out = f(&store).await;
        store.close().await;
        out
    })
}

/// How many stored trials have a current matcher document of this build.
async fn current_documents(store: &store::Store) -> usize {
    let ids: Vec<String> = store.changed_since(None).await.unwrap().into_iter().map(|(id, _)| id).collect();
    store.matcher_documents(&server::matcher_documents_format(), &ids).await.unwrap().len()
}

fn ingest(data: &Path, file: &Path) -> String {
    ok(bin().args(["ingest", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]).output().unwrap())
}

#[test]
fn ingest_stores_the_documents_of_what_it_wrote_and_reindex_refills_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert_eq!(ingest(&data, &sample_path()), "775 stored, 0 updated, 0 unchanged, 0 rejected");
    assert_eq!(with_store(&data, async |s| current_documents(s).await), 775);

    // A new copy of one trial drops its document with the old content; ingest builds it again.
    let line = BufReader::new(flate2::read::GzDecoder::new(std::fs::File::open(sample_path()).unwrap()))
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let mut record: serde_json::Value = serde_json::from_str(&line).unwrap();
    record["protocolSection"]["identificationModule"]["briefTitle"] = "A revised title".into();
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] =
        serde_json::json!({"date": "2031-01-01", "type": "ACTUAL"});
    let update = dir.path().join("update.json");
    std::fs::write(&update, record.to_string()).unwrap();
    assert_eq!(ingest(&data, &update), "0 stored, 1 updated, 0 unchanged, 0 rejected");
    assert_eq!(with_store(&data, async |s| current_documents(s).await), 775);

    // Emptied (the table is a cache), reindex fills it again; a second run has nothing to build.
    with_store(&data, async |s| s.clear_matcher_documents().await.unwrap());
    let reindex = || ok(bin().args(["reindex", "--data-dir", data.to_str().unwrap()]).output().unwrap());
    assert_eq!(reindex(), "775 trials indexed\n775 matcher documents built, 0 already current");
    assert_eq!(with_store(&data, async |s| current_documents(s).await), 775);
    assert_eq!(reindex(), "775 trials indexed\n0 matcher documents built, 775 already current");
}

fn match_json(data: &Path, note: &Path, candidates: Option<&str>) -> serde_json::Value {
    let mut cmd = bin();
    cmd.args(["match", "--note", note.to_str().unwrap(), "--top", "25", "--json", "--data-dir"]).arg(data);
    if let Some(k) = candidates {
        cmd.env("TRIALBRIDGE_MATCH_CANDIDATES", k);
    }
    serde_json::from_str(&ok(cmd.output().unwrap())).unwrap()
}

#[test]
fn match_reads_the_stored_documents_and_ranks_as_when_it_builds_them() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("note.txt");
    std::fs::write(
        &note,
        "A 64-year-old man with non-small cell lung cancer, stage IV, EGFR negative. ECOG 1. \
         He received carboplatin. He denies smoking.",
    )
    .unwrap();
    // Every stored trial ranked (the store holds fewer than the candidate limit), then the
    // retrieval path: 100 candidates from the index, the model fitted on a sample of the store.
    for candidates in [None, Some("100")] {
        let data = dir.path().join(format!("data-{}", candidates.unwrap_or("all")));
        ingest(&data, &sample_path());

        // Read from the stored documents: for the full scan, with every raw record made
        // unreadable, so a match that still parsed them would fail.
        let hide = candidates.is_none();
        if hide {
            with_store(&data, async |s| {
                s.execute_raw("CREATE TABLE saved_raw AS SELECT nct_id, raw FROM trials").await.unwrap();
                s.execute_raw("UPDATE trials SET raw = '{'").await.unwrap();
            });
        }
        let read = match_json(&data, &note, candidates);
        if hide {
            with_store(&data, async |s| {
                s.execute_raw("UPDATE trials SET raw = (SELECT r.raw FROM saved_raw r WHERE r.nct_id = trials.nct_id)")
                    .await
                    .unwrap();
            });
        }

        // Built from the records (none stored): the same ranking, and the built ones are stored.
        with_store(&data, async |s| s.clear_matcher_documents().await.unwrap());
        let built = match_json(&data, &note, candidates);
        assert_eq!(read, built, "candidates {candidates:?}");
        assert!(built["trials"].as_array().unwrap().len() >= 10, "{built}");
        // With retrieval: the model's sample of the store (all 775 here: fewer than 2 000).
        assert_eq!(with_store(&data, async |s| current_documents(s).await), 775);
    }
}

/// The current documents in `data` once a running server's background fill has stored
/// `expected` of them, or after two minutes (whatever is there then).
fn documents_once_filled(data: &Path, expected: usize) -> usize {
    let started = Instant::now();
    loop {
        let stored = with_store(data, async |s| current_documents(s).await);
        if stored == expected || started.elapsed() > Duration::from_secs(120) {
            return stored;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn serve_stores_the_documents_of_the_sample_it_loads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = common::serve(&data);
    let first = &server.first_line;
    assert!(first.starts_with("TrialBridge is serving 776 trials"), "{first}");
    let stored = documents_once_filled(&data, 776);
    drop(server);
    assert_eq!(stored, 776);
}

#[test]
fn serve_builds_the_documents_a_store_lacks() {
    // A store whose documents are gone (or were written by an older parser): serve fills them
    // in the background, not only for the sample it seeds.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ingest(&data, &sample_path());
    with_store(&data, async |s| s.clear_matcher_documents().await.unwrap());
    assert_eq!(with_store(&data, async |s| current_documents(s).await), 0);
    let server = common::serve(&data);
    assert!(server.first_line.starts_with("TrialBridge is serving 775 trials"), "{}", server.first_line);
    let stored = documents_once_filled(&data, 775);
    drop(server);
    assert_eq!(stored, 775);
}
