//! Rule extraction: one criterion's own text → typed rules.
//!
//! The text is cut into clauses (at `;` and sentence ends, outside parentheses). Each clause
//! records a condition ("If …, …", "patients with X whose …", "… if liver infiltration") and
//! exceptions ("except …", "unless …"). The rule families then run over the text; each family
//! finds its trigger words and reads values around them. Rules found inside an exception are
//! dropped (the exception is recorded on the rules it qualifies instead); condition mentions that
//! overlap a more specific rule are dropped too.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::*;
use crate::numeric::{NumExpr, parse_number, scan};
use crate::vocab::ConditionVocabulary;

fn re(p: &str) -> Regex {
    crate::numeric::compile(p)
}

macro_rules! lazy_re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| re($pat));
    };
}

/// A clause of a criterion: absolute span plus its qualifiers.
#[derive(Debug, Clone)]
struct Clause {
    span: Span,
    condition: Option<String>,
    /// Where the condition text lies (rules inside it are not rules of their own).
    condition_span: Option<Span>,
    /// (region, text): the region covers the keyword and the excepted text.
    exceptions: Vec<(Span, String, bool)>,
}

lazy_re!(
    EXCEPT,
    r"(?i)\b(?:except(?:\s+for|\s+in\s+(?:the\s+)?cases?\s+(?:where|of|with)|\s+(?:those|patients|subjects)\s+with|\s+if)?|unless|other\s+than|with\s+the\s+exception\s+of|excluding|apart\s+from|save\s+for)\b"
);
lazy_re!(
    COND_PREFIX,
    r"(?i)^\W*(?:if|when|where|in\s+(?:the\s+)?cases?\s+(?:of|where)|in\s+(?:the\s+)?presence\s+of|in\s+(?:patients|subjects|participants|those|people)\s+with|for\s+(?:patients|subjects|participants|those)\s+with)\s+"
);
lazy_re!(
    COND_PATIENTS_WITH,
    r"(?i)^\W*(?:for\s+|in\s+)?(?:patients|subjects|participants|those|people)\s+with\s+"
);
lazy_re!(
    COND_SUFFIX,
    r"(?i)^\s*[,(]?\s*(?:if|in\s+(?:the\s+)?(?:case|presence)\s+of|in\s+(?:patients|subjects|participants|those|cases?)\s+(?:with|of)|for\s+(?:patients|subjects|participants|those)\s+with|when|where|due\s+to|in\s+the\s+setting\s+of)\s+(?P<c>[^;,)]+)"
);
lazy_re!(
    NEGATION,
    r"(?i)\b(?:no|not|without|absence\s+of|free\s+of|negative\s+for|never|none\s+of|neither|nor|lack\s+of|non)\b"
);

fn clauses(text: &str, span: Span) -> Vec<Clause> {
    let s = span.slice(text);
    let mut cuts = vec![0];
    let mut depth: i32 = 0;
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '（' => depth += 1,
            ')' | ']' | '）' => depth = (depth - 1).max(0),
            ';' | '；' if depth == 0 => cuts.push(i + c.len_utf8()),
            '.' | '。' if depth == 0 => {
                let next = s[i + c.len_utf8()..].chars().next();
                let prev_digit = i > 0 && bytes[i - 1].is_ascii_digit();
                let next_digit = next.is_some_and(|n| n.is_ascii_digit());
                if !(prev_digit && next_digit) && next.is_none_or(|n| n.is_whitespace()) {
                    // Skip "e.g." / "i.e." / "vs."
                    let w0 = s[..i]
                        .char_indices()
                        .rev()
                        .take(12)
                        .find(|&(_, c)| c.is_whitespace() || c == '(')
                        .map_or(i, |(p, c)| p + c.len_utf8());
                    let word = s[w0..i].to_ascii_lowercase();
                    if !matches!(
                        word.as_str(),
                        "e.g" | "i.e" | "vs" | "etc" | "approx" | "dr" | "no"
                    ) {
                        cuts.push(i + c.len_utf8());
                    }
                }
            }
            _ => {}
        }
    }
    cuts.push(s.len());
    cuts.dedup();
    let mut out = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if s[a..b].trim().is_empty() {
            continue;
        }
        let cs = span.start + a;
        let ce = span.start + b;
        let ctext = &text[cs..ce];
        let index = out.len();
        let (condition, condition_span) = match clause_condition(ctext, index > 0) {
            Some((c, a, b)) => (Some(c), Some(Span::new(cs + a, cs + b))),
            None => (None, None),
        };
        let exceptions = EXCEPT
            .find_iter(ctext)
            .map(|m| {
                let kw_start = m.start();
                let in_paren = paren_depth_at(ctext, kw_start) > 0;
                let end = if in_paren {
                    closing_paren(ctext, m.end()).unwrap_or(ctext.len())
                } else {
                    ctext.len()
                };
                let body = ctext[m.end()..end]
                    .trim()
                    .trim_end_matches([';', '.', ',', ')'])
                    .trim()
                    .to_string();
                (Span::new(cs + kw_start, cs + end), body, in_paren)
            })
            .filter(|(_, b, _)| !b.is_empty())
            .collect();
        out.push(Clause {
            span: Span::new(cs, ce),
            condition,
            condition_span,
            exceptions,
        });
    }
    out
}

fn paren_depth_at(s: &str, at: usize) -> i32 {
    let mut d = 0;
    for c in s[..at].chars() {
        match c {
            '(' | '（' => d += 1,
            ')' | '）' => d = (d - 1).max(0),
            _ => {}
        }
    }
    d
}

fn closing_paren(s: &str, from: usize) -> Option<usize> {
    let mut d = 0;
    for (i, c) in s[from..].char_indices() {
        match c {
            '(' | '（' => d += 1,
            ')' | '）' => {
                if d == 0 {
                    return Some(from + i);
                }
                d -= 1;
            }
            _ => {}
        }
    }
    None
}

/// Text up to the first comma / "then" / "whose" outside parentheses.
fn until_comma(s: &str) -> &str {
    let mut d = 0;
    let lower = s.to_ascii_lowercase();
    for (i, c) in s.char_indices() {
        match c {
            '(' => d += 1,
            ')' => d = (d - 1i32).max(0),
            ',' | ':' if d == 0 => return &s[..i],
            _ => {}
        }
        if d == 0
            && (lower[i..].starts_with(" whose ")
                || lower[i..].starts_with(" who ")
                || lower[i..].starts_with(" then "))
        {
            return &s[..i];
        }
    }
    s
}

/// The clause's condition text and its byte range within the clause.
fn clause_condition(ctext: &str, later_clause: bool) -> Option<(String, usize, usize)> {
    // "For patients with X who …" opening a criterion states the diagnosis, not a condition.
    let m = COND_PREFIX
        .find(ctext)
        .filter(|m| {
            later_clause
                || !COND_PATIENTS_WITH.is_match(&ctext[..m.end()])
                    && !m.as_str().to_ascii_lowercase().contains(" with ")
        })
        .or_else(|| {
            if later_clause {
                COND_PATIENTS_WITH.find(ctext)
            } else {
                None
            }
        })?;
    let rest = &ctext[m.end()..];
    let c = until_comma(rest);
    let c_trim = c.trim().trim_end_matches(['.', ';']).trim();
    if c_trim.is_empty() {
        return None;
    }
    Some((c_trim.to_string(), m.end(), m.end() + c.len()))
}

// ---------------------------------------------------------------- the extractor

pub(crate) struct Extractor<'v> {
    pub vocabulary: Option<&'v ConditionVocabulary>,
}

struct Found {
    body: RuleBody,
    span: Span,
    negatable: bool,
    condition: Option<String>,
    window: Option<TimeWindow>,
    group: Option<u32>,
    /// One of a list of alternatives whose group holds only for a requirement: for an exclusion
    /// or a negated rule ("no prior A or B") each item stands on its own.
    or_list: bool,
}

impl Found {
    fn new(body: RuleBody, span: Span) -> Self {
        Found {
            body,
            span,
            negatable: false,
            condition: None,
            window: None,
            group: None,
            or_list: false,
        }
    }
    fn negatable(mut self) -> Self {
        self.negatable = true;
        self
    }
}

// Words that name a kind of a disease rather than its state: "primary hyperlipidemia",
// "secondary hypertension", "familial hypercholesterolemia".
lazy_re!(
    DISEASE_KIND,
    r"(?i)\b(?:primary|secondary|familial|hereditary|inherited|congenital|acquired|idiopathic|essential|drug[- ]induced|gestational|juvenile|neonatal|iatrogenic|post-?\w+)\b"
);

impl Extractor<'_> {
    /// Rules for the criterion whose own text is `span` of `text`.
    pub(crate) fn extract(&self, text: &str, span: Span, polarity: Polarity) -> Vec<Rule> {
        if span.is_empty() {
            return Vec::new();
        }
        let cls = clauses(text, span);
        let s = span.slice(text);
        let exprs = scan(s, span.start);
        let mut found: Vec<Found> = Vec::new();
        let mut claimed: Vec<Span> = Vec::new();

        age(text, &cls, &exprs, polarity, &mut found);
        sex(text, span, &mut found);
        reproductive(text, &cls, &mut found);
        performance(text, &cls, &exprs, &mut found);
        life_expectancy(text, &cls, &exprs, &mut found);
        organ_function(text, &cls, &exprs, &mut found);
        scores(text, &cls, &exprs, &mut found);
        // Biomarker and lesion thresholds first, so the generic measurement fallback in `labs`
        // does not claim them again.
        biomarkers(text, &cls, &exprs, &mut found);
        measurable(text, span, &exprs, &mut found);
        labs(text, &cls, &exprs, &mut found);
        transplant(text, span, &mut found);
        infections(text, &cls, &mut found);
        autoimmune(text, span, &mut found);
        cns(text, span, &mut found);
        allergy(text, span, &mut found);
        prior_therapy(text, &cls, &exprs, &mut found);
        let allergies: Vec<Span> = found
            .iter()
            .filter(|f| matches!(f.body, RuleBody::Allergy { .. }))
            .map(|f| f.span)
            .collect();
        found.retain(|f| {
            !(matches!(f.body, RuleBody::PriorTherapy { .. })
                && allergies.iter().any(|a| a.overlaps(&f.span)))
        });
        administrative(text, span, &mut found);
        for f in &found {
            claimed.push(f.span);
        }
        self.conditions(text, &cls, &claimed, &mut found);

        let windows = windows(text, &cls, &found);

        // "Patients ≥ 18 years old, except for paediatric Hospital … ≥ 8 years old": an age inside
        // the exception to an age rule of the same clause is the excepted group's own limit, an
        // alternative to that rule (the two share an alternative group) rather than dropped.
        let mut excepted_ages: Vec<usize> = Vec::new();
        for i in 0..found.len() {
            if !matches!(found[i].body, RuleBody::Age { .. }) {
                continue;
            }
            let sp = found[i].span;
            let Some(clause) = cls
                .iter()
                .find(|c| c.span.start <= sp.start && sp.start < c.span.end)
            else {
                continue;
            };
            let Some(region) = clause
                .exceptions
                .iter()
                .map(|(r, _, _)| *r)
                .find(|r| r.contains(&sp) || r.start <= sp.start && sp.start < r.end)
            else {
                continue;
            };
            let Some(j) = (0..found.len()).rev().find(|&j| {
                matches!(found[j].body, RuleBody::Age { .. })
                    && found[j].span.start >= clause.span.start
                    && found[j].span.end <= region.start
            }) else {
                continue;
            };
            let g = found[j]
                .group
                .unwrap_or_else(|| found.iter().filter_map(|f| f.group).max().unwrap_or(0) + 1);
            found[j].group = Some(g);
            found[i].group = Some(g);
            excepted_ages.push(i);
        }

        // Drop rules inside exception text; attach exceptions, conditions, windows, negation.
        let mut rules = Vec::new();
        for (fi, f) in found.into_iter().enumerate() {
            let Some(clause) = cls
                .iter()
                .find(|c| c.span.start <= f.span.start && f.span.start < c.span.end)
                .or(cls.last())
            else {
                continue;
            };
            if !excepted_ages.contains(&fi)
                && clause.exceptions.iter().any(|(r, _, _)| {
                    r.contains(&f.span) || r.start <= f.span.start && f.span.start < r.end
                })
            {
                continue;
            }
            if matches!(f.body, RuleBody::Condition { .. })
                && clause.condition_span.is_some_and(|c| c.overlaps(&f.span))
            {
                continue;
            }
            let mut exceptions = Vec::new();
            for (region, body, in_paren) in &clause.exceptions {
                if region.start < f.span.start {
                    continue;
                }
                if *in_paren && region.start > f.span.end + 3 {
                    continue;
                }
                exceptions.push(body.clone());
            }
            let negated = f.negatable && is_negated(text, clause.span, f.span);
            let window = f.window.clone().or_else(|| {
                if matches!(
                    f.body,
                    RuleBody::Age { .. } | RuleBody::LifeExpectancy { .. }
                ) {
                    return None;
                }
                let in_clause: Vec<&TimeWindow> = windows
                    .iter()
                    .filter(|w| clause.span.contains(&w.span))
                    .collect();
                in_clause
                    .iter()
                    .find(|w| w.span.start >= f.span.start)
                    .or(in_clause.last())
                    .map(|w| (*w).clone())
            });
            rules.push(Rule {
                body: f.body,
                polarity,
                negated,
                condition: f.condition.or_else(|| clause.condition.clone()),
                exceptions,
                window,
                // "Excluded: prior A or B" excludes on either, as does "no prior A or B" under
                // inclusion: the items are separate rules, not alternatives.
                alternative_group: if f.or_list && (polarity == Polarity::Exclusion || negated) {
                    None
                } else {
                    f.group
                },
                span: f.span,
            });
        }
        // A window in a clause with no rule is kept on a free-text rule for that clause.
        for w in &windows {
            let Some(clause) = cls.iter().find(|c| c.span.contains(&w.span)) else {
                continue;
            };
            if rules.iter().any(|r| r.window.as_ref() == Some(w)) {
                continue;
            }
            let (a, b) = trim_span_in(text, clause.span);
            rules.push(Rule {
                body: RuleBody::FreeText,
                polarity,
                negated: false,
                condition: clause.condition.clone(),
                exceptions: Vec::new(),
                window: Some(w.clone()),
                alternative_group: None,
                span: Span::new(a, b),
            });
        }
        rules.sort_by_key(|r| (r.span.start, r.span.end));
        // Any leftover window with no rule in its clause is kept on a free-text rule.
        if rules.is_empty() {
            rules.push(Rule {
                body: RuleBody::FreeText,
                polarity,
                negated: false,
                condition: None,
                exceptions: Vec::new(),
                window: windows.first().cloned(),
                alternative_group: None,
                span,
            });
        }
        rules
    }

    fn conditions(&self, text: &str, cls: &[Clause], claimed: &[Span], found: &mut Vec<Found>) {
        for clause in cls {
            let s = clause.span.slice(text);
            let mut mentions: Vec<(Span, Option<MeshRef>)> = Vec::new();
            if let Some(v) = self.vocabulary {
                for (a, b, mesh) in v.find(s) {
                    mentions.push((
                        Span::new(clause.span.start + a, clause.span.start + b),
                        Some(mesh.clone()),
                    ));
                }
            }
            let heads = DISEASE_HEAD_WORD
                .find_iter(s)
                .chain(DISEASE_HEAD_ABBR.find_iter(s));
            for m in heads {
                if matches!(
                    m.as_str().to_ascii_lowercase().as_str(),
                    "diagnosis"
                        | "diagnoses"
                        | "prognosis"
                        | "prognoses"
                        | "diploma"
                        | "aroma"
                        | "hypothesis"
                ) {
                    continue;
                }
                let head = Span::new(clause.span.start + m.start(), clause.span.start + m.end());
                let start = expand_left(text, clause.span.start, head.start);
                let span = Span::new(start, head.end);
                if mentions.iter().any(|(sp, _)| sp.overlaps(&span)) {
                    // Widen a vocabulary hit to the full noun phrase. The phrase may be a term
                    // of its own ("type 2 diabetes mellitus" after "diabetes mellitus"); a kind
                    // of the disease the vocabulary does not know ("primary hyperlipidemia") is
                    // not the disease in general, so it gets no descriptor.
                    for (sp, mesh) in mentions.iter_mut() {
                        if sp.overlaps(&span) {
                            let wide = Span::new(sp.start.min(span.start), sp.end.max(span.end));
                            if wide != *sp {
                                let added = format!(
                                    "{} {}",
                                    &text[wide.start..sp.start],
                                    &text[sp.end..wide.end]
                                );
                                *mesh = match self
                                    .vocabulary
                                    .and_then(|v| v.lookup(wide.slice(text)))
                                {
                                    Some(m) => Some(m),
                                    None if DISEASE_KIND.is_match(&added) => None,
                                    None => mesh.take(),
                                };
                            }
                            *sp = wide;
                        }
                    }
                    continue;
                }
                let mesh = self.vocabulary.and_then(|v| v.lookup(span.slice(text)));
                mentions.push((span, mesh));
            }
            mentions.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
            let mut last_end = 0;
            for (span, mesh) in mentions {
                if span.start < last_end {
                    continue;
                }
                // An abbreviation in parentheses right after a mention repeats it: "(GVHD)".
                if last_end > 0 && text[last_end..span.start].trim() == "(" {
                    last_end = span.end;
                    continue;
                }
                last_end = span.end;
                // Modifiers claimed by another rule ("CD7+" in "CD7+ T-cell lymphoma") are cut off.
                let mut span = span;
                for c in claimed {
                    if c.overlaps(&span) && c.start <= span.start && c.end < span.end {
                        span.start = c.end;
                    }
                }
                let (a, b) = trim_span_in(text, span);
                let span = Span::new(a, b.max(a));
                if span.is_empty() || claimed.iter().any(|c| c.overlaps(&span)) {
                    continue;
                }
                let mention = span.slice(text).trim().to_string();
                if GENERIC_HEADS.contains(&mention.to_ascii_lowercase().as_str()) {
                    continue;
                }
                let lower = s.to_ascii_lowercase();
                let states = disease_states(&lower);
                let stage = STAGE.captures(s).map(|c| c["st"].to_string());
                let confirmation = CONFIRM.captures(s).map(|c| {
                    let w = c[1].to_ascii_lowercase();
                    if w.starts_with("hist") {
                        "histological".to_string()
                    } else if w.starts_with("cyto") {
                        "cytological".to_string()
                    } else if w.starts_with("path") {
                        "pathological".to_string()
                    } else {
                        "radiological".to_string()
                    }
                });
                let history = lower.contains("history of")
                    || lower.contains("previous")
                    || lower.contains("prior ");
                found.push(
                    Found::new(
                        RuleBody::Condition {
                            mention,
                            mesh,
                            states,
                            stage,
                            confirmation,
                            history,
                        },
                        span,
                    )
                    .negatable(),
                );
            }
        }
    }
}

fn trim_span_in(text: &str, span: Span) -> (usize, usize) {
    let s = span.slice(text);
    let lead = s.len() - s.trim_start().len();
    (span.start + lead, span.start + s.trim_end().len().max(lead))
}

/// "No ocular condition that might affect visual acuity (e.g., vein occlusion, uveitis,
/// neovascular glaucoma)": examples in brackets share the negation of what they exemplify,
/// however far back it stands.
fn in_negated_examples(text: &str, clause: Span, rule: Span) -> bool {
    let start = clause.start.min(rule.start);
    let Some(before) = text.get(start..rule.start) else {
        return false;
    };
    let Some(open) = before.rfind('(') else {
        return false;
    };
    if before[open..].contains(')') {
        return false;
    }
    let opening = before[open + 1..].trim_start().to_ascii_lowercase();
    let introduces_examples = [
        "e.g",
        "eg,",
        "eg ",
        "eg.",
        "such as",
        "including",
        "for example",
        "i.e",
    ]
    .iter()
    .any(|w| opening.starts_with(w));
    if !introduces_examples {
        return false;
    }
    let head = before[..open].trim_start().to_ascii_lowercase();
    let head = head.trim_start_matches(|c: char| !c.is_alphanumeric());
    [
        "no ",
        "not ",
        "without ",
        "absence of ",
        "free of ",
        "none of ",
    ]
    .iter()
    .any(|n| head.starts_with(n))
        || is_negated(text, clause, Span::new(start + open, start + open))
}

