//! Ranking: topical relevance scaled by the eligibility evidence.

use std::borrow::Borrow;

use serde::Serialize;

use crate::eligibility::{Eligibility, Mark, Verdict, evaluate};
use crate::facts::PatientFacts;
use crate::profile::{Date, PatientProfile};
use crate::relevance::{
    QueryExpansion, Relevance, RelevanceModel, present_field_weights, sum_shares,
};
use crate::trial::TrialDocument;

/// How eligibility evidence moves a trial within the relevance order.
///
/// Each failed decisive rule adds a penalty by how reliable that kind of rule is when read from
/// registry text (a registry age limit is exact; a condition named in free text much less so),
/// and the relevance is scaled by `floor + (1 - floor) * exp(-penalty)`. The floor keeps a trial
/// on the patient's condition that excludes them above trials on other conditions.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RankWeights {
    pub floor: f64,
    /// Scale of all penalties.
    pub penalty_scale: f64,
    /// Added per inclusion condition the patient is shown to meet (capped at three), as a share
    /// of relevance.
    pub per_met_condition: f64,
    /// Relevance share is raised to this power before scaling: below 1 it flattens differences
    /// among trials that are all on the patient's condition, so eligibility decides among them.
    pub relevance_power: f64,
    /// Below this relevance share a trial is taken to be off the patient's topic, and its share
    /// falls off quadratically, so no eligibility evidence lifts it above an on-topic trial.
    pub topical_threshold: f64,
    /// Pseudo-relevance feedback: the topic words (title, conditions, keywords) of the best
    /// `feedback_docs` candidates are added to the patient's words, `feedback_terms` of them at
    /// `feedback_weight` each. 0 docs turns it off.
    pub feedback_docs: usize,
    pub feedback_terms: usize,
    pub feedback_weight: f64,
    /// Penalty per unknown deciding fact: a trial that needs many facts checked is a little less
    /// likely to work out than one that needs few.
    pub per_unknown: f64,
    /// Relevance share kept by a trial whose title, conditions or keywords name a receptor
    /// subtype the patient's known status contradicts ("HER2-negative breast cancer" for a
    /// HER2-positive patient, "triple negative" for an ER-positive one): it is about another
    /// disease subtype, so topically it is not the patient's trial, whatever its words share.
    /// A trial naming the patient's own subtype (and none other) has its share divided by it.
    pub other_subtype_share: f64,
    /// Penalty per inclusion criterion (other than a condition) that the patient's facts leave
    /// open: a requirement nobody has confirmed ("HbA1c 7–10 %", "on metformin for 3 months",
    /// "ECOG 0–1") may well not hold, and a trial that asks for several such things is less
    /// likely to work out than one whose requirements are all known to be met.
    pub per_open_inclusion: f64,
    /// The floor for a trial whose registry age or sex limits exclude the patient: those limits
    /// are exact, so only a little of its relevance is kept (ties among such trials still follow
    /// relevance).
    pub registry_demographic_floor: f64,
}

impl Default for RankWeights {
    fn default() -> Self {
        RankWeights {
            floor: 0.2,
            penalty_scale: 2.0,
            per_met_condition: 0.05,
            relevance_power: 0.7,
            topical_threshold: 0.3,
            feedback_docs: 3,
            feedback_terms: 10,
            feedback_weight: 0.25,
            per_unknown: 0.0,
            other_subtype_share: 0.5,
            per_open_inclusion: 0.1,
            registry_demographic_floor: 0.05,
        }
    }
}

/// How much one failed rule of this kind counts against a trial.
pub fn failure_penalty(kind: &str, from_registry: bool) -> f64 {
    if from_registry {
        return 2.0;
    }
    match kind {
        "age" | "sex" | "biomarker" | "performance_status" | "reproductive" => 1.0,
        "infection" => 0.7,
        "lab" | "condition" | "transplant" | "cns" => 0.5,
        "prior_therapy" => 0.4,
        _ => 0.3,
    }
}

/// Options for one matching run.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// The date ages are computed on, for profiles with a birth date.
    pub today: Option<Date>,
    pub weights: RankWeights,
}

/// One trial in a patient's ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankedTrial {
    pub nct_id: String,
    /// The ranking score (higher first).
    pub score: f64,
    /// Relevance divided by the best relevance among the candidates, as the ranking weighs it
    /// (after the receptor-subtype adjustment), capped at 1: in [0, 1].
    pub relevance_share: f64,
    pub relevance: Relevance,
    pub eligibility: Eligibility,
}

