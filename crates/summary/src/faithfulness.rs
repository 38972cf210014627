//! Checks that what a summary says matches the record.
//!
//! [`check_faithfulness`] reads any text (ours, or a language model's) and pulls out the claims
//! a patient would act on: ages, sex, recruitment status, phase, conditions, dates, every
//! number, design words (randomized, placebo, sham, healthy volunteers) and names introduced
//! with "called"/"named". Each claim must be backed by the record; each one that is not becomes a
//! [`FaithfulnessIssue`]. [`check_summary`] adds checks on a [`PlainSummary`]'s structured
//! [`crate::Claims`].
//!
//! The text reader is pattern-based and leans towards catching claims: a phrase it cannot
//! read is not checked, so it finds wrong claims in the phrasings it knows (those this crate
//! writes and the common ways of saying the same), not in every possible sentence.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use ctgov::{Age, Study};
use regex::Regex;
use serde::Serialize;

use crate::compose::PlainSummary;
use crate::lay::lay_condition;

/// What kind of fact a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    Age,
    Sex,
    Status,
    Phase,
    Condition,
    Intervention,
    Date,
    Number,
    /// Study design: randomization, placebo or sham, healthy volunteers.
    Design,
}

/// A claim in a text that the record does not support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaithfulnessIssue {
    pub kind: ClaimKind,
    /// The words of the text that make the claim.
    pub stated: String,
    /// What the record says instead (empty when the record says nothing on it).
    pub record: String,
}

impl std::fmt::Display for FaithfulnessIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}: text says \"{}\", record has \"{}\"",
            self.kind, self.stated, self.record
        )
    }
}

fn issue(kind: ClaimKind, stated: &str, record: impl Into<String>) -> FaithfulnessIssue {
    FaithfulnessIssue {
        kind,
        stated: stated.to_string(),
        record: record.into(),
    }
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap()
}

// ---------------------------------------------------------------- status

const ANY_CLOSED: &[&str] = &[
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "TERMINATED",
    "SUSPENDED",
    "WITHDRAWN",
    "UNKNOWN",
    "ENROLLING_BY_INVITATION",
    "NOT_YET_RECRUITING",
];

static STATUS_PATTERNS: LazyLock<Vec<(Regex, &'static [&'static str])>> = LazyLock::new(|| {
    vec![
        (
            re(
                r"(?i)\bnot (?:yet )?(?:started|begun) to (?:sign|enrol|enroll|recruit)|\bnot yet (?:recruiting|enrolling|open|looking|started)\b|\bhas not (?:yet )?started\b",
            ),
            &["NOT_YET_RECRUITING"][..],
        ),
        (
            re(
                r"(?i)\bno longer (?:taking|recruiting|enrolling|accepting|looking)|\bnot (?:currently )?(?:recruiting|enrolling)\b|\bclosed to (?:new )?(?:enrollment|recruitment|people|participants)",
            ),
            ANY_CLOSED,
        ),
        (
            re(r"(?i)\bstopped before anyone\b|\b(?:was|been|is) withdrawn\b"),
            &["WITHDRAWN"][..],
        ),
        (
            re(r"(?i)\bstopped early\b|\b(?:was|been) terminated\b|\bended early\b"),
            &["TERMINATED"][..],
        ),
        (
            re(r"(?i)\b(?:is|was|been) (?:paused|suspended|on hold)\b"),
            &["SUSPENDED"][..],
        ),
        (
            re(
                r"(?i)\bstatus is unknown\b|\bunknown status\b|\bnot been updated for a long time\b",
            ),
            &["UNKNOWN"][..],
        ),
        (
            re(r"(?i)\bwho are invited\b|\bby invitation\b"),
            &["ENROLLING_BY_INVITATION"][..],
        ),
        (
            re(
                r"(?i)\b(?:has|have) (?:finished|ended|been completed|completed)\b|\bis (?:now )?(?:complete|completed|finished|over)\b",
            ),
            &["COMPLETED", "TERMINATED"][..],
        ),
        (
            re(r"(?i)\bstill going on\b|\bis ongoing\b|\bis still active\b"),
            &[
                "ACTIVE_NOT_RECRUITING",
                "RECRUITING",
                "ENROLLING_BY_INVITATION",
            ][..],
        ),
        (
            re(
                r"(?i)\b(?:is|are) (?:now |currently )?(?:recruiting|enrolling|looking for (?:people|participants|patients|volunteers))\b|\blooking for people to join\b|\bopen (?:for|to) (?:enrollment|new (?:people|participants|patients))\b|\bnow recruiting\b",
            ),
            &["RECRUITING"][..],
        ),
    ]
});

