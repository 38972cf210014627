//! "Check my eligibility": the short list of questions whose answers decide a trial's verdict
//! for a patient, given what is already known (possibly nothing).

use serde::Serialize;

use crate::eligibility::{FactKey, Mark, Verdict, evaluate};
use crate::facts::PatientFacts;
use crate::profile::{Date, PatientProfile};
use crate::trial::TrialDocument;

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerKind {
    YesNo,
    Number { unit: Option<String> },
    Choice { options: Vec<String> },
}

/// One question.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// The fact asked for.
    pub fact: FactKey,
    pub text: String,
    pub answer: AnswerKind,
    /// The profile field an answer fills.
    pub profile_field: &'static str,
    /// The criteria this answer decides, as written in the trial.
    pub criteria: Vec<String>,
}

/// The questions for one trial and the verdict as things stand.
#[derive(Debug, Clone, Serialize)]
pub struct Questionnaire {
    pub nct_id: String,
    pub verdict: Verdict,
    pub questions: Vec<Question>,
}

/// The questions whose answers can change `trial`'s verdict for `profile`. A trial already
/// failed on a known fact needs no questions; otherwise every fact behind an unknown decisive
/// rule is asked once, age and sex first, then in criteria order.
pub fn questionnaire(
    trial: &TrialDocument,
    profile: &PatientProfile,
    today: Option<Date>,
) -> Questionnaire {
    let facts = PatientFacts::new(profile, today);
    let eligibility = evaluate(&facts, trial);
    let mut questions: Vec<Question> = Vec::new();
    if eligibility.verdict != Verdict::NotEligible {
        for m in eligibility
            .marks
            .iter()
            .filter(|m| m.decisive && m.mark == Mark::Unknown)
        {
            let Some(fact) = &m.fact else { continue };
            match questions.iter_mut().find(|q| &q.fact == fact) {
                Some(q) => {
                    if !q.criteria.iter().any(|c| **c == *m.criterion) {
                        q.criteria.push(m.criterion.to_string());
                    }
                }
                None => {
                    let (text, answer, profile_field) = phrase(fact);
                    questions.push(Question {
                        fact: fact.clone(),
                        text,
                        answer,
                        profile_field,
                        criteria: vec![m.criterion.to_string()],
                    });
                }
            }
        }
    }
    questions.sort_by_key(|q| match q.fact {
        FactKey::Age => 0,
        FactKey::Sex => 1,
        _ => 2,
    });
    Questionnaire {
        nct_id: trial.nct_id.clone(),
        verdict: eligibility.verdict,
        questions,
    }
}

fn phrase(fact: &FactKey) -> (String, AnswerKind, &'static str) {
    let yes_no = AnswerKind::YesNo;
    match fact {
        FactKey::Age => (
            "How old are you?".into(),
            AnswerKind::Number {
                unit: Some("years".into()),
            },
            "age_years",
        ),
        FactKey::Sex => (
            "What is your sex?".into(),
            AnswerKind::Choice {
                options: vec!["female".into(), "male".into()],
            },
            "sex",
        ),
        FactKey::Pregnancy => (
            "Are you pregnant or breastfeeding?".into(),
            AnswerKind::Choice {
                options: vec![
                    "pregnant".into(),
                    "breastfeeding".into(),
                    "neither".into(),
                    "cannot become pregnant".into(),
                ],
            },
            "pregnancy",
        ),
        FactKey::Condition(c) => (
            format!("Have you been diagnosed with {c}?"),
            yes_no,
            "diagnoses",
        ),
        FactKey::Biomarker(b) => (
            format!("What was your {b} test result?"),
            AnswerKind::Choice {
                options: vec!["positive".into(), "negative".into(), "not tested".into()],
            },
            "biomarkers",
        ),
        FactKey::Lab(l) => (
            format!("What is your most recent {} value?", l.replace('_', " ")),
            AnswerKind::Number { unit: None },
            "labs",
        ),
        FactKey::PerformanceStatus => (
            "Which best describes your daily activity?".into(),
            AnswerKind::Choice {
                options: vec![
                    "ECOG 0: fully active".into(),
                    "ECOG 1: light work only".into(),
                    "ECOG 2: up and about more than half the day, no work".into(),
                    "ECOG 3: in bed or chair more than half the day".into(),
                    "ECOG 4: completely disabled".into(),
                ],
            },
            "ecog",
        ),
        FactKey::PriorTherapy(t) => (format!("Have you received {t}?"), yes_no, "prior_therapies"),
        FactKey::Transplant => (
            "Have you had a stem cell or organ transplant?".into(),
            yes_no,
            "transplants",
        ),
        FactKey::Infection(i) => (
            format!("Have you tested positive for {}?", infection_name(i)),
            yes_no,
            "infections",
        ),
        FactKey::BrainMetastases => (
            "Has your cancer spread to the brain?".into(),
            yes_no,
            "diagnoses",
        ),
        FactKey::MeasurableDisease => (
            "Does your doctor say your disease is measurable on scans?".into(),
            yes_no,
            "disease_state",
        ),
        FactKey::LifeExpectancy => (
            "Has your doctor estimated your life expectancy to be at least a few months?".into(),
            yes_no,
            "findings",
        ),
        FactKey::OrganFunction(m) => (
            format!("Do you have a recent {m} measurement?"),
            AnswerKind::Number { unit: None },
            "labs",
        ),
        FactKey::Allergy(a) => (format!("Are you allergic to {a}?"), yes_no, "findings"),
    }
}

fn infection_name(key: &str) -> &str {
    match key {
        "hbv" => "hepatitis B",
        "hcv" => "hepatitis C",
        "hiv" => "HIV",
        "cmv" => "cytomegalovirus",
        "ebv" => "Epstein-Barr virus",
        "covid19" => "COVID-19",
        "any" => "an active infection",
        other => other,
    }
}
