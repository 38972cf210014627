//! Writes the plain-language summary of one study.
//!
//! Every sentence is built from one record field with a fixed, short template, so each fact it
//! states can be traced to the record; the facts stated are also returned as [`Claims`] so
//! tests and the faithfulness checker can compare them with the record.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use ctgov::{Age, AgeUnit, DateStruct, PartialDate, Study};
use regex::Regex;
use serde::Serialize;

use crate::eligibility::{EligibilityHints, RequiredDiseaseState};
use crate::lay::{condition_key, lay_condition};

/// The parts of a summary, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// What is being tested.
    Tested,
    /// Which conditions the study is about.
    ForWhom,
    /// The main goals (primary outcomes).
    Goals,
    /// Who might be able to join.
    Eligibility,
    /// What taking part involves.
    TakingPart,
    /// Recruitment status and the one date that matters for it.
    Status,
}

impl SectionKind {
    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::Tested => "What is being studied",
            SectionKind::ForWhom => "Who it is for",
            SectionKind::Goals => "Main goals",
            SectionKind::Eligibility => "Who might be able to join",
            SectionKind::TakingPart => "What taking part involves",
            SectionKind::Status => "Where the study is now",
        }
    }
}

/// One part of the summary: a heading and short sentences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummarySection {
    pub kind: SectionKind,
    pub heading: &'static str,
    pub sentences: Vec<String>,
}

/// A condition the summary names, with the registry's wording it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatedCondition {
    pub registry: String,
    pub lay: String,
}

/// The record facts a summary states, field by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Claims {
    /// Registry status code (`RECRUITING`).
    pub status: Option<String>,
    /// Registry phase codes (`PHASE1`, `PHASE2`).
    pub phases: Vec<String>,
    /// Ages as the registry writes them (`18 Years`).
    pub minimum_age: Option<String>,
    pub maximum_age: Option<String>,
    /// Registry sex code (`ALL`, `FEMALE`, `MALE`).
    pub sex: Option<String>,
    pub conditions: Vec<StatedCondition>,
    /// Intervention names, verbatim.
    pub interventions: Vec<String>,
    pub enrollment: Option<u64>,
    /// Registry dates stated (`2025-08`).
    pub dates: Vec<String>,
}

/// A plain-language summary of one study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlainSummary {
    pub nct_id: String,
    pub sections: Vec<SummarySection>,
    pub claims: Claims,
}

