//! Eligibility criteria text → sections, a criterion tree with exact spans, and typed rules.
//!
//! # Brief overview
//!
//! [`parse`] (or a [`Parser`] holding a [`ConditionVocabulary`]) turns the registry's single block
//! of eligibility text into [`ParsedCriteria`]: [`Section`]s (inclusion / exclusion / unspecified,
//! found under any heading variant) over a flat, document-ordered arena of [`Criterion`]s that form
//! a tree (bullets, numbers, nested a./i. items, inline "a. … b. …" enumerations, wrapped lines,
//! paragraph sentences). Every criterion keeps its exact byte [`Span`] into the input, and its
//! [`Rule`]s: typed, serde-serializable statements with a [`Polarity`], normalized values
//! ([`Threshold`], [`TimeWindow`], [`Bound`]), conditions, exceptions and negation, plus
//! [`Rule::explain`] for people. A criterion nothing understands keeps a [`RuleBody::FreeText`]
//! rule, so no text is ever dropped. The JSON form is documented in `crates/criteria/README.md`.
//!
//! The crate is pure: no I/O, no async, no global state besides compiled regexes.
//!
//! ```
//! let text = "Inclusion Criteria:\n\n* Age ≥ 18 years\n* ECOG 0-1\n\nExclusion Criteria:\n\n* LVEF \\<50%\n";
//! let parsed = criteria::parse(text);
//! assert_eq!(parsed.sections.len(), 2);
//! let lvef = parsed.rules().find(|r| r.kind() == "organ_function").unwrap();
//! assert_eq!(lvef.polarity, criteria::Polarity::Exclusion);
//! assert_eq!(lvef.explain(), "Exclusion: lvef < 50%");
//! let ages = parsed.age_range().unwrap();
//! assert_eq!(ages.min_years, Some(18.0));
//! ```

mod explain;
mod extract;
mod model;
mod numeric;
mod split;
mod vocab;

pub use model::*;
pub use vocab::ConditionVocabulary;

use serde::{Deserialize, Serialize};

/// Parses eligibility text with no condition vocabulary.
pub fn parse(text: &str) -> ParsedCriteria {
    Parser::default().parse(text)
}

/// A configured parser. Cheap to build; reuse it for many texts.
#[derive(Debug, Clone, Default)]
pub struct Parser {
    vocabulary: Option<ConditionVocabulary>,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Normalizes condition mentions to the MeSH descriptors of `vocabulary`.
    pub fn with_vocabulary(mut self, vocabulary: ConditionVocabulary) -> Self {
        self.vocabulary = Some(vocabulary);
        self
    }

    /// Splits `text` and extracts rules from every criterion.
    pub fn parse(&self, text: &str) -> ParsedCriteria {
        let raw_sections = split::split(text);
        let extractor = extract::Extractor {
            vocabulary: self.vocabulary.as_ref(),
        };
        let mut sections = Vec::new();
        let mut criteria: Vec<Criterion> = Vec::new();
        for rs in raw_sections {
            let polarity = match rs.kind {
                SectionKind::Exclusion => Polarity::Exclusion,
                _ => Polarity::Inclusion,
            };
            let mut top = Vec::new();
            for node in &rs.nodes {
                top.push(flatten(
                    text,
                    node,
                    None,
                    0,
                    rs.kind,
                    polarity,
                    &extractor,
                    &mut criteria,
                ));
            }
            let start = rs.heading.map(|h| h.start).or_else(|| {
                top.first()
                    .map(|&i| criteria[i].marker.unwrap_or(criteria[i].span).start)
            });
            let end = last_end(&criteria, &top).or(rs.heading.map(|h| h.end));
            let span = match (start, end) {
                (Some(s), Some(e)) => Span::new(s, e.max(s)),
                _ => Span::new(0, 0),
            };
            sections.push(Section {
                kind: rs.kind,
                heading: rs.heading,
                span,
                criteria: top,
            });
        }
        ParsedCriteria { sections, criteria }
    }
}

fn last_end(criteria: &[Criterion], ids: &[usize]) -> Option<usize> {
    let &last = ids.last()?;
    let c = &criteria[last];
    Some(
        last_end(criteria, &c.children)
            .unwrap_or(c.span.end)
            .max(c.span.end),
    )
}

#[allow(clippy::too_many_arguments)]
fn flatten(
    text: &str,
    node: &split::Node,
    parent: Option<usize>,
    depth: usize,
    section: SectionKind,
    polarity: Polarity,
    extractor: &extract::Extractor<'_>,
    out: &mut Vec<Criterion>,
) -> usize {
    let id = out.len();
    let rules = extractor.extract(text, node.span, polarity);
    out.push(Criterion {
        id,
        parent,
        depth,
        section,
        marker: node.marker,
        span: node.span,
        text: node.span.slice(text).to_string(),
        children: Vec::new(),
        rules,
    });
    let mut kids = Vec::new();
    for child in &node.children {
        kids.push(flatten(
            text,
            child,
            Some(id),
            depth + 1,
            section,
            polarity,
            extractor,
            out,
        ));
    }
    out[id].children = kids;
    id
}

