//! Topical relevance of a patient to a trial: how well the patient's conditions and findings
//! match what the trial is about.
//!
//! Two signals, added: a field-weighted BM25 (BM25F) of the patient's words over the trial's
//! topic (title, conditions, keywords, MeSH terms), summary, inclusion and exclusion text; and a
//! concept score, where each patient concept found in a trial field counts by its weight, its
//! rarity across the corpus, the field, and how exactly it matched (same concept, or a broader
//! or narrower one in the vocabulary). A concept the patient explicitly lacks counts against a
//! trial that is about it. Corpus statistics come from [`RelevanceModel::fit`].

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::facts::PatientFacts;
use crate::trial::{FIELDS, Field, FieldIndex, TrialDocument};
use crate::vocabulary::{ConceptId, Vocabulary};

/// The knobs of relevance scoring, with defaults that favour the trial's topic fields.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RelevanceParams {
    /// BM25 term-frequency saturation and length normalization.
    pub k1: f64,
    pub b: f64,
    /// How much a word or concept in each field (topic, summary, inclusion, exclusion) says
    /// about the trial's topic.
    pub field_weights: [f64; 4],
    /// Weight of the concept score against BM25F.
    pub concept_scale: f64,
    /// Weight of a concept the patient explicitly lacks, found in the trial's topic or
    /// inclusion criteria (subtracted).
    pub absent_penalty: f64,
}

impl Default for RelevanceParams {
    fn default() -> Self {
        RelevanceParams {
            k1: 1.2,
            b: 0.75,
            field_weights: [3.0, 1.0, 1.5, 0.0],
            concept_scale: 1.5,
            absent_penalty: 0.2,
        }
    }
}

/// Corpus statistics for scoring.
#[derive(Debug, Clone, Default)]
pub struct RelevanceModel {
    pub params: RelevanceParams,
    doc_count: f64,
    /// Fx-hashed, as [`crate::trial::FieldIndex::term_counts`]: looked up per candidate.
    term_df: FxHashMap<String, u32>,
    concept_df: FxHashMap<ConceptId, u32>,
    avg_len: [f64; 4],
}

/// The patient's words, each with its BM25F query weight (square root of its weight in the
/// profile times its inverse document frequency), in the order of
/// [`PatientFacts::query_terms`] so scores sum the same way every time.
pub(crate) struct QueryWeights<'f>(Vec<(&'f str, f64)>);

/// Words added to a query (pseudo-relevance feedback), with where the earlier and the added
/// words fall in the expanded query's order.
pub(crate) struct QueryExpansion<'f> {
    added: QueryWeights<'f>,
    /// For each word of the earlier query, its position in the expanded one.
    earlier_places: Vec<usize>,
    /// For each added word, its position in the expanded one.
    added_places: Vec<usize>,
}

impl<'f> QueryExpansion<'f> {
    /// `expanded` is the earlier query (same words, same weights) with `added` words inserted,
    /// in word order.
    pub(crate) fn new(expanded: QueryWeights<'f>, added: &[String]) -> QueryExpansion<'f> {
        let mut added_words = Vec::new();
        let mut earlier_places = Vec::new();
        let mut added_places = Vec::new();
        for (place, &(term, weight)) in expanded.0.iter().enumerate() {
            if added.iter().any(|a| a == term) {
                added_words.push((term, weight));
                added_places.push(place);
            } else {
                earlier_places.push(place);
            }
        }
        QueryExpansion {
            added: QueryWeights(added_words),
            earlier_places,
            added_places,
        }
    }
}

/// Word shares summed in the given order from 0, as BM25F sums them.
pub(crate) fn sum_shares(shares: impl Iterator<Item = f64>) -> f64 {
    let mut lexical = 0.0;
    for share in shares {
        lexical += share;
    }
    lexical
}

/// A concept matched through the vocabulary's hierarchy counts less than an exact match.
const BROADER_MATCH: f64 = 0.5;
const NARROWER_MATCH: f64 = 0.7;

/// A patient concept found in a trial field.
#[derive(Debug, Clone, Serialize)]
pub struct ConceptMatch {
    /// The concept's preferred name.
    pub concept: String,
    pub field: &'static str,
    /// The patient fact it came from.
    pub patient_fact: String,
    pub contribution: f64,
}

/// A relevance score with its explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Relevance {
    pub score: f64,
    pub lexical: f64,
    pub conceptual: f64,
    pub matches: Vec<ConceptMatch>,
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::Topic => "topic",
        Field::Summary => "summary",
        Field::Inclusion => "inclusion",
        Field::Exclusion => "exclusion",
    }
}

