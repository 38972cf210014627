//! Matching at scale: retrieval + rerank against the old full scan, and the recall of retrieval.
//!
//! ```text
//! cargo run --release -p server --example match_scale -- latency [copies]
//! cargo run --release -p server --example match_scale -- recall [copies] [BENCH_DIR]
//! cargo run --release -p server --example match_scale -- scale [trials] [BENCH_DIR]
//! ```
//!
//! `latency`: the committed sample (`data/ctgov/studies.jsonl.gz`, 775 trials) stored `copies`
//! times under synthetic NCT ids (copy 0 keeps the real ids) in a fresh SQLite store, with an
//! on-disk search index built from it. For a few patients (notes and profiles) it times
//! `POST /api/match` through the router (`AppState::with_index`): the first request for each
//! patient after a fresh start (empty document cache: "cold"), once with no matcher documents
//! stored (all built from the records) and once after a restart (read from the store), then
//! repeats (documents cached).
//! The baseline in the same run is the old full scan: every trial's `matcher::TrialDocument`
//! built once (timed, with the memory it takes), the relevance model fitted on all of them,
//! and `matcher::rank_trials` over all of them per patient.
//!
//! `recall`: every cohort's trials of `BENCH_DIR` (default `../shared/data/bench`) together in
//! one index, with the sample `copies` times as distractors (0 for none). For each patient
//! (the note, as `trialbridge eval rank` reads it), the share of the trials judged relevant
//! (label ≥ 1) for them that `TrialIndex::retrieve` puts in its top K, for K = 100, 300, 500,
//! 1000.
//!
//! `scale`: retrieval + rerank at registry size, without a store. The distinct trials (the
//! sample and every cohort's trials of `BENCH_DIR`) are indexed on disk twice: once as they
//! are (the baseline, same run) and once repeated under synthetic NCT ids up to `trials`
//! (default 500 000). Each cohort patient's note is then extracted, `TrialIndex::retrieve`
//! fetches the top K (`server::candidate_limit`), and `matcher::rank_trials` reranks them with
//! their documents already built (a synthetic copy shares its original's document): the path
//! of `POST /api/match` with the document cache warm, minus HTTP, JSON and questionnaires.
//! Copies make posting lists grow as a real registry's would (a word in 5 % of trials stays
//! in 5 %), but they are not a real registry: the figures are latency, not ranking quality.
//!
//! Prints figures; asserts nothing about time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

/// The sample's records, as stored by an ingest into a scratch store.
async fn sample_records() -> Vec<ctgov::Record> {
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();
    ingest::ingest_paths(
        &store,
        &[repo().join("data/ctgov/studies.jsonl.gz")],
        &mut |_| {},
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.page_after(after.as_deref(), 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.record.nct_id.to_string());
        out.extend(page.into_iter().map(|t| t.record));
    }
    store.close().await;
    out
}

/// `copies` copies of the records; copy 0 keeps the real ids, copy c > 0 uses NCT9{c:03}{i:04}.
fn synthetic(records: &[ctgov::Record], copies: usize) -> Vec<ctgov::Record> {
    let mut out = Vec::with_capacity(records.len() * copies);
    for c in 0..copies {
        for (i, r) in records.iter().enumerate() {
            if c == 0 {
                out.push(r.clone());
                continue;
            }
            let id = format!("NCT9{c:03}{i:04}");
            let raw = r.raw.replace(r.nct_id.as_str(), &id);
            out.push(ctgov::Record::from_api_json(&raw).unwrap());
        }
    }
    out
}

fn patients() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "note: NSCLC",
            serde_json::json!({ "note": "A 64-year-old man with non-small cell lung cancer, stage IV, EGFR negative. ECOG 1. He received carboplatin. He denies smoking.", "top": 10 }),
        ),
        (
            "note: back pain",
            serde_json::json!({ "note": "A 45-year-old woman with chronic low back pain and a lumbar disc herniation at L4-L5. No prior surgery.", "top": 10 }),
        ),
        (
            "note: breast cancer",
            serde_json::json!({ "note": "A 52-year-old woman with metastatic HER2-positive breast cancer, previously treated with trastuzumab and paclitaxel. ECOG 0. Creatinine 0.9 mg/dL. She has type 2 diabetes controlled with metformin.", "top": 10 }),
        ),
        (
            "profile: T-ALL",
            serde_json::json!({ "profile": { "age_years": 30, "sex": "male", "diagnoses": [{"text": "relapsed T-cell acute lymphoblastic leukemia"}] }, "top": 10 }),
        ),
        (
            "profile: T2DM",
            serde_json::json!({ "profile": { "age_years": 61, "sex": "female", "diagnoses": [{"text": "type 2 diabetes mellitus"}, {"text": "obesity"}], "medications": ["metformin"] }, "top": 10 }),
        ),
    ]
}

