//! The `fields` projection and the response bodies: JSON in the registry's shape, and CSV.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::index::{SearchHit, SearchPage};
use crate::params::StudiesQuery;

/// Piece names (the registry's short field names) and where they live in a study.
const PIECES: &[(&str, &str)] = &[
    ("NCTId", "protocolSection.identificationModule.nctId"),
    (
        "OrgStudyId",
        "protocolSection.identificationModule.orgStudyIdInfo.id",
    ),
    (
        "SecondaryId",
        "protocolSection.identificationModule.secondaryIdInfos.id",
    ),
    (
        "BriefTitle",
        "protocolSection.identificationModule.briefTitle",
    ),
    (
        "OfficialTitle",
        "protocolSection.identificationModule.officialTitle",
    ),
    ("Acronym", "protocolSection.identificationModule.acronym"),
    (
        "OrgFullName",
        "protocolSection.identificationModule.organization.fullName",
    ),
    (
        "OrgClass",
        "protocolSection.identificationModule.organization.class",
    ),
    (
        "OverallStatus",
        "protocolSection.statusModule.overallStatus",
    ),
    (
        "LastKnownStatus",
        "protocolSection.statusModule.lastKnownStatus",
    ),
    ("WhyStopped", "protocolSection.statusModule.whyStopped"),
    (
        "StatusVerifiedDate",
        "protocolSection.statusModule.statusVerifiedDate",
    ),
    (
        "StartDate",
        "protocolSection.statusModule.startDateStruct.date",
    ),
    (
        "StartDateType",
        "protocolSection.statusModule.startDateStruct.type",
    ),
    (
        "PrimaryCompletionDate",
        "protocolSection.statusModule.primaryCompletionDateStruct.date",
    ),
    (
        "CompletionDate",
        "protocolSection.statusModule.completionDateStruct.date",
    ),
    (
        "StudyFirstSubmitDate",
        "protocolSection.statusModule.studyFirstSubmitDate",
    ),
    (
        "StudyFirstPostDate",
        "protocolSection.statusModule.studyFirstPostDateStruct.date",
    ),
    (
        "LastUpdateSubmitDate",
        "protocolSection.statusModule.lastUpdateSubmitDate",
    ),
    (
        "LastUpdatePostDate",
        "protocolSection.statusModule.lastUpdatePostDateStruct.date",
    ),
    (
        "ResultsFirstPostDate",
        "protocolSection.statusModule.resultsFirstPostDateStruct.date",
    ),
    (
        "LeadSponsorName",
        "protocolSection.sponsorCollaboratorsModule.leadSponsor.name",
    ),
    (
        "LeadSponsorClass",
        "protocolSection.sponsorCollaboratorsModule.leadSponsor.class",
    ),
    (
        "CollaboratorName",
        "protocolSection.sponsorCollaboratorsModule.collaborators.name",
    ),
    (
        "CollaboratorClass",
        "protocolSection.sponsorCollaboratorsModule.collaborators.class",
    ),
    (
        "BriefSummary",
        "protocolSection.descriptionModule.briefSummary",
    ),
    (
        "DetailedDescription",
        "protocolSection.descriptionModule.detailedDescription",
    ),
    ("Condition", "protocolSection.conditionsModule.conditions"),
    ("Keyword", "protocolSection.conditionsModule.keywords"),
    ("StudyType", "protocolSection.designModule.studyType"),
    ("Phase", "protocolSection.designModule.phases"),
    (
        "EnrollmentCount",
        "protocolSection.designModule.enrollmentInfo.count",
    ),
    (
        "EnrollmentType",
        "protocolSection.designModule.enrollmentInfo.type",
    ),
    (
        "DesignAllocation",
        "protocolSection.designModule.designInfo.allocation",
    ),
    (
        "DesignInterventionModel",
        "protocolSection.designModule.designInfo.interventionModel",
    ),
    (
        "DesignPrimaryPurpose",
        "protocolSection.designModule.designInfo.primaryPurpose",
    ),
    (
        "DesignMasking",
        "protocolSection.designModule.designInfo.maskingInfo.masking",
    ),
    (
        "ArmGroupLabel",
        "protocolSection.armsInterventionsModule.armGroups.label",
    ),
    (
        "InterventionType",
        "protocolSection.armsInterventionsModule.interventions.type",
    ),
    (
        "InterventionName",
        "protocolSection.armsInterventionsModule.interventions.name",
    ),
    (
        "InterventionDescription",
        "protocolSection.armsInterventionsModule.interventions.description",
    ),
    (
        "InterventionOtherName",
        "protocolSection.armsInterventionsModule.interventions.otherNames",
    ),
    (
        "PrimaryOutcomeMeasure",
        "protocolSection.outcomesModule.primaryOutcomes.measure",
    ),
    (
        "SecondaryOutcomeMeasure",
        "protocolSection.outcomesModule.secondaryOutcomes.measure",
    ),
    (
        "EligibilityCriteria",
        "protocolSection.eligibilityModule.eligibilityCriteria",
    ),
    (
        "HealthyVolunteers",
        "protocolSection.eligibilityModule.healthyVolunteers",
    ),
    ("Sex", "protocolSection.eligibilityModule.sex"),
    ("MinimumAge", "protocolSection.eligibilityModule.minimumAge"),
    ("MaximumAge", "protocolSection.eligibilityModule.maximumAge"),
    ("StdAge", "protocolSection.eligibilityModule.stdAges"),
    (
        "CentralContactName",
        "protocolSection.contactsLocationsModule.centralContacts.name",
    ),
    (
        "CentralContactPhone",
        "protocolSection.contactsLocationsModule.centralContacts.phone",
    ),
    (
        "CentralContactEMail",
        "protocolSection.contactsLocationsModule.centralContacts.email",
    ),
    (
        "OverallOfficialName",
        "protocolSection.contactsLocationsModule.overallOfficials.name",
    ),
    (
        "LocationFacility",
        "protocolSection.contactsLocationsModule.locations.facility",
    ),
    (
        "LocationStatus",
        "protocolSection.contactsLocationsModule.locations.status",
    ),
    (
        "LocationCity",
        "protocolSection.contactsLocationsModule.locations.city",
    ),
    (
        "LocationState",
        "protocolSection.contactsLocationsModule.locations.state",
    ),
    (
        "LocationZip",
        "protocolSection.contactsLocationsModule.locations.zip",
    ),
    (
        "LocationCountry",
        "protocolSection.contactsLocationsModule.locations.country",
    ),
    (
        "LocationGeoPoint",
        "protocolSection.contactsLocationsModule.locations.geoPoint",
    ),
    (
        "ConditionMeshTerm",
        "derivedSection.conditionBrowseModule.meshes.term",
    ),
    (
        "ConditionMeshId",
        "derivedSection.conditionBrowseModule.meshes.id",
    ),
    (
        "ConditionAncestorTerm",
        "derivedSection.conditionBrowseModule.ancestors.term",
    ),
    (
        "InterventionMeshTerm",
        "derivedSection.interventionBrowseModule.meshes.term",
    ),
    (
        "InterventionAncestorTerm",
        "derivedSection.interventionBrowseModule.ancestors.term",
    ),
    ("HasResults", "hasResults"),
];

