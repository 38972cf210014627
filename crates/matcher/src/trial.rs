//! The matcher's view of a trial: its text by field, analyzed once (tokens and concept mentions),
//! its structured age/sex limits and its parsed eligibility criteria.

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::text::tokens;
use crate::vocabulary::{ConceptId, Vocabulary};

/// The text fields relevance looks at, in order of how much they say about the trial's topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Title, conditions, keywords and condition MeSH terms: what the trial is about.
    Topic,
    /// Brief summary and interventions.
    Summary,
    /// Inclusion criteria (or criteria text with no section headings).
    Inclusion,
    /// Exclusion criteria.
    Exclusion,
}

pub const FIELDS: [Field; 4] = [
    Field::Topic,
    Field::Summary,
    Field::Inclusion,
    Field::Exclusion,
];

/// Analyzed text of one field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FieldIndex {
    /// Term frequencies of stemmed tokens. Fx-hashed: relevance looks up every patient word in
    /// every field of every candidate, and SipHash was a large share of that (the keys are
    /// words of registry text, hashed in-process only; nothing depends on the map's order).
    pub term_counts: FxHashMap<String, u32>,
    /// Number of tokens.
    pub length: u32,
    /// Concepts mentioned (deduplicated).
    pub concepts: Vec<ConceptId>,
}

/// Sex restriction of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrialSex {
    All,
    Female,
    Male,
}

/// A trial as the matcher reads it.
///
/// Serializable so a built document can be stored and read back instead of parsed again; the
/// form is this version's internals (not a stable contract): a reader must discard documents
/// written by another build of this crate or of `criteria`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialDocument {
    pub nct_id: String,
    pub title: String,
    pub conditions: Vec<String>,
    pub keywords: Vec<String>,
    pub mesh_terms: Vec<String>,
    pub interventions: Vec<String>,
    pub summary: String,
    /// The eligibility criteria text as registered.
    pub criteria_text: String,
    /// Structured age limits in years, when the registry gives them.
    pub minimum_age_years: Option<f64>,
    pub maximum_age_years: Option<f64>,
    pub sex: Option<TrialSex>,
    /// The criteria as typed rules.
    pub criteria: criteria::ParsedCriteria,
    /// True when the criteria parser failed on this text (then `criteria` is empty).
    pub criteria_unparsed: bool,
    /// Concepts of each rule mention, found once here rather than per patient.
    mention_concepts: FxHashMap<String, Vec<ConceptId>>,
    /// Where the inclusion criteria ask for healthy volunteers (byte span in `criteria_text`).
    pub(crate) healthy_volunteers: Option<(usize, usize)>,
    /// Concepts of condition-like rules read from the criterion text at the rule's span.
    span_concepts: FxHashMap<(usize, usize), Vec<ConceptId>>,
    /// For each criterion, the first criterion of the run of diagnosis bullets it is in
    /// (alternatives; see `eligibility::diagnosis_bullet_runs`).
    pub(crate) diagnosis_runs: Vec<Option<usize>>,
    /// Exclusion criteria no rule reads (free text) that name diseases the vocabulary knows,
    /// with those diseases: "Hypothyroidism", "Uncompensated heart failure".
    pub(crate) free_text_exclusions: FxHashMap<usize, Vec<ConceptId>>,
    /// For each criterion, the implicit "or" groups of its condition rules (see
    /// `eligibility::implicit_condition_alternatives`).
    pub(crate) implicit_groups: Vec<Vec<Option<u32>>>,
    /// Criterion texts, shared by every mark that cites them.
    criterion_texts: Vec<std::sync::Arc<str>>,
    /// The conditions the trial is about: those of its topic fields and those its inclusion
    /// criteria require. Many registry extracts carry only the criteria text, so the topic alone
    /// would often say nothing.
    pub(crate) own_conditions: Vec<ConceptId>,
    /// The trial's sites, for distance to the patient (never read for eligibility or relevance).
    pub sites: Vec<crate::sites::TrialSite>,
    fields: [FieldIndex; 4],
}

