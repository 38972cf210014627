//! Every sample trial in `data/ctgov/studies.jsonl.gz` (775 API v2 records committed by the
//! lead): summaries must be readable (grade ≤ 8, median ≤ 6.5) and state only the record's
//! ages, sex, status, phase and conditions.

use std::io::{BufRead, BufReader};
use std::sync::LazyLock;

use summary::{ClaimKind, SectionKind};

static STUDIES: LazyLock<Vec<ctgov::Study>> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ctgov/studies.jsonl.gz"
    );
    let file = std::fs::File::open(path).expect("data/ctgov/studies.jsonl.gz is committed");
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| l.unwrap())
        .filter(|l| !l.trim().is_empty())
        .map(|l| ctgov::Record::from_api_json(&l).unwrap().study)
        .collect()
});

#[test]
fn all_sample_trials_are_read() {
    assert_eq!(STUDIES.len(), 775);
}

#[test]
fn every_summary_is_at_grade_8_or_below_and_the_median_at_6_5_or_below() {
    let report = summary::evaluate(STUDIES.iter());
    assert_eq!(report.ours.count, STUDIES.len());
    let hard: Vec<String> = report
        .above_grade_8
        .iter()
        .map(|h| format!("{} {:.1}", h.nct_id, h.grade))
        .collect();
    assert!(hard.is_empty(), "summaries above grade 8: {hard:?}");
    assert!(report.ours.max <= 8.0, "max {}", report.ours.max);
    assert!(report.ours.median <= 6.5, "median {}", report.ours.median);
    // The registry's own summaries, measured the same way, are far harder to read.
    assert!(
        report.registry.median > 12.0,
        "registry median {}",
        report.registry.median
    );
}

#[test]
fn no_summary_states_anything_the_record_does_not_support() {
    let report = summary::evaluate(STUDIES.iter());
    let lines: Vec<String> = report
        .faithfulness_failures
        .iter()
        .flat_map(|t| t.issues.iter().map(move |i| format!("{} {i}", t.nct_id)))
        .collect();
    assert!(
        lines.is_empty(),
        "{} failures:\n{}",
        lines.len(),
        lines.join("\n")
    );
}

#[test]
fn ages_sex_status_phase_and_conditions_stated_equal_the_records() {
    for study in STUDIES.iter() {
        let s = summary::summarize(study);
        let id = study.nct_id();
        let text = s.text();
        let c = &s.claims;
        // Ages: stated exactly when the record has them, and equal to them.
        let elig = study.eligibility();
        assert_eq!(
            c.minimum_age.as_deref().and_then(ctgov::Age::parse),
            study.minimum_age().unwrap(),
            "{id}"
        );
        assert_eq!(
            c.maximum_age.as_deref().and_then(ctgov::Age::parse),
            study.maximum_age().unwrap(),
            "{id}"
        );
        if let Some(min) = study.minimum_age().unwrap() {
            let n = format!("{}", min.value);
            assert!(
                s.section(SectionKind::Eligibility).unwrap().sentences[0].contains(&n),
                "{id}: {text}"
            );
        }
        if let Some(max) = study.maximum_age().unwrap() {
            let n = format!(
                "{} {}",
                max.value,
                if max.value == 1.0 {
                    max.unit
                        .registry_word()
                        .trim_end_matches('s')
                        .to_lowercase()
                } else {
                    max.unit.registry_word().to_lowercase()
                }
            );
            assert!(
                s.section(SectionKind::Eligibility).unwrap().sentences[0].contains(&n),
                "{id}: {text}"
            );
        }
        // Sex and status: the record's codes.
        assert_eq!(
            c.sex.as_deref(),
            elig.and_then(|e| e.sex.as_deref()),
            "{id}"
        );
        assert_eq!(c.status.as_deref(), Some(study.overall_status()), "{id}");
        // Phase: all of the record's phases, and no phase sentence for "NA" or none.
        let phases: Vec<&str> = study
            .phases()
            .iter()
            .map(String::as_str)
            .filter(|p| *p != "NA")
            .collect();
        assert_eq!(
            c.phases.iter().map(String::as_str).collect::<Vec<_>>(),
            phases,
            "{id}"
        );
        assert_eq!(text.contains("phase"), !phases.is_empty(), "{id}: {text}");
        // Conditions: each stated one is a record condition in plain words, and the first
        // record condition is always stated.
        for sc in &c.conditions {
            assert!(study.conditions().contains(&sc.registry), "{id}");
            assert_eq!(sc.lay, summary::lay_condition(&sc.registry), "{id}");
            assert!(text.contains(&sc.lay), "{id}: {text}");
        }
        if let Some(first) = study.conditions().first() {
            assert_eq!(
                c.conditions.first().map(|s| &s.registry),
                Some(first),
                "{id}"
            );
        }
    }
}