const SECTIONS: &[&str] = &[
    "protocolSection",
    "derivedSection",
    "resultsSection",
    "annotationSection",
    "documentSection",
    "hasResults",
];

const MODULES: &[(&str, &str)] = &[
    ("identificationModule", "protocolSection"),
    ("statusModule", "protocolSection"),
    ("sponsorCollaboratorsModule", "protocolSection"),
    ("oversightModule", "protocolSection"),
    ("descriptionModule", "protocolSection"),
    ("conditionsModule", "protocolSection"),
    ("designModule", "protocolSection"),
    ("armsInterventionsModule", "protocolSection"),
    ("outcomesModule", "protocolSection"),
    ("eligibilityModule", "protocolSection"),
    ("contactsLocationsModule", "protocolSection"),
    ("referencesModule", "protocolSection"),
    ("ipdSharingStatementModule", "protocolSection"),
    ("miscInfoModule", "derivedSection"),
    ("conditionBrowseModule", "derivedSection"),
    ("interventionBrowseModule", "derivedSection"),
    ("participantFlowModule", "resultsSection"),
    ("baselineCharacteristicsModule", "resultsSection"),
    ("outcomeMeasuresModule", "resultsSection"),
    ("adverseEventsModule", "resultsSection"),
    ("moreInfoModule", "resultsSection"),
    ("annotationModule", "annotationSection"),
    ("largeDocumentModule", "documentSection"),
];

