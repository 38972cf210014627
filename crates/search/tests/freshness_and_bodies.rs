//! The index follows the store: an updated trial is searched in its new version, a deleted one
//! is gone, and a reopened index answers as before. The response bodies keep the registry's
//! shape.

use std::collections::HashMap;
use std::io::Read;

use search::{StudiesQuery, TrialIndex};
use serde_json::{Value, json};

fn first_records(n: usize) -> Vec<(Value, ctgov::Study)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ctgov/studies.jsonl.gz"
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .take(n)
        .map(|l| {
            (
                serde_json::from_str(l).unwrap(),
                ctgov::Record::from_api_json(l).unwrap().study,
            )
        })
        .collect()
}

fn ids(index: &TrialIndex, pairs: &[(&str, &str)]) -> Vec<String> {
    let mut p = pairs.to_vec();
    p.push(("pageSize", "1000"));
    index
        .search(&StudiesQuery::from_strs(&p).unwrap())
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.nct_id)
        .collect()
}

#[test]
fn updates_and_deletes_are_seen_at_once_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let records = first_records(40);
    let target = records
        .iter()
        .find(|(_, s)| s.overall_status() == "COMPLETED")
        .unwrap()
        .1
        .clone();
    let id = target.nct_id().to_string();
    {
        let index = TrialIndex::open(dir.path()).unwrap();
        assert_eq!(
            index
                .rebuild(records.iter().map(|(_, s)| s.clone()))
                .unwrap(),
            40
        );
        assert!(ids(&index, &[("filter.overallStatus", "COMPLETED")]).contains(&id));

        // The registry says the trial now recruits for a new condition.
        let mut updated = target.clone();
        updated.protocol_section.status_module.overall_status = "RECRUITING".into();
        updated
            .protocol_section
            .conditions_module
            .as_mut()
            .unwrap()
            .conditions = vec!["Xylophonitis".into()];
        index.upsert(&[&updated]).unwrap();
        assert_eq!(index.len(), 40, "an update replaces, it does not add");
        assert!(!ids(&index, &[("filter.overallStatus", "COMPLETED")]).contains(&id));
        assert_eq!(
            ids(
                &index,
                &[
                    ("query.cond", "xylophonitis"),
                    ("filter.overallStatus", "RECRUITING")
                ]
            ),
            vec![id.clone()]
        );

        // Withdrawn: still findable by id, never as recruiting.
        let mut withdrawn = updated.clone();
        withdrawn.protocol_section.status_module.overall_status = "WITHDRAWN".into();
        index.upsert(&[&withdrawn]).unwrap();
        assert!(
            ids(
                &index,
                &[
                    ("query.cond", "xylophonitis"),
                    ("filter.overallStatus", "RECRUITING")
                ]
            )
            .is_empty()
        );
        assert_eq!(ids(&index, &[("filter.ids", &id)]), vec![id.clone()]);
    }
    {
        let index = TrialIndex::open(dir.path()).unwrap();
        assert_eq!(index.len(), 40);
        assert_eq!(
            ids(
                &index,
                &[
                    ("query.cond", "xylophonitis"),
                    ("filter.overallStatus", "WITHDRAWN")
                ]
            ),
            vec![id.clone()]
        );
        index.delete(&[&id]).unwrap();
        assert!(ids(&index, &[("filter.ids", &id)]).is_empty());
        assert!(ids(&index, &[("query.cond", "xylophonitis")]).is_empty());
        assert_eq!(index.len(), 39);
    }
    let index = TrialIndex::open(dir.path()).unwrap();
    assert_eq!(index.len(), 39);
    drop(index);
    // Recreating leaves an empty index, ready for a rebuild from the store.
    let index = TrialIndex::recreate(dir.path()).unwrap();
    assert_eq!(index.len(), 0);
    assert_eq!(
        index
            .rebuild(records.iter().map(|(_, s)| s.clone()))
            .unwrap(),
        40
    );
}

#[test]
fn json_and_csv_bodies() {
    let records = first_records(30);
    let index = TrialIndex::open_in_ram().unwrap();
    index
        .rebuild(records.iter().map(|(_, s)| s.clone()))
        .unwrap();
    let by_id: HashMap<String, Value> = records
        .iter()
        .map(|(v, s)| (s.nct_id().to_string(), v.clone()))
        .collect();

    let q = StudiesQuery::from_strs(&[
        ("fields", "NCTId,OverallStatus"),
        ("pageSize", "4"),
        ("countTotal", "true"),
    ])
    .unwrap();
    let page = index.search(&q).unwrap();
    let body = search::json_body(&q, &page, &by_id);
    assert_eq!(body["totalCount"], json!(30));
    assert!(body["nextPageToken"].is_string());
    let studies = body["studies"].as_array().unwrap();
    assert_eq!(studies.len(), 4);
    let first = studies[0].as_object().unwrap();
    let keys: Vec<&String> = first.keys().collect();
    assert_eq!(keys, vec!["protocolSection", search::EXTENSION_KEY]);
    let ps = first["protocolSection"].as_object().unwrap();
    assert!(ps["identificationModule"]["nctId"].is_string());
    assert!(ps["statusModule"]["overallStatus"].is_string());
    assert_eq!(ps["identificationModule"].as_object().unwrap().len(), 1);
    assert!(body[search::EXTENSION_KEY]["facets"]["overallStatus"].is_array());

    // The last page has no token.
    let token = body["nextPageToken"].as_str().unwrap().to_string();
    let mut seen = 4;
    let mut next = Some(token);
    while let Some(t) = next {
        let q = StudiesQuery::from_strs(&[
            ("fields", "NCTId,OverallStatus"),
            ("pageSize", "4"),
            ("pageToken", &t),
        ])
        .unwrap();
        let p = index.search(&q).unwrap();
        seen += p.hits.len();
        next = p.next_page_token;
    }
    assert_eq!(seen, 30);

    // A token from one query is refused by another.
    let page1 = index
        .search(&StudiesQuery::from_strs(&[("pageSize", "2")]).unwrap())
        .unwrap();
    let err = StudiesQuery::from_strs(&[
        ("pageSize", "2"),
        ("query.cond", "pain"),
        ("pageToken", page1.next_page_token.as_deref().unwrap()),
    ])
    .unwrap_err();
    assert_eq!(err.param, "pageToken");

    let q = StudiesQuery::from_strs(&[("format", "csv"), ("pageSize", "5")]).unwrap();
    let page = index.search(&q).unwrap();
    let csv = search::csv_body(&q, &page, &by_id);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("NCT Number,Study Title,Study URL"));
    assert!(lines[1].starts_with(&page.hits[0].nct_id));
    assert!(lines[1].contains(&format!(
        "https://clinicaltrials.gov/study/{}",
        page.hits[0].nct_id
    )));

    let q = StudiesQuery::from_strs(&[
        ("format", "csv"),
        ("fields", "NCT Number,Condition"),
        ("pageSize", "2"),
    ])
    .unwrap();
    let csv = search::csv_body(&q, &index.search(&q).unwrap(), &by_id);
    assert!(csv.starts_with("NCT Number,Condition\r\n"));
}
