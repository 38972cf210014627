//! A profile read into concepts: what the patient has, what they explicitly do not have, and the
//! weighted words that describe them. Relevance and eligibility both work from this.

use std::collections::BTreeMap;

use crate::eligibility::{analyte_of, lab_name_concept, marker_key};
use crate::extract::is_negated;
use crate::profile::{Date, MarkerStatus, PatientProfile};
use crate::text::tokens;
use crate::vocabulary::{ConceptId, ConceptKind, Vocabulary, fold_case};

/// A concept the patient has, with how much it says about what trials fit them.
#[derive(Debug, Clone)]
pub struct PresentConcept {
    pub concept: ConceptId,
    pub weight: f64,
    /// The profile text it came from ("diagnoses: T2DM").
    pub source: String,
}

/// The patient, read into concepts and words.
#[derive(Debug, Clone)]
pub struct PatientFacts<'a> {
    pub profile: &'a PatientProfile,
    pub age_years: Option<f64>,
    pub present: Vec<PresentConcept>,
    /// Concepts the profile says the patient does not have, with the source text.
    pub absent: Vec<(ConceptId, String)>,
    /// Stemmed words of the positive parts of the profile, weighted.
    /// Ordered, so scores sum the same way on every run (a hash order would change the last
    /// bits of a sum, and with them the order of tied trials).
    pub query_terms: BTreeMap<String, f64>,
    /// What each of the profile's labs is (same order as `profile.labs`): read once here, as
    /// every lab rule of every candidate trial compares its analyte with each of them.
    pub labs: Vec<LabIdentity>,
}

/// What a lab typed into a profile measures, in the two ways lab rules match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabIdentity {
    /// The criteria crate's analyte key ("hba1c", "anc"), when the lab is one it names.
    pub analyte: Option<&'static str>,
    /// The first concept the vocabulary finds in its name (underscores read as spaces).
    pub concept: Option<ConceptId>,
}

/// Weight of a diagnosis relative to other facts when judging topical relevance.
const DIAGNOSIS_WEIGHT: f64 = 1.0;
const FINDING_WEIGHT: f64 = 0.4;
const PRIMARY_DIAGNOSIS_BOOST: f64 = 1.5;
const THERAPY_WEIGHT: f64 = 0.3;
const MEDICATION_WEIGHT: f64 = 0.2;

impl<'a> PatientFacts<'a> {
    pub fn new(profile: &'a PatientProfile, today: Option<Date>) -> PatientFacts<'a> {
        let vocab = Vocabulary::builtin();
        let mut facts = PatientFacts {
            profile,
            age_years: profile.age_on(today),
            present: Vec::new(),
            absent: Vec::new(),
            query_terms: BTreeMap::new(),
            labs: profile
                .labs
                .iter()
                .map(|l| LabIdentity {
                    analyte: analyte_of(&l.name),
                    concept: lab_name_concept(&l.name),
                })
                .collect(),
        };
        let add_present = |facts: &mut PatientFacts, text: &str, weight: f64, field: &str| {
            for m in vocab.find(text) {
                let kind = vocab.concept(m.concept).kind;
                let weight = match kind {
                    ConceptKind::Condition => weight,
                    ConceptKind::Lab => weight * 0.3,
                    _ => weight.min(FINDING_WEIGHT),
                };
                facts.push_present(m.concept, weight, format!("{field}: {text}"));
            }
        };
        for (i, d) in profile.diagnoses.iter().enumerate() {
            if !d.resolved {
                // The first diagnosis listed is usually the one the patient seeks a trial for.
                let weight = if i == 0 {
                    DIAGNOSIS_WEIGHT * PRIMARY_DIAGNOSIS_BOOST
                } else {
                    DIAGNOSIS_WEIGHT
                };
                add_present(&mut facts, &d.text, weight, "diagnosis");
            }
        }
        // The extent of disease ("metastatic", "stage IV") is disease state, not a diagnosis, but
        // it still says which trials fit: those for metastatic disease.
        if let Some(extent) = vocab.lookup(crate::extract::EXTENT_CONCEPT) {
            let ds = &profile.disease_state;
            let stage_iv = ds
                .stage
                .as_deref()
                .is_some_and(|s| s.starts_with("IV") || s == "4");
            match ds.metastatic {
                Some(true) => {
                    facts.push_present(extent, DIAGNOSIS_WEIGHT, "disease state: metastatic".into())
                }
                None if stage_iv => {
                    facts.push_present(extent, DIAGNOSIS_WEIGHT, "disease state: stage IV".into())
                }
                Some(false) => facts
                    .absent
                    .push((extent, "disease state: not metastatic".into())),
                None => {}
            }
        }
        for f in &profile.findings {
            if f.present {
                add_present(&mut facts, &f.text, FINDING_WEIGHT, "finding");
            } else {
                for m in vocab.find(&f.text) {
                    facts.absent.push((m.concept, format!("no {}", f.text)));
                }
            }
        }
        for t in &profile.prior_therapies {
            if t.received {
                add_present(&mut facts, &t.name, THERAPY_WEIGHT, "prior therapy");
            } else {
                for m in vocab.find(&t.name) {
                    facts
                        .absent
                        .push((m.concept, format!("no prior {}", t.name)));
                }
            }
        }
        for med in &profile.medications {
            add_present(&mut facts, med, MEDICATION_WEIGHT, "medication");
        }
        for b in &profile.biomarkers {
            add_present(&mut facts, &b.name, THERAPY_WEIGHT, "biomarker");
        }
        for s in &profile.infections {
            let found = vocab.find(&s.name);
            match s.status {
                MarkerStatus::Positive => {
                    add_present(&mut facts, &s.name, DIAGNOSIS_WEIGHT * 0.6, "infection")
                }
                _ => found.iter().for_each(|m| {
                    facts
                        .absent
                        .push((m.concept, format!("{} negative", s.name)))
                }),
            }
        }
        for t in &profile.transplants {
            add_present(
                &mut facts,
                &format!("{} transplant", t.kind),
                THERAPY_WEIGHT,
                "transplant",
            );
        }

        facts.derive_receptor_subtype();
        // A concept both affirmed and denied ("low back pain ... not relieved with pain
        // medications") is present: negation scope is the less reliable reading, and a
        // wrongly denied condition would count against the very trials that fit.
        let affirmed: Vec<ConceptId> = facts
            .absent
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| facts.has(*c).is_some())
            .collect();
        facts.absent.retain(|(c, _)| !affirmed.contains(c));

        // Words: the note with negated and family-history mentions blanked, else the profile's texts.
        let mut text = String::new();
        if let Some(note) = &profile.note {
            text.push_str(&positive_text(note));
        } else {
            for d in &profile.diagnoses {
                text.push_str(&d.text);
                text.push_str(". ");
            }
            for f in profile.findings.iter().filter(|f| f.present) {
                text.push_str(&f.text);
                text.push_str(". ");
            }
            for m in &profile.medications {
                text.push_str(m);
                text.push_str(". ");
            }
            for t in profile.prior_therapies.iter().filter(|t| t.received) {
                text.push_str(&t.name);
                text.push_str(". ");
            }
        }
        for t in tokens(&text) {
            *facts.query_terms.entry(t).or_default() += 1.0;
        }
        // Diagnosis words count double: they say most about which trials fit.
        for d in &profile.diagnoses {
            for t in tokens(&d.text) {
                *facts.query_terms.entry(t).or_default() += 1.0;
            }
        }
        facts
    }