/// The raw fields of a trial, for building a [`TrialDocument`] without a registry record.
#[derive(Debug, Clone, Default)]
pub struct TrialFields {
    pub nct_id: String,
    pub title: String,
    pub conditions: Vec<String>,
    pub keywords: Vec<String>,
    pub mesh_terms: Vec<String>,
    pub interventions: Vec<String>,
    pub summary: String,
    pub criteria_text: String,
    pub minimum_age_years: Option<f64>,
    pub maximum_age_years: Option<f64>,
    pub sex: Option<TrialSex>,
    pub sites: Vec<crate::sites::TrialSite>,
}

impl TrialDocument {
    /// Analyzes the fields and parses the criteria.
    pub fn new(f: TrialFields) -> TrialDocument {
        let vocab = Vocabulary::builtin();
        let topic = [f.title.as_str()]
            .into_iter()
            .chain(f.conditions.iter().map(String::as_str))
            .chain(f.keywords.iter().map(String::as_str))
            .chain(f.mesh_terms.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(". ");
        let summary = std::iter::once(f.summary.as_str())
            .chain(f.interventions.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(". ");
        let (inclusion, exclusion) = split_criteria(&f.criteria_text);
        let analyze = |text: &str| {
            let toks = tokens(text);
            let mut term_counts: FxHashMap<String, u32> = FxHashMap::default();
            for t in &toks {
                *term_counts.entry(t.clone()).or_default() += 1;
            }
            let mut concepts: Vec<ConceptId> =
                vocab.find(text).into_iter().map(|m| m.concept).collect();
            concepts.sort_unstable();
            concepts.dedup();
            FieldIndex {
                term_counts,
                length: toks.len() as u32,
                concepts,
            }
        };
        let fields = [
            analyze(&topic),
            analyze(&summary),
            analyze(inclusion),
            analyze(exclusion),
        ];
        // A parser failure on one trial must not take down a whole ranking: that trial is then
        // matched on relevance and registry fields only (`criteria_unparsed` tells).
        let parsed = std::panic::catch_unwind(|| criteria::parse(&f.criteria_text)).ok();
        let criteria_unparsed = parsed.is_none();
        let mut parsed = parsed.unwrap_or(criteria::ParsedCriteria {
            sections: Vec::new(),
            criteria: Vec::new(),
        });
        add_free_text_diagnoses(&mut parsed, &f.criteria_text);
        add_population_ages(&mut parsed, &f.criteria_text);
        let healthy_volunteers = crate::eligibility::healthy_volunteers_wanted(&f.criteria_text);
        let criterion_texts = parsed
            .criteria
            .iter()
            .map(|c| std::sync::Arc::from(c.text.as_str()))
            .collect();
        // The concepts a condition rule names, read from the criterion's own text around the
        // rule's span: the vocabulary's longest match covering the span wins, so a mention the
        // parser cut short ("diabetes mellitus" of "Type 1 diabetes mellitus") still names the
        // subtype the criterion means.
        let mut span_concepts: FxHashMap<(usize, usize), Vec<ConceptId>> = FxHashMap::default();
        for criterion in &parsed.criteria {
            let Some(text) = f
                .criteria_text
                .get(criterion.span.start..criterion.span.end)
            else {
                continue;
            };
            let mut found: Option<Vec<crate::vocabulary::Mention>> = None;
            for rule in &criterion.rules {
                if !matches!(
                    rule.body,
                    criteria::RuleBody::Condition { .. }
                        | criteria::RuleBody::Autoimmune { .. }
                        | criteria::RuleBody::Cns { .. }
                ) {
                    continue;
                }
                let found = found.get_or_insert_with(|| vocab.find_affirmed(text));
                let (start, end) = (rule.span.start, rule.span.end);
                let mut concepts: Vec<ConceptId> = found
                    .iter()
                    .filter(|m| {
                        m.start + criterion.span.start < end && m.end + criterion.span.start > start
                    })
                    .map(|m| m.concept)
                    .collect();
                if concepts.is_empty() {
                    continue;
                }
                concepts.sort_by_key(|c| {
                    vocab.concept(*c).kind != crate::vocabulary::ConceptKind::Condition
                });
                concepts.dedup();
                span_concepts.insert((start, end), concepts);
            }
        }
        let mut mention_concepts = FxHashMap::default();
        for rule in parsed.criteria.iter().flat_map(|c| c.rules.iter()) {
            let text = match &rule.body {
                criteria::RuleBody::Condition { mention, .. }
                | criteria::RuleBody::Autoimmune { mention, .. }
                | criteria::RuleBody::Cns { mention, .. } => Some(mention),
                criteria::RuleBody::PriorTherapy {
                    therapy: Some(t), ..
                } => Some(t),
                _ => None,
            };
            if let Some(t) = text {
                mention_concepts
                    .entry(t.clone())
                    .or_insert_with(|| crate::eligibility::mention_concepts(t));
            }
        }
        let diagnosis_runs = crate::eligibility::diagnosis_bullet_runs(&parsed);
        // Short exclusion criteria left as free text still name diseases a patient may have.
        const FREE_TEXT_MAX_WORDS: usize = 12;
        let mut free_text_exclusions = FxHashMap::default();
        for c in &parsed.criteria {
            if c.section == criteria::SectionKind::Exclusion
                && !c.rules.is_empty()
                && c.rules
                    .iter()
                    .all(|r| matches!(r.body, criteria::RuleBody::FreeText))
                && c.text.split_whitespace().count() <= FREE_TEXT_MAX_WORDS
            {
                let mut concepts: Vec<ConceptId> = vocab
                    .find_affirmed(&c.text)
                    .into_iter()
                    .map(|m| m.concept)
                    .filter(|&k| vocab.concept(k).kind == crate::vocabulary::ConceptKind::Condition)
                    .collect();
                concepts.dedup();
                if !concepts.is_empty() {
                    free_text_exclusions.insert(c.id, concepts);
                }
            }
        }
        let implicit_groups = parsed
            .criteria
            .iter()
            .map(|c| crate::eligibility::implicit_condition_alternatives(c, &f.criteria_text))
            .collect();
        let mut own_conditions = fields[Field::Topic as usize].concepts.clone();
        for criterion in &parsed.criteria {
            for rule in &criterion.rules {
                if let criteria::RuleBody::Condition { mention, .. } = &rule.body
                    && rule.polarity == criteria::Polarity::Inclusion
                    && !rule.negated
                    && rule.condition.is_none()
                    && let Some(concepts) = span_concepts
                        .get(&(rule.span.start, rule.span.end))
                        .or_else(|| mention_concepts.get(mention))
                {
                    own_conditions.extend(concepts.iter().copied().filter(|&c| {
                        vocab.concept(c).kind == crate::vocabulary::ConceptKind::Condition
                    }));
                }
            }
        }
        own_conditions.sort_unstable();
        own_conditions.dedup();
        TrialDocument {
            nct_id: f.nct_id,
            title: f.title,
            conditions: f.conditions,
            keywords: f.keywords,
            mesh_terms: f.mesh_terms,
            interventions: f.interventions,
            summary: f.summary,
            criteria_text: f.criteria_text,
            minimum_age_years: f.minimum_age_years,
            maximum_age_years: f.maximum_age_years,
            sex: f.sex,
            criteria: parsed,
            criteria_unparsed,
            mention_concepts,
            span_concepts,
            diagnosis_runs,
            implicit_groups,
            free_text_exclusions,
            criterion_texts,
            healthy_volunteers,
            own_conditions,
            sites: f.sites,
            fields,
        }
    }

    /// Builds the matcher's view of a registry record.
    pub fn from_study(study: &ctgov::Study) -> TrialDocument {
        let ps = &study.protocol_section;
        let mut title = study.brief_title().to_string();
        if let Some(official) = ps.identification_module.official_title.as_deref()
            && !official.is_empty()
            && official != title
        {
            title = if title.is_empty() {
                official.to_string()
            } else {
                format!("{title}. {official}")
            };
        }
        let sex = study
            .sex()
            .and_then(|s| match s.to_ascii_uppercase().as_str() {
                "ALL" => Some(TrialSex::All),
                "FEMALE" => Some(TrialSex::Female),
                "MALE" => Some(TrialSex::Male),
                _ => None,
            });
        let mut interventions: Vec<String> = Vec::new();
        for i in study.interventions() {
            interventions.push(i.name.clone());
            interventions.extend(i.other_names.iter().cloned());
        }
        TrialDocument::new(TrialFields {
            nct_id: study.nct_id().to_string(),
            title,
            conditions: study.conditions().to_vec(),
            keywords: study.keywords().to_vec(),
            mesh_terms: study.condition_meshes().map(|m| m.term.clone()).collect(),
            interventions,
            summary: study.brief_summary().unwrap_or_default().to_string(),
            criteria_text: study.eligibility_criteria().unwrap_or_default().to_string(),
            minimum_age_years: study.minimum_age().ok().flatten().map(|a| a.in_years()),
            maximum_age_years: study.maximum_age().ok().flatten().map(|a| a.in_years()),
            sex,
            sites: study
                .locations()
                .iter()
                .map(crate::sites::TrialSite::from_location)
                .collect(),
        })
    }

    /// Concepts named in a rule mention of this trial (cached at construction).
    /// Concepts a condition-like rule names: from the criterion text at its span when the
    /// vocabulary finds any there, else from its mention.
    pub(crate) fn rule_concepts<'a>(
        &'a self,
        rule: &criteria::Rule,
        mention: &str,
    ) -> std::borrow::Cow<'a, [ConceptId]> {
        match self.span_concepts.get(&(rule.span.start, rule.span.end)) {
            Some(c) => std::borrow::Cow::Borrowed(c.as_slice()),
            // "use of anti-obesity drug": the mention the parser cut after "anti-" names a
            // drug, not the disease (the span reading above already skips it).
            None if {
                let end = rule.span.start.min(self.criteria_text.len());
                let from =
                    crate::extract::floor_char_boundary(&self.criteria_text, end.saturating_sub(5));
                self.criteria_text
                    .get(from..end)
                    .is_some_and(|b| b.eq_ignore_ascii_case("anti-"))
            } =>
            {
                std::borrow::Cow::Borrowed(&[])
            }
            None => self.concepts_in(mention),
        }
    }