fn is_negated(text: &str, clause: Span, rule: Span) -> bool {
    if in_negated_examples(text, clause, rule) {
        return true;
    }
    let from = clause.start.max(rule.start.saturating_sub(60));
    let mut from = from;
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = &text[from..rule.start.max(from)];
    // Only the words after the last separator count.
    let tail = before.rsplit([',', ';', ':']).next().unwrap_or(before);
    let words: Vec<&str> = tail.split_whitespace().collect();
    let mut window = words[words.len().saturating_sub(6)..].join(" ");
    // A negation reaches over an "or" list: "may not have had prior chemotherapy or prior
    // radiation therapy" denies both.
    if !NEGATION.is_match(&window)
        && words[words.len().saturating_sub(6)..]
            .iter()
            .any(|w| matches!(w.to_ascii_lowercase().as_str(), "or" | "nor" | "and/or"))
    {
        window = words[words.len().saturating_sub(12)..].join(" ");
    }
    NEGATION.is_match(&window) && !window.to_ascii_lowercase().contains("not limited")
        || text[rule.start..rule.end]
            .to_ascii_lowercase()
            .starts_with("no ")
        || text[rule.end..]
            .chars()
            .take(12)
            .collect::<String>()
            .to_ascii_lowercase()
            .trim_start()
            .starts_with("negative")
}

// ---------------------------------------------------------------- age

lazy_re!(
    AGE_BEFORE,
    r"(?i)\b(?:age[ds]?|aging|aged\s+between)\b[\s:=,()\-]*(?:(?:range|ranging|limit|limits|group|of|is|are|be|must|should|between|from|at|was|will|the|patient'?s?|subject'?s?|participant'?s?|time|screening|enrollment|enrolment|consent|signing|informed|visit|years?|in|inclusive|equal|to|or|and|\w+'s)\b[\s:=,()\-]*){0,8}$"
);
lazy_re!(
    FAMILY_BEFORE,
    r"(?i)\b(?:family(?:\s+members?)?|relatives?|siblings?|parents?|mother|father|brothers?|sisters?|offspring|sons?|daughters?|grand(?:mother|father|parents?))\b[^.;,]{0,15}$"
);
lazy_re!(
    AGE_ALONE_AFTER,
    r"(?i)^[\s.,;:)]*(?:(?:years?\s+)?(?:old|of\s+age)\b|ages?\b|years?\b)?[\s.,;:)]*(?:\(?\s*inclusive\s*\)?)?[\s.,;:)]*(?:(?:both\s+)?(?:males?|females?|men|women)(?:\s*(?:and|or|&|/|and/or)\s*(?:males?|females?|men|women))?[\s.,;:)]*)?$"
);
// Bracketed asides may stand between the two ("18-35 years (both inclusive) (young group) or at
// least 65 years").
lazy_re!(
    AGE_CONTINUES,
    r"(?i)^[\s,;]*(?:\([^()]{0,40}\)[\s,;]*)*(?:and|but|or|to|-)?[\s,]*$"
);
// "Women at least one year post-menopausal", "2 years since diagnosis": the time since an event,
// not the patient's age.
lazy_re!(
    TIME_SINCE_EVENT,
    r"(?i)^\s*(?:post-?menopaus|post-?partum|since\b|after\s+(?:the\s+)?(?:last|onset|diagnosis|menopause|delivery|surgery)\b)"
);
// "< 35 years old must be negative for anti-GAD antibodies": the age says who needs a test
// result, it is no age limit.
lazy_re!(
    AGE_CONDITIONS_TEST,
    r"(?i)^\s*(?:years?|yrs?)?\s*(?:old|of\s+age)?\s*,?\s*(?:must|should|shall|will|need\s+to)\s+(?:also\s+)?(?:be\s+|have\s+(?:had\s+)?(?:a\s+|an\s+)?|undergo\s+(?:a\s+|an\s+)?)?(?:negative|positive|tested|screened)\b"
);
lazy_re!(
    FOR_SUBJECTS,
    r"(?i)\b(?:for|in|if|when)\s+(?:(?:the\s+|all\s+|any\s+)?(?:subjects?|patients?|participants?|children|child|those|individuals?|people|persons?|women|men|males?|females?|volunteers?|adults?|adolescents?|infants?|girls|boys)\s*\(?\s*(?:aged?s?|who\s+(?:are|is)|that\s+are|is|are)?|age[ds]?\s*:?)\s*$|\b(?:granted|given|allowed)\s+to\s+those(?:\s+(?:subjects?|patients?|participants?|individuals?|people))?\s*$"
);
// "diabetes onset at < 35 years of age", "diagnosis made at age of 36 or above": the age at an
// earlier event, not the patient's age now.
lazy_re!(
    ONSET_BEFORE,
    r"(?i)\b(?:(?P<on>onset)|diagnos(?:is|ed)|first\s+made|first\s+episode)\b(?P<gap>[^;,()]{0,60})$"
);
// What may lie between "onset"/"diagnosis" and the age: "at", "before the age of", "between".
lazy_re!(
    ONSET_GAP,
    r"(?i)^(?:\s+[\w-]+){0,8}?\s+(?:at|before|after|between|prior\s+to|by|under|over)(?:\s+the)?(?:\s+ages?(?:\s+of)?)?\s*$|^\s*(?:ages?(?:\s+of)?)?\s*$"
);
lazy_re!(
    ONSET_GAP_PERSON,
    r"(?i)\b(?:patients?|subjects?|participants?|adults?|children|men|women|males?|females?|aged|who|volunteers?|individuals?)\b"
);
// "18 years < age < 50 years", "18 ≤ age ≤ 65": the age between two bounds.
lazy_re!(
    AGE_BETWEEN_CMP,
    r"(?i)(?P<a>\d{1,3}(?:\.\d+)?)\s*(?:years?|yrs?)?\s*(?P<c1>\\?<\s?=?|≤|\\?</=|＜)\s*(?:the\s+)?age\s*(?P<c2>\\?<\s?=?|≤|\\?</=|＜)\s*(?P<b>\d{1,3}(?:\.\d+)?)(?:\s*(?:years?|yrs?)\b)?"
);
// "aged 18 55 years", "Be 18 55 years of age": a range whose dash was lost in transcoding (as
// the "≥" of "Age =18" was). Two bare numbers, ascending, between the age word and "years" can
// only be a range.
lazy_re!(
    AGE_RANGE_LOST_DASH,
    r"(?i)(?:\b(?:aged?|ages)\b(?:\s+(?:of|between|from|range|ranging))?\s*:?\s*(?P<a>\d{1,2})\s+(?P<b>\d{2,3})\s*(?:years?|yrs?)\b|(?:^|\b(?:be|are|is|patients?|subjects?|participants?|men|women|males?|females?|adults?|volunteers?|children|girls|boys)\s+)(?P<c>\d{1,2})\s+(?P<d>\d{2,3})\s+(?:years?|yrs?)\s+(?:of\s+age|old)\b)"
);
lazy_re!(
    OTHER_AGE,
    r"(?i)\b(?:gestational|bone|skeletal|menstrual|post-?conceptional|post-?menstrual|corrected|developmental|reading|mental|chronological\s+bone|donor'?s?|paternal|father'?s?|sibling'?s?|tumou?r|lesion|vessel|graft|sample)\s+age[ds]?\b"
);
lazy_re!(
    NOT_PATIENT_AGE,
    r"(?i)^\s*(?:years?\s+)?(?:old\s+|of\s+age\s+)?(?:in\s+|among\s+|for\s+)(?:a\s+|any\s+|one\s+or\s+more\s+)?(?:(?:first|second)[- ]degree\s+)?(?:relatives?|family|siblings?|parents?|mother|father|brothers?|sisters?)|^\s*(?:years?\s+)?(?:old\s+|of\s+age\s+)?at\s+(?:the\s+)?(?:time\s+of\s+)?(?:[\w-]+\s+){0,2}(?:onset|diagnosis)"
);
// "tumor sample no older than 3 years", "ulcers older than 1 year": the age of a thing.
lazy_re!(
    THING_BEFORE,
    r"(?i)\b(?:samples?|specimens?|biops(?:y|ies)|tissues?|blocks?|ulcers?|wounds?|lesions?|scans?|images?|imaging|tests?|results?|data|documents?|MRI|CT|x-?rays?|fractures?|injur(?:y|ies)|symptoms?|scars?|tattoos?|implants?|stents?|grafts?|devices?|access|fistulas?|infarcts?|diagnosis|assessments?|evaluations?|echocardiograms?|ECGs?|EKGs?|labs?|values?|measurements?)\b[\s,]*(?:(?:that|which)\s+)?(?:is|are|was|were|must\s+be|should\s+be)?\s*(?:not\s+)?$"
);
lazy_re!(
    WORDED_AGE_BOUND,
    r"(?i)^(?:under|over|above|below|older\s+than|younger\s+than)\s"
);
lazy_re!(
    PERSON_BEFORE,
    r"(?i)\b(?:patients?|subjects?|participants?|adults?|men|women|males?|females?|individuals?|children|adolescents?|volunteers?|persons?|people|boys|girls|infants?|pediatric|paediatric)\s*(?:aged?|,|\(|who\s+are|that\s+are|are|is|must\s+be|between|from|of)?\s*$"
);

fn tail(text: &str, start: usize, end: usize, max: usize) -> &str {
    let mut s = start.max(end.saturating_sub(max));
    while !text.is_char_boundary(s) {
        s += 1;
    }
    &text[s..end.max(s)]
}

fn age(text: &str, cls: &[Clause], exprs: &[NumExpr], polarity: Polarity, found: &mut Vec<Found>) {
    let mut last_age_end: Option<usize> = None;
    // "18 years < age < 50 years": both bounds around the word "age".
    let mut between_cmp: Vec<Span> = Vec::new();
    for clause in cls {
        for c in AGE_BETWEEN_CMP.captures_iter(clause.span.slice(text)) {
            let (Some(a), Some(b)) = (parse_number(&c["a"]), parse_number(&c["b"])) else {
                continue;
            };
            if a > b || b > 130.0 {
                continue;
            }
            let m = c.get(0).unwrap();
            let sp = Span::new(clause.span.start + m.start(), clause.span.start + m.end());
            let inclusive = |x: &str| x.contains(['=', '≤']);
            found.push(Found::new(
                RuleBody::Age {
                    min: Some(Bound {
                        value: a,
                        inclusive: inclusive(&c["c1"]),
                    }),
                    max: Some(Bound {
                        value: b,
                        inclusive: inclusive(&c["c2"]),
                    }),
                    unit: TimeUnit::Year,
                },
                sp,
            ));
            between_cmp.push(sp);
            last_age_end = Some(sp.end);
        }
        // Cheap test first: the reading needs two numbers separated by whitespace only.
        let slice = clause.span.slice(text).as_bytes();
        let two_bare_numbers = slice.windows(3).any(|w| {
            w[0].is_ascii_digit() && w[1].is_ascii_whitespace() && {
                w[2].is_ascii_digit() || w[2].is_ascii_whitespace()
            }
        });
        if !two_bare_numbers {
            continue;
        }
        for c in AGE_RANGE_LOST_DASH.captures_iter(clause.span.slice(text)) {
            let (a, b) = match (c.name("a"), c.name("b")) {
                (Some(a), Some(b)) => (a, b),
                _ => (c.name("c").unwrap(), c.name("d").unwrap()),
            };
            let (Some(lo), Some(hi)) = (parse_number(a.as_str()), parse_number(b.as_str())) else {
                continue;
            };
            if lo >= hi || hi > 120.0 {
                continue;
            }
            let sp = Span::new(
                clause.span.start + a.start(),
                clause.span.start + c.get(0).unwrap().end(),
            );
            if OTHER_AGE.is_match(c.get(0).unwrap().as_str())
                || NOT_PATIENT_AGE.is_match(&text[sp.end..clause.span.end])
            {
                continue;
            }
            found.push(Found::new(
                RuleBody::Age {
                    min: Some(Bound {
                        value: lo,
                        inclusive: true,
                    }),
                    max: Some(Bound {
                        value: hi,
                        inclusive: true,
                    }),
                    unit: TimeUnit::Year,
                },
                sp,
            ));
            between_cmp.push(sp);
            last_age_end = Some(sp.end);
        }
    }
    let mut last_age_value: Option<f64> = None;
    for (i, e) in exprs.iter().enumerate() {
        if between_cmp.iter().any(|b| b.overlaps(&e.span)) {
            continue;
        }
        // The next expression, when it continues this one ("≥ 18 and < 70 years").
        let next = exprs.get(i + 1).filter(|n| {
            e.span.end <= n.span.start
                && !text[e.span.end..n.span.start].contains(['\n', ';'])
                && AGE_CONTINUES.is_match(&text[e.span.end..n.span.start])
        });
        let unit = match e.unit.as_deref() {
            None => None,
            Some(_) => match e.time_unit() {
                Some(u) if u != TimeUnit::Hour => Some(u),
                _ => continue,
            },
        };
        if e.relative_to.is_some() {
            continue;
        }
        let Some(clause) = cls
            .iter()
            .find(|c| c.span.start <= e.span.start && e.span.start < c.span.end)
        else {
            continue;
        };
        let before = tail(text, clause.span.start, e.span.start, 120);
        let by_keyword = AGE_BEFORE.is_match(before) && !OTHER_AGE.is_match(before);
        // "28 days or older and less than 18 years": the second bound continues the first.
        let by_continuation = last_age_end.is_some_and(|end| {
            end <= e.span.start
                && end >= clause.span.start
                && AGE_CONTINUES.is_match(&text[end..e.span.start])
        });
        // "… for subjects ≥ 2 years of age": a condition on another rule, not an age limit. An
        // inclusion that names nothing else to measure ("surgery in children aged 3-9 years")
        // says who the patients are: all it requires holds together, the age with the rest.
        if let Some(m) = FOR_SUBJECTS.find(before) {
            let rest_end = next.map_or(e.span.end, |n| n.span.end);
            let criterion_start = cls.first().map_or(clause.span.start, |c| c.span.start);
            let criterion_end = cls.last().map_or(clause.span.end, |c| c.span.end);
            let no_digit = |a: usize, b: usize| !text[a..b].contains(|c: char| c.is_ascii_digit());
            let population = polarity == Polarity::Inclusion
                && m.as_str().trim_start()[..2].eq_ignore_ascii_case("in")
                && e.span.start - criterion_start <= 80
                && no_digit(criterion_start, e.span.start)
                && no_digit(rest_end, criterion_end);
            if !population {
                continue;
            }
        }
        if LIFE.is_match(before) {
            continue;
        }
        // "onset at < 35 years of age": the age at an earlier event.
        if ONSET_BEFORE.captures(before).is_some_and(|c| {
            let gap = &c["gap"];
            !ONSET_GAP_PERSON.is_match(gap)
                && (ONSET_GAP.is_match(gap)
                    || c.name("on").is_some() && gap.trim_start().starts_with("of "))
        }) {
            continue;
        }
        // "sudden death of immediate family members under the age of 40": a relative's age.
        if FAMILY_BEFORE.is_match(before) {
            continue;
        }
        // "sudden death under 40 years of age in relatives", "age 14-50 at onset": not the patient's age now.
        if NOT_PATIENT_AGE.is_match(&text[e.span.end..clause.span.end])
            || AGE_CONDITIONS_TEST.is_match(&text[e.span.end..clause.span.end])
            || TIME_SINCE_EVENT.is_match(&text[e.span.end..clause.span.end])
        {
            continue;
        }
        // A bare number whose unit follows on the next bound: "patients ≥ 18 and < 70 years".
        let unit_ahead = unit.is_none()
            && next.is_some_and(|n| n.unit.as_deref() == Some("year") && n.relative_to.is_none());
        // "Patients under 18": a person word right before a worded bound with no unit.
        let worded_bound = unit.is_none()
            && e.upper.is_none()
            && (1.0..=120.0).contains(&e.value)
            && WORDED_AGE_BOUND.is_match(e.span.slice(text))
            && !text[e.span.end..clause.span.end]
                .trim_start()
                .starts_with(|c: char| c.is_alphanumeric() && !c.is_uppercase());
        let by_person = (unit == Some(TimeUnit::Year) || unit_ahead || worded_bound)
            && PERSON_BEFORE.is_match(before);
        // The expression itself names the age: "up to the age of 35".
        let expr_text = e.span.slice(text).to_ascii_lowercase();
        let by_keyword = by_keyword
            || (expr_text.starts_with("age") || expr_text.contains(" age"))
                && !OTHER_AGE.is_match(&expr_text);
        // A criterion that is only the age: "Over 18 years", "18 to 65 years old".
        let by_alone = unit == Some(TimeUnit::Year)
            && before.trim().is_empty()
            && (AGE_ALONE_AFTER.is_match(&text[e.span.end..clause.span.end])
                || next.is_some_and(|n| {
                    n.unit.as_deref() == Some("year")
                        && AGE_ALONE_AFTER.is_match(&text[n.span.end..clause.span.end])
                }));
        let by_suffix = e.age_suffix && unit.is_some()
            || e.age_word
                && unit.is_none_or(|u| u == TimeUnit::Year)
                && !THING_BEFORE.is_match(before);
        if !(by_keyword || by_person || by_suffix || by_continuation || by_alone) {
            continue;
        }
        // Two bounds written with a bare "=" (a "≥" / "≤" lost in transcoding, "aged =18 to =65
        // years"): the lower one is the minimum and the higher one the maximum, the only reading
        // under which both can hold.
        let mut comparator = e.comparator.unwrap_or(Comparator::Eq);
        if comparator == Comparator::Eq && e.upper.is_none() {
            if next.is_some_and(|n| {
                n.value > e.value
                    && matches!(
                        n.comparator,
                        Some(Comparator::Eq | Comparator::Le | Comparator::Lt)
                    )
            }) {
                comparator = Comparator::Ge;
            } else if by_continuation && last_age_value.is_some_and(|v| v < e.value) {
                comparator = Comparator::Le;
            }
        }
        // Plausible ages only.
        let unit = unit.unwrap_or(TimeUnit::Year);
        if unit == TimeUnit::Year && (e.value > 130.0 || e.upper.is_some_and(|u| u > 130.0)) {
            continue;
        }
        let (min, max) = match comparator {
            Comparator::Ge => (
                Some(Bound {
                    value: e.value,
                    inclusive: true,
                }),
                None,
            ),
            Comparator::Gt => (
                Some(Bound {
                    value: e.value,
                    inclusive: false,
                }),
                None,
            ),
            Comparator::Le => (
                None,
                Some(Bound {
                    value: e.value,
                    inclusive: true,
                }),
            ),
            Comparator::Lt => (
                None,
                Some(Bound {
                    value: e.value,
                    inclusive: false,
                }),
            ),
            Comparator::Between => (
                Some(Bound {
                    value: e.value,
                    inclusive: true,
                }),
                Some(Bound {
                    value: e.upper.unwrap_or(e.value),
                    inclusive: !e.upper_exclusive,
                }),
            ),
            Comparator::Eq => continue,
        };
        // Evidence: from the "age" keyword (if close) to the end of the expression.
        let kw = before
            .to_ascii_lowercase()
            .rfind("age")
            .map(|p| e.span.start - before.len() + p);
        let start = if by_keyword {
            kw.unwrap_or(e.span.start)
        } else {
            e.span.start
        };
        found.push(Found::new(
            RuleBody::Age { min, max, unit },
            Span::new(start.min(e.span.start), e.span.end),
        ));
        last_age_end = Some(e.span.end);
        last_age_value = Some(e.upper.unwrap_or(e.value));
    }
}

// ---------------------------------------------------------------- sex

lazy_re!(
    SEX_ALL,
    r"(?i)\b(?:both\s+)?(?:men|males?|boys)\s*(?:and|or|&|/|and/or)\s*(?:(?:non-?pregnant|non-?lactating|post-?menopausal)\s+)?(?:women|females?|girls)\b|\b(?:women|females?)\s*(?:and|or|&|/|and/or)\s*(?:men|males?)\b|\b(?:both|all|either)\s+(?:sexes|genders)\b"
);
lazy_re!(
    SEX_ONE,
    r"(?i)^\W*(?:(?:sex|gender)\s*:\s*)?(?:only\s+)?(?:(?:post|pre|peri)-?menopausal\s+|adult\s+|healthy\s+|ambulatory\s+)?(?P<s>women|woman|females?|men|man|males?|girls|boys)\b(?P<rest>.{0,40})"
);
lazy_re!(
    SEX_NOT_RESTRICTION,
    r"(?i)child[- ]?bearing|reproductive|contracep|pregnan|partner|sexually|fertile|potential|lactat|breast[- ]?feed"
);

lazy_re!(
    SEX_RELATIVE,
    r"(?i)^\s*(?:(?:patients?|subjects?|participants?|individuals?|volunteers?|persons?)\b\s*)?,?\s*(?:whose|who|with|that|having|in\s+whom|which|for\s+whom)\b"
);

