//! Per-rule eligibility: each typed rule of a trial's criteria marked met, not met, unknown or
//! not applicable against a patient, with the criterion text and the patient fact that decided
//! it; and the trial verdict that follows.
//!
//! Semantics follow [`criteria::Rule`]: a patient who satisfies a rule's content is required
//! (inclusion) or excluded (exclusion), `negated` flips the content, a rule with a `condition`
//! cannot fail a patient on its own (the condition is not evaluated, so a failure becomes
//! unknown), and rules of one criterion sharing an `alternative_group` are alternatives.
//! Unknown is the honest default: a fact the profile does not state never fails a patient.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use criteria::{
    BiomarkerStatus, CnsTopic, Comparator, InfectionAgent, PerformanceScale, Polarity, Reference,
    ReproductiveTopic, Rule, RuleBody, Threshold, TransplantKind,
};

use crate::facts::PatientFacts;
use crate::profile::{MarkerStatus, PregnancyStatus, Sex};
use crate::trial::{TrialDocument, TrialSex};
use crate::vocabulary::{ConceptId, ConceptKind, Vocabulary, fold_case};

/// How one rule stands for one patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Met,
    NotMet,
    Unknown,
    NotApplicable,
}

/// The fact a rule turns on; unknown facts become questions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "fact", content = "name", rename_all = "snake_case")]
pub enum FactKey {
    Age,
    Sex,
    Pregnancy,
    Condition(String),
    Biomarker(String),
    Lab(String),
    PerformanceStatus,
    PriorTherapy(String),
    Transplant,
    Infection(String),
    BrainMetastases,
    MeasurableDisease,
    LifeExpectancy,
    OrganFunction(String),
    Allergy(String),
}

/// One rule's mark, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMark {
    /// The criterion text the rule came from.
    pub criterion: Arc<str>,
    /// Byte span of the criterion in the trial's criteria text (absent for registry fields).
    pub span: Option<(usize, usize)>,
    /// Rule kind ("age", "condition", "lab", ...).
    pub kind: &'static str,
    pub polarity: Polarity,
    pub mark: Mark,
    /// The patient fact behind a met / not met / not applicable mark.
    pub patient_fact: Option<Fact>,
    /// The fact that would decide an unknown mark.
    pub fact: Option<FactKey>,
    /// Whether this rule can make a patient ineligible (administrative and free-text rules cannot).
    pub decisive: bool,
}

/// The trial-level verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A decisive rule is not met.
    NotEligible,
    /// Only unknowns stand in the way.
    PossiblyEligible,
    /// Every decisive rule is met or not applicable.
    LikelyEligible,
}

/// All marks for one trial and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Eligibility {
    pub verdict: Verdict,
    pub marks: Vec<RuleMark>,
    /// For a possible verdict: exactly the unknown facts that decide it.
    pub deciding_unknowns: Vec<FactKey>,
    /// Inclusion rules on conditions that the patient meets (positive evidence of fit).
    pub met_conditions: usize,
}

/// Content truth of a rule for the patient, before polarity.
enum Truth {
    True(Fact),
    False(Fact),
    Unknown(FactKey),
    NotApplicable(Fact),
}

/// A patient fact as cited: mostly fixed phrases, so no allocation for them.
type Fact = Cow<'static, str>;