/// CSV columns: the registry's download names and how to fill them.
const CSV_COLUMNS: &[(&str, &[&str])] = &[
    ("NCT Number", &["NCTId"]),
    ("Study Title", &["BriefTitle"]),
    ("Study URL", &[]),
    ("Acronym", &["Acronym"]),
    ("Study Status", &["OverallStatus"]),
    ("Brief Summary", &["BriefSummary"]),
    ("Study Results", &["HasResults"]),
    ("Conditions", &["Condition"]),
    ("Interventions", &["InterventionType", "InterventionName"]),
    ("Primary Outcome Measures", &["PrimaryOutcomeMeasure"]),
    ("Sponsor", &["LeadSponsorName"]),
    ("Collaborators", &["CollaboratorName"]),
    ("Sex", &["Sex"]),
    ("Age", &["MinimumAge", "MaximumAge", "StdAge"]),
    ("Phases", &["Phase"]),
    ("Enrollment", &["EnrollmentCount"]),
    ("Funder Type", &["LeadSponsorClass"]),
    ("Study Type", &["StudyType"]),
    ("Start Date", &["StartDate"]),
    ("Primary Completion Date", &["PrimaryCompletionDate"]),
    ("Completion Date", &["CompletionDate"]),
    ("First Posted", &["StudyFirstPostDate"]),
    ("Last Update Posted", &["LastUpdatePostDate"]),
    ("Locations", &["LocationFacility"]),
];

/// One entry of `fields`: a piece ("BriefTitle"), a module or section
/// ("eligibilityModule"), a dotted path ("protocolSection.statusModule.overallStatus") or,
/// for CSV, a column name ("NCT Number").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelector {
    pub name: String,
    paths: Vec<Vec<String>>,
    csv_column: Option<usize>,
}

fn split_path(p: &str) -> Vec<String> {
    p.split('.').map(str::to_string).collect()
}

impl FieldSelector {
    pub fn parse(name: &str) -> Result<FieldSelector, String> {
        let n = name.trim();
        let sel = |paths: Vec<Vec<String>>, csv_column| {
            Ok(FieldSelector {
                name: n.to_string(),
                paths,
                csv_column,
            })
        };
        if let Some(i) = CSV_COLUMNS
            .iter()
            .position(|(c, _)| c.eq_ignore_ascii_case(n))
        {
            let paths = CSV_COLUMNS[i]
                .1
                .iter()
                .filter_map(|p| piece_path(p))
                .map(split_path)
                .collect();
            return sel(paths, Some(i));
        }
        if let Some(p) = piece_path(n) {
            return sel(vec![split_path(p)], None);
        }
        if let Some(s) = SECTIONS.iter().find(|s| s.eq_ignore_ascii_case(n)) {
            return sel(vec![vec![s.to_string()]], None);
        }
        if let Some((m, s)) = MODULES.iter().find(|(m, _)| m.eq_ignore_ascii_case(n)) {
            return sel(vec![vec![s.to_string(), m.to_string()]], None);
        }
        if let Some((first, _)) = n.split_once('.')
            && SECTIONS.contains(&first)
            && !n.split('.').any(str::is_empty)
        {
            return sel(vec![split_path(n)], None);
        }
        Err(format!(
            "unknown field '{n}' (expected a piece name such as NCTId, BriefTitle, OverallStatus, Condition, LocationCity; a module such as eligibilityModule; a section; a dotted path from a section; or, for CSV, a column such as \"NCT Number\")"
        ))
    }
}

fn piece_path(name: &str) -> Option<&'static str> {
    PIECES
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(name))
        .map(|(_, path)| *path)
}