fn sex(text: &str, span: Span, found: &mut Vec<Found>) {
    let s = span.slice(text);
    if let Some(m) = SEX_ALL.find(s).filter(|_| !SEX_NOT_RESTRICTION.is_match(s)) {
        found.push(Found::new(
            RuleBody::Sex { sex: Sex::All },
            Span::new(span.start + m.start(), span.start + m.end()),
        ));
        return;
    }
    if SEX_NOT_RESTRICTION.is_match(s) {
        return;
    }
    if let Some(c) = SEX_ONE.captures(s) {
        // "Women whose DCIS …", "Men with prostate cancer": a subgroup defined by what follows,
        // not a criterion on sex.
        if SEX_RELATIVE.is_match(&c["rest"]) {
            return;
        }
        let w = c["s"].to_ascii_lowercase();
        let sex = if w.starts_with("wom") || w.starts_with("fem") || w.starts_with("girl") {
            Sex::Female
        } else {
            Sex::Male
        };
        let m = c.name("s").unwrap();
        found.push(Found::new(
            RuleBody::Sex { sex },
            Span::new(span.start + m.start(), span.start + m.end()),
        ));
    }
}

// ---------------------------------------------------------------- reproductive

lazy_re!(
    REPRO,
    r"(?i)\b(?P<test>(?:serum|urine|blood|urinary|β-?hcg|beta-?hcg|b-?hcg)?\s*(?:/\s*(?:serum|urine|blood))?\s*pregnancy\s+tests?|β-?hCG|beta-?hCG)|\b(?P<plan>plan(?:s|ning)?\s+(?:to\s+)?(?:become\s+pregnant|a\s+pregnancy|pregnancy|to\s+conceive|to\s+father)|(?:egg|sperm|ova|oocyte)\s+donation)|\b(?P<preg>pregnan(?:t|cy|cies))\b|\b(?P<lact>breast[- ]?feeding|breastfeed(?:ing)?|lactating|lactation|nursing\s+(?:mothers?|women)|nursing)\b|\b(?P<contra>contracepti\w+|birth\s+control|(?:sexual\s+)?abstinen\w+|barrier\s+methods?|intrauterine\s+device|IUD|condoms?)\b|\b(?P<cbp>child[- ]?bearing\s+(?:potential|age)|reproductive\s+(?:potential|capacity|age)|(?:WOCBP|FOCBP))\b"
);

// "intercourse with pregnant woman", "partner who is pregnant", "pregnant or lactating female
// partners": the pregnancy (or lactation) of someone other than the patient.
lazy_re!(
    OTHER_PERSON_BEFORE,
    r"(?i)(?:\b(?:intercourse|sex|relations|contact)\s+with\s+(?:an?\s+|any\s+|their\s+|his\s+|her\s+)?|\b(?:partners?|spouses?|wife|wives|girlfriends?)(?:\s+(?:who\s+(?:is|are|was|were|becomes?|might\s+be|may\s+be)|(?:is|are|was|were)))?(?:\s+(?:currently|possibly|potentially|already))?\s+)$"
);
lazy_re!(
    OTHER_PERSON_AFTER,
    r"(?i)^(?:\s*(?:,|or|and|/|and/or)\s*(?:pregnant|breast[- ]?feeding|lactating|nursing))*\s+(?:female\s+)?(?:partners?|spouses?|wife|wives|girlfriends?)\b"
);

lazy_re!(
    AVOID_BEFORE,
    r"(?i)\b(?:avoid(?:ing)?|prevent(?:ing|ion\s+of)?)\s+(?:an?\s+)?(?:(?:becoming|getting)\s+)?$"
);

fn reproductive(text: &str, cls: &[Clause], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        let mut local: Vec<Found> = Vec::new();
        let mut cbp: Option<Span> = None;
        for c in REPRO.captures_iter(s) {
            let m = c.get(0).unwrap();
            // Someone else's pregnancy or lactation says nothing about the patient's.
            if (c.name("preg").is_some() || c.name("lact").is_some())
                && (OTHER_PERSON_BEFORE.is_match(tail(s, 0, m.start(), 60))
                    || OTHER_PERSON_AFTER.is_match(&s[m.end()..]))
            {
                continue;
            }
            let sp = Span::new(
                clause.span.start + m.start() + (m.as_str().len() - m.as_str().trim_start().len()),
                clause.span.start + m.end(),
            );
            // "contraceptive methods in order to avoid pregnancy": what contraception is for.
            let avoided =
                c.name("preg").is_some() && AVOID_BEFORE.is_match(tail(s, 0, m.start(), 40));
            let topic = if avoided {
                ReproductiveTopic::Contraception
            } else if c.name("test").is_some() {
                ReproductiveTopic::NegativePregnancyTest
            } else if c.name("plan").is_some() {
                ReproductiveTopic::PlanningPregnancy
            } else if c.name("preg").is_some() {
                ReproductiveTopic::Pregnant
            } else if c.name("lact").is_some() {
                ReproductiveTopic::Lactating
            } else if c.name("contra").is_some() {
                ReproductiveTopic::Contraception
            } else {
                cbp = Some(sp);
                continue;
            };
            if local
                .iter()
                .any(|f| matches!(f.body, RuleBody::Reproductive { topic: t } if t == topic))
            {
                continue;
            }
            local.push(Found::new(RuleBody::Reproductive { topic }, sp).negatable());
        }
        if let Some(sp) = cbp {
            if local.is_empty() {
                local.push(
                    Found::new(
                        RuleBody::Reproductive {
                            topic: ReproductiveTopic::ChildbearingPotential,
                        },
                        sp,
                    )
                    .negatable(),
                );
            } else {
                for f in &mut local {
                    f.condition = Some("of childbearing potential".to_string());
                }
            }
        }
        found.extend(local);
    }
}

// ---------------------------------------------------------------- performance status

lazy_re!(
    PS_SCALE,
    r"(?i)\b(?P<ecog>ECOG(?:\s*/\s*WHO)?|Eastern\s+Cooperative\s+Oncology\s+Group|Zubrod|WHO\s+performance|World\s+Health\s+Organi[sz]ation\s+(?:\(WHO\)\s+)?performance)|\b(?P<kps>Karnofsky|KPS)\b|\b(?P<lansky>Lansky)\b|\b(?P<ps>performance\s+status|performance\s+score|PS)\b"
);
lazy_re!(
    PS_LIST,
    r"^[^;.\d]{0,60}?\b(?P<a>\d{1,3})\s*%?\s*(?P<rest>(?:(?:,|or|and|/|&|,\s*or|,\s*and|,\s*&)\s*\d{1,3}\s*%?\s*)+)"
);
// "ECOG-PS 0-II": a range whose upper end is written as a roman numeral.
lazy_re!(
    PS_ROMAN_RANGE,
    r"^[\s:\-=(]{0,6}(?:(?:PS|performance\s+status|performance\s+score)[\s:\-=(]{0,4})?(?:of\s+)?(?P<lo>[0-4])\s*(?:-|–|to)\s*(?P<hi>IV|III|II|I)\b"
);

fn performance(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        let mut last_end = 0;
        for c in PS_SCALE.captures_iter(s) {
            let m = c.get(0).unwrap();
            if m.start() < last_end {
                continue;
            }
            let mut scale = if c.name("ecog").is_some() {
                Some(PerformanceScale::Ecog)
            } else if c.name("kps").is_some() {
                Some(PerformanceScale::Karnofsky)
            } else if c.name("lansky").is_some() {
                Some(PerformanceScale::Lansky)
            } else {
                None
            };
            let abs = clause.span.start + m.end();
            // "ECOG-PS 0-II": read before the numeric expressions, which see only the "0".
            let roman = PS_ROMAN_RANGE.captures(&text[abs..clause.span.end]);
            // The first numeric expression after the scale name, within the clause.
            let window_end = (abs + 120).min(clause.span.end);
            let expr = exprs.iter().find(|e| {
                roman.is_none()
                    && e.span.start >= abs
                    && e.span.start < window_end
                    && e.relative_to.is_none()
            });
            let mut stated: Option<Threshold> = expr.map(|e| e.threshold());
            let (min, max, end) = if let Some(e) = expr {
                let gap = &text[abs..e.span.start];
                // "ECOG = 0, 1 or 2": a bare "=" before a list is the list.
                let list_after = e.comparator.is_none_or(|c| c == Comparator::Eq)
                    && e.upper.is_none()
                    && PS_LIST_CONTINUES.is_match(&text[e.span.end..clause.span.end]);
                if list_after
                    || gap.chars().filter(|c| c.is_ascii_digit()).count() > 0
                        && !gap.trim().is_empty()
                        && PS_LIST.find(gap).is_some()
                {
                    (None, None, 0)
                } else {
                    match e.comparator.unwrap_or(Comparator::Eq) {
                        Comparator::Between => (Some(e.value), e.upper, e.span.end),
                        Comparator::Le => (None, Some(e.value), e.span.end),
                        Comparator::Lt => (None, Some(e.value - 1.0), e.span.end),
                        Comparator::Ge => (Some(e.value), None, e.span.end),
                        Comparator::Gt => (
                            Some(e.value + if e.value > 5.0 { 10.0 } else { 1.0 }),
                            None,
                            e.span.end,
                        ),
                        Comparator::Eq => (Some(e.value), Some(e.value), e.span.end),
                    }
                }
            } else {
                (None, None, 0)
            };
            let (min, max, end) = if end > 0 {
                (min, max, end)
            } else if let Some(r) = roman {
                let lo: f64 = r["lo"].parse().unwrap_or(0.0);
                let hi = match &r["hi"] {
                    "I" => 1.0,
                    "II" => 2.0,
                    "III" => 3.0,
                    _ => 4.0,
                };
                let end = abs + r.get(0).unwrap().end();
                stated = Some(Threshold {
                    comparator: Comparator::Between,
                    value: lo,
                    upper: Some(hi),
                    unit: None,
                    relative_to: None,
                    span: Span::new(abs + r.name("lo").unwrap().start(), end),
                });
                (Some(lo), Some(hi), end)
            } else if let Some(l) = PS_LIST.captures(&text[abs..clause.span.end]) {
                let mut vals: Vec<f64> = vec![l["a"].parse().unwrap_or(0.0)];
                for d in l["rest"]
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|d| !d.is_empty())
                {
                    vals.push(d.parse().unwrap_or(0.0));
                }
                let lo = vals.iter().cloned().fold(f64::INFINITY, f64::min);
                let hi = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let a_start = abs + l.name("a").unwrap().start();
                let end = abs + l.get(0).unwrap().end();
                stated = Some(Threshold {
                    comparator: Comparator::Between,
                    value: lo,
                    upper: Some(hi),
                    unit: None,
                    relative_to: None,
                    span: Span::new(a_start, end),
                });
                (Some(lo), Some(hi), end)
            } else if let Some(l) = PS_SINGLE.captures(&text[abs..clause.span.end]) {
                let v: f64 = l["v"].parse().unwrap_or(0.0);
                let vs = abs + l.name("v").unwrap().start();
                let end = abs + l.get(0).unwrap().end();
                stated = Some(Threshold {
                    comparator: Comparator::Eq,
                    value: v,
                    upper: None,
                    unit: None,
                    relative_to: None,
                    span: Span::new(vs, end),
                });
                (Some(v), Some(v), end)
            } else {
                continue;
            };
            let hi_val = max.or(min).unwrap_or(0.0);
            if scale.is_none() {
                // Bare "performance status": ECOG unless the numbers are percentages.
                scale = Some(if hi_val > 5.0 {
                    PerformanceScale::Karnofsky
                } else {
                    PerformanceScale::Ecog
                });
            }
            let scale = scale.unwrap();
            if scale == PerformanceScale::Ecog && hi_val > 5.0 {
                continue;
            }
            last_end = end - clause.span.start;
            found.push(Found::new(
                RuleBody::PerformanceStatus {
                    scale,
                    min: min.map(|v| v.max(0.0)),
                    max,
                    threshold: stated,
                },
                Span::new(clause.span.start + m.start(), end),
            ));
        }
    }
}
lazy_re!(PS_LIST_CONTINUES, r"^\s*(?:,|or|and|/)\s*(?:or\s+)?\d");
lazy_re!(
    PS_SINGLE,
    r"(?i)^(?:[^;.\d]{0,40}?\b(?:of|is|=|:|score|status|PS)|)\s*(?P<v>\d{1,3})\b\s*%?"
);

// ---------------------------------------------------------------- life expectancy

lazy_re!(
    LIFE,
    r"(?i)\b(?:life[\s-]+expectancy|life[\s-]+expectation|(?:expected\s+)?life[\s-]*span|expected\s+survival|estimated\s+(?:survival|life\s+expectancy)(?:\s+(?:period|time))?|survival\s+(?:expectancy|of\s+at\s+least)|expected\s+to\s+(?:live|survive)|predicted\s+survival|anticipated\s+survival|prognosis\s+of)\b"
);

fn life_expectancy(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        for m in LIFE.find_iter(s) {
            let abs = clause.span.start + m.end();
            let Some(e) = exprs.iter().find(|e| {
                e.span.start >= abs
                    && e.span.start < (abs + 80).min(clause.span.end)
                    && e.time_unit().is_some()
            }) else {
                continue;
            };
            let mut t = e.threshold();
            if t.comparator == Comparator::Eq {
                t.comparator = Comparator::Ge;
            }
            found.push(Found::new(
                RuleBody::LifeExpectancy { threshold: t },
                Span::new(clause.span.start + m.start(), e.span.end),
            ));
        }
    }
}

// ---------------------------------------------------------------- organ function

lazy_re!(
    ORGAN,
    r"(?i)\b(?P<lvef>LVEF|LV\s+ejection\s+fraction|left\s+ventricular\s+ejection\s+fraction|(?:cardiac\s+)?ejection\s+fraction|EF)\b|\b(?P<spo2>SpO\s?2|SaO\s?2|(?:blood\s+|peripheral\s+|arterial\s+)?(?:oxygen|O2)\s+saturation|pulse\s+oximetry)|\b(?P<dysp>dyspn(?:o)?ea)\b|\b(?P<qtc>QTc[FB]?|QTc\s+interval|corrected\s+QT(?:\s+interval)?|QT\s+interval)\b|\b(?P<fev>FEV\s?1)\b|\b(?P<dlco>DLCO|DLco|diffusing\s+capacity)\b|\b(?P<nyha>NYHA|New\s+York\s+Heart\s+Association)\b|\b(?P<adeq>(?:adequate|appropriate|normal|sufficient|acceptable|good|satisfactory)\s+(?:\w+\s+){0,2}?(?:organ|bone\s+marrow|hepatic|liver|renal|kidney|cardiac|pulmonary|lung|hematologic(?:al)?|haematologic(?:al)?|marrow|end[- ]organ)\s+(?:and\s+\w+\s+)?(?:functions?|reserve))\b|\b(?P<ecg>ECG|EKG|electrocardiogram)\b"
);
// The class after "NYHA": behind "class" / "stage" / "grade" / "FC" ("NYHA functional class
// II-IV"), or right after the name ("NYHA III-IV", "NYHA (New York Heart Association) 4"); a list
// ("II, III and IV", "III/IV") is the range it spans; "or higher" / "and above" / "+" make it a
// minimum.
lazy_re!(
    NYHA_CLASS,
    r"(?i)^(?:[^;.]{0,30}?\b(?:class(?:ification)?|stages?|grade|FC)\s*(?:of\s+|is\s+|:\s*)?|\s*(?:\(\s*NYHA\s*\)|\[\s*NYHA\s*\]|\))?\s*[:=-]?\s*)(?P<a>IV|I{1,3}|[1-4])\b(?P<rest>(?:\s*(?:-|–|to|or|/|,\s*or|,|and|&)\s*(?:class\s+)?(?:IV|I{1,3}|[1-4])\b)*)(?P<post>\s+(?:or|and)\s+(?:higher|greater|above|worse|more|over)\b|\s*\+)?"
);
lazy_re!(NYHA_NUM, r"(?i)\b(?:IV|I{1,3}|[1-4])\b");

fn roman(s: &str) -> f64 {
    match s.to_uppercase().as_str() {
        "I" | "1" => 1.0,
        "II" | "2" => 2.0,
        "III" | "3" => 3.0,
        "IV" | "4" => 4.0,
        _ => 0.0,
    }
}

fn organ_function(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        for c in ORGAN.captures_iter(s) {
            let m = c.get(0).unwrap();
            let ms = clause.span.start + m.start();
            let me = clause.span.start + m.end();
            let measure = if c.name("lvef").is_some() {
                OrganMeasure::Lvef
            } else if c.name("spo2").is_some() {
                OrganMeasure::Spo2
            } else if c.name("dysp").is_some() {
                OrganMeasure::DyspneaGrade
            } else if c.name("qtc").is_some() {
                OrganMeasure::Qtc
            } else if c.name("fev").is_some() {
                OrganMeasure::Fev1
            } else if c.name("dlco").is_some() {
                OrganMeasure::Dlco
            } else if c.name("nyha").is_some() {
                OrganMeasure::NyhaClass
            } else if c.name("adeq").is_some() {
                OrganMeasure::AdequateFunction
            } else {
                OrganMeasure::Ecg
            };
            if measure == OrganMeasure::NyhaClass {
                // "New York Heart Association (NYHA) class III": one rule, not two.
                if found.iter().any(|f| {
                    matches!(
                        f.body,
                        RuleBody::OrganFunction {
                            measure: OrganMeasure::NyhaClass,
                            ..
                        }
                    ) && f.span.end >= ms
                        && clause.span.contains(&f.span)
                }) {
                    continue;
                }
                if let Some(k) = NYHA_CLASS.captures(&text[me..clause.span.end]) {
                    let a = roman(&k["a"]);
                    let rest: Vec<f64> = NYHA_NUM
                        .find_iter(k.name("rest").map_or("", |r| r.as_str()))
                        .map(|n| roman(n.as_str()))
                        .collect();
                    let lo = rest.iter().copied().fold(a, f64::min);
                    let hi = rest.iter().copied().fold(a, f64::max);
                    let end = me + k.get(0).unwrap().end();
                    let (cmp, value, upper) = if k.name("post").is_some() {
                        (Comparator::Ge, lo, None)
                    } else if rest.is_empty() {
                        (Comparator::Eq, a, None)
                    } else {
                        (Comparator::Between, lo, Some(hi))
                    };
                    let t = Threshold {
                        comparator: cmp,
                        value,
                        upper,
                        unit: Some("class".into()),
                        relative_to: None,
                        span: Span::new(me, end),
                    };
                    found.push(
                        Found::new(
                            RuleBody::OrganFunction {
                                measure,
                                threshold: Some(t),
                            },
                            Span::new(ms, end),
                        )
                        .negatable(),
                    );
                } else {
                    found.push(
                        Found::new(
                            RuleBody::OrganFunction {
                                measure,
                                threshold: None,
                            },
                            Span::new(ms, me),
                        )
                        .negatable(),
                    );
                }
                continue;
            }
            // A threshold right before ("≤ grade 1 dyspnea") or after ("LVEF ≥ 50%").
            let before = exprs.iter().find(|e| {
                e.span.end <= ms
                    && text[e.span.end..ms].trim().len() <= 2
                    && e.span.start >= clause.span.start
            });
            let after = exprs.iter().find(|e| {
                e.span.start >= me && e.span.start < (me + 90).min(clause.span.end) && {
                    // No other measure between.
                    let gap = &text[me..e.span.start];
                    !ORGAN.is_match(gap) && !ANALYTE.is_match(gap)
                }
            });
            let expr = match measure {
                OrganMeasure::DyspneaGrade => before.or(after),
                OrganMeasure::AdequateFunction | OrganMeasure::Ecg => None,
                _ => after.or(before),
            };
            let threshold = expr.map(|e| {
                let mut t = e.threshold();
                if measure == OrganMeasure::DyspneaGrade {
                    t.unit = Some("grade".into());
                }
                t
            });
            if matches!(
                measure,
                OrganMeasure::Lvef
                    | OrganMeasure::Spo2
                    | OrganMeasure::Qtc
                    | OrganMeasure::Fev1
                    | OrganMeasure::Dlco
            ) && threshold.is_none()
            {
                // A bare mention ("LVEF assessment") is not a rule.
                continue;
            }
            let span = match expr {
                Some(e) => Span::new(ms.min(e.span.start), me.max(e.span.end)),
                None => Span::new(ms, me),
            };
            found
                .push(Found::new(RuleBody::OrganFunction { measure, threshold }, span).negatable());
        }
    }
}

// ---------------------------------------------------------------- labs

