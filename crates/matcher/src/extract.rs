//! Free-text note → [`PatientProfile`], with the evidence for every extracted fact.
//!
//! The extractor is rule-based: regular expressions for age, sex, labs, performance status and
//! stage; the general [`Vocabulary`] for conditions, findings, medications, procedures and
//! biomarkers; and a NegEx-style scope rule for negation ("denies smoking", "no history of
//! stroke", "negative for HIV", "X was ruled out"). It also reads the `key: value; key: value`
//! form of templated notes, where a `no` value negates the key.
//!
//! Each fact comes back as an [`Evidence`] with its byte span in the note, so a user interface
//! can highlight it and the user can correct the profile before matching.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::profile::{
    Biomarker, Diagnosis, Finding, LabValue, MarkerStatus, PatientProfile, PregnancyStatus,
    PriorTherapy, Serology, Sex, Transplant,
};
use crate::vocabulary::{ConceptKind, Mention, Vocabulary, fold_case};

/// A profile extracted from a note, with the evidence for each fact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Extraction {
    pub profile: PatientProfile,
    pub evidence: Vec<Evidence>,
}

/// One extracted fact and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The profile field it went to: "age", "sex", "diagnoses", "findings", "medications",
    /// "prior_therapies", "labs", "biomarkers", "infections", "ecog", "karnofsky", "stage", ...
    pub field: String,
    /// The value as stored in the profile.
    pub value: String,
    /// True when the note states the fact is absent.
    pub negated: bool,
    /// Byte span of the supporting text in the note.
    pub start: usize,
    pub end: usize,
    /// The note text at that span.
    pub text: String,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("extractor regex compiles")
}

struct Patterns {
    age: Regex,
    age_short: Regex,
    female: Regex,
    male: Regex,
    ecog: Regex,
    karnofsky: Regex,
    stage: Regex,
    number_unit: Regex,
    uln: Regex,
    marker_value: Regex,
    clause_break: Regex,
    marker_list: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        age: re(
            r"(?i)\b(\d{1,3}(?:\.\d+)?)[\s-]*(?:(year|yr|month|mo|week|wk|day)s?)[\s-]*(?:old|of age)\b|\b(?:aged?|age of)\s*:?\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:y/?o|yo|y\.o\.)\b",
        ),
        age_short: re(r"\b(\d{1,3})\s?-?(?:year|yr)s?\b"),
        female: re(
            r"(?i)\b(woman|women|female|girl|lady|she|her|hers|mother|pregnant|postmenopausal|premenopausal|menopausal)\b",
        ),
        male: re(r"(?i)\b(man|men|male|boy|gentleman|he|him|his|father)\b"),
        ecog: re(r"(?i)\b(?:ECOG|WHO|Zubrod)(?:\s+(?:performance\s+status|PS|score|grade))?\s*(?:of|is|was|=|:)?\s*([0-5])\b"),
        karnofsky: re(r"(?i)\b(?:Karnofsky|KPS)(?:\s+(?:performance\s+status|score))?\s*(?:of|is|was|=|:)?\s*(\d{2,3})\s*%?"),
        stage: re(r"(?i)\bstage\s*:?\s*(0|IV|I{1,3}|[1-4])([ABC]\d?)?\b"),
        number_unit: re(
            r"^\s*(?:level|levels|count|value)?\s*(?:of|was|were|is|are|at|:|=|measured at|of about|about|approximately|~)?\s*(?:of\s+)?([<>≤≥]=?\s*)?(\d+(?:[.,]\d+)?)(?:\s*/\s*(\d+))?\s*(%|[a-zA-Zµμ/^\d×x.]+(?:/[a-zA-Z\d.µμ^]+)?)?",
        ),
        uln: re(r"(?i)^\s*(?:of|was|is|:|=|at)?\s*(\d+(?:\.\d+)?)\s*(?:x|×|times)\s*(?:the\s+)?(?:ULN|upper limit of normal)"),
        marker_value: re(r"(?i)^[\s:]*(?:is|was|were|status|expression|testing|test|tested)?\s*(?:was|is)?\s*(positive|negative|pos|neg|\+|-|−|amplified|not amplified|mutated|mutation|wild[- ]type|equivocal|(\d+(?:\.\d+)?)\s*%)"),
        marker_list: re(r"^(?:\s*(?:/|,|and|or)\s*(?:[A-Za-z][A-Za-z0-9-]{0,6}))+"),
        clause_break: re(
            r"(?i)[.;!?\n]|\b(?:but|however|although|though|except|apart from|aside from|other than|besides|with the exception of|which|who|presents?|presented|reports?|reported|complains?|shows?|showed|revealed|reveals|is|was|are|were|has|have|had)\b",
        ),
    })
}

/// Words that open a negation scope over the next few words.
const PRE_NEGATIONS: &[&str] = &[
    "no",
    "not",
    "denies",
    "denied",
    "deny",
    "denying",
    "without",
    "negative for",
    "no history of",
    "no evidence of",
    "no signs of",
    "no sign of",
    "absence of",
    "absent",
    "free of",
    "never",
    "neither",
    "nor",
    "rules out",
    "ruled out",
    "unremarkable for",
    "resolved",
    "non",
];
/// Phrases after a mention that negate it.
const POST_NEGATIONS: &[&str] = &[
    "was ruled out",
    "were ruled out",
    "is ruled out",
    "has been ruled out",
    "is negative",
    "was negative",
    "were negative",
    "is absent",
    "was absent",
    "were absent",
    "not seen",
    "not detected",
    "not present",
    "unlikely",
    ": no",
    ": none",
    ": negative",
    ":no",
];
/// Negation triggers that are not negations.
const PSEUDO_NEGATIONS: &[&str] = &[
    "no change",
    "no increase",
    "not only",
    "no further",
    "not certain",
    "without difficulty",
    // "The pain is not relieved with over-the-counter pain medications": what is denied is the
    // relief, not the pain.
    "not relieved",
    "not improved",
    "not improving",
    "not resolved",
    "not responding",
    "not respond",
    "not responsive",
    "not controlled",
    "not well controlled",
    "not helped",
];
/// How many words a pre-negation reaches.
const NEGATION_WINDOW_WORDS: usize = 8;

