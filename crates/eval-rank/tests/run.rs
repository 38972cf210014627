//! End-to-end runs over a few real bench trials and patients (see data/SOURCES.md,
//! "matcher test fixtures"): file reading, both systems, run files and metrics.

use std::path::PathBuf;

use eval_rank::{Bm25Baseline, Candidates, RankConfig, load_qrels, load_queries, load_trials, run};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn config(candidates: Candidates, out: Option<PathBuf>) -> RankConfig {
    RankConfig {
        trials: data("trials.jsonl"),
        queries: data("queries.jsonl"),
        qrels: Some(data("qrels.tsv")),
        candidates,
        out,
    }
}

#[test]
fn reads_the_bench_layout() {
    let trials = load_trials(&data("trials.jsonl")).unwrap();
    assert_eq!(trials.len(), 8);
    // A record without title or summary (TREC 2023 style) still yields its criteria.
    assert!(trials.iter().all(|(d, _)| !d.criteria_text.is_empty()));
    let queries = load_queries(&data("queries.jsonl")).unwrap();
    assert_eq!(queries.len(), 2);
    let templated = queries.iter().find(|q| q.id == "17").unwrap();
    assert!(templated.note().starts_with("condition: breast cancer; "));
    let qrels = load_qrels(&data("qrels.tsv")).unwrap();
    assert_eq!(qrels["trec-202224"]["NCT00001153"], 2);
    assert_eq!(qrels["17"].len(), 4);
}

#[test]
fn judged_run_writes_trec_run_files_and_scores_both_systems() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.txt");
    let report = run(&config(Candidates::Judged, Some(out.clone()))).unwrap();
    assert_eq!(report.patients, 2);
    assert_eq!(report.judged_pairs, 8);
    let names: Vec<&str> = report.systems.iter().map(|s| s.system.as_str()).collect();
    assert_eq!(names, ["TrialBridge", "BM25"]);
    for s in &report.systems {
        for v in [s.ndcg_at_10, s.precision_at_10, s.auroc] {
            let v = v.expect("defined on this fixture");
            assert!((0.0..=1.0).contains(&v), "{} {v}", s.system);
        }
        assert_eq!(s.recall_at_50, None, "recall is for --candidates all only");
    }
    // The albinism patient: the one albinism trial is the patient's condition, ranked first.
    let tb = &report.systems[0];
    assert_eq!(tb.per_patient_ndcg_at_10["trec-202224"], Some(1.0));

    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 8, "one line per judged pair");
    for l in &lines {
        assert_eq!(l.len(), 6);
        assert_eq!(l[1], "Q0");
        assert!(l[2].starts_with("NCT"));
        assert_eq!(l[5], "trialbridge");
    }
    let ranks: Vec<&str> = lines
        .iter()
        .filter(|l| l[0] == "17")
        .map(|l| l[3])
        .collect();
    assert_eq!(ranks, ["1", "2", "3", "4"]);
    assert!(
        std::fs::read_to_string(dir.path().join("run.txt.bm25"))
            .unwrap()
            .lines()
            .all(|l| l.ends_with(" bm25"))
    );
    // The report prints both systems.
    let shown = report.to_string();
    assert!(shown.contains("TrialBridge") && shown.contains("BM25") && shown.contains("NDCG@10"));
}

#[test]
fn all_candidates_adds_recall() {
    let report = run(&config(Candidates::All, None)).unwrap();
    for s in &report.systems {
        let r50 = s.recall_at_50.unwrap();
        // Every trial of the file is ranked, and there are fewer than 50: all relevant ones are found.
        assert!((r50 - 1.0).abs() < 1e-12, "{} {r50}", s.system);
    }
}

#[test]
fn judged_without_qrels_is_an_error() {
    let mut c = config(Candidates::Judged, None);
    c.qrels = None;
    assert!(run(&c).unwrap_err().to_string().contains("--qrels"));
}

#[test]
fn bm25_prefers_documents_sharing_rare_query_words() {
    let docs = [
        "albinism of the eye and skin",
        "diabetes in adults",
        "albinism and diabetes registry",
        "asthma",
    ];
    let bm25 = Bm25Baseline::new(&docs);
    let s = bm25.scores("boy with oculocutaneous albinism", &[0, 1, 2, 3]);
    assert!(s[0] > s[1] && s[2] > s[1] && s[0] > 0.0);
    assert_eq!(s[3], 0.0);
}
