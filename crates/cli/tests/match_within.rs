//! `trialbridge match` with a patient location: the nearest site of each trial, and `--within`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trialbridge"));
    cmd.env_remove("TRIALBRIDGE_DATABASE_URL").env_remove("TRIALBRIDGE_DATA_DIR").env_remove("TRIALBRIDGE_MATCH_CANDIDATES");
    cmd
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ctgov/studies.jsonl.gz")
}

fn write_profile(dir: &Path, name: &str, location: serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    let profile = serde_json::json!({
        "age_years": 64,
        "sex": "male",
        "diagnoses": [{"text": "non-small cell lung cancer"}],
        "location": location
    });
    std::fs::write(&path, profile.to_string()).unwrap();
    path
}

#[test]
fn match_within_keeps_trials_with_a_site_that_near_in_ranking_order() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&bin().args(["ingest", sample_path().to_str().unwrap(), "--data-dir", data.to_str().unwrap()]).output().unwrap());
    let profile = write_profile(dir.path(), "boston.json", serde_json::json!({"postal_code": "02115", "country": "United States"}));
    let matched = |extra: &[&str]| -> Output {
        bin().args(["match", "--patient", profile.to_str().unwrap(), "--top", "40", "--data-dir", data.to_str().unwrap()]).args(extra).output().unwrap()
    };
    let json = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&matched(&args))).unwrap()
    };

    let all = json(&[]);
    assert_eq!(all["patient_location"]["label"], "ZIP 02115, United States");
    let all = all["trials"].as_array().unwrap().clone();
    assert_eq!(all.len(), 40);
    assert!(all.iter().any(|t| t["nearest_site"]["distance_km"].as_f64().is_some_and(|km| km > 250.0)));

    let near = json(&["--within", "250"]);
    let near = near["trials"].as_array().unwrap();
    assert!(!near.is_empty());
    for t in near {
        assert!(t["nearest_site"]["distance_km"].as_f64().unwrap() <= 250.0, "{t}");
    }
    // The near trials of the unlimited ranking come first, in the same order with the same scores.
    let near_in_all: Vec<&serde_json::Value> =
        all.iter().filter(|t| t["nearest_site"]["distance_km"].as_f64().is_some_and(|km| km <= 250.0)).collect();
    assert!(!near_in_all.is_empty());
    for (a, b) in near_in_all.iter().zip(near) {
        assert_eq!((&a["nct_id"], &a["score"]), (&b["nct_id"], &b["score"]));
    }

    // The table says where distances are from, and each trial's nearest site.
    let table = ok(&matched(&["--within", "250"]));
    assert!(table.contains("Distances from ZIP 02115, United States; only trials with a site within 250 km."), "{table}");
    assert_eq!(table.matches("Nearest ").count(), near.len(), "{table}");

    // A limit needs a location; a place that cannot be found is named.
    let note = dir.path().join("note.txt");
    std::fs::write(&note, "A 64-year-old man with lung cancer.").unwrap();
    let no_place = bin().args(["match", "--note", note.to_str().unwrap(), "--within", "100", "--data-dir", data.to_str().unwrap()]).output().unwrap();
    assert!(!no_place.status.success());
    assert!(String::from_utf8_lossy(&no_place.stderr).contains("--within needs the patient's location"));
    let unknown = write_profile(dir.path(), "unknown.json", serde_json::json!({"city": "Xqzzyville", "country": "France"}));
    let out = bin().args(["match", "--patient", unknown.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'Xqzzyville, France'"), "{out:?}");
    // --location places a note's patient.
    let located = bin().args(["match", "--note", note.to_str().unwrap(), "--location", "Boston, MA, USA", "--within", "250", "--json", "--data-dir", data.to_str().unwrap()]).output().unwrap();
    let located: serde_json::Value = serde_json::from_str(&ok(&located)).unwrap();
    assert!(located["patient_location"]["label"].as_str().unwrap().starts_with("Boston"), "{located}");
    for t in located["trials"].as_array().unwrap() {
        assert!(t["nearest_site"]["distance_km"].as_f64().unwrap() <= 250.0, "{t}");
    }
    let bad = matched(&["--within", "0"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--within"));
}
