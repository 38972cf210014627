//! Robustness: any input parses, spans are valid slices, parsing is deterministic, large input ends.

use criteria::*;
use proptest::prelude::*;

fn check_spans(text: &str, p: &ParsedCriteria) {
    for s in &p.sections {
        assert!(
            text.get(s.span.start..s.span.end).is_some(),
            "section span {:?}",
            s.span
        );
        if let Some(h) = s.heading {
            assert!(text.get(h.start..h.end).is_some());
        }
    }
    for c in &p.criteria {
        assert_eq!(text.get(c.span.start..c.span.end), Some(c.text.as_str()));
        if let Some(m) = c.marker {
            assert!(text.get(m.start..m.end).is_some());
        }
        for r in &c.rules {
            assert!(
                text.get(r.span.start..r.span.end).is_some(),
                "rule span {:?} in {:?}",
                r.span,
                c.text
            );
            for t in r.thresholds() {
                assert!(text.get(t.span.start..t.span.end).is_some());
            }
            if let Some(w) = &r.window {
                assert!(text.get(w.span.start..w.span.end).is_some());
            }
        }
    }
}

const PIECES: &[&str] = &[
    "Inclusion Criteria:",
    "Exclusion Criteria:",
    "\n",
    "\n\n",
    "* ",
    "  * ",
    "1. ",
    "a. ",
    "ii) ",
    "Age ≥ 18 years",
    "\\<",
    "\\>=",
    "≤",
    "＜",
    " 3 × ULN",
    " except ",
    " unless ",
    "ECOG 0-1",
    "; ",
    ". ",
    "within 4 weeks",
    "HBsAg",
    "(",
    ")",
    "İ",
    "ß",
    "é",
    "🙂",
    "1,500/mm3",
    "no more than",
    "at least",
    "LVEF",
    "CD7+",
    "if liver metastases",
    "Gilbert",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_unicode_input_parses_with_valid_spans(text in "\\PC{0,300}") {
        let p = parse(&text);
        check_spans(&text, &p);
        prop_assert_eq!(parse(&text), p);
    }

    #[test]
    fn criteria_like_input_parses_with_valid_spans(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..60)) {
        let text: String = parts.concat();
        let p = parse(&text);
        check_spans(&text, &p);
        prop_assert_eq!(parse(&text), p);
    }
}

#[test]
fn no_text_is_dropped() {
    // Every non-whitespace character is inside a heading, a marker or a criterion.
    let text = std::fs::read_to_string(format!(
        "{}/tests/data/NCT07117305.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let p = parse(&text);
    let mut covered = vec![false; text.len()];
    let mut mark = |s: Span| covered[s.start..s.end].iter_mut().for_each(|c| *c = true);
    for s in &p.sections {
        if let Some(h) = s.heading {
            mark(h);
        }
    }
    for c in &p.criteria {
        mark(c.span);
        if let Some(m) = c.marker {
            mark(m);
        }
    }
    for (i, ch) in text.char_indices() {
        assert!(
            ch.is_whitespace() || covered[i],
            "dropped {ch:?} at {i}: {:?}",
            &text[i.saturating_sub(20)..i + 1]
        );
    }
}

#[test]
fn a_megabyte_of_criteria_finishes() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/data/NCT07117305.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut big = String::new();
    while big.len() < 1_000_000 {
        big.push_str(&text);
    }
    let p = parse(&big);
    assert!(p.criteria.len() > 1000);
    // One enormous line with no structure at all.
    let line = "ALT ≤ 3 × ULN and age ≥ 18 years or ".repeat(30_000);
    let p = parse(&line);
    check_spans(&line, &p);
}
