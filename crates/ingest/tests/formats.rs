//! Every supported input layout, read from real sample records committed in the repo.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use ingest::{BytesRead, Place, read::read_path};

fn sample_gz() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ctgov/studies.jsonl.gz")
}

fn sample_lines() -> Vec<String> {
    let file = std::fs::File::open(sample_gz()).unwrap();
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(Result::unwrap)
        .collect()
}

/// Reads a file and returns (accepted NCT ids, rejections as "place: reason").
fn read_all(path: &Path) -> (Vec<String>, Vec<(Place, String)>) {
    let mut ids = Vec::new();
    let mut rejected = Vec::new();
    read_path(path, &BytesRead::default(), &mut |chunk| {
        for item in chunk {
            match item {
                Ok(r) => ids.push(r.nct_id.to_string()),
                Err(e) => rejected.push((e.place, e.reason)),
            }
        }
        Ok(())
    })
    .unwrap();
    (ids, rejected)
}

fn ids_of(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["protocolSection"]["identificationModule"]["nctId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn gzipped_json_lines_of_the_whole_sample() {
    let (ids, rejected) = read_all(&sample_gz());
    assert_eq!(ids.len(), 775);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(ids, ids_of(&sample_lines()));
}

#[test]
fn a_truncated_line_is_named_and_the_rest_goes_on() {
    let mut lines = sample_lines();
    let cut = lines[99].len() / 2;
    lines[99].truncate(cut);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (ids, rejected) = read_all(&path);
    assert_eq!(ids.len(), 774);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, Place::Line(100));
    assert!(
        rejected[0].1.starts_with("not valid JSON"),
        "{}",
        rejected[0].1
    );
}

#[test]
fn arrays_pages_and_single_studies() {
    let lines = &sample_lines()[..30];
    let values: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();

    let array = dir.path().join("array.json");
    std::fs::write(&array, serde_json::to_string_pretty(&values).unwrap()).unwrap();
    assert_eq!(read_all(&array).0, ids_of(lines));

    let page = dir.path().join("page.json");
    let page_json = serde_json::json!({"studies": values, "nextPageToken": "abc"});
    std::fs::write(&page, serde_json::to_string_pretty(&page_json).unwrap()).unwrap();
    assert_eq!(read_all(&page).0, ids_of(lines));

    let single = dir.path().join("NCT.json");
    std::fs::write(&single, serde_json::to_string_pretty(&values[3]).unwrap()).unwrap();
    let (ids, rejected) = read_all(&single);
    assert_eq!(ids, ids_of(&lines[3..4]));
    assert!(rejected.is_empty());

    let mut broken = serde_json::to_string_pretty(&values).unwrap();
    broken.truncate(broken.len() * 2 / 3);
    let broken_path = dir.path().join("broken.json");
    std::fs::write(&broken_path, broken).unwrap();
    let err = read_path(&broken_path, &BytesRead::default(), &mut |_| Ok(())).unwrap_err();
    assert!(err.to_string().contains("breaks off"), "{err}");
}

#[test]
fn the_registry_bulk_zip_layout() {
    let lines = &sample_lines()[..25];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ctg-studies.json.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (line, id) in lines.iter().zip(ids_of(lines)) {
        zip.start_file(format!("{id}.json"), options).unwrap();
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(line).unwrap())
                .unwrap();
        zip.write_all(pretty.as_bytes()).unwrap();
    }
    zip.start_file("README.txt", options).unwrap();
    zip.write_all(b"not a study").unwrap();
    zip.start_file("NCT00000000.json", options).unwrap();
    zip.write_all(b"{\"protocolSection\": {").unwrap();
    zip.finish().unwrap();
    let (ids, rejected) = read_all(&path);
    assert_eq!(ids, ids_of(lines));
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, Place::Entry("NCT00000000.json".into()));
}

