//! "Check my eligibility": the short list of questions whose answers decide a trial's verdict
//! for a patient, given what is already known (possibly nothing).

use serde::Serialize;

use crate::eligibility::{FactKey, Mark, Verdict, evaluate};
use crate::facts::PatientFacts;
use crate::profile::{Date, PatientProfile};
use crate::trial::TrialDocument;
use crate::vocabulary::Vocabulary;

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

/// The question that asks a patient for `fact`, in plain words ("Have you been treated with a
/// tyrosine kinase inhibitor (TKI)?"). Pages use it to phrase a fact wherever they show one.
pub fn question_for(fact: &FactKey) -> String {
    phrase(fact).0
}

/// A term as a patient reads it: underscores and runs of spaces made single spaces, and a known
/// abbreviation spelled out with the abbreviation after it.
pub fn readable_term(term: &str) -> String {
    let plain = term.replace('_', " ");
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    match Vocabulary::builtin().expand_abbreviation(&plain) {
        Some(long) if !long.eq_ignore_ascii_case(&plain) => {
            format!("{long} ({})", plain.to_uppercase())
        }
        _ => plain,
    }
}

fn phrase(fact: &FactKey) -> (String, AnswerKind, &'static str) {
    let yes_no = AnswerKind::YesNo;
    let number = |unit: &str| AnswerKind::Number {
        unit: (!unit.is_empty()).then(|| unit.to_string()),
    };
    match fact {
        FactKey::Age => ("How old are you?".into(), number("years"), "age_years"),
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
            format!("Have you been diagnosed with {}?", readable_term(c)),
            yes_no,
            "diagnoses",
        ),
        FactKey::Biomarker(b) => (
            format!("What was the result of your {} test?", readable_term(b)),
            AnswerKind::Choice {
                options: vec!["positive".into(), "negative".into(), "not tested".into()],
            },
            "biomarkers",
        ),
        FactKey::Lab(l) => (
            format!(
                "What was your latest {} result (as on your test report)?",
                readable_term(l)
            ),
            number(""),
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
        FactKey::PriorTherapy(t) if t == "lines of therapy" => (
            "Have you already had treatment for this disease (an earlier line of therapy)?".into(),
            yes_no,
            "prior_therapies",
        ),
        FactKey::PriorTherapy(t) => (
            format!("Have you ever been treated with {}?", readable_term(t)),
            yes_no,
            "prior_therapies",
        ),
        FactKey::Transplant => (
            "Have you ever had a stem cell (bone marrow) or organ transplant?".into(),
            yes_no,
            "had_transplant",
        ),
        FactKey::Infection(i) if i == "any" => (
            "Do you have an infection right now that is being treated or needs treatment?".into(),
            yes_no,
            "active_infection",
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
            "Has a scan (CT, MRI or PET) shown disease that your doctor can measure in size?"
                .into(),
            yes_no,
            "disease_state.measurable",
        ),
        FactKey::LifeExpectancy => (
            "Has your doctor said you are expected to live for at least the next few months?"
                .into(),
            yes_no,
            "life_expectancy_months",
        ),
        FactKey::OrganFunction(m) => organ_question(m),
        FactKey::Allergy(a) => (
            format!("Are you allergic to {}?", readable_term(a)),
            yes_no,
            "allergies",
        ),
    }
}

/// Organ-function questions, by the measure's fact key.
fn organ_question(measure: &str) -> (String, AnswerKind, &'static str) {
    let number = |unit: &str| AnswerKind::Number {
        unit: Some(unit.to_string()),
    };
    match measure {
        "adequate_function" => (
            "Has your doctor said your heart, liver and kidneys work well enough, and your blood counts are high enough, for cancer treatment?".into(),
            AnswerKind::YesNo,
            "adequate_organ_function",
        ),
        "lvef" => (
            "What is your heart's pumping strength (left ventricular ejection fraction, LVEF) from your latest heart scan?".into(),
            number("%"),
            "labs",
        ),
        "spo2" => (
            "What is your blood oxygen level (oxygen saturation, SpO2)?".into(),
            number("%"),
            "labs",
        ),
        "qtc" => (
            "What is the QTc interval on your latest heart tracing (ECG)?".into(),
            number("ms"),
            "labs",
        ),
        "fev1" => (
            "What was your FEV1 (how much air you can blow out in one second) on your latest breathing test?".into(),
            number("% of predicted"),
            "labs",
        ),
        "dlco" => (
            "What was your DLCO (how well your lungs pass oxygen into the blood) on your latest breathing test?".into(),
            number("% of predicted"),
            "labs",
        ),
        "nyha_class" => (
            "What is your heart failure class (NYHA class 1 to 4)?".into(),
            number("class"),
            "labs",
        ),
        "dyspnea_grade" => (
            "How short of breath are you, as a grade from 1 (only with hard exercise) to 4 (even at rest)?".into(),
            number("grade"),
            "labs",
        ),
        "ecg" => (
            "Has a heart tracing (ECG) shown a problem your doctor called significant?".into(),
            AnswerKind::YesNo,
            "findings",
        ),
        other => (
            format!("What was your latest {} result?", readable_term(other)),
            number(""),
            "labs",
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_are_spelled_out_and_keys_read_as_words() {
        let tki = question_for(&FactKey::PriorTherapy("tki".into()));
        assert_eq!(
            tki,
            "Have you ever been treated with tyrosine kinase inhibitor (TKI)?"
        );
        let alt = question_for(&FactKey::Lab("alt".into()));
        assert!(alt.contains("alanine aminotransferase (ALT)"), "{alt}");
        let anc = question_for(&FactKey::Lab("absolute_neutrophil_count".into()));
        assert!(
            anc.contains("latest absolute neutrophil count result"),
            "{anc}"
        );
        let dx = question_for(&FactKey::Condition("NSCLC".into()));
        assert!(dx.contains("non-small cell lung cancer (NSCLC)"), "{dx}");
        // A plain word is left alone.
        let asthma = question_for(&FactKey::Condition("asthma".into()));
        assert_eq!(asthma, "Have you been diagnosed with asthma?");
    }

    #[test]
    fn every_fact_reads_as_a_plain_question() {
        let facts = [
            FactKey::OrganFunction("adequate_function".into()),
            FactKey::OrganFunction("lvef".into()),
            FactKey::OrganFunction("nyha_class".into()),
            FactKey::Lab("eligible".into()),
            FactKey::Lab("creatinine  clearance".into()),
            FactKey::Infection("any".into()),
            FactKey::MeasurableDisease,
            FactKey::LifeExpectancy,
            FactKey::Transplant,
            FactKey::PriorTherapy("lines of therapy".into()),
        ];
        for fact in &facts {
            let q = question_for(fact);
            assert!(q.ends_with('?'), "{q}");
            assert!(!q.contains('_') && !q.contains("  "), "{q}");
            for bad in [
                "adequatefunction",
                "most recent",
                "measurement?",
                "tested positive for an active",
            ] {
                assert!(!q.contains(bad), "{q}");
            }
        }
        let (_, answer, field) = phrase(&FactKey::OrganFunction("adequate_function".into()));
        assert_eq!(
            (answer, field),
            (AnswerKind::YesNo, "adequate_organ_function")
        );
    }
}
