//! Patient-to-trial matching: who could join which trial, and why.
//!
//! # Brief overview
//!
//! A [`PatientProfile`] describes a patient (age, sex, diagnoses, biomarkers, labs, performance
//! status, prior therapies, ...); its JSON form is documented by
//! `crates/matcher/patient-profile.schema.json`. A profile can be typed in, or drafted from a
//! clinical note by [`extract_profile`], which returns an [`Extraction`]: the profile plus the
//! [`Evidence`] span of every fact, negated ones included ("denies smoking"), so the user can
//! correct it before matching.
//!
//! A [`TrialDocument`] is the matcher's view of a trial, built from a `ctgov::Study`; it carries
//! the trial's text by field and its criteria parsed into typed rules by the `criteria` crate.
//! [`RelevanceModel`] scores topical relevance (the patient's concepts and words against the
//! trial's conditions, MeSH terms, title, summary and criteria, through a general medical
//! [`Vocabulary`] of synonyms and abbreviations). [`evaluate`] marks every rule met / not met /
//! unknown / not applicable with the criterion text and the patient fact, and gives the
//! [`Verdict`]. [`rank_trials`] combines both; [`questionnaire`] lists the questions whose
//! answers would decide one trial's verdict.
//!
//! How [`evaluate`] reads criteria against a patient (each a general rule of criteria language,
//! tested in `tests/matching.rs`):
//!
//! - alternatives: rules the parser groups, conditions one inclusion criterion joins with "or",
//!   and consecutive inclusion bullets that only name a diagnosis — any one suffices; an unmet
//!   alternative beside one no rule reads stays open;
//! - a trial is about its topic's conditions *and* those its inclusion criteria require, so an
//!   exclusion naming that disease ("prior glaucoma surgery") is about something else and is not
//!   decisive — unless it names an extent the patient's stage settles ("stage IV (metastatic)");
//! - an exclusion qualified by control or severity ("uncontrolled", "clinically significant")
//!   is a question, not a verdict; a criterion that permits ("… are allowed") or defines
//!   childbearing potential excludes nobody; an inclusion about treatment the trial will give
//!   ("must be administered", "candidates for") asks nothing about the patient's past;
//! - a condition rule's concepts come from the criterion text at its span (the vocabulary's
//!   longest match), and a "non-" prefix denies ("non-diabetic nephropathy").
//!
//! [`rank_trials`] scales relevance by the failed decisive rules (a registry age/sex limit keeps
//! least), and by the inclusion criteria the patient's facts leave open.
//!
//! A [`TrialDocument`] also carries the trial's [`TrialSite`]s. Given the patient's point (the
//! caller geocodes the profile's location), [`locate_ranked`] adds each ranked trial's
//! [`NearestSite`] (the nearest recruiting one when any is) and can drop trials with no site
//! within a distance. Distance never changes a verdict or a score.
//!
//! The crate is pure: no I/O, no async.
//!
//! ```
//! use matcher::{extract_profile, rank_trials, MatchOptions, RelevanceModel, TrialDocument, TrialFields, Verdict};
//!
//! let note = "A 62-year-old man with type 2 diabetes on metformin. He denies chest pain.";
//! let extraction = extract_profile(note);
//! assert_eq!(extraction.profile.age_years, Some(62.0));
//!
//! let trials = vec![
//!     TrialDocument::new(TrialFields {
//!         nct_id: "NCT00000001".into(),
//!         title: "Exercise in Type 2 Diabetes".into(),
//!         conditions: vec!["Type 2 Diabetes Mellitus".into()],
//!         criteria_text: "Inclusion Criteria:\n- Age 40 to 75 years\n- Type 2 diabetes\n".into(),
//!         ..Default::default()
//!     }),
//!     TrialDocument::new(TrialFields {
//!         nct_id: "NCT00000002".into(),
//!         title: "Asthma in Children".into(),
//!         conditions: vec!["Asthma".into()],
//!         criteria_text: "Inclusion Criteria:\n- Age 6 to 12 years\n".into(),
//!         ..Default::default()
//!     }),
//! ];
//! let model = RelevanceModel::fit(&trials);
//! let ranked = rank_trials(&extraction.profile, &trials, &model, &MatchOptions::default());
//! assert_eq!(ranked[0].nct_id, "NCT00000001");
//! assert_ne!(ranked[0].eligibility.verdict, Verdict::NotEligible);
//! assert_eq!(ranked[1].eligibility.verdict, Verdict::NotEligible);
//! ```

pub mod eligibility;
pub mod extract;
pub mod facts;
pub mod profile;
pub mod questionnaire;
pub mod rank;
pub mod relevance;
pub mod retrieval;
pub mod sites;
pub mod text;
pub mod trial;
pub mod vocabulary;

pub use eligibility::{Eligibility, FactKey, Mark, RuleMark, Verdict, evaluate};
pub use extract::{Evidence, Extraction, extract_profile};
pub use facts::PatientFacts;
pub use profile::{Date, PatientProfile};
pub use questionnaire::{AnswerKind, Question, Questionnaire, question_for, questionnaire};
pub use rank::{MatchOptions, RankWeights, RankedTrial, rank_trials};
pub use relevance::{Relevance, RelevanceModel};
pub use retrieval::retrieval_terms;
pub use sites::{
    GeoPoint, LocatedTrial, NearestSite, Reach, TrialSite, locate_ranked, nearest_site,
};
pub use trial::{TrialDocument, TrialFields, TrialSex};
pub use vocabulary::Vocabulary;

/// Matching failures a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("patient profile is not valid JSON for the profile schema: {0}")]
    Profile(#[from] serde_json::Error),
}

/// Reads a profile from its JSON form (unknown fields are rejected, so typos surface).
pub fn profile_from_json(json: &str) -> Result<PatientProfile, MatchError> {
    Ok(serde_json::from_str(json)?)
}