fn check_status(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let status = study.overall_status();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for (pattern, allowed) in STATUS_PATTERNS.iter() {
        for m in pattern.find_iter(text) {
            if taken.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
                continue;
            }
            taken.push((m.start(), m.end()));
            if !allowed.contains(&status) {
                out.push(issue(ClaimKind::Status, m.as_str(), status));
            }
        }
    }
}

// ---------------------------------------------------------------- phase

static PHASE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(early\s+)?phases?\s+([1-4]|iv|i{1,3})\b(?:\s*(?:/|-|and|or|to)\s*([1-4]|iv|i{1,3})\b)?",
    )
});

fn phase_number(s: &str) -> &'static str {
    match s.to_ascii_lowercase().as_str() {
        "1" | "i" => "1",
        "2" | "ii" => "2",
        "3" | "iii" => "3",
        _ => "4",
    }
}

fn check_phase(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let record: BTreeSet<&str> = study.phases().iter().map(String::as_str).collect();
    let record_text = study.phases().join(", ");
    for c in PHASE.captures_iter(text) {
        let early = c.get(1).is_some();
        let mut codes = vec![];
        for g in [c.get(2), c.get(3)].into_iter().flatten() {
            let n = phase_number(g.as_str());
            codes.push(if early && n == "1" {
                "EARLY_PHASE1".to_string()
            } else {
                format!("PHASE{n}")
            });
        }
        if codes.iter().any(|code| !record.contains(code.as_str())) {
            out.push(issue(ClaimKind::Phase, &c[0], record_text.clone()));
        }
    }
}

// ---------------------------------------------------------------- ages

const N: &str = r"(\d+(?:\.\d+)?)";
const U: &str = r"(years?|months?|weeks?|days?)";

static AGE_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b{N}\s*{U}?\s*(?:to|-|–|and)\s*{N}\s*{U}\s*(?:old|of age)\b|\b(?:aged?|ages|between the ages of)\s+{N}\s*{U}?\s*(?:to|-|–|and)\s*{N}\s*{U}?"
    ))
});
static AGE_LOWER: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(?:at least|older than|over|aged?)\s+{N}\s*{U}?\s*(?:old|of age)?\s*(?:or|and)\s+(?:older|over|above)\b|\b(?:at least|older than)\s+{N}\s*{U}?\s*(?:old|of age)\b|\b{N}\s*{U}\s*(?:old\s+|of age\s+)?(?:or|and)\s+(?:older|over|above)\b"
    ))
});
static AGE_UPPER: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(?:up to|under|younger than|no older than|at most|below)\s+{N}\s*{U}?\s*(?:old|of age)\b|\b{N}\s*{U}\s*(?:old\s+|of age\s+)?(?:or|and)\s+(?:younger|under|below)\b|\b(?:aged?|ages)\s+(?:up to|under|below)\s+{N}\s*{U}?"
    ))
});

fn parse_age(num: &str, unit: Option<&str>) -> Option<Age> {
    Age::parse(&format!("{num} {}", unit.unwrap_or("years")))
}

fn same_age(a: Age, b: Option<Age>) -> bool {
    b.is_some_and(|b| (a.in_years() - b.in_years()).abs() < 1e-6)
}

/// The first number/unit pairs present in a capture, in order.
fn numbers_in(c: &regex::Captures) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < c.len() {
        if let Some(n) = c.get(i) {
            let unit = c.get(i + 1).map(|u| u.as_str().to_string());
            out.push((n.as_str().to_string(), unit));
        }
        i += 2;
    }
    out
}