    /// Breast cancer receptor status implies the subtype: ER, PR and HER2 all negative is triple
    /// negative; any of them positive is not.
    fn derive_receptor_subtype(&mut self) {
        let vocab = Vocabulary::builtin();
        let (Some(breast), Some(tnbc)) = (
            vocab.lookup("breast cancer"),
            vocab.lookup("triple negative breast cancer"),
        ) else {
            return;
        };
        if self.has(breast).is_none() || self.has(tnbc).is_some() {
            return;
        }
        let status = |key: &str| {
            self.profile
                .biomarkers
                .iter()
                .find(|b| marker_key(&b.name) == key)
                .and_then(|b| b.status)
        };
        let (er, pr, her2) = (status("ER"), status("PR"), status("HER2"));
        let all = [er, pr, her2];
        if all.iter().all(|s| *s == Some(MarkerStatus::Negative)) {
            self.push_present(
                tnbc,
                DIAGNOSIS_WEIGHT,
                "biomarkers: ER, PR and HER2 negative".into(),
            );
        } else if all.contains(&Some(MarkerStatus::Positive)) {
            self.absent
                .push((tnbc, "a hormone receptor or HER2 is positive".into()));
        }
    }

    fn push_present(&mut self, concept: ConceptId, weight: f64, source: String) {
        if let Some(p) = self.present.iter_mut().find(|p| p.concept == concept) {
            if weight > p.weight {
                p.weight = weight;
                p.source = source;
            }
        } else {
            self.present.push(PresentConcept {
                concept,
                weight,
                source,
            });
        }
    }

    /// The patient fact showing they have `concept` (or a narrower one), if any.
    pub fn has(&self, concept: ConceptId) -> Option<&PresentConcept> {
        let vocab = Vocabulary::builtin();
        self.present.iter().find(|p| vocab.is_a(p.concept, concept))
    }

    /// The patient fact showing they do not have `concept` (nor anything narrower is known).
    pub fn lacks(&self, concept: ConceptId) -> Option<&str> {
        let vocab = Vocabulary::builtin();
        self.absent
            .iter()
            .find(|(c, _)| *c == concept || vocab.is_a(concept, *c))
            .map(|(_, s)| s.as_str())
    }
}

/// The note with negated and family-history concept mentions blanked out.
pub fn positive_text(note: &str) -> String {
    let vocab = Vocabulary::builtin();
    let folded = fold_case(note);
    let mut out = note.to_string();
    for m in vocab.find(note) {
        if is_negated(&folded, m.start, m.end) || folded[..m.start].ends_with("family history of ")
        {
            out.replace_range(m.start..m.end, &" ".repeat(m.end - m.start));
        }
    }
    out
}
