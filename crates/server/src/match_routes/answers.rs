//! "Check my eligibility": questionnaire answers, keyed by the fact they answer, turned into a
//! [`PatientProfile`] for one trial.
//!
//! Form field names come from the [`FactKey`] ("lab:alt", "condition:type 2 diabetes"), not
//! from question positions, so answers survive when a later round asks a different set.

use std::collections::HashMap;

use matcher::profile::{
    Biomarker, Diagnosis, Finding, MarkerStatus, PregnancyStatus, PriorTherapy, Serology, Sex,
    Transplant,
};
use matcher::{AnswerKind, Date, FactKey, PatientProfile, Question, TrialDocument, questionnaire};

use super::request::truncate;

/// Longest answer read, in characters.
pub const MAX_ANSWER_CHARS: usize = 100;
/// Most form fields read from one questionnaire post.
pub const MAX_ANSWERS: usize = 300;

/// The form field name for a fact.
pub fn field_name(fact: &FactKey) -> String {
    let v = serde_json::to_value(fact).unwrap_or_default();
    let kind = v.get("fact").and_then(|f| f.as_str()).unwrap_or("fact");
    match v.get("name").and_then(|n| n.as_str()) {
        Some(name) => format!("{kind}:{name}"),
        None => kind.to_string(),
    }
}

/// The unit field beside a number answer.
pub fn unit_field_name(fact: &FactKey) -> String {
    format!("{}.unit", field_name(fact))
}

/// One question as the form shows it.
#[derive(Debug, Clone)]
pub struct QuestionView {
    pub name: String,
    pub text: String,
    /// "number", "yes_no" or "choice".
    pub kind: &'static str,
    pub unit: String,
    /// Whether the user may type a unit (labs, where units vary).
    pub unit_editable: bool,
    pub unit_name: String,
    /// (value, label, checked)
    pub options: Vec<(String, String, bool)>,
    /// The answer given so far, for number inputs.
    pub value: String,
    pub unit_value: String,
    pub criteria: Vec<String>,
    /// An answer was given but the matcher cannot yet use it for these criteria.
    pub answered_unused: bool,
}