/// Is the mention at `start..end` negated in `folded` (the case-folded note)?
pub(crate) fn is_negated(folded: &str, start: usize, end: usize) -> bool {
    let p = patterns();
    // Clause containing the mention: from the last break before it.
    let prefix = &folded[..start];
    let clause_start = p
        .clause_break
        .find_iter(prefix)
        .last()
        .map(|m| m.end())
        .unwrap_or(0);
    let clause = &prefix[clause_start..];
    let words: Vec<&str> = clause
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let window_start = words.len().saturating_sub(NEGATION_WINDOW_WORDS);
    let window = format!(" {} ", words[window_start..].join(" "));
    // A pseudo-negation ("no change", "not relieved") is no trigger, but a real one beside it
    // still is ("pain not relieved by ibuprofen, no fever": fever is denied).
    let mut window = window;
    for p in PSEUDO_NEGATIONS {
        window = window.replace(&format!(" {p} "), " ");
    }
    if PRE_NEGATIONS
        .iter()
        .any(|n| window.contains(&format!(" {n} ")))
    {
        return true;
    }
    // Post-negation within the same clause.
    let rest = &folded[end..];
    let rest_end = rest.find(['.', ';', '\n']).unwrap_or(rest.len()).min(40);
    let rest = &rest[..floor_char_boundary(rest, rest_end)];
    let trimmed = rest.trim_start();
    if trimmed.starts_with("negative")
        || trimmed.starts_with("(-)")
        || trimmed.starts_with("not detected")
    {
        return true;
    }
    POST_NEGATIONS.iter().any(|n| {
        rest.trim_start().starts_with(n.trim_start())
            || rest.starts_with(n)
            || rest.contains(&format!(" {n}"))
    })
}

/// The largest char boundary of `s` at or below `i` (and at most `s.len()`).
pub(crate) fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The vocabulary concept for the extent of a cancer ("metastatic", "stage IV").
pub(crate) const EXTENT_CONCEPT: &str = "metastatic disease";

/// Condition words too general to name a diagnosis (singular, case-folded).
const GENERAL_CONDITION_WORDS: &[&str] =
    &["tumor", "tumour", "neoplasm", "mass", "lesion", "growth"];

/// Is this mention about someone else ("family history of breast cancer", "mother has ...")?
fn is_about_family(folded: &str, start: usize) -> bool {
    let prefix = &folded[..start];
    let from = floor_char_boundary(prefix, prefix.len().saturating_sub(60));
    let window = &prefix[from..];
    let sentence = window.rsplit(['.', ';', '\n']).next().unwrap_or(window);
    [
        "family history",
        "mother",
        "father",
        "sister",
        "brother",
        "aunt",
        "uncle",
        "grandmother",
        "grandfather",
        "sibling",
        "cousin",
        "parents",
    ]
    .iter()
    .any(|w| sentence.contains(w))
}

/// One `key: value` segment of a templated note.
struct Field {
    key_start: usize,
    key_end: usize,
    value_start: usize,
    value_end: usize,
}

/// Finds `key: value; key: value` segments; empty when the note is prose.
fn templated_fields(note: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut offset = 0;
    for segment in note.split(';') {
        if let Some(colon) = segment.find(':') {
            let key = &segment[..colon];
            if key.split_whitespace().count() <= 5 && !key.trim().is_empty() {
                let ks = offset + (key.len() - key.trim_start().len());
                fields.push(Field {
                    key_start: ks,
                    key_end: offset + key.trim_end().len(),
                    value_start: offset + colon + 1,
                    value_end: offset + segment.len(),
                });
            }
        }
        offset += segment.len() + 1;
    }
    if fields.len() >= 2 {
        fields
    } else {
        Vec::new()
    }
}

fn value_is_no(value: &str) -> bool {
    matches!(
        fold_case(value.trim()).trim_end_matches('.'),
        "no" | "none" | "negative" | "absent" | "never" | "n" | "false" | "not done"
    )
}