/// Ranks `candidates` for `profile`, best first. `model` holds the corpus statistics (fit it on
/// the whole index, or on the candidates when that is all there is).
pub fn rank_trials<T: Borrow<TrialDocument>>(
    profile: &PatientProfile,
    candidates: &[T],
    model: &RelevanceModel,
    options: &MatchOptions,
) -> Vec<RankedTrial> {
    let mut facts = PatientFacts::new(profile, options.today);
    let w = options.weights;
    // Relevance as `RelevanceModel::score` gives it, keeping each trial's word shares.
    let query = model.query_weights(&facts);
    let mut word_shares: Vec<Vec<(usize, f64)>> = Vec::with_capacity(candidates.len());
    let mut relevances: Vec<Relevance> = candidates
        .iter()
        .map(|t| {
            let trial = t.borrow();
            let field_weights = present_field_weights(model.params.field_weights, trial);
            let mut shares = Vec::new();
            model.lexical_shares(&query, trial, field_weights, &mut shares);
            let lexical = sum_shares(shares.iter().map(|&(_, share)| share));
            let (conceptual, matches) = model.conceptual(&facts, trial, field_weights);
            word_shares.push(shares);
            Relevance {
                score: lexical + conceptual,
                lexical,
                conceptual,
                matches,
            }
        })
        .collect();
    if w.feedback_docs > 0 && candidates.len() > w.feedback_docs * 2 {
        let added = expand_query(&mut facts, candidates, &relevances, model, &w);
        // Feedback adds words only: the concept part of each score stands, and of the word
        // part only the added words are looked up.
        let expansion = QueryExpansion::new(model.query_weights(&facts), &added);
        for ((relevance, t), shares) in relevances.iter_mut().zip(candidates).zip(&word_shares) {
            let trial = t.borrow();
            let field_weights = present_field_weights(model.params.field_weights, trial);
            relevance.lexical = model.expanded_lexical(&expansion, shares, trial, field_weights);
            relevance.score = relevance.lexical + relevance.conceptual;
        }
    }
    let scored: Vec<(Relevance, Eligibility)> = relevances
        .into_iter()
        .zip(candidates)
        .map(|(relevance, t)| (relevance, evaluate(&facts, t.borrow())))
        .collect();
    let statuses = receptor_statuses(profile);
    let best = scored
        .iter()
        .map(|(r, _)| r.score)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let mut ranked: Vec<RankedTrial> = candidates
        .iter()
        .zip(scored)
        .map(|(trial, (relevance, eligibility))| {
            let mut raw = (relevance.score / best).max(0.0);
            if !statuses.is_empty() {
                let claims = topic_receptor_claims(trial.borrow());
                if names_other_subtype(&claims, &statuses) {
                    raw *= w.other_subtype_share;
                } else if names_own_subtype(&claims, &statuses) {
                    // The mirror image: a trial on the patient's own subtype ("HER2-positive
                    // breast cancer" for a HER2-positive patient) is more on topic than one on
                    // the disease in general, by as much as another subtype's is less.
                    raw /= w.other_subtype_share;
                }
            }
            let share = if raw >= w.topical_threshold || w.topical_threshold <= 0.0 {
                raw.powf(w.relevance_power)
            } else {
                w.topical_threshold.powf(w.relevance_power) * (raw / w.topical_threshold).powi(2)
            };
            let mut failed: Vec<(&str, Option<(usize, usize)>)> = Vec::new();
            let mut penalty = 0.0;
            for m in eligibility
                .marks
                .iter()
                .filter(|m| m.decisive && m.mark == Mark::NotMet)
            {
                // One criterion counts once, however many of its rules failed.
                if m.span.is_some() && failed.iter().any(|(_, s)| *s == m.span) {
                    continue;
                }
                failed.push((m.kind, m.span));
                penalty += failure_penalty(m.kind, m.span.is_none());
            }
            let unknowns = eligibility.deciding_unknowns.len() as f64;
            // Inclusion criteria (other than the diagnosis itself, which relevance weighs) whose
            // typed rules the patient's facts leave open, one count per criterion.
            let mut open_inclusions: Vec<Option<(usize, usize)>> = Vec::new();
            for m in eligibility.marks.iter().filter(|m| {
                m.decisive
                    && m.mark == Mark::Unknown
                    && m.polarity == criteria::Polarity::Inclusion
                    && m.span.is_some()
                    && m.kind != "condition"
            }) {
                if !open_inclusions.contains(&m.span) {
                    open_inclusions.push(m.span);
                }
            }
            let penalty = penalty + w.per_open_inclusion * open_inclusions.len() as f64;
            // A registry age or sex limit is exact (nothing was read from free text), so a
            // trial that fails one is of no use to the patient however on-topic it is.
            let registry_demographic = failed
                .iter()
                .any(|(k, span)| span.is_none() && (*k == "age" || *k == "sex"));
            let floor = if registry_demographic {
                w.registry_demographic_floor
            } else {
                w.floor
            };
            let factor = floor
                + (1.0 - floor) * (-w.penalty_scale * penalty - w.per_unknown * unknowns).exp();
            let bonus = if eligibility.verdict == Verdict::NotEligible {
                0.0
            } else {
                w.per_met_condition * eligibility.met_conditions.min(3) as f64
            };
            RankedTrial {
                nct_id: trial.borrow().nct_id.clone(),
                score: share * factor + bonus * share,
                relevance_share: share.min(1.0),
                relevance,
                eligibility,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.nct_id.cmp(&b.nct_id))
    });
    ranked
}

