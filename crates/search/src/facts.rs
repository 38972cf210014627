//! The per-study facts that filters, facets, sorting and distance work on, and the compiled
//! form of `filter.advanced` and `aggFilters` that is evaluated over them.
//!
//! Facts are derived from a [`ctgov::Study`] when it is indexed, stored in the index beside
//! the text, and held in memory so a filter never needs the full record.

use serde::{Deserialize, Serialize};

use crate::analysis::fold_words;
use crate::expr::{Bound, Coverage, Expr};
use crate::gazetteer::gazetteer;

/// Bumped whenever the facts or the schema change meaning; an index built by another
/// version must be rebuilt.
pub(crate) const FACTS_VERSION: u32 = 1;

/// What the search needs to know about one study, beside its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyFacts {
    pub v: u32,
    pub nct_id: String,
    pub brief_title: String,
    pub status: String,
    pub phases: Vec<String>,
    pub study_type: Option<String>,
    pub sex: Option<String>,
    /// In years, the common unit for every age comparison.
    pub min_age_years: Option<f64>,
    pub max_age_years: Option<f64>,
    pub healthy_volunteers: Option<bool>,
    pub std_ages: Vec<String>,
    pub start_date: Option<String>,
    pub primary_completion_date: Option<String>,
    pub completion_date: Option<String>,
    pub last_update_post_date: Option<String>,
    pub study_first_post_date: Option<String>,
    pub lead_sponsor_name: Option<String>,
    pub lead_sponsor_class: Option<String>,
    pub countries: Vec<String>,
    pub conditions: Vec<String>,
    pub intervention_names: Vec<String>,
    pub has_results: bool,
    pub enrollment: Option<u64>,
    /// Site points: latitude, longitude, index into the study's `locations`.
    pub points: Vec<(f32, f32, u32)>,
}

/// A trial site as shown beside a hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The site's own recruitment status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// True when the point came from our gazetteer, not from the registry's `geoPoint`.
    pub geocoded: bool,
}

fn date(d: &Option<ctgov::DateStruct>) -> Option<String> {
    d.as_ref()
        .map(|d| d.date.trim().to_string())
        .filter(|d| !d.is_empty())
}

impl StudyFacts {
    /// Derives the facts, geocoding sites the registry gave no point for.
    pub fn from_study(study: &ctgov::Study) -> (StudyFacts, Vec<Option<SiteSummary>>) {
        let status_module = &study.protocol_section.status_module;
        let mut countries: Vec<String> = Vec::new();
        let mut points = Vec::new();
        let mut sites = Vec::new();
        for (i, loc) in study.locations().iter().enumerate() {
            if let Some(c) = loc
                .country
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                && !countries.iter().any(|x| x == c)
            {
                countries.push(c.to_string());
            }
            let point = match loc.geo_point {
                Some(g) => Some((g.lat, g.lon, false)),
                None => gazetteer()
                    .geocode_site(
                        loc.city.as_deref(),
                        loc.state.as_deref(),
                        loc.zip.as_deref(),
                        loc.country.as_deref(),
                    )
                    .map(|m| (m.lat, m.lon, true)),
            };
            match point {
                Some((lat, lon, geocoded)) => {
                    points.push((lat as f32, lon as f32, i as u32));
                    sites.push(Some(SiteSummary {
                        facility: loc.facility.clone(),
                        city: loc.city.clone(),
                        state: loc.state.clone(),
                        zip: loc.zip.clone(),
                        country: loc.country.clone(),
                        status: loc.status.clone(),
                        lat,
                        lon,
                        geocoded,
                    }));
                }
                None => sites.push(None),
            }
        }
        let elig = study.eligibility();
        let facts = StudyFacts {
            v: FACTS_VERSION,
            nct_id: study.nct_id().trim().to_ascii_uppercase(),
            brief_title: study.brief_title().to_string(),
            status: study.overall_status().to_string(),
            phases: study.phases().to_vec(),
            study_type: study.study_type().map(str::to_string),
            sex: study.sex().map(str::to_string),
            min_age_years: study.minimum_age().ok().flatten().map(|a| a.in_years()),
            max_age_years: study.maximum_age().ok().flatten().map(|a| a.in_years()),
            healthy_volunteers: elig.and_then(|e| e.healthy_volunteers),
            std_ages: elig.map(|e| e.std_ages.clone()).unwrap_or_default(),
            start_date: date(&status_module.start_date_struct),
            primary_completion_date: date(&status_module.primary_completion_date_struct),
            completion_date: date(&status_module.completion_date_struct),
            last_update_post_date: date(&status_module.last_update_post_date_struct),
            study_first_post_date: date(&status_module.study_first_post_date_struct),
            lead_sponsor_name: study.lead_sponsor().map(|s| s.name.clone()),
            lead_sponsor_class: study.lead_sponsor().and_then(|s| s.class.clone()),
            countries,
            conditions: study.conditions().to_vec(),
            intervention_names: study
                .interventions()
                .iter()
                .map(|i| i.name.clone())
                .collect(),
            has_results: study.has_results.unwrap_or(false),
            enrollment: study
                .protocol_section
                .design_module
                .as_ref()
                .and_then(|d| d.enrollment_info.as_ref())
                .and_then(|e| e.count),
            points,
        };
        (facts, sites)
    }