/// Evaluates every rule of `trial` (and its registry age/sex limits) for `patient`.
pub fn evaluate(patient: &PatientFacts, trial: &TrialDocument) -> Eligibility {
    let mut marks = Vec::new();
    // Registry fields.
    if trial.minimum_age_years.is_some() || trial.maximum_age_years.is_some() {
        let text = format!(
            "Age {}–{} years (registry)",
            trial
                .minimum_age_years
                .map(fmt_num)
                .unwrap_or_else(|| "any".into()),
            trial
                .maximum_age_years
                .map(fmt_num)
                .unwrap_or_else(|| "any".into())
        );
        let truth = match patient.age_years {
            None => Truth::Unknown(FactKey::Age),
            Some(age) => {
                let ok = trial.minimum_age_years.is_none_or(|m| age >= m)
                    && trial.maximum_age_years.is_none_or(|m| age <= m);
                let fact = format!("age {}", fmt_num(age));
                if ok {
                    Truth::True(Cow::from(fact))
                } else {
                    Truth::False(Cow::from(fact))
                }
            }
        };
        marks.push(to_mark(
            truth,
            Polarity::Inclusion,
            false,
            "age",
            text.into(),
            None,
            true,
        ));
    }
    if let Some(sex) = trial.sex.filter(|s| *s != TrialSex::All) {
        let text = format!(
            "Sex: {} (registry)",
            if sex == TrialSex::Female {
                "female"
            } else {
                "male"
            }
        );
        let truth = match patient.profile.sex {
            None => Truth::Unknown(FactKey::Sex),
            Some(s) => {
                let ok = matches!(
                    (s, sex),
                    (Sex::Female, TrialSex::Female) | (Sex::Male, TrialSex::Male)
                );
                let fact = format!("sex {}", if s == Sex::Female { "female" } else { "male" });
                if ok {
                    Truth::True(Cow::from(fact))
                } else {
                    Truth::False(Cow::from(fact))
                }
            }
        };
        marks.push(to_mark(
            truth,
            Polarity::Inclusion,
            false,
            "sex",
            text.into(),
            None,
            true,
        ));
    }

    // "Healthy volunteers": a patient with a known condition is not one, unless the trial is
    // about that condition (then the healthy group is a control arm).
    if let Some(m) = trial.healthy_volunteers {
        let vocab = Vocabulary::builtin();
        let sick = patient.present.iter().find(|p| {
            vocab.concept(p.concept).kind == ConceptKind::Condition
                && p.weight >= 1.0
                && !trial_is_about(trial, p.concept)
        });
        let on_topic = patient
            .present
            .iter()
            .any(|p| trial_is_about(trial, p.concept));
        if let (Some(p), false) = (sick, on_topic) {
            let text: Arc<str> = trial.criteria_text[m.0..m.1].into();
            marks.push(to_mark(
                Truth::False(Cow::from(p.source.clone())),
                Polarity::Inclusion,
                false,
                "condition",
                text,
                Some(m),
                true,
            ));
        }
    }

    // Parsed rules, with criterion structure.
    let parsed = &trial.criteria;
    let mut met_conditions = 0;
    let mut group_state: Vec<(usize, u32, Vec<usize>)> = Vec::new();
    let diagnosis_runs = &trial.diagnosis_runs;
    // Whether each parent criterion offers alternatives, read once per parent (many children
    // share one) and only when a child's failed rule asks.
    let mut parent_offers_alternatives: Vec<Option<bool>> = vec![None; parsed.criteria.len()];
    for criterion in &parsed.criteria {
        let first_mark = marks.len();
        // The criterion text case-folded, once per criterion and only if some test reads it
        // (this runs for every criterion of every candidate).
        let folded_cell = std::cell::OnceCell::new();
        let folded = || -> &str { folded_cell.get_or_init(|| fold_case(&criterion.text)) };
        let mut alternatives_parent = || {
            let p = criterion.parent.filter(|&p| p < parsed.criteria.len())?;
            Some(
                *parent_offers_alternatives[p]
                    .get_or_insert_with(|| offers_alternatives(&parsed.criteria[p].text)),
            )
        };
        let implicit_groups = &trial.implicit_groups[criterion.id];
        // "Tumors that are ER negative and PR positive are not eligible", listed among the
        // inclusion criteria, excludes: its rules are read as exclusions throughout.
        // (A cheap look first: this runs for every criterion of every candidate.)
        let states_exclusion = (criterion.text.contains("ligib")
            || criterion.text.contains("xclud"))
            && states_ineligibility(folded());
        for (rule_index, rule) in criterion.rules.iter().enumerate() {
            let as_exclusion;
            let rule = if states_exclusion && rule.polarity == Polarity::Inclusion {
                as_exclusion = Rule {
                    polarity: Polarity::Exclusion,
                    ..rule.clone()
                };
                &as_exclusion
            } else if negated_pregnancy_among_exclusions(rule)
                || (rule.polarity == Polarity::Exclusion
                    && rule.negated
                    && states_a_requirement(folded()))
            {
                // "Not pregnant or nursing", "Patient must not have stage IV breast cancer"
                // copied under the exclusion heading: read literally they would exclude everyone
                // who is not pregnant, or not at stage IV. They exclude the pregnant, stage IV.
                as_exclusion = Rule {
                    negated: false,
                    ..rule.clone()
                };
                &as_exclusion
            } else {
                rule
            };
            let registry_age =
                trial.minimum_age_years.is_some() || trial.maximum_age_years.is_some();
            let truth = match &rule.body {
                // The registry's structured limits are authoritative; text ages repeat them.
                RuleBody::Age { .. } if registry_age => {
                    Truth::NotApplicable(Cow::from("registry age limits apply"))
                }
                // "Women who are pregnant ..." under exclusion describes, it does not restrict sex.
                RuleBody::Sex { .. } if rule.polarity == Polarity::Exclusion => {
                    Truth::NotApplicable(Cow::from("sex named in an exclusion"))
                }
                // "Female patients have adequate birth-control method": the sex says whom the
                // reproductive requirement binds, it admits men as well.
                RuleBody::Sex { .. }
                    if criterion.rules.iter().any(|r| {
                        matches!(
                            r.body,
                            RuleBody::Reproductive {
                                topic: criteria::ReproductiveTopic::Contraception
                                    | criteria::ReproductiveTopic::NegativePregnancyTest
                                    | criteria::ReproductiveTopic::ChildbearingPotential
                            }
                        )
                    }) || speaks_of_contraception(folded())
                        || opens_with_sex_label(&criterion.text) =>
                {
                    Truth::NotApplicable(Cow::from("sex named for a reproductive requirement"))
                }
                RuleBody::Sex { .. } if trial.sex.is_some() => {
                    Truth::NotApplicable(Cow::from("registry sex limit applies"))
                }
                _ => rule_truth(rule, patient, trial),
            };
            let mut m = to_mark(
                truth,
                rule.polarity,
                rule.negated,
                rule.kind(),
                trial.criterion_text(criterion.id),
                Some((criterion.span.start, criterion.span.end)),
                rule.is_decisive(),
            );
            // A conditional requirement, or one for another cohort, does not close the trial.
            if m.mark == Mark::NotMet
                && (rule.condition.is_some()
                    || alternatives_parent() == Some(true)
                    || cohort_specific(&criterion.text))
            {
                m.mark = Mark::Unknown;
            }
            // A criterion that permits ("bilateral cancers are allowed as long as both are
            // HER2-positive") restricts nobody by itself, nor does the definition of
            // childbearing potential. (Other definitions, "measurable disease defined as ...",
            // are requirements.)
            if m.mark == Mark::NotMet {
                let folded_text = folded();
                if permits(folded_text)
                    || (matches!(rule.body, RuleBody::Reproductive { .. }) && defines(folded_text))
                    || (matches!(rule.body, RuleBody::Condition { .. })
                        && names_whom_a_procedure_is_for(&trial.criteria_text, rule))
                    || (matches!(rule.body, RuleBody::Biomarker { .. })
                        && (opens_with_definition(folded_text)
                            || records_or_defines_status(sentence_around(
                                &trial.criteria_text,
                                rule.span.start,
                                rule.span.end,
                            ))))
                    || (matches!(rule.body, RuleBody::PriorTherapy { .. })
                        && rule.polarity == Polarity::Inclusion
                        && speaks_of_planned_treatment(folded_text))
                {
                    m.mark = Mark::NotApplicable;
                }
            }
            // "treated with diet, oral agents or insulin": the one alternative typed is not met,
            // but an alternative no rule reads may be, so the requirement is open.
            if m.mark == Mark::NotMet
                && rule.polarity == Polarity::Inclusion
                && !rule.negated
                && rule
                    .alternative_group
                    .or(implicit_groups[rule_index])
                    .is_none()
                && joined_by_or(&trial.criteria_text, rule.span.start, rule.span.end)
            {
                m.mark = Mark::Unknown;
            }
            if m.mark == Mark::NotMet
                && ((!rule.exceptions.is_empty() && excepted(&rule.exceptions, patient))
                    || m.patient_fact
                        .as_deref()
                        .is_some_and(|f| exception_names_fact(folded(), f)))
            {
                m.mark = Mark::NotApplicable;
            }
            // "… should not be enrolled in another clinical trial for the treatment of
            // COVID-19": the disease named is that trial's topic, not the patient's state.
            if m.mark == Mark::NotMet
                && matches!(
                    rule.body,
                    RuleBody::Condition { .. } | RuleBody::Infection { .. }
                )
                && speaks_of_another_trial(folded())
            {
                m.mark = Mark::NotApplicable;
            }
            if m.mark == Mark::Met
                && rule.polarity == Polarity::Inclusion
                && matches!(rule.body, RuleBody::Condition { .. })
            {
                met_conditions += 1;
            }
            // A run of diagnosis bullets is one group, keyed by the run's first criterion.
            let group = match diagnosis_runs[criterion.id] {
                Some(run) => Some((run, DIAGNOSIS_RUN_GROUP)),
                None => rule
                    .alternative_group
                    .or(implicit_groups[rule_index])
                    .map(|g| (criterion.id, g)),
            };
            if let Some((owner, g)) = group {
                let idx = marks.len();
                match group_state
                    .iter_mut()
                    .find(|(c, gg, _)| *c == owner && *gg == g)
                {
                    Some((_, _, members)) => members.push(idx),
                    None => group_state.push((owner, g, vec![idx])),
                }
            }
            marks.push(m);
        }
        // "Tumors that are ER negative and PR positive are not eligible": excluded only when
        // every part holds, so one part the patient does not have clears the others.
        if states_exclusion
            && folded().contains(" and ")
            && marks[first_mark..]
                .iter()
                .any(|m| m.mark == Mark::Met && m.decisive)
        {
            for m in &mut marks[first_mark..] {
                if m.mark == Mark::NotMet {
                    m.mark = Mark::NotApplicable;
                }
            }
        }
        if let Some(concepts) = trial.free_text_exclusions.get(&criterion.id) {
            for &c in concepts {
                let truth = free_text_condition_truth(c, criterion, patient, trial);
                marks.push(to_mark(
                    truth,
                    Polarity::Exclusion,
                    false,
                    "condition",
                    trial.criterion_text(criterion.id),
                    Some((criterion.span.start, criterion.span.end)),
                    true,
                ));
            }
        }
    }
    // Alternatives: one met alternative satisfies the group.
    for (_, _, members) in &group_state {
        let any_met = members.iter().any(|&i| marks[i].mark == Mark::Met);
        let any_unknown = members.iter().any(|&i| marks[i].mark == Mark::Unknown);
        for &i in members {
            if marks[i].mark == Mark::NotMet && (any_met || any_unknown) {
                marks[i].mark = if any_met {
                    Mark::NotApplicable
                } else {
                    Mark::Unknown
                };
            }
        }
    }

    let not_eligible = marks.iter().any(|m| m.decisive && m.mark == Mark::NotMet);
    // Sorted and deduplicated by reference, and only the distinct keys of a trial the patient
    // may still enter are copied. (Equal keys are identical, so the sort need not be stable.)
    let mut unknown_keys: Vec<&FactKey> = marks
        .iter()
        .filter(|m| m.decisive && m.mark == Mark::Unknown)
        .filter_map(|m| m.fact.as_ref())
        .collect();
    unknown_keys.sort_unstable();
    unknown_keys.dedup();
    let verdict = if not_eligible {
        Verdict::NotEligible
    } else if unknown_keys.is_empty() {
        Verdict::LikelyEligible
    } else {
        Verdict::PossiblyEligible
    };
    let deciding_unknowns: Vec<FactKey> = if verdict == Verdict::NotEligible {
        Vec::new()
    } else {
        unknown_keys.into_iter().cloned().collect()
    };
    Eligibility {
        verdict,
        marks,
        deciding_unknowns,
        met_conditions,
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The group id of a run of diagnosis bullets (see [`diagnosis_bullet_runs`]).
const DIAGNOSIS_RUN_GROUP: u32 = u32::MAX;

/// For each criterion, the first criterion of the run of inclusion bullets it belongs to, when
/// it is one of two or more consecutive sibling bullets that each only name a diagnosis:
///
/// ```text
/// * primary open angle glaucoma
/// * pseudoexfoliation glaucoma
/// * pigmentary glaucoma
/// ```
///
/// Such a list names the diagnoses a trial takes; nobody has them all, so any one suffices.
pub(crate) fn diagnosis_bullet_runs(parsed: &criteria::ParsedCriteria) -> Vec<Option<usize>> {
    const MAX_WORDS: usize = 8;
    let is_diagnosis_bullet = |c: &criteria::Criterion| {
        c.section != criteria::SectionKind::Exclusion
            && !c.rules.is_empty()
            && c.text.split_whitespace().count() <= MAX_WORDS
            && c.rules.iter().all(|r| {
                matches!(r.body, RuleBody::Condition { .. })
                    && r.polarity == Polarity::Inclusion
                    && !r.negated
            })
    };
    let mut runs = vec![None; parsed.criteria.len()];
    let mut i = 0;
    while i < parsed.criteria.len() {
        let first = &parsed.criteria[i];
        if !is_diagnosis_bullet(first) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < parsed.criteria.len()
            && parsed.criteria[j].parent == first.parent
            && parsed.criteria[j].section == first.section
            && is_diagnosis_bullet(&parsed.criteria[j])
        {
            j += 1;
        }
        if j - i >= 2 {
            for run in runs.iter_mut().take(j).skip(i) {
                *run = Some(first.id);
            }
        }
        i = j;
    }
    runs
}

/// Group ids for condition rules of one inclusion criterion that its text joins with "or"
/// ("primary open-angle glaucoma or ocular hypertension", "POAG, pseudoexfoliation or pigmentary
/// glaucoma"): any one of them is what the criterion asks for. The parser groups such lists for
/// some rule kinds only; conditions joined by "and" ("type 2 diabetes and hypertension") stay
/// separate requirements. Ids start high so they never meet the parser's own group ids.
pub(crate) fn implicit_condition_alternatives(
    criterion: &criteria::Criterion,
    criteria_text: &str,
) -> Vec<Option<u32>> {
    const IMPLICIT_BASE: u32 = 1 << 20;
    let mut groups = vec![None; criterion.rules.len()];
    // "Individuals aged ≥ 1 year … and/or children (aged 1-18 years) with …": two age rules of
    // one criterion that each start a range are two populations, either of which will do (a
    // limit written in two parts, "≥ 18 and < 75", has one rule without a minimum).
    let ages: Vec<usize> = criterion
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.polarity == Polarity::Inclusion
                && !r.negated
                && r.alternative_group.is_none()
                && matches!(r.body, RuleBody::Age { .. })
        })
        .map(|(i, _)| i)
        .collect();
    if ages.len() >= 2
        && ages
            .iter()
            .all(|&i| matches!(criterion.rules[i].body, RuleBody::Age { min: Some(_), .. }))
    {
        for &i in &ages {
            groups[i] = Some(IMPLICIT_BASE);
        }
    }
    let mut members: Vec<usize> = criterion
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.polarity == Polarity::Inclusion
                && !r.negated
                && r.alternative_group.is_none()
                && matches!(r.body, RuleBody::Condition { .. })
        })
        .map(|(i, _)| i)
        .collect();
    if members.len() < 2 {
        return groups;
    }
    members.sort_by_key(|&i| criterion.rules[i].span.start);
    // The words between consecutive mentions: "or" joins, "and"/"with" does not, and a bare
    // comma takes the word that closes the list ("A, B, or C").
    let joins: Vec<Option<bool>> = members
        .windows(2)
        .map(|w| {
            let (a, b) = (&criterion.rules[w[0]].span, &criterion.rules[w[1]].span);
            let between = criteria_text
                .get(a.end.min(b.start)..b.start)
                .map(fold_case)
                .unwrap_or_default();
            let words: Vec<&str> = between
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            if words.contains(&"or") || between.contains('/') {
                Some(true)
            } else if words.is_empty() {
                None
            } else {
                Some(false)
            }
        })
        .collect();
    let mut next_group = IMPLICIT_BASE;
    let mut i = 0;
    while i < joins.len() {
        let closing = joins[i..].iter().find_map(|j| *j).unwrap_or(true);
        let joined = joins[i].unwrap_or(closing);
        if joined {
            let g = groups[members[i]].unwrap_or_else(|| {
                next_group += 1;
                next_group
            });
            groups[members[i]] = Some(g);
            groups[members[i + 1]] = Some(g);
        }
        i += 1;
    }
    groups
}

/// Is the text at `start..end` one item of an "or" list: "or" (or "and/or", "/") right before
/// it, or "or" right after it?
fn joined_by_or(text: &str, start: usize, end: usize) -> bool {
    let before = fold_case(line_before(text, start, 24));
    let after = fold_case(line_after(text, end, 24));
    let before = before.trim_end();
    let ends_with_word = |s: &str, w: &str| {
        s.ends_with(w)
            && s[..s.len() - w.len()]
                .chars()
                .last()
                .is_none_or(|c| !c.is_alphanumeric())
    };
    let after = after.trim_start_matches([' ', ',', ')']);
    ends_with_word(before, "or")
        || before.ends_with('/')
        || after.starts_with("or ")
        || after.starts_with("and/or ")
        || after.starts_with('/')
}

/// Is the criterion labelled for one cohort of the trial ("Part 1D: metastatic prostate
/// cancer", "Cohort B: …", "For triple negative breast cancer patients: …")? Then it binds only
/// patients in that cohort, and failing it does not close the trial.
fn cohort_specific(text: &str) -> bool {
    // "Part Z patients only should have ...", "Parts A and B (HER2-negative) patients only".
    let head = fold_case(&text[..crate::extract::floor_char_boundary(text, 60)]);
    let first_word = head.split_whitespace().next().unwrap_or("");
    // "Cohort-Expansion Stage Cohort C (Urothelial Cancer): …"
    let first_word = first_word.split('-').next().unwrap_or(first_word);
    if matches!(
        first_word,
        "part" | "parts" | "cohort" | "cohorts" | "arm" | "arms"
    ) && head.contains(" only")
    {
        return true;
    }
    let Some((label, _)) = text.split_once(':') else {
        return false;
    };
    if label.len() > 60 {
        return false;
    }
    let label = fold_case(label.trim());
    let first = label.split_whitespace().next().unwrap_or("");
    let first = first.split('-').next().unwrap_or(first);
    matches!(
        first,
        "part" | "cohort" | "arm" | "group" | "phase" | "stratum"
    ) || (first == "for" && (label.contains("patient") || label.contains("subject")))
}