impl PlainSummary {
    /// The summary as text: one paragraph per section, sentences separated by spaces.
    pub fn text(&self) -> String {
        self.sections
            .iter()
            .map(|s| s.sentences.join(" "))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Flesch-Kincaid grade of [`PlainSummary::text`] (headings excluded).
    pub fn grade(&self) -> f64 {
        crate::flesch_kincaid_grade(&self.text()).unwrap_or(0.0)
    }

    pub fn section(&self, kind: SectionKind) -> Option<&SummarySection> {
        self.sections.iter().find(|s| s.kind == kind)
    }

    /// Proposed markup for the trial page: one `<h3>` and `<p>` per section, glossary terms
    /// linked (keyboard-reachable, `aria-describedby`) to a "Words explained" list that follows.
    /// All text is HTML-escaped.
    pub fn to_html(&self) -> String {
        use crate::glossary::{annotate_html, escape_html, find_terms, glossary_html};
        let mut out = String::from("<section class=\"plain-summary\">");
        let mut all = Vec::new();
        for s in &self.sections {
            let paragraph = s.sentences.join(" ");
            let terms = find_terms(&paragraph);
            out.push_str(&format!(
                "<h3>{}</h3><p>{}</p>",
                escape_html(s.heading),
                annotate_html(&paragraph, &terms)
            ));
            all.extend(terms);
        }
        if !all.is_empty() {
            out.push_str("<h3>Words explained</h3>");
            out.push_str(&glossary_html(&all));
        }
        out.push_str("</section>");
        out
    }
}

/// Summarises a study from its record alone, reading a few safe facts from its criteria
/// text with [`EligibilityHints::from_criteria_text`].
pub fn summarize(study: &Study) -> PlainSummary {
    let hints = study
        .eligibility_criteria()
        .map(EligibilityHints::from_criteria_text)
        .unwrap_or_default();
    summarize_with(study, &hints)
}

/// Summarises a study, using `hints` (typed eligibility facts) for the eligibility part.
pub fn summarize_with(study: &Study, hints: &EligibilityHints) -> PlainSummary {
    let mut claims = Claims::default();
    let mut sections = Vec::new();
    let observational = study.study_type() == Some("OBSERVATIONAL");

    // What is being studied.
    let mut tested = Vec::new();
    let (named, placebo, sham, more) = interventions(study);
    if observational {
        tested.push("In this study, researchers watch and record what happens.".to_string());
        tested.push("They do not choose anyone's treatment.".to_string());
    }
    let verb = if observational {
        "It looks at"
    } else {
        "This study tests"
    };
    let total_words: usize = named
        .iter()
        .map(|(_, n)| n.split_whitespace().count())
        .sum();
    if !named.is_empty() {
        if total_words <= 6 && named.len() > 1 && named.iter().all(|(k, _)| *k == named[0].0) {
            let names: Vec<&str> = named.iter().map(|(_, n)| n.as_str()).collect();
            let kind = kind_words(named[0].0).1;
            if kind == "things" {
                tested.push(format!("{verb} {}.", join_and(&names)));
            } else {
                tested.push(format!("{verb} {kind} called {}.", join_and(&names)));
            }
        } else {
            for (i, (kind, name)) in named.iter().enumerate() {
                let lead = if i == 0 {
                    verb.to_string()
                } else {
                    "It also looks at".to_string()
                };
                let what = kind_words(*kind).0;
                if what.is_empty() {
                    tested.push(format!("{lead} {name}."));
                } else {
                    tested.push(format!("{lead} {what} called {name}."));
                }
            }
        }
        claims.interventions = named.iter().map(|(_, n)| n.clone()).collect();
    } else if !observational {
        tested.push("The record does not list what is being tested.".to_string());
    }
    if more {
        tested.push("The full list is in the trial record.".to_string());
    }
    if let Some(sentence) = phase_sentence(study.phases()) {
        tested.push(sentence);
        claims.phases = study
            .phases()
            .iter()
            .filter(|p| *p != "NA")
            .cloned()
            .collect();
    }
    sections.push(section(SectionKind::Tested, tested));

    // Who it is for.
    let mut for_whom = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stated: Vec<StatedCondition> = Vec::new();
    let mut more_conditions = false;
    for c in study.conditions() {
        let lay = lay_condition(c);
        if lay.is_empty() || !seen.insert(condition_key(&lay)) {
            continue;
        }
        if stated.len() == 3 {
            more_conditions = true;
            break;
        }
        stated.push(StatedCondition {
            registry: c.clone(),
            lay,
        });
    }
    if !stated.is_empty() {
        let lays: Vec<&str> = stated.iter().map(|s| s.lay.as_str()).collect();
        if lays
            .iter()
            .map(|l| l.split_whitespace().count())
            .sum::<usize>()
            <= 8
        {
            for_whom.push(format!("The study is about {}.", join_and(&lays)));
        } else {
            for (i, l) in lays.iter().enumerate() {
                let lead = if i == 0 {
                    "The study is about"
                } else {
                    "It is also about"
                };
                for_whom.push(format!("{lead} {l}."));
            }
        }
        if more_conditions {
            for_whom.push("The record lists more conditions too.".to_string());
        }
    }
    claims.conditions = stated;
    if !for_whom.is_empty() {
        sections.push(section(SectionKind::ForWhom, for_whom));
    }

    // Main goals.
    let goals = goal_sentences(study);
    if !goals.is_empty() {
        sections.push(section(SectionKind::Goals, goals));
    }

    // Who might be able to join.
    let mut elig = Vec::new();
    let min = study.minimum_age().ok().flatten();
    let max = study.maximum_age().ok().flatten();
    if let Some(s) = age_sentence(min, max) {
        elig.push(s);
    }
    claims.minimum_age = min.map(|a| a.to_string());
    claims.maximum_age = max.map(|a| a.to_string());
    if let Some(sex) = study.sex() {
        let adults_only = min.is_some_and(|a| a.in_years() >= 18.0);
        let children_only = max.is_some_and(|a| a.in_years() < 18.0);
        let s = match sex {
            "FEMALE" if adults_only => Some("The study is only for women."),
            "FEMALE" if children_only => Some("The study is only for girls."),
            "FEMALE" => Some("The study is only for girls and women."),
            "MALE" if adults_only => Some("The study is only for men."),
            "MALE" if children_only => Some("The study is only for boys."),
            "MALE" => Some("The study is only for boys and men."),
            "ALL" => Some("Both males and females can take part."),
            _ => None,
        };
        if let Some(s) = s {
            elig.push(s.to_string());
            claims.sex = Some(sex.to_string());
        }
    }
    if study.eligibility().and_then(|e| e.healthy_volunteers) == Some(true) {
        elig.push("Healthy volunteers can take part.".to_string());
    }
    elig.extend(hint_sentences(hints));
    if study
        .eligibility_criteria()
        .is_some_and(|t| !t.trim().is_empty())
    {
        elig.push("There are more rules about who can join.".to_string());
        elig.push("The study team will check them with you.".to_string());
    }
    if !elig.is_empty() {
        sections.push(section(SectionKind::Eligibility, elig));
    }

    // What taking part involves.
    let mut part = Vec::new();
    let design = study.protocol_section.design_module.as_ref();
    let info = design.and_then(|d| d.design_info.as_ref());
    let arms = study
        .protocol_section
        .arms_interventions_module
        .as_ref()
        .map_or(0, |a| a.arm_groups.len());
    if !observational {
        match info.and_then(|i| i.allocation.as_deref()) {
            Some("RANDOMIZED") => {
                if arms >= 2 {
                    part.push(format!("People are put into {arms} groups by chance."));
                } else {
                    part.push("People are put into groups by chance.".to_string());
                }
            }
            Some("NON_RANDOMIZED") if arms >= 2 => part.push(format!(
                "There are {arms} groups, but people are not put in them by chance."
            )),
            _ => {}
        }
        match info.and_then(|i| i.intervention_model.as_deref()) {
            Some("SINGLE_GROUP") => {
                part.push("Everyone in the study follows the same plan.".to_string())
            }
            Some("CROSSOVER") => {
                part.push("Each person gets the treatments one after the other.".to_string())
            }
            Some("PARALLEL") if arms >= 2 => {
                part.push("Each group gets a different plan.".to_string())
            }
            _ => {}
        }
        match info
            .and_then(|i| i.masking_info.as_ref())
            .and_then(|m| m.masking.as_deref())
        {
            Some("NONE") => part.push("Everyone knows what each person gets.".to_string()),
            Some("SINGLE" | "DOUBLE" | "TRIPLE" | "QUADRUPLE") => part.push(
                "Some of the people involved will not know who gets which treatment.".to_string(),
            ),
            _ => {}
        }
        if placebo {
            part.push("Some people may get a placebo.".to_string());
        }
        if sham {
            part.push("Some people may get a sham.".to_string());
        }
    } else {
        part.push("Researchers collect facts about people's health.".to_string());
    }
    if let Some(e) = design.and_then(|d| d.enrollment_info.as_ref()) {
        let actual = e.kind.as_deref() == Some("ACTUAL");
        match e.count {
            Some(0) if actual => part.push("No one took part.".to_string()),
            Some(n) if n > 0 && actual => part.push(format!("{} took part.", people(n))),
            Some(n) if n > 0 => part.push(format!("The study plans to include {}.", people(n))),
            _ => {}
        }
        claims.enrollment = e.count.filter(|n| *n > 0);
    }
    if let Some(s) = sites_sentence(study) {
        part.push(s);
    }
    if !part.is_empty() {
        sections.push(section(SectionKind::TakingPart, part));
    }

    // Status.
    let (status_sentences, date) = status_sentences(study);
    if !status_sentences.is_empty() {
        claims.status = Some(study.overall_status().to_string());
        sections.push(section(SectionKind::Status, status_sentences));
    }
    if let Some(d) = date {
        claims.dates.push(d);
    }

    PlainSummary {
        nct_id: study.nct_id().to_string(),
        sections,
        claims,
    }
}

fn section(kind: SectionKind, sentences: Vec<String>) -> SummarySection {
    SummarySection {
        kind,
        heading: kind.heading(),
        sentences,
    }
}

fn people(n: u64) -> String {
    if n == 1 {
        "1 person".to_string()
    } else {
        format!("{} people", with_commas(n))
    }
}

/// `10000` → `10,000`; smaller numbers stay as they are.
fn with_commas(n: u64) -> String {
    let digits = n.to_string();
    if n < 10_000 {
        return digits;
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Country names that read with "the" ("in the United States").
fn country_words(country: &str) -> String {
    let lower = country.to_lowercase();
    let needs_the = lower.starts_with("united ")
        || lower.contains("republic")
        || lower.contains("federation")
        || lower.contains("islands")
        || ["netherlands", "philippines", "gambia", "bahamas"].contains(&lower.as_str());
    if needs_the {
        format!("the {country}")
    } else {
        country.to_string()
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [a] => a.to_string(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// (singular phrase, plural noun) for an intervention type.
fn kind_words(kind: Option<&str>) -> (&'static str, &'static str) {
    match kind {
        Some("DRUG") => ("a medicine", "medicines"),
        Some("DEVICE") => ("a device", "devices"),
        Some("PROCEDURE") => ("a procedure", "procedures"),
        Some("BEHAVIORAL") => ("a behavior program", "behavior programs"),
        Some("BIOLOGICAL") => ("a biological treatment", "biological treatments"),
        Some("RADIATION") => ("a radiation method", "radiation methods"),
        Some("DIAGNOSTIC_TEST") => ("a test", "tests"),
        Some("DIETARY_SUPPLEMENT") => ("a supplement", "supplements"),
        Some("GENETIC") => ("a gene-based method", "gene-based methods"),
        Some("COMBINATION_PRODUCT") => ("a combined product", "combined products"),
        _ => ("", "things"),
    }
}

/// Distinct named interventions (at most 3, placebo and sham left out), whether there is a
/// placebo or a sham, and whether more interventions exist than were named.
#[allow(clippy::type_complexity)]
fn interventions(study: &Study) -> (Vec<(Option<&str>, String)>, bool, bool, bool) {
    let mut named: Vec<(Option<&str>, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut placebo, mut sham, mut more) = (false, false, false);
    for i in study.interventions() {
        let Some(name) = short_name(&i.name) else {
            more = true;
            continue;
        };
        let lower = name.to_lowercase();
        if name.is_empty() {
            continue;
        }
        if lower.contains("placebo") {
            placebo = true;
            continue;
        }
        if lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "sham")
        {
            sham = true;
            continue;
        }
        if !seen.insert(lower) {
            continue;
        }
        if named.len() == 3 {
            more = true;
            continue;
        }
        named.push((i.kind.as_deref(), name));
    }
    if let Some(a) = study.protocol_section.arms_interventions_module.as_ref() {
        for arm in &a.arm_groups {
            match arm.kind.as_deref() {
                Some("PLACEBO_COMPARATOR") => placebo = true,
                Some("SHAM_COMPARATOR") => sham = true,
                _ => {}
            }
        }
    }
    (named, placebo, sham, more)
}

/// The intervention name, or its leading part when the registry put notes into the name
/// ("TH BSO with SNB Note: If participants ..."). `None` when no short leading part exists.
fn short_name(raw: &str) -> Option<String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = name.trim_end_matches([':', ';', ',']).trim().to_string();
    if name.split_whitespace().count() <= 8 {
        return Some(name);
    }
    let cut = [" Note:", " NOTE:", ":", " - ", " (", ";", ","]
        .iter()
        .filter_map(|sep| name.find(sep))
        .min()?;
    let head = name[..cut].trim();
    let words = head.split_whitespace().count();
    ((1..=8).contains(&words)).then(|| head.to_string())
}

fn phase_sentence(phases: &[String]) -> Option<String> {
    let mut nums: Vec<String> = Vec::new();
    let mut early = false;
    for p in phases {
        match p.as_str() {
            "EARLY_PHASE1" => early = true,
            other => {
                if let Some(n) = other.strip_prefix("PHASE") {
                    nums.push(n.to_string());
                }
            }
        }
    }
    if early && nums.is_empty() {
        return Some("This is an early phase 1 study.".to_string());
    }
    if nums.is_empty() {
        return None;
    }
    Some(format!("This is a phase {} study.", nums.join("/")))
}

fn age_words(a: Age) -> String {
    let unit = match (a.unit, a.value == 1.0) {
        (AgeUnit::Years, true) => "year",
        (AgeUnit::Years, false) => "years",
        (AgeUnit::Months, true) => "month",
        (AgeUnit::Months, false) => "months",
        (AgeUnit::Weeks, true) => "week",
        (AgeUnit::Weeks, false) => "weeks",
        (AgeUnit::Days, true) => "day",
        (AgeUnit::Days, false) => "days",
        (AgeUnit::Hours, true) => "hour",
        (AgeUnit::Hours, false) => "hours",
        (AgeUnit::Minutes, true) => "minute",
        (AgeUnit::Minutes, false) => "minutes",
    };
    format!("{} {unit}", number(a.value))
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn age_sentence(min: Option<Age>, max: Option<Age>) -> Option<String> {
    Some(match (min, max) {
        (Some(lo), Some(hi)) if lo.unit == hi.unit => {
            format!("You must be {} to {} old.", number(lo.value), age_words(hi))
        }
        (Some(lo), Some(hi)) => format!("You must be {} to {} old.", age_words(lo), age_words(hi)),
        (Some(lo), None) => format!("You must be at least {} old.", age_words(lo)),
        (None, Some(hi)) => format!("You must be {} old or younger.", age_words(hi)),
        (None, None) => "The record sets no age limit.".to_string(),
    })
}

fn hint_sentences(h: &EligibilityHints) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = h.performance {
        // What the highest accepted ECOG score means for daily life.
        let able = match p.max {
            0 => Some("fully active"),
            1 => Some("able to do light work"),
            2 => Some("able to care for yourself"),
            3 => Some("able to do some of your own care"),
            _ => None,
        };
        // A bare upper limit ("ECOG ≤ 2") is said as such: the 0 is not in the record.
        let range = if p.min == p.max {
            p.max.to_string()
        } else if p.min == 0 && !p.stated_min {
            format!("{} or less", p.max)
        } else {
            format!("{} to {}", p.min, p.max)
        };
        if let Some(able) = able {
            out.push(format!("You must be {able}."));
        }
        out.push(format!("This is an ECOG score of {range}."));
    }
    match (h.excludes_pregnant, h.excludes_breastfeeding) {
        (true, true) => {
            out.push("People who are pregnant or breastfeeding cannot join.".to_string())
        }
        (true, false) => out.push("People who are pregnant cannot join.".to_string()),
        (false, true) => out.push("People who are breastfeeding cannot join.".to_string()),
        _ => {}
    }
    if h.requires_contraception {
        out.push("People who could have a baby may need to use birth control.".to_string());
    }
    if !h.disease_states.is_empty() {
        let words: Vec<&str> = h
            .disease_states
            .iter()
            .map(|s| match s {
                RequiredDiseaseState::Relapsed => "came back after treatment",
                RequiredDiseaseState::Refractory => "did not respond to treatment",
                RequiredDiseaseState::Untreated => "has not been treated yet",
                RequiredDiseaseState::Metastatic => "has spread",
            })
            .collect();
        let joined = words.join(" or ");
        out.push(format!("Your disease must be one that {joined}."));
    }
    out
}

/// A goal: words that mark it in an outcome measure, and the plain phrase for it.
struct Goal {
    triggers: &'static [&'static str],
    /// Triggers that, when present, mean this goal does not apply (e.g. "progression-free
    /// survival" is not "overall survival").
    unless: &'static [&'static str],
    phrase: &'static str,
}

#[rustfmt::skip]
const GOALS: &[Goal] = &[
    Goal { triggers: &["maximum tolerated dose", "maximal tolerated dose", "mtd", "recommended phase 2 dose", "recommended phase ii dose", "rp2d", "optimal dose", "dose-finding", "dose finding", "dose escalation", "optimal biological dose"], unless: &[], phrase: "find the right dose" },
    Goal { triggers: &["adverse event", "adverse events", "side effect", "safety", "toxicity", "toxicities", "dose-limiting", "dose limiting", "dlt", "tolerability", "complication", "complications", "adverse reaction"], unless: &[], phrase: "check how safe it is" },
    Goal { triggers: &["progression-free survival", "progression free survival", "pfs", "time to progression", "disease progression"], unless: &[], phrase: "see how long people live before the disease gets worse" },
    Goal { triggers: &["disease-free survival", "disease free survival", "event-free survival", "event free survival", "relapse-free survival", "relapse free survival", "recurrence-free survival", "leukemia-free survival", "dfs", "efs", "rfs"], unless: &[], phrase: "see how long people stay free of the disease" },
    Goal { triggers: &["overall survival", "survival", "mortality", "death", "os rate"], unless: &["progression-free", "progression free", "disease-free", "disease free", "event-free", "event free", "relapse-free", "relapse free", "recurrence-free", "leukemia-free"], phrase: "see how long people live" },
    Goal { triggers: &["response rate", "objective response", "overall response", "complete response", "complete remission", "remission rate", "remission", "orr", "tumor response", "tumour response", "best response", "partial response", "mrd", "treatment response", "disease response", "recist", "blast reduction"], unless: &[], phrase: "see how often the disease shrinks or goes away" },
    Goal { triggers: &["recurrence", "relapse rate", "cumulative incidence of relapse", "relapse"], unless: &["relapse-free", "relapse free", "recurrence-free"], phrase: "see how often the disease comes back" },
    Goal { triggers: &["pharmacokinetic", "pharmacokinetics", "plasma concentration", "serum concentration", "cmax", "auc", "area under the curve", "half-life", "trough"], unless: &[], phrase: "measure how much of the medicine is in the blood" },
    Goal { triggers: &["sensitivity", "specificity", "diagnostic accuracy", "accuracy", "detection rate", "predictive value"], unless: &[], phrase: "see how well the test finds the condition" },
    Goal { triggers: &["pain", "vas", "nrs", "visual analog", "visual analogue", "numeric rating"], unless: &[], phrase: "see how it affects pain" },
    Goal { triggers: &["oswestry", "odi", "disability", "neck disability", "ndi", "physical function", "functional outcome", "function", "joa", "mobility", "range of motion"], unless: &["kidney function", "renal function", "liver function", "lung function", "pulmonary function", "cognitive function"], phrase: "see how well people can move and do daily tasks" },
    Goal { triggers: &["quality of life", "qol", "sf-36", "sf-12", "eq-5d", "hrqol"], unless: &[], phrase: "see how it affects quality of life" },
    Goal { triggers: &["fusion rate", "fusion status", "successful fusion", "radiographic fusion", "bony fusion", "solid fusion", "bone fusion", "fusion"], unless: &["gene fusion", "gene fusions", "fusion gene", "fusion genes"], phrase: "see if the bones grow together" },
    Goal { triggers: &["adjacent segment"], unless: &[], phrase: "see if nearby parts of the spine wear down" },
    Goal { triggers: &["hba1c", "a1c", "glycated", "blood glucose", "glucose", "blood sugar", "glycemic"], unless: &[], phrase: "see how it affects blood sugar" },
    Goal { triggers: &["blood pressure"], unless: &[], phrase: "see how it affects blood pressure" },
    Goal { triggers: &["body weight", "weight loss", "weight change", "bmi", "body mass index"], unless: &[], phrase: "see how it affects body weight" },
    Goal { triggers: &["depression", "depressive", "ham-d", "hamd", "madrs", "phq-9", "phq9", "bdi"], unless: &[], phrase: "see how it affects depression" },
    Goal { triggers: &["anxiety", "gad-7"], unless: &[], phrase: "see how it affects anxiety" },
    Goal { triggers: &["sleep", "insomnia", "nightmare", "nightmares"], unless: &[], phrase: "see how it affects sleep" },
    Goal { triggers: &["abstinence", "cessation", "quit", "smoking", "cigarettes"], unless: &[], phrase: "see how many people stop smoking" },
    Goal { triggers: &["opioid use", "drug use", "alcohol use", "substance use", "heavy drinking"], unless: &[], phrase: "see how it affects drug or alcohol use" },
    Goal { triggers: &["infection", "infections"], unless: &[], phrase: "see how often infections happen" },
    Goal { triggers: &["engraftment"], unless: &[], phrase: "see if the new blood-forming cells start to grow" },
    Goal { triggers: &["cognitive", "cognition", "memory", "mmse", "moca"], unless: &[], phrase: "see how it affects memory and thinking" },
    Goal { triggers: &["visual acuity", "vision"], unless: &[], phrase: "see how well people can see" },
    Goal { triggers: &["quality of recovery", "qor-40", "qor-15", "functional recovery", "time to recovery", "recovery time"], unless: &[], phrase: "see how well people recover" },
    Goal { triggers: &["morphine consumption", "opioid consumption", "analgesic consumption", "rescue medication", "analgesic use"], unless: &[], phrase: "see how much medicine people need" },
    Goal { triggers: &["asthma control", "symptom control", "disease control"], unless: &[], phrase: "see how well the condition is kept under control" },
    Goal { triggers: &["agitation"], unless: &[], phrase: "see how it affects agitation" },
    Goal { triggers: &["feasibility", "acceptability", "adherence", "compliance", "usability", "satisfaction", "retention", "recruitment rate", "completion rate", "engagement"], unless: &[], phrase: "see if it is practical for people to use" },
    Goal { triggers: &["incidence", "prevalence", "frequency"], unless: &[], phrase: "see how common something is" },
    Goal { triggers: &["risk factor", "risk factors"], unless: &[], phrase: "find what raises the risk" },
    Goal { triggers: &["image quality", "contrast enhancement", "enhancement", "visualization", "visualisation"], unless: &[], phrase: "see how clear the scans are" },
    Goal { triggers: &["reoperation", "re-operation", "revision surgery", "second surgery"], unless: &[], phrase: "see how often people need another operation" },
    Goal { triggers: &["length of stay", "hospital stay", "length of hospital"], unless: &[], phrase: "see how long people stay in the hospital" },
    Goal { triggers: &["characteristics", "epidemiology", "clinical features", "natural history", "description of"], unless: &[], phrase: "learn more about the condition" },
    Goal { triggers: &["mutation", "mutations", "biomarker", "biomarkers", "gene expression", "genetic", "ctdna", "expression", "genotyping", "molecular profiling", "profiling", "marker profile"], unless: &[], phrase: "look at genes or other markers" },
    Goal { triggers: &["symptom", "symptoms"], unless: &[], phrase: "see how it affects symptoms" },
];

static GOAL_MATCHERS: LazyLock<Vec<(Regex, Option<Regex>)>> = LazyLock::new(|| {
    let alt = |words: &[&str]| {
        let body = words
            .iter()
            .map(|w| regex::escape(w))
            .collect::<Vec<_>>()
            .join("|");
        Regex::new(&format!(r"(?i)\b(?:{body})\b")).unwrap()
    };
    GOALS
        .iter()
        .map(|g| {
            (
                alt(g.triggers),
                if g.unless.is_empty() {
                    None
                } else {
                    Some(alt(g.unless))
                },
            )
        })
        .collect()
});

fn goal_phrases(text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (g, (m, unless)) in GOALS.iter().zip(GOAL_MATCHERS.iter()) {
        // A trigger right after (or inside) an "unless" phrase does not count:
        // "survival rate" in "progression-free survival rate" is not overall survival.
        let blockers: Vec<regex::Match> = unless
            .as_ref()
            .map(|u| u.find_iter(text).collect())
            .unwrap_or_default();
        let applies = m.find_iter(text).any(|f| {
            !blockers
                .iter()
                .any(|x| x.start() <= f.start() && x.end() + 2 >= f.start())
        });
        if applies {
            out.push(g.phrase);
        }
    }
    // "Incidence of adverse events" is about safety: a generic goal only stands alone.
    if out.len() > 1 {
        out.retain(|p| !GENERIC_GOALS.contains(p));
    }
    out
}

/// Goals so broad that they add nothing next to a specific one.
const GENERIC_GOALS: &[&str] = &["see how common something is", "see how it affects symptoms"];

static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(\d+(?:\.\d+)?)\s*(days?|weeks?|months?|years?)|(days?|weeks?|months?|years?)\s+(\d+(?:\.\d+)?))\b").unwrap()
});

