//! Precision / recall / F1 of extracted thresholds against brat-standoff annotations (Chia, LCT).
//!
//! **Gold items.** A gold item is one annotated numeric threshold with a kind:
//! - *Chia*: a `Value` entity containing a number (digits or a number word), reached by
//!   `Has_value` from a `Person` entity about age (→ `age`; a `Person` naming a body measure, or a
//!   sex holding a number as in "> 1.5 mg/dL in men", → `measurement`), or from a `Measurement` /
//!   `Observation` (→ `score` when the name is a score, scale, grade, class, performance status or
//!   a well-known clinical scale such as MMSE, HAM-D, Gleason, ASA, NIHSS; else `measurement`);
//!   and every `Temporal` entity containing a number (→ `temporal`). Values joined by an `OR` equivalence with the same
//!   number ("greater than 10" OR "equal to 10") are one item with the combined comparator (≥).
//!   The comparator, number(s) and unit class are read from the annotated text.
//! - *LCT*: an `Eq-Comparison` event with an `Eq-Value` argument, which is the `Numeric-Filter` of
//!   an `Age` event (→ `age`) or of an `Observation` event (→ `score` when the observation's
//!   `Observation-Type-Value` is `clinical-score` or `survey-or-questionnaire`, or, without a
//!   type, when its name is a score name by the Chia rule; else `measurement`), or the
//!   `Temporality` of any event (→ `temporal`); a comparison joined to such a one by an `Or` /
//!   `And` relation has its kind. The comparator comes from `Eq-Operator-Value`; several values,
//!   or one value written as a range or enumeration ("0-2", "0, 1 or 2") without a one-sided
//!   operator, are the range they span (`between`, put in order); comparisons with one bare value
//!   joined by `Or` ("0" or "1") are likewise one range; a pressure pair ("140/90") is two items,
//!   as in Chia. The unit class comes from `Eq-Temporal-Unit-Value`, the unit text, or
//!   `Eq-Unit-Value ref-range-*` (→ ULN).
//!
//! **Predicted items.** From `criteria::parse` of the same text: age rules (`age`); thresholds of
//! lab, organ-function, biomarker, life-expectancy and lesion-size rules (`measurement`, except
//! dyspnea grade and NYHA class: `score`); performance status (`score`); time windows of any rule
//! (`temporal`). Items with the same span and value are counted once.
//!
//! **Matching.** A predicted item matches a gold item (one-to-one, greedy in text order) when the
//! kinds are equal, the spans overlap by at least one character, the values are equal (and the
//! upper values, for ranges), the comparators are equal (a gold item without a stated comparator
//! accepts any), and the unit classes are equal when both sides state one (`uln`, `%`, a time
//! unit; other units are not compared). *Span-only* scores drop the value, comparator and unit
//! conditions.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use criteria::{Comparator, Reference, RuleBody, Span, Threshold};
use regex::Regex;
use serde::Serialize;

use crate::EvalError;

/// Which corpus layout to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Corpus {
    /// Chia zip: `*/NCTxxxxxxxx_inc.txt|.ann`, `_exc.txt|.ann`.
    Chia,
    /// LCT tar.gz: `lct_brat/*/NCTxxxxxxxx.txt|.ann`.
    Lct,
}

/// Threshold kinds scored separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdKind {
    Age,
    Measurement,
    Score,
    Temporal,
}

impl ThresholdKind {
    const ALL: [ThresholdKind; 4] = [
        ThresholdKind::Age,
        ThresholdKind::Measurement,
        ThresholdKind::Score,
        ThresholdKind::Temporal,
    ];
    fn name(self) -> &'static str {
        match self {
            ThresholdKind::Age => "age",
            ThresholdKind::Measurement => "lab/measurement",
            ThresholdKind::Score => "score",
            ThresholdKind::Temporal => "temporal window",
        }
    }
}

/// One threshold, gold or predicted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub kind: ThresholdKind,
    pub comparator: Option<Comparator>,
    pub value: f64,
    pub upper: Option<f64>,
    pub unit: Option<String>,
    /// Byte ranges (brat fragments for gold).
    pub spans: Vec<Span>,
}

/// Counts and scores for one kind (or overall).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    pub gold: usize,
    pub predicted: usize,
    pub matched: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub span_matched: usize,
    pub span_precision: f64,
    pub span_recall: f64,
    pub span_f1: f64,
}

impl Score {
    fn finish(&mut self) {
        let prf = |m: usize, p: usize, g: usize| {
            let pr = if p == 0 { 0.0 } else { m as f64 / p as f64 };
            let rc = if g == 0 { 0.0 } else { m as f64 / g as f64 };
            let f = if pr + rc == 0.0 {
                0.0
            } else {
                2.0 * pr * rc / (pr + rc)
            };
            (pr, rc, f)
        };
        (self.precision, self.recall, self.f1) = prf(self.matched, self.predicted, self.gold);
        (self.span_precision, self.span_recall, self.span_f1) =
            prf(self.span_matched, self.predicted, self.gold);
    }
    fn add(&mut self, o: &Score) {
        self.gold += o.gold;
        self.predicted += o.predicted;
        self.matched += o.matched;
        self.span_matched += o.span_matched;
    }
}

/// Scores per kind, numeric thresholds (age + measurement + score) and overall.
#[derive(Debug, Clone, Serialize)]
pub struct BratReport {
    pub corpus: Corpus,
    pub path: PathBuf,
    pub documents: usize,
    pub per_kind: Vec<(ThresholdKind, Score)>,
    /// Age, lab/measurement and score thresholds together.
    pub numeric: Score,
    pub overall: Score,
}

struct Entity {
    ty: String,
    frags: Vec<Span>,
    text: String,
}

struct Event {
    trigger_type: String,
    trigger: String,
    args: Vec<(String, String)>,
}

#[derive(Default)]
struct Ann {
    entities: HashMap<String, Entity>,
    relations: Vec<(String, String, String)>,
    events: HashMap<String, Event>,
    attributes: HashMap<String, Vec<(String, String)>>,
    equivalences: Vec<(String, Vec<String>)>,
}

/// brat offsets count characters; criteria spans count bytes.
fn char_to_byte(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    v.push(text.len());
    v
}

fn parse_ann(ann: &str, text: &str) -> Ann {
    let map = char_to_byte(text);
    let to_byte = |c: usize| map.get(c).copied().unwrap_or(text.len());
    let mut a = Ann::default();
    for line in ann.lines() {
        let mut cols = line.splitn(3, '\t');
        let id = cols.next().unwrap_or("");
        let body = cols.next().unwrap_or("");
        let rest = cols.next().unwrap_or("");
        if id.starts_with('T') {
            let (ty, offs) = body.split_once(' ').unwrap_or((body, ""));
            let frags = offs
                .split(';')
                .filter_map(|f| {
                    let (s, e) = f.trim().split_once(' ')?;
                    Some(Span::new(
                        to_byte(s.parse().ok()?),
                        to_byte(e.parse().ok()?),
                    ))
                })
                .collect();
            a.entities.insert(
                id.to_string(),
                Entity {
                    ty: ty.to_string(),
                    frags,
                    text: rest.to_string(),
                },
            );
        } else if id.starts_with('R') {
            let mut p = body.split_whitespace();
            let ty = p.next().unwrap_or("").to_string();
            let a1 = p
                .next()
                .and_then(|x| x.strip_prefix("Arg1:"))
                .unwrap_or("")
                .to_string();
            let a2 = p
                .next()
                .and_then(|x| x.strip_prefix("Arg2:"))
                .unwrap_or("")
                .to_string();
            a.relations.push((ty, a1, a2));
        } else if id.starts_with('E') {
            let mut p = body.split_whitespace();
            let Some((tt, trig)) = p.next().and_then(|x| x.split_once(':')) else {
                continue;
            };
            let args = p
                .filter_map(|x| x.split_once(':'))
                .map(|(r, t)| {
                    (
                        r.trim_end_matches(|c: char| c.is_ascii_digit()).to_string(),
                        t.to_string(),
                    )
                })
                .collect();
            a.events.insert(
                id.to_string(),
                Event {
                    trigger_type: tt.to_string(),
                    trigger: trig.to_string(),
                    args,
                },
            );
        } else if id.starts_with('A') || id.starts_with('M') {
            let mut p = body.split_whitespace();
            let ty = p.next().unwrap_or("").to_string();
            let target = p.next().unwrap_or("").to_string();
            let value = p.next().unwrap_or("").to_string();
            a.attributes.entry(target).or_default().push((ty, value));
        } else if id == "*" {
            let mut p = body.split_whitespace();
            let ty = p.next().unwrap_or("").to_string();
            a.equivalences.push((ty, p.map(str::to_string).collect()));
        }
    }
    a
}