    pub(crate) fn date_of(&self, f: DateField) -> Option<&str> {
        match f {
            DateField::StartDate => self.start_date.as_deref(),
            DateField::PrimaryCompletionDate => self.primary_completion_date.as_deref(),
            DateField::CompletionDate => self.completion_date.as_deref(),
            DateField::LastUpdatePostDate => self.last_update_post_date.as_deref(),
            DateField::StudyFirstPostDate => self.study_first_post_date.as_deref(),
        }
    }
}

/// Date fields that can be filtered and sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    StartDate,
    PrimaryCompletionDate,
    CompletionDate,
    LastUpdatePostDate,
    StudyFirstPostDate,
}

impl DateField {
    pub const ALL: [(&'static str, DateField); 5] = [
        ("StartDate", DateField::StartDate),
        ("PrimaryCompletionDate", DateField::PrimaryCompletionDate),
        ("CompletionDate", DateField::CompletionDate),
        ("LastUpdatePostDate", DateField::LastUpdatePostDate),
        ("StudyFirstPostDate", DateField::StudyFirstPostDate),
    ];

    pub fn parse(name: &str) -> Option<DateField> {
        Self::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or_default()
    }
}

/// A partial date as a sortable number. `end` picks the last day of the period a partial
/// date covers, for the upper end of a range ("2022" up to 2022-12-31).
pub(crate) fn date_key(s: &str, end: bool) -> Option<u32> {
    let d = ctgov::PartialDate::parse(s)?;
    let (m, day) = match (d.month, d.day, end) {
        (Some(m), Some(day), _) => (m, day),
        (Some(m), None, false) => (m, 1),
        (Some(m), None, true) => (m, 31),
        (None, _, false) => (1, 1),
        (None, _, true) => (12, 31),
    };
    Some(d.year as u32 * 10_000 + m as u32 * 100 + day as u32)
}

/// The fields `filter.advanced` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    OverallStatus,
    Phase,
    StudyType,
    Sex,
    MinimumAge,
    MaximumAge,
    HealthyVolunteers,
    StdAge,
    Date(DateField),
    LeadSponsorName,
    LeadSponsorClass,
    LocationCountry,
    Condition,
    InterventionName,
    EnrollmentCount,
    NctId,
}

pub(crate) const STATUSES: &[&str] = &[
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "ENROLLING_BY_INVITATION",
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
    "UNKNOWN",
];
const PHASES: &[&str] = &["NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"];
const STUDY_TYPES: &[&str] = &["EXPANDED_ACCESS", "INTERVENTIONAL", "OBSERVATIONAL"];
const SEXES: &[&str] = &["FEMALE", "MALE", "ALL"];
const STD_AGES: &[&str] = &["CHILD", "ADULT", "OLDER_ADULT"];
const AGENCY_CLASSES: &[&str] = &[
    "NIH",
    "FED",
    "OTHER_GOV",
    "INDIV",
    "INDUSTRY",
    "NETWORK",
    "AMBIG",
    "OTHER",
    "UNKNOWN",
];

