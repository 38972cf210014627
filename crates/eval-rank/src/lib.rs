//! Ranking evaluation of the matcher on patient-to-trial cohorts with physician labels.
//!
//! # Brief overview
//!
//! [`run`] takes a [`RankConfig`] naming the three files of one cohort in the bench layout
//! (`trials.jsonl` "trial_info" records, `queries.jsonl` patients, `qrels.tsv` judgments; see
//! `shared/data/bench/README.md`) and which trials to rank for each patient ([`Candidates`]:
//! the judged ones, or every trial in the file). For each patient it ranks the candidates twice,
//! with TrialBridge ([`matcher::rank_trials`] on the profile drafted from the note) and with a
//! plain BM25 baseline (the `bm25` crate: the note text as the query against each trial's
//! title, conditions, summary and criteria text), writes TREC run files, and returns a
//! [`RankReport`] with NDCG@10, P@10 and AUROC (and recall@50/@200 over all trials) for both
//! systems, plus the matcher's per-patient latency.
//!
//! Trials are read with `ctgov::TrialInfo` and converted with `TrialInfo::into_study`, then to
//! `matcher::TrialDocument`; they are kept in memory (the CLI may swap in the store).
//!
//! ```no_run
//! use eval_rank::{run, Candidates, RankConfig};
//! let report = run(&RankConfig {
//!     trials: "bench/trec_2021/trials.jsonl".into(),
//!     queries: "bench/trec_2021/queries.jsonl".into(),
//!     qrels: Some("bench/trec_2021/qrels.tsv".into()),
//!     candidates: Candidates::Judged,
//!     out: Some("run.txt".into()),
//! })
//! .unwrap();
//! println!("{report}");
//! ```

pub mod metrics;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bm25::{Embedder, EmbedderBuilder, Language, Scorer};
use serde::{Deserialize, Serialize};

use matcher::{MatchOptions, RelevanceModel, TrialDocument, extract_profile, rank_trials};

/// Which trials are ranked for each patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Candidates {
    /// The trials judged for that patient in the qrels (TrialGPT's ranking setting).
    Judged,
    /// Every trial in the trials file.
    All,
}

impl std::str::FromStr for Candidates {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "judged" => Ok(Candidates::Judged),
            "all" => Ok(Candidates::All),
            other => Err(format!(
                "--candidates must be 'judged' or 'all', not '{other}'"
            )),
        }
    }
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct RankConfig {
    pub trials: PathBuf,
    pub queries: PathBuf,
    /// Without qrels only run files are written (and `Judged` is impossible).
    pub qrels: Option<PathBuf>,
    pub candidates: Candidates,
    /// TREC run file for TrialBridge; the BM25 run goes beside it with a `.bm25` suffix.
    pub out: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("--candidates judged needs --qrels")]
    JudgedWithoutQrels,
}

/// One patient of `queries.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct Query {
    #[serde(rename = "_id")]
    pub id: String,
    pub text: String,
    /// TREC 2023 patients: the topic template ("breast cancer", "glaucoma").
    #[serde(default)]
    pub template: Option<String>,
}

impl Query {
    /// The note as matched: a templated patient's topic is part of what the patient says.
    pub fn note(&self) -> String {
        match self
            .template
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => format!("condition: {t}; {}", self.text),
            None => self.text.clone(),
        }
    }
}

/// Metrics of one system on one cohort.
#[derive(Debug, Clone, Serialize)]
pub struct SystemMetrics {
    pub system: String,
    pub ndcg_at_10: Option<f64>,
    pub precision_at_10: Option<f64>,
    pub auroc: Option<f64>,
    /// Only with `Candidates::All`.
    pub recall_at_50: Option<f64>,
    pub recall_at_200: Option<f64>,
    /// Per patient NDCG@10, for inspection.
    pub per_patient_ndcg_at_10: BTreeMap<String, Option<f64>>,
}