/// The allowed age range implied by all age rules (inclusion bounds, and exclusion bounds turned
/// around: "Exclusion: age < 18" means a minimum of 18), in years.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AgeRange {
    pub min_years: Option<f64>,
    pub max_years: Option<f64>,
    /// "older than 18": the minimum itself is not allowed.
    pub min_exclusive: bool,
    /// "younger than 65": the maximum itself is not allowed.
    pub max_exclusive: bool,
}

type AgeBound = Option<(f64, bool)>;

/// Intersection (or union) of (min, max) bounds; a missing bound is unbounded.
fn combine(
    bounds: impl Iterator<Item = (AgeBound, AgeBound)>,
    union: bool,
) -> (AgeBound, AgeBound) {
    let mut lo: AgeBound = None;
    let mut hi: AgeBound = None;
    let mut lo_open = false;
    let mut hi_open = false;
    for (l, h) in bounds {
        match l {
            Some(b) => {
                lo = Some(match lo {
                    None => b,
                    Some(cur) => {
                        if (b.0 > cur.0) != union {
                            b
                        } else {
                            cur
                        }
                    }
                })
            }
            None => lo_open = true,
        }
        match h {
            Some(b) => {
                hi = Some(match hi {
                    None => b,
                    Some(cur) => {
                        if (b.0 < cur.0) != union {
                            b
                        } else {
                            cur
                        }
                    }
                })
            }
            None => hi_open = true,
        }
    }
    if union {
        // In a union, one alternative without a bound makes the union unbounded on that side.
        if lo_open {
            lo = None;
        }
        if hi_open {
            hi = None;
        }
    }
    (lo, hi)
}

/// No age satisfies both bounds.
fn empty_range(lo: AgeBound, hi: AgeBound) -> bool {
    match (lo, hi) {
        (Some(a), Some(b)) => a.0 > b.0 || a.0 == b.0 && (a.1 || b.1),
        _ => false,
    }
}

static QUALIFIED_AFTER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\s*(?:years?|yrs?)?\s*(?:old|of\s+age)?[\s,)]*(?:who|whose|with|that|and\s+(?:has|have|had|who|with|is|are))\b|^[^.;]{0,80}?\b(?:will|must|should|shall)\s+(?:undergo|have|receive|provide|use|sign|be\s+(?:tested|screened|evaluated|assessed|negative|positive|required))\b",
    )
    .expect("valid regex")
});

/// A criterion that opens with its age statement ("Age > 18 years, premenopausal", "18-45
/// years old, women of childbearing potential must …"): an age limit, whatever follows.
static AGE_AT_START: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\W*(?:(?:the\s+)?(?:patient|subject|participant)s?\s+(?:must\s+be\s+|is\s+|are\s+)?)?(?:aged?\b|ages\b|\d{1,2}\s*(?:-|–|to)\s*\d{1,3}\s*(?:years|yrs)|\d{1,2}\s*(?:years|yrs)\b|[≥≤<>]\s*\d)",
    )
    .expect("valid regex")
});

/// "First 2 enrolled subjects: age ≥ 18 and ≤ 30 years": bounds under a label naming a group of
/// participants are that group's.
static GROUP_LABEL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)(?:\b(?:first|last|initial|remaining|next)\b[^.:;]{0,30}\b(?:subjects?|patients?|participants?)|\b(?:cohorts?|groups?|arms?|parts?)\b)[^.:;]{0,15}:",
    )
    .expect("valid regex")
});

/// An age inside a list of risk factors ("two high risk factors such as … age < 35 years") is one
/// way to qualify, not an age limit.
static RISK_FACTORS_BEFORE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\brisks?[\s-]+factors?\b").expect("valid regex")
});

/// "between 12 and 35 years (changed to between 10 and 35 years under Amendment 2)": the later
/// bound replaces the earlier one.
static AMENDED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:changed|amended|revised|modified)\s+to\b").expect("valid regex")
});

/// "maximum age 65 years" names the limit itself, even among exclusion criteria.
static LIMIT_NAMED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(?:maximum|minimum|upper|lower)\s+age\b|\bage\s+limit\b")
        .expect("valid regex")
});

static FOR_GROUP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\s*(?:years?|yrs?|y)?\s*(?:old|of\s+age)?\s*\(?\s*(?:for|in)\s+(?:the\s+)?[\w\s-]{0,30}?\b(?:group|cohort|arm|part)s?\b",
    )
    .expect("valid regex")
});

