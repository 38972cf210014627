//! Search sees what `ingest` writes while a server runs: the server owns the index and catches
//! up from the store, so an updated or withdrawn trial is never served stale.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn sample_first_line() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ctgov/studies.jsonl.gz");
    let file = std::fs::File::open(path).unwrap();
    BufReader::new(flate2::read::GzDecoder::new(file)).lines().next().unwrap().unwrap()
}

#[test]
fn an_update_ingested_while_serving_reaches_search() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let server = common::serve(Path::new(data));
    let base = server.base.clone();

    // A newer version of a sample trial: withdrawn, with a new title.
    let mut record: serde_json::Value = serde_json::from_str(&sample_first_line()).unwrap();
    let id = record["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap().to_string();
    let ps = &mut record["protocolSection"];
    ps["identificationModule"]["briefTitle"] = "Quetzalcoatl withdrawal study".into();
    ps["statusModule"]["overallStatus"] = "WITHDRAWN".into();
    ps["statusModule"]["lastUpdatePostDateStruct"] = serde_json::json!({"date": "2031-01-01", "type": "ACTUAL"});
    let update = dir.path().join("update.json");
    std::fs::write(&update, record.to_string()).unwrap();
    let ingest = Command::new(env!("CARGO_BIN_EXE_trialbridge"))
        .args(["ingest", update.to_str().unwrap(), "--data-dir", data])
        .env_remove("TRIALBRIDGE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(ingest.status.success(), "{}", String::from_utf8_lossy(&ingest.stderr));
    assert_eq!(String::from_utf8_lossy(&ingest.stdout).trim(), "0 stored, 1 updated, 0 unchanged, 0 rejected");

    let client = reqwest::blocking::Client::new();
    let search = |query: &str| -> serde_json::Value {
        client.get(format!("{base}/api/v2/studies?{query}")).send().unwrap().json().unwrap()
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["studies"].as_array().unwrap().iter()
            .map(|s| s["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap().to_string())
            .collect()
    };
    // The server's refresh runs every few seconds; wait for it, boundedly.
    let started = Instant::now();
    let found = loop {
        let found = ids(&search("query.titles=Quetzalcoatl"));
        if !found.is_empty() || started.elapsed() > Duration::from_secs(30) {
            break found;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(found, std::slice::from_ref(&id));
    let withdrawn = search(&format!("filter.overallStatus=WITHDRAWN&filter.ids={id}"));
    assert_eq!(ids(&withdrawn), std::slice::from_ref(&id));
    let recruiting = search(&format!("filter.overallStatus=RECRUITING,COMPLETED&filter.ids={id}"));
    assert!(ids(&recruiting).is_empty(), "the old status is served stale");
    drop(server);
}