#[test]
fn benchmark_trial_info_layout() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trial_info.jsonl");
    let (ids, rejected) = read_all(&path);
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(ids.len(), 3);
    assert_eq!(rejected[0].0, Place::Line(4));
    assert_eq!(
        rejected[0].1,
        "NCT00000999: minimum_age 'eighteen' is not an age (expected e.g. '18 Years', '6 Months')"
    );
}

/// Reads a file's accepted records.
fn records_of(path: &Path) -> Vec<ctgov::Record> {
    let mut out = Vec::new();
    read_path(path, &BytesRead::default(), &mut |chunk| {
        out.extend(chunk.into_iter().flatten());
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn normalized_trial_file_layout() {
    // Four real records of the team's normalized trial file, one of each shape, and a made-up
    // one with a bad sex.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trials_normalized.jsonl");
    let (ids, rejected) = read_all(&path);
    assert_eq!(
        ids,
        ["NCT00000408", "NCT00001153", "NCT03997981", "NCT00000122"]
    );
    assert_eq!(
        rejected,
        [(
            Place::Line(5),
            "NCT00000998: not a study record: sex 'X' is not one of ALL, FEMALE, MALE".to_string()
        )]
    );
    let records = records_of(&path);
    let study = |id: &str| {
        &records
            .iter()
            .find(|r| r.nct_id.as_str() == id)
            .unwrap()
            .study
    };

    // Criteria given as separate parts are joined under their headings, inclusion first.
    let parts = study("NCT00000408");
    let criteria = parts.eligibility_criteria().unwrap();
    assert!(criteria.starts_with("inclusion criteria:"), "{criteria}");
    let exclusion = criteria
        .find("Exclusion Criteria:\nPregnancy")
        .expect(criteria);
    assert!(criteria[..exclusion].contains("Must live in the United States"));
    assert_eq!(parts.conditions(), ["Low Back Pain"]);
    assert_eq!(
        parts.brief_title(),
        "Low Back Pain Patient Education Evaluation"
    );

    // A TrialGPT-corpus record: "phase": {} is no phase.
    let corpus = study("NCT03997981");
    assert!(corpus.phases().is_empty());
    assert!(
        corpus
            .eligibility_criteria()
            .unwrap()
            .starts_with("inclusion criteria:")
    );

    // Criteria text alone: no title, no summary, no ages.
    let bare = study("NCT00000122");
    assert!(
        bare.eligibility_criteria()
            .unwrap()
            .starts_with("Men and women with uncontrolled")
    );
    assert_eq!(bare.minimum_age().unwrap(), None);
}

#[test]
fn bad_records_name_the_field() {
    let mut lines = sample_lines()[..3].to_vec();
    let mut v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    v["protocolSection"]["identificationModule"]
        .as_object_mut()
        .unwrap()
        .remove("nctId");
    lines[1] = v.to_string();
    let mut v: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    v["protocolSection"]["eligibilityModule"]["minimumAge"] = "abc".into();
    let id = v["protocolSection"]["identificationModule"]["nctId"]
        .as_str()
        .unwrap()
        .to_string();
    lines[2] = v.to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (ids, rejected) = read_all(&path);
    assert_eq!(ids.len(), 1);
    assert_eq!(rejected[0], (Place::Line(2), "NCT id missing".to_string()));
    assert_eq!(
        rejected[1],
        (
            Place::Line(3),
            format!("{id}: minimumAge 'abc' is not an age (expected e.g. '18 Years', '6 Months')")
        )
    );
}

#[test]
fn files_that_are_not_records_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello").unwrap();
    let err = read_path(&path, &BytesRead::default(), &mut |_| Ok(())).unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "  \n").unwrap();
    let err = read_path(&empty, &BytesRead::default(), &mut |_| Ok(())).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let missing = read_path(
        &dir.path().join("nope.json"),
        &BytesRead::default(),
        &mut |_| Ok(()),
    )
    .unwrap_err();
    assert!(missing.to_string().contains("nope.json"), "{missing}");
}