/// The patient's known receptor statuses (ER, PR, HER2, and HR derived from ER and PR) and
/// driver alterations (EGFR, ALK, KRAS, …: altered or not), as `(marker, positive)`.
fn receptor_statuses(profile: &PatientProfile) -> Vec<(&'static str, bool)> {
    use crate::profile::MarkerStatus;
    let status = |key: &str| {
        profile
            .biomarkers
            .iter()
            .filter(|b| crate::eligibility::marker_key(&b.name) == key)
            .find_map(|b| match b.status {
                Some(MarkerStatus::Positive) => Some(true),
                Some(MarkerStatus::Negative) => Some(false),
                _ => None,
            })
    };
    let mut out = Vec::new();
    for key in ["ER", "PR", "HER2"] {
        if let Some(s) = status(key) {
            out.push((key, s));
        }
    }
    // Hormone receptor positive means ER or PR positive; negative means both negative.
    let hr = match (status("ER"), status("PR"), status("HR")) {
        (_, _, Some(s)) => Some(s),
        (Some(true), _, _) | (_, Some(true), _) => Some(true),
        (Some(false), Some(false), _) => Some(false),
        _ => None,
    };
    if let Some(s) = hr {
        out.push(("HR", s));
    }
    // Driver alterations: a trial "in EGFR-mutant NSCLC" is about one molecular subtype.
    for key in DRIVER_MARKERS {
        if let Some(s) = status(key) {
            out.push((key, s));
        }
    }
    out
}

/// Markers whose alteration defines a molecular subtype that trials are written for.
const DRIVER_MARKERS: [&str; 11] = [
    "EGFR", "ALK", "ROS1", "KRAS", "BRAF", "MET", "RET", "NTRK", "BRCA", "BRCA1", "BRCA2",
];

/// Driver alterations a topic names: "EGFR-mutant", "ALK-positive", "KRAS G12C", "BRAF V600E"
/// (altered), "EGFR wild-type", "ALK-negative" (not altered). A bare "EGFR TKI" names none;
/// MET and RET count only in capitals ("criteria met" is no marker).
fn topic_driver_claims(topic: &str, out: &mut Vec<(&'static str, bool)>) {
    static CLAIM: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = CLAIM.get_or_init(|| {
        regex::Regex::new(
            r"\b((?i:egfr|alk|ros1|kras|braf|ntrk|brca[12]?)|MET|RET)(?i)[\s-]*(?:gene\s+)?(mutant|mutated|mutations?|mutation[\s-]positive|positive|rearranged|rearrangements?|fusions?|fusion[\s-]positive|altered|alterations?|amplified|amplification|v600e?|g12c|exon\s*(?:19|20|21)|l858r|t790m|wild[\s-]?type|negative|wt)\b",
        )
        .expect("driver claim pattern")
    });
    for c in re.captures_iter(topic) {
        let Some(marker) = DRIVER_MARKERS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(&c[1]))
        else {
            continue;
        };
        let status = c[2].to_ascii_lowercase();
        let altered = !(status.starts_with("wild") || status == "negative" || status == "wt");
        out.push((marker, altered));
    }
}

/// Receptor statuses a trial's topic (title, conditions, keywords) names, as `(marker, positive)`.
fn topic_receptor_claims(trial: &TrialDocument) -> Vec<(&'static str, bool)> {
    static CLAIM: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = CLAIM.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\b(her-?2(?:/neu)?|erbb2|human epidermal growth factor receptor[- ]?2|estrogen receptor|oestrogen receptor|progesterone receptor|hormone receptors?|er|pr|hr)(?:\s*-?\s*(positive|negative|pos|neg)\b|\s*([+-])(?:[^a-z0-9]|$))|\b(triple[-\s]negative|tnbc)\b",
        )
        .expect("receptor claim pattern")
    });
    let mut topic = trial.title.clone();
    for t in trial.conditions.iter().chain(&trial.keywords) {
        topic.push_str(". ");
        topic.push_str(t);
    }
    // A record with no topic fields says what it is about in its inclusion criteria.
    if topic.trim().is_empty() {
        topic = crate::trial::split_criteria(&trial.criteria_text)
            .0
            .to_string();
    }
    let mut out = Vec::new();
    topic_driver_claims(&topic, &mut out);
    for c in re.captures_iter(&topic) {
        if c.get(4).is_some() {
            out.extend([("ER", false), ("PR", false), ("HER2", false)]);
            continue;
        }
        let marker = match crate::eligibility::marker_key(&c[1]).as_str() {
            "ER" => "ER",
            "PR" => "PR",
            "HER2" => "HER2",
            _ => "HR",
        };
        let status = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
        let positive = matches!(
            status.to_ascii_lowercase().as_str(),
            "positive" | "+" | "pos"
        );
        out.push((marker, positive));
    }
    out
}