/// The request that starts each cold pass (its topic is none of [`patients`]): it fits the
/// sample model, so the patients' first requests time their candidates alone.
fn warm_up() -> serde_json::Value {
    serde_json::json!({ "profile": { "age_years": 9, "sex": "female", "diagnoses": [{"text": "asthma"}] }, "top": 10 })
}

/// FNV-1a of a JSON value's text: equal digests, equal results (two passes are compared).
fn digest(v: &serde_json::Value) -> u64 {
    v.to_string().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

async fn post(app: &axum::Router, body: &serde_json::Value) -> serde_json::Value {
    let request = Request::post("/api/match")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn percentile(times: &mut [f64], p: usize) -> f64 {
    times.sort_by(f64::total_cmp);
    times[(times.len() * p / 100).min(times.len() - 1)]
}

fn build_docs(studies: &[ctgov::Study]) -> Vec<matcher::TrialDocument> {
    let threads = 2;
    let chunk = studies.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = studies
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(matcher::TrialDocument::from_study)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

async fn latency(copies: usize) {
    let base = sample_records().await;
    let records = synthetic(&base, copies);
    let n = records.len();
    println!("trials: {n} (the sample x{copies})");
    let dir = tempfile::tempdir().unwrap();
    let store = store::Store::open(dir.path(), None).await.unwrap();
    let t = Instant::now();
    for chunk in records.chunks(1000) {
        store.upsert_batch(chunk).await.unwrap();
    }
    println!("store: {:.1} s", t.elapsed().as_secs_f64());
    let studies: Vec<ctgov::Study> = records.into_iter().map(|r| r.study).collect();
    let t = Instant::now();
    let index = search::TrialIndex::open(&dir.path().join("index")).unwrap();
    index.rebuild(studies.iter().cloned()).unwrap();
    println!("index: {:.1} s", t.elapsed().as_secs_f64());

    let index = Arc::new(index);
    let k = server::candidate_limit();
    println!("candidates K = {k}");
    let rounds = 5;
    let mut warm = Vec::new();
    let mut new_top: HashMap<&str, Vec<String>> = HashMap::new();
    // Cold matches: a fresh router (empty document cache), first the warm-up patient (it fits
    // the sample model), then each patient's first request. Pass 1 starts with no stored
    // matcher documents (every candidate is built from its record, then stored); pass 2 is a
    // restart: the documents pass 1 stored are read back instead of built.
    let mut app = None;
    for pass in ["no stored documents", "stored documents (restart)"] {
        if pass.starts_with("no") {
            store.clear_matcher_documents().await.unwrap();
        }
        let fresh = server::router(server::AppState::with_index(store.clone(), index.clone()));
        let t = Instant::now();
        post(&fresh, &warm_up()).await;
        let fit = t.elapsed().as_secs_f64() * 1000.0;
        let mut cold = Vec::new();
        let mut results = Vec::new();
        for (name, body) in patients() {
            let t = Instant::now();
            let v = post(&fresh, &body).await;
            let first = t.elapsed().as_secs_f64() * 1000.0;
            cold.push(first);
            println!("  [{pass}] {name}: first request {first:.0} ms");
            results.push(v["results"].clone());
            // Titles, not ids: copies of one trial share a title and tie in score.
            new_top.insert(
                name,
                v["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["title"].as_str().unwrap().to_string())
                    .collect(),
            );
        }
        println!(
            "cold, {pass}: warm-up request (fits the sample model) {fit:.0} ms; first request per patient median {:.0} ms, max {:.0} ms",
            percentile(&mut cold.clone(), 50),
            percentile(&mut cold, 100)
        );
        println!(
            "  results digest: {:016x}",
            digest(&serde_json::Value::Array(results))
        );
        app = Some(fresh);
    }
    let app = app.unwrap();
    // Then round-robin over the patients: documents cached, but each request has other
    // candidates than the one before (so the relevance model is fitted again every time).
    let mut per: HashMap<&str, Vec<f64>> = HashMap::new();
    for _ in 0..rounds {
        for (name, body) in patients() {
            let t = Instant::now();
            post(&app, &body).await;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            warm.push(ms);
            per.entry(name).or_default().push(ms);
        }
    }
    for (name, _) in patients() {
        let mut t = per.remove(name).unwrap();
        println!("  {name}: cached median {:.1} ms", percentile(&mut t, 50));
    }
    println!(
        "retrieval + rerank, cached documents: median {:.1} ms, p95 {:.1} ms",
        percentile(&mut warm.clone(), 50),
        percentile(&mut warm, 95)
    );

    // The old full scan, in the same run.
    let before = rss_mib();
    let t = Instant::now();
    let docs = tokio::task::block_in_place(|| build_docs(&studies));
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let model = matcher::RelevanceModel::fit(&docs);
    let fit = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "full scan setup: {n} documents built in {build:.1} s (2 threads), +{:.0} MiB resident; model fitted in {fit:.0} ms",
        rss_mib() - before
    );
    let mut scan = Vec::new();
    let mut same_top = 0;
    let mut compared = 0;
    for (name, body) in patients() {
        let profile = match body.get("note") {
            Some(note) => matcher::extract_profile(note.as_str().unwrap()).profile,
            None => serde_json::from_value(body["profile"].clone()).unwrap(),
        };
        let mut times = Vec::new();
        let mut top = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let d = time::OffsetDateTime::now_utc().date();
            let today = Some(matcher::Date {
                year: d.year(),
                month: u8::from(d.month()),
                day: d.day(),
            });
            let options = matcher::MatchOptions {
                today,
                ..Default::default()
            };
            let mut ranked = tokio::task::block_in_place(|| {
                matcher::rank_trials(&profile, &docs, &model, &options)
            });
            ranked.truncate(10);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            top = ranked
                .into_iter()
                .map(|r| {
                    docs.iter()
                        .find(|d| d.nct_id == r.nct_id)
                        .unwrap()
                        .title
                        .clone()
                })
                .collect::<Vec<_>>();
        }
        let median = percentile(&mut times, 50);
        scan.extend(times);
        let new = &new_top[name];
        let mut left = new.clone();
        let overlap = top
            .iter()
            .filter(|t| match left.iter().position(|x| x == *t) {
                Some(i) => {
                    left.remove(i);
                    true
                }
                None => false,
            })
            .count();
        same_top += overlap;
        compared += top.len();
        println!(
            "  full scan {name}: median {median:.0} ms; top-10 overlap (by title) with retrieval + rerank {overlap}/10"
        );
    }
    println!(
        "full scan: median {:.0} ms per patient; top-10 overlap (by title) {same_top}/{compared}",
        percentile(&mut scan, 50)
    );
}

#[derive(serde::Deserialize)]
struct BenchQuery {
    #[serde(rename = "_id")]
    id: String,
    text: String,
    #[serde(default)]
    template: Option<String>,
}

fn recall(copies: usize, bench: &Path) {
    let mut studies = Vec::new();
    let mut cohorts = Vec::new();
    for entry in std::fs::read_dir(bench).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("trials.jsonl").exists() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join("trials.jsonl")).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let info: ctgov::TrialInfo = serde_json::from_str(line).unwrap();
            studies.push(info.into_study().unwrap());
        }
        cohorts.push(dir);
    }
    cohorts.sort();
    let bench_trials: HashSet<String> = studies.iter().map(|s| s.nct_id().to_string()).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = rt.block_on(sample_records());
    for r in synthetic(&base, copies) {
        if !bench_trials.contains(r.nct_id.as_str()) {
            studies.push(r.study);
        }
    }
    let index = search::TrialIndex::open_in_ram().unwrap();
    let n = index.rebuild(studies.into_iter()).unwrap();
    println!(
        "index: {n} trials ({} from the cohorts, the sample x{copies} as distractors)",
        bench_trials.len()
    );
    let ks = [100usize, 300, 500, 1000];
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); ks.len()];
    let mut times = Vec::new();
    for cohort in cohorts {
        let name = cohort.file_name().unwrap().to_string_lossy().to_string();
        let mut qrels: HashMap<String, HashSet<String>> = HashMap::new();
        let q = std::fs::read_to_string(cohort.join("qrels.tsv")).unwrap();
        for line in q.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() >= 3 && f[2].trim().parse::<u8>().unwrap_or(0) >= 1 {
                qrels
                    .entry(f[0].to_string())
                    .or_default()
                    .insert(f[1].to_string());
            }
        }
        let text = std::fs::read_to_string(cohort.join("queries.jsonl")).unwrap();
        let mut per_k: Vec<Vec<f64>> = vec![Vec::new(); ks.len()];
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let q: BenchQuery = serde_json::from_str(line).unwrap();
            let Some(relevant) = qrels.get(&q.id) else {
                continue;
            };
            let note = match q.template.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => format!("condition: {t}; {}", q.text),
                _ => q.text.clone(),
            };
            let t = Instant::now();
            let profile = matcher::extract_profile(&note).profile;
            let terms = matcher::retrieval_terms(&profile, None);
            let hits = index.retrieve(&terms, *ks.last().unwrap()).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            for (i, k) in ks.iter().enumerate() {
                let found = hits
                    .iter()
                    .take(*k)
                    .filter(|(id, _)| relevant.contains(id))
                    .count();
                per_k[i].push(found as f64 / relevant.len() as f64);
            }
        }
        let line: Vec<String> = ks
            .iter()
            .zip(&per_k)
            .map(|(k, r)| format!("R@{k} {:.3}", r.iter().sum::<f64>() / r.len() as f64))
            .collect();
        println!(
            "  {name} ({} patients): {}",
            per_k[0].len(),
            line.join(", ")
        );
        for (i, r) in per_k.into_iter().enumerate() {
            all[i].extend(r);
        }
    }
    let line: Vec<String> = ks
        .iter()
        .zip(&all)
        .map(|(k, r)| format!("R@{k} {:.3}", r.iter().sum::<f64>() / r.len() as f64))
        .collect();
    println!("  all ({} patients): {}", all[0].len(), line.join(", "));
    println!(
        "extraction + retrieval per patient: median {:.1} ms, max {:.1} ms",
        percentile(&mut times.clone(), 50),
        percentile(&mut times, 100)
    );
}

