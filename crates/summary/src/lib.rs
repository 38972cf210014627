//! Plain-language trial summaries that a 12-year-old can read and a doctor can trust.
//!
//! # Brief overview
//!
//! [`summarize`] turns a [`ctgov::Study`] into a [`PlainSummary`]: short sections (what is being
//! studied, who it is for, the main goals, who might be able to join, what taking part involves,
//! where the study is now), each a few short sentences in everyday words. It is deterministic,
//! offline and fast. Every sentence comes from one record field through a fixed template, and the
//! facts it states are kept as [`Claims`] beside the text. [`summarize_with`] takes typed
//! [`EligibilityHints`] (filled from parsed eligibility criteria) to say more about who can join.
//!
//! Around it:
//! - [`lay_condition`] puts registry condition names into everyday words ("Neoplasms" → "tumors").
//! - [`GLOSSARY`] explains the medical words trial records use; [`find_terms`] finds them in any
//!   text as byte spans, and [`annotate_html`] / [`glossary_html`] are a keyboard-friendly way
//!   to show them.
//! - [`flesch_kincaid_grade`] measures readability, with its word, sentence and syllable rules
//!   documented in [`readability`].
//! - [`check_faithfulness`] reads ages, sex, status, phase, conditions, dates and numbers out of
//!   any text and checks them against the record; [`check_summary`] adds the structured claims.
//! - [`evaluate`] runs all of it over many studies into a [`SummaryReport`] (Display and
//!   Serialize) for `trialbridge eval summaries`.
//!
//! This crate does no I/O.
//!
//! ```
//! let json = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT00000001","briefTitle":"A trial"},
//!   "statusModule":{"overallStatus":"RECRUITING"},"conditionsModule":{"conditions":["Hypertension"]},
//!   "designModule":{"studyType":"INTERVENTIONAL","phases":["PHASE3"]},
//!   "armsInterventionsModule":{"interventions":[{"type":"DRUG","name":"Amlodipine"}]},
//!   "eligibilityModule":{"minimumAge":"18 Years","maximumAge":"80 Years","sex":"ALL"}}}"#;
//! let study = ctgov::Record::from_api_json(json).unwrap().study;
//! let plain = summary::summarize(&study);
//! let text = plain.text();
//! assert!(text.starts_with("This study tests a medicine called Amlodipine. This is a phase 3 study."));
//! assert!(text.contains("The study is about high blood pressure."));
//! assert!(text.contains("You must be 18 to 80 years old."));
//! assert!(plain.grade() <= 8.0);
//! assert!(summary::check_summary(&plain, &study).is_empty());
//! let terms = summary::find_terms(&text);
//! assert!(terms.iter().any(|m| m.entry.id == "phase-3"));
//! ```

mod compose;
mod eligibility;
mod faithfulness;
mod glossary;
mod lay;
pub mod readability;
mod report;

pub use compose::{
    Claims, PlainSummary, SectionKind, StatedCondition, SummarySection, summarize, summarize_with,
};
pub use eligibility::{EligibilityHints, PerformanceLimit, PerformanceScale, RequiredDiseaseState};
pub use faithfulness::{ClaimKind, FaithfulnessIssue, check_faithfulness, check_summary};
pub use glossary::{
    GLOSSARY, GlossaryEntry, GlossaryMatch, annotate_html, escape_html, find_terms, glossary_entry,
    glossary_html,
};
pub use lay::lay_condition;
pub use readability::{TextStats, flesch_kincaid_grade, text_stats};
pub use report::{GradeDistribution, HardSummary, SummaryReport, TrialFailures, evaluate};
