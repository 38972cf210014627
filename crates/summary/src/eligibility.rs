//! Facts about who may join, beyond the registry's age and sex fields.
//!
//! [`EligibilityHints`] is the seam between the summary and the eligibility criteria: it is filled
//! from typed criteria ([`EligibilityHints::from_parsed`] reads a [`criteria::ParsedCriteria`]) or
//! by hand, and [`crate::summarize_with`] turns each fact into one plain sentence.
//! [`EligibilityHints::from_criteria_text`] is a small, conservative reader of the raw criteria
//! text that the plain [`crate::summarize`] uses, so that summarising stays fast when no parse
//! is at hand: it only reports what a line under a clear heading states outright.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// Which performance-status scale a limit uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceScale {
    Ecog,
}

/// "ECOG 0 to 2": the range the criteria accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PerformanceLimit {
    pub scale: PerformanceScale,
    pub min: u8,
    pub max: u8,
    /// Whether the criteria state the lower end ("0-2") or only the upper one ("≤ 2").
    pub stated_min: bool,
}

/// The state of the disease a trial asks for (an inclusion criterion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredDiseaseState {
    /// Came back after treatment.
    Relapsed,
    /// Did not respond to treatment.
    Refractory,
    /// Newly diagnosed / not treated before.
    Untreated,
    /// Has spread.
    Metastatic,
}

/// Typed eligibility facts that can enrich the "who might be able to join" part.
///
/// Every field is optional: an empty value states nothing. Fill only what the criteria say
/// outright; each fact becomes a sentence a patient will rely on.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EligibilityHints {
    /// Accepted performance status, from an inclusion criterion.
    pub performance: Option<PerformanceLimit>,
    /// An exclusion criterion leaves out people who are pregnant.
    pub excludes_pregnant: bool,
    /// An exclusion criterion leaves out people who are breastfeeding.
    pub excludes_breastfeeding: bool,
    /// An inclusion criterion asks people who could have children to use birth control.
    pub requires_contraception: bool,
    /// Disease states an inclusion criterion asks for (any one of them).
    pub disease_states: Vec<RequiredDiseaseState>,
}

/// "ECOG 0-1", "ECOG 0 to 2", "ECOG of 0, 1 or 2": a run of scores joined by range or list words.
static ECOG_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bECOG\b[^.;:\n\d]{0,60}?\b((?:[0-4]\s*(?:-|–|to|or|and|,\s*or|,|/)\s*)+[0-4])\b",
    )
    .unwrap()
});
/// "ECOG ≤ 2", "ECOG of 2 or less": an upper bound alone.
static ECOG_MAX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bECOG\b[^.;:\n\d]{0,60}?(?:≤|<=|=<|of|is|score)\s*([0-4])\b").unwrap()
});
/// What after a bare score makes it a lower bound or something else ("2 or higher", "≥").
static NOT_AN_UPPER_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:\+|or (?:higher|more|greater|above|worse)|and (?:higher|above)|points?\b)",
    )
    .unwrap()
});
static PREGNANT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bpregnan").unwrap());
static BREASTFEEDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:breast[- ]?feeding|lactating|nursing mothers?)\b").unwrap()
});
static CONTRACEPTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:contracepti|birth control)").unwrap());
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(?:key\s+|main\s+)?(inclusion|exclusion)\s+criteria\b").unwrap()
});