/// Size of a directory's files, in MiB.
fn dir_mib(dir: &Path) -> f64 {
    let mut bytes = 0u64;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            bytes += (dir_mib(&path) * 1024.0 * 1024.0) as u64;
        } else if let Ok(meta) = entry.metadata() {
            bytes += meta.len();
        }
    }
    bytes as f64 / (1024.0 * 1024.0)
}

/// Synthetic ids: copy `c` of distinct trial `i` is NCT9xxxxxxx with `c * SCALE_STRIDE + i`.
const SCALE_STRIDE: usize = 10_000;
const SCALE_BASE: u64 = 90_000_000;

fn scale(target: usize, bench: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut distinct: Vec<ctgov::Study> = rt
        .block_on(sample_records())
        .into_iter()
        .map(|r| r.study)
        .collect();
    let mut seen: HashSet<String> = distinct.iter().map(|s| s.nct_id().to_string()).collect();
    let mut patients: Vec<(String, String)> = Vec::new();
    let mut cohorts: Vec<PathBuf> = std::fs::read_dir(bench)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    cohorts.sort();
    for dir in cohorts {
        let (Ok(trials), Ok(queries)) = (
            std::fs::read_to_string(dir.join("trials.jsonl")),
            std::fs::read_to_string(dir.join("queries.jsonl")),
        ) else {
            continue;
        };
        for line in trials.lines().filter(|l| !l.trim().is_empty()) {
            let info: ctgov::TrialInfo = serde_json::from_str(line).unwrap();
            let study = info.into_study().unwrap();
            if seen.insert(study.nct_id().to_string()) {
                distinct.push(study);
            }
        }
        for line in queries.lines().filter(|l| !l.trim().is_empty()) {
            let q: BenchQuery = serde_json::from_str(line).unwrap();
            let note = match q.template.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => format!("condition: {t}; {}", q.text),
                _ => q.text.clone(),
            };
            patients.push((q.id, note));
        }
    }
    if patients.is_empty() {
        for (name, body) in patients_with_notes() {
            patients.push((name.to_string(), body));
        }
    }
    assert!(distinct.len() <= SCALE_STRIDE);
    let t = Instant::now();
    let docs = build_docs(&distinct);
    println!(
        "distinct trials: {} (documents built in {:.1} s); patients: {}",
        distinct.len(),
        t.elapsed().as_secs_f64(),
        patients.len()
    );
    let doc_of: HashMap<String, usize> = distinct
        .iter()
        .enumerate()
        .map(|(i, s)| (s.nct_id().to_string(), i))
        .collect();
    // The server fits its relevance model on an evenly spread sample of 2 000 stored trials;
    // the distinct trials are that sample here, for both sizes.
    let model = matcher::RelevanceModel::fit(docs.iter());
    let options = matcher::MatchOptions::default();
    let k = server::candidate_limit();
    println!("candidates K = {k}");
    for n in [distinct.len(), target.max(distinct.len())] {
        // MATCH_SCALE_INDEX=DIR keeps the indexes in DIR/<trials> and reuses them next run.
        let dir = tempfile::tempdir().unwrap();
        let path = match std::env::var_os("MATCH_SCALE_INDEX") {
            Some(keep) => PathBuf::from(keep).join(n.to_string()),
            None => dir.path().join("index"),
        };
        let t = Instant::now();
        let index = search::TrialIndex::open(&path).unwrap();
        let copies = distinct
            .iter()
            .enumerate()
            .cycle()
            .enumerate()
            .take(n)
            .map(|(j, (i, s))| {
                let mut s = s.clone();
                let copy = j / distinct.len();
                if copy > 0 {
                    s.protocol_section.identification_module.nct_id =
                        format!("NCT{}", SCALE_BASE + (copy * SCALE_STRIDE + i) as u64);
                }
                s
            });
        let (indexed, verb) = if index.len() == n {
            (n, "opened")
        } else {
            (index.rebuild(copies).unwrap(), "built")
        };
        println!(
            "\nindex of {indexed} trials: {verb} in {:.0} s, {:.0} MiB on disk, process RSS {:.0} MiB",
            t.elapsed().as_secs_f64(),
            dir_mib(&path),
            rss_mib()
        );
        let document = |id: &str| -> &matcher::TrialDocument {
            let i = match doc_of.get(id) {
                Some(&i) => i,
                None => (id[3..].parse::<u64>().unwrap() - SCALE_BASE) as usize % SCALE_STRIDE,
            };
            &docs[i]
        };
        let (mut retrieval, mut rerank, mut total) = (Vec::new(), Vec::new(), Vec::new());
        let rounds = 3;
        for round in 0..=rounds {
            for (_, note) in &patients {
                let t = Instant::now();
                let profile = matcher::extract_profile(note).profile;
                let terms = matcher::retrieval_terms(&profile, None);
                let hits = index.retrieve(&terms, k).unwrap();
                let retrieved = t.elapsed().as_secs_f64() * 1000.0;
                // Each candidate gets its own copy of its document (untimed), so the rerank
                // reads K documents' worth of memory, as it would with K distinct trials.
                let candidates: Vec<matcher::TrialDocument> =
                    hits.iter().map(|(id, _)| document(id).clone()).collect();
                let t = Instant::now();
                let ranked = matcher::rank_trials(&profile, &candidates, &model, &options);
                std::hint::black_box(&ranked);
                let all = retrieved + t.elapsed().as_secs_f64() * 1000.0;
                // Round 0 warms the index's pages and the caches; it is not counted.
                if round > 0 {
                    retrieval.push(retrieved);
                    rerank.push(all - retrieved);
                    total.push(all);
                }
            }
        }
        println!(
            "per patient ({} matches): extraction + retrieval median {:.1} ms / p95 {:.1} ms; \
             rerank of K median {:.1} ms / p95 {:.1} ms; total median {:.1} ms / p95 {:.1} ms / max {:.1} ms",
            total.len(),
            percentile(&mut retrieval.clone(), 50),
            percentile(&mut retrieval, 95),
            percentile(&mut rerank.clone(), 50),
            percentile(&mut rerank, 95),
            percentile(&mut total.clone(), 50),
            percentile(&mut total.clone(), 95),
            percentile(&mut total, 100),
        );
    }
}

/// The example patients that are notes, for `scale` without a bench directory.
fn patients_with_notes() -> Vec<(&'static str, String)> {
    patients()
        .into_iter()
        .filter_map(|(name, body)| Some((name, body.get("note")?.as_str()?.to_string())))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let copies =
        |i: usize, default: usize| args.get(i).and_then(|c| c.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("latency") => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(latency(copies(1, 1).max(1)));
        }
        Some("recall") => {
            let bench = args
                .get(2)
                .map(PathBuf::from)
                .unwrap_or_else(|| repo().join("../shared/data/bench"));
            recall(copies(1, 0), &bench);
        }
        Some("scale") => {
            let bench = args
                .get(2)
                .map(PathBuf::from)
                .unwrap_or_else(|| repo().join("../shared/data/bench"));
            scale(copies(1, 500_000), &bench);
        }
        _ => eprintln!(
            "usage: match_scale latency [copies] | recall [copies] [BENCH_DIR] | scale [trials] [BENCH_DIR]"
        ),
    }
}
