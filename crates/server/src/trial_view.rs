//! The trial page's view model, built from a stored trial by a pure function.
//!
//! Every element of the page has a field here, so tests can check the page's facts without
//! parsing HTML, and the template holds no logic beyond loops and conditionals.

use ctgov::{DateStruct, PartialDate, Study, code_label, phase_label, status_label};
use store::{SponsorProfile, StoredTrial};
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct TrialView {
    pub nct_id: String,
    pub title: String,
    pub official_title: Option<String>,
    pub acronym: Option<String>,
    pub sponsor: Option<String>,
    /// "Aug 4, 2025": when the trial was first submitted to the registry.
    pub launched: Option<String>,
    /// When our copy was last refreshed from a source.
    pub current_as_of: String,
    pub status_code: String,
    pub status: String,
    pub why_stopped: Option<String>,
    pub keywords: Vec<String>,
    pub conditions: Vec<String>,
    /// The plain-language summary, one part per topic, glossary terms marked.
    pub summary: Vec<SummaryPart>,
    /// The glossary entries for the terms marked in the summary, as HTML.
    pub glossary_html: String,
    /// The registry's own brief summary, paragraph by paragraph.
    pub registry_summary: Vec<String>,
    pub detailed_description: Option<String>,
    pub sex: String,
    pub ages: String,
    pub healthy_volunteers: Option<&'static str>,
    pub phases: String,
    pub study_type: Option<String>,
    pub enrollment: Option<String>,
    pub allocation: Option<String>,
    pub interventions: Vec<InterventionView>,
    pub criteria: CriteriaView,
    pub sponsor_profile: Option<SponsorView>,
    pub countries: Vec<CountryView>,
    pub site_count: usize,
    pub patients_applied: u64,
    pub timeline: Vec<TimelineEntry>,
    pub contacts: Vec<ContactView>,
    pub officials: Vec<ContactView>,
}

#[derive(Debug, Clone)]
pub struct SummaryPart {
    pub heading: &'static str,
    /// Escaped text with glossary terms wrapped as links to their explanations.
    pub html: String,
}

#[derive(Debug, Clone)]
pub struct InterventionView {
    pub kind: Option<String>,
    pub name: String,
    pub description: Option<String>,
}

/// Eligibility criteria as numbered lists, sub-items nested under their parent.
#[derive(Debug, Clone, Default)]
pub struct CriteriaView {
    pub inclusion: Vec<CriterionView>,
    pub exclusion: Vec<CriterionView>,
    /// Criteria under no heading (old paragraph-style texts).
    pub unspecified: Vec<CriterionView>,
    /// True when the record has criteria text at all.
    pub present: bool,
}

#[derive(Debug, Clone)]
pub struct CriterionView {
    pub text: String,
    /// The text starts with its own enumerator ("a.", "(ii)"), so the list shows no marker.
    pub self_labelled: bool,
    pub rules: Vec<RuleView>,
    pub children: Vec<CriterionView>,
}

#[derive(Debug, Clone)]
pub struct RuleView {
    pub kind: String,
    pub explanation: String,
}