fn check_ages(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let min = study.minimum_age().ok().flatten();
    let max = study.maximum_age().ok().flatten();
    let record = format!(
        "{} to {}",
        min.map_or("no minimum".to_string(), |a| a.to_string()),
        max.map_or("no maximum".to_string(), |a| a.to_string())
    );
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for c in AGE_RANGE.captures_iter(text) {
        let m = c.get(0).unwrap();
        taken.push((m.start(), m.end()));
        let nums = numbers_in(&c);
        if nums.len() < 2 {
            continue;
        }
        // "18 to 75 years old": the first number takes the second's unit when it has none.
        let lo_unit = nums[0].1.clone().or_else(|| nums[1].1.clone());
        let lo = parse_age(&nums[0].0, lo_unit.as_deref());
        let hi = parse_age(&nums[1].0, nums[1].1.as_deref());
        let ok = lo.is_some_and(|a| same_age(a, min)) && hi.is_some_and(|a| same_age(a, max));
        if !ok {
            out.push(issue(ClaimKind::Age, m.as_str(), record.clone()));
        }
    }
    let overlaps = |taken: &Vec<(usize, usize)>, s: usize, e: usize| {
        taken.iter().any(|&(a, b)| s < b && a < e)
    };
    for (pattern, is_lower) in [(&*AGE_LOWER, true), (&*AGE_UPPER, false)] {
        for c in pattern.captures_iter(text) {
            let m = c.get(0).unwrap();
            if overlaps(&taken, m.start(), m.end()) {
                continue;
            }
            let Some((num, unit)) = numbers_in(&c).into_iter().next() else {
                continue;
            };
            let Some(age) = parse_age(&num, unit.as_deref()) else {
                continue;
            };
            let strict = m.as_str().to_lowercase();
            let strict = strict.contains("under")
                || strict.contains("younger than")
                || strict.contains("below");
            let ok = if is_lower {
                same_age(age, min)
            } else {
                same_age(age, max)
                    || (strict
                        && max
                            .is_some_and(|mx| (age.in_years() - 1.0 - mx.in_years()).abs() < 1e-6))
            };
            if !ok {
                out.push(issue(ClaimKind::Age, m.as_str(), record.clone()));
            }
        }
    }
}

// ---------------------------------------------------------------- sex

static SEX_FEMALE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:only|just)\s+(?:for\s+|open to\s+)?(?:women|females|girls|female|girls and women|women and girls)\b|\b(?:women|females|girls)\s+only\b",
    )
});
static SEX_MALE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:only|just)\s+(?:for\s+|open to\s+)?(?:men|males|boys|male|boys and men|men and boys)\b|\b(?:men|males|boys)\s+only\b",
    )
});
static SEX_ALL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bboth (?:males and females|females and males|men and women|women and men|sexes|genders)\b|\b(?:any|all) (?:sex|sexes|gender|genders)\b",
    )
});

fn check_sex(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let sex = study.sex().unwrap_or("");
    for (pattern, code) in [
        (&*SEX_FEMALE, "FEMALE"),
        (&*SEX_MALE, "MALE"),
        (&*SEX_ALL, "ALL"),
    ] {
        for m in pattern.find_iter(text) {
            if sex != code {
                out.push(issue(ClaimKind::Sex, m.as_str(), sex));
            }
        }
    }
}

// ---------------------------------------------------------------- conditions

