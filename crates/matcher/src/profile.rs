//! The patient profile: what the matcher knows about a patient.
//!
//! Every field is optional or a list, because a profile is usually partial: a missing fact makes a
//! criterion *unknown*, never *not met*. The JSON form is documented by
//! `crates/matcher/patient-profile.schema.json`, generated from these types
//! ([`PatientProfile::json_schema`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A patient as the matcher sees them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PatientProfile {
    /// Age in years (may be fractional for infants). Use `birth_date` instead when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_years: Option<f64>,
    /// Birth date, `YYYY-MM-DD`; the age is then computed on the matching date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Diagnoses, free text ("HER2-positive breast cancer", "T2DM").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<Diagnosis>,
    #[serde(skip_serializing_if = "DiseaseState::is_empty")]
    pub disease_state: DiseaseState,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub biomarkers: Vec<Biomarker>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labs: Vec<LabValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecog: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub karnofsky: Option<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prior_therapies: Vec<PriorTherapy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transplants: Vec<Transplant>,
    /// Infections and serologies (HIV, hepatitis B/C, ...), positive or negative.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub infections: Vec<Serology>,
    /// Current medications, free text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub medications: Vec<String>,
    /// Other findings, symptoms or history items, present or explicitly absent ("denies smoking").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pregnancy: Option<PregnancyStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Life expectancy in months as the patient's doctor estimates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub life_expectancy_months: Option<f64>,
    /// True when the doctor says heart, liver, kidney and bone-marrow function (blood counts)
    /// are adequate for treatment; false when one of them is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adequate_organ_function: Option<bool>,
    /// Known allergies (drugs, drug classes, substances). An empty list means "no known
    /// allergies"; leave the field out when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergies: Option<Vec<String>>,
    /// Whether the patient has ever had a stem-cell or organ transplant (false: never). The
    /// `transplants` list gives the kinds when they have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub had_transplant: Option<bool>,
    /// Whether the patient has an active infection now (false: none). Named infections and
    /// serologies go in `infections`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_infection: Option<bool>,
    /// Free-text description of the patient (a clinical note). Used for topical relevance after
    /// negated phrases are removed; structured fields above take precedence for eligibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// One diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// As the user or the note says it.
    pub text: String,
    /// Stage, if staged ("IIIA", "4").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// True for a past condition that is resolved (history only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolved: bool,
}

/// Where the disease stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DiseaseState {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relapsed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refractory: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metastatic: Option<bool>,
    /// Overall stage ("IV", "IIIB", "limited").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// True when newly diagnosed and untreated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newly_diagnosed: Option<bool>,
    /// True when scans show disease that can be measured (e.g. by RECIST), false when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurable: Option<bool>,
}

impl DiseaseState {
    pub fn is_empty(&self) -> bool {
        *self == DiseaseState::default()
    }
}

/// A marker result: positive/negative, and a value when measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Biomarker {
    /// "HER2", "EGFR L858R", "PD-L1".
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MarkerStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarkerStatus {
    Positive,
    Negative,
    Equivocal,
}

/// A laboratory value, either with a unit or as a multiple of the upper limit of normal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabValue {
    /// "hemoglobin", "ALT", "creatinine clearance".
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// "g/dL", "mg/dL", "x10^9/L", "mL/min", "%".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Value as a multiple of the upper limit of normal ("2.5 × ULN").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times_uln: Option<f64>,
}

/// A treatment the patient has had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorTherapy {
    /// Drug, regimen or procedure ("trastuzumab", "FOLFOX", "radiotherapy", "mastectomy").
    pub name: String,
    /// Line of therapy (1 = first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<TherapyResponse>,
    /// Still being given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ongoing: bool,
    /// False when the patient explicitly did NOT have it ("prior chemotherapy: no").
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub received: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TherapyResponse {
    CompleteResponse,
    PartialResponse,
    StableDisease,
    ProgressiveDisease,
    Intolerant,
}

/// A transplant the patient has had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transplant {
    /// "allogeneic stem cell", "autologous stem cell", "kidney", "liver".
    pub kind: String,
    /// `YYYY-MM-DD` or `YYYY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// An infection or serology result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Serology {
    /// "HIV", "hepatitis B", "HBsAg", "hepatitis C".
    pub name: String,
    pub status: MarkerStatus,
}

/// A finding, symptom or history item, present or explicitly absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub text: String,
    /// False for a negated finding ("denies chest pain", "no history of stroke").
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub present: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PregnancyStatus {
    Pregnant,
    NotPregnant,
    Breastfeeding,
    /// Cannot become pregnant (postmenopausal, hysterectomy).
    NotOfChildbearingPotential,
}

/// Where the patient is, for the distance to each trial's nearest site (never for eligibility
/// or ranking). Placed by, in order: `latitude` and `longitude` as given; a US ZIP code in
/// `postal_code`; the `city` (with `country`) looked up in the built-in gazetteer. A location
/// that cannot be placed (an unknown city or ZIP code, a country alone) is an error naming it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Location {
    /// Country name or code ("United States", "France", "FR"); narrows the city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// City, optionally with its US state or region ("Boston, MA", "Zhengzhou").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// A US ZIP code ("02115"); other countries' postal codes are not looked up (give a city).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Degrees north, −90 to 90; give it with `longitude`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Degrees east, −180 to 180; give it with `latitude`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// A calendar date, for computing age from a birth date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
    }
}

impl PatientProfile {
    /// Age in years on `today`: `age_years` if given, else from `birth_date`.
    pub fn age_on(&self, today: Option<Date>) -> Option<f64> {
        if let Some(age) = self.age_years {
            return Some(age);
        }
        let born = Date::parse(self.birth_date.as_deref()?)?;
        let today = today?;
        let mut years = today.year - born.year;
        if (today.month, today.day) < (born.month, born.day) {
            years -= 1;
        }
        (years >= 0).then_some(years as f64)
    }

    /// The JSON Schema of the profile's JSON form.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(PatientProfile)).expect("schema serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_from_birth_date_counts_birthdays() {
        let p = PatientProfile {
            birth_date: Some("1970-06-15".into()),
            ..Default::default()
        };
        let before = Date::parse("2026-06-14");
        let after = Date::parse("2026-06-15");
        assert_eq!(p.age_on(before), Some(55.0));
        assert_eq!(p.age_on(after), Some(56.0));
        assert_eq!(p.age_on(None), None);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<PatientProfile>(r#"{"age": 40}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"));
    }
}