impl Field {
    pub const NAMES: &'static [&'static str] = &[
        "OverallStatus",
        "Phase",
        "StudyType",
        "Sex",
        "MinimumAge",
        "MaximumAge",
        "HealthyVolunteers",
        "StdAge",
        "StartDate",
        "PrimaryCompletionDate",
        "CompletionDate",
        "LastUpdatePostDate",
        "StudyFirstPostDate",
        "LeadSponsorName",
        "LeadSponsorClass",
        "LocationCountry",
        "Condition",
        "InterventionName",
        "EnrollmentCount",
        "NCTId",
    ];

    pub fn parse(name: &str) -> Option<Field> {
        let n = name.trim();
        let eq = |s: &str| n.eq_ignore_ascii_case(s);
        Some(match () {
            _ if eq("OverallStatus") => Field::OverallStatus,
            _ if eq("Phase") => Field::Phase,
            _ if eq("StudyType") => Field::StudyType,
            _ if eq("Sex") || eq("Gender") => Field::Sex,
            _ if eq("MinimumAge") => Field::MinimumAge,
            _ if eq("MaximumAge") => Field::MaximumAge,
            _ if eq("HealthyVolunteers") => Field::HealthyVolunteers,
            _ if eq("StdAge") => Field::StdAge,
            _ if eq("LeadSponsorName") => Field::LeadSponsorName,
            _ if eq("LeadSponsorClass") => Field::LeadSponsorClass,
            _ if eq("LocationCountry") => Field::LocationCountry,
            _ if eq("Condition") => Field::Condition,
            _ if eq("InterventionName") => Field::InterventionName,
            _ if eq("EnrollmentCount") => Field::EnrollmentCount,
            _ if eq("NCTId") => Field::NctId,
            _ => Field::Date(DateField::parse(n)?),
        })
    }

    fn enum_values(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Field::OverallStatus => STATUSES,
            Field::Phase => PHASES,
            Field::StudyType => STUDY_TYPES,
            Field::Sex => SEXES,
            Field::StdAge => STD_AGES,
            Field::LeadSponsorClass => AGENCY_CLASSES,
            _ => return None,
        })
    }
}

/// A compiled predicate over one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// An enumerated value, normalised to the registry's code.
    Is(String),
    Bool(bool),
    /// Inclusive numeric range (ages in years, dates as `date_key`, counts).
    Range(f64, f64),
    /// A date given at some precision ("2022", "2022-03"): the field starts with it.
    DatePrefix(String),
    /// Words that must appear, in order, in a text value.
    Words(Vec<String>, Coverage),
    Missing,
}

/// A compiled `filter.advanced` (or aggregation) filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    All,
    Pred(Field, Pred),
    Not(Box<Filter>),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

fn parse_number(field: Field, v: &str) -> Result<f64, String> {
    match field {
        Field::MinimumAge | Field::MaximumAge => ctgov::Age::parse(v)
            .map(|a| a.in_years())
            .ok_or_else(|| format!("'{v}' is not an age (expected e.g. '16 years', '6 months')")),
        Field::EnrollmentCount => v
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("'{v}' is not a number")),
        _ => Err("RANGE is not supported for this field".to_string()),
    }
}

/// Compiles a parsed expression into a filter, checking every field name and value.
pub fn compile(expr: &Expr) -> Result<Filter, String> {
    compile_in(expr, None, Coverage::Contains)
}