/// Disease words a summary may state. General medical vocabulary, not any trial's wording.
const CONDITION_WORDS: &[&str] = &[
    "cancer",
    "cancers",
    "tumor",
    "tumors",
    "leukemia",
    "leukemias",
    "lymphoma",
    "lymphomas",
    "myeloma",
    "sarcoma",
    "melanoma",
    "glioma",
    "glioblastoma",
    "carcinoma",
    "mesothelioma",
    "diabetes",
    "asthma",
    "depression",
    "major depression",
    "anxiety",
    "schizophrenia",
    "bipolar",
    "obesity",
    "overweight",
    "high blood pressure",
    "low blood pressure",
    "stroke",
    "heart attack",
    "heart failure",
    "heart disease",
    "kidney disease",
    "kidney failure",
    "liver disease",
    "lung disease",
    "COPD",
    "arthritis",
    "wear-and-tear arthritis",
    "back pain",
    "neck pain",
    "sciatica",
    "slipped disc",
    "worn spinal discs",
    "narrowed spinal canal",
    "pinched nerve",
    "slipped spine bone",
    "HIV",
    "hepatitis",
    "COVID-19",
    "influenza",
    "flu",
    "migraine",
    "epilepsy",
    "Parkinson",
    "Alzheimer",
    "dementia",
    "multiple sclerosis",
    "autism",
    "ADHD",
    "trouble sleeping",
    "PTSD",
    "post-traumatic stress disorder",
    "addiction",
    "lupus",
    "psoriasis",
    "eczema",
    "Crohn",
    "colitis",
    "anemia",
    "hemophilia",
    "sickle cell",
    "cystic fibrosis",
    "tuberculosis",
    "malaria",
    "lung infection",
    "blood infection",
    "glaucoma",
    "cataract",
    "macular degeneration",
    "lazy eye",
    "infertility",
    "endometriosis",
    "weak bones",
    "scoliosis",
    "high cholesterol",
    "high blood fats",
    "high blood sugar",
    "low blood sugar",
    "nightmares",
    "myelodysplastic syndrome",
    "opioid addiction",
    "nicotine addiction",
    "tobacco addiction",
    "alcohol addiction",
    "drug addiction",
];

static CONDITION_FINDER: LazyLock<Regex> = LazyLock::new(|| {
    let mut words: Vec<&str> = CONDITION_WORDS.to_vec();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let body = words
        .iter()
        .map(|w| regex::escape(w))
        .collect::<Vec<_>>()
        .join("|");
    re(&format!(r"(?i)\b(?:{body})\b"))
});

/// Everything in the record that can back a condition word: conditions and keywords with
/// their plain forms, condition MeSH terms, titles and primary outcomes.
fn condition_corpus(study: &Study) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in study.conditions().iter().chain(study.keywords()) {
        parts.push(c.clone());
        parts.push(lay_condition(c));
    }
    for m in study.condition_meshes() {
        parts.push(m.term.clone());
        parts.push(lay_condition(&m.term));
    }
    let id = &study.protocol_section.identification_module;
    for t in [Some(&id.brief_title), id.official_title.as_ref()]
        .into_iter()
        .flatten()
    {
        parts.push(t.clone());
        parts.push(lay_condition(t));
    }
    // Intervention names may hold disease words ("Tumor Tissue Biopsy").
    for i in study.interventions() {
        parts.push(i.name.clone());
    }
    if let Some(o) = study.protocol_section.outcomes_module.as_ref() {
        for p in &o.primary_outcomes {
            parts.push(p.measure.clone());
            parts.extend(p.description.clone());
        }
    }
    parts.join(" | ").to_lowercase()
}

fn contains_word(haystack: &str, word: &str) -> bool {
    let mut from = 0;
    while let Some(i) = haystack[from..].find(word) {
        let s = from + i;
        let e = s + word.len();
        let before = haystack[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = haystack[e..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return true;
        }
        from = s + word.len().max(1);
    }
    false
}

fn singular(word: &str) -> &str {
    word.strip_suffix('s')
        .filter(|w| w.len() > 3)
        .unwrap_or(word)
}

fn check_conditions(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let mut corpus: Option<String> = None;
    for m in CONDITION_FINDER.find_iter(text) {
        let corpus = corpus.get_or_insert_with(|| condition_corpus(study));
        let word = m.as_str().to_lowercase();
        if !(contains_word(corpus, &word) || contains_word(corpus, singular(&word))) {
            out.push(issue(
                ClaimKind::Condition,
                m.as_str(),
                study.conditions().join("; "),
            ));
        }
    }
}

// ---------------------------------------------------------------- dates and numbers

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

static MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+(?:\d{1,2},\s+)?(\d{4})\b",
    )
});