/// Does the (case-folded) criterion grant something rather than require it: "... are allowed",
/// "... is permitted", "... may be included"? "No prior chemotherapy allowed" restricts.
fn permits(folded: &str) -> bool {
    const GRANTS: [&str; 17] = [
        " allowed",
        " permitted",
        " acceptable",
        " may be included",
        " may be enrolled",
        " may participate",
        " are also eligible",
        " is also eligible",
        "may consider",
        "may be considered",
        "may have received",
        "may have had",
        "may have been",
        "may previously",
        "may have previously",
        "may be previously",
        "regardless of",
    ];
    // "No limitations to the number of prior chemotherapies": a "no" that removes a limit.
    const NO_LIMIT: [&str; 4] = ["no limit", "no restriction", "no maximum", "no upper limit"];
    if NO_LIMIT.iter().any(|n| folded.contains(n)) {
        return true;
    }
    const DENIES: [&str; 7] = [
        "not allowed",
        "not permitted",
        "not acceptable",
        "no ",
        "not be ",
        "never",
        "without",
    ];
    (GRANTS.iter().any(|g| folded.contains(g)) && !DENIES.iter().any(|d| folded.contains(d)))
        || declares_eligible(folded)
        || folded.contains("not required")
        || folded.contains("need not")
}

/// The sentence of `text` around `start..end`: from the last sentence end (". ", ";", a line
/// break) before it to the next one after it.
fn sentence_around(text: &str, start: usize, end: usize) -> &str {
    let from = text[..start]
        .rfind(['\n', ';'])
        .map(|i| i + 1)
        .max(text[..start].rfind(". ").map(|i| i + 2))
        .unwrap_or(0);
    let rest = &text[end..];
    let to = [rest.find('\n'), rest.find(';'), rest.find(". ")]
        .into_iter()
        .flatten()
        .min()
        .map_or(text.len(), |i| end + i);
    &text[from..to]
}

/// Does the sentence say how a marker status is determined ("hormone receptor positive status
/// can be determined by either known positive ER or PR"), or that it will be recorded ("HER2,
/// estrogen and progesterone receptor positivity will be recorded")? Neither asks the patient
/// for any status.
fn records_or_defines_status(sentence: &str) -> bool {
    let folded = fold_case(sentence);
    [
        "can be determined",
        "may be determined",
        "status is determined by",
        "will be recorded",
        "will be collected",
        "will be documented",
        "will be requested",
    ]
    .iter()
    .any(|p| folded.contains(p))
}

/// Does the (case-folded) criterion declare some patients eligible ("patients with LCIS at the
/// margins are eligible without additional resection", "weakly ER-positive tumours are eligible
/// even if node-negative") rather than require something? "Only HER2-positive patients are
/// eligible" and "patients eligible for surgery" still restrict.
fn declares_eligible(folded: &str) -> bool {
    // "... is eligible, too": an addition, whatever else the sentence says.
    if ["eligible, too", "eligible too", "eligible as well"]
        .iter()
        .any(|p| folded.contains(p))
    {
        return true;
    }
    if folded.contains("only") || folded.contains("not eligible") || folded.contains("ineligible") {
        return false;
    }
    [
        "are eligible",
        "is eligible",
        "are also eligible",
        "is also eligible",
        "remain eligible",
    ]
    .iter()
    .any(|phrase| {
        folded.match_indices(phrase).any(|(i, _)| {
            let after = folded[i + phrase.len()..].trim_start();
            !after.starts_with("for") && !after.starts_with("to ")
        })
    })
}

/// A negated pregnancy or lactation rule listed among the exclusion criteria ("Not pregnant and
/// not nursing"): a requirement copied under the wrong heading, never a limit to pregnant women.
fn negated_pregnancy_among_exclusions(rule: &Rule) -> bool {
    rule.polarity == Polarity::Exclusion
        && rule.negated
        && matches!(
            rule.body,
            RuleBody::Reproductive {
                topic: criteria::ReproductiveTopic::Pregnant
                    | criteria::ReproductiveTopic::Lactating
            }
        )
}

/// Does the criterion open with a sex as a label ("Women: no less than 0.5 g/dL below the lower
/// limit …", "Males: …")? It gives that sex's threshold, beside the other sex's.
fn opens_with_sex_label(text: &str) -> bool {
    let head = fold_case(&text[..crate::extract::floor_char_boundary(text, 16)]);
    let head = head.trim_start_matches(|c: char| !c.is_alphanumeric());
    [
        "women:",
        "men:",
        "female:",
        "male:",
        "females:",
        "males:",
        "for women:",
        "for men:",
    ]
    .iter()
    .any(|l| head.starts_with(l))
}

/// Does the (case-folded) criterion speak of contraception or of a pregnancy test (what is asked of those who
/// could become pregnant)? "Postmenopausal women, not pregnant" does not: there the sex is a
/// limit.
fn speaks_of_contraception(folded: &str) -> bool {
    [
        "contracept",
        "birth control",
        "birth-control",
        "pregnancy test",
        "childbearing potential",
        "child-bearing potential",
    ]
    .iter()
    .any(|w| folded.contains(w))
}

/// Is the rule's condition named as the patients a procedure is for ("staging studies are
/// required for stage III disease", "a brain MRI is mandatory in patients with melanoma")? It
/// says when the procedure applies, not who may enter.
fn names_whom_a_procedure_is_for(criteria_text: &str, rule: &Rule) -> bool {
    let before = fold_case(line_before(criteria_text, rule.span.start, 40));
    [
        "required for",
        "required in",
        "recommended for",
        "mandatory for",
        "mandatory in",
    ]
    .iter()
    .any(|p| before.contains(p))
}

/// Is "stage" written in the rule's own span or just before it?
fn stage_at_mention(criteria_text: &str, rule: &Rule) -> bool {
    let own = criteria_text
        .get(rule.span.start..rule.span.end)
        .unwrap_or("");
    fold_case(&format!(
        "{}{own}",
        line_before(criteria_text, rule.span.start, 16)
    ))
    .contains("stage")
}

/// Does the (case-folded) criterion state a requirement with a modal ("Patient must not have …", "Subjects
/// should not have received …")? Under the exclusion heading it is a requirement filed there,
/// and its negation restates the exclusion.
fn states_a_requirement(folded: &str) -> bool {
    // "No more than two lines of chemotherapy", "No prior chemotherapy is allowed": limits.
    let head = folded.trim_start_matches(|c: char| !c.is_alphanumeric());
    head.starts_with("no more than")
        || head.starts_with("not more than")
        || (head.starts_with("no ")
            && (folded.contains(" allowed") || folded.contains(" permitted")))
        || [
            "must not",
            "should not",
            "may not have",
            "must have no",
            "must be free of",
            "must be without",
            "cannot have",
        ]
        .iter()
        .any(|m| folded.contains(m))
}

/// Does the (case-folded) inclusion criterion speak of treatment to come ("the first cycle of
/// chemotherapy must be administered within 7 days", "candidates for adjuvant radiotherapy",
/// "LVEF ≥ 55 % for patients receiving anthracyclines") rather than of treatment received?
fn speaks_of_planned_treatment(folded: &str) -> bool {
    const FUTURE: [&str; 22] = [
        "will receive",
        "will be treated",
        "will undergo",
        "to receive",
        "to be treated",
        "to undergo",
        "must be administered",
        "scheduled",
        "planned",
        "candidate for",
        "candidates for",
        "eligible for",
        "suitable for",
        "willing to",
        "able to receive",
        "for patients receiving",
        "for subjects receiving",
        // "… for at least 12 months after the last dose of cyclophosphamide": the study's own.
        "last dose of",
        "during the treatment period",
        "indication for",
        "indication of treatment",
        "indicated for",
    ];
    FUTURE.iter().any(|f| folded.contains(f))
        || starts_therapy_later(folded)
        || conditional_on_therapy(folded)
}

/// "Patients who received chemotherapy must have recovered from its acute effects": the
/// therapy is the condition under which the criterion applies, not a requirement, so a patient
/// who never had it is not concerned.
fn conditional_on_therapy(folded: &str) -> bool {
    static WHO_RECEIVED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^\W*(?:(?:patients?|subjects?|participants?|women|men|those|anyone)\s+)?(?:who|that)\s+(?:have\s+|has\s+)?(?:previously\s+)?(?:received|had|were treated|was treated|underwent|been treated)\b",
        )
        .expect("valid regex")
    });
    WHO_RECEIVED.is_match(folded)
}

/// "Blood counts within 6 weeks prior to initiating chemotherapy": the therapy starts after the
/// criterion's moment, so it is planned, not prior.
fn starts_therapy_later(folded: &str) -> bool {
    static LATER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(?:prior to|before) (?:initiating|starting|beginning|commencing) (?:the )?(?:(?:neo)?adjuvant )?(?:chemotherapy|radiotherapy|radiation|surgery|endocrine therapy|hormon(?:e|al) therapy)",
        )
        .expect("valid regex")
    });
    LATER.is_match(folded)
}

/// Does the (case-folded) criterion say who is *not* eligible ("... are not eligible", "...
/// will be excluded")? "Not eligible for surgery" speaks of a treatment, not of the trial.
fn states_ineligibility(folded: &str) -> bool {
    // "X are eligible; Y are not": a criterion that also grants says two things.
    let grants = folded.matches("eligible").count()
        > folded.matches("not eligible").count() + folded.matches("ineligible").count();
    !grants
        && [
            "not eligible",
            "ineligible",
            "be excluded",
            "are excluded",
            "is excluded",
        ]
        .iter()
        .any(|phrase| {
            folded.match_indices(phrase).any(|(i, _)| {
                let after = folded[i + phrase.len()..].trim_start();
                !after.starts_with("for") && !after.starts_with("to ") && !after.starts_with("from")
            })
        })
}

/// Does the criterion open by defining a term ("HER2-POSITIVE: HER2-positive patients will be
/// defined per ASCO-CAP guidelines", "HER2-positive is defined as IHC 3+")? A definition
/// requires nothing by itself.
fn opens_with_definition(folded: &str) -> bool {
    let head = &folded[..crate::extract::floor_char_boundary(folded, 90)];
    [
        "is defined",
        "are defined",
        "will be defined",
        "defined per",
        "defined according",
    ]
    .iter()
    .filter_map(|d| head.find(d))
    .any(|i| {
        // Only a term before it: no verb of requirement ("must", "have", "with").
        let before = &head[..i];
        !["must", " have ", " has ", " with ", "should"]
            .iter()
            .any(|v| before.contains(v))
    })
}

/// Is the (case-folded) criterion a definition ("women of childbearing potential are defined
/// as ...", "... to be considered of non-childbearing potential")?
fn defines(folded: &str) -> bool {
    [
        "defined as",
        "is defined",
        "are defined",
        "to be considered",
        "definition of",
    ]
    .iter()
    .any(|d| folded.contains(d))
}