/// Extracts a profile from a free-text note.
pub fn extract_profile(note: &str) -> Extraction {
    let vocab = Vocabulary::builtin();
    let p = patterns();
    let folded = fold_case(note);
    let mut profile = PatientProfile {
        note: Some(note.to_string()),
        ..Default::default()
    };
    let mut evidence = Vec::new();
    let push = |evidence: &mut Vec<Evidence>,
                field: &str,
                value: String,
                negated: bool,
                start: usize,
                end: usize| {
        evidence.push(Evidence {
            field: field.into(),
            value,
            negated,
            start,
            end,
            text: note[start..end].to_string(),
        });
    };
    // A therapy named in the note: received, or explicitly not received when negated.
    let add_prior_therapy = |profile: &mut PatientProfile,
                             evidence: &mut Vec<Evidence>,
                             surface: &str,
                             negated: bool,
                             start: usize,
                             end: usize| {
        profile.prior_therapies.push(PriorTherapy {
            name: surface.to_string(),
            line: None,
            response: None,
            ongoing: false,
            received: !negated,
        });
        push(
            evidence,
            "prior_therapies",
            surface.to_string(),
            negated,
            start,
            end,
        );
    };

    // Age.
    if let Some(c) = p.age.captures(note) {
        let whole = c.get(0).unwrap();
        let years = if let (Some(n), Some(unit)) = (c.get(1), c.get(2)) {
            let n: f64 = n.as_str().parse().unwrap_or(0.0);
            match unit.as_str().to_ascii_lowercase().as_str() {
                "month" | "mo" => n / 12.0,
                "week" | "wk" => n / 52.0,
                "day" => n / 365.0,
                _ => n,
            }
        } else {
            c.get(3)
                .or(c.get(4))
                .and_then(|m| m.as_str().parse().ok())
                .unwrap_or(0.0)
        };
        if years > 0.0 && years < 120.0 {
            profile.age_years = Some((years * 100.0).round() / 100.0);
            push(
                &mut evidence,
                "age",
                format!("{}", profile.age_years.unwrap()),
                false,
                whole.start(),
                whole.end(),
            );
        }
    } else if let Some(c) = p.age_short.captures(note) {
        let m = c.get(0).unwrap();
        if let Ok(n) = c[1].parse::<f64>() {
            profile.age_years = Some(n);
            push(
                &mut evidence,
                "age",
                format!("{n}"),
                false,
                m.start(),
                m.end(),
            );
        }
    }

    // Sex: the first explicit noun wins; pronoun counts break ties.
    let first_female = p.female.find(note);
    let first_male = p.male.find(note);
    let females = p.female.find_iter(note).count();
    let males = p.male.find_iter(note).count();
    let sex = match (first_female, first_male) {
        (Some(f), Some(m)) if females != males => Some(if females > males {
            (Sex::Female, f)
        } else {
            (Sex::Male, m)
        }),
        (Some(f), Some(m)) => Some(if f.start() < m.start() {
            (Sex::Female, f)
        } else {
            (Sex::Male, m)
        }),
        (Some(f), None) => Some((Sex::Female, f)),
        (None, Some(m)) => Some((Sex::Male, m)),
        (None, None) => None,
    };
    if let Some((sex, m)) = sex {
        profile.sex = Some(sex);
        push(
            &mut evidence,
            "sex",
            format!("{sex:?}").to_lowercase(),
            false,
            m.start(),
            m.end(),
        );
    }

    // Performance status and stage.
    if let Some(c) = p.ecog.captures(note) {
        let m = c.get(0).unwrap();
        profile.ecog = c[1].parse().ok();
        push(
            &mut evidence,
            "ecog",
            c[1].to_string(),
            false,
            m.start(),
            m.end(),
        );
    }
    if let Some(c) = p.karnofsky.captures(note) {
        let m = c.get(0).unwrap();
        if let Ok(k) = c[1].parse::<u8>()
            && k <= 100
        {
            profile.karnofsky = Some(k);
            push(
                &mut evidence,
                "karnofsky",
                k.to_string(),
                false,
                m.start(),
                m.end(),
            );
        }
    }
    if let Some(c) = p.stage.captures(note) {
        let m = c.get(0).unwrap();
        let stage = roman_stage(&c[1]).to_string()
            + &c.get(2)
                .map(|s| s.as_str().to_uppercase())
                .unwrap_or_default();
        profile.disease_state.stage = Some(stage.clone());
        if stage.starts_with("IV") {
            profile.disease_state.metastatic = Some(true);
        }
        push(&mut evidence, "stage", stage, false, m.start(), m.end());
    }
    for (word, field) in [
        ("metasta", "metastatic"),
        ("relapse", "relapsed"),
        ("recurren", "relapsed"),
        ("refractory", "refractory"),
    ] {
        if let Some(pos) = folded.find(word) {
            let negated = is_negated(&folded, pos, pos + word.len());
            let end = folded[pos..]
                .find(|c: char| !c.is_alphanumeric())
                .map(|e| pos + e)
                .unwrap_or(folded.len());
            let state = &mut profile.disease_state;
            let slot = match field {
                "metastatic" => &mut state.metastatic,
                "relapsed" => &mut state.relapsed,
                _ => &mut state.refractory,
            };
            if slot.is_none() {
                *slot = Some(!negated);
                push(
                    &mut evidence,
                    field,
                    (!negated).to_string(),
                    negated,
                    pos,
                    end,
                );
            }
        }
    }

    // Concept mentions, with polarity from the templated fields or from negation scope.
    let fields = templated_fields(note);
    let mut mentions: Vec<(Mention, bool)> = Vec::new();
    let mut previous: Option<Mention> = None;
    for m in vocab.find(note) {
        // "LASIK surgery", "insulin therapy": a generic head noun right after a mention of the
        // same kind belongs to that mention, not a fact of its own.
        // An extent word before a disease ("stage IV lung cancer") qualifies it instead.
        let compound = previous.is_some_and(|p| {
            vocab.concept(p.concept).name != EXTENT_CONCEPT
                && note[p.end..m.start].trim().is_empty()
                && vocab.concept(p.concept).kind == vocab.concept(m.concept).kind
        });
        previous = Some(m);
        if compound || is_about_family(&folded, m.start) {
            continue;
        }
        let in_field = fields
            .iter()
            .find(|f| m.start >= f.key_start && m.end <= f.value_end);
        let negated = match in_field {
            Some(f) if m.end <= f.key_end => value_is_no(&note[f.value_start..f.value_end]),
            Some(f) => {
                value_is_no(&note[f.value_start..f.value_end])
                    || is_negated(&folded, m.start, m.end)
            }
            None => is_negated(&folded, m.start, m.end),
        };
        mentions.push((m, negated));
    }

    let mut seen: Vec<(String, String)> = Vec::new();
    for (m, negated) in &mentions {
        let concept = vocab.concept(m.concept);
        let surface = note[m.start..m.end].to_string();
        let key = (
            format!("{}|{}", concept.name, fold_case(&surface)),
            negated.to_string(),
        );
        let first_time = !seen.contains(&key);
        if first_time {
            seen.push(key);
        }
        let after = &note[m.end..];
        // "stage IV", "metastatic": the extent of a disease, kept as disease state (read above
        // from the stage and "metasta-" words), never a diagnosis or a finding of its own.
        if concept.name == EXTENT_CONCEPT {
            continue;
        }
        // "tumor", "mass", "lesion": a general word names no particular disease, so it is a
        // finding until the note says what it is.
        if concept.kind == ConceptKind::Condition
            && !*negated
            && GENERAL_CONDITION_WORDS.contains(&fold_case(&surface).trim_end_matches('s'))
        {
            if first_time {
                profile.findings.push(Finding {
                    text: surface.clone(),
                    present: true,
                });
                push(
                    &mut evidence,
                    "findings",
                    surface.clone(),
                    false,
                    m.start,
                    m.end,
                );
            }
            continue;
        }
        match concept.kind {
            ConceptKind::Biomarker => {
                let status = marker_status(&surface, after);
                let value = p
                    .marker_value
                    .captures(after)
                    .and_then(|c| c.get(2))
                    .and_then(|v| v.as_str().parse::<f64>().ok());
                if is_serology(&concept.name) {
                    let status = if *negated {
                        Some(MarkerStatus::Negative)
                    } else {
                        status
                    };
                    if let Some(status) = status {
                        profile.infections.push(Serology {
                            name: surface.clone(),
                            status,
                        });
                        push(
                            &mut evidence,
                            "infections",
                            format!("{surface} {status:?}").to_lowercase(),
                            *negated,
                            m.start,
                            m.end,
                        );
                    }
                    continue;
                }
                let status = if *negated && status.is_none() {
                    Some(MarkerStatus::Negative)
                } else {
                    status
                };
                profile.biomarkers.push(Biomarker {
                    name: surface.clone(),
                    status,
                    value,
                    unit: value.map(|_| "%".to_string()),
                });
                let shown = match status {
                    Some(s) => format!("{surface}: {s:?}").to_lowercase(),
                    None => surface.clone(),
                };
                // "EGFR negative" is a test result (status negative), not a denied finding.
                push(&mut evidence, "biomarkers", shown, false, m.start, m.end);
            }
            ConceptKind::Lab => {
                for lab in lab_value(&surface, after)
                    .map(split_blood_pressure)
                    .into_iter()
                    .flatten()
                {
                    let shown = format!(
                        "{} {}{}",
                        lab.name,
                        lab.value
                            .map(|v| v.to_string())
                            .or(lab.times_uln.map(|u| format!("{u}×ULN")))
                            .unwrap_or_default(),
                        lab.unit
                            .as_deref()
                            .map(|u| format!(" {u}"))
                            .unwrap_or_default()
                    );
                    profile.labs.push(lab);
                    push(&mut evidence, "labs", shown, false, m.start, m.end);
                }
            }
            ConceptKind::Condition if is_infection(vocab, m.concept) => {
                let status = if *negated {
                    MarkerStatus::Negative
                } else {
                    MarkerStatus::Positive
                };
                if first_time {
                    profile.infections.push(Serology {
                        name: concept.name.clone(),
                        status,
                    });
                    push(
                        &mut evidence,
                        "infections",
                        concept.name.clone(),
                        *negated,
                        m.start,
                        m.end,
                    );
                }
                if !*negated && first_time {
                    profile.diagnoses.push(Diagnosis {
                        text: surface.clone(),
                        stage: None,
                        resolved: false,
                    });
                }
            }
            ConceptKind::Condition if concept.name == "pregnancy" => {
                if fold_case(&surface) == "pregnant" {
                    profile.pregnancy = Some(if *negated {
                        PregnancyStatus::NotPregnant
                    } else {
                        PregnancyStatus::Pregnant
                    });
                    push(
                        &mut evidence,
                        "pregnancy",
                        (!negated).to_string(),
                        *negated,
                        m.start,
                        m.end,
                    );
                }
            }
            ConceptKind::Condition | ConceptKind::Status if !*negated => {
                if concept.name == "postmenopausal status" || concept.name == "menopause" {
                    profile
                        .pregnancy
                        .get_or_insert(PregnancyStatus::NotOfChildbearingPotential);
                }
                if first_time {
                    if concept.kind == ConceptKind::Condition {
                        profile.diagnoses.push(Diagnosis {
                            text: surface.clone(),
                            stage: None,
                            resolved: false,
                        });
                        push(
                            &mut evidence,
                            "diagnoses",
                            surface.clone(),
                            false,
                            m.start,
                            m.end,
                        );
                    } else {
                        profile.findings.push(Finding {
                            text: surface.clone(),
                            present: true,
                        });
                        push(
                            &mut evidence,
                            "findings",
                            surface.clone(),
                            false,
                            m.start,
                            m.end,
                        );
                    }
                }
            }
            ConceptKind::Medication | ConceptKind::Procedure if is_planned(&folded, m.start) => {
                // "a candidate for resection", "prior to chemotherapy": planned, not received.
                if first_time {
                    profile.findings.push(Finding {
                        text: format!("planned {surface}"),
                        present: true,
                    });
                    push(
                        &mut evidence,
                        "findings",
                        format!("planned {surface}"),
                        false,
                        m.start,
                        m.end,
                    );
                }
            }
            ConceptKind::Procedure => {
                if first_time {
                    if concept.name.contains("transplant") && !*negated {
                        profile.transplants.push(Transplant {
                            kind: surface.clone(),
                            date: None,
                        });
                        push(
                            &mut evidence,
                            "transplants",
                            surface.clone(),
                            false,
                            m.start,
                            m.end,
                        );
                    } else {
                        add_prior_therapy(
                            &mut profile,
                            &mut evidence,
                            &surface,
                            *negated,
                            m.start,
                            m.end,
                        );
                    }
                }
            }
            ConceptKind::Medication => {
                if first_time {
                    let is_therapy = matches!(
                        concept.name.as_str(),
                        "chemotherapy"
                            | "immunotherapy"
                            | "targeted therapy"
                            | "her2-targeted therapy"
                            | "endocrine therapy"
                            | "car-t therapy"
                    ) || surface_is_prior(&folded, m.start);
                    if is_therapy {
                        add_prior_therapy(
                            &mut profile,
                            &mut evidence,
                            &surface,
                            *negated,
                            m.start,
                            m.end,
                        );
                    } else if *negated {
                        profile.findings.push(Finding {
                            text: surface.clone(),
                            present: false,
                        });
                        push(
                            &mut evidence,
                            "findings",
                            surface.clone(),
                            true,
                            m.start,
                            m.end,
                        );
                    } else {
                        profile.medications.push(surface.clone());
                        push(
                            &mut evidence,
                            "medications",
                            surface.clone(),
                            false,
                            m.start,
                            m.end,
                        );
                    }
                }
            }
            // Negated conditions, findings and statuses; present findings.
            _ => {
                if first_time {
                    profile.findings.push(Finding {
                        text: surface.clone(),
                        present: !*negated,
                    });
                    push(
                        &mut evidence,
                        "findings",
                        surface.clone(),
                        *negated,
                        m.start,
                        m.end,
                    );
                }
            }
        }
    }
    add_site_cancer(note, &folded, vocab, &mut profile, &mut evidence);
    if profile.sex == Some(Sex::Male) {
        profile.pregnancy = None;
    }
    // The stage belongs to the staged disease: the first cancer diagnosis.
    if let (Some(stage), Some(cancer)) = (&profile.disease_state.stage, vocab.lookup("cancer"))
        && let Some(d) = profile.diagnoses.iter_mut().find(|d| {
            vocab.find(&d.text).iter().any(|m| {
                vocab.is_a(m.concept, cancer) && vocab.concept(m.concept).name != EXTENT_CONCEPT
            })
        })
    {
        d.stage.get_or_insert_with(|| stage.clone());
    }
    evidence.sort_by_key(|e| (e.start, e.end));
    Extraction { profile, evidence }
}