pub fn question_view(q: &Question, answers: &HashMap<String, String>) -> QuestionView {
    let name = field_name(&q.fact);
    let given = answers.get(&name).cloned().unwrap_or_default();
    let unit_name = unit_field_name(&q.fact);
    let (kind, unit, unit_editable, options) = match &q.answer {
        AnswerKind::Number { unit } => {
            let editable = unit.is_none();
            (
                "number",
                unit.clone().unwrap_or_default(),
                editable,
                Vec::new(),
            )
        }
        AnswerKind::YesNo => {
            let opts = [("yes", "Yes"), ("no", "No"), ("", "I don't know")]
                .iter()
                .map(|(v, l)| (v.to_string(), l.to_string(), given == *v))
                .collect();
            ("yes_no", String::new(), false, opts)
        }
        AnswerKind::Choice { options } => {
            let mut opts: Vec<_> = options
                .iter()
                .map(|o| (o.clone(), capitalize(o), given == *o))
                .collect();
            opts.push((String::new(), "I don't know".into(), given.is_empty()));
            ("choice", String::new(), false, opts)
        }
    };
    QuestionView {
        text: q.text.clone(),
        kind,
        unit,
        unit_editable,
        unit_value: answers.get(&unit_name).cloned().unwrap_or_default(),
        unit_name,
        options,
        answered_unused: !given.trim().is_empty(),
        value: given,
        criteria: q.criteria.iter().map(|c| truncate(c, 400)).collect(),
        name,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Reads the posted pairs: bounded in count and length, empty answers dropped.
pub fn read_answers(pairs: &[(String, String)]) -> Result<HashMap<String, String>, String> {
    if pairs.len() > MAX_ANSWERS {
        return Err(format!(
            "Too many answers in one form (at most {MAX_ANSWERS})."
        ));
    }
    let mut out = HashMap::new();
    for (k, v) in pairs {
        if k.chars().count() > 300 {
            return Err("A form field name is too long.".into());
        }
        let n = v.chars().count();
        if n > MAX_ANSWER_CHARS {
            return Err(format!(
                "An answer is too long ({n} characters; at most {MAX_ANSWER_CHARS})."
            ));
        }
        let v = v.trim();
        if !v.is_empty() {
            out.entry(k.clone()).or_insert_with(|| v.to_string());
        }
    }
    Ok(out)
}

/// The profile the answers describe for `trial`: answers to its first questions, then to any
/// question those answers raise, until nothing new is asked. Returns the profile and the
/// problems with answers that could not be read.
pub fn profile_from_answers(
    trial: &TrialDocument,
    answers: &HashMap<String, String>,
    today: Option<Date>,
) -> (PatientProfile, Vec<String>) {
    let mut profile = PatientProfile::default();
    let mut done: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for _round in 0..4 {
        let asked = questionnaire(trial, &profile, today).questions;
        // The first round also reads answers to questions a verdict already made moot.
        let mut changed = false;
        for q in &asked {
            let name = field_name(&q.fact);
            if done.contains(&name) {
                continue;
            }
            let Some(answer) = answers.get(&name) else {
                continue;
            };
            done.push(name.clone());
            let unit = answers.get(&unit_field_name(&q.fact)).map(String::as_str);
            match apply(&mut profile, q, answer, unit) {
                Ok(()) => changed = true,
                Err(e) => problems.push(format!("{} {e}", q.text)),
            }
        }
        if !changed {
            break;
        }
    }
    (profile, problems)
}

/// Writes one answer into the profile where the matcher reads that fact.
fn apply(
    p: &mut PatientProfile,
    q: &Question,
    answer: &str,
    unit: Option<&str>,
) -> Result<(), String> {
    let yes = || match answer {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("Answer yes or no.".to_string()),
    };
    let number = || {
        answer
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("“{}” is not a number.", truncate(answer, 30)))
    };
    match &q.fact {
        FactKey::Age => {
            let age = number()?;
            if age > 130.0 {
                return Err("Give an age from 0 to 130.".into());
            }
            p.age_years = Some(age);
        }
        FactKey::Sex => {
            p.sex = Some(match answer {
                "female" => Sex::Female,
                "male" => Sex::Male,
                _ => return Err("Choose female or male.".into()),
            })
        }
        FactKey::Pregnancy => {
            p.pregnancy = Some(match answer {
                "pregnant" => PregnancyStatus::Pregnant,
                "breastfeeding" => PregnancyStatus::Breastfeeding,
                "neither" => PregnancyStatus::NotPregnant,
                "cannot become pregnant" => PregnancyStatus::NotOfChildbearingPotential,
                _ => return Err("Choose one of the listed answers.".into()),
            })
        }
        FactKey::Condition(c) => {
            if yes()? {
                p.diagnoses.push(Diagnosis {
                    text: c.clone(),
                    stage: None,
                    resolved: false,
                });
            } else {
                p.findings.push(Finding {
                    text: c.clone(),
                    present: false,
                });
            }
        }
        FactKey::BrainMetastases => {
            if yes()? {
                p.diagnoses.push(Diagnosis {
                    text: "brain metastases".into(),
                    stage: None,
                    resolved: false,
                });
            } else {
                p.findings.push(Finding {
                    text: "brain metastases".into(),
                    present: false,
                });
            }
        }
        FactKey::Biomarker(b) => {
            let status = match answer {
                "positive" => MarkerStatus::Positive,
                "negative" => MarkerStatus::Negative,
                "not tested" => return Ok(()),
                _ => return Err("Choose positive, negative or not tested.".into()),
            };
            p.biomarkers.push(Biomarker {
                name: b.clone(),
                status: Some(status),
                value: None,
                unit: None,
            });
        }
        // "Do your heart, liver and kidneys work well enough?", "Is your ECG normal?": yes/no.
        FactKey::OrganFunction(name)
            if matches!(q.answer, matcher::questionnaire::AnswerKind::YesNo) =>
        {
            let ok = yes()?;
            if name == "adequate_function" {
                p.adequate_organ_function = Some(ok);
            } else {
                p.findings.push(Finding {
                    text: format!("normal {}", name.replace('_', " ")),
                    present: ok,
                });
            }
        }
        FactKey::Lab(name) | FactKey::OrganFunction(name) => {
            let value = number()?;
            let name = name.replace('_', " ");
            let unit = unit.map(str::trim).filter(|u| !u.is_empty());
            p.labs.push(super::form::lab_value(
                name,
                value,
                unit.map(|u| truncate(u, 30)),
            ));
        }
        FactKey::PerformanceStatus => {
            let ecog = answer
                .strip_prefix("ECOG ")
                .and_then(|r| r.chars().next())
                .and_then(|c| c.to_digit(10))
                .filter(|d| *d <= 5)
                .ok_or("Choose one of the listed answers.")?;
            p.ecog = Some(ecog as u8);
        }
        FactKey::PriorTherapy(t) => {
            p.prior_therapies.push(PriorTherapy {
                name: t.clone(),
                line: None,
                response: None,
                ongoing: false,
                received: yes()?,
            });
        }
        FactKey::Transplant => {
            if yes()? {
                p.transplants.push(Transplant {
                    kind: "stem cell or organ".into(),
                    date: None,
                });
            } else {
                p.findings.push(Finding {
                    text: "transplant".into(),
                    present: false,
                });
            }
        }
        FactKey::Infection(key) => {
            let status = if yes()? {
                MarkerStatus::Positive
            } else {
                MarkerStatus::Negative
            };
            p.infections.push(Serology {
                name: infection_name(key).into(),
                status,
            });
        }
        FactKey::MeasurableDisease => p.findings.push(Finding {
            text: "measurable disease".into(),
            present: yes()?,
        }),
        FactKey::LifeExpectancy => p.findings.push(Finding {
            text: "life expectancy of at least 3 months".into(),
            present: yes()?,
        }),
        FactKey::Allergy(a) => p.findings.push(Finding {
            text: format!("allergy to {a}"),
            present: yes()?,
        }),
    }
    Ok(())
}

/// The name the matcher's infection rules look for.
fn infection_name(key: &str) -> &str {
    match key {
        "hbv" => "hepatitis B",
        "hcv" => "hepatitis C",
        "hiv" => "HIV",
        "cmv" => "cytomegalovirus",
        "ebv" => "Epstein-Barr virus",
        "covid19" => "COVID-19",
        "htlv" => "HTLV",
        "any" => "active infection",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matcher::{TrialFields, Verdict, evaluate, facts::PatientFacts};

    fn trial() -> TrialDocument {
        TrialDocument::new(TrialFields {
            nct_id: "NCT00000001".into(),
            title: "A trial".into(),
            conditions: vec!["Type 2 Diabetes".into()],
            criteria_text: "Inclusion Criteria:\n- Type 2 diabetes\n- ECOG 0-1\nExclusion Criteria:\n- HIV infection\n".into(),
            minimum_age_years: Some(18.0),
            maximum_age_years: Some(75.0),
            ..Default::default()
        })
    }

    #[test]
    fn answers_decide_the_verdict() {
        let t = trial();
        let q = questionnaire(&t, &PatientProfile::default(), None);
        assert_eq!(q.verdict, Verdict::PossiblyEligible);
        assert_eq!(q.questions[0].fact, FactKey::Age, "age is asked first");
        let mut answers: HashMap<String, String> = q
            .questions
            .iter()
            .map(|q| {
                let a = match &q.answer {
                    AnswerKind::Number { .. } => "50".to_string(),
                    AnswerKind::YesNo => if matches!(q.fact, FactKey::Infection(_)) {
                        "no"
                    } else {
                        "yes"
                    }
                    .to_string(),
                    AnswerKind::Choice { options } => options[0].clone(),
                };
                (field_name(&q.fact), a)
            })
            .collect();
        let (p, problems) = profile_from_answers(&t, &answers, None);
        assert!(problems.is_empty(), "{problems:?}");
        let e = evaluate(&PatientFacts::new(&p, None), &t);
        assert_eq!(e.verdict, Verdict::LikelyEligible, "{:#?}", e.marks);

        answers.insert(field_name(&FactKey::Age), "80".into());
        let (p, _) = profile_from_answers(&t, &answers, None);
        assert_eq!(
            evaluate(&PatientFacts::new(&p, None), &t).verdict,
            Verdict::NotEligible
        );

        answers.insert(field_name(&FactKey::Age), "eighty".into());
        let (_, problems) = profile_from_answers(&t, &answers, None);
        assert!(problems[0].contains("not a number"), "{problems:?}");
    }

    #[test]
    fn answers_are_bounded() {
        assert!(read_answers(&[("age".into(), "1".repeat(MAX_ANSWER_CHARS + 1))]).is_err());
        let many: Vec<_> = (0..=MAX_ANSWERS)
            .map(|i| (format!("f{i}"), "x".to_string()))
            .collect();
        assert!(read_answers(&many).is_err());
        let ok = read_answers(&[("age".into(), " 40 ".into()), ("sex".into(), "".into())]).unwrap();
        assert_eq!(ok.get("age").map(String::as_str), Some("40"));
        assert!(!ok.contains_key("sex"));
    }

    #[test]
    fn yes_no_organ_function_answers_fill_the_profile() {
        let question = |name: &str| Question {
            fact: FactKey::OrganFunction(name.into()),
            text: String::new(),
            answer: matcher::questionnaire::AnswerKind::YesNo,
            profile_field: "",
            criteria: Vec::new(),
        };
        let mut p = PatientProfile::default();
        apply(&mut p, &question("adequate_function"), "yes", None).unwrap();
        assert_eq!(p.adequate_organ_function, Some(true));
        apply(&mut p, &question("ecg"), "no", None).unwrap();
        assert!(
            p.findings
                .iter()
                .any(|f| f.text == "normal ecg" && !f.present)
        );
        assert_eq!(
            apply(&mut p, &question("ecg"), "12", None).unwrap_err(),
            "Answer yes or no."
        );
    }
}
