//! The patient as a search query: the weighted words and phrases a full-text index (the
//! `search` crate's `TrialIndex::retrieve`) uses to find candidate trials before
//! [`crate::rank_trials`] reranks them. Pure, so the server and the CLI retrieve the same
//! candidates for the same patient.

use std::collections::HashMap;

use crate::vocabulary::{ConceptKind, Vocabulary};
use crate::{Date, PatientFacts, PatientProfile};

/// A diagnosis phrase counts this much; the first diagnosis (the one a patient usually seeks a
/// trial for) counts more.
const DIAGNOSIS_PHRASE: f32 = 2.0;
const PRIMARY_DIAGNOSIS_PHRASE: f32 = 3.0;
/// A condition the vocabulary recognized, by its preferred name, per unit of concept weight.
const CONCEPT_PHRASE: f32 = 2.0;

/// The weighted words and phrases that describe `profile`, for a full-text retrieval.
///
/// Words are the matcher's own query words (`PatientFacts::query_terms`: the note without its
/// negated mentions, else the profile's diagnoses, findings, medications and therapies, with
/// diagnosis words counted twice), given in a spelling from the patient's text so the index
/// analyzes them as it analyzed the trials. A word's weight grows with its count, sublinearly.
/// Phrases are the diagnoses as written and the preferred names of the conditions the
/// vocabulary recognized ("T2DM" → "type 2 diabetes mellitus"). Sorted by weight, then text,
/// so the same patient always gives the same query.
pub fn retrieval_terms(profile: &PatientProfile, today: Option<Date>) -> Vec<(String, f32)> {
    let facts = PatientFacts::new(profile, today);
    let mut text = String::new();
    if let Some(note) = &profile.note {
        text.push_str(&crate::facts::positive_text(note));
        text.push(' ');
    }
    for d in &profile.diagnoses {
        text.push_str(&d.text);
        text.push(' ');
    }
    for f in &profile.findings {
        text.push_str(&f.text);
        text.push(' ');
    }
    for m in &profile.medications {
        text.push_str(m);
        text.push(' ');
    }
    for t in &profile.prior_therapies {
        text.push_str(&t.name);
        text.push(' ');
    }
    // stem → the first spelling of it in the patient's text.
    let mut spelling: HashMap<String, String> = HashMap::new();
    for raw in text.split(|c: char| !c.is_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        if let [stem] = crate::text::tokens(raw).as_slice()
            && facts.query_terms.contains_key(stem)
            && !spelling.contains_key(stem)
        {
            spelling.insert(stem.clone(), raw.to_lowercase());
        }
    }
    let mut terms: Vec<(String, f32)> = Vec::new();
    for (stem, count) in &facts.query_terms {
        if let Some(word) = spelling.get(stem) {
            terms.push((word.clone(), 1.0 + (*count as f32).ln().max(0.0)));
        }
    }
    let mut first = true;
    for d in profile.diagnoses.iter().filter(|d| !d.resolved) {
        let w = if first {
            PRIMARY_DIAGNOSIS_PHRASE
        } else {
            DIAGNOSIS_PHRASE
        };
        first = false;
        terms.push((d.text.clone(), w));
    }
    let vocab = Vocabulary::builtin();
    for p in &facts.present {
        let concept = vocab.concept(p.concept);
        if concept.kind == ConceptKind::Condition {
            terms.push((concept.name.clone(), CONCEPT_PHRASE * p.weight as f32));
        }
    }
    terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_gives_its_words_and_its_conditions() {
        let extraction = crate::extract_profile(
            "A 58-year-old woman with metastatic breast cancer. She denies diabetes. Cancers treated.",
        );
        let terms = retrieval_terms(&extraction.profile, None);
        let has = |t: &str| terms.iter().any(|(x, _)| x == t);
        assert!(has("breast"), "{terms:?}");
        assert!(has("metastatic"), "{terms:?}");
        // The negated condition is not searched for.
        assert!(!has("diabetes"), "{terms:?}");
        // Heaviest first, and the same query every time.
        assert!(terms.windows(2).all(|w| w[0].1 >= w[1].1));
        assert_eq!(terms, retrieval_terms(&extraction.profile, None));
    }

    #[test]
    fn a_profile_gives_its_diagnoses_as_phrases() {
        let profile: PatientProfile = crate::profile_from_json(
            r#"{"diagnoses":[{"text":"relapsed T-cell acute lymphoblastic leukemia"},{"text":"hypertension"}]}"#,
        )
        .unwrap();
        let terms = retrieval_terms(&profile, None);
        let weight = |t: &str| terms.iter().find(|(x, _)| x == t).map(|(_, w)| *w);
        assert_eq!(
            weight("relapsed T-cell acute lymphoblastic leukemia"),
            Some(PRIMARY_DIAGNOSIS_PHRASE)
        );
        assert_eq!(weight("hypertension").map(|w| w >= 1.0), Some(true));
        assert!(weight("leukemia").is_some());
        assert!(retrieval_terms(&PatientProfile::default(), None).is_empty());
    }
}