static ANALYTES: &[(&str, &str)] = &[
    (
        "creatinine_clearance",
        r"(?:calculated\s+|measured\s+|estimated\s+)?(?:24[- ]hour\s+)?(?:urinary\s+)?creatinine\s+clearance(?:\s+rate)?|Cr\s?Cl|CLcr|CCr",
    ),
    (
        "egfr",
        r"eGFR|estimated\s+glomerular\s+filtration\s+rate|glomerular\s+filtration\s+rate|GFR",
    ),
    (
        "direct_bilirubin",
        r"direct\s+(?:serum\s+)?bilirubin|conjugated\s+bilirubin|DBIL",
    ),
    (
        "total_bilirubin",
        r"(?:serum\s+)?total\s+(?:serum\s+)?bilirubin|TBIL|T\.?\s?bili",
    ),
    ("bilirubin", r"(?:serum\s+)?bilirubin"),
    ("creatinine", r"(?:serum\s+)?creatinine|SCr|Cr"),
    (
        "alt",
        r"alanine\s+(?:amino)?transaminase|alanine\s+aminotransferase|ALT|SGPT|ALAT",
    ),
    (
        "ast",
        r"aspartate\s+(?:amino)?transaminase|aspartate\s+aminotransferase|AST|SGOT|ASAT",
    ),
    (
        "transaminases",
        r"(?:serum\s+)?transaminases?|aminotransferases?|liver\s+enzymes",
    ),
    ("alkaline_phosphatase", r"alkaline\s+phosphatase|ALP|AKP"),
    ("ggt", r"gamma[- ]glutamyl\s*transferase|GGT|γ-?GT"),
    ("ldh", r"lactate\s+dehydrogenase|LDH"),
    (
        "anc",
        r"absolute\s+neutrophil\s+counts?|neutrophil\s+counts?|neutrophils|ANC|absolute\s+granulocyte\s+count|AGC",
    ),
    (
        "platelets",
        r"platelet\s+counts?|platelets?|PLT|thrombocytes?",
    ),
    ("hemoglobin", r"ha?emoglobin|Hgb|Hb|HGB"),
    (
        "wbc",
        r"white\s+blood\s+cells?(?:\s+counts?)?|WBC(?:\s+counts?)?|leukocytes?(?:\s+counts?)?|leucocytes?",
    ),
    (
        "lymphocytes",
        r"absolute\s+lymphocyte\s+counts?|lymphocyte\s+counts?|lymphocytes|ALC",
    ),
    (
        "cd4",
        r"CD4\+?\s*(?:T[- ]cell\s+)?counts?|CD4\+?\s+T[- ]cells|CD4\+?\s+lymphocytes",
    ),
    ("inr", r"international\s+normali[sz]ed\s+ratio|INR"),
    (
        "aptt",
        r"activated\s+partial\s+thromboplastin\s+time|partial\s+thromboplastin\s+time|a?PTT",
    ),
    ("pt", r"prothrombin\s+time|PT"),
    ("albumin", r"(?:serum\s+)?albumin"),
    ("potassium", r"(?:serum\s+)?potassium|K\+"),
    ("sodium", r"(?:serum\s+)?sodium|Na\+"),
    ("calcium", r"(?:corrected\s+)?(?:serum\s+)?calcium"),
    ("magnesium", r"(?:serum\s+)?magnesium"),
    (
        "hba1c",
        r"HbA1c|A1C|glycated\s+ha?emoglobin|glycosylated\s+ha?emoglobin|hemoglobin\s+A1c",
    ),
    (
        "glucose",
        r"(?:fasting\s+)?(?:plasma\s+|blood\s+|serum\s+)?glucose|FPG|blood\s+sugar",
    ),
    ("amylase", r"(?:serum\s+)?amylase"),
    ("lipase", r"(?:serum\s+)?lipase"),
    ("tsh", r"TSH|thyroid[- ]stimulating\s+hormone"),
    ("psa", r"PSA|prostate[- ]specific\s+antigen"),
    ("troponin", r"troponin(?:\s+[IT])?"),
    ("bnp", r"NT-?pro-?BNP|BNP|natriuretic\s+peptide"),
    (
        "urine_protein",
        r"(?:urine\s+)?protein(?:uria)?|UPCR|urine\s+protein[- ]to[- ]creatinine\s+ratio",
    ),
    (
        "ldl",
        r"LDL(?:-C)?(?:\s+cholesterol)?|low[- ]density\s+lipoprotein(?:\s+cholesterol)?",
    ),
    // Before "hdl": "Non-HDL-C" is total minus HDL cholesterol, not HDL.
    (
        "non_hdl",
        r"non[- ]?HDL(?:-C)?(?:\s+cholesterol)?|non[- ]high[- ]density\s+lipoprotein(?:\s+cholesterol)?",
    ),
    (
        "hdl",
        r"HDL(?:-C)?(?:\s+cholesterol)?|high[- ]density\s+lipoprotein(?:\s+cholesterol)?",
    ),
    ("cholesterol", r"(?:total\s+)?cholesterol"),
    ("triglycerides", r"triglycerides?|TG"),
    ("testosterone", r"(?:serum\s+)?testosterone"),
    ("bmi", r"body\s+mass\s+index|BMI"),
    ("birth_weight", r"birth\s*weight"),
    ("weight", r"(?:body\s+)?weight"),
    ("systolic_bp", r"systolic\s+(?:blood\s+)?pressure|SBP"),
    ("diastolic_bp", r"diastolic\s+(?:blood\s+)?pressure|DBP"),
    ("blood_pressure", r"blood\s+pressure|BP"),
    ("heart_rate", r"heart\s+rate|pulse\s+rate|HR"),
];

static ANALYTE: LazyLock<Regex> = LazyLock::new(|| {
    let alts: Vec<String> = ANALYTES
        .iter()
        .map(|(n, p)| format!("(?P<{n}>{p})"))
        .collect();
    // Upper-case abbreviations must match case-sensitively ("Cr", "PT", "HR"); long names do not.
    re(format!(r"\b(?:{})\b", alts.join("|"))
        .replace("(?P<", "(?P<")
        .as_str())
});
static ANALYTE_CI: LazyLock<Regex> = LazyLock::new(|| {
    let alts: Vec<String> = ANALYTES
        .iter()
        .map(|(n, p)| {
            let long: Vec<&str> = p
                .split('|')
                .filter(|a| a.chars().any(|c| c.is_ascii_lowercase()) && a.len() > 4)
                .collect();
            format!(
                "(?P<{n}>{})",
                if long.is_empty() {
                    "\u{0}NEVER\u{0}".to_string()
                } else {
                    long.join("|")
                }
            )
        })
        .collect();
    re(&format!(r"(?i)\b(?:{})\b", alts.join("|")))
});