/// Do a trial's topic claims ([`topic_receptor_claims`]) name, for some marker, only the status
/// the patient does not have?
fn names_other_subtype(claims: &[(&str, bool)], patient: &[(&str, bool)]) -> bool {
    patient.iter().any(|&(marker, status)| {
        claims.iter().any(|&(m, s)| m == marker && s != status)
            && !claims.iter().any(|&(m, s)| m == marker && s == status)
    })
}

/// Do a trial's topic claims name a subtype the patient's known status agrees with, and none
/// it contradicts?
fn names_own_subtype(claims: &[(&str, bool)], patient: &[(&str, bool)]) -> bool {
    claims
        .iter()
        .any(|&(m, s)| patient.iter().any(|&(pm, ps)| pm == m && ps == s))
        && !claims
            .iter()
            .any(|&(m, s)| patient.iter().any(|&(pm, ps)| pm == m && ps != s))
}

/// Adds the most distinctive topic words of the best first-pass candidates to the patient's
/// words (classic pseudo-relevance feedback): a note that never names its condition still
/// shares symptoms with trials that do, and those trials name it. `relevances` are the
/// first-pass scores of `candidates`, in order. Returns the words added.
fn expand_query<T: Borrow<TrialDocument>>(
    facts: &mut PatientFacts,
    candidates: &[T],
    relevances: &[Relevance],
    model: &RelevanceModel,
    w: &RankWeights,
) -> Vec<String> {
    let mut first: Vec<(f64, &TrialDocument)> = relevances
        .iter()
        .zip(candidates)
        .map(|(r, t)| (r.score, t.borrow()))
        .collect();
    first.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut weights: std::collections::HashMap<&str, f64> = std::collections::HashMap::new();
    for (_, trial) in first.iter().take(w.feedback_docs) {
        let topic = trial.field(crate::trial::Field::Topic);
        let len = topic.length.max(1) as f64;
        for (term, count) in &topic.term_counts {
            *weights.entry(term.as_str()).or_default() +=
                model.term_idf(term) * *count as f64 / len;
        }
    }
    let mut ranked: Vec<(&str, f64)> = weights
        .into_iter()
        .filter(|(t, _)| !facts.query_terms.contains_key(*t))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    // Each is a new word (those already there were filtered out), named once.
    let added: Vec<String> = ranked
        .into_iter()
        .take(w.feedback_terms)
        .map(|(term, _)| term.to_string())
        .collect();
    for term in &added {
        facts.query_terms.insert(term.clone(), w.feedback_weight);
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial::TrialFields;

    fn trial(title: &str, conditions: &[&str]) -> TrialDocument {
        TrialDocument::new(TrialFields {
            nct_id: "NCT90000021".into(),
            title: title.into(),
            conditions: conditions.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        })
    }

    #[test]
    fn receptor_subtypes_named_in_the_topic_are_read() {
        let claims = |t: &str| topic_receptor_claims(&trial(t, &[]));
        assert_eq!(
            claims("Neratinib in HER2-negative Breast Cancer"),
            [("HER2", false)]
        );
        assert_eq!(
            claims("Pyrotinib in HR+/HER2+ disease"),
            [("HR", true), ("HER2", true)]
        );
        assert_eq!(
            claims("Sacituzumab in TNBC"),
            [("ER", false), ("PR", false), ("HER2", false)]
        );
        // A drug or cell name is not a status.
        assert!(claims("Her2-BATS and Pembrolizumab in Metastatic Breast Cancer").is_empty());
        assert!(claims("Hypertension in older adults").is_empty());
    }

    #[test]
    fn a_trial_on_the_other_subtype_is_recognized_and_one_naming_both_is_not() {
        let patient = [("HER2", true), ("HR", false)];
        let other = |title: &str, conditions: &[&str]| {
            names_other_subtype(&topic_receptor_claims(&trial(title, conditions)), &patient)
        };
        assert!(other("Adjuvant therapy", &["HER2-negative Breast Cancer"]));
        assert!(other(
            "Endocrine therapy",
            &["Hormone Receptor Positive Breast Cancer"]
        ));
        assert!(!other("Trastuzumab", &["HER2-positive Breast Cancer"]));
        assert!(!other("HER2-positive or HER2-negative breast cancer", &[]));
    }
}
