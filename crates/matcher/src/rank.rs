//! Ranking: topical relevance scaled by the eligibility evidence.

use std::borrow::Borrow;

use serde::Serialize;

use crate::eligibility::{Eligibility, Verdict, evaluate};
use crate::facts::PatientFacts;
use crate::profile::{Date, PatientProfile};
use crate::relevance::{Relevance, RelevanceModel};
use crate::trial::TrialDocument;

/// How eligibility evidence moves a trial within the relevance order.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RankWeights {
    /// Multiplier for a trial with a failed decisive rule. Kept well above 0: a trial on the
    /// patient's condition that excludes them is still closer than one on another condition.
    pub not_eligible: f64,
    /// Multiplier for a trial with only unknowns in the way.
    pub possibly_eligible: f64,
    /// Multiplier for a trial whose every decisive rule is met.
    pub likely_eligible: f64,
    /// Added per inclusion condition the patient is shown to meet (capped at three).
    pub per_met_condition: f64,
}

impl Default for RankWeights {
    fn default() -> Self {
        RankWeights { not_eligible: 0.6, possibly_eligible: 1.0, likely_eligible: 1.05, per_met_condition: 0.05 }
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
    let facts = PatientFacts::new(profile, options.today);
    let scored: Vec<(Relevance, Eligibility)> =
        candidates.iter().map(|t| (model.score(&facts, t.borrow()), evaluate(&facts, t.borrow()))).collect();
    let best = scored.iter().map(|(r, _)| r.score).fold(0.0f64, f64::max).max(1e-9);
    let w = options.weights;
    let mut ranked: Vec<RankedTrial> = candidates
        .iter()
        .zip(scored)
        .map(|(trial, (relevance, eligibility))| {
            let share = (relevance.score / best).max(0.0);
            let factor = match eligibility.verdict {
                Verdict::NotEligible => w.not_eligible,
                Verdict::PossiblyEligible => w.possibly_eligible,
                Verdict::LikelyEligible => w.likely_eligible,
            };
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
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.nct_id.cmp(&b.nct_id)));
    ranked
}