impl EligibilityHints {
    /// Reads the few facts this crate can state safely from raw criteria text with
    /// "Inclusion Criteria:" / "Exclusion Criteria:" headings. Lines before any heading are
    /// ignored, so nothing is taken from text whose meaning (include or exclude) is unclear.
    pub fn from_criteria_text(text: &str) -> EligibilityHints {
        let mut hints = EligibilityHints::default();
        let mut section: Option<bool> = None; // Some(true) = inclusion
        for line in text.lines() {
            if let Some(c) = HEADING.captures(line) {
                section = Some(c[1].eq_ignore_ascii_case("inclusion"));
                continue;
            }
            match section {
                Some(true) => {
                    if hints.performance.is_none() {
                        hints.performance = ecog_limit(line);
                    }
                    if CONTRACEPTION.is_match(line) {
                        hints.requires_contraception = true;
                    }
                }
                Some(false) => {
                    // A line that mentions pregnancy only as a test or a plan is not an
                    // exclusion of pregnant people.
                    if PREGNANT.is_match(line) && !line.to_lowercase().contains("test") {
                        hints.excludes_pregnant = true;
                    }
                    if BREASTFEEDING.is_match(line) {
                        hints.excludes_breastfeeding = true;
                    }
                }
                None => {}
            }
        }
        hints
    }

    /// Takes the facts from parsed criteria: only rules that are not negated, not conditional
    /// ("if …") and not one of several alternatives, so each sentence holds for every patient.
    pub fn from_parsed(parsed: &criteria::ParsedCriteria) -> EligibilityHints {
        use criteria::{DiseaseState, Polarity, ReproductiveTopic, RuleBody};
        let mut hints = EligibilityHints::default();
        let rules = parsed
            .criteria
            .iter()
            .flat_map(|c| c.rules.iter().map(move |r| (c.text.as_str(), r)));
        for (criterion_text, rule) in rules {
            if rule.negated || rule.condition.is_some() || rule.alternative_group.is_some() {
                continue;
            }
            // Numbers we repeat must be written in the criterion: "ECOG < 4" is not
            // restated as "3 or less".
            let written = |n: u8| {
                criterion_text
                    .split(|c: char| !c.is_ascii_digit())
                    .any(|d| d == n.to_string())
            };
            match (&rule.body, rule.polarity) {
                (
                    RuleBody::PerformanceStatus {
                        scale: criteria::PerformanceScale::Ecog,
                        min,
                        max,
                        ..
                    },
                    Polarity::Inclusion,
                ) if hints.performance.is_none() => {
                    let whole =
                        |v: f64| (v.fract() == 0.0 && (0.0..=5.0).contains(&v)).then_some(v as u8);
                    if let Some(hi) = max.and_then(whole) {
                        let lo = min.and_then(whole);
                        if lo.is_none_or(|lo| lo <= hi && written(lo)) && written(hi) {
                            hints.performance = Some(PerformanceLimit {
                                scale: PerformanceScale::Ecog,
                                min: lo.unwrap_or(0),
                                max: hi,
                                stated_min: lo.is_some(),
                            });
                        }
                    }
                }
                (RuleBody::Reproductive { topic, .. }, Polarity::Exclusion) => match topic {
                    ReproductiveTopic::Pregnant => hints.excludes_pregnant = true,
                    ReproductiveTopic::Lactating => hints.excludes_breastfeeding = true,
                    _ => {}
                },
                (
                    RuleBody::Reproductive {
                        topic: ReproductiveTopic::Contraception,
                        ..
                    },
                    Polarity::Inclusion,
                ) => {
                    hints.requires_contraception = true;
                }
                (
                    RuleBody::Condition {
                        states,
                        history: false,
                        ..
                    },
                    Polarity::Inclusion,
                ) if !states.is_empty() => {
                    // Only when every state of the rule is one we can say; "locally advanced or
                    // metastatic" must not become "has spread".
                    let mapped: Option<Vec<RequiredDiseaseState>> = states
                        .iter()
                        .map(|s| match s {
                            DiseaseState::Relapsed => Some(RequiredDiseaseState::Relapsed),
                            DiseaseState::Refractory => Some(RequiredDiseaseState::Refractory),
                            DiseaseState::Untreated | DiseaseState::NewlyDiagnosed => {
                                Some(RequiredDiseaseState::Untreated)
                            }
                            DiseaseState::Metastatic => Some(RequiredDiseaseState::Metastatic),
                            _ => None,
                        })
                        .collect();
                    for s in mapped.unwrap_or_default() {
                        if !hints.disease_states.contains(&s) {
                            hints.disease_states.push(s);
                        }
                    }
                }
                _ => {}
            }
        }
        hints
    }

