//! `TrialIndex::retrieve` on the committed sample (`data/ctgov/studies.jsonl.gz`): a patient's
//! weighted words and phrases bring the trials about their condition first, and a patient with
//! no known words gets nothing rather than an error.

use std::io::Read;
use std::sync::OnceLock;

use search::TrialIndex;

/// The sample's studies and an index over them.
fn sample() -> &'static (Vec<ctgov::Study>, TrialIndex) {
    static SAMPLE: OnceLock<(Vec<ctgov::Study>, TrialIndex)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/ctgov/studies.jsonl.gz"
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).expect("sample committed"))
            .read_to_string(&mut text)
            .unwrap();
        let studies: Vec<ctgov::Study> = text
            .lines()
            .map(|l| ctgov::Record::from_api_json(l).unwrap().study)
            .collect();
        let index = TrialIndex::open_in_ram().unwrap();
        index.rebuild(studies.clone().into_iter()).unwrap();
        (studies, index)
    })
}

fn study<'a>(studies: &'a [ctgov::Study], id: &str) -> &'a ctgov::Study {
    studies.iter().find(|s| s.nct_id() == id).unwrap()
}

/// Conditions and titles, lower-cased: what a trial is about.
fn topic(s: &ctgov::Study) -> String {
    let mut t = s.conditions().join(" | ");
    t.push_str(" | ");
    t.push_str(s.display_title());
    t.to_lowercase()
}

fn terms(list: &[(&str, f32)]) -> Vec<(String, f32)> {
    list.iter().map(|(t, w)| (t.to_string(), *w)).collect()
}

#[test]
fn a_breast_cancer_patient_gets_breast_cancer_trials_first() {
    let (studies, index) = sample();
    let about_breast: Vec<&str> = studies
        .iter()
        .filter(|s| {
            s.conditions()
                .iter()
                .any(|c| c.to_lowercase().contains("breast"))
        })
        .map(|s| s.nct_id())
        .collect();
    assert!(about_breast.len() >= 10, "the sample has breast trials");
    let patient = terms(&[
        ("breast cancer", 3.0),
        ("breast", 2.0),
        ("cancer", 2.0),
        ("metastatic", 1.0),
        ("woman", 1.0),
        ("chemotherapy", 1.0),
    ]);
    let hits = index.retrieve(&patient, 20).unwrap();
    assert_eq!(hits.len(), 20);
    // Best first, scores positive.
    assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(hits.iter().all(|(_, s)| *s > 0.0));
    // The first ten are all about breast cancer (by their conditions or title).
    for (id, _) in &hits[..10] {
        assert!(
            topic(study(studies, id)).contains("breast"),
            "{id} ranks in the top 10 but is about {}",
            topic(study(studies, id))
        );
    }
    // Most of the sample's breast trials are within the top 40.
    let top40: Vec<String> = index
        .retrieve(&patient, 40)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let found = about_breast
        .iter()
        .filter(|id| top40.iter().any(|t| t == *id))
        .count();
    assert!(
        found * 10 >= about_breast.len() * 8,
        "{found} of {} breast trials in the top 40",
        about_breast.len()
    );
}

#[test]
fn words_are_stemmed_and_synonyms_found_as_the_index_stores_them() {
    let (_, index) = sample();
    let plural = index.retrieve(&terms(&[("Leukemias", 1.0)]), 10).unwrap();
    let singular = index.retrieve(&terms(&[("leukemia", 1.0)]), 10).unwrap();
    assert!(!plural.is_empty());
    assert_eq!(plural, singular);
    // The British spelling finds the same trials through the synonym group.
    let british = index.retrieve(&terms(&[("leukaemia", 1.0)]), 10).unwrap();
    let ids = |h: &[(String, f32)]| h.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>();
    let b = ids(&british);
    assert!(ids(&singular).iter().filter(|i| b.contains(i)).count() >= 8);
}

#[test]
fn a_heavier_word_weighs_more() {
    let (studies, index) = sample();
    let lung_first = index
        .retrieve(&terms(&[("lung", 5.0), ("breast", 0.5)]), 5)
        .unwrap();
    let breast_first = index
        .retrieve(&terms(&[("lung", 0.5), ("breast", 5.0)]), 5)
        .unwrap();
    // "lung" also finds its synonym "pulmonary".
    let first = topic(study(studies, &lung_first[0].0));
    assert!(
        first.contains("lung") || first.contains("pulmonary"),
        "{first}"
    );
    assert!(topic(study(studies, &breast_first[0].0)).contains("breast"));
}

#[test]
fn a_phrase_must_appear_as_a_phrase() {
    let (studies, index) = sample();
    let hits = index
        .retrieve(&terms(&[("acute lymphoblastic leukemia", 1.0)]), 50)
        .unwrap();
    assert!(!hits.is_empty());
    for (id, _) in &hits {
        let s = study(studies, id);
        let all = serde_json::to_string(s).unwrap().to_lowercase();
        assert!(
            all.contains("lymphoblastic leuk"),
            "{id} has no 'lymphoblastic leukemia'"
        );
    }
}

#[test]
fn no_known_words_give_nothing_not_an_error() {
    let (_, index) = sample();
    assert!(index.retrieve(&[], 10).unwrap().is_empty());
    assert!(
        index
            .retrieve(&terms(&[("  ", 1.0), ("...", 2.0)]), 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        index
            .retrieve(&terms(&[("zzqxyword", 1.0)]), 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        index
            .retrieve(&terms(&[("cancer", 0.0), ("lung", f32::NAN)]), 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        index
            .retrieve(&terms(&[("cancer", 1.0)]), 0)
            .unwrap()
            .is_empty()
    );
    let empty = TrialIndex::open_in_ram().unwrap();
    assert!(
        empty
            .retrieve(&terms(&[("cancer", 1.0)]), 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_limit_bounds_the_list_and_a_larger_limit_extends_it() {
    let (_, index) = sample();
    let q = terms(&[("cancer", 1.0), ("pain", 1.0)]);
    let small = index.retrieve(&q, 5).unwrap();
    let large = index.retrieve(&q, 100).unwrap();
    assert_eq!(small.len(), 5);
    assert!(large.len() > 5 && large.len() <= 100);
    assert_eq!(&large[..5], &small[..]);
}