/// Organ words and the cancer of that organ (a concept of the vocabulary).
const ORGAN_CANCERS: &[(&[&str], &str)] = &[
    (&["stomach", "gastric"], "gastric cancer"),
    (
        &["lung", "lungs", "pulmonary", "bronchus", "bronchial"],
        "lung cancer",
    ),
    (&["breast", "breasts"], "breast cancer"),
    (
        &[
            "colon",
            "colonic",
            "rectum",
            "rectal",
            "colorectal",
            "sigmoid",
            "cecum",
            "caecum",
        ],
        "colorectal cancer",
    ),
    (&["prostate", "prostatic"], "prostate cancer"),
    (&["pancreas", "pancreatic"], "pancreatic cancer"),
    (
        &["esophagus", "esophageal", "oesophagus", "oesophageal"],
        "esophageal cancer",
    ),
    (&["liver", "hepatic"], "liver cancer"),
    (
        &["bile duct", "biliary", "gallbladder"],
        "cholangiocarcinoma",
    ),
    (&["ovary", "ovaries", "ovarian"], "ovarian cancer"),
    (&["cervix", "uterine cervix"], "cervical cancer"),
    (
        &["endometrium", "endometrial", "uterus", "uterine"],
        "endometrial cancer",
    ),
    (&["bladder", "urothelium", "urothelial"], "bladder cancer"),
    (&["kidney", "kidneys", "renal"], "kidney cancer"),
    (&["thyroid"], "thyroid cancer"),
    (&["skin", "cutaneous"], "skin cancer"),
];

