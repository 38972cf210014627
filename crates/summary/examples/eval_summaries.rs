//! Summarises every study in a JSONL.gz file of API v2 records and prints the readability and
//! faithfulness report, plus throughput.
//!
//! ```text
//! cargo run --release -p summary --example eval_summaries -- [PATH] [--json] [--dump] [--texts] [NCT...]
//! ```
//! PATH defaults to the repository's `data/ctgov/studies.jsonl.gz`. `--dump` prints every
//! summary (or only the NCT ids given); `--syllables` counts the syllables of words on stdin; `--texts` prints one JSON line per study with our text,
//! the registry's brief summary and both grades, for `tools/fk_reference.py`.

use std::io::{BufRead, BufReader};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--syllables") {
        // One word per line on stdin -> "word<TAB>syllables", to compare with a dictionary.
        for line in std::io::stdin().lines() {
            let w = line.expect("stdin");
            println!("{w}\t{}", summary::readability::token_syllables(&w));
        }
        return;
    }
    let default = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ctgov/studies.jsonl.gz"
    )
    .to_string();
    let path = args
        .iter()
        .find(|a| !a.starts_with("--") && !a.starts_with("NCT"))
        .cloned()
        .unwrap_or(default);
    let json = args.iter().any(|a| a == "--json");
    let dump = args.iter().any(|a| a == "--dump");
    let show: Vec<&String> = args.iter().filter(|a| a.starts_with("NCT")).collect();
    let texts = args.iter().any(|a| a == "--texts");

    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let studies: Vec<ctgov::Study> = reader
        .lines()
        .map(|l| l.expect("read line"))
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            ctgov::Record::from_api_json(&l)
                .expect("valid record")
                .study
        })
        .collect();

    if texts {
        for s in &studies {
            let p = summary::summarize(s);
            let line = serde_json::json!({
                "nct_id": s.nct_id(),
                "ours": p.text(),
                "ours_grade": p.grade(),
                "registry": s.brief_summary().unwrap_or(""),
                "registry_grade": s.brief_summary().and_then(summary::flesch_kincaid_grade),
            });
            println!("{line}");
        }
        return;
    }
    if dump || !show.is_empty() {
        for s in &studies {
            if !show.is_empty() && !show.iter().any(|n| *n == s.nct_id()) {
                continue;
            }
            let p = summary::summarize(s);
            println!(
                "== {} (grade {:.1}) {}",
                s.nct_id(),
                p.grade(),
                s.brief_title()
            );
            for sec in &p.sections {
                println!("[{}] {}", sec.heading, sec.sentences.join(" "));
            }
            println!();
        }
        return;
    }

    // Throughput: summaries alone, then summaries with all checks, best of 5 rounds each.
    let mut best_summarize = f64::MAX;
    let mut best_full = f64::MAX;
    let mut sink = 0usize;
    for _ in 0..5 {
        let t = Instant::now();
        for s in &studies {
            sink += summary::summarize(s).sections.len();
        }
        best_summarize = best_summarize.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let report = summary::evaluate(studies.iter());
        sink += report.studies;
        best_full = best_full.min(t.elapsed().as_secs_f64());
    }
    // With typed criteria: criteria::parse + EligibilityHints::from_parsed + summarize_with.
    let mut best_criteria = f64::MAX;
    let mut parse_panics = 0;
    let mut enriched = 0;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for round in 0..3 {
        let t = Instant::now();
        for s in &studies {
            let text = s.eligibility_criteria().unwrap_or("");
            match std::panic::catch_unwind(|| criteria::parse(text)) {
                Ok(parsed) => {
                    let hints = summary::EligibilityHints::from_parsed(&parsed);
                    if round == 0 && !hints.is_empty() {
                        enriched += 1;
                    }
                    sink += summary::summarize_with(s, &hints).sections.len();
                }
                Err(_) if round == 0 => parse_panics += 1,
                Err(_) => {}
            }
        }
        best_criteria = best_criteria.min(t.elapsed().as_secs_f64());
    }
    std::panic::set_hook(previous_hook);
    let report = summary::evaluate(studies.iter());
    if json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap());
    } else {
        print!("{report}");
        println!(
            "Throughput (1 thread, best of 5): summarize {:.0} studies/s; summarize + grade + faithfulness checks {:.0} studies/s [{}]",
            studies.len() as f64 / best_summarize,
            studies.len() as f64 / best_full,
            sink % 2
        );
        println!(
            "With typed criteria (criteria::parse + from_parsed + summarize_with): {:.0} studies/s; {enriched} summaries enriched; criteria::parse panicked on {parse_panics}",
            studies.len() as f64 / best_criteria
        );
        let terms: usize = studies
            .iter()
            .map(|s| summary::find_terms(&summary::summarize(s).text()).len())
            .sum();
        println!(
            "Glossary terms marked in our summaries: {terms} ({:.1} per summary)",
            terms as f64 / studies.len() as f64
        );
    }
}