fn offers_alternatives(text: &str) -> bool {
    let t = fold_case(text);
    [
        "one of",
        "any of",
        "either",
        "at least one",
        " or:",
        "one or more of",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Does an exception the (case-folded) criterion states ("any other infection (besides COVID-19)", "other
/// than", "except", "apart from", "excluding") name the patient fact a mark rests on
/// ("covid-19 positive")? Then the fact is what the criterion leaves out.
fn exception_names_fact(folded: &str, fact: &str) -> bool {
    static EXCEPTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(?:besides|other than|except(?: for)?|apart from|excluding|with the exception of|aside from)\s+([^,;)\n]{2,60})",
        )
        .expect("valid regex")
    });
    let fact = fold_case(fact);
    let name = fact
        .rsplit(": ")
        .next()
        .unwrap_or(&fact)
        .trim_end_matches(" positive")
        .trim_end_matches(" negative")
        .trim();
    if name.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
        return false;
    }
    EXCEPTION.captures_iter(folded).any(|c| c[1].contains(name))
}

/// Does the (case-folded) criterion speak of the patient's participation in another trial or study?
fn speaks_of_another_trial(folded: &str) -> bool {
    [
        "another clinical trial",
        "another trial",
        "another study",
        "other clinical trial",
        "another investigational",
        "other investigational",
    ]
    .iter()
    .any(|p| folded.contains(p))
}

fn excepted(exceptions: &[String], patient: &PatientFacts) -> bool {
    let vocab = Vocabulary::builtin();
    exceptions.iter().any(|e| {
        vocab
            .find(e)
            .iter()
            .any(|m| patient.has(m.concept).is_some())
    })
}

fn to_mark(
    truth: Truth,
    polarity: Polarity,
    negated: bool,
    kind: &'static str,
    criterion: Arc<str>,
    span: Option<(usize, usize)>,
    decisive: bool,
) -> RuleMark {
    let (mark, patient_fact, fact) = match truth {
        Truth::Unknown(k) => (Mark::Unknown, None, Some(k)),
        Truth::NotApplicable(f) => (Mark::NotApplicable, Some(f), None),
        Truth::True(f) | Truth::False(f) if !decisive => (Mark::NotApplicable, Some(f), None),
        Truth::True(f) => (required(polarity, !negated), Some(f), None),
        Truth::False(f) => (required(polarity, negated), Some(f), None),
    };
    RuleMark {
        criterion,
        span,
        kind,
        polarity,
        mark,
        patient_fact,
        fact,
        decisive,
    }
}

/// The mark when the (possibly negated) content holds (`holds`) under `polarity`.
fn required(polarity: Polarity, holds: bool) -> Mark {
    match (polarity, holds) {
        (Polarity::Inclusion, true) | (Polarity::Exclusion, false) => Mark::Met,
        _ => Mark::NotMet,
    }
}

fn rule_truth(rule: &Rule, patient: &PatientFacts, trial: &TrialDocument) -> Truth {
    let profile = patient.profile;
    match &rule.body {
        RuleBody::Age { min, max, unit } => match patient.age_years {
            None => Truth::Unknown(FactKey::Age),
            Some(years) => {
                let age = years * 365.25 / unit.days();
                let ok_min = min.is_none_or(|b| {
                    if b.inclusive {
                        age >= b.value
                    } else {
                        age > b.value
                    }
                });
                let ok_max = max.is_none_or(|b| {
                    if b.inclusive {
                        age <= b.value + 0.999
                    } else {
                        age < b.value
                    }
                });
                let fact = format!("age {}", fmt_num(years));
                if ok_min && ok_max {
                    Truth::True(Cow::from(fact))
                } else {
                    Truth::False(Cow::from(fact))
                }
            }
        },
        RuleBody::Sex { sex } => match (profile.sex, sex) {
            (_, criteria::Sex::All) => Truth::True(Cow::from("any sex")),
            (None, _) => Truth::Unknown(FactKey::Sex),
            (Some(s), want) => {
                let fact = format!("sex {}", if s == Sex::Female { "female" } else { "male" });
                let ok = matches!(
                    (s, want),
                    (Sex::Female, criteria::Sex::Female) | (Sex::Male, criteria::Sex::Male)
                );
                if ok {
                    Truth::True(Cow::from(fact))
                } else {
                    Truth::False(Cow::from(fact))
                }
            }
        },
        RuleBody::Reproductive { topic } => {
            reproductive_truth(*topic, profile.sex, profile.pregnancy)
        }
        RuleBody::Condition {
            mention,
            states,
            stage,
            ..
        } => {
            // The parser gives every condition of a criterion its stage; a negated one ("stage
            // II-III breast cancer with no evidence of distant disease") keeps it only when the
            // stage is written at the mention itself.
            let stage = stage
                .as_deref()
                .filter(|_| !rule.negated || stage_at_mention(&trial.criteria_text, rule));
            condition_truth(mention, states, stage, rule, patient, trial)
        }
        RuleBody::Autoimmune { mention, .. } => {
            condition_truth(mention, &[], None, rule, patient, trial)
        }
        RuleBody::Cns { topic, mention } => match topic {
            CnsTopic::Metastases => {
                let vocab = Vocabulary::builtin();
                let brain = vocab.lookup("brain metastases");
                match brain.and_then(|b| patient.has(b)) {
                    Some(p) => Truth::True(Cow::from(p.source.clone())),
                    None => Truth::Unknown(FactKey::BrainMetastases),
                }
            }
            _ => condition_truth(mention, &[], None, rule, patient, trial),
        },
        RuleBody::Biomarker {
            marker,
            status,
            threshold,
            ..
        } => biomarker_truth(marker, *status, threshold.as_ref(), patient),
        RuleBody::Lab { analyte, threshold } if is_visual_acuity(analyte) => {
            visual_acuity_truth(threshold, &trial.criteria_text, patient)
        }
        RuleBody::Lab { analyte, threshold } => match lab_truth(analyte, threshold, patient) {
            // "Non-HDL-C ≥ 100" is not an HDL threshold, whatever analyte it was read as.
            Truth::True(_) | Truth::False(_)
                if denied_analyte(&trial.criteria_text, rule, analyte) =>
            {
                Truth::Unknown(FactKey::Lab(format!("non-{analyte}")))
            }
            truth => truth,
        },
        RuleBody::ClinicalScore { scale, threshold } => score_truth(scale, threshold, patient),
        RuleBody::PerformanceStatus {
            scale, min, max, ..
        } => performance_truth(*scale, *min, *max, profile.ecog, profile.karnofsky),
        RuleBody::PriorTherapy {
            therapy, response, ..
        } => match therapy {
            Some(t) => timed_therapy_truth(
                therapy_truth(t, patient, trial),
                t,
                response.as_deref(),
                rule,
                patient,
                &trial.criteria_text,
            ),
            None => Truth::Unknown(FactKey::PriorTherapy("lines of therapy".into())),
        },
        RuleBody::Transplant { transplant } => {
            let wanted = match transplant {
                TransplantKind::Autologous => Some("autologous"),
                TransplantKind::Allogeneic => Some("allogeneic"),
                _ => None,
            };
            let never = profile.had_transplant == Some(false)
                || profile
                    .findings
                    .iter()
                    .any(|f| !f.present && fold_case(&f.text).contains("transplant"));
            match profile
                .transplants
                .iter()
                .find(|t| wanted.is_none_or(|w| fold_case(&t.kind).contains(w)))
            {
                Some(t) => Truth::True(Cow::from(format!("transplant: {}", t.kind))),
                None if never && profile.transplants.is_empty() => {
                    Truth::False(Cow::from("no transplant"))
                }
                None => Truth::Unknown(FactKey::Transplant),
            }
        }
        RuleBody::Infection { agent, .. } => infection_truth(*agent, patient),
        RuleBody::Allergy { mention } => allergy_truth(mention, patient),
        RuleBody::MeasurableDisease { .. } => {
            let stated = profile.disease_state.measurable.or_else(|| {
                profile
                    .findings
                    .iter()
                    .find(|f| fold_case(&f.text).contains("measurable disease"))
                    .map(|f| f.present)
            });
            match stated {
                Some(true) => Truth::True(Cow::from("measurable disease")),
                Some(false) => Truth::False(Cow::from("no measurable disease")),
                None => Truth::Unknown(FactKey::MeasurableDisease),
            }
        }
        RuleBody::LifeExpectancy { threshold } => life_expectancy_truth(threshold, patient),
        RuleBody::OrganFunction { measure, threshold } => {
            organ_function_truth(*measure, threshold.as_ref(), patient)
        }
        RuleBody::Administrative { .. } | RuleBody::FreeText => {
            Truth::NotApplicable(Cow::from("not assessed automatically"))
        }
        // Rule kinds added to the criteria crate later are shown, not judged, until handled here.
        #[allow(unreachable_patterns)]
        _ => Truth::NotApplicable(Cow::from("not assessed automatically")),
    }
}

fn reproductive_truth(
    topic: ReproductiveTopic,
    sex: Option<Sex>,
    pregnancy: Option<PregnancyStatus>,
) -> Truth {
    if sex == Some(Sex::Male) {
        return match topic {
            ReproductiveTopic::Pregnant
            | ReproductiveTopic::Lactating
            | ReproductiveTopic::ChildbearingPotential => Truth::False(Cow::from("male")),
            _ => Truth::NotApplicable(Cow::from("male")),
        };
    }
    match (topic, pregnancy) {
        (ReproductiveTopic::Pregnant, Some(PregnancyStatus::Pregnant)) => {
            Truth::True(Cow::from("pregnant"))
        }
        (ReproductiveTopic::Pregnant, Some(p)) => {
            Truth::False(Cow::from(format!("{p:?}").to_lowercase()))
        }
        (ReproductiveTopic::Lactating, Some(PregnancyStatus::Breastfeeding)) => {
            Truth::True(Cow::from("breastfeeding"))
        }
        (ReproductiveTopic::Lactating, Some(p)) if p != PregnancyStatus::NotPregnant => {
            Truth::False(Cow::from(format!("{p:?}").to_lowercase()))
        }
        (
            ReproductiveTopic::ChildbearingPotential,
            Some(PregnancyStatus::NotOfChildbearingPotential),
        ) => Truth::False(Cow::from("not of childbearing potential")),
        (
            ReproductiveTopic::NegativePregnancyTest | ReproductiveTopic::Contraception,
            Some(PregnancyStatus::NotOfChildbearingPotential),
        ) => Truth::NotApplicable(Cow::from("not of childbearing potential")),
        // Tests and contraception are things a patient does on enrollment, not facts that exclude.
        (
            ReproductiveTopic::NegativePregnancyTest
            | ReproductiveTopic::Contraception
            | ReproductiveTopic::PlanningPregnancy,
            _,
        ) => Truth::NotApplicable(Cow::from("agreed at enrollment")),
        _ => Truth::Unknown(FactKey::Pregnancy),
    }
}

/// Concepts named in a rule's text, conditions first.
pub(crate) fn mention_concepts(mention: &str) -> Vec<ConceptId> {
    let vocab = Vocabulary::builtin();
    let mut found: Vec<ConceptId> = vocab
        .find_affirmed(mention)
        .into_iter()
        .map(|m| m.concept)
        .collect();
    found.sort_by_key(|c| vocab.concept(*c).kind != ConceptKind::Condition);
    found.dedup();
    found
}