/// The outcome of one evaluation run.
#[derive(Debug, Clone, Serialize)]
pub struct RankReport {
    pub cohort: String,
    pub patients: usize,
    pub trials: usize,
    pub candidates: Candidates,
    pub judged_pairs: usize,
    /// TrialBridge first, then BM25. Empty without qrels.
    pub systems: Vec<SystemMetrics>,
    /// Milliseconds to prepare every trial (analysis and criteria parsing), once.
    pub prepare_ms: f64,
    /// Milliseconds for one patient against all trials of the file (note extraction, relevance,
    /// rule evaluation, sort): mean and max over patients.
    pub latency_all_trials_mean_ms: f64,
    pub latency_all_trials_max_ms: f64,
    pub run_files: Vec<PathBuf>,
    /// For each rule kind ("age", "age (registry)", "condition", ...): on how many judged trials
    /// labelled 0 / 1 / 2 TrialBridge marked at least one rule of that kind not met. A kind whose
    /// failures are as common on eligible trials as on the others carries no information.
    pub failed_rules_by_label: BTreeMap<String, [u32; 3]>,
}

impl fmt::Display for RankReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cand = match self.candidates {
            Candidates::Judged => "judged",
            Candidates::All => "all",
        };
        writeln!(
            f,
            "cohort {}: {} patients, {} trials, {} judged pairs, candidates: {cand}",
            self.cohort, self.patients, self.trials, self.judged_pairs
        )?;
        let num = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
        write!(
            f,
            "{:<12} {:>8} {:>8} {:>8}",
            "system", "NDCG@10", "P@10", "AUROC"
        )?;
        if self.candidates == Candidates::All {
            write!(f, " {:>8} {:>8}", "R@50", "R@200")?;
        }
        writeln!(f)?;
        for s in &self.systems {
            write!(
                f,
                "{:<12} {:>8} {:>8} {:>8}",
                s.system,
                num(s.ndcg_at_10),
                num(s.precision_at_10),
                num(s.auroc)
            )?;
            if self.candidates == Candidates::All {
                write!(f, " {:>8} {:>8}", num(s.recall_at_50), num(s.recall_at_200))?;
            }
            writeln!(f)?;
        }
        if let [tb, bm] = self.systems.as_slice()
            && let (Some(a), Some(b)) = (tb.ndcg_at_10, bm.ndcg_at_10)
        {
            writeln!(f, "NDCG@10 gain over BM25: {:+.4}", a - b)?;
        }
        if !self.failed_rules_by_label.is_empty() {
            writeln!(
                f,
                "TrialBridge failed-rule kinds on judged trials labelled 0 / 1 / 2:"
            )?;
            for (kind, n) in &self.failed_rules_by_label {
                writeln!(f, "  {kind:<28} {:>5} {:>5} {:>5}", n[0], n[1], n[2])?;
            }
        }
        writeln!(
            f,
            "latency, one patient against all {} trials: mean {:.2} ms, max {:.2} ms (trial preparation once: {:.0} ms)",
            self.trials,
            self.latency_all_trials_mean_ms,
            self.latency_all_trials_max_ms,
            self.prepare_ms
        )
    }
}