static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+").unwrap());
/// A comparator written after its number ("18 years or older"): such a text is not split.
static POSTFIX_COMPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:or|and)\s+(?:more|less|older|younger|greater|higher|lower|above|below|over|under|fewer)\b").unwrap()
});
/// "18-65", "18 to 65", "18 years to 65 years", "1 to < 6 years".
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d\s*(?:%|years?|yrs?|months?|weeks?|days?)?\s*(?:-|–|—|to|~|and)\s*\d|\d\s*(?:%|years?|yrs?|months?|weeks?|days?)?\s*to\s*(?:<|less\s+than)\s*\d").unwrap()
});
static SCORE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)new\s+york\s+heart|killip|ecog|karnofsky|\bkps\b|lansky|zubrod|performance|\bscore|\bscale|\bgrade|\bclass\b|nyha|child-?pugh|apache|mmse|mini-?mental|moca|\bcdr\b|dementia\s+rating|glasgow|\bgcs\b|hamilton|\bham-?[da]|madrs|\bbdi\b|beck|phq|gad-?7|y-?bocs|\bcgi\b|edss|nihss|rankin|\bmrs\b|gleason|apgar|\basa\b|meld|sofa|charlson|updrs|\bvas\b|\bnrs\b|anesthesiolog|anaesthesiolog|physical\s+status|eastern\s+cooperative|hoehn|das-?28|\bhdrs\b|adas-?cog|oswestry|barthel|womac|\bipss\b|\bpasi\b|\beasi\b|scorad|\bcdai\b|\bhbi\b|\bmayo\b").unwrap()
});

/// A `Person` entity (or its value) about age: "age", "years old", "18-45 years", "y.o.".
static PERSON_AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"age|old|years?\b|\byrs?\b|\by\.?o\b|\d\s*y\b|\d\s*yo\b|\bunder\s+\d").unwrap()
});
/// A `Person` entity naming a body measure: weight, height, BMI, life expectancy.
static PERSON_MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"weigh|height|\bbmi\b|body\s+mass|\bkg\b|life\s+expectan").unwrap()
});
/// A `Person` entity naming a sex.
static PERSON_SEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:fe)?males?$|^(?:wo)?m[ae]n$").unwrap());

static SCORE_VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:class|grade)\b").unwrap());

static NUMBER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty)\b",
    )
    .unwrap()
});

/// "1,500" → 1500; "1,5" (decimal comma, common in Chia's European texts) → 1.5.
fn parse_annotated_number(s: &str) -> Option<f64> {
    let thousands = s
        .split(',')
        .skip(1)
        .all(|g| g.split('.').next().is_some_and(|d| d.len() == 3));
    if s.contains(',') && !thousands {
        s.replace(',', ".").parse().ok()
    } else {
        s.replace(',', "").parse().ok()
    }
}

/// Numbers in annotated text, digits or words ("four weeks").
fn numbers(s: &str) -> Vec<f64> {
    numbers_at(s).into_iter().map(|(_, _, n)| n).collect()
}

/// Numbers with their byte ranges, in text order.
fn numbers_at(s: &str) -> Vec<(usize, usize, f64)> {
    let mut v: Vec<(usize, usize, f64)> = NUMBER
        .find_iter(s)
        .filter_map(|m| Some((m.start(), m.end(), parse_annotated_number(m.as_str())?)))
        .collect();
    for m in NUMBER_WORD.find_iter(s) {
        let n = match m.as_str().to_ascii_lowercase().as_str() {
            "one" => 1.0,
            "two" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "eleven" => 11.0,
            "twelve" => 12.0,
            "twenty" => 20.0,
            _ => 30.0,
        };
        v.push((m.start(), m.end(), n));
    }
    // Roman numerals when nothing else is there ("Class III or IV"); upper case only, so
    // the pronoun "I" and words are not read as numbers.
    if v.is_empty() {
        for m in ROMAN.find_iter(s) {
            let n = match m.as_str() {
                "I" => 1.0,
                "II" => 2.0,
                "III" => 3.0,
                "IV" => 4.0,
                _ => 5.0,
            };
            v.push((m.start(), m.end(), n));
        }
    }
    v.sort_by_key(|(p, _, _)| *p);
    v
}

static ROMAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:IV|V|I{1,3})\b").unwrap());
static ROMAN_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:IV|V|I{1,3})\s*(?:-|–|to|through)\s*(?:IV|V|I{1,3})\b").unwrap()
});
/// What may separate the members of an enumeration ("0, 1 or 2", "III or IV", "1 & 2").
static ENUM_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(?:,|,?\s*or|and|and/or|&|/)\s*$").unwrap());

/// "0, 1 or 2", "III or IV": the allowed values of an enumeration, as the range they span.
fn enumeration(text: &str) -> Option<(f64, f64)> {
    let nums = numbers_at(text);
    if nums.len() < 2 {
        return None;
    }
    for w in nums.windows(2) {
        if !ENUM_SEPARATOR.is_match(&text[w[0].1..w[1].0]) {
            return None;
        }
    }
    let lo = nums.iter().map(|n| n.2).fold(f64::INFINITY, f64::min);
    let hi = nums.iter().map(|n| n.2).fold(f64::NEG_INFINITY, f64::max);
    Some((lo, hi))
}

/// "under 18 or over 50": "or over" before a number is a comparator of its own, not the postfix
/// "18 or over"; the "or" is dropped so the postfix phrases below do not match it.
fn drop_or_before_prefix_comparators(l: &str) -> String {
    let mut out = String::with_capacity(l.len());
    let mut last = 0;
    for m in POSTFIX_COMPARATOR.find_iter(l) {
        let rest = l[m.end()..].trim_start();
        let rest = rest.strip_prefix("than").unwrap_or(rest).trim_start();
        let before = l[..m.start()].trim_end();
        if rest.starts_with(|c: char| c.is_ascii_digit())
            && !before.ends_with("equal")
            && !before.ends_with("equal to")
        {
            let or_len = m.as_str().find(char::is_whitespace).unwrap_or(0);
            out.push_str(&l[last..m.start()]);
            last = m.start() + or_len;
        }
    }
    out.push_str(&l[last..]);
    out
}

/// Whether the text has a comparator written after its number ("18 years or older").
fn has_postfix_comparator(l: &str) -> bool {
    POSTFIX_COMPARATOR.is_match(&drop_or_before_prefix_comparators(&l.to_lowercase()))
}

fn comparator_from_text(s: &str) -> Option<Comparator> {
    let l = drop_or_before_prefix_comparators(&s.to_lowercase());
    let has = |xs: &[&str]| xs.iter().any(|x| l.contains(x));
    if l.contains("between") || RANGE.is_match(&l) && numbers(&l).len() >= 2 {
        return Some(Comparator::Between);
    }
    if has(&["not older", "no older", "not more than", "no more than"]) {
        return Some(Comparator::Le);
    }
    if has(&["not younger", "no younger", "not less than", "no less than"]) {
        return Some(Comparator::Ge);
    }
    if has(&[
        "≥",
        ">=",
        "=>",
        ">/=",
        "> or =",
        ">or=",
        ">_",
        "superior or equal",
        "at least",
        "or more",
        "or greater",
        "or older",
        "or above",
        "or over",
        "no less than",
        "not less than",
        "minimum",
        "or higher",
        "and above",
        "and older",
        "and over",
        "+",
        "greater than or equal",
        "more than or equal",
        "equal to or greater",
        "equal or greater",
        "greater or equal",
        "more or equal",
        "higher or equal",
        "equal or more",
        "equal to or more",
        "equal or higher",
        "than/equal",
        "than / equal",
    ]) {
        return Some(Comparator::Ge);
    }
    if has(&[
        "≤",
        "<=",
        "=<",
        "</=",
        "< or =",
        "<or=",
        "<_",
        "inferior or equal",
        "at most",
        "or less",
        "or younger",
        "no more than",
        "not more than",
        "up to",
        "maximum",
        "or below",
        "not exceed",
        "not to exceed",
        "less than or equal",
        "equal to or less",
        "equal or less",
        "less or equal",
        "lower or equal",
        "equal or lower",
        "or lower",
        "or fewer",
        "and under",
        "and younger",
        "within",
    ]) {
        return Some(Comparator::Le);
    }
    if has(&[
        ">",
        "greater than",
        "more than",
        "higher than",
        "above",
        "over ",
        "older than",
        "longer than",
        "larger than",
        "exceed",
    ]) {
        return Some(Comparator::Gt);
    }
    if has(&[
        "<",
        "less than",
        "lower than",
        "below",
        "under ",
        "younger than",
        "fewer than",
        "shorter than",
    ]) {
        return Some(Comparator::Lt);
    }
    if has(&["equal to", "="]) {
        return Some(Comparator::Eq);
    }
    None
}