    pub(crate) fn concepts_in(&self, mention: &str) -> std::borrow::Cow<'_, [ConceptId]> {
        match self.mention_concepts.get(mention) {
            Some(c) => std::borrow::Cow::Borrowed(c.as_slice()),
            None => std::borrow::Cow::Owned(crate::eligibility::mention_concepts(mention)),
        }
    }

    /// The text of criterion `id` of [`TrialDocument::criteria`].
    pub fn criterion_text(&self, id: usize) -> std::sync::Arc<str> {
        self.criterion_texts
            .get(id)
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::from(""))
    }

    /// The analyzed text of one field.
    pub fn field(&self, field: Field) -> &FieldIndex {
        &self.fields[field as usize]
    }
}

/// Splits criteria text at the exclusion heading into (inclusion, exclusion).
pub(crate) fn split_criteria(text: &str) -> (&str, &str) {
    let lower = crate::vocabulary::fold_case(text);
    let at = [
        "exclusion criteria",
        "exclusion:",
        "exclusions:",
        "key exclusion",
    ]
    .iter()
    .filter_map(|h| lower.find(h))
    .min();
    match at {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    }
}

/// A rule the matcher reads where the parser left free text: plain (not negated, no condition,
/// exception, window or alternative group).
fn added_rule(
    body: criteria::RuleBody,
    polarity: criteria::Polarity,
    span: criteria::Span,
) -> criteria::Rule {
    criteria::Rule {
        body,
        polarity,
        negated: false,
        condition: None,
        exceptions: Vec::new(),
        window: None,
        alternative_group: None,
        span,
    }
}