fn analyte_mentions(s: &str, base: usize) -> Vec<(Span, &'static str)> {
    let mut out: Vec<(Span, &'static str)> = Vec::new();
    for regex in [&*ANALYTE_CI, &*ANALYTE] {
        for c in regex.captures_iter(s) {
            let m = c.get(0).unwrap();
            let name = ANALYTES
                .iter()
                .map(|(n, _)| *n)
                .find(|n| c.name(n).is_some())
                .unwrap_or("lab");
            let sp = Span::new(base + m.start(), base + m.end());
            if out.iter().any(|(o, _)| o.overlaps(&sp)) {
                continue;
            }
            out.push((sp, name));
        }
    }
    out.sort_by_key(|(s, _)| s.start);
    out
}

lazy_re!(
    GESTATION_BEFORE,
    r"(?i)\b(?:gestation(?:al)?(?:\s+age)?|GA|pregnan\w*|gestation\s+period)\b[\s:=,()]*(?:of|at|is|was)?[\s:(]*$"
);
lazy_re!(
    GESTATION_AFTER,
    r"(?i)^\s*(?:\+\s*\d\s*(?:days?)?\s*)?(?:of\s+|completed\s+)?(?:gestation|gestational|GA\b|pregnancy|amenorrh)"
);
// "disease duration <= 5 years", "predicted ICU stay more than 7 days", "time on steroids >= 3
// days", "uterine size <12 weeks": the length (or size) of something, measured in time units;
// no window before or after an event.
lazy_re!(
    DURATION_BEFORE,
    r"(?i)(?P<n>\b(?:[a-z][\w-]*\s+)?(?:duration|length\s+of\s+(?:hospital\s+|icu\s+)?stay|(?:icu|hospital)\s+stay|time\s+on\s+[a-z][\w-]*|size|cycle\s+length))(?:\s+(?:of|is|was)(?:\s+[a-z][\w-]*){0,2}?\s+of|\s+of|\s+is|\s+was|\s*:)?\s*$"
);
lazy_re!(
    TREATMENT_WORD,
    r"(?i)\b(?:treat(?:ment|ments|ed)?|therap(?:y|ies)|use|used|exposure|exposed|administ\w+|dosing|dosed|courses?|intake|taking|receiv\w+)\b"
);
lazy_re!(
    SECOND_BOUND,
    r"(?i)^[\s,]*(?:\([^()]{0,30}\)[\s,]*)?(?:and|or|but|and/or|&|/)?[\s,]*$"
);
lazy_re!(JOINER, r"(?i)^[\s()]*(?:,|/|and|or|and/or|&)?[\s()]*$");
lazy_re!(ALT_JOIN, r"(?i)(?:^|\W)or\W");

fn labs(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    let mut last_group: Vec<(Span, &'static str)> = Vec::new();
    let mut group_id = 0u32;
    let mut prev_lab_in_clause: Option<(usize, usize)> = None; // (found index, clause start)
    for clause in cls {
        let s = clause.span.slice(text);
        let mentions = analyte_mentions(s, clause.span.start);
        for e in exprs
            .iter()
            .filter(|e| clause.span.start <= e.span.start && e.span.start < clause.span.end)
        {
            // "gestational age ≥ 28 weeks", "< 37 weeks of gestation": a measurement in weeks.
            if matches!(e.time_unit(), Some(TimeUnit::Week | TimeUnit::Day))
                && e.relative_to.is_none()
                && (GESTATION_BEFORE.is_match(tail(text, clause.span.start, e.span.start, 40))
                    || GESTATION_AFTER.is_match(&text[e.span.end..clause.span.end]))
            {
                found.push(Found::new(
                    RuleBody::Lab {
                        analyte: "gestational age".to_string(),
                        threshold: e.threshold(),
                    },
                    e.span,
                ));
                continue;
            }
            if e.time_unit().is_some()
                && e.relative_to.is_none()
                && e.comparator.is_some_and(|c| c != Comparator::Eq)
                // How long a treatment was given ("endocrine therapy for a duration of at least
                // 24 months") stays the treatment's window.
                && !TREATMENT_WORD.is_match(&text[clause.span.start..e.span.start])
                && !THERAPY_RE.is_match(&text[clause.span.start..e.span.start])
                && let Some(c) =
                    DURATION_BEFORE.captures(tail(text, clause.span.start, e.span.start, 60))
            {
                let n = c.name("n").unwrap();
                let mut words: Vec<&str> = n.as_str().split_whitespace().collect();
                if words.len() > 1 && MEASURE_STOP.contains(&words[0].to_ascii_lowercase().as_str())
                {
                    words.remove(0);
                }
                let start = e.span.start - c.get(0).unwrap().len()
                    + n.start()
                    + (n.as_str().len() - words.join(" ").len().min(n.as_str().len()));
                found.push(Found::new(
                    RuleBody::Lab {
                        analyte: words.join(" ").to_ascii_lowercase(),
                        threshold: e.threshold(),
                    },
                    Span::new(start.min(e.span.start), e.span.end),
                ));
                continue;
            }
            if e.time_unit().is_some() && e.relative_to.is_none() {
                continue;
            }
            if found
                .iter()
                .any(|f| !matches!(f.body, RuleBody::Lab { .. }) && f.span.contains(&e.span))
            {
                continue;
            }
            // Nearest analyte mention before the threshold, with no other threshold in between.
            let prior: Vec<&(Span, &str)> = mentions
                .iter()
                .filter(|(m, _)| m.end <= e.span.start)
                .collect();
            let mut group: Vec<(Span, &'static str)> = Vec::new();
            if let Some(&&(last, name)) = prior.last() {
                let between = &text[last.end..e.span.start];
                let blocked = exprs
                    .iter()
                    .any(|o| o.span.start >= last.end && o.span.end <= e.span.start);
                if !blocked && between.len() <= 120 && !between.contains(';') {
                    group.push((last, name));
                    // Earlier analytes joined by "and", "/", ",": "ALT and AST ≤ 3 × ULN".
                    let mut cur = last;
                    for &&(m, n) in prior.iter().rev().skip(1) {
                        if JOINER.is_match(&text[m.end..cur.start]) {
                            if !group.iter().any(|(_, g)| *g == n) {
                                group.push((m, n));
                            }
                            cur = m;
                        } else {
                            break;
                        }
                    }
                    group.reverse();
                }
            }
            // "18 ≤ BMI ≤ 32": the name stands inside the range it is measured against.
            if group.is_empty()
                && let Some(&(m, name)) = mentions
                    .iter()
                    .find(|(m, _)| e.span.start < m.start && m.end <= e.span.end)
            {
                group.push((m, name));
            }
            let suffix = COND_SUFFIX.captures(&text[e.span.end..clause.span.end]);
            let suffix_cond = suffix.as_ref().map(|c| c["c"].trim().to_string());
            if group.is_empty() {
                // A second bound right after a lab threshold is about the same thing: "potassium
                // < 3.5 or > 5.1 mmol/L", "BMI > 35 and < 50 kg/m2" ("or": alternatives).
                let prev_end = found
                    .iter()
                    .filter(|f| {
                        matches!(f.body, RuleBody::Lab { .. })
                            && clause.span.contains(&f.span)
                            && f.span.end <= e.span.start
                    })
                    .map(|f| f.span.end)
                    .max();
                if let Some(pe) = prev_end
                    && SECOND_BOUND.is_match(&text[pe..e.span.start])
                    && e.comparator.is_some_and(|c| c != Comparator::Eq)
                {
                    let alternative = text[pe..e.span.start].to_ascii_lowercase().contains("or");
                    let g = if alternative {
                        let existing = found
                            .iter()
                            .find(|f| f.span.end == pe && matches!(f.body, RuleBody::Lab { .. }))
                            .and_then(|f| f.group);
                        Some(existing.unwrap_or_else(|| {
                            group_id += 1;
                            group_id
                        }))
                    } else {
                        None
                    };
                    let mut names: Vec<String> = Vec::new();
                    for f in found.iter_mut() {
                        if let RuleBody::Lab { analyte, .. } = &f.body
                            && f.span.end == pe
                        {
                            if g.is_some() {
                                f.group = g;
                            }
                            if !names.contains(analyte) {
                                names.push(analyte.clone());
                            }
                        }
                    }
                    for name in names {
                        let mut f = Found::new(
                            RuleBody::Lab {
                                analyte: name,
                                threshold: e.threshold(),
                            },
                            e.span,
                        );
                        f.condition = suffix_cond.clone();
                        f.group = g;
                        found.push(f);
                    }
                    continue;
                }
                // A threshold without its analyte inherits the previous one when the clause is a
                // conditional relaxation ("If …, the thresholds can be relaxed to ≤ 5 × ULN").
                let inherits = (clause.condition.is_some() || suffix_cond.is_some())
                    && e.relative_to.is_some();
                if inherits && !last_group.is_empty() {
                    group = last_group.clone();
                } else if let Some((name, start)) =
                    measured_thing(text, clause.span.start, clause.span.end, e)
                {
                    // Anything else measured against a number: keep the noun phrase as the analyte.
                    if found.iter().any(|f| f.span.overlaps(&e.span)) {
                        continue;
                    }
                    // "a contraceptive method with a failure rate of < 1% per year", "(Pearl
                    // Index < 1)": the method's property, nothing measured on the patient.
                    if CONTRACEPTION_MEASURE.is_match(&name) {
                        continue;
                    }
                    let mut f = Found::new(
                        RuleBody::Lab {
                            analyte: name,
                            threshold: e.threshold(),
                        },
                        Span::new(start, e.span.end),
                    );
                    f.condition = suffix_cond.clone();
                    found.push(f);
                    continue;
                } else {
                    continue;
                }
            }
            // Units that make no sense for a lab ("mm" lesion sizes, "%" only for some).
            if matches!(
                e.unit.as_deref(),
                Some("mm") | Some("cm") | Some("line") | Some("cycle")
            ) {
                continue;
            }
            // "or" between this and the previous lab threshold in the clause makes them alternatives.
            let alt = match prev_lab_in_clause {
                Some((fi, cs)) if cs == clause.span.start => {
                    let prev_end = found[fi].span.end;
                    let gap_start = prev_end.min(group[0].0.start);
                    ALT_JOIN.is_match(&text[gap_start..group[0].0.start.max(gap_start)])
                }
                _ => false,
            };
            if alt {
                let fi = prev_lab_in_clause.unwrap().0;
                let g = found[fi].group.unwrap_or_else(|| {
                    group_id += 1;
                    group_id
                });
                found[fi].group = Some(g);
                // Siblings of the previous rule share the same group.
                let prev_span_start = found[fi].span.start;
                for f in found.iter_mut() {
                    if matches!(f.body, RuleBody::Lab { .. }) && f.span.start == prev_span_start {
                        f.group = Some(g);
                    }
                }
            }
            for &(m, name) in &group {
                let start = if m.start < e.span.start && clause.span.contains(&m) {
                    m.start
                } else {
                    e.span.start
                };
                let mut f = Found::new(
                    RuleBody::Lab {
                        analyte: name.to_string(),
                        threshold: e.threshold(),
                    },
                    Span::new(start, e.span.end),
                );
                f.condition = suffix_cond.clone();
                if alt {
                    f.group = found
                        .iter()
                        .rev()
                        .find(|x| matches!(x.body, RuleBody::Lab { .. }))
                        .and_then(|x| x.group);
                }
                found.push(f);
                prev_lab_in_clause = Some((found.len() - 1, clause.span.start));
            }
            last_group = group;
        }
    }
    // "BP < 140/90": the two thresholds of a pair are systolic, then diastolic.
    let bp: Vec<(usize, Span)> = found
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.body {
            RuleBody::Lab { analyte, threshold } if analyte == "blood_pressure" => {
                Some((i, threshold.span))
            }
            _ => None,
        })
        .collect();
    for &(i, sp) in &bp {
        for &(j, sp2) in &bp {
            if sp.end < sp2.start && text[sp.end..sp2.start].trim() == "/" {
                for (k, name) in [(i, "systolic_bp"), (j, "diastolic_bp")] {
                    if let RuleBody::Lab { analyte, .. } = &mut found[k].body {
                        *analyte = name.to_string();
                    }
                }
            }
        }
    }
    let _ = parse_number;
}

/// The noun phrase right before a threshold ("FSH levels > 40 mIU/mL" → "fsh levels").
///
/// Not for doses ("> 7.2 mg/kg", "≥ 24 g/day"), counts of things ("more than 3 concussions"),
/// or bare ranges ("12-16 participants").
fn measured_thing(text: &str, floor: usize, ceil: usize, e: &NumExpr) -> Option<(String, usize)> {
    if e.time_unit().is_some() || matches!(e.unit.as_deref(), Some("line") | Some("cycle")) {
        return None;
    }
    // "at least one …" counts something; measurements are written with digits.
    if !text[e.span.start..e.span.end]
        .chars()
        .any(|c| c.is_ascii_digit())
    {
        return None;
    }
    if let Some(u) = e.unit.as_deref() {
        let u = u.to_ascii_lowercase();
        if u.ends_with("/kg")
            || u.ends_with("/day")
            || u.ends_with("/d")
            || u.contains("/m2")
            || u.contains("/m²")
            || u == "mg"
            || u == "g"
        {
            return None;
        }
    }
    if e.unit.is_none() && e.relative_to.is_none() {
        // A bare range ("12-16 participants") is not a threshold; "between 0.30 and 0.60" is,
        // and so is a range right after the name of a measure ("respiration rate 12-18").
        if e.comparator == Some(Comparator::Between)
            && !e
                .span
                .slice(text)
                .to_ascii_lowercase()
                .starts_with("between")
            && !MEASURE_NOUN_BEFORE.is_match(tail(text, floor, e.span.start, 40))
        {
            return None;
        }
        // "more than 3 previous concussions": a count of events, not a measurement. The words
        // looked at end with the clause: the next heading ("Exclusion Criteria:") or criterion
        // counts nothing. Case is kept for `counts_things`, where a capitalized word ends it.
        let after: String = text[e.span.end..ceil.max(e.span.end)]
            .chars()
            .take(40)
            .collect();
        // "AHI > 5 events per hour", "< 150 min/wk", "> 14 units/week": an amount per time in a
        // unit of measure is measured ("> 20 cigarettes per day", "3 times per week" count
        // things or occasions, as before).
        if !RATE_AFTER.is_match(&after)
            && (COUNTED.is_match(&after.to_ascii_lowercase()) || counts_things(&after))
        {
            return None;
        }
    }
    let before = tail(text, floor, e.span.start, 80);
    let base = e.span.start - before.len();
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut end = before.len();
    for w in before
        .trim_end()
        .rsplit(|c: char| c.is_whitespace())
        .take(6)
    {
        let pos = before[..end].trim_end().rfind(w).unwrap_or(0);
        end = pos;
        let clean = w.trim_matches(|c: char| !c.is_alphanumeric());
        let l = clean.to_ascii_lowercase();
        // "vitamin B12 levels (< 300 pg/mL)": an opening bracket after "levels" / "value" (after
        // a condition, "leukocytosis (> 10,000)", the number explains the condition).
        if clean.is_empty() && words.is_empty() && (w == "(" || w == "[") {
            let prev = before[..end]
                .trim_end()
                .rsplit(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if [
                "level",
                "levels",
                "value",
                "values",
                "concentration",
                "concentrations",
                "count",
            ]
            .contains(&prev.as_str())
            {
                continue;
            }
            break;
        }
        if w.ends_with([',', ';', ':', '.']) && !words.is_empty() {
            break;
        }
        if MEASURE_STOP.contains(&l.as_str()) {
            if words.is_empty() {
                continue;
            }
            break;
        }
        if clean.is_empty() || clean.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
        words.push((pos, clean));
        if words.len() == 4 {
            break;
        }
    }
    let &(first, _) = words.last()?;
    let name = words
        .iter()
        .rev()
        .map(|(_, w)| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    if name.len() < 2 {
        return None;
    }
    // "Age = 50", "those under the age of 18": ages belong to the age reading (which leaves out
    // bare "=" and conditions on purpose), not to a measurement named "age".
    if AGE_NAMED.is_match(&name) && !OTHER_AGE.is_match(&name)
        || AGE_OF.is_match(e.span.slice(text))
    {
        return None;
    }
    // "diarrhea greater than Grade 1", "neuropathy > grade 1": the number is the thing's grade,
    // not a value it is measured in.
    let name =
        if !name.contains("grade") && e.span.slice(text).to_ascii_lowercase().contains("grade") {
            name + " grade"
        } else {
            name
        };
    Some((name, base + first))
}

lazy_re!(
    CONTRACEPTION_MEASURE,
    r"(?i)\bfailure\s+rates?\b|\bpearl[\s-]*ind(?:ex|ices)\b"
);
lazy_re!(
    RATE_AFTER,
    r"(?i)^\s*(?:units?(?:\s+of\s+(?:alcohol|ethanol))?|events?|min(?:utes?|s)?|hours?|hrs?)\s*(?:/\s*|per\s+|a\s+|each\s+)(?:hours?|hrs?|h|days?|d|weeks?|wks?|wk|months?|years?|yrs?|night)\b"
);
lazy_re!(
    PHYSIOLOGICAL_INDEX,
    r"(?i)\b(?:ankle[\s-]*brachial(?:\s+pressure)?|toe[\s-]*brachial|brachial[\s-]*ankle|apn(?:o)?ea[\s-]*hypopn(?:o)?ea|respiratory\s+disturbance|oxygen\s+desaturation|(?:periodic\s+)?limb\s+movements?|arousal|cardiac|pulsatility|resistive|shock|oxygenation|perfusion|glyc(?:a)?emic)\s+ind(?:ex|ices)$"
);
lazy_re!(ANTIGEN_CLASS, r"(?i)^(?:HLA|MHC)\s+class$");
lazy_re!(
    MEASURE_NOUN_BEFORE,
    r"(?i)\b(?:rate|pressure|count|level|index|size|diameter|length|volume|weight|height|circumference|distance|concentration|saturation|fraction|thickness|area)\s*:?\s*$"
);
lazy_re!(AGE_NAMED, r"(?i)(?:^|\s)(?:age[ds]?|age\s+group)$");
lazy_re!(AGE_OF, r"(?i)\bage\s+of\b");
lazy_re!(
    COUNTED,
    r"^\s*(?:previous\s+|prior\s+|separate\s+|consecutive\s+|different\s+)?(?:minutes?|mins?|half-?lives|consecutive|units?\b|of\s+(?:the\s+)?(?:following|these|those|\d+)|episodes?|attacks?|events?|times|occasions|visits?|participants|patients|subjects|concussions?|seizures?|exacerbations?|hospitali[sz]ations?|admissions?|relapses?|drinks?|cigarettes?|cups?|days|doses?|sessions?|children|pregnanc(?:y|ies)|deliveries|births|fractures?|falls?|lesions?|nodules?|tumou?rs?|sites?|organs?|drugs?|medications?|agents?|cycles?|courses?)\b"
);

/// Stems of things that are counted, not measured: "at least 2 moderate or severe COPD
/// exacerbations", "more than 2 systemic chemotherapy regimens", "at least 1 blood culture".
const COUNTED_STEMS: &[&str] = &[
    "episode",
    "attack",
    "event",
    "exacerbation",
    "hospitali",
    "admission",
    "relapse",
    "drink",
    "cigar",
    "pipe",
    "dose",
    "session",
    "pregnanc",
    "deliver",
    "birth",
    "fracture",
    "organ",
    "drug",
    "medication",
    "agent",
    "cycle",
    "course",
    "line",
    "regimen",
    "chemotherap",
    "therap",
    "treatment",
    "transfusion",
    "culture",
    "partner",
    "product",
    "characteristic",
    "criteri",
    "embryo",
    "flush",
    "attempt",
    "antidepressant",
    "dmard",
    "injection",
    "infusion",
    "surger",
    "procedure",
    "operation",
    "symptom",
    "feature",
    "sign",
];

/// Words that end the look-ahead for a counted noun: what follows them is not the counted thing
/// ("hemoglobin > 9 in patients with …").
const COUNT_BREAK: &[&str] = &[
    "in",
    "with",
    "for",
    "of",
    "at",
    "on",
    "if",
    "when",
    "per",
    "from",
    "by",
    "x",
    "times",
    "within",
    "after",
    "before",
    "during",
    "since",
    "than",
    "as",
    "is",
    "are",
    "was",
    "be",
    "who",
    "which",
    "that",
    "unless",
    "except",
    "including",
    "to",
    "the",
    "according",
];

/// Whether the words after a unitless number name what it counts (up to four words later).
fn counts_things(after: &str) -> bool {
    for w in after.split_whitespace().take(5) {
        let clean = w.trim_matches(|c: char| !c.is_alphanumeric());
        // A unit ("mUI/ml"), a number, or a capitalized word (a new sentence in flattened text:
        // "AFC > 10 Regular cycles") ends the look-ahead.
        if clean.is_empty()
            || clean.contains(['/', '%'])
            || clean.chars().any(|c| c.is_ascii_digit())
            || clean.starts_with(|c: char| c.is_uppercase())
                && clean.chars().skip(1).any(|c| c.is_lowercase())
        {
            return false;
        }
        let clean = clean.to_ascii_lowercase();
        let clean = clean.as_str();
        if COUNT_BREAK.contains(&clean) {
            return false;
        }
        if COUNTED_STEMS.iter().any(|s| clean.starts_with(s)) {
            return true;
        }
        if w.ends_with([',', ';', ':', '.', ')']) {
            return false;
        }
    }
    false
}

const MEASURE_STOP: &[&str] = &[
    "is",
    "are",
    "of",
    "be",
    "should",
    "must",
    "was",
    "were",
    "with",
    "a",
    "an",
    "the",
    "and",
    "or",
    "to",
    "at",
    "in",
    "on",
    "for",
    "by",
    "value",
    "values",
    "level",
    "levels",
    "has",
    "have",
    "had",
    "than",
    "defined",
    "as",
    "if",
    "who",
    "which",
    "that",
    "patients",
    "patient",
    "subjects",
    "participants",
    "no",
    "not",
    "any",
    "all",
    "having",
    "has",
    "measured",
    "during",
    "screening",
    "baseline",
    "from",
    "e.g",
    "i.e",
    "within",
    "above",
    "below",
    "between",
    "range",
    "ratio",
];

// ---------------------------------------------------------------- clinical scores

lazy_re!(
    SCALE,
    r"(?i)\b(?P<s>MMSE|Mini[- ]Mental\s+State(?:\s+Examination)?|MoCA|Montreal\s+Cognitive\s+Assessment|CDR(?:-SB)?|Clinical\s+Dementia\s+Rating|HAM-?[DA](?:-?\d+)?|HAMD(?:-?\d+)?|HDRS|Hamilton\s+(?:Depression|Anxiety)\s+(?:Rating\s+)?Scale|MADRS|Y-?BOCS|CGI(?:-[IS])?|EDSS|NIHSS|GCS|Glasgow\s+Coma\s+Scale|APACHE(?:\s+II)?|Child[- ]Pugh(?:\s+score)?|MELD(?:\s+score)?|SOFA|Charlson(?:\s+comorbidity\s+index)?|PHQ-?9|GAD-?7|BDI(?:-II)?|Beck\s+Depression\s+Inventory|VAS|NRS|Apgar|Gleason(?:\s+score)?|modified\s+Rankin(?:\s+Scale)?|mRS|ADAS-?Cog|UPDRS|Hoehn\s+(?:and|&)\s+Yahr(?:\s+stage)?|Oswestry(?:\s+Disability\s+Index)?|ODI|Barthel(?:\s+Index)?|WOMAC|BPI|IPSS|DAS-?28|PASI|EASI|SCORAD|CDAI|HBI|Mayo\s+(?:score|endoscopic\s+subscore)|(?:American\s+Society\s+(?:of\s+)?Ana?esthesiolog(?:y|ists?)(?:\s*\(\s*ASA\s*\))?|(?-i:ASA)(?:\s*\(\s*American\s+Society\s+(?:of\s+)?Ana?esthesiolog(?:y|ists?)\s*\))?)(?:\s+(?:physical\s+status|risk\s+classification|class(?:ification)?(?:\s+system)?|score|grade|status|PS)(?:\s*\(\s*ASA(?:\s+PS)?\s*\))?)*|Killip(?:\s+class(?:ification)?)?|(?-i:[A-Z])[\w-]*\s+(?:score|scale|index|grade|class))\b"
);

fn scores(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        for c in SCALE.captures_iter(s) {
            let m = c.name("s").unwrap();
            let name = m.as_str();
            let lower = name.to_ascii_lowercase();
            if lower.contains("performance")
                || lower.contains("karnofsky")
                || lower.contains("lansky")
                || lower.contains("mass index")
                // "(Pearl index < 1)": a contraceptive method's failure rate; "MHC class I
                // deficiency", "anti-HLA class I antibodies": a kind of antigen.
                || CONTRACEPTION_MEASURE.is_match(name)
                || ANTIGEN_CLASS.is_match(name)
            {
                continue;
            }
            let me = clause.span.start + m.end();
            // "Ankle-brachial index > 0.9", "apnea-hypopnea index ≥ 15": a ratio or rate measured
            // on the body is a measurement (read by `labs`), not a scale's score.
            if PHYSIOLOGICAL_INDEX.is_match(tail(text, clause.span.start, me, 50)) {
                continue;
            }
            // "Level III or greater on the American Society of Anesthesiologists …", "< 120
            // points on the Mattis Dementia Rating Scale": the value is written before the name.
            let ms = clause.span.start + m.start();
            if let Some(mut t) = score_value_before(text, clause.span.start, ms)
                && !found.iter().any(|f| f.span.overlaps(&t.span))
            {
                // A comparator the number reading found ("a score of greater than 20 on the
                // Y-BOCS") is the value's.
                if let Some(e) = exprs
                    .iter()
                    .find(|e| e.span.overlaps(&t.span) && e.comparator.is_some())
                {
                    t = e.threshold();
                }
                let start = t.span.start;
                found.push(Found::new(
                    RuleBody::ClinicalScore {
                        scale: name.to_string(),
                        threshold: t,
                    },
                    Span::new(start, clause.span.start + m.end()),
                ));
                continue;
            }
            let Some(e) = exprs
                .iter()
                .find(|e| {
                    e.span.start >= me
                    && e.span.start < (me + 60).min(clause.span.end)
                    && e.time_unit().is_none()
                    // "ASA 81 mg" is aspirin.
                    && !(lower.starts_with("asa") && e.unit.is_some())
                    && {
                        let gap = &text[me..e.span.start];
                        !gap.contains([';', '.']) && !ANALYTE.is_match(gap) && !SCALE.is_match(gap)
                    }
                })
                // "ASA I-IV Age 55 or older": when the number further on is another rule's (an
                // age), a bare value right after the name is the scale's own.
                .filter(|e| {
                    !found.iter().any(|f| f.span.overlaps(&e.span))
                        || bare_score_value(text, me, e.span.start).is_none()
                })
            else {
                // A bare value or a list right after the name: "ASA 1 & 2", "WHO grade 3 or 4".
                if let Some(mut t) = bare_score_value(text, me, clause.span.end)
                    && !found.iter().any(|f| f.span.overlaps(&t.span))
                {
                    let end = t.span.end;
                    let ms = clause.span.start + m.start();
                    if t.comparator == Comparator::Eq
                        && let Some(c) =
                            CMP_BEFORE_SCALE.captures(tail(text, clause.span.start, ms, 50))
                    {
                        let w = c["c"].to_ascii_lowercase();
                        let below = ["≤", "<", "less", "lower", "better", "at most"]
                            .iter()
                            .any(|x| w.contains(x));
                        let or_equal = w.contains("equal")
                            || w.contains('=')
                            || w.contains(['≥', '≤'])
                            || w.starts_with("at ");
                        t.comparator = match (below, or_equal) {
                            (true, true) => Comparator::Le,
                            (true, false) => Comparator::Lt,
                            (false, true) => Comparator::Ge,
                            (false, false) => Comparator::Gt,
                        };
                    }
                    found.push(Found::new(
                        RuleBody::ClinicalScore {
                            scale: name.to_string(),
                            threshold: t,
                        },
                        Span::new(clause.span.start + m.start(), end),
                    ));
                }
                continue;
            };
            if found.iter().any(|f| f.span.overlaps(&e.span)) {
                continue;
            }
            found.push(Found::new(
                RuleBody::ClinicalScore {
                    scale: name.to_string(),
                    threshold: e.threshold(),
                },
                Span::new(clause.span.start + m.start(), e.span.end),
            ));
            // A second bound right after the first is on the same scale: "MAYO score ≥ 3 and
            // ≤ 10", "AUDIT score of < 5 or > 26" (joined by "or": alternatives).
            if let Some(n) = exprs.iter().find(|n| n.span.start >= e.span.end)
                && matches!(
                    n.comparator,
                    Some(Comparator::Lt | Comparator::Le | Comparator::Gt | Comparator::Ge)
                )
                && n.unit.as_deref().is_none_or(|u| u.starts_with("point"))
                && n.relative_to.is_none()
                && n.span.end <= clause.span.end
                && SECOND_SCORE_BOUND.is_match(&text[e.span.end..n.span.start])
                && !found.iter().any(|f| f.span.overlaps(&n.span))
            {
                let or = text[e.span.end..n.span.start]
                    .to_ascii_lowercase()
                    .contains("or");
                let group = or.then(|| found.iter().filter_map(|f| f.group).max().unwrap_or(0) + 1);
                if let Some(last) = found.last_mut() {
                    last.group = group;
                }
                let mut second = Found::new(
                    RuleBody::ClinicalScore {
                        scale: name.to_string(),
                        threshold: n.threshold(),
                    },
                    n.span,
                );
                second.group = group;
                found.push(second);
            }
        }
    }
}

lazy_re!(SECOND_SCORE_BOUND, r"(?i)^\s*,?\s*(?:and|or|but)\s*$");

// "greater than or equal to American Society of Anesthesiologist (ASA) class III", "(> Tonis
// grade 1)": a comparator written before the scale's name bounds the value after it.
lazy_re!(
    CMP_BEFORE_SCALE,
    r"(?i)(?P<c>≥|≤|>=|<=|=>|=<|>|<|\b(?:greater|more|higher|worse|less|lower|better)\s+than(?:\s+or\s+equal\s+to)?|\b(?:greater|more|higher|less|lower)\s+or\s+equal\s+to|\bequal\s+to\s+or\s+(?:greater|more|higher|less|lower)\s+than|\bat\s+least|\bat\s+most)\s*(?:an?\s+|the\s+)?$"
);
lazy_re!(
    SCORE_BARE,
    r"^\s*(?:\(\s*[A-Za-z-]{2,8}(?:\s+[A-Za-z]{2,3})?\s*\)\s*)?(?:(?:of|is|as|=|:|physical|state|status|class|grade|stage|score|level|levels|type)\s*)*(?P<pre>≥|>=|=>|>|≤|<=|=<|<)?\s*(?:(?:class|grade|stage|level)\s+)?(?P<a>\d{1,2}(?:\.\d)?|IV|III|II|I|V)\b(?P<rest>(?:\s*(?:,\s*or|,|or|and|&|/|-|–|to)\s*(?:\d{1,2}(?:\.\d)?|IV|III|II|I|V)\b)*)(?P<post>\s+(?:or|and)\s+(?P<dir>higher|greater|above|more|worse|over|less|lower|below|fewer|better|under)\b)?(?P<after>\s*(?:%|[a-zA-Z]+)?)"
);
lazy_re!(SCORE_BARE_NUM, r"\d{1,2}(?:\.\d)?|IV|III|II|I|V");

fn score_number(s: &str) -> Option<f64> {
    match s {
        "I" => Some(1.0),
        "II" => Some(2.0),
        "III" => Some(3.0),
        "IV" => Some(4.0),
        "V" => Some(5.0),
        _ => parse_number(s),
    }
}

lazy_re!(
    SCORE_BEFORE_NAME,
    r"(?i)(?P<pre0>≥|>=|≤|<=|>|<)?\s*(?:\b(?:level|class|grade|stage|score|category)\s+)?(?P<pre>≥|>=|≤|<=|>|<)?\s*(?P<a>\b(?:\d{1,3}(?:\.\d)?|IV|III|II|I|V))\b(?:\s*(?:,|or|and|to|-)\s*(?:(?:level|class|grade|stage|category)\s+)?(?P<b>\b(?:\d{1,3}(?:\.\d)?|IV|III|II|I|V))\b)?\s*(?:points?\s+)?(?:or\s+(?P<dir>greater|higher|above|more|worse|less|lower|below|fewer|better)\s+)?on\s+(?:the\s+)?(?-i:[A-Z][\w-]*\s+){0,3}$"
);

/// "Level III or greater on the …", "Level I or level II on the …", "< 120 points on the …": a
/// value written before the scale's name (the text up to `name_start` ends with "on the" and at
/// most three capitalized words of the name: "on the Mattis Dementia Rating Scale").
fn score_value_before(text: &str, floor: usize, name_start: usize) -> Option<Threshold> {
    let before = tail(text, floor, name_start, 80);
    if !before
        .trim_end()
        .ends_with(|c: char| c.is_ascii_alphabetic())
    {
        return None;
    }
    let c = SCORE_BEFORE_NAME.captures(before)?;
    let base = name_start - before.len();
    let a = score_number(c.name("a")?.as_str())?;
    let b = c.name("b").and_then(|b| score_number(b.as_str()));
    let dir = c.name("dir").map(|d| d.as_str().to_ascii_lowercase());
    let pre = c.name("pre").or(c.name("pre0")).map(|p| p.as_str());
    let (comparator, value, upper) = match (pre, b, dir.as_deref()) {
        (Some(p), None, None) => (comparator_of_symbol(p), a, None),
        (None, Some(b), None) if b > a => (Comparator::Between, a, Some(b)),
        (None, None, Some(d)) => (
            if ["less", "lower", "below", "fewer", "better"].contains(&d) {
                Comparator::Le
            } else {
                Comparator::Ge
            },
            a,
            None,
        ),
        (None, None, None) => (Comparator::Eq, a, None),
        _ => return None,
    };
    let m = c.get(0)?;
    Some(Threshold {
        comparator,
        value,
        upper,
        unit: None,
        relative_to: None,
        span: Span::new(base + m.start(), base + m.end()),
    })
}

fn comparator_of_symbol(p: &str) -> Comparator {
    match p {
        "≥" | ">=" => Comparator::Ge,
        ">" => Comparator::Gt,
        "≤" | "<=" => Comparator::Le,
        _ => Comparator::Lt,
    }
}

/// The value written right after a scale's name with no comparator: one value (`eq`), a range
/// ("1-3") or a list ("0, 1 or 2", "III or IV": the range the list spans).
fn bare_score_value(text: &str, from: usize, to: usize) -> Option<Threshold> {
    let c = SCORE_BARE.captures(text.get(from..to)?)?;
    // "ASA 81 mg", "score 3 months": a unit means something else.
    let after = c["after"].trim().to_ascii_lowercase();
    if after.starts_with('%')
        || [
            "mg", "g", "ml", "mm", "cm", "kg", "months", "month", "weeks", "days", "years",
            "hours", "times", "x",
        ]
        .contains(&after.as_str())
    {
        return None;
    }
    let a = c.name("a")?;
    let rest = c.name("rest").map_or("", |r| r.as_str());
    let mut vals = vec![score_number(a.as_str())?];
    for v in SCORE_BARE_NUM.find_iter(rest) {
        vals.push(score_number(v.as_str())?);
    }
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut end = from + c.name("rest").map_or(a.end(), |r| r.end().max(a.end()));
    let mut start = from + a.start();
    // "> II", "≤ grade 1" before the value, "II or higher" after it: a bound, not a value.
    let pre = c.name("pre").map(|p| p.as_str());
    let dir = c.name("dir").map(|d| d.as_str().to_ascii_lowercase());
    let bound = match (pre, dir.as_deref()) {
        (Some(p), _) if vals.len() == 1 => {
            start = from + c.name("pre")?.start();
            Some(match p {
                "≥" | ">=" | "=>" => Comparator::Ge,
                ">" => Comparator::Gt,
                "≤" | "<=" | "=<" => Comparator::Le,
                _ => Comparator::Lt,
            })
        }
        (None, Some(d)) => {
            end = from + c.name("post")?.end();
            Some(
                if ["less", "lower", "below", "fewer", "better", "under"].contains(&d) {
                    Comparator::Le
                } else {
                    Comparator::Ge
                },
            )
        }
        _ => None,
    };
    if let Some(cmp) = bound {
        let value = if cmp == Comparator::Le || cmp == Comparator::Lt {
            hi
        } else {
            lo
        };
        return Some(Threshold {
            comparator: cmp,
            value,
            upper: None,
            unit: None,
            relative_to: None,
            span: Span::new(start, end),
        });
    }
    Some(Threshold {
        comparator: if vals.len() > 1 {
            Comparator::Between
        } else {
            Comparator::Eq
        },
        value: lo,
        upper: (vals.len() > 1).then_some(hi),
        unit: None,
        relative_to: None,
        span: Span::new(start, end),
    })
}

// ---------------------------------------------------------------- biomarkers

lazy_re!(
    MARKER,
    r"\b(?P<m>[Hh]uman\s+[Ee]pidermal\s+[Gg]rowth\s+[Ff]actor\s+[Rr]eceptor[\s-]*2|[Oo]?[Ee]strogen\s+[Rr]eceptors?|[Pp]rogesterone\s+[Rr]eceptors?|[Hh]ormone\s+[Rr]eceptors?|[Aa]ndrogen\s+[Rr]eceptors?|CD\d{1,3}[a-z]?|HER-?2(?:/neu)?|ERBB2|EGFR|ALK|ROS-?1|BRAF|KRAS|NRAS|PD-?L1|MET|RET|NTRK[123]?|BRCA[12]?|HRD|MSI-?H|MSI|dMMR|pMMR|TMB|FLT-?3(?:-ITD)?|NPM1|IDH[12]?|BCR[-:]?ABL1?|Ph|JAK2|c-?KIT|KIT|PIK3CA|FGFR[1-4]?|TP53|ESR1|PSMA|CLDN18\.?2|Claudin\s*18\.?2|HLA-A\*?\d{2}(?::\d{2})?|MGMT|ER|PR|HR|AR|Ki-?67|B7-H3|GD2|BCMA|TROP-?2|DLL3|MYC|BCL-?2|BCL-?6|CCR4|EBER|MYCN|NF1|STK11|KEAP1|CDKN2A|SMARCA4|HPV|p16|CA-?125|CEA|AFP|Philadelphia\s+chromosome)"
);
lazy_re!(
    MARKER_STATUS,
    r"(?i)^(?:\s*\([^)]{0,20}\))?[\s-]*(?:gene\s+|protein\s+|expression\s+|status\s+|is\s+|was\s+|tumou?r\s+|receptor\s+|\(\s*)?(?P<st>\+|positive|positivity|negative|mutations?|mutated|mutant|wild[- ]type|WT\b|amplifications?|amplified|deletions?|deleted|rearrangements?|rearranged|fusions?|translocations?|over-?expression|over-?expressed|high\b|low\b|alterations?|altered|expressing|activating\s+mutations?|sensitizing\s+mutations?)"
);
lazy_re!(
    MARKER_STATUS_BEFORE,
    r"(?i)\b(?P<st>positive|negative)\s+(?:for\s+)?(?:the\s+)?$"
);
lazy_re!(
    VARIANT,
    r"(?i)^[\s-]*(?:gene\s+)?(?:(?:activating|sensitizing|sensitising)\s+)?(?P<v>exon\s+\d+(?:\s+(?:deletions?|insertions?|skipping|mutations?|del|ins))?|[A-Z]\d{2,4}[A-Z*](?:/[A-Z])?\b|[A-Z]\d{2,4}(?:del|ins|fs)\w*|G12C|V600[EK]?|L858R|T790M|ITD|TKD)"
);
lazy_re!(
    MARKER_MEASURE,
    r"(?i)^[^;]{0,40}?\b(?P<meas>expression|TPS|CPS|tumou?r\s+proportion\s+score|combined\s+positive\s+score|staining|positivity|H-?score|level|IHC|score|positive\s+(?:tumou?r\s+)?cells)\b"
);

/// The usual short name of a marker written out in full ("human epidermal growth factor
/// receptor 2-negative", "hormone receptor-positive"), as registry texts often do.
fn long_marker_name(raw: &str) -> Option<&'static str> {
    let lower = raw.to_ascii_lowercase();
    Some(if lower.starts_with("human") {
        "HER2"
    } else if lower.contains("estrogen") {
        "ER"
    } else if lower.starts_with("progesterone") {
        "PR"
    } else if lower.starts_with("hormone") {
        "HR"
    } else if lower.starts_with("androgen") {
        "AR"
    } else {
        return None;
    })
}

fn biomarkers(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        for c in MARKER.captures_iter(s) {
            let m = c.name("m").unwrap();
            let raw = m.as_str();
            let ms = clause.span.start + m.start();
            let me = clause.span.start + m.end();
            // Names that are also ordinary abbreviations need a status right after them.
            let ambiguous = matches!(
                raw,
                "Ph" | "ER"
                    | "PR"
                    | "HR"
                    | "AR"
                    | "MET"
                    | "RET"
                    | "KIT"
                    | "ALK"
                    | "MSI"
                    | "HPV"
                    | "p16"
                    | "AFP"
                    | "CEA"
                    | "MYC"
            );
            let after = &text[me..clause.span.end];
            let status_cap = MARKER_STATUS.captures(after);
            let mut status = status_cap.as_ref().map(|c| {
                let w = c["st"].to_ascii_lowercase();
                match w.as_str() {
                    "+" | "positive" | "positivity" | "expressing" => BiomarkerStatus::Positive,
                    "negative" => BiomarkerStatus::Negative,
                    "wild-type" | "wild type" | "wt" => BiomarkerStatus::WildType,
                    "high" => BiomarkerStatus::High,
                    "low" => BiomarkerStatus::Low,
                    w if w.starts_with("amplif") => BiomarkerStatus::Amplified,
                    w if w.starts_with("delet") => BiomarkerStatus::Deleted,
                    w if w.starts_with("rearr")
                        || w.starts_with("fusion")
                        || w.starts_with("transloc") =>
                    {
                        BiomarkerStatus::Rearranged
                    }
                    w if w.starts_with("over") => BiomarkerStatus::Overexpressed,
                    _ => BiomarkerStatus::Mutated,
                }
            });
            let mut end = status_cap
                .as_ref()
                .map(|c| me + c.get(0).unwrap().end())
                .unwrap_or(me);
            if status.is_none()
                && let Some(b) =
                    MARKER_STATUS_BEFORE.captures(tail(text, clause.span.start, ms, 40))
            {
                status = Some(if b["st"].eq_ignore_ascii_case("negative") {
                    BiomarkerStatus::Negative
                } else {
                    BiomarkerStatus::Positive
                });
            }
            let variant = VARIANT.captures(after).map(|v| {
                end = end.max(me + v.get(0).unwrap().end());
                v["v"].to_string()
            });
            if variant.is_some() && status.is_none() {
                status = Some(
                    if variant
                        .as_deref()
                        .is_some_and(|v| v.to_ascii_lowercase().contains("del"))
                    {
                        BiomarkerStatus::Deleted
                    } else {
                        BiomarkerStatus::Mutated
                    },
                );
            }
            // Expression thresholds: "CD7 expression ≥ 10%", "PD-L1 TPS ≥ 50%".
            let (measure, threshold) = match MARKER_MEASURE.captures(after) {
                Some(mm) => {
                    let mend = me + mm.get(0).unwrap().end();
                    match exprs.iter().find(|e| {
                        e.span.start >= mend
                            && e.span.start <= mend + 25
                            && e.relative_to.is_none()
                            && e.time_unit().is_none()
                    }) {
                        Some(e) => {
                            end = end.max(e.span.end);
                            (Some(mm["meas"].to_string()), Some(e.threshold()))
                        }
                        None => (None, None),
                    }
                }
                None => (None, None),
            };
            // A percentage threshold right after the marker ("PD-L1 ≥ 1%").
            let (measure, threshold) = if threshold.is_none() {
                match exprs.iter().find(|e| {
                    e.span.start >= me && e.span.start <= me + 4 && e.unit.as_deref() == Some("%")
                }) {
                    Some(e) => {
                        end = end.max(e.span.end);
                        (Some("expression".to_string()), Some(e.threshold()))
                    }
                    None => (measure, threshold),
                }
            } else {
                (measure, threshold)
            };
            if status.is_none() && threshold.is_none() {
                continue;
            }
            if ambiguous && status.is_none() {
                continue;
            }
            // "CD7+ (with CD7 expression ≥ 10%)": the second mention repeats the first one's threshold.
            if threshold.is_some()
                && status.is_none()
                && found.iter().any(|f| matches!(&f.body, RuleBody::Biomarker { threshold: Some(t), .. } if Some(t.span) == threshold.as_ref().map(|x| x.span)))
            {
                continue;
            }
            let marker = long_marker_name(raw).map_or_else(
                || {
                    raw.to_uppercase()
                        .replace(' ', "")
                        .replace("PDL1", "PD-L1")
                        .replace("HER-2", "HER2")
                },
                str::to_string,
            );
            found.push(
                Found::new(
                    RuleBody::Biomarker {
                        marker,
                        status,
                        variant,
                        measure,
                        threshold,
                    },
                    Span::new(ms.min(end), end.max(ms)),
                )
                .negatable(),
            );
        }
    }
}

// ---------------------------------------------------------------- measurable disease

lazy_re!(
    MEASURABLE,
    r"(?i)\b(?:measurable|evaluable|assessable)\b(?:\s+(?:or|and/or|and)\s+(?:measurable|evaluable|assessable))?(?:\s+(?:\w+\s+)?(?:disease|lesions?|tumou?rs?))?|\btarget\s+lesions?\b"
);
lazy_re!(
    RESPONSE_CRITERIA,
    r"(?i)\b(?P<c>iRECIST|mRECIST|RECIST|Lugano|Cheson|RANO|IWG|IMWG|PCWG\d?|iwCLL|IWCLL)\b(?:\s*(?:criteria|classification|guidelines?))?\s*(?:\(?\s*(?:v(?:ersion)?\.?\s*)?(?P<v>\d{4}|\d(?:\.\d)?)\)?)?"
);
lazy_re!(
    PET_POS,
    r"(?i)\b(?:PET|FDG)[- ]?(?:CT\s+)?(?:positive|avid)\b|\bpositive\s+(?:on\s+)?(?:PET|FDG-PET)\b"
);
lazy_re!(
    NODAL,
    r"(?i)(?P<extra>extra-?\s?nodal)|(?P<nodal>lymph\s+nodes?|nodal|nodes?)"
);

fn measurable(text: &str, span: Span, exprs: &[NumExpr], found: &mut Vec<Found>) {
    let s = span.slice(text);
    let kw = MEASURABLE.find(s);
    let crit = RESPONSE_CRITERIA.captures(s);
    let sizes: Vec<&NumExpr> = exprs
        .iter()
        .filter(|e| matches!(e.unit.as_deref(), Some("mm") | Some("cm")))
        .collect();
    let lesion_word = s.to_ascii_lowercase().contains("lesion");
    if kw.is_none() && !(crit.is_some() && (lesion_word || !sizes.is_empty())) {
        return;
    }
    let criteria = crit
        .as_ref()
        .map(|c| match c["c"].to_ascii_lowercase().as_str() {
            "recist" => ResponseCriteria::Recist,
            "irecist" => ResponseCriteria::Irecist,
            "mrecist" => ResponseCriteria::Mrecist,
            "lugano" => ResponseCriteria::Lugano,
            "cheson" => ResponseCriteria::Cheson,
            "rano" => ResponseCriteria::Rano,
            "iwg" | "iwcll" => ResponseCriteria::Iwg,
            "imwg" => ResponseCriteria::Imwg,
            p if p.starts_with("pcwg") => ResponseCriteria::Pcwg,
            _ => ResponseCriteria::Other,
        });
    let criteria_version = crit
        .as_ref()
        .and_then(|c| c.name("v").map(|v| v.as_str().to_string()));
    let lesion_sizes = sizes
        .iter()
        .map(|e| {
            let before = tail(text, span.start, e.span.start, 80);
            let site = NODAL
                .captures_iter(before)
                .last()
                .map(|c| {
                    if c.name("extra").is_some() {
                        LesionSite::Extranodal
                    } else {
                        LesionSite::Nodal
                    }
                })
                .unwrap_or(LesionSite::Any);
            LesionSize {
                site,
                threshold: e.threshold(),
            }
        })
        .collect();
    let lower = s.to_ascii_lowercase();
    let start = kw.map(|m| span.start + m.start()).unwrap_or(span.start);
    let end = sizes
        .iter()
        .map(|e| e.span.end)
        .max()
        .unwrap_or(kw.map(|m| span.start + m.end()).unwrap_or(span.end))
        .max(start);
    found.push(
        Found::new(
            RuleBody::MeasurableDisease {
                criteria,
                criteria_version,
                lesion_sizes,
                pet_positive: PET_POS.is_match(s),
                evaluable_accepted: lower.contains("evaluable") || lower.contains("assessable"),
            },
            Span::new(start, end),
        )
        .negatable(),
    );
}

// ---------------------------------------------------------------- transplant

lazy_re!(
    TRANSPLANT,
    r"(?i)\b(?:(?P<auto>autologous|auto)[\s-]*|(?P<allo>allogeneic|allogenic|allo)[\s-]*)?(?:(?:hematopoietic|haematopoietic|haemopoietic|hemopoietic|peripheral\s+blood)\s+)?(?:stem[- ]cells?|progenitor\s+cells?|bone\s+marrow|cord\s+blood|HSC|SC)\s+(?:transplant(?:ation|s)?|graft(?:ing)?|rescue|infusion)|\b(?P<autoab>auto-?(?:HSCT|SCT|BMT|HCT)|ASCT|ASCR)\b|\b(?P<alloab>allo-?(?:HSCT|SCT|BMT|HCT))\b|\b(?:HSCT|HCT|BMT|SCT)\b|\b(?P<organ>(?:solid[- ])?organ\s+(?:transplant(?:ation|s)?|allografts?|recipients?)|(?:kidney|renal|liver|heart|lung|pancrea(?:s|tic)|cardiac|hepatic)\s+transplant(?:ation|s)?|transplant(?:ation)?\s+of\s+(?:an?\s+)?(?:solid\s+)?organ)"
);
lazy_re!(
    TRANSPLANT_PAIR,
    r"(?i)\b(?P<a>autologous|allogeneic|allogenic)\s+(?:or|and|and/or|/)\s*$"
);

fn transplant(text: &str, span: Span, found: &mut Vec<Found>) {
    let s = span.slice(text);
    for c in TRANSPLANT.captures_iter(s) {
        let m = c.get(0).unwrap();
        let sp = Span::new(span.start + m.start(), span.start + m.end());
        let kind = if c.name("organ").is_some() {
            TransplantKind::Organ
        } else if c.name("auto").is_some() || c.name("autoab").is_some() {
            TransplantKind::Autologous
        } else if c.name("allo").is_some() || c.name("alloab").is_some() {
            TransplantKind::Allogeneic
        } else {
            TransplantKind::StemCell
        };
        if let Some(p) = TRANSPLANT_PAIR.captures(tail(text, span.start, sp.start, 40)) {
            let other = if p["a"].to_ascii_lowercase().starts_with("auto") {
                TransplantKind::Autologous
            } else {
                TransplantKind::Allogeneic
            };
            let pstart =
                sp.start - (tail(text, span.start, sp.start, 40).len() - p.get(0).unwrap().start());
            found.push(
                Found::new(
                    RuleBody::Transplant { transplant: other },
                    Span::new(pstart, sp.end),
                )
                .negatable(),
            );
        }
        found.push(Found::new(RuleBody::Transplant { transplant: kind }, sp).negatable());
    }
}

// ---------------------------------------------------------------- infections

lazy_re!(
    INFECTION_MARKER,
    r"(?i)\b(?P<hbsag>HBsAg|hepatitis\s+B\s+surface\s+antigen)|\b(?P<hbeag>HBeAg|hepatitis\s+B\s+e\s+antigen)|\b(?P<hbeab>HBe-?Ab|anti-?HBe|HBeAb|hepatitis\s+B\s+e\s+antibody)|\b(?P<hbcab>HBc-?Ab|anti-?HBc|HBcAb|hepatitis\s+B\s+core\s+antibody)|\b(?P<hbvdna>HBV[- ]?DNA)|\b(?P<hbv>HBV|hepatitis\s+B(?:\s+virus)?)\b|\b(?P<hcvrna>HCV[- ]?RNA)|\b(?P<hcvab>HCV-?Ab|anti-?HCV|HCV\s+antibod(?:y|ies)|hepatitis\s+C\s+(?:virus\s+)?antibod(?:y|ies))|\b(?P<hcv>HCV|hepatitis\s+C(?:\s+virus)?)\b|\b(?P<hivab>HIV-?Ab|HIV\s+antibod(?:y|ies)|human\s+immunodeficiency\s+virus\s+antibod(?:y|ies))|\b(?P<hiv>HIV(?:-?[12])?|human\s+immunodeficiency\s+virus|AIDS)\b|\b(?P<tpab>TP-?Ab|Treponema\s+pallidum\s+antibod(?:y|ies))|\b(?P<syph>syphilis|Treponema\s+pallidum|RPR|VDRL)\b|\b(?P<cmv>CMV(?:[- ]DNA)?|cytomegalovirus)\b|\b(?P<ebv>EBV(?:[- ]DNA)?|Epstein[- ]Barr(?:\s+virus)?)\b|\b(?P<tb>tuberculosis|TB)\b|\b(?P<covid>COVID-?19|SARS-?CoV-?2)\b|\b(?P<htlv>HTLV(?:-?[12I]+)?)\b"
);
lazy_re!(
    INFECTION_GENERIC,
    r"(?i)\b(?:(?:active|uncontrolled|ongoing|serious|severe|systemic|significant|clinically\s+significant|acute|chronic|known|current|concurrent|untreated|bacterial|viral|fungal|opportunistic)\s+){1,4}(?:\w+\s+)?infections?\b|\binfections?\s+(?:requiring|that\s+requires?|needing)\b"
);

fn infection_state(lower: &str) -> Option<InfectionState> {
    if lower.contains("uncontrolled") {
        Some(InfectionState::Uncontrolled)
    } else if lower.contains("active") || lower.contains("ongoing") || lower.contains("requiring") {
        Some(InfectionState::Active)
    } else if lower.contains("chronic") {
        Some(InfectionState::Chronic)
    } else if lower.contains("positiv")
        || lower.contains("detectable")
        || lower.contains("seropositive")
        || lower.contains("above")
    {
        Some(InfectionState::Positive)
    } else if lower.contains("known") || lower.contains("history") {
        Some(InfectionState::Known)
    } else {
        None
    }
}

fn infections(text: &str, cls: &[Clause], found: &mut Vec<Found>) {
    let whole = match (cls.first(), cls.last()) {
        (Some(a), Some(b)) => text[a.span.start..b.span.end].to_ascii_lowercase(),
        _ => String::new(),
    };
    for clause in cls {
        let s = clause.span.slice(text);
        let lower = s.to_ascii_lowercase();
        let mut per_agent: Vec<(InfectionAgent, Vec<String>, Span)> = Vec::new();
        for c in INFECTION_MARKER.captures_iter(s) {
            let m = c.get(0).unwrap();
            let sp = Span::new(clause.span.start + m.start(), clause.span.start + m.end());
            let (agent, marker): (InfectionAgent, Option<&str>) = if c.name("hbsag").is_some() {
                (InfectionAgent::Hbv, Some("HBsAg"))
            } else if c.name("hbeag").is_some() {
                (InfectionAgent::Hbv, Some("HBeAg"))
            } else if c.name("hbeab").is_some() {
                (InfectionAgent::Hbv, Some("HBeAb"))
            } else if c.name("hbcab").is_some() {
                (InfectionAgent::Hbv, Some("HBcAb"))
            } else if c.name("hbvdna").is_some() {
                (InfectionAgent::Hbv, Some("HBV DNA"))
            } else if c.name("hbv").is_some() {
                (InfectionAgent::Hbv, None)
            } else if c.name("hcvrna").is_some() {
                (InfectionAgent::Hcv, Some("HCV RNA"))
            } else if c.name("hcvab").is_some() {
                (InfectionAgent::Hcv, Some("HCV Ab"))
            } else if c.name("hcv").is_some() {
                (InfectionAgent::Hcv, None)
            } else if c.name("hivab").is_some() {
                (InfectionAgent::Hiv, Some("HIV Ab"))
            } else if c.name("hiv").is_some() {
                (InfectionAgent::Hiv, None)
            } else if c.name("tpab").is_some() {
                (InfectionAgent::Syphilis, Some("TP Ab"))
            } else if c.name("syph").is_some() {
                (InfectionAgent::Syphilis, None)
            } else if c.name("cmv").is_some() {
                (
                    InfectionAgent::Cmv,
                    if m.as_str().to_uppercase().contains("DNA") {
                        Some("CMV DNA")
                    } else {
                        None
                    },
                )
            } else if c.name("ebv").is_some() {
                (
                    InfectionAgent::Ebv,
                    if m.as_str().to_uppercase().contains("DNA") {
                        Some("EBV DNA")
                    } else {
                        None
                    },
                )
            } else if c.name("tb").is_some() {
                (InfectionAgent::Tuberculosis, None)
            } else if c.name("covid").is_some() {
                (InfectionAgent::Covid19, None)
            } else {
                (InfectionAgent::Htlv, None)
            };
            // "TB" in "TBIL" is excluded by \b; "AIDS" in "hearing aids" by case: keep upper only.
            if m.as_str() == "aids" || m.as_str() == "Aids" {
                continue;
            }
            match per_agent.iter_mut().find(|(a, _, _)| *a == agent) {
                Some((_, markers, span)) => {
                    if let Some(mk) = marker
                        && !markers.iter().any(|x| x == mk)
                    {
                        markers.push(mk.to_string());
                    }
                    span.end = span.end.max(sp.end);
                }
                None => per_agent.push((
                    agent,
                    marker.map(|m| vec![m.to_string()]).unwrap_or_default(),
                    sp,
                )),
            }
        }
        let state = infection_state(&lower).or_else(|| infection_state(&whole));
        let qualifier = lower
            .find(" with ")
            .filter(|_| !per_agent.is_empty())
            .map(|p| {
                s[p + 6..]
                    .trim()
                    .trim_end_matches([';', '.', ','])
                    .to_string()
            });
        let qualifier = qualifier.or_else(|| {
            // "CMV DNA above ULN": the test result itself.
            let p = lower
                .find(" above ")
                .or_else(|| lower.find(" detectable"))
                .or_else(|| lower.find(" > "))?;
            Some(s[p..].trim().trim_end_matches([';', '.', ',']).to_string())
        });
        for (agent, markers, sp) in per_agent {
            found.push(
                Found::new(
                    RuleBody::Infection {
                        agent,
                        markers,
                        state,
                        qualifier: qualifier.clone(),
                    },
                    sp,
                )
                .negatable(),
            );
        }
        if !found
            .iter()
            .any(|f| matches!(f.body, RuleBody::Infection { .. }) && clause.span.contains(&f.span))
            && let Some(m) = INFECTION_GENERIC.find(s)
        {
            let sp = Span::new(clause.span.start + m.start(), clause.span.start + m.end());
            found.push(
                Found::new(
                    RuleBody::Infection {
                        agent: InfectionAgent::Any,
                        markers: Vec::new(),
                        state: state.or(Some(InfectionState::Active)),
                        qualifier: None,
                    },
                    sp,
                )
                .negatable(),
            );
        }
    }
}

// ---------------------------------------------------------------- autoimmune, CNS, allergy

lazy_re!(
    AUTOIMMUNE,
    r"(?i)\bauto-?immun(?:e|ity)(?:\s+(?:or\s+\w+\s+)?(?:diseases?|disorders?|conditions?|hepatitis|thyroiditis|colitis|illness(?:es)?))?|\b(?:systemic\s+lupus\s+erythematosus|SLE|lupus|rheumatoid\s+arthritis|multiple\s+sclerosis|inflammatory\s+bowel\s+diseases?|Crohn'?s\s+disease|ulcerative\s+colitis|psoriasis|vasculitis|Hashimoto'?s?(?:\s+thyroiditis)?|Graves'?\s+disease|myasthenia\s+gravis|Sj[oö]gren'?s?(?:\s+syndrome)?|scleroderma|systemic\s+sclerosis|autoimmune\s+hepatitis|sarcoidosis|Guillain[- ]Barr[eé]\s+syndrome)\b"
);

fn autoimmune(text: &str, span: Span, found: &mut Vec<Found>) {
    let s = span.slice(text);
    for m in AUTOIMMUNE.find_iter(s) {
        let sp = Span::new(
            expand_left(text, span.start, span.start + m.start()),
            span.start + m.end(),
        );
        let states = disease_states(&tail(text, span.start, sp.end, 80).to_ascii_lowercase());
        found.push(
            Found::new(
                RuleBody::Autoimmune {
                    mention: sp.slice(text).to_string(),
                    states,
                },
                sp,
            )
            .negatable(),
        );
    }
}

lazy_re!(
    CNS,
    r"(?i)\b(?P<met>(?:brain|cerebral|CNS|central\s+nervous\s+system|intracranial)\s+metastas[ie]s|leptomeningeal(?:\s+(?:disease|metastas[ie]s|involvement|carcinomatosis))?|brain\s+mets)\b|\b(?P<inv>(?:CNS|central\s+nervous\s+system)\s+(?:involvement|disease|lymphoma|leukemia|leukaemia|relapse))\b|\b(?P<dis>(?:central\s+nervous\s+system|CNS)(?:\s+(?:disorders?|diseases?|pathology|conditions?))?|epilep(?:sy|tic)|seizures?(?:\s+disorders?)?|dementia|cerebral\s+\w+(?:/\w+)?|cerebell(?:ar|um)\s+\w+|stroke|cerebrovascular\s+(?:accidents?|diseases?|events?)|Parkinson'?s?(?:\s+disease)?|Alzheimer'?s?(?:\s+disease)?|encephalopath(?:y|ies)|encephalitis|meningitis|paralysis|aphasia|spinal\s+cord\s+compression|neurodegenerative\s+(?:diseases?|disorders?)|transient\s+ischemic\s+attacks?|TIA|psychosis|brain\s+(?:injury|tumou?rs?|lesions?))\b"
);

fn cns(text: &str, span: Span, found: &mut Vec<Found>) {
    let s = span.slice(text);
    for c in CNS.captures_iter(s) {
        let m = c.get(0).unwrap();
        let topic = if c.name("met").is_some() {
            CnsTopic::Metastases
        } else if c.name("inv").is_some() {
            CnsTopic::Involvement
        } else {
            CnsTopic::Disorder
        };
        let sp = Span::new(span.start + m.start(), span.start + m.end());
        let sp = Span::new(expand_left(text, span.start, sp.start), sp.end);
        found.push(
            Found::new(
                RuleBody::Cns {
                    topic,
                    mention: sp.slice(text).to_string(),
                },
                sp,
            )
            .negatable(),
        );
    }
}

lazy_re!(
    ALLERGY,
    r"(?i)\b(?:(?:known|severe|serious|history\s+of)\s+)*(?:hypersensitivit(?:y|ies)|allerg(?:y|ies|ic\s+reactions?)|intoleran(?:ce|t)|anaphyla\w+)\b(?:\s+(?:reactions?))?(?:\s+(?:to|against|with)\s+(?P<m>[^;.]{1,80}))?"
);

fn allergy(text: &str, span: Span, found: &mut Vec<Found>) {
    let s = span.slice(text);
    for c in ALLERGY.captures_iter(s) {
        let m = c.get(0).unwrap();
        let mention = c
            .name("m")
            .map(|x| x.as_str().trim().to_string())
            .unwrap_or_else(|| m.as_str().to_string());
        found.push(
            Found::new(
                RuleBody::Allergy { mention },
                Span::new(span.start + m.start(), span.start + m.end()),
            )
            .negatable(),
        );
    }
}

// ---------------------------------------------------------------- prior therapy

const THERAPY: &str = r"chemo-?immunotherap(?:y|ies)|chemo-?radiotherap(?:y|ies)|chemotherap(?:y|ies)|chemotherapeutic\s+(?:agents?|regimens?)|immunotherap(?:y|ies)|radiotherap(?:y|ies)|radiation(?:\s+therap(?:y|ies))?|targeted\s+therap(?:y|ies)|hormonal?\s+therap(?:y|ies)|endocrine\s+therap(?:y|ies)|CAR[- ]?T(?:[- ]cells?)?(?:\s+(?:cell\s+)?therap(?:y|ies))?|cellular\s+therap(?:y|ies)|gene\s+therap(?:y|ies)|anti-?PD-?L?1(?:\s+(?:or\s+anti-?PD-?L?1\s+)?(?:antibod(?:y|ies)|therap(?:y|ies)|agents?))?|anti-?CTLA-?4|(?:immune\s+)?checkpoint\s+inhibitors?|tyrosine\s+kinase\s+inhibitors?|EGFR[- ]TKIs?|TKIs?|monoclonal\s+antibod(?:y|ies)|anti-?CD\d+(?:\s+(?:monoclonal\s+)?antibod(?:y|ies))?|bispecific\s+(?:antibod(?:y|ies)|T-cell\s+engagers?)|investigational\s+(?:agents?|drugs?|products?|therap(?:y|ies)|medicinal\s+products?|devices?)|(?:systemic|anti-?cancer|anti-?tumou?r|antineoplastic|anti-?neoplastic|anti-?myeloma|anti-?lymphoma|cytotoxic)\s+(?:therap(?:y|ies)|treatments?|agents?|drugs?|medications?)|biologics?|(?:systemic\s+)?(?:cortico)?steroids?|glucocorticoids?|immunosuppressi(?:ve|on|ants?)(?:\s+(?:therap(?:y|ies)|agents?|drugs?|medications?))?|live\s+(?:attenuated\s+)?vaccines?|vaccinations?|platinum(?:-based)?(?:\s+(?:chemotherapy|doublet|therapy))?|anthracyclines?|taxanes?|fluoropyrimidines?|alkylating\s+agents?|hypomethylating\s+agents?|proteasome\s+inhibitors?|immunomodulatory\s+(?:drugs?|agents?)|IMiDs?|rituximab|lenalidomide|pomalidomide|thalidomide|bortezomib|carfilzomib|daratumumab|ibrutinib|acalabrutinib|zanubrutinib|venetoclax|blinatumomab|inotuzumab|trastuzumab|pertuzumab|pembrolizumab|nivolumab|atezolizumab|durvalumab|ipilimumab|cemiplimab|bevacizumab|cetuximab|panitumumab|osimertinib|gefitinib|erlotinib|afatinib|crizotinib|alectinib|lorlatinib|imatinib|dasatinib|nilotinib|ponatinib|azacitidine|decitabine|cytarabine|methotrexate|cyclophosphamide|fludarabine|bendamustine|doxorubicin|cisplatin|carboplatin|paclitaxel|docetaxel|gemcitabine|pemetrexed|5-?FU|fluorouracil|capecitabine|oxaliplatin|irinotecan|tamoxifen|letrozole|anastrozole|exemestane|fulvestrant|enzalutamide|abiraterone|olaparib|niraparib|palbociclib|ribociclib|abemaciclib|sorafenib|lenvatinib|regorafenib|sunitinib|cabozantinib|warfarin|heparin|aspirin|clopidogrel|metformin|insulin|CDK4/6\s+inhibitors?|PARP\s+inhibitors?|BTK\s+inhibitors?|BCL-?2\s+inhibitors?|ALK\s+inhibitors?|mTOR\s+inhibitors?|JAK\s+inhibitors?|VEGF(?:R)?\s+inhibitors?|proton\s+pump\s+inhibitors?|anticoagula(?:nts?|tion|nt\s+therapy)|antiplatelet\s+(?:agents?|therapy|drugs?)|(?:strong|moderate|potent)\s+CYP3A4?\s+(?:inhibitors?|inducers?)|CYP3A4?\s+(?:inhibitors?|inducers?)|opioids?|antibiotics?|surgery|surgical\s+resection|major\s+surgery|(?:first|second|third|1st|2nd|3rd)[- ]line\s+(?:chemotherapy\s+)?(?:regimens?|therap(?:y|ies)|treatments?)|(?:induction|consolidation|maintenance|salvage|neoadjuvant|adjuvant)\s+(?:chemo)?(?:therap(?:y|ies)|treatments?|regimens?)|anti-?[a-z]{2,6}-?\d{0,3}\s+(?:targeted\s+)?(?:therap(?:y|ies)|treatments?|agents?|drugs?|antibod(?:y|ies))";

static THERAPY_RE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)\b(?P<t>{THERAPY})\b")));
lazy_re!(
    THERAPY_CUE,
    r"(?i)\b(?:prior|previous(?:ly)?|preceding|received|receiving|receive|treated|treatment\s+with|exposure|exposed|history\s+of|failed|failure|refractory|resistant|relapsed|intoleran(?:t|ce)|naive|naïve|within|use\s+of|using|taking|concurrent|concomitant|ongoing|current(?:ly)?|after|since|last\s+dose|washout|before|completed|lines?\s+of|had)\b"
);
lazy_re!(
    ORDINAL_LINE,
    r"(?i)\b(?P<cmp>at\s+least(?:\s+the)?\s+|≥\s*|\\?>=?\s*)?(?P<ord>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|one|two|three|four|five)[\s-]+(?:or\s+more\s+)?(?:prior\s+|previous\s+)?(?P<lines>lines?|regimens?)\b(?P<post>\s+(?:or\s+(?:more|later|above|beyond|higher|greater|subsequent)|and\s+(?:beyond|above|later)))?"
);
lazy_re!(
    LINE_CONTEXT,
    r"(?i)\b(?:therap|treatment|regimen|chemo|prior|previous|systemic)"
);
lazy_re!(
    ORDINAL_MORE,
    r"(?i)^[\w\s-]{0,30}?\bor\s+(?:more|later|above|beyond|higher|greater|subsequent)\b"
);
lazy_re!(
    DONATION,
    r"(?i)\b(?:donat\w*|sperm|ova|oocytes?|eggs?|fathering|father\s+a\s+child)\b"
);
lazy_re!(
    STUDY_DOSE_ANCHOR,
    r"(?i)\b(?:after|following|since|from|until|post)\s+(?:the\s+)?(?:final|last|first|end\s+of|completion\s+of)\s+(?:the\s+)?(?:dose|doses|administration|infusion|injection|treatment|cycle)s?\s+(?:of\s+)?(?:(?:the\s+)?study\s+(?:drugs?|treatments?|medications?)\s*(?:\(|,)?\s*)?(?:[\w-]+\s*(?:,|and/or|or|and|/|\+)\s*){0,6}$"
);
lazy_re!(
    RESPONSE,
    r"(?i)\b(?P<r>refractory|relapsed|relapse|recurren(?:ce|t)|resistan(?:t|ce)|progress(?:ion|ed|ive\s+disease)|failed|failure|intoleran(?:t|ce)|(?:did\s+not|failed\s+to|not)\s+(?:achieve|achieved|reach)\s+(?:a\s+)?(?:PR|CR|partial\s+(?:response|remission)|complete\s+(?:response|remission)|remission|response)|not\s+achieved\s+(?:a\s+)?(?:PR|CR|remission|response)|no\s+response|naive|naïve)\b"
);

