//! The typed view of a ClinicalTrials.gov API v2 study.
//!
//! Field names follow the registry's JSON exactly (camelCase), so `serde` maps them one to one.
//! Enumerations the registry may extend (status, phase, study type, ...) are kept as `String`:
//! a new registry value must never make a record unreadable. Helpers such as
//! [`status_label`] turn the codes into words for people.
//!
//! Unknown fields are ignored by the typed view; the raw JSON is always stored beside it, so
//! nothing the registry sent is lost.

use serde::{Deserialize, Serialize};

/// One study as the API v2 returns it from `/studies/{nctId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Study {
    #[serde(default)]
    pub protocol_section: ProtocolSection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_section: Option<DerivedSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_results: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolSection {
    #[serde(default)]
    pub identification_module: IdentificationModule,
    #[serde(default)]
    pub status_module: StatusModule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor_collaborators_module: Option<SponsorCollaboratorsModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_module: Option<DescriptionModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions_module: Option<ConditionsModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_module: Option<DesignModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arms_interventions_module: Option<ArmsInterventionsModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes_module: Option<OutcomesModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_module: Option<EligibilityModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts_locations_module: Option<ContactsLocationsModule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentificationModule {
    #[serde(default)]
    pub nct_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_study_id_info: Option<OrgStudyIdInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(default)]
    pub brief_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgStudyIdInfo {
    #[serde(default)]
    pub id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    #[serde(default)]
    pub full_name: String,
    #[serde(default, rename = "class", skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

/// A date as the registry gives it: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, and whether it already
/// happened (`ACTUAL`) or is planned (`ESTIMATED`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateStruct {
    #[serde(default)]
    pub date: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl DateStruct {
    /// True when the registry marks the date as already reached.
    pub fn is_actual(&self) -> bool {
        self.kind.as_deref() == Some("ACTUAL")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_verified_date: Option<String>,
    #[serde(default)]
    pub overall_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_known_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_stopped: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_struct: Option<DateStruct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_completion_date_struct: Option<DateStruct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_date_struct: Option<DateStruct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study_first_submit_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study_first_post_date_struct: Option<DateStruct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_submit_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_post_date_struct: Option<DateStruct>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SponsorCollaboratorsModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_party: Option<ResponsibleParty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_sponsor: Option<Sponsor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collaborators: Vec<Sponsor>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponsibleParty {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigator_full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigator_affiliation: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sponsor {
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "class", skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescriptionModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brief_summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detailed_description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionsModule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesignModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_info: Option<DesignInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_info: Option<EnrollmentInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesignInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masking_info: Option<MaskingInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskingInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masking: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmsInterventionsModule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arm_groups: Vec<ArmGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interventions: Vec<Intervention>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmGroup {
    #[serde(default)]
    pub label: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intervention_names: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intervention {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arm_group_labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomesModule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_outcomes: Vec<Outcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondary_outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    #[serde(default)]
    pub measure: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_frame: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_criteria: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_volunteers: Option<bool>,
    /// `ALL`, `FEMALE` or `MALE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender_based: Option<bool>,
    /// As the registry writes it, e.g. `18 Years`; see [`crate::Age`] for the parsed form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<String>,
    /// `CHILD`, `ADULT`, `OLDER_ADULT`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub std_ages: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactsLocationsModule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub central_contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overall_officials: Vec<Official>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_ext: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Official {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// One trial site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// Site recruitment status, e.g. `RECRUITING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_point: Option<GeoPoint>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// The mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Kilometres in a statute mile.
pub const KM_PER_MILE: f64 = 1.609344;

/// Great-circle distance in kilometres between two points given in degrees (haversine). The
/// search's distance filter and the matcher's nearest site both use it, so a trial the search
/// finds within 50 km of a place is within 50 km in a match too.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DerivedSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub misc_info_module: Option<MiscInfoModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_browse_module: Option<BrowseModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention_browse_module: Option<BrowseModule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MiscInfoModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_holder: Option<String>,
}

/// MeSH terms the registry derived for conditions or interventions, with their ancestors in
/// the MeSH tree (so "T-cell lymphoma" also carries "Lymphoma" and "Neoplasms").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowseModule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meshes: Vec<MeshTerm>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<MeshTerm>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeshTerm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub term: String,
}

/// Words for an overall or site status code (`RECRUITING` -> "Recruiting").
pub fn status_label(code: &str) -> String {
    match code {
        "ACTIVE_NOT_RECRUITING" => "Active, not recruiting".into(),
        "ENROLLING_BY_INVITATION" => "Enrolling by invitation".into(),
        "NOT_YET_RECRUITING" => "Not yet recruiting".into(),
        "APPROVED_FOR_MARKETING" => "Approved for marketing".into(),
        "NO_LONGER_AVAILABLE" => "No longer available".into(),
        "TEMPORARILY_NOT_AVAILABLE" => "Temporarily not available".into(),
        "UNKNOWN" => "Unknown status".into(),
        other => code_label(other),
    }
}

/// Words for a phase code (`PHASE1` -> "Phase 1", `EARLY_PHASE1` -> "Early phase 1").
pub fn phase_label(code: &str) -> String {
    match code {
        "EARLY_PHASE1" => "Early phase 1".into(),
        "NA" => "Not applicable".into(),
        _ => match code.strip_prefix("PHASE") {
            Some(n) => format!("Phase {n}"),
            None => code_label(code),
        },
    }
}

/// Generic words for an upper-snake-case registry code: `OLDER_ADULT` -> "Older adult".
pub fn code_label(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