fn condition_truth(
    mention: &str,
    states: &[criteria::DiseaseState],
    stage: Option<&str>,
    rule: &Rule,
    patient: &PatientFacts,
    trial: &TrialDocument,
) -> Truth {
    let polarity = rule.polarity;
    let vocab = Vocabulary::builtin();
    let concepts = trial.rule_concepts(rule, mention);
    let Some(&primary) = concepts.first() else {
        // "Clinical stage III disease", "stage IV (metastatic) disease": no disease named, so
        // it is the trial's own, and the patient's stage settles the extent.
        return extent_mark(states, stage, patient, None, mention);
    };
    for &c in concepts.iter() {
        if let Some(p) = patient.has(c) {
            // An exclusion naming the disease the trial is about ("other malignancies" in a breast
            // cancer trial, "prior breast cancer") is about a second or earlier disease: not decisive.
            // Likewise a negated inclusion naming the trial's own disease ("no prior breast
            // cancer" in a breast cancer trial) is about an earlier episode, not this one.
            if (polarity == Polarity::Exclusion || rule.negated) && trial_is_about(trial, p.concept)
            {
                // Unless it names the extent the trial excludes ("Stage IV (metastatic) breast
                // cancer" in an early breast cancer trial) and the patient's stage settles it.
                return extent_mark(states, stage, patient, Some(&p.source), mention);
            }
            // Disease state and stage, when the rule names them and the profile says.
            let ds = &patient.profile.disease_state;
            for s in states {
                let known = match s {
                    criteria::DiseaseState::Metastatic => ds.metastatic,
                    criteria::DiseaseState::Relapsed => ds.relapsed,
                    criteria::DiseaseState::Refractory => ds.refractory,
                    criteria::DiseaseState::NewlyDiagnosed => ds.newly_diagnosed,
                    _ => None,
                };
                match known {
                    Some(false) => {
                        return Truth::False(Cow::from(
                            format!("{} (not {s:?})", p.source).to_lowercase(),
                        ));
                    }
                    None if matches!(
                        s,
                        criteria::DiseaseState::Metastatic
                            | criteria::DiseaseState::Relapsed
                            | criteria::DiseaseState::Refractory
                    ) =>
                    {
                        return Truth::Unknown(FactKey::Condition(mention.trim().to_string()));
                    }
                    _ => {}
                }
            }
            if let (Some(rule_stage), Some(patient_stage)) = (stage, ds.stage.as_deref())
                && let (Some(range), Some(ps)) =
                    (stage_range(rule_stage), stage_number(patient_stage))
                && (ps < range.0 || ps > range.1)
            {
                return Truth::False(Cow::from(format!("stage {patient_stage}")));
            }
            // "Uncontrolled hypertension", "severe heart disease", "clinically significant
            // cardiovascular disease": having the disease is not enough, its control or severity
            // decides, and a profile does not state those.
            if polarity == Polarity::Exclusion
                && !rule.negated
                && qualifies_severity(&trial.criteria_text, rule)
            {
                return Truth::Unknown(FactKey::Condition(mention.trim().to_string()));
            }
            return Truth::True(Cow::from(p.source.clone()));
        }
    }
    if let Some(source) = patient.lacks(primary) {
        return Truth::False(Cow::from(source.to_string()));
    }
    // A patient with a sibling subtype ("type 2 diabetes" against "type 1 diabetes") does not
    // have this one, as far as an inclusion rule is concerned. A complication ("diabetic
    // ketoacidosis") is no subtype: a patient with type 1 diabetes may have had it.
    if polarity == Polarity::Inclusion
        && vocab.concept(primary).kind == ConceptKind::Condition
        && !vocab.concept(primary).complication
        && let Some(broader) = vocab.concept(primary).broader
    {
        let sibling = patient.present.iter().find(|p| {
            vocab.concept(p.concept).kind == ConceptKind::Condition
                && !vocab.concept(p.concept).complication
                && p.concept != primary
                && vocab.concept(p.concept).broader == Some(broader)
                && !vocab.is_a(primary, p.concept)
        });
        if let Some(s) = sibling {
            return Truth::False(Cow::from(s.source.clone()));
        }
    }
    Truth::Unknown(FactKey::Condition(vocab.concept(primary).name.clone()))
}

/// Is the trial about `concept` (or a broader or narrower one): named in its topic fields or
/// required by its inclusion criteria?
/// A disease named in a free-text exclusion criterion, against the patient: as a condition rule
/// would be, with the same caution for the trial's own disease and for qualified mentions.
fn free_text_condition_truth(
    concept: ConceptId,
    criterion: &criteria::Criterion,
    patient: &PatientFacts,
    trial: &TrialDocument,
) -> Truth {
    let vocab = Vocabulary::builtin();
    let name = || FactKey::Condition(vocab.concept(concept).name.clone());
    match patient.has(concept) {
        Some(p) if trial_is_about(trial, p.concept) => Truth::Unknown(name()),
        Some(_) if has_severity_qualifier(&fold_case(&criterion.text)) => Truth::Unknown(name()),
        Some(p) => Truth::True(Cow::from(p.source.clone())),
        None => match patient.lacks(concept) {
            Some(source) => Truth::False(Cow::from(source.to_string())),
            None => Truth::Unknown(name()),
        },
    }
}

/// Does the rule's condition come with a qualifier a bare diagnosis does not settle, in the
/// words just before it on its line or at its start: control or severity ("uncontrolled",
/// "unstable", "severe", "significant"), kind ("secondary", "familial"), a treatment of it
/// ("surgery for the treatment of obesity"), or an unknown cause ("pain of unknown etiology")?
fn qualifies_severity(criteria_text: &str, rule: &Rule) -> bool {
    // The qualifier may open the rule's own span ("uncontrolled glaucoma, defined as ...").
    let own = criteria_text
        .get(rule.span.start..rule.span.end)
        .map(|s| &s[..crate::extract::floor_char_boundary(s, 30)])
        .unwrap_or("");
    if has_severity_qualifier(&fold_case(&format!(
        "{}{own}",
        line_before(criteria_text, rule.span.start, 60)
    ))) {
        return true;
    }
    // "History of surgery for the treatment of obesity", "secondary obesity": the treatment
    // or the kind decides, and a patient with the disease may have neither.
    let before = fold_case(&format!(
        "{} {}",
        line_before(criteria_text, rule.span.start, 30),
        &own[..crate::extract::floor_char_boundary(own, 20)]
    ));
    // ("Currently taking medication for diabetes" stays a question of the diagnosis: most
    // patients with a disease take something for it.)
    if [
        "surgery for",
        "surgical treatment of",
        "surgery to treat",
        "secondary",
        "familial",
        "hereditary",
        "congenital",
        "drug-induced",
        "iatrogenic",
    ]
    .iter()
    .any(|q| before.contains(q))
    {
        return true;
    }
    // "Back or leg pain of unknown etiology", "unexplained weight loss": the cause decides,
    // and a patient whose complaint has a known or suspected cause does not have that.
    let around = fold_case(&format!(
        "{}{}{}",
        line_before(criteria_text, rule.span.start, 30),
        criteria_text
            .get(rule.span.start..rule.span.end)
            .unwrap_or(""),
        line_after(criteria_text, rule.span.end, 40)
    ));
    [
        "unknown etiology",
        "unknown aetiology",
        "unknown origin",
        "unknown cause",
        "unclear etiology",
        "unclear cause",
        "undetermined cause",
        "unexplained",
        "undiagnosed",
    ]
    .iter()
    .any(|q| around.contains(q))
}

/// Up to `max` bytes of `text` right before `pos`, on the same line (cut at a char boundary).
fn line_before(text: &str, pos: usize, max: usize) -> &str {
    let pos = pos.min(text.len());
    let from = (pos.saturating_sub(max)..pos)
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(pos);
    let before = text.get(from..pos).unwrap_or("");
    before.rsplit('\n').next().unwrap_or(before)
}