fn self_text_has_or(text: &str, base: usize, from: usize, to: usize) -> bool {
    let (a, b) = (from.saturating_sub(base), to.saturating_sub(base));
    text.get(a..b).is_some_and(|gap| {
        gap.to_ascii_lowercase()
            .split_whitespace()
            .any(|w| w == "or")
    })
}

impl ParsedCriteria {
    /// All rules of all criteria, in document order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.criteria.iter().flat_map(|c| c.rules.iter())
    }

    /// Criteria of one section kind, in document order (all depths).
    pub fn criteria_in(&self, kind: SectionKind) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(move |c| c.section == kind)
    }

    /// Combines the age rules into one allowed range in years, or `None` when the text states no
    /// age bound. Negated rules and rules with a condition are ignored.
    pub fn age_range(&self) -> Option<AgeRange> {
        // Bounds per criterion: (years, exclusive).
        type B = Option<(f64, bool)>;
        let mut per_criterion: Vec<(B, B, bool)> = Vec::new();
        for c in &self.criteria {
            // Ages inside definitions of menopause / childbearing potential are not limits
            // ("postmenopausal, defined as age > 55 …", "women of childbearing potential (< 50
            // years)"); an age stated before such a word is ("Age > 18 years, premenopausal",
            // "Age 30-70 years (postmenopausal if female)").
            let lower = c.text.to_ascii_lowercase();
            let reproductive_word_at = [
                "menopaus",
                "menstruat",
                "amenorrh",
                "childbearing",
                "child-bearing",
            ]
            .iter()
            .filter_map(|w| lower.find(w))
            .min();
            let mut bounds: Vec<(B, B, Span)> = Vec::new();
            // Alternative groups of the age rules taken ("≥ 18 years, except for … ≥ 8 years").
            let mut groups: Vec<u32> = Vec::new();
            // Whether every bound came from an exclusion turned around.
            let mut all_turned = true;
            for r in &c.rules {
                let RuleBody::Age {
                    min: lo,
                    max: hi,
                    unit,
                } = &r.body
                else {
                    continue;
                };
                if r.negated || r.condition.is_some() {
                    continue;
                }
                if reproductive_word_at
                    .is_some_and(|w| w < r.span.start.saturating_sub(c.span.start))
                    || reproductive_word_at.is_some() && !AGE_AT_START.is_match(&c.text)
                {
                    continue;
                }
                let before = c.text.get(..r.span.start.saturating_sub(c.span.start));
                if before.is_some_and(|t| RISK_FACTORS_BEFORE.is_match(t)) {
                    continue;
                }
                let names_limit = c
                    .text
                    .get(
                        r.span.start.saturating_sub(c.span.start)
                            ..r.span.end.saturating_sub(c.span.start),
                    )
                    .is_some_and(|t| LIMIT_NAMED.is_match(t));
                let y = |b: &Bound| (b.value * unit.days() / TimeUnit::Year.days(), !b.inclusive);
                if let Some(g) = r.alternative_group {
                    groups.push(g);
                }
                match r.polarity {
                    Polarity::Inclusion => {
                        all_turned = false;
                        bounds.push((lo.as_ref().map(y), hi.as_ref().map(y), r.span))
                    }
                    Polarity::Exclusion if names_limit => {
                        all_turned = false;
                        bounds.push((lo.as_ref().map(y), hi.as_ref().map(y), r.span))
                    }
                    // "Male over the age of 60 who has sustained a fracture": excluded only
                    // together with something else, so not an age limit.
                    Polarity::Exclusion
                        if c.text
                            .get(r.span.end.saturating_sub(c.span.start)..)
                            .is_some_and(|t| QUALIFIED_AFTER.is_match(t)) => {}
                    // Excluded below a bound → that bound is the minimum, and vice versa.
                    Polarity::Exclusion => match (lo, hi) {
                        (None, Some(b)) => bounds.push((Some((y(b).0, !y(b).1)), None, r.span)),
                        (Some(b), None) => bounds.push((None, Some((y(b).0, !y(b).1)), r.span)),
                        _ => {}
                    },
                }
            }
            // An amendment written into the text replaces the bound before it.
            let mut i = 0;
            while i + 1 < bounds.len() {
                let (a, b) = (bounds[i].2, bounds[i + 1].2);
                // The spans may overlap ("the age of 12 … (changed to between the age of 10 …").
                let gap = c
                    .text
                    .get(a.start.saturating_sub(c.span.start)..b.end.saturating_sub(c.span.start));
                if a.start <= b.start && a.end < b.end && gap.is_some_and(|g| AMENDED.is_match(g)) {
                    bounds.remove(i);
                } else {
                    i += 1;
                }
            }
            if bounds.is_empty() {
                continue;
            }
            // Two age statements joined by "or" in one criterion are alternatives: take the union.
            // Excluding "age < 30 or > 75" excludes both, so the two bounds turned around both
            // hold. And an inclusion "≥ 18 or ≤ 65", whose union would allow every age, states no
            // alternative: a text does not spell out a condition everyone meets.
            let joined_by_or = bounds.windows(2).any(|w| {
                let (a, b) = (w[0].2, w[1].2);
                a.end <= b.start && self_text_has_or(&c.text, c.span.start, a.end, b.start)
            });
            let shared_group = groups
                .iter()
                .enumerate()
                .any(|(i, g)| groups[i + 1..].contains(g));
            let alternatives = shared_group
                || joined_by_or
                    && !all_turned
                    && (bounds.len() != 2 || {
                        let (l, h) = combine(bounds.iter().map(|(l, h, _)| (*l, *h)), true);
                        l.is_some() || h.is_some()
                    });
            // "35 to 50 years for the middle-age group, and 65 to 80 for the elderly group":
            // bounds named for a group, or bounds that cannot all hold, are cohorts.
            let for_group = bounds.iter().any(|(_, _, sp)| {
                let after = sp.end.saturating_sub(c.span.start);
                c.text.get(after..).is_some_and(|t| FOR_GROUP.is_match(t))
            });
            // Bounds under a group label ("First 2 enrolled subjects: age ≥ 18 and ≤ 30") hold
            // together for that group: intersect within each labelled part, then take the union.
            let labels: Vec<usize> = GROUP_LABEL
                .find_iter(&c.text)
                .map(|m| c.span.start + m.end())
                .collect();
            let (mut lo, mut hi) = if !labels.is_empty() && !alternatives && !for_group {
                let part = |sp: &Span| labels.iter().filter(|&&e| e <= sp.start).count();
                let parts: Vec<(AgeBound, AgeBound)> = (0..=labels.len())
                    .map(|k| {
                        combine(
                            bounds
                                .iter()
                                .filter(|(_, _, sp)| part(sp) == k)
                                .map(|(l, h, _)| (*l, *h)),
                            false,
                        )
                    })
                    .filter(|(l, h)| l.is_some() || h.is_some())
                    .collect();
                combine(parts.into_iter(), true)
            } else {
                combine(
                    bounds.iter().map(|(l, h, _)| (*l, *h)),
                    alternatives || for_group,
                )
            };
            if empty_range(lo, hi) {
                (lo, hi) = combine(bounds.iter().map(|(l, h, _)| (*l, *h)), true);
            }
            per_criterion.push((lo, hi, c.section == SectionKind::Exclusion));
        }
        if per_criterion.is_empty() {
            return None;
        }
        // Inclusion criteria that state different minimums (or different maximums) describe
        // alternative cohorts ("Age ≥ 60" and "Age ≥ 18 if unsuitable for induction"): a text
        // would not state a weaker bound that another criterion makes redundant. Their union is
        // then intersected with the bounds from exclusion criteria, which always apply.
        let inclusion: Vec<(AgeBound, AgeBound)> = per_criterion
            .iter()
            .filter(|b| !b.2)
            .map(|b| (b.0, b.1))
            .collect();
        let differ = |side: fn(&(AgeBound, AgeBound)) -> AgeBound| {
            let vals: Vec<f64> = inclusion
                .iter()
                .filter_map(|b| side(b).map(|x| x.0))
                .collect();
            vals.iter().any(|v| (v - vals[0]).abs() > 1e-9)
        };
        let cohorts = differ(|b| b.0) || differ(|b| b.1);
        let all: Vec<(AgeBound, AgeBound)> = if cohorts {
            let (ilo, ihi) = combine(inclusion.iter().copied(), true);
            std::iter::once((ilo, ihi))
                .chain(per_criterion.iter().filter(|b| b.2).map(|b| (b.0, b.1)))
                .collect()
        } else {
            per_criterion.iter().map(|b| (b.0, b.1)).collect()
        };
        // Intersect across criteria; if that is empty the criteria describe alternative cohorts
        // ("Cohort A: < 11 years", "Cohort B: 11 to 25 years"), so take their union instead.
        let (mut lo, mut hi) = combine(all.iter().copied(), false);
        if let (Some(a), Some(b)) = (lo, hi) {
            // An intersection that collapses to a single age from different ranges is also a sign
            // of cohorts ("children 8-18", "adults 18-60").
            if a.0 > b.0 || a.0 == b.0 && (a.1 || b.1 || all.len() > 1) {
                (lo, hi) = combine(all.iter().copied(), true);
            }
        }
        if lo.is_none() && hi.is_none() {
            return None;
        }
        Some(AgeRange {
            min_years: lo.map(|b| b.0),
            max_years: hi.map(|b| b.0),
            min_exclusive: lo.is_some_and(|b| b.1),
            max_exclusive: hi.is_some_and(|b| b.1),
        })
    }
}