fn compile_in(expr: &Expr, field: Option<Field>, coverage: Coverage) -> Result<Filter, String> {
    Ok(match expr {
        Expr::All => Filter::All,
        Expr::Not(e) => Filter::Not(Box::new(compile_in(e, field, coverage)?)),
        Expr::And(v) => Filter::And(
            v.iter()
                .map(|e| compile_in(e, field, coverage))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Filter::Or(
            v.iter()
                .map(|e| compile_in(e, field, coverage))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Coverage { kind, expr } => compile_in(expr, field, *kind)?,
        Expr::Expansion { expr, .. } => compile_in(expr, field, coverage)?,
        Expr::Area { field: name, expr } => {
            let f = Field::parse(name).ok_or_else(|| {
                format!(
                    "unknown field AREA[{name}] (expected one of {})",
                    Field::NAMES.join(", ")
                )
            })?;
            compile_in(expr, Some(f), coverage)?
        }
        Expr::Missing => {
            let f = field.ok_or("MISSING needs AREA[Field] before it")?;
            Filter::Pred(f, Pred::Missing)
        }
        Expr::Range { lo, hi } => {
            let f = field.ok_or("RANGE needs AREA[Field] before it")?;
            let (lo, hi) = match f {
                Field::Date(_) => {
                    let key = |b: &Bound, end: bool| -> Result<f64, String> {
                        match b {
                            Bound::Min => Ok(f64::NEG_INFINITY),
                            Bound::Max => Ok(f64::INFINITY),
                            Bound::Value(v) => {
                                date_key(v, end).map(|k| k as f64).ok_or_else(|| {
                                    format!(
                                        "'{v}' is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"
                                    )
                                })
                            }
                        }
                    };
                    (key(lo, false)?, key(hi, true)?)
                }
                Field::MinimumAge | Field::MaximumAge | Field::EnrollmentCount => {
                    let num = |b: &Bound| -> Result<f64, String> {
                        match b {
                            Bound::Min => Ok(f64::NEG_INFINITY),
                            Bound::Max => Ok(f64::INFINITY),
                            Bound::Value(v) => parse_number(f, v),
                        }
                    };
                    (num(lo)?, num(hi)?)
                }
                _ => return Err("RANGE works on ages, dates and EnrollmentCount only".into()),
            };
            if lo > hi {
                return Err("RANGE low end is above its high end".into());
            }
            Filter::Pred(f, Pred::Range(lo, hi))
        }
        Expr::Text { text, .. } => {
            let f = field.ok_or_else(|| {
                format!("'{text}' needs AREA[Field] before it (free text belongs in query.term)")
            })?;
            if let Some(values) = f.enum_values() {
                let code = text.trim().to_ascii_uppercase().replace([' ', '-'], "_");
                let code = match (f, code.as_str()) {
                    (Field::Phase, "EARLY_PHASE_1" | "PHASE_0") => "EARLY_PHASE1".to_string(),
                    (Field::Phase, c) if c.starts_with("PHASE_") => c.replace('_', ""),
                    (Field::StdAge, "OLDER") => "OLDER_ADULT".to_string(),
                    _ => code,
                };
                if !values.contains(&code.as_str()) {
                    return Err(format!(
                        "'{text}' is not a value of {f:?} (expected one of {})",
                        values.join(", ")
                    ));
                }
                return Ok(Filter::Pred(f, Pred::Is(code)));
            }
            match f {
                Field::HealthyVolunteers => match text.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "y" => Filter::Pred(f, Pred::Bool(true)),
                    "false" | "no" | "n" => Filter::Pred(f, Pred::Bool(false)),
                    _ => return Err(format!("'{text}' is not true or false")),
                },
                Field::Date(_) => {
                    let d = ctgov::PartialDate::parse(text.trim()).ok_or_else(|| {
                        format!("'{text}' is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)")
                    })?;
                    Filter::Pred(f, Pred::DatePrefix(d.to_string()))
                }
                Field::MinimumAge | Field::MaximumAge | Field::EnrollmentCount => {
                    let n = parse_number(f, text)?;
                    Filter::Pred(f, Pred::Range(n, n))
                }
                _ => {
                    let words = fold_words(text);
                    if words.is_empty() {
                        return Err(format!("'{text}' has no words to match"));
                    }
                    Filter::Pred(f, Pred::Words(words, coverage))
                }
            }
        }
    })
}

fn words_match(value: &str, words: &[String], coverage: Coverage) -> bool {
    let have = fold_words(value);
    let n = words.len();
    match coverage {
        Coverage::FullMatch => have == words,
        Coverage::StartsWith => have.len() >= n && have[..n] == *words,
        Coverage::EndsWith => have.len() >= n && have[have.len() - n..] == *words,
        Coverage::Contains => have.windows(n).any(|w| w == words),
    }
}

impl Filter {
    /// Whether a study passes.
    pub fn matches(&self, s: &StudyFacts) -> bool {
        match self {
            Filter::All => true,
            Filter::Not(f) => !f.matches(s),
            Filter::And(v) => v.iter().all(|f| f.matches(s)),
            Filter::Or(v) => v.iter().any(|f| f.matches(s)),
            Filter::Pred(field, pred) => pred_matches(*field, pred, s),
        }
    }
}

fn pred_matches(field: Field, pred: &Pred, s: &StudyFacts) -> bool {
    let many = |values: &[String]| -> bool {
        match pred {
            Pred::Is(code) => values.iter().any(|v| v.eq_ignore_ascii_case(code)),
            Pred::Words(w, c) => values.iter().any(|v| words_match(v, w, *c)),
            Pred::Missing => values.is_empty(),
            _ => false,
        }
    };
    let one = |value: Option<&str>| -> bool {
        match (pred, value) {
            (Pred::Missing, v) => v.is_none_or(|v| v.trim().is_empty()),
            (Pred::Is(code), Some(v)) => v.eq_ignore_ascii_case(code),
            (Pred::Words(w, c), Some(v)) => words_match(v, w, *c),
            _ => false,
        }
    };
    match field {
        Field::OverallStatus => one(Some(s.status.as_str()).filter(|v| !v.is_empty())),
        Field::Phase => many(&s.phases),
        Field::StudyType => one(s.study_type.as_deref()),
        Field::Sex => one(s.sex.as_deref()),
        Field::StdAge => many(&s.std_ages),
        Field::LeadSponsorName => one(s.lead_sponsor_name.as_deref()),
        Field::LeadSponsorClass => one(s.lead_sponsor_class.as_deref()),
        Field::LocationCountry => many(&s.countries),
        Field::Condition => many(&s.conditions),
        Field::InterventionName => many(&s.intervention_names),
        Field::NctId => one(Some(&s.nct_id)),
        Field::HealthyVolunteers => match pred {
            Pred::Missing => s.healthy_volunteers.is_none(),
            Pred::Bool(b) => s.healthy_volunteers == Some(*b),
            _ => false,
        },
        // A trial without a lower age bound takes anyone from birth, and one without an
        // upper bound takes anyone however old: ranges see the open side, not a gap.
        Field::MinimumAge => match pred {
            Pred::Missing => s.min_age_years.is_none(),
            Pred::Range(lo, hi) => in_range(s.min_age_years.unwrap_or(0.0), *lo, *hi),
            _ => false,
        },
        Field::MaximumAge => match pred {
            Pred::Missing => s.max_age_years.is_none(),
            Pred::Range(lo, hi) => in_range(s.max_age_years.unwrap_or(f64::INFINITY), *lo, *hi),
            _ => false,
        },
        Field::EnrollmentCount => match pred {
            Pred::Missing => s.enrollment.is_none(),
            Pred::Range(lo, hi) => s.enrollment.is_some_and(|n| in_range(n as f64, *lo, *hi)),
            _ => false,
        },
        Field::Date(d) => {
            let value = s.date_of(d);
            match pred {
                Pred::Missing => value.is_none(),
                Pred::DatePrefix(p) => value.is_some_and(|v| v.starts_with(p.as_str())),
                // A partial record date covers a period; it is in range if that period overlaps.
                Pred::Range(lo, hi) => {
                    value.is_some_and(|v| match (date_key(v, false), date_key(v, true)) {
                        (Some(a), Some(b)) => (b as f64) >= *lo && (a as f64) <= *hi,
                        _ => false,
                    })
                }
                _ => false,
            }
        }
    }
}

fn in_range(v: f64, lo: f64, hi: f64) -> bool {
    // Ages convert between units with rounding ("216 Months" vs "18 Years"); allow for it.
    const EPS: f64 = 1e-6;
    v >= lo - EPS && v <= hi + EPS
}

/// The `aggFilters` the registry's website uses, each a set of ORed options.
#[derive(Debug, Clone, PartialEq)]
pub struct AggFilter {
    pub id: AggId,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggId {
    Phase,
    Status,
    Sex,
    Healthy,
    Ages,
    StudyType,
    Results,
    FunderType,
}

impl AggId {
    pub const ALL: [(&'static str, AggId); 8] = [
        ("phase", AggId::Phase),
        ("status", AggId::Status),
        ("sex", AggId::Sex),
        ("healthy", AggId::Healthy),
        ("ages", AggId::Ages),
        ("studyType", AggId::StudyType),
        ("results", AggId::Results),
        ("funderType", AggId::FunderType),
    ];

    pub fn parse(s: &str) -> Option<AggId> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, id)| *id)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, id)| *id == self)
            .map(|(n, _)| *n)
            .unwrap_or_default()
    }

    /// Option keys and what each stands for.
    pub fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            AggId::Phase => &[
                ("0", "EARLY_PHASE1"),
                ("1", "PHASE1"),
                ("2", "PHASE2"),
                ("3", "PHASE3"),
                ("4", "PHASE4"),
                ("na", "NA"),
            ],
            AggId::Status => &[
                ("rec", "RECRUITING"),
                ("not", "NOT_YET_RECRUITING"),
                ("act", "ACTIVE_NOT_RECRUITING"),
                ("enr", "ENROLLING_BY_INVITATION"),
                ("com", "COMPLETED"),
                ("sus", "SUSPENDED"),
                ("ter", "TERMINATED"),
                ("wit", "WITHDRAWN"),
                ("unk", "UNKNOWN"),
                ("ava", "AVAILABLE"),
                ("nla", "NO_LONGER_AVAILABLE"),
                ("tna", "TEMPORARILY_NOT_AVAILABLE"),
                ("afm", "APPROVED_FOR_MARKETING"),
                ("whe", "WITHHELD"),
            ],
            AggId::Sex => &[("f", "FEMALE"), ("m", "MALE")],
            AggId::Healthy => &[("y", "true")],
            AggId::Ages => &[
                ("child", "CHILD"),
                ("adult", "ADULT"),
                ("older", "OLDER_ADULT"),
            ],
            AggId::StudyType => &[
                ("int", "INTERVENTIONAL"),
                ("obs", "OBSERVATIONAL"),
                ("exp", "EXPANDED_ACCESS"),
            ],
            AggId::Results => &[("with", "true"), ("without", "false")],
            AggId::FunderType => &[
                ("nih", "NIH"),
                ("fed", "FED"),
                ("other_gov", "OTHER_GOV"),
                ("indiv", "INDIV"),
                ("industry", "INDUSTRY"),
                ("network", "NETWORK"),
                ("ambig", "AMBIG"),
                ("other", "OTHER"),
                ("unknown", "UNKNOWN"),
            ],
        }
    }

    /// The facet whose counts this filter narrows.
    pub fn facet(self) -> Option<FacetGroup> {
        Some(match self {
            AggId::Phase => FacetGroup::Phase,
            AggId::Status => FacetGroup::OverallStatus,
            AggId::Sex => FacetGroup::Sex,
            AggId::Ages => FacetGroup::StdAge,
            AggId::StudyType => FacetGroup::StudyType,
            AggId::FunderType => FacetGroup::LeadSponsorClass,
            AggId::Healthy | AggId::Results => return None,
        })
    }
}

