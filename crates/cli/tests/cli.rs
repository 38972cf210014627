//! The `trialbridge` binary as a user runs it: ingest, show, check, and crash safety.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trialbridge"));
    cmd.env_remove("TRIALBRIDGE_DATABASE_URL").env_remove("TRIALBRIDGE_DATA_DIR");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ctgov/studies.jsonl.gz")
}

fn sample_lines() -> Vec<String> {
    let file = std::fs::File::open(sample_path()).unwrap();
    BufReader::new(flate2::read::GzDecoder::new(file)).lines().map(Result::unwrap).collect()
}

#[test]
fn ingesting_the_sample_twice_stores_then_reports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let sample = sample_path();
    let first = run(&["ingest", sample.to_str().unwrap(), "--data-dir", d]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(stdout(&first), "775 stored, 0 updated, 0 unchanged, 0 rejected");
    // --data-dir before the subcommand works as well.
    let second = run(&["--data-dir", d, "ingest", sample.to_str().unwrap()]);
    assert!(second.status.success());
    assert_eq!(stdout(&second), "0 stored, 0 updated, 775 unchanged, 0 rejected");
    let check = run(&["check", "--data-dir", d]);
    assert!(check.status.success());
    assert_eq!(stdout(&check), "775 trials checked, 0 problems");
}

#[test]
fn a_truncated_line_is_rejected_by_name_and_the_exit_status_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = sample_lines();
    let half = lines[41].len() / 2;
    lines[41].truncate(half);
    let path = dir.path().join("truncated.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = run(&["ingest", path.to_str().unwrap(), "--data-dir", dir.path().join("d").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "774 stored, 0 updated, 0 unchanged, 1 rejected");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("truncated.jsonl, line 42: not valid JSON"), "{stderr}");
}

#[test]
fn show_json_gives_back_the_registry_values_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(run(&["ingest", sample_path().to_str().unwrap(), "--data-dir", d]).status.success());
    for line in sample_lines().iter().step_by(7) {
        let original: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = original["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap();
        let out = run(&["show", id, "--json", "--data-dir", d]);
        assert!(out.status.success());
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Title, status, ages, sex, conditions and sites with coordinates are all in here.
        assert_eq!(shown, original, "{id}");
    }
    let missing = run(&["show", "NCT99999999", "--data-dir", d]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NCT99999999 is not stored"));
    let malformed = run(&["show", "12345", "--data-dir", d]);
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("'12345' is not an NCT id"));
}

/// A copy of a record with a newer update date, a new title and one more condition.
fn newer_version(line: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    let ps = &mut v["protocolSection"];
    ps["statusModule"]["lastUpdatePostDateStruct"] = serde_json::json!({"date": "2031-01-01", "type": "ACTUAL"});
    let title = ps["identificationModule"]["briefTitle"].as_str().unwrap().to_string();
    ps["identificationModule"]["briefTitle"] = format!("{title} (version 2)").into();
    if let Some(conditions) = ps["conditionsModule"]["conditions"].as_array_mut() {
        conditions.push("Version two".into());
    }
    v.to_string()
}

fn nct_id(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap().to_string()
}

#[test]
fn sigkill_mid_ingest_leaves_every_trial_fully_old_or_fully_new() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("store");
    let d = d.to_str().unwrap();
    assert!(run(&["ingest", sample_path().to_str().unwrap(), "--data-dir", d]).status.success());

    // A large update file: the newer version of every sample trial, then many synthetic
    // copies under other ids, so the run is long enough to be killed half-way.
    let lines = sample_lines();
    let path = dir.path().join("update.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for copy in 0..60 {
        for (i, line) in lines.iter().enumerate() {
            let line = if copy == 0 {
                newer_version(line)
            } else {
                let mut v: serde_json::Value = serde_json::from_str(&newer_version(line)).unwrap();
                v["protocolSection"]["identificationModule"]["nctId"] = format!("NCT9{copy:03}{i:04}").into();
                v.to_string()
            };
            writeln!(file, "{line}").unwrap();
        }
    }
    drop(file);

    let mut child = bin()
        .args(["ingest", path.to_str().unwrap(), "--data-dir", d])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once some batches are in but long before the end.
    let db = dir.path().join("store/trialbridge.sqlite3-wal");
    let started = std::time::Instant::now();
    while std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) < 4 << 20 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "ingest finished before it could be killed; make the file larger");

    let check = run(&["check", "--data-dir", d]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let total: usize = stdout(&check).split_whitespace().next().unwrap().parse().unwrap();
    assert!((775..775 * 60).contains(&total), "the kill should land half-way, stored {total}");
    for line in lines.iter().step_by(25) {
        let id = nct_id(line);
        let out = run(&["show", &id, "--json", "--data-dir", d]);
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let old: serde_json::Value = serde_json::from_str(line).unwrap();
        let new: serde_json::Value = serde_json::from_str(&newer_version(line)).unwrap();
        assert!(shown == old || shown == new, "{id} is neither the old nor the new version");
    }
}

#[test]
fn summary_prints_the_plain_language_summary_and_llm_stays_off_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(run(&["ingest", sample_path().to_str().unwrap(), "--data-dir", d]).status.success());
    let out = bin().args(["summary", "NCT00000410", "--json", "--data-dir", d]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "deterministic");
    assert!(v["grade"].as_f64().unwrap() <= 8.0);
    assert!(v["text"].as_str().unwrap().contains("The study has finished."));
    let llm = bin()
        .args(["summary", "NCT00000410", "--llm", "--data-dir", d])
        .env_remove("TRIALBRIDGE_LLM_URL")
        .env_remove("TRIALBRIDGE_LLM_MODEL")
        .output()
        .unwrap();
    assert!(!llm.status.success());
    assert!(String::from_utf8_lossy(&llm.stderr).contains("TRIALBRIDGE_LLM_URL"));
}