/// The opening words of an inclusion criterion that names the diagnosis a patient must have.
const DIAGNOSIS_OPENINGS: [&str; 8] = [
    "diagnosis of",
    "diagnosed with",
    "confirmed diagnosis of",
    "clinical diagnosis of",
    "documented diagnosis of",
    "established diagnosis of",
    "a diagnosis of",
    "newly diagnosed",
];

/// An inclusion criterion that opens with "Diagnosis of …" (or "Patients with the diagnosis of …") and names a disease the vocabulary
/// knows, but that no rule of the parser reads ("Diagnosis of unilateral idiopathic sudden
/// sensorineural hearing loss (i.e. …"), still requires that disease: a condition rule on its
/// first named disease is added, so a patient with another kind of the disease fails it and a
/// patient with it meets it.
fn add_free_text_diagnoses(parsed: &mut criteria::ParsedCriteria, criteria_text: &str) {
    let vocab = Vocabulary::builtin();
    for c in &mut parsed.criteria {
        if c.section != criteria::SectionKind::Inclusion
            || c.rules.is_empty()
            || !c
                .rules
                .iter()
                .all(|r| matches!(r.body, criteria::RuleBody::FreeText))
        {
            continue;
        }
        let Some(text) = criteria_text.get(c.span.start..c.span.end) else {
            continue;
        };
        let folded = crate::vocabulary::fold_case(text);
        let head = folded.trim_start_matches(|ch: char| !ch.is_alphanumeric());
        // The phrase opens the criterion, or follows a few words naming the patients
        // ("Patients hospitalized with the diagnosis of …").
        const OPENING_WITHIN: usize = 45;
        if !DIAGNOSIS_OPENINGS
            .iter()
            .any(|o| head.find(o).is_some_and(|i| i <= OPENING_WITHIN))
        {
            continue;
        }
        let Some(m) = vocab
            .find_affirmed(text)
            .into_iter()
            .find(|m| vocab.concept(m.concept).kind == crate::vocabulary::ConceptKind::Condition)
        else {
            continue;
        };
        let (start, end) = (c.span.start + m.start, c.span.start + m.end);
        let polarity = c.rules[0].polarity;
        c.rules.push(added_rule(
            criteria::RuleBody::Condition {
                mention: text[m.start..m.end].to_string(),
                mesh: None,
                states: Vec::new(),
                stage: None,
                confirmation: None,
                history: false,
            },
            polarity,
            criteria::Span::new(start, end),
        ));
    }
}