fn unit_from_text(s: &str) -> Option<String> {
    let l = s.to_lowercase();
    // "< 50% of predicted normal" is a percentage, not a multiple of the upper limit of normal.
    if l.contains('%') && l.contains("predicted") {
        return Some("%".into());
    }
    if l.contains("uln") || l.contains("upper limit") || l.contains("normal") {
        Some("uln".into())
    } else if l.contains('%') || l.contains("percent") {
        Some("%".into())
    } else if l.contains("year") || l.contains(" yr") || l.contains("yo") {
        Some("year".into())
    } else if l.contains("month") {
        Some("month".into())
    } else if l.contains("week") || l.contains("wk") {
        Some("week".into())
    } else if l.contains("day") {
        Some("day".into())
    } else if l.contains("hour") {
        Some("hour".into())
    } else {
        None
    }
}

/// Chia's texts lost many "≥" / "≤" characters, which now read "=" ("Age =18 years"): a value
/// whose only comparator is a bare "=" has no recoverable comparator.
fn chia_comparator(text: &str) -> Option<Comparator> {
    match comparator_from_text(text) {
        Some(Comparator::Eq) if !text.to_lowercase().contains("equal") => None,
        c => c,
    }
}

/// One annotated value that states two thresholds ("< 20 or > 35 years", ">= 18 and < 70
/// years", "<80,000 or >700,000 cells/mm3"), each number with its own comparator before it.
fn split_compound(kind: ThresholdKind, text: &str, spans: &[Span]) -> Option<Vec<Item>> {
    // Digits inside a unit ("kg/m2", "mm3") are not values.
    let nums: Vec<(usize, usize, f64)> = numbers_at(text)
        .into_iter()
        .filter(|&(start, _, _)| {
            !text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphabetic())
        })
        .collect();
    if nums.len() < 2
        || text.to_lowercase().contains("between")
        || RANGE.is_match(text)
        || has_postfix_comparator(text)
    {
        return None;
    }
    let mut items = Vec::new();
    let mut prev_end = 0;
    for (i, &(start, end, value)) in nums.iter().enumerate() {
        // Read with the number, so "or over 50" / "or older than 75" is seen as the prefix
        // comparator of 50 / 75, not as the postfix "18 or over" of the number before.
        let comparator = chia_comparator(&text[prev_end..end]);
        if comparator.is_none() && !text[prev_end..start].contains('=') {
            return None;
        }
        let until = nums.get(i + 1).map_or(text.len(), |n| n.0);
        let mut unit = unit_from_text(&text[end..until]);
        if kind == ThresholdKind::Age && unit.is_none() {
            unit = Some("year".into());
        }
        items.push(Item {
            kind,
            comparator,
            value,
            upper: None,
            unit,
            spans: spans.to_vec(),
        });
        prev_end = end;
    }
    Some(items)
}

static BP_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^0-9]*(?P<s>\d{2,3})\s*/\s*(?P<d>\d{2,3})\b(?:\s*(?:mm\s*Hg|millimet(?:er|re)s?\s+of\s+mercury))?(?:\s+or\s+(?:higher|more|greater|above|lower|less|below))?\s*$").unwrap()
});

/// "< 140/90", "150/95 or higher": systolic and diastolic. Titers ("1/40") and visual acuity
/// ("20/200") do not fit the ranges.
fn blood_pressure_pair(text: &str) -> Option<(f64, f64)> {
    let c = BP_PAIR.captures(text)?;
    let sys = parse_annotated_number(&c["s"])?;
    let dia = parse_annotated_number(&c["d"])?;
    ((70.0..=300.0).contains(&sys) && (30.0..=200.0).contains(&dia) && dia < sys)
        .then_some((sys, dia))
}

/// Gold items from one annotated Chia value (two when it states two thresholds).
fn items_from_text(kind: ThresholdKind, text: &str, spans: Vec<Span>) -> Vec<Item> {
    // A blood-pressure pair ("< 140/90", "150/95 or higher") states two thresholds, systolic and
    // diastolic, under one comparator; titers ("1/40") and visual acuity ("20/200") do not fit.
    if let Some((sys, dia)) = blood_pressure_pair(text)
        && let Some(mut first) = item_from_text(kind, text, spans.clone())
    {
        if first.comparator == Some(Comparator::Eq) && !text.to_lowercase().contains("equal") {
            first.comparator = None;
        }
        first.upper = None;
        first.value = sys;
        let mut second = first.clone();
        second.value = dia;
        return vec![first, second];
    }
    if let Some(items) = split_compound(kind, text, &spans) {
        return items;
    }
    item_from_text(kind, text, spans)
        .map(|mut i| {
            if i.comparator == Some(Comparator::Eq) && !text.to_lowercase().contains("equal") {
                i.comparator = None;
            }
            i
        })
        .into_iter()
        .collect()
}

fn item_from_text(kind: ThresholdKind, text: &str, spans: Vec<Span>) -> Option<Item> {
    let nums = numbers(text);
    let value = *nums.first()?;
    let comparator = comparator_from_text(text);
    // "I-III", "II - IV": a range of roman numerals (the digit range rule needs digits).
    if comparator.is_none() && nums.len() == 2 && ROMAN_RANGE.is_match(text) {
        return Some(Item {
            kind,
            comparator: Some(Comparator::Between),
            value: nums[0].min(nums[1]),
            upper: Some(nums[0].max(nums[1])),
            unit: unit_from_text(text),
            spans,
        });
    }
    if comparator.is_none()
        && let Some((lo, hi)) = enumeration(text)
    {
        return Some(Item {
            kind,
            comparator: Some(Comparator::Between),
            value: lo,
            upper: Some(hi),
            unit: unit_from_text(text),
            spans,
        });
    }
    let upper = if comparator == Some(Comparator::Between) {
        nums.get(1).copied()
    } else {
        None
    };
    let mut unit = unit_from_text(text);
    if kind == ThresholdKind::Age && unit.is_none() {
        unit = Some("year".into());
    }
    Some(Item {
        kind,
        comparator,
        value,
        upper,
        unit,
        spans,
    })
}