    pub fn is_empty(&self) -> bool {
        *self == EligibilityHints::default()
    }
}

fn ecog_limit(line: &str) -> Option<PerformanceLimit> {
    if let Some(c) = ECOG_RANGE.captures(line) {
        let scores: Vec<u8> = c[1]
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let (lo, hi) = (*scores.iter().min()?, *scores.iter().max()?);
        // Only an ordered run ("0-1", "0, 1 or 2"); anything else is not read.
        if scores.windows(2).all(|w| w[0] < w[1]) {
            return Some(PerformanceLimit {
                scale: PerformanceScale::Ecog,
                min: lo,
                max: hi,
                stated_min: true,
            });
        }
        return None;
    }
    let c = ECOG_MAX.captures(line)?;
    let whole = c.get(0)?;
    if NOT_AN_UPPER_BOUND.is_match(&line[whole.end()..]) {
        return None;
    }
    let max: u8 = c[1].parse().ok()?;
    Some(PerformanceLimit {
        scale: PerformanceScale::Ecog,
        min: 0,
        max,
        stated_min: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_what_the_sections_say() {
        let text = "Inclusion Criteria:\n\n* Age 18 or older\n* ECOG performance status 0-1\n* Agree to use contraception\n\nExclusion Criteria:\n\n* Pregnant or breastfeeding women\n* Prior transplant";
        let h = EligibilityHints::from_criteria_text(text);
        assert_eq!(
            h.performance,
            Some(PerformanceLimit {
                scale: PerformanceScale::Ecog,
                min: 0,
                max: 1,
                stated_min: true
            })
        );
        assert!(h.excludes_pregnant && h.excludes_breastfeeding && h.requires_contraception);
    }

    #[test]
    fn typed_criteria_fill_the_same_facts() {
        let text = "Inclusion Criteria:\n\n* Relapsed or refractory acute myeloid leukemia\n* ECOG performance status 0-2\n\nExclusion Criteria:\n\n* Pregnant or breastfeeding women\n";
        let h = EligibilityHints::from_parsed(&criteria::parse(text));
        assert_eq!(
            h.performance.map(|p| (p.min, p.max, p.stated_min)),
            Some((0, 2, true))
        );
        assert!(h.excludes_pregnant, "{h:?}");
    }

    #[test]
    fn ecog_lists_and_bounds_are_read_whole_or_not_at_all() {
        let limit = |t: &str| ecog_limit(t).map(|p| (p.min, p.max, p.stated_min));
        assert_eq!(
            limit("ECOG performance status of 0, 1, or 2"),
            Some((0, 2, true))
        );
        assert_eq!(limit("ECOG 0 to 1"), Some((0, 1, true)));
        assert_eq!(limit("ECOG of 2 or less"), Some((0, 2, false)));
        assert_eq!(limit("ECOG performance status is 2 or higher"), None);
        assert_eq!(limit("ECOG PS < 2"), None);
    }

    #[test]
    fn a_pregnancy_test_is_not_an_exclusion_and_unlabelled_text_says_nothing() {
        let h = EligibilityHints::from_criteria_text(
            "Exclusion Criteria:\n- Positive pregnancy test at screening",
        );
        assert!(!h.excludes_pregnant);
        let h = EligibilityHints::from_criteria_text("Pregnant women. ECOG 0-2.");
        assert!(h.is_empty());
        let h = EligibilityHints::from_criteria_text(
            "Inclusion Criteria:\n- ECOG performance status ≤ 2",
        );
        assert_eq!(h.performance.map(|p| (p.min, p.max)), Some((0, 2)));
    }
}