fn record_dates(study: &Study) -> Vec<ctgov::PartialDate> {
    let s = &study.protocol_section.status_module;
    let mut out = Vec::new();
    for d in [
        &s.start_date_struct,
        &s.primary_completion_date_struct,
        &s.completion_date_struct,
        &s.study_first_post_date_struct,
        &s.last_update_post_date_struct,
    ]
    .into_iter()
    .flatten()
    {
        out.extend(ctgov::PartialDate::parse(&d.date));
    }
    for d in [
        &s.study_first_submit_date,
        &s.status_verified_date,
        &s.last_update_submit_date,
    ]
    .into_iter()
    .flatten()
    {
        out.extend(ctgov::PartialDate::parse(d));
    }
    out
}

fn check_dates(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let mut dates: Option<Vec<ctgov::PartialDate>> = None;
    for c in MONTH_YEAR.captures_iter(text) {
        let dates = dates.get_or_insert_with(|| record_dates(study));
        let name = c[1].to_lowercase();
        let month = MONTH_NAMES
            .iter()
            .position(|m| m.starts_with(&name[..3]))
            .map(|i| i as u8 + 1);
        let year: u16 = c[2].parse().unwrap_or(0);
        if !dates.iter().any(|d| d.year == year && d.month == month) {
            let listed = dates
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(issue(ClaimKind::Date, &c[0], listed));
        }
    }
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\d+(?:,\d{3})*(?:\.\d+)?"));

fn normalize_number(s: &str) -> String {
    let s = s.replace(',', "");
    let s = s.trim_start_matches('0');
    let s = if s.is_empty() || s.starts_with('.') {
        format!("0{s}")
    } else {
        s.to_string()
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Every number the record holds or directly implies (counts of its sites, groups,
/// countries and interventions; parts of its dates).
pub(crate) fn record_numbers(study: &Study) -> BTreeSet<String> {
    let mut texts: Vec<&str> = Vec::new();
    let p = &study.protocol_section;
    let id = &p.identification_module;
    texts.push(&id.brief_title);
    texts.extend(id.official_title.as_deref());
    texts.extend(id.acronym.as_deref());
    if let Some(d) = &p.description_module {
        texts.extend(d.brief_summary.as_deref());
        texts.extend(d.detailed_description.as_deref());
    }
    for c in study.conditions().iter().chain(study.keywords()) {
        texts.push(c);
    }
    for i in study.interventions() {
        texts.push(&i.name);
        texts.extend(i.description.as_deref());
        texts.extend(i.other_names.iter().map(String::as_str));
    }
    if let Some(a) = &p.arms_interventions_module {
        for g in &a.arm_groups {
            texts.push(&g.label);
            texts.extend(g.description.as_deref());
        }
    }
    if let Some(o) = &p.outcomes_module {
        for x in o.primary_outcomes.iter().chain(&o.secondary_outcomes) {
            texts.push(&x.measure);
            texts.extend(x.description.as_deref());
            texts.extend(x.time_frame.as_deref());
        }
    }
    if let Some(e) = study.eligibility() {
        texts.extend(e.eligibility_criteria.as_deref());
        texts.extend(e.minimum_age.as_deref());
        texts.extend(e.maximum_age.as_deref());
    }
    texts.extend(study.phases().iter().map(String::as_str));
    let mut set: BTreeSet<String> = BTreeSet::new();
    for t in texts {
        for m in NUMBER.find_iter(t) {
            set.insert(normalize_number(m.as_str()));
        }
    }
    for d in record_dates(study) {
        set.insert(d.year.to_string());
        set.extend(d.month.map(|m| m.to_string()));
        set.extend(d.day.map(|d| d.to_string()));
    }
    if let Some(n) = p
        .design_module
        .as_ref()
        .and_then(|d| d.enrollment_info.as_ref())
        .and_then(|e| e.count)
    {
        set.insert(n.to_string());
    }
    let locations = study.locations();
    for l in locations {
        for t in [&l.city, &l.state].into_iter().flatten() {
            for m in NUMBER.find_iter(t) {
                set.insert(normalize_number(m.as_str()));
            }
        }
    }
    set.insert(locations.len().to_string());
    let countries: BTreeSet<&str> = locations
        .iter()
        .filter_map(|l| l.country.as_deref())
        .collect();
    set.insert(countries.len().to_string());
    set.insert(
        p.arms_interventions_module
            .as_ref()
            .map_or(0, |a| a.arm_groups.len())
            .to_string(),
    );
    set.insert(study.interventions().len().to_string());
    set
}

fn check_numbers(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let mut known: Option<BTreeSet<String>> = None;
    for m in NUMBER.find_iter(text) {
        // A number glued to letters ("CD7", "COVID-19" excepted) is part of a name; names are
        // checked as conditions or interventions.
        let before = text[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        let known = known.get_or_insert_with(|| record_numbers(study));
        let n = normalize_number(m.as_str());
        if !known.contains(&n) {
            out.push(issue(ClaimKind::Number, m.as_str(), ""));
        }
    }
}

// ---------------------------------------------------------------- design

static RANDOMIZED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:randomi[sz]ed|randomly|by chance|at random)\b"));
static PLACEBO: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bplacebos?\b"));
static SHAM: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bsham\b"));
static HEALTHY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bhealthy (?:volunteers?|people|adults|participants)\b[^.]{0,30}\b(?:can|may|are able to)\b",
    )
});

fn check_design(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let p = &study.protocol_section;
    let allocation = p
        .design_module
        .as_ref()
        .and_then(|d| d.design_info.as_ref())
        .and_then(|i| i.allocation.as_deref())
        .unwrap_or("");
    // "not put in them by chance" states the opposite; look a few words back for a "not".
    let negated = |start: usize| {
        let from = text[..start]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        let before = text[from..start].to_lowercase();
        let clause = before.rsplit(['.', ';']).next().unwrap_or("");
        clause
            .split_whitespace()
            .any(|w| w == "not" || w == "no" || w == "never")
    };
    if let Some(m) = RANDOMIZED.find_iter(text).find(|m| !negated(m.start()))
        && allocation != "RANDOMIZED"
    {
        out.push(issue(
            ClaimKind::Design,
            m.as_str(),
            format!("allocation {allocation}"),
        ));
    }
    // Placebo and sham must appear somewhere in the arms or interventions.
    let arms_text = {
        let mut t = String::new();
        for i in study.interventions() {
            t.push_str(&i.name);
            t.push(' ');
            t.push_str(i.description.as_deref().unwrap_or(""));
            t.push(' ');
        }
        if let Some(a) = &p.arms_interventions_module {
            for g in &a.arm_groups {
                t.push_str(&g.label);
                t.push(' ');
                t.push_str(g.kind.as_deref().unwrap_or(""));
                t.push(' ');
                t.push_str(g.description.as_deref().unwrap_or(""));
                t.push(' ');
            }
        }
        t.to_lowercase()
    };
    for (pattern, word) in [(&*PLACEBO, "placebo"), (&*SHAM, "sham")] {
        if let Some(m) = pattern.find(text)
            && !arms_text.contains(word)
        {
            out.push(issue(
                ClaimKind::Design,
                m.as_str(),
                "no such arm or intervention",
            ));
        }
    }
    if let Some(m) = HEALTHY.find(text)
        && study.eligibility().and_then(|e| e.healthy_volunteers) != Some(true)
    {
        out.push(issue(
            ClaimKind::Design,
            m.as_str(),
            "healthy volunteers not accepted",
        ));
    }
}

// ---------------------------------------------------------------- named things

static CALLED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:called|named)\s+([A-Za-z0-9][A-Za-z0-9\-/+.]*)"));