#[test]
fn the_checker_catches_a_wrong_age_sex_status_phase_or_placebo_in_a_real_summary() {
    let mut caught = 0;
    for study in STUDIES.iter().take(100) {
        let text = summary::summarize(study).text();
        let min = study.minimum_age().unwrap();
        if let Some(min) = min.filter(|m| m.value >= 2.0) {
            let n = format!("{}", min.value);
            let wrong = format!("{}", min.value - 1.0);
            let altered = text
                .replacen(&format!("be {n} "), &format!("be {wrong} "), 1)
                .replacen(&format!("least {n} "), &format!("least {wrong} "), 1);
            if altered != text {
                let issues = summary::check_faithfulness(&altered, study);
                assert!(
                    issues.iter().any(|i| i.kind == ClaimKind::Age),
                    "{}: {altered}",
                    study.nct_id()
                );
                caught += 1;
            }
        }
        let altered = text.replace(
            "The study is looking for people to join now.",
            "The study has finished.",
        );
        if altered != text {
            assert!(
                summary::check_faithfulness(&altered, study)
                    .iter()
                    .any(|i| i.kind == ClaimKind::Status)
            );
            caught += 1;
        }
        let altered = text.replace(
            "Both males and females can take part.",
            "The study is only for women.",
        );
        if altered != text {
            assert!(
                summary::check_faithfulness(&altered, study)
                    .iter()
                    .any(|i| i.kind == ClaimKind::Sex)
            );
            caught += 1;
        }
        if !text.contains("placebo")
            && !study
                .interventions()
                .iter()
                .any(|i| i.name.to_lowercase().contains("placebo"))
        {
            let altered = format!("{text} Some people may get a placebo.");
            let issues = summary::check_faithfulness(&altered, study);
            // A placebo named only in an arm description is allowed; otherwise it is caught.
            if issues.is_empty() {
                let arms = study.protocol_section.arms_interventions_module.as_ref();
                let described = arms.is_some_and(|a| {
                    a.arm_groups.iter().any(|g| {
                        format!("{} {}", g.label, g.description.as_deref().unwrap_or(""))
                            .to_lowercase()
                            .contains("placebo")
                    }) || a.interventions.iter().any(|i| {
                        i.description
                            .as_deref()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains("placebo")
                    })
                });
                assert!(described, "{}", study.nct_id());
            } else {
                assert!(issues.iter().any(|i| i.kind == ClaimKind::Design));
                caught += 1;
            }
        }
        if !study.phases().iter().any(|p| p == "PHASE4") {
            let altered = format!("{text} This is a phase 4 study.");
            assert!(
                summary::check_faithfulness(&altered, study)
                    .iter()
                    .any(|i| i.kind == ClaimKind::Phase)
            );
            caught += 1;
        }
    }
    assert!(caught > 200, "{caught}");
}

#[test]
fn summaries_enriched_with_typed_criteria_stay_readable_and_faithful() {
    let mut enriched = 0;
    let mut parse_panics = Vec::new();
    for study in STUDIES.iter() {
        let Some(text) = study.eligibility_criteria() else {
            continue;
        };
        // The criteria parser is another crate, still young; a panic there is reported, not
        // hidden, but does not stop this test of the summary side.
        let Ok(parsed) = std::panic::catch_unwind(|| criteria::parse(text)) else {
            parse_panics.push(study.nct_id().to_string());
            continue;
        };
        let hints = summary::EligibilityHints::from_parsed(&parsed);
        if hints.is_empty() {
            continue;
        }
        enriched += 1;
        let s = summary::summarize_with(study, &hints);
        assert!(
            s.grade() <= 8.0,
            "{} grade {:.1}",
            study.nct_id(),
            s.grade()
        );
        let issues = summary::check_summary(&s, study);
        assert!(issues.is_empty(), "{}: {issues:?}", study.nct_id());
    }
    if !parse_panics.is_empty() {
        eprintln!(
            "criteria::parse panicked on {} records: {parse_panics:?}",
            parse_panics.len()
        );
    }
    assert!(enriched > 100, "{enriched}");
}
