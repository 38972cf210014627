//! Any text a user pastes must give a profile, never a panic, with evidence spans that point
//! into the note.

use matcher::extract_profile;
use proptest::prelude::*;

proptest! {
    #[test]
    fn extraction_never_panics_and_spans_are_valid(
        note in "(?s)[a-zA-Z0-9 .,;:/()+≥≤×µ’é\\-\n]{0,300}"
    ) {
        let e = extract_profile(&note);
        for ev in &e.evidence {
            prop_assert!(ev.start <= ev.end && ev.end <= note.len());
            prop_assert_eq!(&note[ev.start..ev.end], ev.text.as_str());
        }
    }

    #[test]
    fn clinical_phrases_in_any_order_do_not_panic(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("A 45-year-old woman"), Just("denies smoking"), Just("no history of stroke"),
                Just("HER2: negative"), Just("ECOG 2"), Just("Hgb 9.1 g/dL"), Just("ER/PR negative"),
                Just("stage IIIB NSCLC"), Just("prior chemotherapy: no"), Just("HIV negative"),
                Just("ALT 2.5 × ULN"), Just("family history of breast cancer"), Just("’s"), Just(";"),
            ],
            0..12,
        )
    ) {
        let note = parts.join(" ");
        let e = extract_profile(&note);
        for ev in &e.evidence {
            prop_assert_eq!(&note[ev.start..ev.end], ev.text.as_str());
        }
    }
}