/// The longest duration named in the primary outcomes' time frames, as (number, unit word).
fn longest_time_frame(study: &Study) -> Option<(String, String)> {
    let outcomes = study.protocol_section.outcomes_module.as_ref()?;
    let mut best: Option<(f64, String, String)> = None;
    for o in &outcomes.primary_outcomes {
        let Some(tf) = o.time_frame.as_deref() else {
            continue;
        };
        let lower = tf.to_lowercase();
        if lower.contains("cycle") || lower.contains("every") || lower.contains("per ") {
            return None;
        }
        for c in DURATION.captures_iter(tf) {
            let (num, unit) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
                (Some(n), Some(u), _, _) => (n.as_str(), u.as_str()),
                (_, _, Some(u), Some(n)) => (n.as_str(), u.as_str()),
                _ => continue,
            };
            let Ok(v) = num.parse::<f64>() else { continue };
            let unit = unit.to_lowercase();
            let unit = unit.trim_end_matches('s');
            let days = v * match unit {
                "day" => 1.0,
                "week" => 7.0,
                "month" => 30.4,
                _ => 365.25,
            };
            if best.as_ref().is_none_or(|(d, _, _)| days > *d) {
                let word = if v == 1.0 {
                    unit.to_string()
                } else {
                    format!("{unit}s")
                };
                best = Some((days, num.to_string(), word));
            }
        }
    }
    best.filter(|(d, _, _)| *d > 0.0).map(|(_, n, u)| (n, u))
}