/// Words that call a tissue malignant. "Tumor", "mass" and "lesion" do not: they may be benign.
const MALIGNANT_HISTOLOGY: &[&str] = &[
    "adenocarcinoma",
    "carcinoma",
    "cancer",
    "malignancy",
    "malignant",
    "signet ring",
];

/// Byte offsets of `word` in `text` as a whole word.
fn whole_word_positions<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(word).map(|(i, _)| i).filter(move |&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_alphanumeric())
    })
}

/// "A lesion in the stomach that shows … diffuse-type adenocarcinoma": a malignant histology
/// and an organ in one sentence name that organ's cancer. Notes describe a biopsy or a scan
/// long before they name the disease, and trials are about "gastric cancer", not about
/// "adenocarcinoma". Only when the note names no organ's cancer itself, and never in a sentence
/// about spread ("metastatic adenocarcinoma in the liver" says nothing of where it started).
fn add_site_cancer(
    note: &str,
    folded: &str,
    vocab: &Vocabulary,
    profile: &mut PatientProfile,
    evidence: &mut Vec<Evidence>,
) {
    let Some(cancer) = vocab.lookup("cancer") else {
        return;
    };
    let names_organ_cancer = profile.diagnoses.iter().any(|d| {
        vocab.find(&d.text).iter().any(|m| {
            m.concept != cancer
                && vocab.is_a(m.concept, cancer)
                && vocab.concept(m.concept).name != EXTENT_CONCEPT
        })
    });
    if names_organ_cancer {
        return;
    }
    let mut sentence_start = 0;
    for sentence in folded.split_inclusive(['.', ';', '\n']) {
        let offset = sentence_start;
        sentence_start += sentence.len();
        if sentence.contains("metasta") || sentence.contains("spread") {
            continue;
        }
        let histology = MALIGNANT_HISTOLOGY.iter().find_map(|word| {
            whole_word_positions(sentence, word)
                .map(|i| (offset + i, offset + i + word.len()))
                .find(|&(start, end)| {
                    !is_negated(folded, start, end) && !is_about_family(folded, start)
                })
        });
        let Some((h_start, h_end)) = histology else {
            continue;
        };
        // The organ nearest the histology word names the site.
        let site = ORGAN_CANCERS
            .iter()
            .flat_map(|(words, concept)| {
                words.iter().flat_map(move |word| {
                    whole_word_positions(sentence, word)
                        .map(move |i| (offset + i, offset + i + word.len(), *concept))
                })
            })
            .min_by_key(|&(start, _, _)| start.abs_diff(h_start));
        let Some((o_start, o_end, concept)) = site else {
            continue;
        };
        if vocab.lookup(concept).is_none() || profile.diagnoses.iter().any(|d| d.text == concept) {
            continue;
        }
        let (start, end) = (o_start.min(h_start), o_end.max(h_end));
        profile.diagnoses.push(Diagnosis {
            text: concept.to_string(),
            stage: None,
            resolved: false,
        });
        evidence.push(Evidence {
            field: "diagnoses".into(),
            value: concept.to_string(),
            negated: false,
            start,
            end,
            text: note[start..end].to_string(),
        });
        return;
    }
}

