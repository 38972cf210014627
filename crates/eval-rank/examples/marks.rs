//! Error analysis for the ranking: for each patient of a cohort, the profile drafted from the
//! note, then every judged trial with its label, score and the decisive rules marked not met
//! (criterion text and the patient fact behind the mark).
//!
//! ```text
//! cargo run --release -p eval-rank --example marks -- trials.jsonl queries.jsonl qrels.tsv [patient-id]
//! ```

use matcher::{Mark, MatchOptions, RelevanceModel, extract_profile, rank_trials};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [trials, queries, qrels, rest @ ..] = args.as_slice() else {
        eprintln!("usage: marks trials.jsonl queries.jsonl qrels.tsv [patient-id]");
        std::process::exit(2);
    };
    let only = rest.first();
    // MARKS=all prints every mark, not only the decisive failures.
    let all_marks = std::env::var("MARKS").is_ok_and(|v| v == "all");
    let trials = eval_rank::load_trials(trials.as_ref()).expect("trials");
    let queries = eval_rank::load_queries(queries.as_ref()).expect("queries");
    let qrels = eval_rank::load_qrels(qrels.as_ref()).expect("qrels");
    let docs: Vec<_> = trials.into_iter().map(|(d, _)| d).collect();
    let model = RelevanceModel::fit(&docs);
    for q in &queries {
        if only.is_some_and(|o| o != &q.id) {
            continue;
        }
        let Some(judged) = qrels.get(&q.id) else {
            continue;
        };
        let extraction = extract_profile(&q.note());
        println!("===== patient {}", q.id);
        println!(
            "profile: {}",
            serde_json::to_string(&extraction.profile).expect("profile serializes")
        );
        let cands: Vec<_> = docs
            .iter()
            .filter(|d| judged.contains_key(&d.nct_id))
            .collect();
        let ranked = rank_trials(
            &extraction.profile,
            &cands,
            &model,
            &MatchOptions::default(),
        );
        for (i, r) in ranked.iter().enumerate() {
            let label = judged[&r.nct_id];
            println!(
                "#{:<3} label {label} score {:.3} share {:.3} {:?} {}",
                i + 1,
                r.score,
                r.relevance_share,
                r.eligibility.verdict,
                r.nct_id
            );
            for m in r
                .eligibility
                .marks
                .iter()
                .filter(|m| all_marks || (m.decisive && m.mark == Mark::NotMet))
            {
                let text: String = m.criterion.chars().take(160).collect();
                let sign = match m.mark {
                    Mark::Met => "✓",
                    Mark::NotMet => "✗",
                    Mark::Unknown => "?",
                    Mark::NotApplicable => "-",
                };
                println!(
                    "      {sign} {} [{}] {:?} | fact: {}",
                    m.kind,
                    if m.polarity == criteria::Polarity::Inclusion {
                        "incl"
                    } else {
                        "excl"
                    },
                    text.replace('\n', " "),
                    m.patient_fact.as_deref().unwrap_or("-")
                );
            }
        }
    }
}