// "endocrine or anti-HER2 therapy": the first item shares the head noun of the last one.
lazy_re!(
    ELIDED_THERAPY,
    r"(?i)\b(?P<adj>endocrine|hormonal?|targeted|biologic(?:al)?|cytotoxic|cellular|gene|systemic|immune|radiation)(?:\s*,\s*|\s+(?:and/or|or|and)\s+)(?:[\w-]+(?:\s*,\s*|\s+(?:and/or|or|and)\s+)){0,3}[\w-]+\s+(?P<head>therap(?:y|ies)|treatments?|agents?)\b"
);
// What joins two therapies of one list: "A, B or C", "A and/or B", "A / B".
lazy_re!(
    THERAPY_LIST_JOIN,
    r"(?i)^\s*(?:,\s*(?:(?:and/or|or|and)\s+)?|(?:and/or|or|and|/)\s+|/\s*)$"
);

fn ordinal(s: &str) -> f64 {
    match s.to_ascii_lowercase().as_str() {
        "first" | "1st" | "one" => 1.0,
        "second" | "2nd" | "two" => 2.0,
        "third" | "3rd" | "three" => 3.0,
        "fourth" | "4th" | "four" => 4.0,
        _ => 5.0,
    }
}

fn prior_therapy(text: &str, cls: &[Clause], exprs: &[NumExpr], found: &mut Vec<Found>) {
    for clause in cls {
        let s = clause.span.slice(text);
        let lower = s.to_ascii_lowercase();
        if lower.contains("lesion") {
            // "lesions that received prior radiotherapy" describe lesions, not the patient.
            continue;
        }
        // "a failure rate of < 1% per year" is a contraceptive method's, no treatment failure.
        let response = RESPONSE
            .captures_iter(s)
            .find(|c| {
                let r = c.name("r").unwrap();
                !(r.as_str().eq_ignore_ascii_case("failure")
                    && s[r.end()..]
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("rate"))
            })
            .map(|c| c["r"].to_ascii_lowercase());
        // Number of prior lines: "at least 2 prior lines", "second-line or more", "first-line".
        // "≥ 3 lines" of visual acuity are not lines of therapy.
        let therapy_context = THERAPY_RE.is_match(s) || LINE_CONTEXT.is_match(s);
        let mut line_mentions: Vec<(Threshold, Span)> = exprs
            .iter()
            .filter(|e| {
                therapy_context
                    && clause.span.contains(&e.span)
                    && e.unit.as_deref() == Some("line")
            })
            .map(|e| (e.threshold(), e.span))
            .collect();
        for c in ORDINAL_LINE.captures_iter(s).filter(|_| therapy_context) {
            let m = c.get(0).unwrap();
            let sp = Span::new(clause.span.start + m.start(), clause.span.start + m.end());
            if line_mentions.iter().any(|(_, l)| l.overlaps(&sp)) {
                continue;
            }
            let n = ordinal(&c["ord"]);
            let cardinal = matches!(
                c["ord"].to_ascii_lowercase().as_str(),
                "one" | "two" | "three" | "four" | "five"
            );
            let after = &s[m.end()..];
            let or_more = ORDINAL_MORE.is_match(after);
            let cmp = if c.name("cmp").is_some() || c.name("post").is_some() || or_more || cardinal
            {
                Comparator::Ge
            } else {
                Comparator::Eq
            };
            line_mentions.push((
                Threshold {
                    comparator: cmp,
                    value: n,
                    upper: None,
                    unit: Some("line".into()),
                    relative_to: None,
                    span: sp,
                },
                sp,
            ));
        }
        let lines = line_mentions.first().cloned();
        let has_cue = THERAPY_CUE.is_match(s);
        let mut seen: Vec<String> = Vec::new();
        let mut any = false;
        let mut mentions: Vec<(usize, usize, String)> = THERAPY_RE
            .captures_iter(s)
            .map(|c| {
                let m = c.name("t").unwrap();
                (m.start(), m.end(), m.as_str().to_ascii_lowercase())
            })
            .collect();
        for c in ELIDED_THERAPY.captures_iter(s) {
            let adj = c.name("adj").unwrap();
            if mentions
                .iter()
                .any(|&(a, b, _)| a < adj.end() && adj.start() < b)
            {
                continue;
            }
            let name = format!(
                "{} {}",
                adj.as_str().to_ascii_lowercase(),
                c["head"].to_ascii_lowercase()
            );
            mentions.push((adj.start(), adj.end(), name));
        }
        mentions.sort_by_key(|&(a, b, _)| (a, b));
        let mut therapy_spans: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, found index)
        let reproductive_clause = REPRO.is_match(s) || DONATION.is_match(s);
        for (m_start, m_end, raw) in mentions {
            let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            if !has_cue && lines.is_none() {
                continue;
            }
            // "use contraception … for 90 days after the final dose of tiragolumab", "donate
            // sperm … after the last dose of paclitaxel and/or carboplatin": in a reproductive
            // criterion the study's own treatment anchors a time, the patient need not have had
            // it before ("progression ≤ 84 days following the last dose of adjuvant
            // chemotherapy" still names a prior therapy).
            if reproductive_clause && STUDY_DOSE_ANCHOR.is_match(tail(s, 0, m_start, 120)) {
                continue;
            }
            if seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let sp = Span::new(clause.span.start + m_start, clause.span.start + m_end);
            therapy_spans.push((m_start, m_end, found.len()));
            let ln = line_mentions
                .iter()
                .filter(|(_, lsp)| {
                    lsp.overlaps(&sp) || (lsp.end <= sp.start && sp.start <= lsp.end + 30)
                })
                .map(|(t, _)| t.clone())
                .next();
            found.push(
                Found::new(
                    RuleBody::PriorTherapy {
                        therapy: Some(name),
                        lines: ln,
                        response: response.clone(),
                    },
                    sp,
                )
                .negatable(),
            );
            any = true;
        }
        // Therapies listed with "or" ("chemotherapy, endocrine or anti-HER2 therapy") are
        // alternatives; a list joined only by "and" or commas stays conjunctive.
        let mut run_start = 0;
        for i in 1..=therapy_spans.len() {
            let joined = i < therapy_spans.len() && {
                let gap = &s[therapy_spans[i - 1].1..therapy_spans[i].0];
                therapy_spans[i - 1].1 <= therapy_spans[i].0 && THERAPY_LIST_JOIN.is_match(gap)
            };
            if joined {
                continue;
            }
            let run = &therapy_spans[run_start..i];
            let has_or = run.windows(2).any(|w| {
                let gap = s[w[0].1..w[1].0].to_ascii_lowercase();
                gap.contains("or") || gap.contains('/')
            });
            let has_and = run.windows(2).any(|w| {
                let gap = s[w[0].1..w[1].0].to_ascii_lowercase();
                gap.split(|c: char| !c.is_ascii_alphabetic())
                    .any(|t| t == "and")
            });
            if run.len() >= 2 && has_or && !has_and {
                let g = found.iter().filter_map(|f| f.group).max().unwrap_or(0) + 1;
                for &(_, _, fi) in run {
                    found[fi].group = Some(g);
                    found[fi].or_list = true;
                }
            }
            run_start = i;
        }
        if !any && let Some((t, sp)) = lines {
            found.push(
                Found::new(
                    RuleBody::PriorTherapy {
                        therapy: None,
                        lines: Some(t),
                        response: response.clone(),
                    },
                    sp,
                )
                .negatable(),
            );
        }
    }
}

