//! Runs the criteria evaluations and prints their reports.
//!
//! ```text
//! eval-criteria ages      [V2.jsonl.gz] [NORMALIZED.jsonl.gz]
//! eval-criteria ages-list (every age disagreement with the parser's evidence)
//! eval-criteria brat      chia|lct [PATH]
//! eval-criteria speed     [ROUNDS]
//! eval-criteria large     (time to parse one 1 MB text)
//! eval-criteria diagnose  chia|lct age|lab|score|temporal [N]   (misses and false alarms)
//! eval-criteria all
//! ```
//! Paths default to /work/shared/data. Add `--json` for JSON output.

use std::path::PathBuf;

use eval_criteria::ages::{RecordFile, self_consistency};
use eval_criteria::brat::{Corpus, evaluate};
use eval_criteria::records::{read_api_v2, read_normalized};

const DATA: &str = "/work/shared/data";

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    args.retain(|a| a != "--json");
    let cmd = args.first().cloned().unwrap_or_else(|| "all".into());
    let v2 = PathBuf::from(format!("{DATA}/ctgov/v2/studies.jsonl.gz"));
    let norm = PathBuf::from(format!("{DATA}/trials/trials_normalized.jsonl.gz"));
    let chia = PathBuf::from(format!("{DATA}/criteria/chia/chia_without_scope.zip"));
    let lct = PathBuf::from(format!("{DATA}/criteria/lct/lct_corpus_brat.tar.gz"));
    let out = |s: String, j: String| {
        if json {
            println!("{j}")
        } else {
            println!("{s}")
        }
    };
    let run = || -> Result<(), eval_criteria::EvalError> {
        if cmd == "ages" || cmd == "all" {
            let a = args.get(1).map(PathBuf::from).unwrap_or(v2.clone());
            let b = args.get(2).map(PathBuf::from).unwrap_or(norm.clone());
            let r = self_consistency(&[(&a, RecordFile::ApiV2), (&b, RecordFile::Normalized)])?;
            out(r.to_string(), serde_json::to_string_pretty(&r).unwrap());
        }
        if cmd == "ages-list" {
            // Every disagreement with its age evidence, for error analysis.
            for (name, recs) in [
                ("v2", read_api_v2(&v2)?),
                ("normalized", read_normalized(&norm)?),
            ] {
                for line in eval_criteria::ages::list_disagreements(&recs) {
                    println!("{name} {line}");
                }
            }
        }
        if cmd == "brat" || cmd == "all" {
            let which = if cmd == "brat" {
                args.get(1).cloned().unwrap_or_else(|| "chia".into())
            } else {
                "both".into()
            };
            for (name, corpus, path) in [("chia", Corpus::Chia, &chia), ("lct", Corpus::Lct, &lct)]
            {
                if which != name && which != "both" {
                    continue;
                }
                let p = if cmd == "brat" {
                    args.get(2).map(PathBuf::from).unwrap_or(path.clone())
                } else {
                    path.clone()
                };
                let r = evaluate(&p, corpus)?;
                out(r.to_string(), serde_json::to_string_pretty(&r).unwrap());
            }
        }
        if cmd == "diagnose" {
            use eval_criteria::brat::{ThresholdKind, diagnose};
            let corpus = if args.get(1).map(String::as_str) == Some("lct") {
                Corpus::Lct
            } else {
                Corpus::Chia
            };
            let kind = match args.get(2).map(String::as_str) {
                Some("age") => ThresholdKind::Age,
                Some("score") => ThresholdKind::Score,
                Some("temporal") => ThresholdKind::Temporal,
                _ => ThresholdKind::Measurement,
            };
            let path = if corpus == Corpus::Lct { &lct } else { &chia };
            for line in diagnose(
                path,
                corpus,
                kind,
                args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100),
            )? {
                println!("{line}");
            }
        }
        if cmd == "large" || cmd == "all" {
            // One 1 MB text: the longest real criteria text in the data, repeated.
            let texts: Vec<String> = read_api_v2(&v2)?.into_iter().map(|r| r.text).collect();
            let longest = texts
                .iter()
                .max_by_key(|t| t.len())
                .cloned()
                .unwrap_or_default();
            let mut big = String::new();
            while big.len() < 1_000_000 {
                big.push_str(&longest);
                big.push('\n');
            }
            let start = std::time::Instant::now();
            let parsed = criteria::parse(&big);
            println!(
                "1 MB text ({} bytes, {} criteria, {} rules) parsed in {:.3} s",
                big.len(),
                parsed.criteria.len(),
                parsed.rules().count(),
                start.elapsed().as_secs_f64()
            );
        }
        if cmd == "speed" || cmd == "all" {
            let rounds: usize = if cmd == "speed" {
                args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3)
            } else {
                3
            };
            let mut texts: Vec<String> = read_api_v2(&v2)?.into_iter().map(|r| r.text).collect();
            texts.extend(
                read_normalized(&norm)?
                    .into_iter()
                    .map(|r| r.text)
                    .filter(|t| !t.trim().is_empty()),
            );
            let r = eval_criteria::throughput(&texts, rounds);
            out(r.to_string(), serde_json::to_string_pretty(&r).unwrap());
        }
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("eval-criteria: {e}");
        std::process::exit(1);
    }
}