/// The field weights for one trial, with the weight of the fields the trial leaves empty shared
/// out over the fields it has. Many registry extracts carry only the criteria text (no title,
/// conditions or summary); an empty field is missing evidence, not evidence that the trial is
/// off topic, so such a trial is judged on what it has rather than scored as if it failed to
/// mention the patient's condition in its title.
pub(crate) fn present_field_weights(weights: [f64; 4], trial: &TrialDocument) -> [f64; 4] {
    let total: f64 = weights.iter().sum();
    let present: f64 = FIELDS
        .iter()
        .filter(|&&f| trial.field(f).length > 0)
        .map(|&f| weights[f as usize])
        .sum();
    if present <= 0.0 || present >= total {
        return weights;
    }
    weights.map(|w| w * total / present)
}

impl RelevanceModel {
    /// Document frequencies and field lengths over `trials`.
    pub fn fit<'t>(trials: impl IntoIterator<Item = &'t TrialDocument>) -> RelevanceModel {
        let mut m = RelevanceModel::default();
        let mut total_len = [0f64; 4];
        for t in trials {
            m.doc_count += 1.0;
            let mut terms: Vec<&String> = Vec::new();
            let mut concepts: Vec<ConceptId> = Vec::new();
            for f in FIELDS {
                let fi = t.field(f);
                total_len[f as usize] += fi.length as f64;
                terms.extend(fi.term_counts.keys());
                concepts.extend(fi.concepts.iter().copied());
            }
            terms.sort_unstable();
            terms.dedup();
            concepts.sort_unstable();
            concepts.dedup();
            for term in terms {
                *m.term_df.entry(term.clone()).or_default() += 1;
            }
            for c in concepts {
                *m.concept_df.entry(c).or_default() += 1;
            }
        }
        for (i, total) in total_len.iter().enumerate() {
            m.avg_len[i] = if m.doc_count > 0.0 {
                (total / m.doc_count).max(1.0)
            } else {
                1.0
            };
        }
        m
    }

    /// Inverse document frequency of a stemmed term in the corpus.
    pub fn term_idf(&self, term: &str) -> f64 {
        self.idf(self.term_df.get(term).copied().unwrap_or(0))
    }

    fn idf(&self, df: u32) -> f64 {
        let n = self.doc_count.max(1.0);
        let df = df as f64;
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// Scores one trial for one patient.
    pub fn score(&self, patient: &PatientFacts, trial: &TrialDocument) -> Relevance {
        let query = self.query_weights(patient);
        let field_weights = present_field_weights(self.params.field_weights, trial);
        let lexical = self.lexical(&query, trial, field_weights);
        let (conceptual, matches) = self.conceptual(patient, trial, field_weights);
        Relevance {
            score: lexical + conceptual,
            lexical,
            conceptual,
            matches,
        }
    }

    /// The patient's words with their query weights against this corpus, to score many trials
    /// for one patient without looking up each word's document frequency per trial.
    pub(crate) fn query_weights<'f>(&self, patient: &'f PatientFacts) -> QueryWeights<'f> {
        QueryWeights(
            patient
                .query_terms
                .iter()
                .map(|(term, qtf)| {
                    let idf = self.idf(self.term_df.get(term).copied().unwrap_or(0));
                    (term.as_str(), qtf.sqrt() * idf)
                })
                .collect(),
        )
    }

    /// The BM25F part of [`RelevanceModel::score`] (`field_weights` from
    /// `present_field_weights`).
    pub(crate) fn lexical(
        &self,
        query: &QueryWeights,
        trial: &TrialDocument,
        field_weights: [f64; 4],
    ) -> f64 {
        let mut shares = Vec::new();
        self.lexical_shares(query, trial, field_weights, &mut shares);
        sum_shares(shares.iter().map(|&(_, share)| share))
    }

    /// Each word's share of the BM25F part, as `(position in query, share)` for the words the
    /// trial has, in query order, appended to `shares`. Summed in order from 0 they make
    /// [`RelevanceModel::lexical`]; kept, they let query expansion look up only the added words.
    pub(crate) fn lexical_shares(
        &self,
        query: &QueryWeights,
        trial: &TrialDocument,
        field_weights: [f64; 4],
        shares: &mut Vec<(usize, f64)>,
    ) {
        let RelevanceParams { k1, b, .. } = self.params;
        // Length normalization per field, once per trial rather than per word. A field with no
        // weight (or no words) adds exactly 0 to any word's frequency, so it is not looked in.
        let mut searched: Vec<(&FieldIndex, f64, f64)> = Vec::with_capacity(FIELDS.len());
        for f in FIELDS {
            let fi = trial.field(f);
            let weight = field_weights[f as usize];
            if weight != 0.0 && fi.length > 0 {
                let norm = 1.0 - b + b * fi.length as f64 / self.avg_len[f as usize];
                searched.push((fi, weight, norm));
            }
        }
        for (position, &(term, query_weight)) in query.0.iter().enumerate() {
            let mut tf = 0.0;
            for &(fi, weight, norm) in &searched {
                if let Some(&c) = fi.term_counts.get(term) {
                    tf += weight * c as f64 / norm;
                }
            }
            if tf > 0.0 {
                shares.push((position, query_weight * tf * (k1 + 1.0) / (tf + k1)));
            }
        }
    }

    /// [`RelevanceModel::lexical`] under `expansion.expanded` for a trial whose shares under
    /// `expansion`'s earlier words were `earlier_shares`: the earlier words' shares stand (their
    /// weights do not change), only the added words are looked up, and all are summed in the
    /// expanded order, so the result is the same to the last bit.
    pub(crate) fn expanded_lexical(
        &self,
        expansion: &QueryExpansion,
        earlier_shares: &[(usize, f64)],
        trial: &TrialDocument,
        field_weights: [f64; 4],
    ) -> f64 {
        let mut added = Vec::new();
        self.lexical_shares(&expansion.added, trial, field_weights, &mut added);
        let mut earlier = earlier_shares
            .iter()
            .map(|&(i, share)| (expansion.earlier_places[i], share))
            .peekable();
        let mut added = added
            .into_iter()
            .map(|(i, share)| (expansion.added_places[i], share))
            .peekable();
        // Merge the two (each in expanded order) by place.
        let in_order = std::iter::from_fn(|| match (earlier.peek(), added.peek()) {
            (Some(e), Some(a)) if a.0 < e.0 => added.next(),
            (Some(_), _) => earlier.next(),
            (None, _) => added.next(),
        });
        sum_shares(in_order.map(|(_, share)| share))
    }

    /// The concept part of [`RelevanceModel::score`], with the matches that explain it.
    pub(crate) fn conceptual(
        &self,
        patient: &PatientFacts,
        trial: &TrialDocument,
        field_weights: [f64; 4],
    ) -> (f64, Vec<ConceptMatch>) {
        let vocab = Vocabulary::builtin();
        let RelevanceParams {
            concept_scale,
            absent_penalty,
            ..
        } = self.params;
        let mut conceptual = 0.0;
        let mut matches = Vec::new();
        for p in &patient.present {
            let mut best: Option<(f64, Field)> = None;
            for f in FIELDS {
                for &tc in &trial.field(f).concepts {
                    let exactness = if tc == p.concept {
                        1.0
                    } else if vocab.is_a(p.concept, tc) {
                        BROADER_MATCH
                    } else if vocab.is_a(tc, p.concept) {
                        NARROWER_MATCH
                    } else {
                        continue;
                    };
                    let idf = self.idf(self.concept_df.get(&tc).copied().unwrap_or(0));
                    let s = exactness * idf * field_weights[f as usize];
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, f));
                    }
                }
            }
            if let Some((s, f)) = best {
                let contribution = concept_scale * p.weight * s;
                conceptual += contribution;
                matches.push(ConceptMatch {
                    concept: vocab.concept(p.concept).name.clone(),
                    field: field_name(f),
                    patient_fact: p.source.clone(),
                    contribution,
                });
            }
        }
        for (c, source) in &patient.absent {
            for f in [Field::Topic, Field::Inclusion] {
                if trial.field(f).concepts.contains(c) {
                    let idf = self.idf(self.concept_df.get(c).copied().unwrap_or(0));
                    let contribution =
                        -absent_penalty * concept_scale * idf * field_weights[f as usize];
                    conceptual += contribution;
                    matches.push(ConceptMatch {
                        concept: vocab.concept(*c).name.clone(),
                        field: field_name(f),
                        patient_fact: source.clone(),
                        contribution,
                    });
                    break;
                }
            }
        }
        (conceptual, matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::PatientProfile;
    use crate::trial::TrialFields;

    fn trial(title: &str, summary: &str, criteria: &str) -> TrialDocument {
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000031".into(),
            title: title.into(),
            summary: summary.into(),
            criteria_text: criteria.into(),
            ..Default::default()
        })
    }

    /// Query expansion keeps the earlier words' shares and looks up only the added ones; the
    /// word score must still be exactly the one a full pass over the expanded words gives, with
    /// added words falling before, between and after the earlier ones.
    #[test]
    fn expanded_word_score_is_exactly_a_full_pass() {
        let trials = [
            trial(
                "Metformin in type 2 diabetes with obesity",
                "Zinc and aspirin for glycemic control; lifestyle, sleep, walking, fasting \
                 glucose, lipid, kidney and liver measures; statin, fiber, vitamin D",
                "Inclusion Criteria:\n- HbA1c 7-10 %\n- adults with obesity\nExclusion Criteria:\n- insulin",
            ),
            trial(
                "Asthma in children",
                "Inhaled steroids",
                "Inclusion Criteria:\n- wheeze",
            ),
            trial("Obesity and diabetes", "Diet, exercise and metformin", ""),
        ];
        let model = RelevanceModel::fit(&trials);
        let profile = PatientProfile {
            note: Some(
                "58 year old man with type 2 diabetes and obesity on metformin; fasting glucose \
                 high, kidney function normal, takes a statin, poor sleep"
                    .into(),
            ),
            ..Default::default()
        };
        let mut facts = PatientFacts::new(&profile, None);
        let earlier_shares: Vec<Vec<(usize, f64)>> = {
            let query = model.query_weights(&facts);
            trials
                .iter()
                .map(|t| {
                    let mut shares = Vec::new();
                    let weights = present_field_weights(model.params.field_weights, t);
                    model.lexical_shares(&query, t, weights, &mut shares);
                    shares
                })
                .collect()
        };
        // Stemmed as the trial's words are.
        let added: Vec<String> = crate::text::tokens(
            "aspirin control fiber glycemic lifestyle lipid liver vitamin walking zinc",
        )
        .into_iter()
        .filter(|w| !facts.query_terms.contains_key(w))
        .collect();
        assert_eq!(added.len(), 10, "the added words are new");
        for w in &added {
            facts.query_terms.insert(w.clone(), 0.25);
        }
        let expansion = QueryExpansion::new(model.query_weights(&facts), &added);
        let expanded = model.query_weights(&facts);
        for (t, shares) in trials.iter().zip(&earlier_shares) {
            let weights = present_field_weights(model.params.field_weights, t);
            let full = model.lexical(&expanded, t, weights);
            let reused = model.expanded_lexical(&expansion, shares, t, weights);
            assert_eq!(full.to_bits(), reused.to_bits());
        }
        let first = &trials[0];
        let weights = present_field_weights(model.params.field_weights, first);
        assert!(
            model.lexical(&expanded, first, weights)
                > sum_shares(earlier_shares[0].iter().map(|&(_, share)| share)),
            "the added words count"
        );
    }
}