/// Is the treatment at `start` planned rather than given ("prior to chemotherapy", "scheduled
/// for surgery", "will start insulin")?
fn is_planned(folded: &str, start: usize) -> bool {
    let from = floor_char_boundary(folded, start.saturating_sub(40));
    let window = &folded[from..start];
    let clause = window.rsplit(['.', ';', '\n']).next().unwrap_or(window);
    [
        "prior to ",
        "before ",
        "candidate for",
        "scheduled for",
        "planned",
        "plans to",
        "will receive",
        "will start",
        "will undergo",
        "to undergo",
        "referred for",
        "awaiting",
        "considering",
        "consider ",
    ]
    .iter()
    .any(|w| clause.contains(w))
}

fn surface_is_prior(folded: &str, start: usize) -> bool {
    let from = floor_char_boundary(folded, start.saturating_sub(30));
    let window = &folded[from..start];
    [
        "prior ",
        "previous ",
        "previously ",
        "received",
        "s/p",
        "status post",
        "failed",
    ]
    .iter()
    .any(|w| window.contains(w))
        && !window.contains("prior to")
}

fn roman_stage(stage: &str) -> &str {
    match stage.to_ascii_uppercase().as_str() {
        "1" | "I" => "I",
        "2" | "II" => "II",
        "3" | "III" => "III",
        "4" | "IV" => "IV",
        _ => "0",
    }
}

fn is_serology(name: &str) -> bool {
    matches!(name, "hbsag" | "anti-hcv" | "hiv antibody")
}

fn is_infection(vocab: &Vocabulary, id: crate::vocabulary::ConceptId) -> bool {
    matches!(
        vocab.concept(id).name.as_str(),
        "hiv infection"
            | "hepatitis b"
            | "hepatitis c"
            | "tuberculosis"
            | "cytomegalovirus infection"
            | "covid-19"
            | "syphilis"
            | "human papillomavirus infection"
    )
}

/// Positive/negative from the surface form ("HER2-positive", "ER+") or the words after it.
fn marker_status(surface: &str, after: &str) -> Option<MarkerStatus> {
    let s = fold_case(surface);
    if s.ends_with('+') || s.contains("positive") {
        return Some(MarkerStatus::Positive);
    }
    if s.ends_with('-') || s.ends_with('−') || s.contains("negative") {
        return Some(MarkerStatus::Negative);
    }
    // Skip a conjoined marker list: "ER/PR negative", "ER, PR and HER2 negative".
    let after = patterns()
        .marker_list
        .find(after)
        .map(|m| &after[m.end()..])
        .unwrap_or(after);
    let c = patterns().marker_value.captures(after)?;
    let word = fold_case(c.get(1)?.as_str());
    Some(match word.as_str() {
        "positive" | "pos" | "+" | "amplified" | "mutated" | "mutation" => MarkerStatus::Positive,
        "negative" | "neg" | "-" | "−" | "not amplified" | "wild type" | "wild-type" => {
            MarkerStatus::Negative
        }
        "equivocal" => MarkerStatus::Equivocal,
        _ if c.get(2).is_some() => {
            let v: f64 = c[2].parse().ok()?;
            if v >= 1.0 {
                MarkerStatus::Positive
            } else {
                MarkerStatus::Negative
            }
        }
        _ => return None,
    })
}

/// A lab value right after its name ("hemoglobin of 9.2 g/dL", "ALT 3 × ULN", "BMI is 37").
/// "Blood pressure 130/75": two readings, the systolic under the name the note used and the
/// diastolic as its own lab, both in mmHg (the only unit blood pressure is given in). Any other
/// lab passes through.
fn split_blood_pressure(lab: LabValue) -> Vec<LabValue> {
    let is_pressure = matches!(
        fold_case(&lab.name).as_str(),
        "blood pressure" | "bp" | "b.p."
    );
    let diastolic = lab
        .unit
        .as_deref()
        .and_then(|u| u.strip_prefix('/'))
        .and_then(|u| u.split_whitespace().next())
        .and_then(|d| d.parse::<f64>().ok());
    match (is_pressure, diastolic) {
        (true, Some(diastolic)) => vec![
            LabValue {
                unit: Some("mmHg".into()),
                ..lab.clone()
            },
            LabValue {
                name: "diastolic blood pressure".into(),
                value: Some(diastolic),
                unit: Some("mmHg".into()),
                times_uln: None,
            },
        ],
        _ => vec![lab],
    }
}