/// The part of `v` under `path`; arrays are walked element by element, keeping positions.
fn extract(v: &Value, path: &[String]) -> Option<Value> {
    let Some((head, rest)) = path.split_first() else {
        return Some(v.clone());
    };
    match v {
        Value::Object(m) => {
            let sub = extract(m.get(head)?, rest)?;
            let mut out = Map::new();
            out.insert(head.clone(), sub);
            Some(Value::Object(out))
        }
        Value::Array(items) => {
            let mapped: Vec<Value> = items
                .iter()
                .map(|i| extract(i, path).unwrap_or_else(|| Value::Object(Map::new())))
                .collect();
            mapped
                .iter()
                .any(|x| x.as_object().is_none_or(|o| !o.is_empty()))
                .then_some(Value::Array(mapped))
        }
        _ => None,
    }
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (x, y) in a.iter_mut().zip(b) {
                merge(x, y);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Keeps only the selected parts of one study's JSON.
pub fn project(study: &Value, fields: &[FieldSelector]) -> Value {
    let mut out = Value::Object(Map::new());
    for f in fields {
        for p in &f.paths {
            if let Some(part) = extract(study, p) {
                merge(&mut out, part);
            }
        }
    }
    out
}

/// The key under which our additions appear, in the response and in each study; the
/// registry never uses a hyphen in a key, so it cannot collide.
pub const EXTENSION_KEY: &str = "x-trialbridge";

fn hit_extension(hit: &SearchHit) -> Value {
    let mut m = Map::new();
    if let Some(score) = hit.score {
        m.insert("score".into(), json!(score));
    }
    if let Some(n) = &hit.nearest_site {
        m.insert(
            "nearestSite".into(),
            serde_json::to_value(&n.site).unwrap_or(Value::Null),
        );
        m.insert(
            "distance".into(),
            json!({"value": (n.distance * 10.0).round() / 10.0, "unit": n.unit.as_str()}),
        );
    }
    if let Some(s) = &hit.snippet_html {
        m.insert("snippet".into(), json!(s));
    }
    Value::Object(m)
}

/// The JSON body: `studies` (projected by `fields`, each with its `x-trialbridge` hit
/// details), `nextPageToken`, `totalCount` when `countTotal=true`, and the facets under
/// `x-trialbridge`. `studies_by_id` holds the full records of the page's hits, by NCT id;
/// a hit whose record is missing is left out.
pub fn json_body(
    query: &StudiesQuery,
    page: &SearchPage,
    studies_by_id: &HashMap<String, Value>,
) -> Value {
    let mut studies = Vec::with_capacity(page.hits.len());
    for hit in &page.hits {
        let Some(full) = studies_by_id.get(&hit.nct_id) else {
            continue;
        };
        let mut s = match &query.fields {
            Some(fields) => project(full, fields),
            None => full.clone(),
        };
        if let Value::Object(m) = &mut s {
            m.insert(EXTENSION_KEY.into(), hit_extension(hit));
        }
        studies.push(s);
    }
    let mut body = Map::new();
    if query.count_total {
        body.insert("totalCount".into(), json!(page.total_count));
    }
    body.insert("studies".into(), Value::Array(studies));
    if let Some(t) = &page.next_page_token {
        body.insert("nextPageToken".into(), json!(t));
    }
    let mut ext = Map::new();
    ext.insert(
        "facets".into(),
        serde_json::to_value(&page.facets).unwrap_or(Value::Null),
    );
    if let Some(g) = &query.geo {
        ext.insert(
            "geo".into(),
            json!({"lat": g.lat, "lon": g.lon, "radius": g.radius, "unit": g.unit.as_str()}),
        );
    }
    body.insert(EXTENSION_KEY.into(), Value::Object(ext));
    Value::Object(body)
}

/// The leaf values under a path, as text.
fn leaves(v: &Value, path: &[String], out: &mut Vec<String>) {
    match (v, path.split_first()) {
        (Value::Array(items), _) => items.iter().for_each(|i| leaves(i, path, out)),
        (Value::Object(m), Some((head, rest))) => {
            if let Some(x) = m.get(head) {
                leaves(x, rest, out)
            }
        }
        (Value::Object(_), None) => out.push(v.to_string()),
        (Value::String(s), None) => out.push(s.clone()),
        (Value::Null, _) => {}
        (other, None) => out.push(other.to_string()),
        (_, Some(_)) => {}
    }
}

fn piece_values(study: &Value, piece: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = piece_path(piece) {
        leaves(study, &split_path(p), &mut out);
    }
    out
}

fn csv_cell(study: &Value, column: usize) -> String {
    let (name, pieces) = CSV_COLUMNS[column];
    let one = |p: &str| piece_values(study, p).join("|");
    match name {
        "Study URL" => format!("https://clinicaltrials.gov/study/{}", one("NCTId")),
        "Study Results" => {
            if one("HasResults") == "true" {
                "YES".into()
            } else {
                "NO".into()
            }
        }
        "Interventions" => {
            let kinds = piece_values(study, "InterventionType");
            let names = piece_values(study, "InterventionName");
            names
                .iter()
                .enumerate()
                .map(|(i, n)| match kinds.get(i) {
                    Some(k) => format!("{k}: {n}"),
                    None => n.clone(),
                })
                .collect::<Vec<_>>()
                .join("|")
        }
        "Age" => {
            let (min, max) = (one("MinimumAge"), one("MaximumAge"));
            let range = match (min.is_empty(), max.is_empty()) {
                (false, false) => format!("{min} to {max}"),
                (false, true) => format!("{min} and older"),
                (true, false) => format!("up to {max}"),
                (true, true) => String::new(),
            };
            let groups: Vec<String> = piece_values(study, "StdAge")
                .iter()
                .map(|g| ctgov::code_label(g))
                .collect();
            if groups.is_empty() {
                range
            } else {
                format!("{range} ({})", groups.join(", "))
                    .trim()
                    .to_string()
            }
        }
        "Locations" => {
            let mut rows = Vec::new();
            if let Some(locs) = study
                .pointer("/protocolSection/contactsLocationsModule/locations")
                .and_then(Value::as_array)
            {
                for l in locs {
                    let parts: Vec<&str> = ["facility", "city", "state", "zip", "country"]
                        .iter()
                        .filter_map(|k| l.get(*k).and_then(Value::as_str))
                        .collect();
                    rows.push(parts.join(", "));
                }
            }
            rows.join("|")
        }
        _ => pieces
            .iter()
            .map(|p| one(p))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("|"),
    }
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// How one CSV column's value is read from a study.
type ColumnValue = Box<dyn Fn(&Value) -> String>;

/// The CSV body (RFC 4180): the registry's download columns, or the `fields` asked for; with
/// `filter.geo`, two more columns give the nearest site and its distance. The total count
/// and next page token go in the `x-total-count` and `x-next-page-token` headers.
pub fn csv_body(
    query: &StudiesQuery,
    page: &SearchPage,
    studies_by_id: &HashMap<String, Value>,
) -> String {
    let columns: Vec<(String, ColumnValue)> = match &query.fields {
        None => (0..CSV_COLUMNS.len())
            .map(|i| {
                (
                    CSV_COLUMNS[i].0.to_string(),
                    Box::new(move |s: &Value| csv_cell(s, i)) as Box<dyn Fn(&Value) -> String>,
                )
            })
            .collect(),
        Some(fields) => fields
            .iter()
            .map(|f| {
                let f2 = f.clone();
                let render: Box<dyn Fn(&Value) -> String> = match f.csv_column {
                    Some(i) => Box::new(move |s: &Value| csv_cell(s, i)),
                    None => Box::new(move |s: &Value| {
                        let mut out = Vec::new();
                        for p in &f2.paths {
                            leaves(s, p, &mut out);
                        }
                        out.join("|")
                    }),
                };
                (f.name.clone(), render)
            })
            .collect(),
    };
    let unit = query.distance_unit();
    let mut out = String::new();
    let mut header: Vec<String> = columns.iter().map(|(n, _)| csv_escape(n)).collect();
    if let Some(u) = unit {
        header.push("TrialBridge Nearest Site".into());
        header.push(format!("TrialBridge Distance ({})", u.as_str()));
    }
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for hit in &page.hits {
        let Some(study) = studies_by_id.get(&hit.nct_id) else {
            continue;
        };
        let mut row: Vec<String> = columns.iter().map(|(_, f)| csv_escape(&f(study))).collect();
        if unit.is_some() {
            match &hit.nearest_site {
                Some(n) => {
                    let s = &n.site;
                    let place: Vec<&str> = [&s.facility, &s.city, &s.state, &s.country]
                        .iter()
                        .filter_map(|x| x.as_deref())
                        .collect();
                    row.push(csv_escape(&place.join(", ")));
                    row.push(format!("{:.1}", n.distance));
                }
                None => row.extend([String::new(), String::new()]),
            }
        }
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_pieces_modules_and_paths() {
        let study = json!({"protocolSection": {
            "identificationModule": {"nctId": "NCT00000001", "briefTitle": "T", "acronym": "A"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "contactsLocationsModule": {"locations": [{"city": "Boston", "country": "United States"}, {"city": "Lyon", "country": "France"}]}
        }, "hasResults": false});
        let fields: Vec<FieldSelector> = [
            "NCTId",
            "statusModule",
            "LocationCity",
            "LocationCountry",
            "hasResults",
        ]
        .iter()
        .map(|f| FieldSelector::parse(f).unwrap())
        .collect();
        let p = project(&study, &fields);
        assert_eq!(
            p,
            json!({"protocolSection": {
                "identificationModule": {"nctId": "NCT00000001"},
                "statusModule": {"overallStatus": "RECRUITING"},
                "contactsLocationsModule": {"locations": [{"city": "Boston", "country": "United States"}, {"city": "Lyon", "country": "France"}]}
            }, "hasResults": false})
        );
        assert!(FieldSelector::parse("protocolSection.statusModule.overallStatus").is_ok());
        assert!(FieldSelector::parse("Colour").is_err());
        assert!(FieldSelector::parse("nowhere.x").is_err());
    }

    #[test]
    fn csv_escapes() {
        assert_eq!(csv_escape("a,b"), "\"a,b\"");
        assert_eq!(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_escape("plain"), "plain");
    }
}