/// "a medicine called X": the first word of X must be in the record's interventions, arms,
/// titles or conditions, so a model cannot slip in a treatment the record does not name.
fn check_named(text: &str, study: &Study, out: &mut Vec<FaithfulnessIssue>) {
    let mut record: Option<String> = None;
    for c in CALLED.captures_iter(text) {
        let record = record.get_or_insert_with(|| {
            let p = &study.protocol_section;
            let mut t = String::new();
            for i in study.interventions() {
                t.push_str(&i.name);
                t.push_str(" | ");
                for o in &i.other_names {
                    t.push_str(o);
                    t.push_str(" | ");
                }
            }
            if let Some(a) = &p.arms_interventions_module {
                for g in &a.arm_groups {
                    t.push_str(&g.label);
                    t.push_str(" | ");
                }
            }
            t.push_str(&p.identification_module.brief_title);
            t.push_str(" | ");
            t.push_str(
                p.identification_module
                    .official_title
                    .as_deref()
                    .unwrap_or(""),
            );
            for c in study.conditions() {
                t.push_str(" | ");
                t.push_str(c);
            }
            t.to_lowercase()
        });
        let first = c[1].trim_end_matches('.').to_lowercase();
        if !first.is_empty() && !contains_word(record, &first) {
            out.push(issue(ClaimKind::Intervention, &c[0], ""));
        }
    }
}