#[derive(Debug, Clone)]
pub struct SponsorView {
    pub name: String,
    pub trial_count: u64,
    pub by_status: Vec<(String, u64)>,
    pub top_conditions: Vec<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct CountryView {
    pub country: String,
    pub cities: Vec<CityView>,
}

#[derive(Debug, Clone)]
pub struct CityView {
    /// "Zhengzhou, Henan".
    pub place: String,
    pub sites: Vec<SiteView>,
}

#[derive(Debug, Clone)]
pub struct SiteView {
    pub facility: String,
    pub status: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub label: &'static str,
    /// "Aug 4, 2025", or "Not reported".
    pub date: String,
    /// "Actual", "Estimated", or empty when the registry does not say or gives no date.
    pub certainty: &'static str,
}

#[derive(Debug, Clone)]
pub struct ContactView {
    pub name: String,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

const NOT_REPORTED: &str = "Not reported";

/// Builds the page's view of a trial.
pub fn build(
    trial: &StoredTrial,
    sponsor_profile: Option<&SponsorProfile>,
    patients_applied: u64,
) -> TrialView {
    let study = &trial.record.study;
    let ps = &study.protocol_section;
    let id = &ps.identification_module;
    let status = &ps.status_module;
    let design = ps.design_module.as_ref();
    let description = ps.description_module.as_ref();
    let eligibility = study.eligibility();
    let parsed = study
        .eligibility_criteria()
        .filter(|t| !t.trim().is_empty())
        .map(criteria::parse);
    let (summary, glossary_html) = plain_summary(study, parsed.as_ref());
    TrialView {
        nct_id: trial.record.nct_id.to_string(),
        title: study.display_title().to_string(),
        official_title: id.official_title.clone().filter(|t| t != &id.brief_title),
        acronym: id.acronym.clone(),
        sponsor: study.lead_sponsor().map(|s| s.name.clone()),
        launched: status
            .study_first_submit_date
            .as_deref()
            .and_then(PartialDate::parse)
            .map(|d| d.human()),
        current_as_of: long_date(trial.refreshed_at),
        status_code: status.overall_status.clone(),
        status: if status.overall_status.is_empty() {
            "Status not reported".into()
        } else {
            status_label(&status.overall_status)
        },
        why_stopped: status.why_stopped.clone(),
        keywords: study.keywords().to_vec(),
        conditions: study.conditions().to_vec(),
        summary,
        glossary_html,
        registry_summary: description
            .and_then(|d| d.brief_summary.as_deref())
            .map(paragraphs)
            .unwrap_or_default(),
        detailed_description: description.and_then(|d| d.detailed_description.clone()),
        sex: match study.sex() {
            Some("ALL") => "All".into(),
            Some("FEMALE") => "Female".into(),
            Some("MALE") => "Male".into(),
            Some(other) => code_label(other),
            None => NOT_REPORTED.into(),
        },
        ages: ages_label(study),
        healthy_volunteers: eligibility.and_then(|e| e.healthy_volunteers).map(|h| {
            if h {
                "Accepts healthy volunteers"
            } else {
                "Does not accept healthy volunteers"
            }
        }),
        phases: if study.phases().is_empty() {
            NOT_REPORTED.into()
        } else {
            study
                .phases()
                .iter()
                .map(|p| phase_label(p))
                .collect::<Vec<_>>()
                .join(" / ")
        },
        study_type: study.study_type().map(code_label),
        enrollment: design
            .and_then(|d| d.enrollment_info.as_ref())
            .and_then(|e| {
                let count = e.count?;
                let kind = match e.kind.as_deref() {
                    Some("ACTUAL") => " (actual)",
                    Some("ESTIMATED") => " (estimated)",
                    _ => "",
                };
                Some(format!("{count} participants{kind}"))
            }),
        allocation: design
            .and_then(|d| d.design_info.as_ref())
            .and_then(|i| i.allocation.as_deref())
            .map(code_label),
        interventions: study
            .interventions()
            .iter()
            .map(|i| InterventionView {
                kind: i.kind.as_deref().map(code_label),
                name: i.name.clone(),
                description: i.description.clone(),
            })
            .collect(),
        criteria: parsed.as_ref().map(criteria_view).unwrap_or_default(),
        sponsor_profile: sponsor_profile
            .filter(|p| p.trial_count > 0)
            .map(|p| SponsorView {
                name: p.name.clone(),
                trial_count: p.trial_count,
                by_status: p
                    .by_status
                    .iter()
                    .map(|(s, n)| (status_label(s), *n))
                    .collect(),
                top_conditions: p.top_conditions.clone(),
            }),
        countries: group_locations(study),
        site_count: study.locations().len(),
        patients_applied,
        timeline: timeline(study),
        contacts: study
            .central_contacts()
            .iter()
            .map(|c| ContactView {
                name: c.name.clone().unwrap_or_default(),
                role: c.role.as_deref().map(code_label),
                phone: c.phone.clone(),
                email: c.email.clone(),
            })
            .collect(),
        officials: ps
            .contacts_locations_module
            .as_ref()
            .map(|c| {
                c.overall_officials
                    .iter()
                    .map(|o| ContactView {
                        name: o.name.clone(),
                        role: o.role.as_deref().map(code_label),
                        phone: None,
                        email: None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// "November 13, 2025".
fn long_date(t: OffsetDateTime) -> String {
    format!("{} {}, {}", t.month(), t.day(), t.year())
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// "14 to 65 years", "18 years and older", "Up to 17 years", "Any age".
pub fn ages_label(study: &Study) -> String {
    match (
        study.minimum_age().ok().flatten(),
        study.maximum_age().ok().flatten(),
    ) {
        (Some(min), Some(max)) if min.unit == max.unit => {
            let word = min.unit.registry_word().to_lowercase();
            format!("{} to {} {}", trim(min.value), trim(max.value), word)
        }
        (Some(min), Some(max)) => format!("{} to {}", min.human(), max.human()),
        (Some(min), None) => format!("{} and older", min.human()),
        (None, Some(max)) => format!("Up to {}", max.human()),
        (None, None)
            if study
                .eligibility()
                .is_some_and(|e| e.minimum_age.is_none() && e.maximum_age.is_none()) =>
        {
            "Any age (no limits given)".into()
        }
        (None, None) => NOT_REPORTED.into(),
    }
}

fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The summary written from the record and its typed criteria, with glossary terms marked.
fn plain_summary(
    study: &Study,
    parsed: Option<&criteria::ParsedCriteria>,
) -> (Vec<SummaryPart>, String) {
    let hints = parsed
        .map(summary::EligibilityHints::from_parsed)
        .unwrap_or_default();
    let plain = summary::summarize_with(study, &hints);
    let mut all_terms = Vec::new();
    let parts = plain
        .sections
        .iter()
        .map(|section| {
            let text = section.sentences.join(" ");
            let terms = summary::find_terms(&text);
            let html = summary::annotate_html(&text, &terms);
            all_terms.extend(terms.into_iter().map(|m| m.entry.id));
            SummaryPart {
                heading: section.heading,
                html,
            }
        })
        .collect();
    // One glossary for the whole summary, each term once, in order of first use.
    let mut seen = Vec::new();
    let mut glossary = String::from("<dl class=\"glossary\">");
    for id in all_terms {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Some(entry) = summary::glossary_entry(id) {
            glossary.push_str(&format!(
                "<dt>{}</dt><dd id=\"gloss-{}\">{}</dd>",
                summary::escape_html(entry.term),
                entry.id,
                summary::escape_html(entry.explanation)
            ));
        }
    }
    glossary.push_str("</dl>");
    (
        parts,
        if seen.is_empty() {
            String::new()
        } else {
            glossary
        },
    )
}

pub fn criteria_view(parsed: &criteria::ParsedCriteria) -> CriteriaView {
    let mut view = CriteriaView {
        present: true,
        ..CriteriaView::default()
    };
    for section in &parsed.sections {
        let items: Vec<CriterionView> = section
            .criteria
            .iter()
            .map(|&i| criterion_view(parsed, i))
            .collect();
        match section.kind {
            criteria::SectionKind::Inclusion => view.inclusion.extend(items),
            criteria::SectionKind::Exclusion => view.exclusion.extend(items),
            criteria::SectionKind::Unspecified => view.unspecified.extend(items),
        }
    }
    view
}

fn criterion_view(parsed: &criteria::ParsedCriteria, index: usize) -> CriterionView {
    let c = &parsed.criteria[index];
    let text = unescape_markdown(c.text.trim());
    CriterionView {
        self_labelled: starts_with_enumerator(&text),
        text,
        rules: c
            .rules
            .iter()
            .filter(|r| r.kind() != "free_text")
            .map(|r| RuleView {
                kind: code_label(r.kind()),
                explanation: r.explain(),
            })
            .collect(),
        children: c
            .children
            .iter()
            .map(|&i| criterion_view(parsed, i))
            .collect(),
    }
}

/// "a. ...", "b) ...", "(iv) ...", "ii. ...": a sub-item that carries its own label.
fn starts_with_enumerator(text: &str) -> bool {
    let t = text.strip_prefix('(').unwrap_or(text);
    let label_len = t.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    if label_len == 0 || label_len > 4 {
        return false;
    }
    let rest = &t[label_len..];
    let label = &t[..label_len];
    let roman = label
        .chars()
        .all(|c| matches!(c.to_ascii_lowercase(), 'i' | 'v' | 'x'));
    (label_len == 1 || roman) && (rest.starts_with(". ") || rest.starts_with(") "))
}

/// The registry's criteria are Markdown: `\<` and `\>` stand for `<` and `>`.
fn unescape_markdown(text: &str) -> String {
    text.replace("\\<", "<")
        .replace("\\>", ">")
        .replace("\\*", "*")
        .replace("\\_", "_")
}

fn group_locations(study: &Study) -> Vec<CountryView> {
    let mut countries: Vec<CountryView> = Vec::new();
    for site in study.locations() {
        let country = site
            .country
            .clone()
            .unwrap_or_else(|| "Country not reported".into());
        let place = [site.city.as_deref(), site.state.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let place = if place.is_empty() {
            "City not reported".to_string()
        } else {
            place
        };
        let site_view = SiteView {
            facility: site
                .facility
                .clone()
                .unwrap_or_else(|| "Site name not reported".into()),
            status: site.status.as_deref().map(status_label),
        };
        let country_view = match countries.iter_mut().find(|c| c.country == country) {
            Some(c) => c,
            None => {
                countries.push(CountryView {
                    country,
                    cities: Vec::new(),
                });
                countries.last_mut().unwrap()
            }
        };
        match country_view.cities.iter_mut().find(|c| c.place == place) {
            Some(city) => city.sites.push(site_view),
            None => country_view.cities.push(CityView {
                place,
                sites: vec![site_view],
            }),
        }
    }
    countries
}

fn timeline(study: &Study) -> Vec<TimelineEntry> {
    let status = &study.protocol_section.status_module;
    let from_struct = |label, d: &Option<DateStruct>| match d {
        Some(d) => TimelineEntry {
            label,
            date: PartialDate::parse(&d.date).map_or_else(|| d.date.clone(), |p| p.human()),
            certainty: match d.kind.as_deref() {
                Some("ACTUAL") => "Actual",
                Some("ESTIMATED") => "Estimated",
                _ => "",
            },
        },
        None => TimelineEntry {
            label,
            date: NOT_REPORTED.into(),
            certainty: "",
        },
    };
    let first_submitted = TimelineEntry {
        label: "First submitted",
        date: status
            .study_first_submit_date
            .as_deref()
            .and_then(PartialDate::parse)
            .map_or_else(|| NOT_REPORTED.into(), |d| d.human()),
        // A submission date is always a fact, never a plan.
        certainty: if status.study_first_submit_date.is_some() {
            "Actual"
        } else {
            ""
        },
    };
    vec![
        first_submitted,
        from_struct("Trial start", &status.start_date_struct),
        from_struct("Last updated", &status.last_update_post_date_struct),
        from_struct("Primary completion", &status.primary_completion_date_struct),
        from_struct("Completion", &status.completion_date_struct),
    ]
}