/// Up to `max` bytes of `text` right after `pos`, on the same line (cut at a char boundary).
fn line_after(text: &str, pos: usize, max: usize) -> &str {
    let pos = pos.min(text.len());
    let to = ((pos + max).min(text.len())..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    let after = text.get(pos..to).unwrap_or("");
    after.split('\n').next().unwrap_or(after)
}

/// Does the (case-folded) text hold a control or severity qualifier?
fn has_severity_qualifier(folded: &str) -> bool {
    SEVERITY_QUALIFIERS.iter().any(|q| folded.contains(q))
}

const SEVERITY_QUALIFIERS: [&str; 10] = [
    "uncontrolled",
    "poorly controlled",
    "not controlled",
    "unstable",
    "severe",
    "significant",
    "decompensated",
    "uncompensated",
    "symptomatic",
    "serious",
];

/// The truth of a condition rule that the extent it names decides: true or false by the
/// patient's stage (cited after `source`, the diagnosis, when given), unknown when the profile
/// does not settle it.
fn extent_mark(
    states: &[criteria::DiseaseState],
    stage: Option<&str>,
    patient: &PatientFacts,
    source: Option<&str>,
    mention: &str,
) -> Truth {
    let ds = staged_disease_state(patient.profile);
    let fact = extent_fact(&ds);
    match extent_truth(states, stage, &ds) {
        Some(true) => Truth::True(Cow::from(match source {
            Some(s) => format!("{s} ({fact})"),
            None => fact,
        })),
        Some(false) => Truth::False(Cow::from(fact)),
        None => Truth::Unknown(FactKey::Condition(mention.trim().to_string())),
    }
}

/// Whether the patient's disease has the extent a rule names (a stage, or metastatic), when the
/// profile says: stage IV is metastatic and stages 0–III are not (the TNM rule for solid
/// tumours). `None` when the rule names no extent or the profile does not settle it.
fn extent_truth(
    states: &[criteria::DiseaseState],
    stage: Option<&str>,
    ds: &crate::profile::DiseaseState,
) -> Option<bool> {
    let patient_stage = ds.stage.as_deref().and_then(stage_number);
    let metastatic = ds.metastatic.or(patient_stage.map(|s| s == 4));
    if let (Some(range), Some(ps)) = (stage.and_then(stage_range), patient_stage) {
        return Some(ps >= range.0 && ps <= range.1);
    }
    if states.contains(&criteria::DiseaseState::Metastatic) {
        return metastatic;
    }
    if let (Some(range), Some(m)) = (stage.and_then(stage_range), metastatic) {
        // Only the metastatic status is known: it settles stage IV, and stages below IV for a
        // metastatic patient.
        if range == (4, 4) || range.1 < 4 {
            return Some(m == (range.0 == 4));
        }
    }
    None
}

/// The profile's disease state, with the stage of a diagnosis when the disease state gives none.
fn staged_disease_state(profile: &crate::profile::PatientProfile) -> crate::profile::DiseaseState {
    let mut ds = profile.disease_state.clone();
    if ds.stage.is_none() {
        ds.stage = profile.diagnoses.iter().find_map(|d| d.stage.clone());
    }
    ds
}

/// The patient's extent as cited: "stage II", "metastatic", "not metastatic".
fn extent_fact(ds: &crate::profile::DiseaseState) -> String {
    match (&ds.stage, ds.metastatic) {
        (Some(s), _) => format!("stage {s}"),
        (None, Some(true)) => "metastatic".into(),
        (None, Some(false)) => "not metastatic".into(),
        (None, None) => "extent not stated".into(),
    }
}

fn trial_is_about(trial: &TrialDocument, concept: ConceptId) -> bool {
    let vocab = Vocabulary::builtin();
    trial
        .own_conditions
        .iter()
        .any(|&t| vocab.is_a(concept, t) || vocab.is_a(t, concept))
}

fn stage_number(stage: &str) -> Option<u8> {
    let s = stage.trim().to_ascii_uppercase();
    let head: String = s
        .chars()
        .take_while(|c| matches!(c, 'I' | 'V' | '0'..='4'))
        .collect();
    match head.as_str() {
        "0" => Some(0),
        "I" | "1" => Some(1),
        "II" | "2" => Some(2),
        "III" | "3" => Some(3),
        "IV" | "4" => Some(4),
        _ => None,
    }
}

/// The lowest and highest stage named ("IIIb", "III-IV", "I, II, or IIIa" → 1..=3).
fn stage_range(stage: &str) -> Option<(u8, u8)> {
    let numbers: Vec<u8> = stage
        .split(['-', '–', '/', ',', ' ', ';'])
        .map(str::trim)
        .filter(|p| {
            !p.is_empty() && !p.eq_ignore_ascii_case("or") && !p.eq_ignore_ascii_case("and")
        })
        .filter_map(stage_number)
        .collect();
    Some((*numbers.iter().min()?, *numbers.iter().max()?))
}

/// Canonical marker key: "ER+", "estrogen receptor" → "ER"; "HER-2/neu" → "HER2".
pub(crate) fn marker_key(name: &str) -> String {
    let upper: String = name
        .to_uppercase()
        .replace("POSITIVE", "")
        .replace("NEGATIVE", "")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    match upper.as_str() {
        "ESTROGENRECEPTOR" | "OESTROGENRECEPTOR" | "ER" => "ER".into(),
        "PROGESTERONERECEPTOR" | "PGR" | "PR" => "PR".into(),
        "HER2NEU" | "ERBB2" | "HER2" | "HUMANEPIDERMALGROWTHFACTORRECEPTOR2" => "HER2".into(),
        "HORMONERECEPTOR" | "HORMONERECEPTORS" | "HR" => "HR".into(),
        "PDL1" | "PROGRAMMEDDEATHLIGAND1" => "PDL1".into(),
        other => other
            .trim_end_matches("MUTATION")
            .trim_end_matches("MUTANT")
            .to_string(),
    }
}

fn biomarker_truth(
    marker: &str,
    status: Option<BiomarkerStatus>,
    threshold: Option<&Threshold>,
    patient: &PatientFacts,
) -> Truth {
    let key = marker_key(marker);
    let unknown = || Truth::Unknown(FactKey::Biomarker(marker.to_string()));
    let profile = patient.profile;
    let found: Vec<_> = profile
        .biomarkers
        .iter()
        .filter(|b| {
            let k = marker_key(&b.name);
            k == key || (key == "HR" && (k == "ER" || k == "PR"))
        })
        .collect();
    if found.is_empty() {
        return unknown();
    }
    let fact = |b: &crate::profile::Biomarker| {
        format!(
            "{}{}{}",
            b.name,
            b.status
                .map(|s| format!(" {s:?}").to_lowercase())
                .unwrap_or_default(),
            b.value.map(|v| format!(" {v}%")).unwrap_or_default()
        )
    };
    if let Some(t) = threshold
        && let Some(b) = found.iter().find(|b| b.value.is_some())
    {
        let holds = compare(b.value.unwrap(), t.comparator, t.value, t.upper);
        return if holds {
            Truth::True(Cow::from(fact(b)))
        } else {
            Truth::False(Cow::from(fact(b)))
        };
    }
    let Some(status) = status else {
        return found
            .iter()
            .find(|b| b.status.is_some())
            .map(|b| Truth::True(Cow::from(fact(b))))
            .unwrap_or_else(unknown);
    };
    let wants_positive = !matches!(
        status,
        BiomarkerStatus::Negative | BiomarkerStatus::WildType | BiomarkerStatus::Low
    );
    // For "hormone receptor positive", one positive receptor suffices; negative needs all negative.
    let positives: Vec<_> = found
        .iter()
        .filter(|b| b.status == Some(MarkerStatus::Positive))
        .collect();
    let negatives: Vec<_> = found
        .iter()
        .filter(|b| b.status == Some(MarkerStatus::Negative))
        .collect();
    match (positives.first(), negatives.first()) {
        (Some(p), _) => {
            if wants_positive {
                Truth::True(Cow::from(fact(p)))
            } else {
                Truth::False(Cow::from(fact(p)))
            }
        }
        (None, Some(n)) => {
            if wants_positive {
                Truth::False(Cow::from(fact(n)))
            } else {
                Truth::True(Cow::from(fact(n)))
            }
        }
        _ => unknown(),
    }
}

fn compare(value: f64, cmp: Comparator, bound: f64, upper: Option<f64>) -> bool {
    match cmp {
        Comparator::Lt => value < bound,
        Comparator::Le => value <= bound,
        Comparator::Gt => value > bound,
        Comparator::Ge => value >= bound,
        Comparator::Eq => (value - bound).abs() < 1e-9,
        // "between 73 and 38 letters": a range may be written high to low.
        Comparator::Between => match upper {
            Some(u) => value >= bound.min(u) && value <= bound.max(u),
            None => value >= bound,
        },
    }
}

/// The first concept the vocabulary finds in a lab's name or an analyte key, underscores read
/// as spaces and in capitals, so "Hgb" counts as the abbreviation "HGB".
pub(crate) fn lab_name_concept(name: &str) -> Option<ConceptId> {
    Vocabulary::builtin()
        .find(&name.replace('_', " ").to_uppercase())
        .first()
        .map(|m| m.concept)
}

/// [`lab_name_concept`] of a rule's analyte key, remembered: the same few keys ("hba1c",
/// "creatinine") recur in the lab rules of nearly every candidate of every patient.
fn analyte_concept(analyte: &str) -> Option<ConceptId> {
    // Keys beyond this many are looked up each time (parsed analytes can be free words), so the
    // memo stays small in a long-running server.
    const MAX_REMEMBERED: usize = 4096;
    static REMEMBERED: std::sync::LazyLock<
        std::sync::RwLock<rustc_hash::FxHashMap<String, Option<ConceptId>>>,
    > = std::sync::LazyLock::new(Default::default);
    if let Some(&c) = REMEMBERED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(analyte)
    {
        return c;
    }
    let concept = lab_name_concept(analyte);
    let mut remembered = REMEMBERED.write().unwrap_or_else(|e| e.into_inner());
    if remembered.len() < MAX_REMEMBERED {
        remembered.insert(analyte.to_string(), concept);
    }
    concept
}

/// The criteria crate's analyte key for a lab named in a profile.
pub(crate) fn analyte_of(name: &str) -> Option<&'static str> {
    let vocab = Vocabulary::builtin();
    // A lab name typed into a profile is a name, so "Hgb" counts as the abbreviation "HGB".
    let concept = vocab
        .find(&name.to_uppercase())
        .first()
        .map(|m| vocab.concept(m.concept).name.as_str())?;
    Some(match concept {
        "hemoglobin" => "hemoglobin",
        "hemoglobin a1c" => "hba1c",
        "glucose" => "glucose",
        "creatinine" => "creatinine",
        "creatinine clearance" => "creatinine_clearance",
        "platelet count" => "platelets",
        "white blood cell count" => "wbc",
        "absolute neutrophil count" => "anc",
        "alanine aminotransferase" => "alt",
        "aspartate aminotransferase" => "ast",
        "bilirubin" => "total_bilirubin",
        "albumin" => "albumin",
        "international normalized ratio" => "inr",
        "sodium" => "sodium",
        "potassium" => "potassium",
        "calcium" => "calcium",
        "ldl cholesterol" => "ldl",
        "hdl cholesterol" => "hdl",
        "total cholesterol" => "cholesterol",
        "triglycerides" => "triglycerides",
        "troponin" => "troponin",
        "brain natriuretic peptide" => "bnp",
        "prostate-specific antigen" => "psa",
        "thyroid-stimulating hormone" => "tsh",
        "body mass index" => "bmi",
        "blood pressure" => "systolic_bp",
        "diastolic blood pressure" => "diastolic_bp",
        "heart rate" => "heart_rate",
        "cd4 count" => "cd4",
        "alkaline phosphatase" => "alkaline_phosphatase",
        "lactate dehydrogenase" => "ldh",
        "lipase" => "lipase",
        "testosterone" => "testosterone",
        _ => return None,
    })
}

fn unit_key(unit: &str) -> String {
    unit.to_lowercase()
        .replace(['µ', 'μ'], "u")
        .replace("mcl", "ul")
        .replace(['×', '*'], "x")
        .replace(' ', "")
}

/// The unit a value is usually reported in (US conventions) when a profile gives none.
fn conventional_unit(analyte: &str) -> Option<&'static str> {
    Some(match analyte {
        "glucose" | "creatinine" | "total_bilirubin" | "cholesterol" | "ldl" | "hdl"
        | "triglycerides" | "calcium" => "mg/dL",
        "hemoglobin" | "albumin" => "g/dL",
        "hba1c" => "%",
        "platelets" | "wbc" | "anc" => "10^9/L",
        "bmi" => "kg/m²",
        "creatinine_clearance" => "mL/min",
        "sodium" | "potassium" => "mmol/L",
        "systolic_bp" | "diastolic_bp" => "mmHg",
        _ => return None,
    })
}

/// Converts `value` in `from` to `to` for common clinical unit pairs.
fn convert(analyte: &str, value: f64, from: &str, to: &str) -> Option<f64> {
    let (f, t) = (unit_key(from), unit_key(to));
    if f == t {
        return Some(value);
    }
    let count_units = |u: &str| match u {
        "10^9/l" | "x10^9/l" | "10^3/ul" | "x10^3/ul" | "k/ul" | "10e9/l" | "g/l_cells" => {
            Some(1.0)
        }
        "/ul" | "/mm3" | "cells/ul" | "cells/mm3" | "/mm^3" => Some(0.001),
        _ => None,
    };
    if let (Some(a), Some(b)) = (count_units(&f), count_units(&t)) {
        return Some(value * a / b);
    }
    let factor = match (analyte, f.as_str(), t.as_str()) {
        (_, "g/dl", "g/l") => 10.0,
        (_, "g/l", "g/dl") => 0.1,
        (_, "mg/dl", "umol/l") if analyte == "creatinine" => 88.4,
        (_, "umol/l", "mg/dl") if analyte == "creatinine" => 1.0 / 88.4,
        (_, "mg/dl", "umol/l") if analyte.contains("bilirubin") => 17.1,
        (_, "umol/l", "mg/dl") if analyte.contains("bilirubin") => 1.0 / 17.1,
        ("glucose", "mg/dl", "mmol/l") => 1.0 / 18.0,
        ("glucose", "mmol/l", "mg/dl") => 18.0,
        (_, "ml/min", "ml/min/1.73m²") | (_, "ml/min/1.73m²", "ml/min") => 1.0,
        (_, "kg/m²", "kg/m2")
        | (_, "kg/m2", "kg/m²")
        | (_, "mmol/l", "meq/l")
        | (_, "meq/l", "mmol/l") => 1.0,
        ("cholesterol" | "ldl" | "hdl", "mg/dl", "mmol/l") => 1.0 / 38.67,
        ("cholesterol" | "ldl" | "hdl", "mmol/l", "mg/dl") => 38.67,
        ("triglycerides", "mg/dl", "mmol/l") => 1.0 / 88.57,
        ("triglycerides", "mmol/l", "mg/dl") => 88.57,
        _ => return None,
    };
    Some(value * factor)
}