fn chia_gold(a: &Ann) -> Vec<Item> {
    let mut out = Vec::new();
    // Value id → kind via Has_value.
    let mut value_kind: HashMap<&str, ThresholdKind> = HashMap::new();
    for (ty, a1, a2) in &a.relations {
        if ty != "Has_value" {
            continue;
        }
        let (Some(src), Some(val)) = (a.entities.get(a1), a.entities.get(a2)) else {
            continue;
        };
        if val.ty != "Value" {
            continue;
        }
        let kind = match src.ty.as_str() {
            "Person" => {
                let s = src.text.to_lowercase();
                let v = val.text.to_lowercase();
                if PERSON_AGE.is_match(&s) || PERSON_AGE.is_match(&v) {
                    ThresholdKind::Age
                } else if PERSON_MEASURE.is_match(&s)
                    || PERSON_SEX.is_match(&s) && !numbers(&v).is_empty()
                {
                    // Body measures annotated on the person ("weighs more than 136 kg") and
                    // sex-specific limits ("creatinine > 1.5 mg/dL in men, > 1.4 mg/dL in
                    // women": the values hang off "men" and "women").
                    ThresholdKind::Measurement
                } else {
                    continue;
                }
            }
            "Measurement" | "Observation" => {
                // The name or the value says it is a scale: "NYHA" or "class IV", "grade 2".
                if SCORE_NAME.is_match(&src.text) || SCORE_VALUE.is_match(&val.text) {
                    ThresholdKind::Score
                } else {
                    ThresholdKind::Measurement
                }
            }
            _ => continue,
        };
        value_kind.insert(a2.as_str(), kind);
    }
    // Has_value often links only one member of an OR group of values; the group shares its
    // kind. Values with different numbers ("< 3.5" OR "> 5.1 mEq/L") are alternatives, each a
    // threshold of its own.
    for (ty, ids) in &a.equivalences {
        if ty != "OR" {
            continue;
        }
        let Some(kind) = ids
            .iter()
            .find_map(|id| value_kind.get(id.as_str()).copied())
        else {
            continue;
        };
        for id in ids {
            if a.entities.get(id.as_str()).is_some_and(|e| e.ty == "Value") {
                value_kind.entry(id.as_str()).or_insert(kind);
            }
        }
    }
    // OR-groups of values with the same number are one threshold.
    let mut used: Vec<&str> = Vec::new();
    for (ty, ids) in &a.equivalences {
        if ty != "OR" {
            continue;
        }
        // Has_value often links only one member of the group; the group shares its kind.
        let Some(kind) = ids
            .iter()
            .find_map(|id| value_kind.get(id.as_str()).copied())
        else {
            continue;
        };
        let vals: Vec<&String> = ids
            .iter()
            .filter(|id| a.entities.get(id.as_str()).is_some_and(|e| e.ty == "Value"))
            .collect();
        if vals.len() < 2 {
            continue;
        }
        let items: Vec<Item> = vals
            .iter()
            .filter_map(|id| {
                let e = &a.entities[id.as_str()];
                item_from_text(kind, &e.text, e.frags.clone())
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        if items.iter().any(|i| i.value != items[0].value) {
            // Bare numbers annotated one by one ("ECOG 0", "1", "2"): an enumeration, read as the
            // range it spans like "0, 1 or 2" in one value. With comparators they stay apart.
            if items.len() == vals.len()
                && items
                    .iter()
                    .all(|i| i.comparator.is_none() && i.upper.is_none())
            {
                let lo = items.iter().map(|i| i.value).fold(f64::INFINITY, f64::min);
                let hi = items
                    .iter()
                    .map(|i| i.value)
                    .fold(f64::NEG_INFINITY, f64::max);
                let mut merged = items[0].clone();
                merged.comparator = Some(Comparator::Between);
                merged.value = lo;
                merged.upper = Some(hi);
                merged.unit = items.iter().find_map(|i| i.unit.clone());
                merged.spans = vals
                    .iter()
                    .flat_map(|id| a.entities[id.as_str()].frags.clone())
                    .collect();
                out.push(merged);
                used.extend(vals.iter().map(|s| s.as_str()));
            }
            continue;
        }
        // Members without a number ("less than") still contribute their comparator.
        let cmps: Vec<Option<Comparator>> = vals
            .iter()
            .map(|id| comparator_from_text(&a.entities[id.as_str()].text))
            .collect();
        let has = |c: Comparator| cmps.contains(&Some(c));
        let comparator = if has(Comparator::Gt) && has(Comparator::Eq) {
            Some(Comparator::Ge)
        } else if has(Comparator::Lt) && has(Comparator::Eq) {
            Some(Comparator::Le)
        } else {
            cmps.iter().flatten().next().copied()
        };
        let mut merged = items[0].clone();
        merged.comparator = comparator;
        merged.unit = items.iter().find_map(|i| i.unit.clone());
        merged.spans = vals
            .iter()
            .flat_map(|id| a.entities[id.as_str()].frags.clone())
            .collect();
        out.push(merged);
        used.extend(vals.iter().map(|s| s.as_str()));
    }
    for (id, kind) in &value_kind {
        if used.contains(id) {
            continue;
        }
        let e = &a.entities[*id];
        out.extend(items_from_text(*kind, &e.text, e.frags.clone()));
    }
    for e in a.entities.values() {
        if e.ty == "Temporal" && !numbers(&e.text).is_empty() {
            out.extend(items_from_text(
                ThresholdKind::Temporal,
                &e.text,
                e.frags.clone(),
            ));
        }
    }
    out
}

/// Observation types of the LCT scheme (`Observation-Type-Value`) that are scored instruments:
/// clinical scores and surveys or questionnaires (MMSE, HAM-D, AUDIT), the readings the Chia
/// reader sorts as scores by name. `lab`, `vital` and `measurement` are measurements.
fn lct_observation_is_score(a: &Ann, event_id: &str, event: &Event) -> bool {
    let ty = a
        .attributes
        .get(event_id)
        .and_then(|v| v.iter().find(|(t, _)| t == "Observation-Type-Value"))
        .map(|(_, v)| v.as_str());
    match ty {
        Some(t) => t == "clinical-score" || t == "survey-or-questionnaire",
        // No type given: the name decides, by the rule the Chia reader applies to every value.
        None => {
            let name = event
                .args
                .iter()
                .find(|(role, _)| role == "Name")
                .map(|(_, t)| t.as_str())
                .unwrap_or(&event.trigger);
            a.entities
                .get(name)
                .or_else(|| a.entities.get(&event.trigger))
                .is_some_and(|e| SCORE_NAME.is_match(&e.text))
        }
    }
}

fn lct_gold(a: &Ann) -> Vec<Item> {
    let attr = |id: &str, ty: &str| -> Option<String> {
        a.attributes
            .get(id)?
            .iter()
            .find(|(t, _)| t == ty)
            .map(|(_, v)| v.clone())
    };
    let is_comparison = |id: &str| {
        a.events
            .get(id)
            .is_some_and(|e| e.trigger_type == "Eq-Comparison")
    };
    // What refers to each comparison, and how. When several events refer to it, the most
    // specific reading wins (age, then score / measurement, then temporal), independent of
    // hash-map order.
    let mut kinds: HashMap<&str, ThresholdKind> = HashMap::new();
    for (rid, rev) in &a.events {
        for (role, target) in &rev.args {
            if !is_comparison(target) {
                continue;
            }
            let k = match (role.as_str(), rev.trigger_type.as_str()) {
                ("Numeric-Filter", "Age") => ThresholdKind::Age,
                ("Numeric-Filter", "Observation") => {
                    if lct_observation_is_score(a, rid, rev) {
                        ThresholdKind::Score
                    } else {
                        ThresholdKind::Measurement
                    }
                }
                ("Temporality", _) => ThresholdKind::Temporal,
                _ => continue,
            };
            let e = kinds.entry(target.as_str()).or_insert(k);
            *e = (*e).min(k);
        }
    }
    // Comparisons joined by an `Or` / `And` relation ("ECOG 0 or 1", "< 3.5 or > 5.1 mEq/L")
    // are thresholds of the same thing; often only one of them is linked to it.
    let joined: Vec<(&str, &str)> = a
        .relations
        .iter()
        .filter(|(ty, a1, a2)| {
            (ty == "Or" || ty == "And") && is_comparison(a1) && is_comparison(a2)
        })
        .map(|(_, a1, a2)| (a1.as_str(), a2.as_str()))
        .collect();
    loop {
        let mut changed = false;
        for &(x, y) in &joined {
            match (kinds.get(x).copied(), kinds.get(y).copied()) {
                (Some(k), None) => {
                    kinds.insert(y, k);
                    changed = true;
                }
                (None, Some(k)) => {
                    kinds.insert(x, k);
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    let mut items: HashMap<&str, Item> = HashMap::new();
    let mut pairs: Vec<Item> = Vec::new();
    for (&eid, &kind) in &kinds {
        let ev = &a.events[eid];
        let arg = |r: &str| {
            ev.args
                .iter()
                .find(|(role, _)| role == r)
                .map(|(_, t)| t.as_str())
        };
        let value_texts: Vec<&str> = ev
            .args
            .iter()
            .filter(|(r, _)| r == "Value")
            .filter_map(|(_, t)| Some(a.entities.get(t)?.text.as_str()))
            .collect();
        let operator = arg("Operator")
            .and_then(|op| attr(op, "Eq-Operator-Value"))
            .and_then(|v| match v.as_str() {
                "EQ" => Some(Comparator::Eq),
                "LT" => Some(Comparator::Lt),
                "LTEQ" => Some(Comparator::Le),
                "GT" => Some(Comparator::Gt),
                "GTEQ" => Some(Comparator::Ge),
                "BETWEEN" => Some(Comparator::Between),
                _ => None,
            });
        let values: Vec<f64> = value_texts
            .iter()
            .filter_map(|t| numbers(t).first().copied())
            .collect();
        let Some(&first) = values.first() else {
            continue;
        };
        // Several values are the range they span ("0, 1 or 2" as three values, a range given
        // high-to-low as two); so is one value written as a range or an enumeration ("0-2",
        // "18 to 65", "II-IV") when no one-sided operator says otherwise.
        let one_sided = matches!(
            operator,
            Some(Comparator::Lt | Comparator::Le | Comparator::Gt | Comparator::Ge)
        );
        let written_range = match value_texts.as_slice() {
            [t] if !one_sided => written_range(t),
            _ => None,
        };
        let (value, upper) = if values.len() >= 2 {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, Some(hi))
        } else if let Some((lo, hi)) = written_range {
            (lo, Some(hi))
        } else {
            (first, None)
        };
        let comparator = if upper.is_some() {
            Some(Comparator::Between)
        } else {
            operator
        };
        let unit = arg("Temporal-Unit")
            .and_then(|t| attr(t, "Eq-Temporal-Unit-Value"))
            .or_else(|| {
                let u = arg("Unit")?;
                if attr(u, "Eq-Unit-Value").is_some_and(|v| v.starts_with("ref-range")) {
                    return Some("uln".into());
                }
                unit_from_text(&a.entities.get(u)?.text).filter(|x| x == "%" || x == "uln")
            })
            .or_else(|| {
                if kind == ThresholdKind::Age {
                    Some("year".into())
                } else {
                    None
                }
            });
        let Some(trigger) = a.entities.get(&ev.trigger) else {
            continue;
        };
        let mut item = Item {
            kind,
            comparator,
            value,
            upper,
            unit,
            spans: trigger.frags.clone(),
        };
        // A blood-pressure pair in one value ("140/90") is two thresholds, systolic and
        // diastolic, under one comparator: the rule the Chia reader applies to its values.
        if let [t] = value_texts.as_slice()
            && let Some((sys, dia)) = blood_pressure_pair(t)
        {
            item.value = sys;
            item.upper = None;
            item.comparator = operator;
            let mut diastolic = item.clone();
            diastolic.value = dia;
            pairs.push(diastolic);
        }
        items.insert(eid, item);
    }
    // Single values joined by `Or` with no comparator but "=" ("ECOG 0" or "1" or "2", each its
    // own comparison) are an enumeration, read as the range it spans, as the Chia reader reads
    // bare values annotated one by one.
    let bare = |id: &str| {
        items.get(id).is_some_and(|i| {
            i.upper.is_none() && matches!(i.comparator, None | Some(Comparator::Eq))
        })
    };
    let mut group: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<&str>> = Vec::new();
    for (ty, x, y) in &a.relations {
        let (x, y) = (x.as_str(), y.as_str());
        if ty != "Or" || !bare(x) || !bare(y) || items[x].kind != items[y].kind {
            continue;
        }
        match (group.get(x).copied(), group.get(y).copied()) {
            (Some(g), Some(h)) if g != h => {
                let moved = std::mem::take(&mut groups[h]);
                for id in &moved {
                    group.insert(id, g);
                }
                groups[g].extend(moved);
            }
            (Some(_), Some(_)) => {}
            (Some(g), None) => {
                group.insert(y, g);
                groups[g].push(y);
            }
            (None, Some(h)) => {
                group.insert(x, h);
                groups[h].push(x);
            }
            (None, None) => {
                group.insert(x, groups.len());
                group.insert(y, groups.len());
                groups.push(vec![x, y]);
            }
        }
    }
    let mut out = pairs;
    for members in groups.iter().filter(|g| !g.is_empty()) {
        let mut members = members.clone();
        members.sort_unstable();
        let first = &items[members[0]];
        let lo = members
            .iter()
            .map(|m| items[m].value)
            .fold(f64::INFINITY, f64::min);
        let hi = members
            .iter()
            .map(|m| items[m].value)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut spans: Vec<Span> = members
            .iter()
            .flat_map(|m| items[m].spans.clone())
            .collect();
        spans.sort_by_key(|s| (s.start, s.end));
        out.push(Item {
            kind: first.kind,
            comparator: if lo < hi {
                Some(Comparator::Between)
            } else {
                first.comparator
            },
            value: lo,
            upper: (lo < hi).then_some(hi),
            unit: members.iter().find_map(|m| items[m].unit.clone()),
            spans,
        });
    }
    out.extend(
        items
            .into_iter()
            .filter(|(id, _)| !group.contains_key(id))
            .map(|(_, i)| i),
    );
    out
}

/// A value written as a range or an enumeration ("0-2", "18 to 65", "0, 1 or 2", "II-IV"): the
/// range it spans, low to high.
fn written_range(text: &str) -> Option<(f64, f64)> {
    let nums = numbers(text);
    if nums.len() != 2 && enumeration(text).is_none() {
        return None;
    }
    if let Some(r) = enumeration(text) {
        return Some(r);
    }
    (RANGE.is_match(text) || ROMAN_RANGE.is_match(text))
        .then(|| (nums[0].min(nums[1]), nums[0].max(nums[1])))
}

fn threshold_item(kind: ThresholdKind, t: &Threshold) -> Item {
    let unit = match (t.relative_to, t.unit.as_deref()) {
        (Some(Reference::Uln), _) => Some("uln".to_string()),
        (Some(Reference::Lln), _) => Some("lln".to_string()),
        (None, Some(u)) if ["%", "year", "month", "week", "day", "hour"].contains(&u) => {
            Some(u.to_string())
        }
        _ => None,
    };
    Item {
        kind,
        comparator: Some(t.comparator),
        value: t.value,
        upper: t.upper,
        unit,
        spans: vec![t.span],
    }
}

/// The thresholds `criteria` extracts from `text`, as scoreable items.
pub fn predicted_items(text: &str) -> Vec<Item> {
    let parsed = criteria::parse(text);
    let mut out: Vec<Item> = Vec::new();
    for r in parsed.rules() {
        match &r.body {
            RuleBody::Age { min, max, unit } => {
                let (comparator, value, upper) = match (min, max) {
                    (Some(a), Some(b)) => (Comparator::Between, a.value, Some(b.value)),
                    (Some(a), None) => (
                        if a.inclusive {
                            Comparator::Ge
                        } else {
                            Comparator::Gt
                        },
                        a.value,
                        None,
                    ),
                    (None, Some(b)) => (
                        if b.inclusive {
                            Comparator::Le
                        } else {
                            Comparator::Lt
                        },
                        b.value,
                        None,
                    ),
                    (None, None) => continue,
                };
                out.push(Item {
                    kind: ThresholdKind::Age,
                    comparator: Some(comparator),
                    value,
                    upper,
                    unit: Some(unit.name().to_string()),
                    spans: vec![r.span],
                });
            }
            RuleBody::PerformanceStatus {
                threshold: Some(t), ..
            } => out.push(threshold_item(ThresholdKind::Score, t)),
            RuleBody::ClinicalScore { threshold: t, .. } => {
                out.push(threshold_item(ThresholdKind::Score, t))
            }
            RuleBody::OrganFunction {
                measure: criteria::OrganMeasure::DyspneaGrade | criteria::OrganMeasure::NyhaClass,
                threshold: Some(t),
            } => out.push(threshold_item(ThresholdKind::Score, t)),
            // A measured thing named like a score ("grade", "AUDIT score") is a score, by the
            // same name rule that sorts the gold items.
            RuleBody::Lab {
                analyte,
                threshold: t,
            } if SCORE_NAME.is_match(analyte) => out.push(threshold_item(ThresholdKind::Score, t)),
            _ => {
                for t in r.thresholds() {
                    if t.unit.as_deref() == Some("line") {
                        continue;
                    }
                    out.push(threshold_item(ThresholdKind::Measurement, t));
                }
            }
        }
        if let Some(w) = &r.window {
            let unit = Some(w.unit.name().to_string());
            out.push(Item {
                kind: ThresholdKind::Temporal,
                comparator: Some(w.comparator),
                value: w.value,
                upper: w.upper,
                unit,
                spans: vec![w.span],
            });
        }
    }
    // One item per (kind, span, value).
    let mut seen: Vec<(ThresholdKind, Span, u64)> = Vec::new();
    out.retain(|i| {
        let key = (i.kind, i.spans[0], i.value.to_bits());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    out
}

fn overlaps(a: &Item, b: &Item) -> bool {
    a.spans
        .iter()
        .any(|x| b.spans.iter().any(|y| x.overlaps(y)))
}

fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(1.0)
}

fn strict_match(gold: &Item, pred: &Item) -> bool {
    same_value(gold.value, pred.value)
        && match (gold.upper, pred.upper) {
            (Some(a), Some(b)) => same_value(a, b),
            (None, None) => true,
            _ => false,
        }
        && gold.comparator.is_none_or(|c| Some(c) == pred.comparator)
        && match (&gold.unit, &pred.unit) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

/// Greedy one-to-one matching; returns (strict, span-only) matches per kind.
fn match_doc(gold: &[Item], pred: &[Item], scores: &mut HashMap<ThresholdKind, Score>) {
    for kind in ThresholdKind::ALL {
        // Text order, so the greedy matching does not depend on hash-map order.
        let mut g: Vec<&Item> = gold.iter().filter(|i| i.kind == kind).collect();
        g.sort_by_key(|i| (i.spans[0].start, i.spans[0].end, i.value.to_bits()));
        let mut p: Vec<&Item> = pred.iter().filter(|i| i.kind == kind).collect();
        p.sort_by_key(|i| (i.spans[0].start, i.spans[0].end));
        let s = scores.entry(kind).or_default();
        s.gold += g.len();
        s.predicted += p.len();
        for (strict, counter) in [(true, 0), (false, 1)] {
            let mut used = vec![false; p.len()];
            let mut n = 0;
            for gi in &g {
                if let Some(j) = (0..p.len()).find(|&j| {
                    !used[j] && overlaps(gi, p[j]) && (!strict || strict_match(gi, p[j]))
                }) {
                    used[j] = true;
                    n += 1;
                }
            }
            if counter == 0 {
                s.matched += n;
            } else {
                s.span_matched += n;
            }
        }
    }
}

fn archive_err(path: &Path, e: impl ToString) -> EvalError {
    EvalError::Archive {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads (name, text, ann) triples.
pub fn read_documents(
    path: &Path,
    corpus: Corpus,
) -> Result<Vec<(String, String, String)>, EvalError> {
    let file = std::fs::File::open(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut files: HashMap<String, String> = HashMap::new();
    match corpus {
        Corpus::Chia => {
            let mut zip = zip::ZipArchive::new(file).map_err(|e| archive_err(path, e))?;
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).map_err(|e| archive_err(path, e))?;
                let name = f.name().to_string();
                if !(name.ends_with(".txt") || name.ends_with(".ann")) {
                    continue;
                }
                let mut s = String::new();
                f.read_to_string(&mut s)
                    .map_err(|e| archive_err(path, format!("{name}: {e}")))?;
                files.insert(name, s);
            }
        }
        Corpus::Lct => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            for entry in tar.entries().map_err(|e| archive_err(path, e))? {
                let mut entry = entry.map_err(|e| archive_err(path, e))?;
                let name = entry
                    .path()
                    .map_err(|e| archive_err(path, e))?
                    .to_string_lossy()
                    .to_string();
                if !(name.ends_with(".txt") || name.ends_with(".ann")) || name.contains("/._") {
                    continue;
                }
                let mut s = String::new();
                if entry.read_to_string(&mut s).is_ok() {
                    files.insert(name, s);
                }
            }
        }
    }
    let mut docs: Vec<(String, String, String)> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".txt"))
        .filter_map(|(n, t)| {
            let ann = files.get(&format!("{}.ann", n.trim_end_matches(".txt")))?;
            Some((n.clone(), t.clone(), ann.clone()))
        })
        .collect();
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(docs)
}

/// Scores `criteria` on a brat corpus.
pub fn evaluate(path: &Path, corpus: Corpus) -> Result<BratReport, EvalError> {
    let docs = read_documents(path, corpus)?;
    if docs.is_empty() {
        return Err(EvalError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut scores: HashMap<ThresholdKind, Score> = HashMap::new();
    for (_, text, ann) in &docs {
        let a = parse_ann(ann, text);
        let gold = match corpus {
            Corpus::Chia => chia_gold(&a),
            Corpus::Lct => lct_gold(&a),
        };
        let pred = predicted_items(text);
        match_doc(&gold, &pred, &mut scores);
    }
    let mut per_kind: Vec<(ThresholdKind, Score)> = ThresholdKind::ALL
        .iter()
        .map(|k| (*k, scores.remove(k).unwrap_or_default()))
        .collect();
    let mut numeric = Score::default();
    let mut overall = Score::default();
    for (k, s) in &mut per_kind {
        s.finish();
        if *k != ThresholdKind::Temporal {
            numeric.add(s);
        }
        overall.add(s);
    }
    numeric.finish();
    overall.finish();
    Ok(BratReport {
        corpus,
        path: path.to_path_buf(),
        documents: docs.len(),
        per_kind,
        numeric,
        overall,
    })
}

impl fmt::Display for BratReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:?}: {} documents ({})",
            self.corpus,
            self.documents,
            self.path.display()
        )?;
        writeln!(
            f,
            "{:<26} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}   {:>8} {:>8} {:>8}",
            "kind", "gold", "pred", "match", "P", "R", "F1", "span P", "span R", "span F1"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: &Score| {
            writeln!(
                f,
                "{:<26} {:>6} {:>6} {:>6} {:>6.3} {:>6.3} {:>6.3}   {:>8.3} {:>8.3} {:>8.3}",
                name,
                s.gold,
                s.predicted,
                s.matched,
                s.precision,
                s.recall,
                s.f1,
                s.span_precision,
                s.span_recall,
                s.span_f1
            )
        };
        for (k, s) in &self.per_kind {
            row(f, k.name(), s)?;
        }
        row(f, "numeric (age+lab+score)", &self.numeric)?;
        row(f, "overall", &self.overall)
    }
}

/// Unmatched gold items (misses) and unmatched predictions (false alarms) of one kind, as
/// `"miss|false: document: text-around"` lines, for error analysis.
pub fn diagnose(
    path: &Path,
    corpus: Corpus,
    kind: ThresholdKind,
    limit: usize,
) -> Result<Vec<String>, EvalError> {
    let docs = read_documents(path, corpus)?;
    let mut out = Vec::new();
    for (name, text, ann) in &docs {
        let a = parse_ann(ann, text);
        let gold: Vec<Item> = match corpus {
            Corpus::Chia => chia_gold(&a),
            Corpus::Lct => lct_gold(&a),
        }
        .into_iter()
        .filter(|i| i.kind == kind)
        .collect();
        let pred: Vec<Item> = predicted_items(text)
            .into_iter()
            .filter(|i| i.kind == kind)
            .collect();
        let mut used = vec![false; pred.len()];
        let mut gold_hit = vec![false; gold.len()];
        for (gi, g) in gold.iter().enumerate() {
            if let Some(j) = (0..pred.len())
                .find(|&j| !used[j] && overlaps(g, &pred[j]) && strict_match(g, &pred[j]))
            {
                used[j] = true;
                gold_hit[gi] = true;
            }
        }
        let context = |s: Span| {
            let mut a = s.start.saturating_sub(60);
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            let mut b = (s.end + 30).min(text.len());
            while !text.is_char_boundary(b) {
                b += 1;
            }
            format!(
                "{}[[{}]]{}",
                &text[a..s.start],
                &text[s.start..s.end],
                &text[s.end..b]
            )
            .replace('\n', " ")
        };
        for (g, hit) in gold.iter().zip(&gold_hit) {
            if !hit {
                out.push(format!(
                    "miss {name}: {:?} {} {:?} {:?} :: {}",
                    g.comparator,
                    g.value,
                    g.upper,
                    g.unit,
                    context(g.spans[0])
                ));
            }
        }
        for (p, u) in pred.iter().zip(&used) {
            if !u {
                out.push(format!(
                    "false {name}: {:?} {} {:?} {:?} :: {}",
                    p.comparator,
                    p.value,
                    p.upper,
                    p.unit,
                    context(p.spans[0])
                ));
            }
        }
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score_doc(gold: Vec<Item>, text: &str) -> HashMap<ThresholdKind, Score> {
        let mut scores = HashMap::new();
        match_doc(&gold, &predicted_items(text), &mut scores);
        scores
    }

    /// A brat entity line for the first occurrence of `needle` at or after `from` in `text`
    /// (character offsets, as brat writes them).
    fn lct_entity(id: &str, ty: &str, text: &str, needle: &str, from: usize) -> String {
        let b = from + text[from..].find(needle).expect("needle in text");
        let start = text[..b].chars().count();
        let end = start + needle.chars().count();
        format!("{id}\t{ty} {start} {end}\t{needle}\n")
    }

    fn sorted(mut items: Vec<Item>) -> Vec<(ThresholdKind, Option<Comparator>, f64, Option<f64>)> {
        items.sort_by_key(|i| (i.kind, i.value.to_bits()));
        items
            .iter()
            .map(|i| (i.kind, i.comparator, i.value, i.upper))
            .collect()
    }

    #[test]
    fn lct_surveys_and_questionnaires_are_scores() {
        // LCT's Observation-Type-Value: clinical-score and survey-or-questionnaire are scored
        // instruments; lab, vital and measurement are measurements. Without a type, the name
        // decides, as for every Chia value.
        let text = "MMSE >= 24\nHemoglobin >= 9\nECOG <= 2\n";
        let mut ann = String::new();
        for (n, (name, op, opv, val)) in [
            ("MMSE", ">=", "GTEQ", "24"),
            ("Hemoglobin", ">=", "GTEQ", "9"),
            ("ECOG", "<=", "LTEQ", "2"),
        ]
        .into_iter()
        .enumerate()
        {
            let from = text.find(name).unwrap();
            let (o, c, v, t) = (10 * n + 1, 10 * n + 2, 10 * n + 3, 10 * n + 4);
            ann += &lct_entity(&format!("T{t}"), "Observation-Name", text, name, from);
            ann += &lct_entity(&format!("T{o}"), "Eq-Operator", text, op, from);
            ann += &lct_entity(&format!("T{v}"), "Eq-Value", text, val, from);
            let cmp_text = format!("{op} {val}");
            ann += &lct_entity(&format!("T{c}"), "Eq-Comparison", text, &cmp_text, from);
            ann += &format!(
                "E{t}\tObservation:T{t} Numeric-Filter:E{c}\nE{c}\tEq-Comparison:T{c} Operator:T{o} Value:T{v}\nA{o}\tEq-Operator-Value T{o} {opv}\n"
            );
        }
        ann += "A91\tObservation-Type-Value E4 survey-or-questionnaire\nA92\tObservation-Type-Value E14 lab\n";
        let a = parse_ann(&ann, text);
        assert_eq!(
            sorted(lct_gold(&a)),
            [
                (ThresholdKind::Measurement, Some(Comparator::Ge), 9.0, None),
                (ThresholdKind::Score, Some(Comparator::Le), 2.0, None),
                (ThresholdKind::Score, Some(Comparator::Ge), 24.0, None),
            ]
        );
    }

    #[test]
    fn lct_values_that_are_ranges_enumerations_or_pressure_pairs() {
        // One comparison with three values; one value written as a range; a pressure pair.
        let text = "ECOG 0, 1, or 2\nKarnofsky 70-100\nBP < 140/90\nHb > 9-10\n";
        let mut ann = String::new();
        ann += &lct_entity("T1", "Observation-Name", text, "ECOG", 0);
        ann += &lct_entity("T2", "Eq-Comparison", text, "0, 1, or 2", 0);
        ann += &lct_entity("T3", "Eq-Value", text, "0", 0);
        ann += &lct_entity("T4", "Eq-Value", text, "1", 0);
        ann += &lct_entity("T5", "Eq-Value", text, "2", 0);
        ann += "E1\tObservation:T1 Numeric-Filter:E2\nE2\tEq-Comparison:T2 Value:T3 Value2:T4 Value3:T5\nA1\tObservation-Type-Value E1 clinical-score\n";
        let k = text.find("Karnofsky").unwrap();
        ann += &lct_entity("T11", "Observation-Name", text, "Karnofsky", k);
        ann += &lct_entity("T12", "Eq-Comparison", text, "70-100", k);
        ann += &lct_entity("T13", "Eq-Value", text, "70-100", k);
        ann += "E11\tObservation:T11 Numeric-Filter:E12\nE12\tEq-Comparison:T12 Value:T13\nA11\tObservation-Type-Value E11 clinical-score\n";
        let b = text.find("BP").unwrap();
        ann += &lct_entity("T21", "Observation-Name", text, "BP", b);
        ann += &lct_entity("T22", "Eq-Comparison", text, "< 140/90", b);
        ann += &lct_entity("T23", "Eq-Operator", text, "<", b);
        ann += &lct_entity("T24", "Eq-Value", text, "140/90", b);
        ann += "E21\tObservation:T21 Numeric-Filter:E22\nE22\tEq-Comparison:T22 Operator:T23 Value:T24\nA21\tEq-Operator-Value T23 LT\n";
        // A one-sided operator keeps its own reading of the value.
        let h = text.find("Hb").unwrap();
        ann += &lct_entity("T31", "Observation-Name", text, "Hb", h);
        ann += &lct_entity("T32", "Eq-Comparison", text, "> 9-10", h);
        ann += &lct_entity("T33", "Eq-Operator", text, ">", h);
        ann += &lct_entity("T34", "Eq-Value", text, "9-10", h);
        ann += "E31\tObservation:T31 Numeric-Filter:E32\nE32\tEq-Comparison:T32 Operator:T33 Value:T34\nA31\tEq-Operator-Value T33 GT\n";
        let a = parse_ann(&ann, text);
        let lt = Some(Comparator::Lt);
        assert_eq!(
            sorted(lct_gold(&a)),
            [
                (ThresholdKind::Measurement, Some(Comparator::Gt), 9.0, None),
                (ThresholdKind::Measurement, lt, 90.0, None),
                (ThresholdKind::Measurement, lt, 140.0, None),
                (
                    ThresholdKind::Score,
                    Some(Comparator::Between),
                    0.0,
                    Some(2.0)
                ),
                (
                    ThresholdKind::Score,
                    Some(Comparator::Between),
                    70.0,
                    Some(100.0)
                ),
            ]
        );
    }

    #[test]
    fn lct_comparisons_joined_by_or() {
        // "Potassium < 3.5 or > 5.1": only the first comparison is the observation's filter;
        // the `Or` relation makes the second one a threshold of the same kind. "ECOG 0 or 1",
        // annotated as two comparisons with one value each, is the range they span.
        let text = "Potassium < 3.5 or > 5.1\nECOG 0 or 1\n";
        let mut ann = String::new();
        ann += &lct_entity("T1", "Observation-Name", text, "Potassium", 0);
        ann += &lct_entity("T2", "Eq-Comparison", text, "< 3.5", 0);
        ann += &lct_entity("T3", "Eq-Operator", text, "<", 0);
        ann += &lct_entity("T4", "Eq-Value", text, "3.5", 0);
        ann += &lct_entity("T5", "Eq-Comparison", text, "> 5.1", 0);
        ann += &lct_entity("T6", "Eq-Operator", text, ">", 0);
        ann += &lct_entity("T7", "Eq-Value", text, "5.1", 0);
        ann += "E1\tObservation:T1 Numeric-Filter:E2\nE2\tEq-Comparison:T2 Operator:T3 Value:T4\nE3\tEq-Comparison:T5 Operator:T6 Value:T7\n\
A1\tEq-Operator-Value T3 LT\nA2\tEq-Operator-Value T6 GT\nA3\tObservation-Type-Value E1 lab\nR1\tOr Arg1:E2 Arg2:E3\n";
        let e = text.find("ECOG").unwrap();
        ann += &lct_entity("T11", "Observation-Name", text, "ECOG", e);
        ann += &lct_entity("T12", "Eq-Comparison", text, "0", e);
        ann += &lct_entity("T13", "Eq-Value", text, "0", e);
        ann += &lct_entity("T14", "Eq-Comparison", text, "1", e);
        ann += &lct_entity("T15", "Eq-Value", text, "1", e);
        ann += "E11\tObservation:T11 Numeric-Filter:E12 Numeric-Filter2:E13\nE12\tEq-Comparison:T12 Value:T13\nE13\tEq-Comparison:T14 Value:T15\n\
A11\tObservation-Type-Value E11 clinical-score\nR2\tOr Arg1:E12 Arg2:E13\n";
        let a = parse_ann(&ann, text);
        let gold = lct_gold(&a);
        assert_eq!(
            sorted(gold.clone()),
            [
                (ThresholdKind::Measurement, Some(Comparator::Lt), 3.5, None),
                (ThresholdKind::Measurement, Some(Comparator::Gt), 5.1, None),
                (
                    ThresholdKind::Score,
                    Some(Comparator::Between),
                    0.0,
                    Some(1.0)
                ),
            ]
        );
        let s = score_doc(gold, text);
        assert_eq!(s[&ThresholdKind::Score].matched, 1);
    }

    #[test]
    fn chia_or_groups_combine_into_one_threshold() {
        // "Hemoglobin greater than or equal to 10 g/dL", annotated the Chia way: two Values in an
        // OR group, only one of them linked by Has_value; offsets count characters.
        let text = "Hemoglobin ≥ 10 g/dL or greater than or equal to 10 g/dL\n";
        let ann = "T1\tMeasurement 0 10\tHemoglobin\nT2\tValue 24 36;49 56\tgreater than 10 g/dL\nT3\tValue 40 56\tequal to 10 g/dL\nR1\tHas_value Arg1:T1 Arg2:T2\n*\tOR T2 T3\n";
        let a = parse_ann(ann, text);
        let gold = chia_gold(&a);
        assert_eq!(gold.len(), 1);
        assert_eq!(gold[0].kind, ThresholdKind::Measurement);
        assert_eq!(gold[0].comparator, Some(Comparator::Ge));
        assert_eq!(gold[0].value, 10.0);
        // Character offsets became byte offsets ("≥" is 3 bytes).
        assert_eq!(
            &text[gold[0].spans[0].start..gold[0].spans[0].end],
            "greater than"
        );
    }

    #[test]
    fn lct_comparisons_take_kind_from_what_refers_to_them() {
        let text = "Age ≥ 18\nwithin 4 weeks of surgery\n";
        let ann = "T1\tAge 0 3\tAge\nT2\tEq-Operator 4 5\t≥\nT3\tEq-Value 6 8\t18\nT4\tEq-Comparison 4 8\t≥ 18\n\
E1\tAge:T1 Numeric-Filter:E2\nE2\tEq-Comparison:T4 Operator:T2 Value:T3\nA1\tEq-Operator-Value T2 GTEQ\n\
T5\tProcedure 19 26\tsurgery\nT6\tEq-Comparison 9 23\twithin 4 weeks\nT7\tEq-Value 16 17\t4\nT8\tEq-Temporal-Unit 18 23\tweeks\n\
T9\tEq-Operator 9 15\twithin\nE3\tProcedure:T5 Temporality:E4\nE4\tEq-Comparison:T6 Operator:T9 Value:T7 Temporal-Unit:T8\n\
A2\tEq-Operator-Value T9 LTEQ\nA3\tEq-Temporal-Unit-Value T8 week\n";
        let a = parse_ann(ann, text);
        let mut gold = lct_gold(&a);
        gold.sort_by_key(|i| i.kind);
        assert_eq!(gold.len(), 2);
        assert_eq!(
            (gold[0].kind, gold[0].comparator, gold[0].value),
            (ThresholdKind::Age, Some(Comparator::Ge), 18.0)
        );
        assert_eq!(
            (gold[1].kind, gold[1].unit.as_deref()),
            (ThresholdKind::Temporal, Some("week"))
        );
        let s = score_doc(gold, text);
        assert_eq!(s[&ThresholdKind::Age].matched, 1);
        assert_eq!(s[&ThresholdKind::Temporal].matched, 1);
    }

    #[test]
    fn chia_values_with_two_thresholds_give_two_gold_items() {
        let text = "Age < 20 or > 35 years\n";
        let ann = "T1\tPerson 0 3\tAge\nT2\tValue 4 22\t< 20 or > 35 years\nR1\tHas_value Arg1:T1 Arg2:T2\n";
        let mut gold = chia_gold(&parse_ann(ann, text));
        gold.sort_by(|a, b| a.value.total_cmp(&b.value));
        let got: Vec<(Option<Comparator>, f64)> =
            gold.iter().map(|i| (i.comparator, i.value)).collect();
        assert_eq!(
            got,
            vec![(Some(Comparator::Lt), 20.0), (Some(Comparator::Gt), 35.0)]
        );
        // "or over" / "or older than" before the second number is that number's comparator.
        for value in [
            "under 18 or over 50 years",
            "younger than 18 yrs. or older than 50 yrs.",
        ] {
            let items = items_from_text(ThresholdKind::Age, value, vec![Span::new(0, 5)]);
            let got: Vec<(Option<Comparator>, f64)> =
                items.iter().map(|i| (i.comparator, i.value)).collect();
            assert_eq!(
                got,
                vec![(Some(Comparator::Lt), 18.0), (Some(Comparator::Gt), 50.0)],
                "{value}"
            );
        }
    }

    #[test]
    fn chia_blood_pressure_pairs_give_two_gold_items() {
        let text = "Blood pressure < 140/90 mmHg\n";
        let ann = "T1\tMeasurement 0 14\tBlood pressure\nT2\tValue 15 28\t< 140/90 mmHg\nR1\tHas_value Arg1:T1 Arg2:T2\n";
        let gold = chia_gold(&parse_ann(ann, text));
        let got: Vec<(Option<Comparator>, f64)> =
            gold.iter().map(|i| (i.comparator, i.value)).collect();
        assert_eq!(
            got,
            vec![(Some(Comparator::Lt), 140.0), (Some(Comparator::Lt), 90.0)]
        );
        // A titer is one value.
        let text = "Titer > 1/40\n";
        let ann =
            "T1\tMeasurement 0 5\tTiter\nT2\tValue 6 12\t> 1/40\nR1\tHas_value Arg1:T1 Arg2:T2\n";
        assert_eq!(chia_gold(&parse_ann(ann, text)).len(), 1);
    }

    #[test]
    fn chia_reader_decimal_commas_and_lost_comparators() {
        // "1,5 mg/dL" is 1.5; a bare "=" (a lost "≥"/"≤") states no comparator.
        assert_eq!(numbers("1,5 mg/dL or more"), vec![1.5]);
        assert_eq!(numbers("100,000 cells per microliter"), vec![100_000.0]);
        let items = items_from_text(ThresholdKind::Age, "=18 years", vec![Span::new(0, 9)]);
        assert_eq!(items[0].comparator, None);
        let items = items_from_text(
            ThresholdKind::Measurement,
            "greater or equal to 140 cm",
            vec![Span::new(0, 9)],
        );
        assert_eq!(items[0].comparator, Some(Comparator::Ge));
    }

    #[test]
    fn chia_enumerations_and_roman_numerals() {
        let items = items_from_text(ThresholdKind::Score, "0, 1 or 2", vec![Span::new(0, 9)]);
        assert_eq!(
            (items[0].comparator, items[0].value, items[0].upper),
            (Some(Comparator::Between), 0.0, Some(2.0))
        );
        let items = items_from_text(
            ThresholdKind::Score,
            "Class III or IV",
            vec![Span::new(0, 9)],
        );
        assert_eq!((items[0].value, items[0].upper), (3.0, Some(4.0)));
    }

    #[test]
    fn chia_or_groups_of_different_values() {
        // "Serum potassium < 3.5 or > 5.1 mEq/L": only the first value is linked by Has_value;
        // the second is an alternative threshold of the same measurement.
        let text = "Serum potassium < 3.5 or > 5.1 mEq/L\n";
        let ann = "T1\tMeasurement 0 15\tSerum potassium\nT2\tValue 16 21\t< 3.5\nT3\tValue 25 36\t> 5.1 mEq/L\n\
R1\tHas_value Arg1:T1 Arg2:T2\n*\tOR T2 T3\n";
        let mut gold = chia_gold(&parse_ann(ann, text));
        gold.sort_by(|a, b| a.value.total_cmp(&b.value));
        let got: Vec<(ThresholdKind, Option<Comparator>, f64)> = gold
            .iter()
            .map(|i| (i.kind, i.comparator, i.value))
            .collect();
        assert_eq!(
            got,
            vec![
                (ThresholdKind::Measurement, Some(Comparator::Lt), 3.5),
                (ThresholdKind::Measurement, Some(Comparator::Gt), 5.1)
            ]
        );
        // "ECOG 0, 1, or 2" annotated as three values: the enumeration's range.
        let text = "ECOG 0,1, or 2\n";
        let ann = "T1\tMeasurement 0 4\tECOG\nT2\tValue 5 6\t0\nT3\tValue 7 8\t1\nT4\tValue 13 14\t2\n\
R1\tHas_value Arg1:T1 Arg2:T2\n*\tOR T2 T3 T4\n";
        let gold = chia_gold(&parse_ann(ann, text));
        assert_eq!(gold.len(), 1);
        assert_eq!(
            (
                gold[0].kind,
                gold[0].comparator,
                gold[0].value,
                gold[0].upper
            ),
            (
                ThresholdKind::Score,
                Some(Comparator::Between),
                0.0,
                Some(2.0)
            )
        );
    }

    #[test]
    fn chia_scales_named_in_full_are_scores() {
        // "American Society of Anesthesiologists physical status I-III" is the ASA scale.
        let text = "American Society of Anesthesiologists physical status I-III\n";
        let ann = "T1\tMeasurement 0 53\tAmerican Society of Anesthesiologists physical status\n\
T2\tValue 54 59\tI-III\nR1\tHas_value Arg1:T1 Arg2:T2\n";
        let gold = chia_gold(&parse_ann(ann, text));
        assert_eq!(gold[0].kind, ThresholdKind::Score);
        let s = score_doc(gold, text);
        assert_eq!(s[&ThresholdKind::Score].matched, 1);
    }

    #[test]
    fn chia_roman_numeral_ranges() {
        let items = items_from_text(ThresholdKind::Score, "I-III", vec![Span::new(0, 5)]);
        assert_eq!(
            (items[0].comparator, items[0].value, items[0].upper),
            (Some(Comparator::Between), 1.0, Some(3.0))
        );
        let items = items_from_text(ThresholdKind::Score, "Class II-IV", vec![Span::new(0, 5)]);
        assert_eq!((items[0].value, items[0].upper), (2.0, Some(4.0)));
    }

    #[test]
    fn chia_values_on_a_person_are_ages_or_sex_specific_measurements() {
        // "Serum creatinine >1.5 mg/dL in male, >1.4 mg/dL in female": Chia hangs the values
        // off the sex entities.
        let text = "Serum creatinine >1.5 mg/dL in male, >1.4 mg/dL in female\n";
        let ann = "T1\tMeasurement 0 16\tSerum creatinine\nT2\tValue 17 27\t>1.5 mg/dL\nT3\tPerson 31 35\tmale\n\
T4\tValue 37 47\t>1.4 mg/dL\nT5\tPerson 51 57\tfemale\nR1\tHas_value Arg1:T3 Arg2:T2\nR2\tHas_value Arg1:T5 Arg2:T4\n";
        let mut gold = chia_gold(&parse_ann(ann, text));
        gold.sort_by(|a, b| a.value.total_cmp(&b.value));
        let got: Vec<(ThresholdKind, f64)> = gold.iter().map(|i| (i.kind, i.value)).collect();
        assert_eq!(
            got,
            vec![
                (ThresholdKind::Measurement, 1.4),
                (ThresholdKind::Measurement, 1.5)
            ]
        );
        // "18-45 years": the value hangs off "years".
        let text = "18-45 years\n";
        let ann = "T1\tValue 0 5\t18-45\nT2\tPerson 6 11\tyears\nR1\tHas_value Arg1:T2 Arg2:T1\n";
        let gold = chia_gold(&parse_ann(ann, text));
        assert_eq!(
            (gold[0].kind, gold[0].value, gold[0].upper),
            (ThresholdKind::Age, 18.0, Some(45.0))
        );
        // A sex without a number is no threshold.
        let text = "both sexes\n";
        let ann = "T1\tValue 0 4\tboth\nT2\tPerson 5 10\tsexes\nR1\tHas_value Arg1:T2 Arg2:T1\n";
        assert!(chia_gold(&parse_ann(ann, text)).is_empty());
    }

    #[test]
    fn a_wrong_value_matches_by_span_only() {
        let text = "Platelets ≥ 100 x 10^9/L\n";
        let gold = vec![Item {
            kind: ThresholdKind::Measurement,
            comparator: Some(Comparator::Ge),
            value: 150.0,
            upper: None,
            unit: None,
            spans: vec![Span::new(10, 25)],
        }];
        let s = score_doc(gold, text);
        let m = &s[&ThresholdKind::Measurement];
        assert_eq!((m.matched, m.span_matched), (0, 1));
    }
}