impl AggFilter {
    pub fn matches(&self, s: &StudyFacts) -> bool {
        let codes = self.options.iter().filter_map(|o| {
            self.id
                .options()
                .iter()
                .find(|(k, _)| k == o)
                .map(|(_, code)| *code)
        });
        let mut codes = codes.peekable();
        if codes.peek().is_none() {
            return true;
        }
        codes.any(|code| match self.id {
            AggId::Phase => s.phases.iter().any(|p| p == code),
            AggId::Status => s.status == code,
            // A study open to all sexes takes women and men alike.
            AggId::Sex => s.sex.as_deref().is_some_and(|x| x == code || x == "ALL"),
            AggId::Healthy => s.healthy_volunteers == Some(true),
            AggId::Ages => s.std_ages.iter().any(|a| a == code),
            AggId::StudyType => s.study_type.as_deref() == Some(code),
            AggId::Results => s.has_results == (code == "true"),
            AggId::FunderType => s.lead_sponsor_class.as_deref() == Some(code),
        })
    }
}

/// The facets counted over a whole result set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacetGroup {
    OverallStatus,
    Phase,
    Sex,
    StdAge,
    StudyType,
    LeadSponsorClass,
    LocationCountry,
}

impl FacetGroup {
    pub const ALL: [FacetGroup; 7] = [
        FacetGroup::OverallStatus,
        FacetGroup::Phase,
        FacetGroup::Sex,
        FacetGroup::StdAge,
        FacetGroup::StudyType,
        FacetGroup::LeadSponsorClass,
        FacetGroup::LocationCountry,
    ];