/// Does the criterion around `rule` name its analyte with a "non-" prefix ("Non-HDL-C")?
fn denied_analyte(criteria_text: &str, rule: &Rule, analyte: &str) -> bool {
    // Only this line: a "non-HDL" in the criterion before says nothing about this one.
    let around = fold_case(&format!(
        "{}{}",
        line_before(criteria_text, rule.span.start, 80),
        criteria_text
            .get(rule.span.start..rule.span.end)
            .unwrap_or("")
    ));
    let analyte = analyte.replace('_', " ");
    around.contains(&format!("non-{analyte}")) || around.contains(&format!("non {analyte}"))
}

fn is_visual_acuity(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if !["acuity", "bcva", "snellen", "etdrs"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return false;
    }
    let vocab = Vocabulary::builtin();
    vocab
        .find(&name.replace('_', " "))
        .first()
        .is_some_and(|m| vocab.concept(m.concept).name == "visual acuity")
}

/// Visual acuity as a decimal fraction (1.0 = 20/20): from "20/40", "6/12", a decimal, or a
/// value with its scale named ("0.3 logMAR", "70 letters").
fn visual_acuity_decimal(value: f64, denominator: Option<f64>, scale: AcuityScale) -> Option<f64> {
    match (denominator, scale) {
        (Some(d), _) if d > 0.0 => Some(value / d),
        (_, AcuityScale::LogMar) => Some(10f64.powf(-value)),
        // ETDRS letters: 85 letters is 20/20, and 50 letters a step of one log unit.
        (_, AcuityScale::Letters) => Some(10f64.powf((value - 85.0) / 50.0)),
        (_, AcuityScale::Decimal) if value > 0.0 && value <= 2.0 => Some(value),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum AcuityScale {
    Decimal,
    LogMar,
    Letters,
}

/// A visual-acuity threshold against the patient's acuity, both brought to decimal acuity
/// (where a larger number is better sight, unlike logMAR). The scale is read from the criterion
/// text at the threshold: a Snellen fraction ("< 20/200"), "logMAR", or ETDRS "letters".
fn visual_acuity_truth(
    threshold: &Threshold,
    criteria_text: &str,
    patient: &PatientFacts,
) -> Truth {
    let unknown = || Truth::Unknown(FactKey::Lab("visual acuity".into()));
    let Some(lab) = patient
        .profile
        .labs
        .iter()
        .find(|l| is_visual_acuity(&l.name))
    else {
        return unknown();
    };
    let Some(value) = lab.value else {
        return unknown();
    };
    let patient_denominator = lab
        .unit
        .as_deref()
        .and_then(|u| u.trim().strip_prefix('/'))
        .and_then(|u| u.split_whitespace().next())
        .and_then(|d| d.parse::<f64>().ok());
    let patient_scale = match lab.unit.as_deref().map(fold_case) {
        Some(u) if u.contains("logmar") => AcuityScale::LogMar,
        Some(u) if u.contains("letter") => AcuityScale::Letters,
        _ => AcuityScale::Decimal,
    };
    let Some(patient_decimal) = visual_acuity_decimal(value, patient_denominator, patient_scale)
    else {
        return unknown();
    };
    let at = threshold.span.end.min(criteria_text.len());
    let after = line_after(criteria_text, at, 24);
    let denominator = after
        .strip_prefix('/')
        .and_then(|a| a.split(|c: char| !c.is_ascii_digit() && c != '.').next())
        .and_then(|d| d.parse::<f64>().ok());
    let folded_after = fold_case(after);
    let folded_before = fold_case(line_before(criteria_text, threshold.span.start, 30));
    let scale = if folded_after.trim_start().starts_with("logmar")
        || folded_before.contains("logmar") && !folded_before.contains("letter")
    {
        AcuityScale::LogMar
    } else if folded_after.trim_start().starts_with("letter")
        || folded_before.contains("letters")
        || threshold.value > 5.0 && denominator.is_none()
    {
        AcuityScale::Letters
    } else {
        AcuityScale::Decimal
    };
    let convert = |v: f64| visual_acuity_decimal(v, denominator, scale);
    let (Some(bound), upper) = (convert(threshold.value), threshold.upper.map(convert)) else {
        return unknown();
    };
    let upper = match upper {
        Some(None) => return unknown(),
        Some(Some(u)) => Some(u),
        None => None,
    };
    // logMAR runs the other way: "≤ 0.3 logMAR" is acuity of at least 10^-0.3.
    let comparator = match (scale, threshold.comparator) {
        (AcuityScale::LogMar, Comparator::Lt) => Comparator::Gt,
        (AcuityScale::LogMar, Comparator::Le) => Comparator::Ge,
        (AcuityScale::LogMar, Comparator::Gt) => Comparator::Lt,
        (AcuityScale::LogMar, Comparator::Ge) => Comparator::Le,
        (_, c) => c,
    };
    let fact = Cow::from(format!(
        "visual acuity {}{}",
        value,
        lab.unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default()
    ));
    // Compared in whole ETDRS letters (one letter is 0.02 logMAR), so that 20/40 meets
    // "≥ 70 letters" and "≥ 0.5" alike, as charts round.
    let letters = |decimal: f64| (85.0 + 50.0 * decimal.log10()).round();
    let met = compare(
        letters(patient_decimal),
        comparator,
        letters(bound),
        upper.map(letters),
    );
    if met {
        Truth::True(fact)
    } else {
        Truth::False(fact)
    }
}

fn lab_truth(analyte: &str, threshold: &Threshold, patient: &PatientFacts) -> Truth {
    let unknown = || Truth::Unknown(FactKey::Lab(analyte.to_string()));
    let wanted = match analyte {
        "bilirubin" | "direct_bilirubin" => "total_bilirubin",
        "egfr" => "creatinine_clearance",
        "blood_pressure" => "systolic_bp",
        a => a,
    };
    // Analytes the criteria crate names beyond the table above ("iop", "ejection_fraction")
    // are matched through the vocabulary. The patient's side was read once
    // (`PatientFacts::labs`); the analyte's concept is looked up only if a lab needs it.
    let wanted_concept = std::cell::OnceCell::new();
    let Some((lab, _)) = patient
        .profile
        .labs
        .iter()
        .zip(&patient.labs)
        .find(|(_, id)| {
            id.analyte == Some(wanted) || {
                let wanted_concept = *wanted_concept.get_or_init(|| analyte_concept(wanted));
                wanted_concept.is_some() && id.concept == wanted_concept
            }
        })
    else {
        return unknown();
    };
    let fact = format!(
        "{} {}{}",
        lab.name,
        lab.value
            .map(fmt_num)
            .or(lab.times_uln.map(|u| format!("{u}×ULN")))
            .unwrap_or_default(),
        lab.unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default()
    );
    let value = match (threshold.relative_to, lab.times_uln, lab.value) {
        (Some(Reference::Uln), Some(x), _) => x,
        (Some(_), _, _) => return unknown(),
        (None, _, Some(v)) => match (
            lab.unit.as_deref().or(conventional_unit(wanted)),
            threshold.unit.as_deref(),
        ) {
            (Some(from), Some(to)) => match convert(wanted, v, from, to) {
                Some(c) => c,
                None => return unknown(),
            },
            _ => v,
        },
        (None, _, None) => return unknown(),
    };
    // "HbA1c > 0.12": a percentage written as a fraction (no unit, below 1); HbA1c is never
    // below 1 %.
    let as_fraction = wanted == "hba1c" && threshold.unit.is_none() && threshold.value < 1.0;
    let scale = if as_fraction { 100.0 } else { 1.0 };
    if compare(
        value,
        threshold.comparator,
        threshold.value * scale,
        threshold.upper.map(|u| u * scale),
    ) {
        Truth::True(Cow::from(fact))
    } else {
        Truth::False(Cow::from(fact))
    }
}

/// Approximate Karnofsky score for an ECOG grade (standard correspondence).
fn karnofsky_from_ecog(ecog: u8) -> f64 {
    match ecog {
        0 => 90.0,
        1 => 70.0,
        2 => 50.0,
        3 => 30.0,
        _ => 10.0,
    }
}

fn ecog_from_karnofsky(k: u8) -> f64 {
    match k {
        90..=100 => 0.0,
        70..=89 => 1.0,
        50..=69 => 2.0,
        30..=49 => 3.0,
        _ => 4.0,
    }
}

fn performance_truth(
    scale: PerformanceScale,
    min: Option<f64>,
    max: Option<f64>,
    ecog: Option<u8>,
    karnofsky: Option<u8>,
) -> Truth {
    let (value, fact) = match scale {
        PerformanceScale::Ecog => match (ecog, karnofsky) {
            (Some(e), _) => (e as f64, format!("ECOG {e}")),
            (None, Some(k)) => (ecog_from_karnofsky(k), format!("Karnofsky {k}")),
            _ => return Truth::Unknown(FactKey::PerformanceStatus),
        },
        _ => match (karnofsky, ecog) {
            (Some(k), _) => (k as f64, format!("Karnofsky {k}")),
            (None, Some(e)) => (karnofsky_from_ecog(e), format!("ECOG {e}")),
            _ => return Truth::Unknown(FactKey::PerformanceStatus),
        },
    };
    let ok = min.is_none_or(|m| value >= m) && max.is_none_or(|m| value <= m);
    if ok {
        Truth::True(Cow::from(fact))
    } else {
        Truth::False(Cow::from(fact))
    }
}

/// A prior-therapy reading adjusted for what the criterion says around the therapy:
/// - "chemotherapy-naïve" asks for the therapy's absence;
/// - a time window ("within 4 weeks before randomization") makes a given therapy's timing the
///   question, and a profile gives no dates (a therapy still being taken is within any window);
/// - a washout or completion requirement ("≥ 21 days since whole-brain radiotherapy", "prior
///   radiotherapy must have been completed", "completion of radiotherapy (if given)") applies
///   only to patients who had the therapy.
fn timed_therapy_truth(
    truth: Truth,
    therapy: &str,
    response: Option<&str>,
    rule: &Rule,
    patient: &PatientFacts,
    criteria_text: &str,
) -> Truth {
    let naive = response.is_some_and(|r| {
        let r = fold_case(r);
        r == "naive" || r == "naïve"
    });
    let truth = match truth {
        Truth::True(f) if naive => Truth::False(f),
        Truth::False(f) if naive => Truth::True(f),
        t => t,
    };
    let window = rule
        .window
        .as_ref()
        .filter(|w| w.direction != criteria::WindowDirection::After);
    match truth {
        Truth::True(fact) if window.is_some() && !naive => {
            let ongoing = patient.profile.prior_therapies.iter().any(|p| {
                p.ongoing && p.received && fold_case(&p.name).contains(&fold_case(therapy))
            });
            if ongoing {
                Truth::True(fact)
            } else {
                Truth::Unknown(FactKey::PriorTherapy(format!(
                    "when {therapy} was last given"
                )))
            }
        }
        Truth::False(fact) if rule.polarity == Polarity::Inclusion && !rule.negated && !naive => {
            let washout =
                window.is_some_and(|w| matches!(w.comparator, Comparator::Ge | Comparator::Gt));
            let around = fold_case(&format!(
                "{}{}{}",
                line_before(criteria_text, rule.span.start, 120),
                criteria_text
                    .get(rule.span.start..rule.span.end)
                    .unwrap_or(""),
                line_after(criteria_text, rule.span.end, 80)
            ));
            const ONLY_IF_GIVEN: [&str; 8] = [
                "complet",
                "if given",
                "if applicable",
                "if any",
                "time since",
                "interval",
                "washout",
                "recovered from",
            ];
            if washout || ONLY_IF_GIVEN.iter().any(|cue| around.contains(cue)) {
                Truth::NotApplicable(Cow::from(format!("{fact} (applies only after {therapy})")))
            } else {
                Truth::False(fact)
            }
        }
        t => t,
    }
}

fn therapy_truth(therapy: &str, patient: &PatientFacts, trial: &TrialDocument) -> Truth {
    let vocab = Vocabulary::builtin();
    let concepts: Vec<ConceptId> = trial
        .concepts_in(therapy)
        .iter()
        .copied()
        .filter(|c| {
            matches!(
                vocab.concept(*c).kind,
                ConceptKind::Medication | ConceptKind::Procedure
            )
        })
        .collect();
    for &c in concepts.iter() {
        // A planned treatment ("a candidate for resection", "prior to chemotherapy") is not a
        // prior therapy.
        if let Some(p) = patient.present.iter().find(|p| {
            vocab.is_a(p.concept, c) && !p.source.to_ascii_lowercase().contains("planned ")
        }) {
            return Truth::True(Cow::from(p.source.clone()));
        }
    }
    for &c in concepts.iter() {
        if let Some(s) = patient.lacks(c) {
            return Truth::False(Cow::from(s.to_string()));
        }
    }
    Truth::Unknown(FactKey::PriorTherapy(therapy.to_string()))
}

/// An allergy rule against the patient's stated allergies (a list, possibly empty) or an
/// answered "allergic to X?" finding.
fn allergy_truth(mention: &str, patient: &PatientFacts) -> Truth {
    let profile = patient.profile;
    let wanted = fold_case(mention.trim());
    let vocab = Vocabulary::builtin();
    let wanted_concepts: Vec<ConceptId> = vocab.find(mention).iter().map(|m| m.concept).collect();
    let names = |text: &str| {
        let t = fold_case(text.trim());
        !t.is_empty()
            && !wanted.is_empty()
            && (t.contains(&wanted)
                || wanted.contains(&t)
                || vocab.find(text).iter().any(|m| {
                    wanted_concepts
                        .iter()
                        .any(|w| vocab.is_a(m.concept, *w) || vocab.is_a(*w, m.concept))
                }))
    };
    if let Some(f) = profile
        .findings
        .iter()
        .find(|f| fold_case(&f.text).contains("allerg") && names(&f.text))
    {
        let fact = Cow::from(if f.present {
            f.text.clone()
        } else {
            format!("not {}", f.text)
        });
        return if f.present {
            Truth::True(fact)
        } else {
            Truth::False(fact)
        };
    }
    match &profile.allergies {
        Some(list) => match list.iter().find(|a| names(a)) {
            Some(a) => Truth::True(Cow::from(format!("allergy: {a}"))),
            None if list.is_empty() => Truth::False(Cow::from("no known allergies")),
            None => Truth::False(Cow::from(format!("known allergies: {}", list.join(", ")))),
        },
        None => Truth::Unknown(FactKey::Allergy(mention.to_string())),
    }
}

/// Life expectancy against the doctor's estimate (months), or an answered yes/no finding.
fn life_expectancy_truth(threshold: &Threshold, patient: &PatientFacts) -> Truth {
    let profile = patient.profile;
    if let Some(months) = profile.life_expectancy_months {
        let per_month = match threshold.unit.as_deref() {
            Some("year") => 1.0 / 12.0,
            Some("week") => 52.0 / 12.0,
            Some("day") => 365.25 / 12.0,
            _ => 1.0,
        };
        let fact = Cow::from(format!("life expectancy {} months", fmt_num(months)));
        let value = months * per_month;
        let upper = threshold.upper;
        return if compare(value, threshold.comparator, threshold.value, upper) {
            Truth::True(fact)
        } else {
            Truth::False(fact)
        };
    }
    match profile
        .findings
        .iter()
        .find(|f| fold_case(&f.text).contains("life expectancy"))
    {
        Some(f) if f.present => Truth::True(Cow::from(f.text.clone())),
        Some(f) => Truth::False(Cow::from(format!("not {}", f.text))),
        None => Truth::Unknown(FactKey::LifeExpectancy),
    }
}

/// The fact key of an organ-function measure, readable ("lvef", "adequate_function").
pub(crate) fn organ_measure_key(measure: criteria::OrganMeasure) -> &'static str {
    use criteria::OrganMeasure as M;
    match measure {
        M::Lvef => "lvef",
        M::Spo2 => "spo2",
        M::DyspneaGrade => "dyspnea_grade",
        M::Qtc => "qtc",
        M::Fev1 => "fev1",
        M::Dlco => "dlco",
        M::NyhaClass => "nyha_class",
        M::AdequateFunction => "adequate_function",
        M::Ecg => "ecg",
    }
}

/// Organ function: stated adequacy, or a measured value (LVEF, SpO2, QTc, ...) in `labs`.
fn organ_function_truth(
    measure: criteria::OrganMeasure,
    threshold: Option<&Threshold>,
    patient: &PatientFacts,
) -> Truth {
    use criteria::OrganMeasure as M;
    let profile = patient.profile;
    let key = organ_measure_key(measure);
    let unknown = || Truth::Unknown(FactKey::OrganFunction(key.to_string()));
    if measure == M::AdequateFunction {
        return match profile.adequate_organ_function {
            Some(true) => Truth::True(Cow::from("adequate organ function")),
            Some(false) => Truth::False(Cow::from("organ function not adequate")),
            None => unknown(),
        };
    }
    let names: &[&str] = match measure {
        M::Lvef => &["lvef", "ejection fraction", "ef"],
        M::Spo2 => &["spo2", "oxygen saturation", "o2 saturation", "sao2"],
        M::DyspneaGrade => &["dyspnea grade", "dyspnoea grade"],
        M::Qtc => &["qtc", "qtcf", "corrected qt"],
        M::Fev1 => &["fev1"],
        M::Dlco => &["dlco"],
        M::NyhaClass => &["nyha class", "nyha"],
        _ => &[],
    };
    let Some(threshold) = threshold else {
        return unknown();
    };
    let lab = profile.labs.iter().find(|l| {
        let n = fold_case(l.name.trim()).replace('_', " ");
        names
            .iter()
            .any(|w| n == *w || n.starts_with(&format!("{w} ")))
    });
    match lab.and_then(|l| l.value.map(|v| (l, v))) {
        Some((l, v)) => {
            let fact = Cow::from(format!("{} {}", l.name, fmt_num(v)));
            if compare(v, threshold.comparator, threshold.value, threshold.upper) {
                Truth::True(fact)
            } else {
                Truth::False(fact)
            }
        }
        None => unknown(),
    }
}

fn infection_truth(agent: InfectionAgent, patient: &PatientFacts) -> Truth {
    let names: &[&str] = match agent {
        InfectionAgent::Hbv => &["hepatitis b", "hbv", "hbsag"],
        InfectionAgent::Hcv => &["hepatitis c", "hcv"],
        InfectionAgent::Hiv => &["hiv", "human immunodeficiency"],
        InfectionAgent::Syphilis => &["syphilis"],
        InfectionAgent::Cmv => &["cytomegalovirus", "cmv"],
        InfectionAgent::Ebv => &["epstein", "ebv"],
        InfectionAgent::Tuberculosis => &["tuberculosis", "tb"],
        InfectionAgent::Covid19 => &["covid", "sars-cov-2"],
        InfectionAgent::Htlv => &["htlv"],
        InfectionAgent::Any => &[],
    };
    let key = format!("{agent:?}").to_lowercase();
    let infections = &patient.profile.infections;
    let hit = infections.iter().find(|s| {
        let n = fold_case(&s.name);
        if names.is_empty() {
            s.status == MarkerStatus::Positive
        } else {
            names.iter().any(|w| n.contains(w))
        }
    });
    match hit {
        Some(s) if s.status == MarkerStatus::Positive => {
            Truth::True(Cow::from(format!("{} positive", s.name)))
        }
        Some(s) if s.status == MarkerStatus::Negative => {
            Truth::False(Cow::from(format!("{} negative", s.name)))
        }
        _ if names.is_empty() => {
            // "Active infection" without an agent: the stated answer, or a "no" recorded as a
            // negative "active infection" entry.
            let denied = infections.iter().any(|s| {
                s.status == MarkerStatus::Negative && fold_case(&s.name).contains("infection")
            });
            match patient.profile.active_infection {
                Some(true) => Truth::True(Cow::from("active infection")),
                Some(false) => Truth::False(Cow::from("no active infection")),
                None if denied => Truth::False(Cow::from("no active infection")),
                None => Truth::Unknown(FactKey::Infection(key)),
            }
        }
        _ => Truth::Unknown(FactKey::Infection(key)),
    }
}

/// A clinical score ("MMSE ≥ 20", "IOP > 21 mmHg") against a profile measurement of that name.
fn score_truth(scale: &str, threshold: &Threshold, patient: &PatientFacts) -> Truth {
    let vocab = Vocabulary::builtin();
    let wanted = fold_case(scale.trim());
    let concept_of = |name: &str| vocab.find(&name.to_uppercase()).first().map(|m| m.concept);
    let wanted_concept = concept_of(scale);
    let lab = patient.profile.labs.iter().find(|l| {
        let name = fold_case(l.name.trim());
        !name.is_empty()
            && (name == wanted
                || name.contains(&wanted)
                || wanted.contains(&name)
                || (wanted_concept.is_some() && concept_of(&l.name) == wanted_concept))
    });
    match lab.and_then(|l| l.value.map(|v| (l, v))) {
        Some((l, v)) => {
            let fact = format!("{} {}", l.name, fmt_num(v));
            if compare(v, threshold.comparator, threshold.value, threshold.upper) {
                Truth::True(Cow::from(fact))
            } else {
                Truth::False(Cow::from(fact))
            }
        }
        None => Truth::Unknown(FactKey::Lab(scale.trim().to_string())),
    }
}

/// Where the inclusion criteria ask for healthy volunteers, if they do.
pub(crate) fn healthy_volunteers_wanted(criteria_text: &str) -> Option<(usize, usize)> {
    static HEALTHY: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = HEALTHY.get_or_init(|| {
        regex::Regex::new(r"(?i)\bhealthy\s+(?:adult\s+|male\s+|female\s+)?(?:volunteers?|subjects?|adults?|individuals?|participants?|men|women|males?|females?)\b")
            .expect("healthy volunteer pattern compiles")
    });
    let (inclusion, _) = crate::trial::split_criteria(criteria_text);
    let m = re.find(inclusion)?;
    let mut from = m.start().saturating_sub(12);
    while !inclusion.is_char_boundary(from) {
        from -= 1;
    }
    let before = crate::vocabulary::fold_case(&inclusion[from..m.start()]);
    if before.contains("otherwise") || before.contains("non") {
        return None;
    }
    Some((m.start(), m.end()))
}