/// The age a population noun opening an inclusion criterion implies, in years: (min, max, max
/// inclusive). General usage, kept lenient at the edges: "infants" are under two, "neonates"
/// and "newborns" under one, "children" under eighteen, "adults" eighteen or older.
const POPULATION_AGES: [(&str, Option<f64>, Option<f64>); 9] = [
    ("preterm infants", None, Some(2.0)),
    ("infants", None, Some(2.0)),
    ("neonates", None, Some(1.0)),
    ("newborns", None, Some(1.0)),
    ("newborn infants", None, Some(1.0)),
    ("babies", None, Some(2.0)),
    ("children", None, Some(18.0)),
    ("paediatric patients", None, Some(18.0)),
    ("adults", Some(18.0), None),
];

/// An inclusion criterion whose subject is a population named by age ("Infants with congenital
/// CMV infection", "Children with asthma", "Adults with type 2 diabetes") and that states no age
/// of its own limits the age: an age rule is added. "Children and adults" names no limit.
fn add_population_ages(parsed: &mut criteria::ParsedCriteria, criteria_text: &str) {
    for c in &mut parsed.criteria {
        if c.section != criteria::SectionKind::Inclusion
            || c.rules.is_empty()
            || c.rules
                .iter()
                .any(|r| matches!(r.body, criteria::RuleBody::Age { .. }))
        {
            continue;
        }
        let Some(text) = criteria_text.get(c.span.start..c.span.end) else {
            continue;
        };
        let folded = crate::vocabulary::fold_case(text);
        let lead = folded.len()
            - folded
                .trim_start_matches(|ch: char| !ch.is_alphanumeric())
                .len();
        let head = &folded[lead..];
        let Some(&(noun, min, max)) = POPULATION_AGES.iter().find(|(noun, _, _)| {
            head.strip_prefix(noun)
                .is_some_and(|rest| rest.starts_with([' ', ',', ':']) || rest.is_empty())
        }) else {
            continue;
        };
        // "Children and adults …", "Infants or children …": more than one population.
        let rest = &head[noun.len()..];
        if POPULATION_AGES.iter().any(|(other, _, _)| {
            *other != noun && rest[..crate::extract::floor_char_boundary(rest, 30)].contains(other)
        }) || rest.contains("adolescent")
            || rest.contains("young adult")
        {
            continue;
        }
        let start = c.span.start + lead;
        let polarity = c.rules[0].polarity;
        c.rules.push(added_rule(
            criteria::RuleBody::Age {
                min: min.map(|value| criteria::Bound {
                    value,
                    inclusive: true,
                }),
                max: max.map(|value| criteria::Bound {
                    value,
                    inclusive: false,
                }),
                unit: criteria::TimeUnit::Year,
            },
            polarity,
            criteria::Span::new(start, start + noun.len()),
        ));
    }
}