// ---------------------------------------------------------------- entry points

/// Every claim in `text` that the record does not support. Empty means faithful (as far as the
/// patterns in this module can read).
///
/// ```
/// let json = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT00000001","briefTitle":"A study"},
///   "statusModule":{"overallStatus":"RECRUITING"},"designModule":{"phases":["PHASE2"]},
///   "eligibilityModule":{"minimumAge":"18 Years","sex":"ALL"}}}"#;
/// let study = ctgov::Record::from_api_json(json).unwrap().study;
/// assert!(summary::check_faithfulness("This phase 2 study is looking for people to join now.", &study).is_empty());
/// let wrong = summary::check_faithfulness("This phase 3 study has finished. It is only for women.", &study);
/// assert_eq!(wrong.len(), 4); // phase, status, sex, and the number 3
/// ```
pub fn check_faithfulness(text: &str, study: &Study) -> Vec<FaithfulnessIssue> {
    let mut out = Vec::new();
    check_status(text, study, &mut out);
    check_phase(text, study, &mut out);
    check_ages(text, study, &mut out);
    check_sex(text, study, &mut out);
    check_conditions(text, study, &mut out);
    check_dates(text, study, &mut out);
    check_numbers(text, study, &mut out);
    check_design(text, study, &mut out);
    check_named(text, study, &mut out);
    out
}