fn lab_value(name: &str, after: &str) -> Option<LabValue> {
    let p = patterns();
    let head = &after[..floor_char_boundary(after, after.len().min(48))];
    if let Some(c) = p.uln.captures(head) {
        return Some(LabValue {
            name: name.to_string(),
            value: None,
            unit: None,
            times_uln: c[1].parse().ok(),
        });
    }
    let c = p.number_unit.captures(head)?;
    let value: f64 = c[2].replace(',', ".").parse().ok()?;
    let mut unit = c
        .get(4)
        .map(|u| u.as_str().trim_end_matches('.').to_string())
        .filter(|u| !u.is_empty());
    if let Some(den) = c.get(3) {
        // Blood pressure "144/78": keep the systolic value, note the diastolic in the unit.
        unit = Some(
            format!("/{} {}", den.as_str(), unit.unwrap_or_default())
                .trim()
                .to_string(),
        );
    }
    if unit.as_deref().is_some_and(|u| {
        matches!(
            u,
            "year" | "years" | "and" | "in" | "on" | "with" | "to" | "at"
        )
    }) {
        unit = None;
    }
    Some(LabValue {
        name: name.to_string(),
        value: Some(value),
        unit,
        times_uln: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_finding(e: &Extraction, text: &str, present: bool) -> bool {
        e.profile
            .findings
            .iter()
            .any(|f| fold_case(&f.text).contains(text) && f.present == present)
    }

    fn diagnosis_texts(note: &str) -> Vec<String> {
        extract_profile(note)
            .profile
            .diagnoses
            .iter()
            .map(|d| fold_case(&d.text))
            .collect()
    }

    #[test]
    fn blood_pressure_pairs_are_systolic_and_diastolic() {
        let e = extract_profile("His blood pressure is 130/75 and pulse rate is 88/min.");
        let labs: Vec<(String, Option<f64>, Option<String>)> = e
            .profile
            .labs
            .iter()
            .map(|l| (fold_case(&l.name), l.value, l.unit.clone()))
            .collect();
        assert!(
            labs.contains(&("blood pressure".into(), Some(130.0), Some("mmHg".into()))),
            "{labs:?}"
        );
        assert!(
            labs.contains(&(
                "diastolic blood pressure".into(),
                Some(75.0),
                Some("mmHg".into())
            )),
            "{labs:?}"
        );
    }

    #[test]
    fn an_exception_ends_a_negation() {
        let dx = diagnosis_texts(
            "Medical history is not significant other than the confirmed Sjogren disease. \
             No past illness besides hypertension.",
        );
        assert!(dx.contains(&"sjogren disease".to_string()), "{dx:?}");
        assert!(dx.contains(&"hypertension".to_string()), "{dx:?}");
    }

    #[test]
    fn organ_and_malignant_histology_name_the_organs_cancer() {
        let dx = diagnosis_texts(
            "A 63-year-old man has epigastric discomfort. Upper endoscopy shows a lesion in the \
             stomach with features of diffuse-type adenocarcinoma with signet ring cells.",
        );
        assert!(dx.contains(&"gastric cancer".to_string()), "{dx:?}");
        let dx = diagnosis_texts("Biopsy of the left breast mass revealed invasive malignancy.");
        assert!(dx.contains(&"breast cancer".to_string()), "{dx:?}");
    }

    #[test]
    fn organ_and_histology_need_a_malignant_unnegated_own_finding() {
        // Benign words, a negated malignancy, spread to an organ, a relative's cancer.
        for note in [
            "CT shows a 2 cm lesion in the liver.",
            "Colonoscopy biopsy of the colon showed no malignancy.",
            "She has metastatic adenocarcinoma in the liver.",
            "Her mother had breast cancer. She has hypertension.",
        ] {
            let dx = diagnosis_texts(note);
            assert!(
                !dx.iter().any(|d| d.ends_with(" cancer") && d != "cancer"),
                "{note}: {dx:?}"
            );
        }
        // A named organ cancer is not doubled by a second site in another sentence.
        let dx = diagnosis_texts("History of prostate cancer. A thyroid nodule was malignant.");
        assert!(!dx.contains(&"thyroid cancer".to_string()), "{dx:?}");
    }

    #[test]
    fn prose_note_with_negations() {
        let note = "A 58-year-old woman presents with shortness of breath and a productive cough. \
                    She has a history of type 2 diabetes and hypertension, treated with metformin and lisinopril. \
                    She denies smoking and has no history of stroke. Chest X-ray was negative for pneumonia. \
                    Hemoglobin of 10.2 g/dL, creatinine 1.4 mg/dL.";
        let e = extract_profile(note);
        assert_eq!(e.profile.age_years, Some(58.0));
        assert_eq!(e.profile.sex, Some(Sex::Female));
        let dx: Vec<String> = e
            .profile
            .diagnoses
            .iter()
            .map(|d| fold_case(&d.text))
            .collect();
        assert!(dx.contains(&"type 2 diabetes".to_string()), "{dx:?}");
        assert!(dx.contains(&"hypertension".to_string()));
        assert!(
            !dx.iter().any(|d| d == "stroke" || d == "pneumonia"),
            "{dx:?}"
        );
        assert!(has_finding(&e, "smoking", false));
        assert!(has_finding(&e, "stroke", false));
        assert!(has_finding(&e, "pneumonia", false));
        assert!(has_finding(&e, "shortness of breath", true));
        assert!(e.profile.medications.iter().any(|m| m == "metformin"));
        let hb = e
            .profile
            .labs
            .iter()
            .find(|l| l.name == "Hemoglobin")
            .unwrap();
        assert_eq!((hb.value, hb.unit.as_deref()), (Some(10.2), Some("g/dL")));
        let cr = e
            .profile
            .labs
            .iter()
            .find(|l| l.name == "creatinine")
            .unwrap();
        assert_eq!(cr.value, Some(1.4));
        // Evidence spans point at the note text.
        for ev in &e.evidence {
            assert_eq!(&note[ev.start..ev.end], ev.text);
        }
        let smoking = e.evidence.iter().find(|ev| ev.text == "smoking").unwrap();
        assert!(smoking.negated);
    }

    #[test]
    fn male_note_with_oncology_facts() {
        let note = "67 yo man with stage IIIB non-small cell lung cancer, EGFR mutation positive, PD-L1 50%. \
                    ECOG performance status 1. Previously received carboplatin and pemetrexed with progression. \
                    HIV negative. Family history of breast cancer.";
        let e = extract_profile(note);
        assert_eq!(e.profile.age_years, Some(67.0));
        assert_eq!(e.profile.sex, Some(Sex::Male));
        assert_eq!(e.profile.ecog, Some(1));
        assert_eq!(e.profile.disease_state.stage.as_deref(), Some("IIIB"));
        let egfr = e
            .profile
            .biomarkers
            .iter()
            .find(|b| b.name.starts_with("EGFR"))
            .unwrap();
        assert_eq!(egfr.status, Some(MarkerStatus::Positive));
        let pdl1 = e
            .profile
            .biomarkers
            .iter()
            .find(|b| b.name == "PD-L1")
            .unwrap();
        assert_eq!(pdl1.value, Some(50.0));
        assert!(
            e.profile
                .prior_therapies
                .iter()
                .any(|t| t.name == "carboplatin" && t.received)
        );
        let hiv = e
            .profile
            .infections
            .iter()
            .find(|s| s.name.to_lowercase().contains("hiv"))
            .unwrap();
        assert_eq!(hiv.status, MarkerStatus::Negative);
        // The family history is not the patient's diagnosis.
        assert!(
            !e.profile
                .diagnoses
                .iter()
                .any(|d| d.text.contains("breast"))
        );
        assert_eq!(e.profile.pregnancy, None);
    }

    #[test]
    fn templated_note_reads_yes_and_no_values() {
        let note = "definitive diagnosis: stage III; HER2: negative; hormone receptors: ER+, PR-; \
                    prior chemotherapy: no; prior radiotherapy: yes; performance status: ECOG 2";
        let e = extract_profile(note);
        assert_eq!(e.profile.ecog, Some(2));
        let her2 = e
            .profile
            .biomarkers
            .iter()
            .find(|b| b.name == "HER2")
            .unwrap();
        assert_eq!(her2.status, Some(MarkerStatus::Negative));
        let er = e
            .profile
            .biomarkers
            .iter()
            .find(|b| b.name == "ER+")
            .unwrap();
        assert_eq!(er.status, Some(MarkerStatus::Positive));
        let chemo = e
            .profile
            .prior_therapies
            .iter()
            .find(|t| t.name == "chemotherapy")
            .unwrap();
        assert!(!chemo.received);
        let rt = e
            .profile
            .prior_therapies
            .iter()
            .find(|t| t.name == "radiotherapy")
            .unwrap();
        assert!(rt.received);
    }

    #[test]
    fn planned_treatment_is_not_a_prior_therapy() {
        let e = extract_profile(
            "She is a candidate for tumor resection and agrees to do so prior to chemotherapy.",
        );
        assert!(
            e.profile.prior_therapies.is_empty(),
            "{:?}",
            e.profile.prior_therapies
        );
        assert!(has_finding(&e, "planned chemotherapy", true));
        let e = extract_profile("He previously received chemotherapy.");
        assert!(
            e.profile
                .prior_therapies
                .iter()
                .any(|t| t.name == "chemotherapy" && t.received)
        );
    }

    #[test]
    fn negation_scope_ends_at_clause_break() {
        let note = "He denies fever or chills but reports chest pain.";
        let e = extract_profile(note);
        assert!(has_finding(&e, "fever", false));
        assert!(has_finding(&e, "chest pain", true));
    }

    #[test]
    fn relief_denied_is_not_the_symptom_denied() {
        let e = extract_profile(
            "He has low back pain. The pain is not relieved with over-the-counter pain medications, no fever.",
        );
        assert!(has_finding(&e, "pain", true), "{:#?}", e.profile.findings);
        assert!(!has_finding(&e, "pain", false), "{:#?}", e.profile.findings);
        assert!(has_finding(&e, "fever", false), "{:#?}", e.profile.findings);
    }

    #[test]
    fn stage_and_extent_attach_to_the_diagnosis() {
        let e = extract_profile(
            "A 61-year-old man with stage IV non-small cell lung cancer, EGFR negative.",
        );
        let dx: Vec<&str> = e
            .profile
            .diagnoses
            .iter()
            .map(|d| d.text.as_str())
            .collect();
        assert_eq!(dx, ["non-small cell lung cancer"]);
        assert_eq!(e.profile.diagnoses[0].stage.as_deref(), Some("IV"));
        assert_eq!(e.profile.disease_state.stage.as_deref(), Some("IV"));
        assert_eq!(e.profile.disease_state.metastatic, Some(true));
        assert!(
            !e.profile
                .findings
                .iter()
                .any(|f| fold_case(&f.text).contains("stage")),
            "{:?}",
            e.profile.findings
        );
        let egfr = e
            .profile
            .biomarkers
            .iter()
            .find(|b| b.name == "EGFR")
            .unwrap();
        assert_eq!(egfr.status, Some(MarkerStatus::Negative));
        let ev = e
            .evidence
            .iter()
            .find(|ev| ev.field == "biomarkers")
            .unwrap();
        assert!(
            !ev.negated,
            "a negative test result is not a denied finding: {ev:?}"
        );

        let e = extract_profile("She has metastatic NSCLC.");
        let dx: Vec<&str> = e
            .profile
            .diagnoses
            .iter()
            .map(|d| d.text.as_str())
            .collect();
        assert_eq!(dx, ["NSCLC"]);
        assert_eq!(e.profile.disease_state.metastatic, Some(true));
    }

    #[test]
    fn general_words_and_states_are_not_diagnoses() {
        let e = extract_profile(
            "A postmenopausal woman who smokes has a tumor in the left breast and asthma.",
        );
        let dx: Vec<String> = e
            .profile
            .diagnoses
            .iter()
            .map(|d| fold_case(&d.text))
            .collect();
        assert_eq!(dx, ["asthma"]);
        assert!(has_finding(&e, "smokes", true), "{:?}", e.profile.findings);
        assert!(has_finding(&e, "tumor", true), "{:?}", e.profile.findings);
        assert!(
            has_finding(&e, "postmenopausal", true),
            "{:?}",
            e.profile.findings
        );
    }
}