// ---------------------------------------------------------------- administrative

lazy_re!(
    ADMIN,
    r"(?i)(?P<consent>\binformed\s+consent|\bconsent\s+form|\bsign(?:ed|ing|s)?\s+(?:an?\s+|the\s+)?(?:written\s+)?(?:informed\s+)?consent|\b(?:give|provide|provided|obtain(?:ed)?)\s+(?:written\s+)?(?:informed\s+)?consent|\bassent\b|\bexplicit\s+consent)|(?P<comply>\bcomply|\bcompliance|\bcompliant|\bwilling(?:ness)?\s+(?:and\s+able\s+)?to\b|\bable\s+to\s+(?:attend|follow|complete|adhere|participate|return)|\badhere\s+to|\bfollow-?up\s+visits|\bstudy\s+(?:procedures|visits|schedule)|\bplanned\s+visits|\bavailable\s+for\s+follow)|(?P<lang>\b(?:speak|read|understand|fluent|literate)\b[^;.]{0,30}\b(?:English|Spanish|French|German|Chinese|Dutch|Italian|Japanese|Korean|Portuguese|language)\b)|(?P<inv>\binvestigators?'?s?\s+(?:opinion|judge?ment|discretion)|\bin\s+the\s+(?:opinion|judge?ment)\s+of|\bdeemed\s+(?:by|unsuitable|inappropriate|not\s+suitable|ineligible)|\bjudged\s+by\s+the\s+investigator|\bunsuitable\s+for|\bnot\s+suitable\s+for|\bunsuitable\b|\bat\s+the\s+discretion)|(?P<other>\b(?:participat\w+|enrol+(?:ed|ment)?)\s+in\s+(?:any\s+)?(?:another|other|an?\s+other|a\s+different|concurrent)?\s*(?:clinical\s+)?(?:interventional\s+)?(?:stud(?:y|ies)|trials?))"
);

