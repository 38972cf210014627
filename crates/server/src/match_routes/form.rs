//! The "Find trials for me" profile form: its fields as text, to and from a
//! [`matcher::PatientProfile`].
//!
//! Lists are one item per line, so the form needs no JavaScript to add rows: "HER2 positive",
//! "ALT 2.5 x ULN", "no chemotherapy". A profile drafted from a note is shown through
//! [`ProfileForm::from_profile`] so the user can correct it; [`ProfileForm::to_profile`] reads it
//! back. Every field is bounded: longer input is an error, never silently cut.

use matcher::PatientProfile;
use matcher::profile::{
    Biomarker, Diagnosis, DiseaseState, Finding, LabValue, MarkerStatus, PregnancyStatus,
    PriorTherapy, Serology, Sex, Transplant,
};

use super::request::{MAX_NOTE_CHARS, truncate};

/// Longest one-line field, in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// Longest list field, in characters, and most lines in it.
pub const MAX_LIST_CHARS: usize = 4_000;
pub const MAX_LIST_LINES: usize = 60;

/// A key lab with its own input: the profile name, the label, the unit the input is in.
pub struct KeyLab {
    pub field: &'static str,
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
}

/// The labs most trial criteria test, with conventional units.
pub const KEY_LABS: [KeyLab; 7] = [
    KeyLab {
        field: "lab_hemoglobin",
        name: "hemoglobin",
        label: "Hemoglobin",
        unit: "g/dL",
    },
    KeyLab {
        field: "lab_platelets",
        name: "platelet count",
        label: "Platelets",
        unit: "x10^9/L",
    },
    KeyLab {
        field: "lab_anc",
        name: "absolute neutrophil count",
        label: "Neutrophils (ANC)",
        unit: "x10^9/L",
    },
    KeyLab {
        field: "lab_creatinine",
        name: "creatinine",
        label: "Creatinine",
        unit: "mg/dL",
    },
    KeyLab {
        field: "lab_bilirubin",
        name: "total bilirubin",
        label: "Total bilirubin",
        unit: "mg/dL",
    },
    KeyLab {
        field: "lab_alt",
        name: "ALT",
        label: "ALT",
        unit: "x ULN",
    },
    KeyLab {
        field: "lab_ast",
        name: "AST",
        label: "AST",
        unit: "x ULN",
    },
];

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileForm {
    pub age: String,
    pub sex: String,
    pub conditions: String,
    pub stage: String,
    pub metastatic: String,
    pub relapsed: String,
    pub refractory: String,
    pub newly_diagnosed: String,
    pub ecog: String,
    pub karnofsky: String,
    /// Values of [`KEY_LABS`], in that order.
    pub key_labs: Vec<String>,
    pub other_labs: String,
    pub prior_therapies: String,
    pub transplants: String,
    pub biomarkers: String,
    pub infections: String,
    pub medications: String,
    pub findings: String,
    pub pregnancy: String,
    pub location: String,
    pub note: String,
}

