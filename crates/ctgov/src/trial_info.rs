//! The flat "trial_info" layout of the patient-to-trial benchmarks (TrialGPT and its
//! descendants), mapped onto the API v2 model.
//!
//! The layout is loose: ages come as `"18 Years"` or as a bare number of years (`"18.0"`,
//! `"0.0027"`), sex as `ALL`/`A`/`FEMALE`/`F`/..., phases as `PHASE2` or `"Phase 1; Phase 2"`.
//! An empty string means "the source did not give it", never "no restriction", so it maps
//! to an absent field.
//!
//! The same reader takes the team's normalized trial file (`trials_normalized.jsonl.gz`), a
//! superset of the layout: `nct_id` for `nctid`, `conditions` for `condition`, `phase` as a
//! string, a list or `{}`, an `official_title`, `healthy_volunteers`, criteria given as
//! separate `inclusion_criteria` / `exclusion_criteria` parts.

use serde::{Deserialize, Deserializer};

use crate::{
    Age, AgeUnit, ArmsInterventionsModule, ConditionsModule, DescriptionModule, DesignModule,
    EligibilityModule, IdentificationModule, Intervention, ProtocolSection, RecordError,
    StatusModule, Study,
};

/// One record of a benchmark `trials.jsonl`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TrialInfo {
    #[serde(alias = "nct_id")]
    pub nctid: String,
    pub title: String,
    pub official_title: String,
    pub brief_summary: String,
    pub raw_criteria: String,
    /// The inclusion part alone, used when `raw_criteria` is empty.
    pub inclusion_criteria: String,
    /// The exclusion part alone, used when `raw_criteria` is empty.
    pub exclusion_criteria: String,
    pub minimum_age: String,
    pub maximum_age: String,
    pub sex: String,
    #[serde(alias = "conditions", deserialize_with = "loose_list")]
    pub condition: Vec<String>,
    #[serde(deserialize_with = "loose_list")]
    pub interventions: Vec<String>,
    pub overall_status: String,
    #[serde(alias = "phase", deserialize_with = "loose_list")]
    pub phases: Vec<String>,
    pub study_type: String,
    pub healthy_volunteers: Option<bool>,
}

