//! Ranking: topical relevance scaled by the eligibility evidence.

use std::borrow::Borrow;

use serde::Serialize;

use crate::eligibility::{Eligibility, Mark, Verdict, evaluate};
use crate::facts::PatientFacts;
use crate::profile::{Date, PatientProfile};
use crate::relevance::{Relevance, RelevanceModel};
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
    /// Relevance divided by the best relevance among the candidates, in [0, 1].
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
    if w.feedback_docs > 0 && candidates.len() > w.feedback_docs * 2 {
        expand_query(&mut facts, candidates, model, &w);
    }
    let scored: Vec<(Relevance, Eligibility)> = candidates
        .iter()
        .map(|t| {
            (
                model.score(&facts, t.borrow()),
                evaluate(&facts, t.borrow()),
            )
        })
        .collect();
    let best = scored
        .iter()
        .map(|(r, _)| r.score)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let mut ranked: Vec<RankedTrial> = candidates
        .iter()
        .zip(scored)
        .map(|(trial, (relevance, eligibility))| {
            let raw = (relevance.score / best).max(0.0);
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
            let factor = w.floor
                + (1.0 - w.floor) * (-w.penalty_scale * penalty - w.per_unknown * unknowns).exp();
            let bonus = if eligibility.verdict == Verdict::NotEligible {
                0.0
            } else {
                w.per_met_condition * eligibility.met_conditions.min(3) as f64
            };
            RankedTrial {
                nct_id: trial.borrow().nct_id.clone(),
                score: share * factor + bonus * share,
                relevance_share: share,
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

/// Adds the most distinctive topic words of the best first-pass candidates to the patient's
/// words (classic pseudo-relevance feedback): a note that never names its condition still
/// shares symptoms with trials that do, and those trials name it.
fn expand_query<T: Borrow<TrialDocument>>(
    facts: &mut PatientFacts,
    candidates: &[T],
    model: &RelevanceModel,
    w: &RankWeights,
) {
    let mut first: Vec<(f64, &TrialDocument)> = candidates
        .iter()
        .map(|t| (model.score(facts, t.borrow()).score, t.borrow()))
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
    for (term, _) in ranked.into_iter().take(w.feedback_terms) {
        facts
            .query_terms
            .insert(term.to_string(), w.feedback_weight);
    }
}