fn administrative(text: &str, span: Span, found: &mut Vec<Found>) {
    let s = span.slice(text);
    let mut seen: Vec<AdministrativeTopic> = Vec::new();
    for c in ADMIN.captures_iter(s) {
        let topic = if c.name("consent").is_some() {
            AdministrativeTopic::Consent
        } else if c.name("comply").is_some() {
            AdministrativeTopic::Compliance
        } else if c.name("lang").is_some() {
            AdministrativeTopic::Language
        } else if c.name("inv").is_some() {
            AdministrativeTopic::InvestigatorJudgement
        } else {
            AdministrativeTopic::OtherStudy
        };
        if seen.contains(&topic) {
            continue;
        }
        seen.push(topic);
        let m = c.get(0).unwrap();
        found.push(Found::new(
            RuleBody::Administrative { topic },
            Span::new(span.start + m.start(), span.start + m.end()),
        ));
    }
}

// ---------------------------------------------------------------- conditions

lazy_re!(
    DISEASE_HEAD_WORD,
    r"(?i)\b(?:[\w'’+-]*(?:oma|omas|emia|aemia|emias|itis|osis|oses|pathy|pathies|plasia|plasias)|cancers?|carcinomas?|tumou?rs?|neoplasms?|neoplasia|malignanc(?:y|ies)|diseases?|disorders?|syndromes?|infarctions?|failure|insufficiency|impairment|dysfunction|diabetes(?:\s+mellitus)?|hypertension|hypotension|stroke|fractures?|effusions?|obstructions?|emergenc(?:y|ies)|ulcers?|arrhythmias?|fibrillation|angina|asthma|metastas[ie]s|hernia(?:tion)?|pain|depression|schizophrenia|obesity|dementia|injur(?:y|ies)|bleeding|hemorrhage|haemorrhage|thrombosis|embolism)\b"
);
lazy_re!(
    DISEASE_HEAD_ABBR,
    r"\b(?:COPD|GVHD|AIDS|MDS|AML|ALL|CLL|CML|NSCLC|SCLC|HCC|DLBCL|NHL|MM|CKD|CHF|MI|IBD|RCC|CRC|TNBC|GIST|PTCL|CTCL|ALCL|AITL)\b"
);

lazy_re!(
    STAGE,
    r"(?i)\bstage\s+(?P<st>(?:[0IV]{1,4}|[0-4])[A-C]?\d?(?:\s*(?:-|to|or|/|–)\s*(?:[0IV]{1,4}|[0-4])[A-C]?\d?)?)\b"
);
lazy_re!(
    CONFIRM,
    r"(?i)\b(histolog\w*|cytolog\w*|patholog\w*|radiolog\w*)(?:\s+(?:and/or|or|and)\s+\w+)?\s+(?:confirmed|proven|documented|diagnos\w+|verified)"
);

/// Heads too vague to be a condition on their own.
const GENERIC_HEADS: &[&str] = &[
    "disease",
    "diseases",
    "disorder",
    "disorders",
    "syndrome",
    "syndromes",
    "failure",
    "impairment",
    "dysfunction",
    "insufficiency",
    "injury",
    "injuries",
    "obstruction",
    "obstructions",
    "emergency",
    "emergencies",
    "effusion",
    "effusions",
    "pain",
    "bleeding",
    "tumor",
    "tumors",
    "tumour",
    "tumours",
    "lesion",
    "lesions",
    "ulcer",
    "ulcers",
    "fracture",
    "fractures",
];

const STOP_LEFT: &[&str] = &[
    "the",
    "of",
    "with",
    "a",
    "an",
    "and",
    "or",
    "to",
    "in",
    "for",
    "by",
    "from",
    "on",
    "at",
    "as",
    "is",
    "are",
    "be",
    "was",
    "were",
    "has",
    "have",
    "had",
    "who",
    "which",
    "that",
    "any",
    "all",
    "types",
    "type",
    "history",
    "diagnosis",
    "diagnosed",
    "confirmed",
    "documented",
    "proven",
    "patients",
    "patient",
    "subjects",
    "participants",
    "known",
    "evidence",
    "presence",
    "suspected",
    "other",
    "no",
    "not",
    "without",
    "due",
    "caused",
    "include",
    "including",
    "such",
    "e.g.",
    "i.e.",
    "than",
    "following",
    "if",
    "must",
    "should",
    "will",
    "can",
    "may",
    "prior",
    "previous",
    "current",
    "concurrent",
    "severe",
    "significant",
    "clinically",
    "uncontrolled",
    "active",
    "documented",
    "pre-existing",
    "existing",
    "underlying",
    "suffering",
    "their",
    "his",
    "her",
    "where",
    "when",
    "whose",
    "after",
    "before",
    "during",
    "within",
    "under",
    "over",
    "per",
    "this",
    "these",
    "those",
    "each",
    "only",
    "also",
    "either",
    "both",
    "some",
    "relapsed",
    "refractory",
    "recurrent",
    "metastatic",
    "advanced",
    "unresectable",
    "untreated",
    "newly",
    "progressive",
    "stable",
    "locally",
    "inoperable",
    "resistant",
];

/// Extends a head word leftwards over the noun phrase's modifiers (at most 6 words).
fn expand_left(text: &str, floor: usize, head_start: usize) -> usize {
    let mut start = head_start;
    for _ in 0..6 {
        let before = &text[floor..start];
        let trimmed = before.trim_end();
        if trimmed.len() == before.len() && !before.is_empty() {
            // Head is glued to the previous token ("non-Hodgkin's") — only when separated by space.
            break;
        }
        let wstart = trimmed
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace() || "(),;:/[".contains(c))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = &trimmed[wstart..];
        if word.is_empty() {
            break;
        }
        let wl = word.to_ascii_lowercase();
        // "Type 1 diabetes", "type II diabetes": the number is part of the name.
        let numeral = word.chars().all(|c| c.is_ascii_digit())
            || matches!(wl.as_str(), "i" | "ii" | "iii" | "iv" | "1a" | "1b");
        if numeral {
            let rest = trimmed[..wstart].trim_end();
            if rest.len() >= 4 && rest[rest.len() - 4..].eq_ignore_ascii_case("type") {
                let type_start = rest.len() - 4;
                let boundary = rest[..type_start]
                    .chars()
                    .last()
                    .is_none_or(|c| !c.is_alphanumeric());
                if boundary {
                    start = floor + type_start;
                    continue;
                }
            }
        }
        if STOP_LEFT.contains(&wl.as_str())
            || word.ends_with(['.', ','])
            || word.chars().all(|c| c.is_ascii_digit())
        {
            break;
        }
        if !word.chars().any(|c| c.is_alphanumeric()) {
            break;
        }
        start = floor + wstart;
    }
    start
}

fn disease_states(lower: &str) -> Vec<DiseaseState> {
    let mut v = Vec::new();
    let checks: &[(&str, DiseaseState)] = &[
        ("relaps", DiseaseState::Relapsed),
        ("recurr", DiseaseState::Relapsed),
        ("refractory", DiseaseState::Refractory),
        ("newly diagnosed", DiseaseState::NewlyDiagnosed),
        ("untreated", DiseaseState::Untreated),
        ("treatment-naive", DiseaseState::Untreated),
        ("treatment naive", DiseaseState::Untreated),
        ("metasta", DiseaseState::Metastatic),
        ("locally advanced", DiseaseState::LocallyAdvanced),
        ("unresectable", DiseaseState::Unresectable),
        ("inoperable", DiseaseState::Unresectable),
        ("progressi", DiseaseState::Progressive),
        ("uncontrolled", DiseaseState::Uncontrolled),
        ("active", DiseaseState::Active),
        ("stable", DiseaseState::Stable),
        ("remission", DiseaseState::InRemission),
        ("well-controlled", DiseaseState::Controlled),
        ("well controlled", DiseaseState::Controlled),
    ];
    for (k, st) in checks {
        if lower.contains(k) && !v.contains(st) {
            if *st == DiseaseState::Active && lower.contains("inactive") {
                continue;
            }
            // "unstable angina" is not stable disease.
            if *st == DiseaseState::Stable
                && lower.matches("stable").count() == lower.matches("unstable").count()
            {
                continue;
            }
            v.push(*st);
        }
    }
    v
}

// ---------------------------------------------------------------- time windows

lazy_re!(
    WINDOW,
    r"(?i)(?P<w>\bwithin(?:\s+the)?(?:\s+(?:last|past|previous|preceding|prior|recent))?|\bin\s+(?:the\s+)?(?:last|past|previous|preceding|prior|next|coming|upcoming|following)|\b(?:for\s+)?(?:longer|more)\s+than|\\?<\s?/?=|\\?>\s?/?=|\bduring\s+the(?:\s+(?:last|past|previous|preceding|prior))?|\bover\s+the\s+(?:last|past|previous)|\bfor\s+at\s+least|\bat\s+least|\bless\s+than|\bmore\s+than|\bno\s+(?:less|more)\s+than|\bup\s+to|\bgreater\s+than|\b(?:a\s+)?(?:minimum|maximum)\s+of|≤|≥|\\?<|\\?>|＜|＞|\bfor|\bin\s+the)?\s*\(?\s*(?:(?:approximately|approx\.?|about|around|roughly)\s+)?(?P<n>\d+(?:\.\d+)?|\bone|\btwo|\bthree|\bfour|\bfive|\bsix|\bseven|\beight|\bnine|\bten|\btwelve)(?:\s*(?:-|–|to)\s*(?P<n2>\d+(?:\.\d+)?))?\s*(?:-\s*)?(?P<u>hours?|hrs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)\b(?P<post>\s+or\s+(?:longer|more|greater|less|fewer|shorter)\b)?\s*\)?\s*(?P<d>(?:prior\s+to|before|preceding|prior|ago|after|following|since|post|from|of|until)\b)?(?P<a>[^;,.()]{0,60})?"
);

lazy_re!(YEARS_OF_AGE, r"(?i)^\s*(?:of\s+age|old)\b");

fn number_word(s: &str) -> Option<f64> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
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
        "twelve" => 12.0,
        other => return parse_number(other),
    })
}

fn windows(text: &str, cls: &[Clause], found: &[Found]) -> Vec<TimeWindow> {
    let mut out = Vec::new();
    for clause in cls {
        let s = clause.span.slice(text);
        for c in WINDOW.captures_iter(s) {
            let w = c.name("w").map(|m| m.as_str().to_ascii_lowercase());
            let d = c.name("d").map(|m| m.as_str().to_ascii_lowercase());
            let qualifies = match (&w, &d) {
                (Some(w), _)
                    if w.starts_with("within")
                        || w.starts_with("in the") && w.len() > 6
                        || w.starts_with("in ") && w.len() > 3
                        || w.starts_with("during")
                        || w.starts_with("over the") =>
                {
                    true
                }
                // "8 weeks or longer", "four weeks or less since …".
                _ if c.name("post").is_some() => true,
                // Durations: "for at least 6 months", "more than 14 days".
                (Some(w), _)
                    if w.starts_with("for")
                        || w.starts_with("at least")
                        || w.starts_with("more than")
                        || w.starts_with("greater than")
                        || w.contains("minimum of")
                        || w.contains("maximum of")
                        || w.starts_with("less than")
                        || w.starts_with("no ")
                        || w.starts_with("up to")
                        || w.contains(['≤', '≥', '<', '>', '＜', '＞']) =>
                {
                    true
                }
                (_, Some(d)) if d != "of" && d != "from" && d != "until" => true,
                (Some(_), Some(d)) if d == "from" || d == "until" => true,
                _ => false,
            };
            if !qualifies {
                continue;
            }
            let Some(n) = c.name("n").and_then(|m| number_word(m.as_str())) else {
                continue;
            };
            let u = c["u"].to_ascii_lowercase();
            let unit = if u.starts_with('h') {
                TimeUnit::Hour
            } else if u.starts_with('d') {
                TimeUnit::Day
            } else if u.starts_with('w') {
                TimeUnit::Week
            } else if u.starts_with("mo") {
                TimeUnit::Month
            } else {
                TimeUnit::Year
            };
            let m = c.get(0).unwrap();
            let start = clause.span.start
                + c.name("w")
                    .map_or(c.name("n").unwrap().start(), |x| x.start());
            let core_end = clause.span.start
                + c.name("d")
                    .or(c.name("post"))
                    .map_or(c.name("u").unwrap().end(), |x| x.end());
            let span = Span::new(start, core_end);
            // Ages, gestational ages and life expectancy are not windows.
            if found.iter().any(|f| {
                (matches!(
                    f.body,
                    RuleBody::Age { .. } | RuleBody::LifeExpectancy { .. }
                ) || matches!(&f.body, RuleBody::Lab { threshold, .. }
                if threshold.unit.as_deref().is_some_and(|u| {
                    ["year", "month", "week", "day", "hour"].contains(&u)
                }))) && f.span.overlaps(&span)
            }) {
                continue;
            }
            if LIFE.is_match(tail(text, clause.span.start, span.start, 60)) {
                continue;
            }
            // "For patients >= 40 years of age": an age (here a condition), not a window.
            let after_unit = clause.span.start + c.name("u").unwrap().end();
            if YEARS_OF_AGE.is_match(&text[after_unit..clause.span.end]) {
                continue;
            }
            let post = c.name("post").map(|p| p.as_str().to_ascii_lowercase());
            let comparator = match w.as_deref() {
                _ if post.is_some() => {
                    let p = post.as_deref().unwrap_or("");
                    if p.contains("less") || p.contains("fewer") || p.contains("shorter") {
                        Comparator::Le
                    } else {
                        Comparator::Ge
                    }
                }
                Some(x)
                    if x.contains("longer than")
                        || x.starts_with("more than")
                        || x.starts_with("greater than")
                        || x.starts_with("for more than") =>
                {
                    Comparator::Gt
                }
                Some(x)
                    if x.starts_with("at least")
                        || x.starts_with("for at least")
                        || x.contains("minimum of")
                        || x.starts_with("no less")
                        || x.contains('≥')
                        || x.contains('>')
                        || x.contains('＞') =>
                {
                    if (x.contains('>') || x.contains('＞')) && !x.contains('=') {
                        Comparator::Gt
                    } else {
                        Comparator::Ge
                    }
                }
                Some(x) if x.starts_with("more than") => Comparator::Gt,
                Some(x) if x.contains('<') && x.contains('=') => Comparator::Le,
                Some(x) if x.contains('>') && x.contains('=') => Comparator::Ge,
                Some(x) if x.starts_with("less than") || x.contains('<') || x.contains('＜') => {
                    Comparator::Lt
                }
                Some(x) if x.starts_with("for") => Comparator::Ge,
                Some(_) => Comparator::Le,
                None => Comparator::Eq,
            };
            let direction = match d.as_deref() {
                Some("after" | "following" | "post" | "since" | "from") => WindowDirection::After,
                Some(_) => WindowDirection::Before,
                None => match w.as_deref() {
                    Some(x)
                        if x.contains("next")
                            || x.contains("coming")
                            || x.contains("following") =>
                    {
                        WindowDirection::After
                    }
                    Some(x)
                        if x.contains("last")
                            || x.contains("past")
                            || x.contains("previous")
                            || x.contains("preceding")
                            || x.contains("prior") =>
                    {
                        WindowDirection::Before
                    }
                    _ => WindowDirection::Unspecified,
                },
            };
            let anchor = c
                .name("a")
                .filter(|_| d.is_some())
                .map(|a| {
                    let a = a.as_str().trim();
                    let a = a.strip_prefix("the ").unwrap_or(a);
                    a.split(" and ").next().unwrap_or(a).trim().to_string()
                })
                .filter(|a| !a.is_empty());
            let _ = m;
            // "2-4 months before enrollment": a range of lengths.
            let upper = c
                .name("n2")
                .and_then(|m| parse_number(m.as_str()))
                .filter(|&hi| hi > n);
            let comparator = if upper.is_some() {
                Comparator::Between
            } else {
                comparator
            };
            out.push(TimeWindow {
                comparator,
                value: n,
                upper,
                unit,
                direction,
                anchor,
                span,
            });
        }
    }
    out
}