/// A list of strings that a source may also give as one string, `null` or `{}`.
fn loose_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    use serde_json::Value;
    Ok(match Value::deserialize(d)? {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// The criteria text of a record whose inclusion and exclusion parts come separately: each
/// part under its heading (kept when the part already starts with it; a bare leading ":" is
/// dropped), inclusion first. Empty parts are left out.
pub fn join_criteria_parts(inclusion: &str, exclusion: &str) -> String {
    let part = |text: &str, heading: &str| {
        let text = text.trim();
        if text.is_empty() {
            String::new()
        } else if text
            .to_lowercase()
            .starts_with(&heading.to_lowercase()[..9])
        {
            text.to_string()
        } else {
            format!("{heading}\n{}", text.trim_start_matches(':').trim())
        }
    };
    let inclusion = part(inclusion, "Inclusion Criteria:");
    let exclusion = part(exclusion, "Exclusion Criteria:");
    match (inclusion.is_empty(), exclusion.is_empty()) {
        (false, false) => format!("{inclusion}\n\n{exclusion}"),
        (true, _) => exclusion,
        (_, true) => inclusion,
    }
}

impl TrialInfo {
    /// Maps the record onto the API v2 model, normalizing the layout's spellings.
    pub fn into_study(self) -> Result<Study, RecordError> {
        let non_empty = |s: String| {
            let t = s.trim();
            if t.is_empty() {
                None
            } else {
                Some(t.to_string())
            }
        };
        let minimum_age = normalize_age("minimum_age", &self.minimum_age)?;
        let maximum_age = normalize_age("maximum_age", &self.maximum_age)?;
        let sex = match self.sex.trim().to_ascii_uppercase().as_str() {
            "" => None,
            "A" | "ALL" | "BOTH" => Some("ALL".to_string()),
            "F" | "FEMALE" => Some("FEMALE".to_string()),
            "M" | "MALE" => Some("MALE".to_string()),
            other => {
                return Err(RecordError::Shape(format!(
                    "sex '{other}' is not one of ALL, FEMALE, MALE"
                )));
            }
        };
        let phases = self
            .phases
            .iter()
            .flat_map(|p| p.split(';'))
            .filter_map(normalize_phase)
            .collect::<Vec<_>>();
        let study_type = non_empty(self.study_type.to_ascii_uppercase());
        let design_module = (!phases.is_empty() || study_type.is_some()).then(|| DesignModule {
            study_type,
            phases,
            ..Default::default()
        });
        let criteria = if self.raw_criteria.trim().is_empty() {
            join_criteria_parts(&self.inclusion_criteria, &self.exclusion_criteria)
        } else {
            self.raw_criteria
        };
        let interventions: Vec<Intervention> = self
            .interventions
            .into_iter()
            .filter(|i| !i.trim().is_empty())
            .map(|name| Intervention {
                name: name.trim().to_string(),
                ..Default::default()
            })
            .collect();
        Ok(Study {
            protocol_section: ProtocolSection {
                identification_module: IdentificationModule {
                    nct_id: self.nctid.trim().to_string(),
                    brief_title: self.title.trim().to_string(),
                    official_title: non_empty(self.official_title),
                    ..Default::default()
                },
                status_module: StatusModule {
                    overall_status: self.overall_status.trim().to_ascii_uppercase(),
                    ..Default::default()
                },
                description_module: non_empty(self.brief_summary).map(|s| DescriptionModule {
                    brief_summary: Some(s),
                    detailed_description: None,
                }),
                conditions_module: (!self.condition.is_empty()).then(|| ConditionsModule {
                    conditions: self
                        .condition
                        .into_iter()
                        .filter(|c| !c.trim().is_empty())
                        .collect(),
                    keywords: Vec::new(),
                }),
                design_module,
                arms_interventions_module: (!interventions.is_empty()).then(|| {
                    ArmsInterventionsModule {
                        arm_groups: Vec::new(),
                        interventions,
                    }
                }),
                eligibility_module: Some(EligibilityModule {
                    eligibility_criteria: non_empty(criteria),
                    healthy_volunteers: self.healthy_volunteers,
                    sex,
                    minimum_age,
                    maximum_age,
                    ..Default::default()
                }),
                ..Default::default()
            },
            derived_section: None,
            has_results: None,
        })
    }
}

/// `"18 Years"` stays; a bare number is years (`"0.0027397"` is one day); `"N/A"` is no bound.
fn normalize_age(field: &'static str, s: &str) -> Result<Option<String>, RecordError> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("n/a") || t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    if let Ok(years) = t.parse::<f64>() {
        if !years.is_finite() || years < 0.0 {
            return Err(RecordError::BadAge {
                field,
                value: t.to_string(),
            });
        }
        let age = if years >= 1.0 || years == 0.0 {
            Age {
                value: (years * 100.0).round() / 100.0,
                unit: AgeUnit::Years,
            }
        } else if years * 12.0 >= 1.0 {
            Age {
                value: (years * 12.0).round(),
                unit: AgeUnit::Months,
            }
        } else {
            Age {
                value: (years * 365.25).round().max(1.0),
                unit: AgeUnit::Days,
            }
        };
        return Ok(Some(age.to_string()));
    }
    Age::parse(t)
        .map(|a| Some(a.to_string()))
        .ok_or_else(|| RecordError::BadAge {
            field,
            value: t.to_string(),
        })
}

/// `"Phase 1"`, `"PHASE1"`, `"phase 2/3"` -> registry codes; `"N/A"`, `"NA"` -> `NA`.
fn normalize_phase(p: &str) -> Option<String> {
    let t = p.trim().to_ascii_uppercase().replace(' ', "");
    if t.is_empty() {
        return None;
    }
    if t == "NA" || t == "N/A" {
        return Some("NA".into());
    }
    if t == "EARLYPHASE1" || t == "EARLY_PHASE1" || t == "PHASE0" {
        return Some("EARLY_PHASE1".into());
    }
    Some(t)
}

#[cfg(test)]
mod tests {

    use crate::Record;

    #[test]
    fn maps_the_loose_layout() {
        let line = r#"{"nctid": "NCT00004205", "title": "Letrozole or Tamoxifen", "brief_summary": "RATIONALE: ...",
            "raw_criteria": "Inclusion Criteria:\n* women", "minimum_age": "0.0027397260273972603", "maximum_age": "75.0",
            "sex": "F", "condition": ["Breast Cancer"], "interventions": [], "overall_status": "",
            "phases": ["Phase 2; Phase 3"], "study_type": ""}"#;
        let r = Record::from_trial_info(line).unwrap();
        let s = &r.study;
        assert_eq!(s.nct_id(), "NCT00004205");
        assert_eq!(s.sex(), Some("FEMALE"));
        assert_eq!(s.minimum_age().unwrap().unwrap().to_string(), "1 Days");
        assert_eq!(s.maximum_age().unwrap().unwrap().in_years(), 75.0);
        assert_eq!(s.phases(), ["PHASE2", "PHASE3"]);
        assert_eq!(s.conditions(), ["Breast Cancer"]);
        assert_eq!(
            s.eligibility_criteria(),
            Some("Inclusion Criteria:\n* women")
        );
        assert_eq!(s.study_type(), None);
    }

    #[test]
    fn reads_the_normalized_files_variant() {
        let line = r#"{"nct_id": "NCT00000002", "title": "T", "official_title": "The Official T",
            "conditions": ["Asthma"], "phase": "Phase 2", "healthy_volunteers": true,
            "raw_criteria": "", "inclusion_criteria": "Adults", "exclusion_criteria": ": Smokers"}"#;
        let s = Record::from_trial_info(line).unwrap().study;
        assert_eq!(s.nct_id(), "NCT00000002");
        assert_eq!(s.conditions(), ["Asthma"]);
        assert_eq!(s.phases(), ["PHASE2"]);
        assert_eq!(
            s.eligibility_criteria(),
            Some("Inclusion Criteria:\nAdults\n\nExclusion Criteria:\nSmokers")
        );
        let id = &s.protocol_section.identification_module;
        assert_eq!(id.official_title.as_deref(), Some("The Official T"));
        let elig = s.protocol_section.eligibility_module.as_ref().unwrap();
        assert_eq!(elig.healthy_volunteers, Some(true));
        // "phase" may be a list, or an empty object meaning none.
        let listed = r#"{"nct_id": "NCT00000003", "phase": ["PHASE1", "PHASE2"]}"#;
        assert_eq!(
            Record::from_trial_info(listed).unwrap().study.phases(),
            ["PHASE1", "PHASE2"]
        );
        let none = r#"{"nct_id": "NCT00000004", "phase": {}, "exclusion_criteria": "Exclusion Criteria: Smokers"}"#;
        let s = Record::from_trial_info(none).unwrap().study;
        assert!(s.phases().is_empty());
        // A part that already has its heading keeps it; raw criteria win over parts.
        assert_eq!(
            s.eligibility_criteria(),
            Some("Exclusion Criteria: Smokers")
        );
        let raw =
            r#"{"nct_id": "NCT00000005", "raw_criteria": "Raw", "inclusion_criteria": "Part"}"#;
        assert_eq!(
            Record::from_trial_info(raw)
                .unwrap()
                .study
                .eligibility_criteria(),
            Some("Raw")
        );
    }

    #[test]
    fn empty_fields_mean_unknown_and_bad_ones_are_named() {
        let line = r#"{"nctid": "NCT00000001", "title": "T", "minimum_age": "", "sex": ""}"#;
        let s = Record::from_trial_info(line).unwrap().study;
        assert_eq!(s.minimum_age().unwrap(), None);
        assert_eq!(s.sex(), None);
        let bad = r#"{"nctid": "NCT00000001", "title": "T", "minimum_age": "old"}"#;
        assert_eq!(
            Record::from_trial_info(bad).unwrap_err().to_string(),
            "minimum_age 'old' is not an age (expected e.g. '18 Years', '6 Months')"
        );
    }
}