fn read(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads `trials.jsonl` into trial documents (and their plain text for BM25).
pub fn load_trials(path: &Path) -> Result<Vec<(TrialDocument, String)>, EvalError> {
    let text = read(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parse_err = |message: String| EvalError::Parse {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let info: ctgov::TrialInfo =
            serde_json::from_str(line).map_err(|e| parse_err(e.to_string()))?;
        let study = info.into_study().map_err(|e| parse_err(e.to_string()))?;
        let doc = TrialDocument::from_study(&study);
        let plain = format!(
            "{}\n{}\n{}\n{}",
            doc.title,
            doc.conditions.join("; "),
            doc.summary,
            doc.criteria_text
        );
        out.push((doc, plain));
    }
    Ok(out)
}

/// Reads `queries.jsonl`.
pub fn load_queries(path: &Path) -> Result<Vec<Query>, EvalError> {
    let text = read(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| EvalError::Parse {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// Reads `qrels.tsv` (header `query-id corpus-id score`) into query → trial → label.
pub fn load_qrels(path: &Path) -> Result<HashMap<String, HashMap<String, u8>>, EvalError> {
    let text = read(path)?;
    let mut out: HashMap<String, HashMap<String, u8>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || (i == 0 && cols[0] == "query-id") {
            continue;
        }
        let (q, d, s) = match cols.as_slice() {
            [q, d, s] => (q, d, s),
            [q, _, d, s] => (q, d, s),
            _ => {
                return Err(EvalError::Parse {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: "expected 3 columns".into(),
                });
            }
        };
        let label: u8 = s.parse().map_err(|_| EvalError::Parse {
            path: path.to_path_buf(),
            line: i + 1,
            message: format!("label '{s}' is not 0, 1 or 2"),
        })?;
        out.entry(q.to_string())
            .or_default()
            .insert(d.to_string(), label);
    }
    Ok(out)
}

/// The BM25 baseline: one embedder fit to the trial corpus and a scorer over every trial.
pub struct Bm25Baseline {
    embedder: Embedder,
    scorer: Scorer<usize>,
}

impl Bm25Baseline {
    pub fn new(documents: &[&str]) -> Bm25Baseline {
        let embedder: Embedder =
            EmbedderBuilder::with_fit_to_corpus(Language::English, documents).build();
        let mut scorer = Scorer::<usize>::new();
        for (i, d) in documents.iter().enumerate() {
            scorer.upsert(&i, embedder.embed(d));
        }
        Bm25Baseline { embedder, scorer }
    }

    /// BM25 score of document `index` for `query` (0 when no term matches).
    pub fn scores(&self, query: &str, indices: &[usize]) -> Vec<f64> {
        let q = self.embedder.embed(query);
        indices
            .iter()
            .map(|i| self.scorer.score(i, &q).unwrap_or(0.0) as f64)
            .collect()
    }
}

fn write_run(
    path: &Path,
    rows: &[(String, Vec<(String, f64)>)],
    tag: &str,
) -> Result<(), EvalError> {
    let mut text = String::new();
    for (qid, ranking) in rows {
        for (rank, (nct, score)) in ranking.iter().enumerate() {
            text.push_str(&format!("{qid} Q0 {nct} {} {score:.6} {tag}\n", rank + 1));
        }
    }
    std::fs::write(path, text).map_err(|source| EvalError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Sorts (id, score) best first, ties by id for a stable run file.
fn sorted(mut v: Vec<(String, f64)>) -> Vec<(String, f64)> {
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn system_metrics(
    name: &str,
    rows: &[(String, Vec<(String, f64)>)],
    qrels: &HashMap<String, HashMap<String, u8>>,
    candidates: Candidates,
) -> SystemMetrics {
    let empty = HashMap::new();
    let mut ndcg = Vec::new();
    let mut p10 = Vec::new();
    let mut auc = Vec::new();
    let mut r50 = Vec::new();
    let mut r200 = Vec::new();
    let mut per_patient = BTreeMap::new();
    for (qid, ranking) in rows {
        let labels = qrels.get(qid).unwrap_or(&empty);
        if labels.is_empty() {
            continue;
        }
        let ids: Vec<String> = ranking.iter().map(|(id, _)| id.clone()).collect();
        let scores: HashMap<String, f64> = ranking.iter().cloned().collect();
        let n = metrics::ndcg_at(10, &ids, labels);
        per_patient.insert(qid.clone(), n);
        ndcg.push(n);
        p10.push(Some(metrics::precision_at(10, &ids, labels)));
        auc.push(metrics::auroc(&scores, labels));
        if candidates == Candidates::All {
            r50.push(metrics::recall_at(50, &ids, labels));
            r200.push(metrics::recall_at(200, &ids, labels));
        }
    }
    SystemMetrics {
        system: name.to_string(),
        ndcg_at_10: metrics::mean(ndcg),
        precision_at_10: metrics::mean(p10),
        auroc: metrics::mean(auc),
        recall_at_50: metrics::mean(r50),
        recall_at_200: metrics::mean(r200),
        per_patient_ndcg_at_10: per_patient,
    }
}

/// Runs the evaluation described by `config`.
pub fn run(config: &RankConfig) -> Result<RankReport, EvalError> {
    let qrels = match &config.qrels {
        Some(p) => Some(load_qrels(p)?),
        None if config.candidates == Candidates::Judged => {
            return Err(EvalError::JudgedWithoutQrels);
        }
        None => None,
    };
    let started = Instant::now();
    let trials = load_trials(&config.trials)?;
    let prepare_ms = started.elapsed().as_secs_f64() * 1000.0;
    let queries = load_queries(&config.queries)?;
    let (docs, plain): (Vec<TrialDocument>, Vec<String>) = trials.into_iter().unzip();
    let index_of: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.nct_id.as_str(), i))
        .collect();
    let model = RelevanceModel::fit(&docs);
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    let bm25 = Bm25Baseline::new(&plain);
    let options = MatchOptions::default();
    let all: Vec<usize> = (0..docs.len()).collect();

    let mut failed_rules_by_label: BTreeMap<String, [u32; 3]> = BTreeMap::new();
    let mut tb_rows = Vec::new();
    let mut bm_rows = Vec::new();
    let mut latencies = Vec::new();
    for q in &queries {
        let note = q.note();
        let candidate_idx: Vec<usize> = match (config.candidates, &qrels) {
            (Candidates::Judged, Some(qr)) => {
                let mut v: Vec<usize> = qr
                    .get(&q.id)
                    .map(|m| {
                        m.keys()
                            .filter_map(|id| index_of.get(id.as_str()).copied())
                            .collect()
                    })
                    .unwrap_or_default();
                v.sort_unstable();
                v
            }
            _ => all.clone(),
        };
        // Latency: one patient against every trial in the file, from the note.
        let t0 = Instant::now();
        let profile = extract_profile(&note).profile;
        let _ = rank_trials(&profile, &docs, &model, &options);
        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);

        let candidates: Vec<&TrialDocument> = candidate_idx.iter().map(|&i| &docs[i]).collect();
        let ranked = rank_trials(&profile, &candidates, &model, &options);
        if let Some(labels) = qrels.as_ref().and_then(|qr| qr.get(&q.id)) {
            for r in &ranked {
                let Some(&label) = labels.get(&r.nct_id) else {
                    continue;
                };
                let mut kinds: Vec<String> = r
                    .eligibility
                    .marks
                    .iter()
                    .filter(|m| m.decisive && m.mark == matcher::Mark::NotMet)
                    .map(|m| {
                        if m.span.is_none() {
                            format!("{} (registry)", m.kind)
                        } else {
                            m.kind.to_string()
                        }
                    })
                    .collect();
                kinds.sort();
                kinds.dedup();
                for k in kinds {
                    failed_rules_by_label.entry(k).or_default()[(label as usize).min(2)] += 1;
                }
            }
        }
        tb_rows.push((
            q.id.clone(),
            ranked
                .into_iter()
                .map(|r| (r.nct_id, r.score))
                .collect::<Vec<_>>(),
        ));
        let scores = bm25.scores(&note, &candidate_idx);
        let bm: Vec<(String, f64)> = candidate_idx
            .iter()
            .zip(scores)
            .map(|(&i, s)| (docs[i].nct_id.clone(), s))
            .collect();
        bm_rows.push((q.id.clone(), sorted(bm)));
    }

    let mut run_files = Vec::new();
    if let Some(out) = &config.out {
        write_run(out, &tb_rows, "trialbridge")?;
        let bm_path = PathBuf::from(format!("{}.bm25", out.display()));
        write_run(&bm_path, &bm_rows, "bm25")?;
        run_files.push(out.clone());
        run_files.push(bm_path);
    }
    let systems = match &qrels {
        Some(qr) => vec![
            system_metrics("TrialBridge", &tb_rows, qr, config.candidates),
            system_metrics("BM25", &bm_rows, qr, config.candidates),
        ],
        None => Vec::new(),
    };
    let cohort = config
        .trials
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cohort".into());
    let judged_pairs = qrels
        .as_ref()
        .map(|q| q.values().map(|m| m.len()).sum())
        .unwrap_or(0);
    Ok(RankReport {
        cohort,
        patients: queries.len(),
        trials: docs.len(),
        candidates: config.candidates,
        judged_pairs,
        systems,
        prepare_ms,
        latency_all_trials_mean_ms: latencies.iter().sum::<f64>() / latencies.len().max(1) as f64,
        latency_all_trials_max_ms: latencies.iter().copied().fold(0.0, f64::max),
        run_files,
        failed_rules_by_label,
    })
}