/// [`check_faithfulness`] on the summary's text, plus checks on its structured claims: the
/// stated status, phases, ages and sex equal the record's, each condition is one of the
/// record's (in its plain form, present in the text), and each intervention name is the
/// record's, verbatim.
pub fn check_summary(summary: &PlainSummary, study: &Study) -> Vec<FaithfulnessIssue> {
    let text = summary.text();
    let mut out = check_faithfulness(&text, study);
    let c = &summary.claims;
    if let Some(s) = &c.status
        && s != study.overall_status()
    {
        out.push(issue(ClaimKind::Status, s, study.overall_status()));
    }
    let record_phases: Vec<&str> = study
        .phases()
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "NA")
        .collect();
    if !c.phases.is_empty()
        && c.phases.iter().map(String::as_str).collect::<Vec<_>>() != record_phases
    {
        out.push(issue(
            ClaimKind::Phase,
            &c.phases.join(", "),
            record_phases.join(", "),
        ));
    }
    let ages = [
        (
            &c.minimum_age,
            study.eligibility().and_then(|e| e.minimum_age.as_deref()),
        ),
        (
            &c.maximum_age,
            study.eligibility().and_then(|e| e.maximum_age.as_deref()),
        ),
    ];
    for (stated, record) in ages {
        let record_age = record.and_then(Age::parse);
        if stated.as_deref().and_then(Age::parse) != record_age {
            out.push(issue(
                ClaimKind::Age,
                stated.as_deref().unwrap_or(""),
                record.unwrap_or(""),
            ));
        }
    }
    if let Some(s) = &c.sex
        && Some(s.as_str()) != study.sex()
    {
        out.push(issue(ClaimKind::Sex, s, study.sex().unwrap_or("")));
    }
    for sc in &c.conditions {
        let in_record = study.conditions().contains(&sc.registry);
        if !in_record || sc.lay != lay_condition(&sc.registry) || !text.contains(&sc.lay) {
            out.push(issue(ClaimKind::Condition, &sc.lay, sc.registry.clone()));
        }
    }
    let names: Vec<String> = study
        .interventions()
        .iter()
        .map(|i| i.name.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for name in &c.interventions {
        if !names.iter().any(|n| n.starts_with(name.as_str())) || !text.contains(name.as_str()) {
            out.push(issue(ClaimKind::Intervention, name, names.join("; ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(elig: &str, status: &str, phases: &str, conditions: &str) -> Study {
        let json = format!(
            r#"{{"protocolSection":{{"identificationModule":{{"nctId":"NCT00000001","briefTitle":"A study"}},
            "statusModule":{{"overallStatus":"{status}","startDateStruct":{{"date":"2024-05"}}}},
            "conditionsModule":{{"conditions":[{conditions}]}},
            "designModule":{{"phases":[{phases}],"enrollmentInfo":{{"count":120}}}},
            "eligibilityModule":{{{elig}}}}}}}"#
        );
        ctgov::Record::from_api_json(&json).unwrap().study
    }

    fn kinds(text: &str, s: &Study) -> Vec<ClaimKind> {
        check_faithfulness(text, s)
            .into_iter()
            .map(|i| i.kind)
            .collect()
    }

    #[test]
    fn ages_must_be_the_records() {
        let s = study(
            r#""minimumAge":"18 Years","maximumAge":"75 Years""#,
            "RECRUITING",
            "",
            "",
        );
        assert_eq!(kinds("You must be 18 to 75 years old.", &s), []);
        assert_eq!(
            kinds("People aged 18 to 65 can join.", &s),
            [ClaimKind::Age, ClaimKind::Number]
        );
        assert_eq!(
            kinds("You must be at least 21 years old.", &s),
            [ClaimKind::Age, ClaimKind::Number]
        );
        // "under 76" is the same bound as "75 or younger", but 76 is not a number of the record.
        assert_eq!(
            kinds("Adults under 76 years of age.", &s),
            [ClaimKind::Number]
        );
        // A duration is not an age.
        assert_eq!(kinds("Results are checked for up to 75 years.", &s), []);
    }

    #[test]
    fn status_phase_and_sex_must_be_the_records() {
        let s = study(
            r#""sex":"FEMALE""#,
            "NOT_YET_RECRUITING",
            r#""PHASE1","PHASE2""#,
            "",
        );
        assert_eq!(
            kinds(
                "The study has not started to sign people up yet. This is a phase 1/2 study. It is only for women.",
                &s
            ),
            []
        );
        assert_eq!(
            kinds("The study is looking for people to join now.", &s),
            [ClaimKind::Status]
        );
        assert_eq!(kinds("This is a phase III trial.", &s), [ClaimKind::Phase]);
        assert_eq!(kinds("Both men and women can join.", &s), [ClaimKind::Sex]);
    }

    #[test]
    fn a_named_treatment_must_be_in_the_record() {
        let json = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT00000001","briefTitle":"A study"},
            "statusModule":{"overallStatus":"RECRUITING"},
            "armsInterventionsModule":{"interventions":[{"type":"DRUG","name":"Osimertinib"}]}}}"#;
        let s = ctgov::Record::from_api_json(json).unwrap().study;
        assert_eq!(kinds("It tests a medicine called Osimertinib.", &s), []);
        assert_eq!(
            kinds("It tests a medicine called Gefitinib.", &s),
            [ClaimKind::Intervention]
        );
    }

    #[test]
    fn design_words_need_the_records_design() {
        let s = study("", "RECRUITING", "", "");
        assert_eq!(
            kinds(
                "People are put into groups by chance. Some get a placebo. Healthy volunteers can join.",
                &s
            ),
            [ClaimKind::Design, ClaimKind::Design, ClaimKind::Design]
        );
    }

    #[test]
    fn conditions_dates_and_numbers_must_come_from_the_record() {
        let s = study("", "RECRUITING", "", r#""Carcinoma, Non-Small-Cell Lung""#);
        assert_eq!(
            kinds(
                "It is about lung cancer. It started in May 2024. It will take 120 people.",
                &s
            ),
            []
        );
        assert_eq!(
            kinds("It is about breast cancer and diabetes.", &s),
            [ClaimKind::Condition]
        );
        assert_eq!(kinds("It started in June 2024.", &s), [ClaimKind::Date]);
        assert_eq!(kinds("It will take 150 people.", &s), [ClaimKind::Number]);
    }
}