    /// The registry field each facet counts, used as its name in responses.
    pub fn name(self) -> &'static str {
        match self {
            FacetGroup::OverallStatus => "overallStatus",
            FacetGroup::Phase => "phase",
            FacetGroup::Sex => "sex",
            FacetGroup::StdAge => "stdAge",
            FacetGroup::StudyType => "studyType",
            FacetGroup::LeadSponsorClass => "leadSponsorClass",
            FacetGroup::LocationCountry => "locationCountry",
        }
    }

    /// Calls `f` once for each distinct, non-empty value a study contributes to this facet.
    pub fn for_each_value<'a>(self, s: &'a StudyFacts, mut f: impl FnMut(&'a str)) {
        let mut one = |v: Option<&'a str>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                f(v)
            }
        };
        let many = |values: &'a [String], f: &mut dyn FnMut(Option<&'a str>)| {
            for (i, v) in values.iter().enumerate() {
                if !values[..i].contains(v) {
                    f(Some(v.as_str()));
                }
            }
        };
        match self {
            FacetGroup::OverallStatus => one(Some(s.status.as_str())),
            FacetGroup::Phase => many(&s.phases, &mut one),
            FacetGroup::Sex => one(s.sex.as_deref()),
            FacetGroup::StdAge => many(&s.std_ages, &mut one),
            FacetGroup::StudyType => one(s.study_type.as_deref()),
            FacetGroup::LeadSponsorClass => one(s.lead_sponsor_class.as_deref()),
            FacetGroup::LocationCountry => many(&s.countries, &mut one),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    fn facts(min: Option<f64>, max: Option<f64>) -> StudyFacts {
        StudyFacts {
            v: FACTS_VERSION,
            nct_id: "NCT00000001".into(),
            brief_title: "t".into(),
            status: "RECRUITING".into(),
            phases: vec!["PHASE2".into(), "PHASE3".into()],
            study_type: Some("INTERVENTIONAL".into()),
            sex: Some("ALL".into()),
            min_age_years: min,
            max_age_years: max,
            healthy_volunteers: Some(false),
            std_ages: vec!["ADULT".into()],
            start_date: Some("2022-03".into()),
            primary_completion_date: None,
            completion_date: None,
            last_update_post_date: Some("2024-01-05".into()),
            study_first_post_date: None,
            lead_sponsor_name: Some("Pfizer".into()),
            lead_sponsor_class: Some("INDUSTRY".into()),
            countries: vec!["United States".into(), "Korea, Republic of".into()],
            conditions: vec!["Non-small Cell Lung Cancer".into()],
            intervention_names: vec!["Pembrolizumab".into()],
            has_results: false,
            enrollment: Some(120),
            points: vec![],
        }
    }

    fn check(expr: &str, s: &StudyFacts) -> bool {
        compile(&parse(expr).unwrap()).unwrap().matches(s)
    }

    #[test]
    fn open_age_bounds_stay_in() {
        let open_top = facts(Some(18.0), None);
        let ninety =
            "AREA[MinimumAge]RANGE[MIN, 90 years] AND AREA[MaximumAge]RANGE[90 years, MAX]";
        assert!(check(ninety, &open_top));
        assert!(!check(ninety, &facts(Some(18.0), Some(75.0))));
        assert!(check(
            "AREA[MinimumAge]RANGE[MIN, 6 months]",
            &facts(None, Some(17.0))
        ));
        // Units convert: 216 months is 18 years.
        assert!(check(
            "AREA[MinimumAge]RANGE[MIN, 216 months]",
            &facts(Some(18.0), None)
        ));
        assert!(check("AREA[MaximumAge]MISSING", &open_top));
    }

    #[test]
    fn enums_text_and_dates() {
        let s = facts(Some(18.0), None);
        assert!(check(
            "AREA[Phase]PHASE3 AND AREA[OverallStatus]RECRUITING",
            &s
        ));
        assert!(check("AREA[Phase](PHASE1 OR PHASE2)", &s));
        assert!(!check("AREA[Phase]PHASE1", &s));
        assert!(check(
            "AREA[Condition]lung cancer AND AREA[LocationCountry]\"Korea, Republic of\"",
            &s
        ));
        assert!(!check("COVERAGE[FullMatch]AREA[Condition]lung cancer", &s));
        assert!(check(
            "AREA[StartDate]2022 AND AREA[StartDate]RANGE[2022-02-15, 2022-03-01]",
            &s
        ));
        assert!(check(
            "AREA[LastUpdatePostDate]RANGE[2023, MAX] AND NOT AREA[CompletionDate]RANGE[MIN, MAX]",
            &s
        ));
        assert!(check(
            "AREA[EnrollmentCount]RANGE[100, 200] AND AREA[HealthyVolunteers]false",
            &s
        ));
    }

    #[test]
    fn bad_fields_and_values_are_named() {
        let e = |x: &str| compile(&parse(x).unwrap()).unwrap_err();
        assert!(e("AREA[Colour]blue").contains("unknown field AREA[Colour]"));
        assert!(e("AREA[OverallStatus]RECRUTING").contains("RECRUITING"));
        assert!(e("AREA[MinimumAge]RANGE[MIN, old]").contains("not an age"));
        assert!(e("cancer").contains("AREA[Field]"));
        assert!(e("AREA[Condition]RANGE[a, b]").contains("RANGE works on"));
    }
}