/// One field's problem, for the message next to the form.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl ProfileForm {
    /// Reads the fields from form pairs; the first value of a repeated name wins.
    pub fn from_pairs(pairs: &[(String, String)]) -> ProfileForm {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        ProfileForm {
            age: get("age"),
            sex: get("sex"),
            conditions: get("conditions"),
            stage: get("stage"),
            metastatic: get("metastatic"),
            relapsed: get("relapsed"),
            refractory: get("refractory"),
            newly_diagnosed: get("newly_diagnosed"),
            ecog: get("ecog"),
            karnofsky: get("karnofsky"),
            key_labs: KEY_LABS.iter().map(|l| get(l.field)).collect(),
            other_labs: get("other_labs"),
            prior_therapies: get("prior_therapies"),
            transplants: get("transplants"),
            biomarkers: get("biomarkers"),
            infections: get("infections"),
            medications: get("medications"),
            findings: get("findings"),
            pregnancy: get("pregnancy"),
            location: get("location"),
            note: get("note"),
        }
    }

    /// The value of key lab `i` (empty when missing).
    pub fn key_lab(&self, i: usize) -> &str {
        self.key_labs.get(i).map(String::as_str).unwrap_or("")
    }

    /// Whether anything beyond the note was filled in.
    pub fn has_details(&self) -> bool {
        !(self.metastatic.is_empty()
            && self.relapsed.is_empty()
            && self.refractory.is_empty()
            && self.newly_diagnosed.is_empty()
            && self.karnofsky.trim().is_empty()
            && self.other_labs.trim().is_empty()
            && self.transplants.trim().is_empty()
            && self.biomarkers.trim().is_empty()
            && self.infections.trim().is_empty()
            && self.medications.trim().is_empty()
            && self.findings.trim().is_empty())
    }

    /// The profile's facts as form text.
    pub fn from_profile(p: &PatientProfile) -> ProfileForm {
        let mut form =
            ProfileForm {
                age: p.age_years.map(fmt_num).unwrap_or_default(),
                sex: match p.sex {
                    Some(Sex::Female) => "female".into(),
                    Some(Sex::Male) => "male".into(),
                    None => String::new(),
                },
                conditions: lines(p.diagnoses.iter().filter(|d| !d.resolved).map(
                    |d| match &d.stage {
                        Some(s) => format!("{} (stage {s})", d.text),
                        None => d.text.clone(),
                    },
                )),
                stage: p.disease_state.stage.clone().unwrap_or_default(),
                metastatic: tri(p.disease_state.metastatic),
                relapsed: tri(p.disease_state.relapsed),
                refractory: tri(p.disease_state.refractory),
                newly_diagnosed: tri(p.disease_state.newly_diagnosed),
                ecog: p.ecog.map(|e| e.to_string()).unwrap_or_default(),
                karnofsky: p.karnofsky.map(|k| k.to_string()).unwrap_or_default(),
                key_labs: vec![String::new(); KEY_LABS.len()],
                prior_therapies: lines(p.prior_therapies.iter().map(|t| {
                    if t.received {
                        t.name.clone()
                    } else {
                        format!("no {}", t.name)
                    }
                })),
                transplants: lines(p.transplants.iter().map(|t| t.kind.clone())),
                biomarkers: lines(p.biomarkers.iter().map(|b| {
                    let mut s = b.name.clone();
                    if let Some(st) = b.status {
                        s.push(' ');
                        s.push_str(status_word(st));
                    }
                    if let Some(v) = b.value {
                        s.push(' ');
                        s.push_str(&fmt_num(v));
                        if let Some(u) = &b.unit {
                            s.push(' ');
                            s.push_str(u);
                        }
                    }
                    s
                })),
                infections: lines(
                    p.infections
                        .iter()
                        .map(|s| format!("{} {}", s.name, status_word(s.status))),
                ),
                medications: lines(p.medications.iter().cloned()),
                findings: lines(p.findings.iter().map(|f| {
                    if f.present {
                        f.text.clone()
                    } else {
                        format!("no {}", f.text)
                    }
                })),
                pregnancy: match p.pregnancy {
                    Some(PregnancyStatus::Pregnant) => "pregnant",
                    Some(PregnancyStatus::NotPregnant) => "not_pregnant",
                    Some(PregnancyStatus::Breastfeeding) => "breastfeeding",
                    Some(PregnancyStatus::NotOfChildbearingPotential) => {
                        "not_of_childbearing_potential"
                    }
                    None => "",
                }
                .into(),
                location: p
                    .location
                    .as_ref()
                    .map(|l| {
                        [l.city.as_deref(), l.country.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                note: p.note.clone().unwrap_or_default(),
                other_labs: String::new(),
            };
        let mut other = Vec::new();
        for lab in &p.labs {
            let slot = KEY_LABS.iter().position(|k| {
                same_name(&lab.name, k.name)
                    && if k.unit == "x ULN" {
                        lab.times_uln.is_some() && lab.value.is_none()
                    } else {
                        lab.times_uln.is_none()
                            && lab.value.is_some()
                            && lab.unit.as_deref().is_none_or(|u| same_unit(u, k.unit))
                    }
            });
            match slot {
                Some(i) if form.key_labs[i].is_empty() => {
                    form.key_labs[i] = fmt_num(lab.times_uln.or(lab.value).unwrap_or_default());
                }
                _ => other.push(lab_line(lab)),
            }
        }
        form.other_labs = other.join("\n");
        form
    }

    /// The profile the form describes, or every field's problem.
    pub fn to_profile(&self) -> Result<PatientProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err =
            |field: &'static str, message: String| errors.push(FieldError { field, message });
        let mut p = PatientProfile::default();

        for (field, label, value, max) in [
            ("age", "Age", &self.age, MAX_LINE_CHARS),
            ("stage", "Stage", &self.stage, MAX_LINE_CHARS),
            ("ecog", "ECOG", &self.ecog, MAX_LINE_CHARS),
            ("karnofsky", "Karnofsky", &self.karnofsky, MAX_LINE_CHARS),
            ("location", "Location", &self.location, MAX_LINE_CHARS),
            ("conditions", "Conditions", &self.conditions, MAX_LIST_CHARS),
            (
                "other_labs",
                "Other lab results",
                &self.other_labs,
                MAX_LIST_CHARS,
            ),
            (
                "prior_therapies",
                "Prior treatments",
                &self.prior_therapies,
                MAX_LIST_CHARS,
            ),
            (
                "transplants",
                "Transplants",
                &self.transplants,
                MAX_LIST_CHARS,
            ),
            ("biomarkers", "Biomarkers", &self.biomarkers, MAX_LIST_CHARS),
            (
                "infections",
                "Infections and serologies",
                &self.infections,
                MAX_LIST_CHARS,
            ),
            (
                "medications",
                "Current medications",
                &self.medications,
                MAX_LIST_CHARS,
            ),
            ("findings", "Other findings", &self.findings, MAX_LIST_CHARS),
            ("note", "Note", &self.note, MAX_NOTE_CHARS),
        ] {
            let n = value.chars().count();
            if n > max {
                err(
                    field,
                    format!("{label} is too long ({n} characters; at most {max})."),
                );
            } else if max == MAX_LIST_CHARS && value.lines().count() > MAX_LIST_LINES {
                err(
                    field,
                    format!("{label} has too many lines (at most {MAX_LIST_LINES})."),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut err =
            |field: &'static str, message: String| errors.push(FieldError { field, message });
        p.age_years = match number(&self.age) {
            Ok(None) => None,
            Ok(Some(a)) if (0.0..=130.0).contains(&a) => Some(a),
            _ => {
                err(
                    "age",
                    format!(
                        "Age: “{}” is not an age in years (0–130).",
                        truncate(self.age.trim(), 40)
                    ),
                );
                None
            }
        };
        p.sex = match self.sex.trim() {
            "" => None,
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            _ => {
                err("sex", "Sex: choose female, male or not stated.".into());
                None
            }
        };
        for line in list(&self.conditions) {
            p.diagnoses.push(Diagnosis {
                text: line.to_string(),
                stage: None,
                resolved: false,
            });
        }
        let stage = self.stage.trim();
        p.disease_state = DiseaseState {
            stage: (!stage.is_empty()).then(|| stage.to_string()),
            metastatic: read_tri(&self.metastatic, "metastatic", &mut err),
            relapsed: read_tri(&self.relapsed, "relapsed", &mut err),
            refractory: read_tri(&self.refractory, "refractory", &mut err),
            newly_diagnosed: read_tri(&self.newly_diagnosed, "newly_diagnosed", &mut err),
            // Facts the form does not ask keep what the profile already had (a note's extraction).
            ..std::mem::take(&mut p.disease_state)
        };
        p.ecog = match number(&self.ecog) {
            Ok(None) => None,
            Ok(Some(e)) if (0.0..=5.0).contains(&e) && e.fract() == 0.0 => Some(e as u8),
            _ => {
                err(
                    "ecog",
                    "ECOG: choose a performance status from 0 to 5.".into(),
                );
                None
            }
        };
        p.karnofsky = match number(&self.karnofsky) {
            Ok(None) => None,
            Ok(Some(k)) if (0.0..=100.0).contains(&k) && k.fract() == 0.0 => Some(k as u8),
            _ => {
                err(
                    "karnofsky",
                    format!(
                        "Karnofsky: “{}” is not a score from 0 to 100.",
                        truncate(self.karnofsky.trim(), 40)
                    ),
                );
                None
            }
        };
        for (i, lab) in KEY_LABS.iter().enumerate() {
            let raw = self.key_lab(i);
            if raw.chars().count() > MAX_LINE_CHARS {
                err(lab.field, format!("{}: too long.", lab.label));
                continue;
            }
            match number(raw) {
                Ok(None) => {}
                Ok(Some(v)) if v >= 0.0 => p.labs.push(if lab.unit == "x ULN" {
                    LabValue {
                        name: lab.name.into(),
                        value: None,
                        unit: None,
                        times_uln: Some(v),
                    }
                } else {
                    LabValue {
                        name: lab.name.into(),
                        value: Some(v),
                        unit: Some(lab.unit.into()),
                        times_uln: None,
                    }
                }),
                _ => err(
                    lab.field,
                    format!(
                        "{}: “{}” is not a number.",
                        lab.label,
                        truncate(raw.trim(), 40)
                    ),
                ),
            }
        }
        for line in list(&self.other_labs) {
            match parse_lab(line) {
                Some(lab) => p.labs.push(lab),
                None => err(
                    "other_labs",
                    format!(
                        "Other lab results: “{}” needs a name and a value, like “albumin 3.2 g/dL”.",
                        truncate(line, 60)
                    ),
                ),
            }
        }
        for line in list(&self.prior_therapies) {
            let (name, received) = match strip_negation(line) {
                Some(rest) => (rest, false),
                None => (line, true),
            };
            p.prior_therapies.push(PriorTherapy {
                name: name.to_string(),
                line: None,
                response: None,
                ongoing: false,
                received,
            });
        }
        for line in list(&self.transplants) {
            p.transplants.push(Transplant {
                kind: line.to_string(),
                date: None,
            });
        }
        for line in list(&self.biomarkers) {
            p.biomarkers.push(parse_biomarker(line));
        }
        for line in list(&self.infections) {
            let (name, status) = split_status(line);
            p.infections.push(Serology {
                name: name.to_string(),
                status: status.unwrap_or(MarkerStatus::Positive),
            });
        }
        p.medications = list(&self.medications).map(str::to_string).collect();
        for line in list(&self.findings) {
            p.findings.push(match strip_negation(line) {
                Some(rest) => Finding {
                    text: rest.to_string(),
                    present: false,
                },
                None => Finding {
                    text: line.to_string(),
                    present: true,
                },
            });
        }
        p.pregnancy = match self.pregnancy.trim() {
            "" => None,
            "pregnant" => Some(PregnancyStatus::Pregnant),
            "not_pregnant" => Some(PregnancyStatus::NotPregnant),
            "breastfeeding" => Some(PregnancyStatus::Breastfeeding),
            "not_of_childbearing_potential" => Some(PregnancyStatus::NotOfChildbearingPotential),
            _ => {
                err(
                    "pregnancy",
                    "Pregnancy: choose one of the listed answers.".into(),
                );
                None
            }
        };
        let location = self.location.trim();
        if !location.is_empty() {
            p.location = Some(super::location::location_from_text(location));
        }
        let note = self.note.trim();
        p.note = (!note.is_empty()).then(|| note.to_string());
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn lines(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("\n")
}

/// Non-empty trimmed lines.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn tri(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

fn read_tri(
    v: &str,
    field: &'static str,
    err: &mut impl FnMut(&'static str, String),
) -> Option<bool> {
    match v.trim() {
        "" => None,
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            err(field, "Disease state: choose yes, no or not known.".into());
            None
        }
    }
}

/// An optional number: empty is `None`; a decimal comma is accepted.
fn number(text: &str) -> Result<Option<f64>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or(())
}

fn status_word(s: MarkerStatus) -> &'static str {
    match s {
        MarkerStatus::Positive => "positive",
        MarkerStatus::Negative => "negative",
        MarkerStatus::Equivocal => "equivocal",
    }
}

/// "HIV negative" → ("HIV", negative); "hepatitis B" → ("hepatitis B", none).
fn split_status(line: &str) -> (&str, Option<MarkerStatus>) {
    let lower = line.to_lowercase();
    for (word, status) in [
        ("positive", MarkerStatus::Positive),
        ("negative", MarkerStatus::Negative),
        ("equivocal", MarkerStatus::Equivocal),
        ("+", MarkerStatus::Positive),
        ("-", MarkerStatus::Negative),
    ] {
        if lower.ends_with(word) && line.is_char_boundary(line.len() - word.len()) {
            let name = line[..line.len() - word.len()]
                .trim_end_matches([' ', ':'])
                .trim();
            if !name.is_empty() {
                return (name, Some(status));
            }
        }
    }
    (line, None)
}

fn parse_biomarker(line: &str) -> Biomarker {
    let (rest, status) = split_status(line);
    // A trailing measurement: "PD-L1 50 %", "Ki-67 20%".
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    if let Some(i) = tokens
        .iter()
        .position(|t| leading_number(t).is_some())
        .filter(|&i| i > 0)
    {
        let (value, attached) = leading_number(tokens[i]).unwrap();
        let mut unit = attached.to_string();
        for t in &tokens[i + 1..] {
            unit.push_str(t);
        }
        return Biomarker {
            name: tokens[..i].join(" "),
            status,
            value: Some(value),
            unit: (!unit.is_empty()).then_some(unit),
        };
    }
    Biomarker {
        name: rest.to_string(),
        status,
        value: None,
        unit: None,
    }
}

/// A number at the start of a token and what follows it: "2.5×ULN" → (2.5, "×ULN").
fn leading_number(token: &str) -> Option<(f64, &str)> {
    let end = token
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(token.len());
    let value: f64 = token[..end].parse().ok()?;
    value.is_finite().then_some((value, &token[end..]))
}

/// A lab result from a number and the unit it was given in: "× ULN" spellings make it a multiple
/// of the upper limit of normal, anything else an absolute value in that unit.
pub(super) fn lab_value(name: String, value: f64, unit: Option<String>) -> LabValue {
    if unit.as_deref().is_some_and(is_uln) {
        LabValue {
            name,
            value: None,
            unit: None,
            times_uln: Some(value),
        }
    } else {
        LabValue {
            name,
            value: Some(value),
            unit,
            times_uln: None,
        }
    }
}

fn is_uln(unit: &str) -> bool {
    let u: String = unit
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    matches!(u.as_str(), "xuln" | "×uln" | "*uln" | "uln" | "timesuln")
}

/// "albumin 3.2 g/dL", "ALT: 2.5 x ULN", "platelets 90 x10^9/L".
fn parse_lab(line: &str) -> Option<LabValue> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let i = tokens
        .iter()
        .position(|t| leading_number(t).is_some())
        .filter(|&i| i > 0)?;
    let name = tokens[..i]
        .join(" ")
        .trim_end_matches([':', '='])
        .trim()
        .to_string();
    if name.is_empty() {
        return None;
    }
    let (value, attached) = leading_number(tokens[i])?;
    let unit = std::iter::once(attached)
        .chain(tokens[i + 1..].iter().copied())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Some(lab_value(name, value, (!unit.is_empty()).then_some(unit)))
}

fn lab_line(lab: &LabValue) -> String {
    match (lab.value, lab.times_uln) {
        (Some(v), _) => match &lab.unit {
            Some(u) => format!("{} {} {u}", lab.name, fmt_num(v)),
            None => format!("{} {}", lab.name, fmt_num(v)),
        },
        (None, Some(x)) => format!("{} {} x ULN", lab.name, fmt_num(x)),
        (None, None) => lab.name.clone(),
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b)
}

fn same_unit(a: &str, b: &str) -> bool {
    let key = |u: &str| {
        u.to_lowercase()
            .replace(['×', '*'], "x")
            .replace(' ', "")
            .trim_start_matches('x')
            .to_string()
    };
    key(a) == key(b)
}

/// "no chemotherapy", "denies smoking", "never smoked" → the rest; otherwise `None`.
fn strip_negation(line: &str) -> Option<&str> {
    let lower = line.to_lowercase();
    for prefix in [
        "no history of ",
        "no prior ",
        "no ",
        "not ",
        "denies ",
        "without ",
    ] {
        if lower.starts_with(prefix) && line.is_char_boundary(prefix.len()) {
            let rest = line[prefix.len()..].trim();
            if !rest.is_empty() {
                return Some(rest);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> ProfileForm {
        let mut f = ProfileForm {
            age: "58".into(),
            sex: "female".into(),
            conditions: "HER2-positive breast cancer\n\n  type 2 diabetes ".into(),
            stage: "IV".into(),
            metastatic: "yes".into(),
            ecog: "1".into(),
            key_labs: vec![String::new(); KEY_LABS.len()],
            other_labs: "albumin 3.2 g/dL\nGGT 3x ULN".into(),
            prior_therapies: "trastuzumab\nno chemotherapy".into(),
            biomarkers: "HER2 positive\nPD-L1 50 %".into(),
            infections: "HIV negative".into(),
            findings: "no smoking\nfatigue".into(),
            pregnancy: "not_pregnant".into(),
            location: "Boston, MA, USA".into(),
            ..Default::default()
        };
        f.key_labs[0] = "11,5".into();
        f.key_labs[5] = "2".into();
        f
    }

    #[test]
    fn reads_lists_negations_labs_and_markers() {
        let p = filled().to_profile().unwrap();
        assert_eq!(p.age_years, Some(58.0));
        assert_eq!(p.sex, Some(Sex::Female));
        assert_eq!(p.diagnoses.len(), 2);
        assert_eq!(p.diagnoses[1].text, "type 2 diabetes");
        assert_eq!(p.disease_state.metastatic, Some(true));
        assert_eq!(p.disease_state.relapsed, None);
        let hb = p.labs.iter().find(|l| l.name == "hemoglobin").unwrap();
        assert_eq!((hb.value, hb.unit.as_deref()), (Some(11.5), Some("g/dL")));
        assert_eq!(
            p.labs.iter().find(|l| l.name == "ALT").unwrap().times_uln,
            Some(2.0)
        );
        assert_eq!(
            p.labs.iter().find(|l| l.name == "GGT").unwrap().times_uln,
            Some(3.0)
        );
        assert_eq!(
            p.labs
                .iter()
                .find(|l| l.name == "albumin")
                .unwrap()
                .unit
                .as_deref(),
            Some("g/dL")
        );
        assert!(
            p.prior_therapies
                .iter()
                .any(|t| t.name == "chemotherapy" && !t.received)
        );
        assert!(
            p.prior_therapies
                .iter()
                .any(|t| t.name == "trastuzumab" && t.received)
        );
        let pdl1 = p.biomarkers.iter().find(|b| b.name == "PD-L1").unwrap();
        assert_eq!((pdl1.value, pdl1.unit.as_deref()), (Some(50.0), Some("%")));
        assert_eq!(p.biomarkers[0].status, Some(MarkerStatus::Positive));
        assert_eq!(p.infections[0].status, MarkerStatus::Negative);
        assert!(p.findings.iter().any(|f| f.text == "smoking" && !f.present));
        let loc = p.location.unwrap();
        assert_eq!(
            (loc.city.as_deref(), loc.country.as_deref()),
            (Some("Boston, MA"), Some("USA"))
        );
    }

    #[test]
    fn a_profile_survives_the_form() {
        let p = filled().to_profile().unwrap();
        let again = ProfileForm::from_profile(&p).to_profile().unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn bad_values_and_long_fields_are_reported_by_field() {
        let f = ProfileForm {
            age: "old".into(),
            ecog: "9".into(),
            sex: "<script>".into(),
            ..Default::default()
        };
        let errors = f.to_profile().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["age", "sex", "ecog"]);
        let f = ProfileForm {
            conditions: "x".repeat(MAX_LIST_CHARS + 1),
            ..Default::default()
        };
        assert!(f.to_profile().unwrap_err()[0].message.contains("too long"));
        let f = ProfileForm {
            findings: "a\n".repeat(MAX_LIST_LINES + 1),
            ..Default::default()
        };
        assert!(
            f.to_profile().unwrap_err()[0]
                .message
                .contains("too many lines")
        );
        let f = ProfileForm {
            other_labs: "just words".into(),
            ..Default::default()
        };
        assert_eq!(f.to_profile().unwrap_err()[0].field, "other_labs");
    }
}