fn goal_sentences(study: &Study) -> Vec<String> {
    let Some(outcomes) = study.protocol_section.outcomes_module.as_ref() else {
        return Vec::new();
    };
    if outcomes.primary_outcomes.is_empty() {
        return Vec::new();
    }
    let mut phrases: Vec<&'static str> = Vec::new();
    for o in &outcomes.primary_outcomes {
        let mut found = goal_phrases(&o.measure);
        if found.is_empty()
            && let Some(d) = o.description.as_deref()
        {
            found = goal_phrases(d);
        }
        for p in found {
            if !phrases.contains(&p) {
                phrases.push(p);
            }
        }
    }
    let mut out = Vec::new();
    let mut phrases = phrases.into_iter();
    match phrases.next() {
        Some(first) => {
            out.push(format!("The main goal is to {first}."));
            for p in phrases.take(2) {
                out.push(format!("Another goal is to {p}."));
            }
        }
        None => {
            out.push("The record lists the main results the researchers will measure.".to_string())
        }
    }
    if let Some((n, unit)) = longest_time_frame(study) {
        out.push(format!(
            "The main results are checked for up to {n} {unit}."
        ));
    }
    out
}

fn sites_sentence(study: &Study) -> Option<String> {
    let locations = study.locations();
    if locations.is_empty() {
        return None;
    }
    let mut countries: Vec<&str> = Vec::new();
    for l in locations {
        if let Some(c) = l
            .country
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            && !countries.contains(&c)
        {
            countries.push(c);
        }
    }
    let named: Vec<String> = countries.iter().map(|c| country_words(c)).collect();
    let named: Vec<&str> = named.iter().map(String::as_str).collect();
    let place = match countries.len() {
        0 => String::new(),
        1..=3 => format!(" in {}", join_and(&named)),
        n => format!(" in {n} countries"),
    };
    if locations.len() == 1 {
        let l = &locations[0];
        // Some records put more than the city into the field ("Taipei, Taiwan, 100").
        let city = l
            .city
            .as_deref()
            .and_then(|c| c.split(',').next())
            .map(str::trim)
            .filter(|c| !c.is_empty());
        return Some(match (city, countries.first()) {
            (Some(city), Some(country)) => {
                format!("It takes place at one site in {city}, {country}.")
            }
            _ => format!("It takes place at one site{place}."),
        });
    }
    Some(format!(
        "It takes place at {} sites{place}.",
        with_commas(locations.len() as u64)
    ))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "August 2025" or "2025" for a registry date.
fn month_year(d: &DateStruct) -> Option<(String, String)> {
    let p = PartialDate::parse(&d.date)?;
    let text = match p.month {
        Some(m) => format!("{} {}", MONTHS[m as usize - 1], p.year),
        None => p.year.to_string(),
    };
    let key = match p.month {
        Some(m) => format!("{:04}-{m:02}", p.year),
        None => format!("{:04}", p.year),
    };
    Some((text, key))
}

fn status_sentences(study: &Study) -> (Vec<String>, Option<String>) {
    let status = &study.protocol_section.status_module;
    let start = status.start_date_struct.as_ref();
    let end = status.completion_date_struct.as_ref();
    let mut out: Vec<String> = Vec::new();
    let mut date = None;
    let mut push_date =
        |out: &mut Vec<String>, d: Option<&DateStruct>, actual: &str, planned: &str| {
            if let Some(d) = d
                && let Some((text, key)) = month_year(d)
            {
                out.push(format!(
                    "{} {text}.",
                    if d.is_actual() { actual } else { planned }
                ));
                date = Some(key);
            }
        };
    match study.overall_status() {
        "RECRUITING" => {
            out.push("The study is looking for people to join now.".to_string());
            push_date(&mut out, end, "It ended in", "It is expected to end in");
        }
        "NOT_YET_RECRUITING" => {
            out.push("The study has not started to sign people up yet.".to_string());
            push_date(&mut out, start, "It started in", "It plans to start in");
        }
        "ACTIVE_NOT_RECRUITING" => {
            out.push(
                "The study is still going on, but it is no longer taking new people.".to_string(),
            );
            push_date(&mut out, end, "It ended in", "It is expected to end in");
        }
        "ENROLLING_BY_INVITATION" => {
            out.push("Only people who are invited can join this study.".to_string());
            push_date(&mut out, end, "It ended in", "It is expected to end in");
        }
        "COMPLETED" => {
            out.push("The study has finished.".to_string());
            push_date(&mut out, end, "It ended in", "It was expected to end in");
        }
        "TERMINATED" => {
            out.push("The study was stopped early.".to_string());
            push_date(&mut out, end, "It ended in", "It was expected to end in");
        }
        "WITHDRAWN" => out.push("The study was stopped before anyone joined.".to_string()),
        "SUSPENDED" => out.push("The study is paused for now.".to_string()),
        "UNKNOWN" => {
            out.push("The record has not been updated for a long time.".to_string());
            out.push("So its status is unknown.".to_string());
        }
        "" => {}
        other => out.push(format!("Status: {}.", ctgov::status_label(other))),
    }
    (out, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(json: &str) -> Study {
        ctgov::Record::from_api_json(json).unwrap().study
    }

    #[test]
    fn ages_in_mixed_units_keep_their_units() {
        assert_eq!(
            age_sentence(Age::parse("6 Months"), Age::parse("17 Years")).unwrap(),
            "You must be 6 months to 17 years old."
        );
        assert_eq!(
            age_sentence(Age::parse("18 Years"), None).unwrap(),
            "You must be at least 18 years old."
        );
        assert_eq!(
            age_sentence(None, Age::parse("1 Year")).unwrap(),
            "You must be 1 year old or younger."
        );
    }

    #[test]
    fn goals_come_from_the_primary_outcomes() {
        assert_eq!(
            goal_phrases("Progression-free survival (PFS)"),
            ["see how long people live before the disease gets worse"]
        );
        assert_eq!(
            goal_phrases("Overall survival"),
            ["see how long people live"]
        );
        assert_eq!(
            goal_phrases("Incidence of dose-limiting toxicities"),
            ["check how safe it is"]
        );
        assert_eq!(
            goal_phrases("Incidence of delirium"),
            ["see how common something is"]
        );
        assert!(goal_phrases("Change in serum creatinine").is_empty());
    }

    const MINIMAL: &str = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT01234567","briefTitle":"T"},
        "statusModule":{"overallStatus":"COMPLETED","completionDateStruct":{"date":"2020-03","type":"ACTUAL"}},
        "conditionsModule":{"conditions":["Neoplasms"]},
        "designModule":{"studyType":"INTERVENTIONAL","phases":["PHASE1","PHASE2"]},
        "eligibilityModule":{"minimumAge":"18 Years","sex":"FEMALE"}}}"#;

    #[test]
    fn a_minimal_record_gives_a_short_faithful_summary() {
        let record = study(MINIMAL);
        let s = summarize(&record);
        let text = s.text();
        assert!(text.contains("This is a phase 1/2 study."), "{text}");
        assert!(text.contains("The study is about tumors."), "{text}");
        assert!(
            text.contains("You must be at least 18 years old."),
            "{text}"
        );
        assert!(text.contains("The study is only for women."), "{text}");
        assert!(
            text.contains("The study has finished. It ended in March 2020."),
            "{text}"
        );
        assert_eq!(s.claims.dates, ["2020-03"]);
        assert_eq!(crate::check_faithfulness(&text, &record), []);
    }

    #[test]
    fn html_has_every_section_and_explains_marked_words() {
        let s = summarize(&study(MINIMAL));
        let html = s.to_html();
        for sec in &s.sections {
            assert!(html.contains(&format!("<h3>{}</h3>", sec.heading)));
        }
        assert!(html.contains("href=\"#gloss-phase-1-2\""), "{html}");
        assert!(html.contains("<dd id=\"gloss-phase-1-2\">"), "{html}");
    }
}
