//! View models for the match pages, built by pure functions from the matcher's results.

use matcher::{Eligibility, Evidence, Mark, NearestSite, Question, RankedTrial, RuleMark, Verdict};

use super::request::truncate;

/// One rule's mark as shown: a symbol for the eye and a word for everyone.
#[derive(Debug, Clone)]
pub struct MarkView {
    pub symbol: &'static str,
    pub label: &'static str,
    pub class: &'static str,
    pub kind: String,
    /// The patient fact behind the mark ("You: age 64"), what would decide an unknown, or why
    /// the rule does not apply.
    pub fact: String,
}

/// One criterion as written, with the marks of the rules read from it.
#[derive(Debug, Clone)]
pub struct CriterionView {
    pub criterion: String,
    pub section: &'static str,
    pub marks: Vec<MarkView>,
}

/// One ranked trial.
#[derive(Debug, Clone)]
pub struct TrialResultView {
    pub nct_id: String,
    pub title: String,
    pub status: String,
    pub verdict_label: &'static str,
    pub verdict_class: &'static str,
    pub score: String,
    pub relevance_percent: u32,
    /// For "possibly eligible": the first questions whose answers decide it ...
    pub deciding: Vec<String>,
    /// ... and how many more there are.
    pub deciding_more: usize,
    pub criteria: Vec<CriterionView>,
    pub rule_count: usize,
    pub met: usize,
    pub not_met: usize,
    pub unknown: usize,
    /// With a patient location: the nearest site and its distance, in words
    /// ([`nearest_site_line`]).
    pub nearest_site: Option<String>,
}

/// Deciding questions listed in a result before "and N more".
pub const DECIDING_SHOWN: usize = 5;

pub fn verdict_label(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::LikelyEligible => ("Likely eligible", "likely"),
        Verdict::PossiblyEligible => ("Possibly eligible", "possibly"),
        Verdict::NotEligible => ("Not eligible", "not-eligible"),
    }
}

/// The mark's symbol, its words and a CSS class.
pub fn mark_words(m: Mark) -> (&'static str, &'static str, &'static str) {
    match m {
        Mark::Met => ("✓", "Met", "met"),
        Mark::NotMet => ("✗", "Not met", "not-met"),
        Mark::Unknown => ("?", "Unknown", "unknown"),
        Mark::NotApplicable => ("–", "Not applicable", "na"),
    }
}

/// The marks grouped by criterion, in the trial's order; unknown ones name the question that
/// would decide them.
pub fn criteria(eligibility: &Eligibility, questions: &[Question]) -> Vec<CriterionView> {
    let mut out: Vec<CriterionView> = Vec::new();
    let mut last: Option<(&str, criteria::Polarity)> = None;
    for m in &eligibility.marks {
        let key = (&*m.criterion, m.polarity);
        let view = mark_view(m, questions);
        match out.last_mut() {
            Some(group) if last == Some(key) => group.marks.push(view),
            _ => out.push(CriterionView {
                criterion: truncate(&m.criterion, 600),
                section: match m.polarity {
                    criteria::Polarity::Inclusion => "Inclusion",
                    criteria::Polarity::Exclusion => "Exclusion",
                },
                marks: vec![view],
            }),
        }
        last = Some(key);
    }
    out
}

fn mark_view(m: &RuleMark, questions: &[Question]) -> MarkView {
    let (symbol, label, class) = mark_words(m.mark);
    let fact = match (m.mark, &m.patient_fact, &m.fact) {
        (Mark::NotApplicable, Some(f), _) => format!("({f})"),
        (_, Some(f), _) => format!("You: {f}"),
        (_, None, Some(key)) => match questions.iter().find(|q| &q.fact == key) {
            Some(q) => format!("Not stated: {}", q.text),
            None => format!("Not stated: {}", fact_key_words(key)),
        },
        (_, None, None) => String::new(),
    };
    MarkView {
        symbol,
        label,
        class,
        kind: m.kind.replace('_', " "),
        fact,
    }
}

/// A fact key in words, for when no question phrases it.
pub fn fact_key_words(key: &matcher::FactKey) -> String {
    match serde_json::to_value(key) {
        Ok(v) => {
            let fact = v
                .get("fact")
                .and_then(|f| f.as_str())
                .unwrap_or("fact")
                .replace('_', " ");
            match v.get("name").and_then(|n| n.as_str()) {
                Some(name) => format!("{fact}: {}", name.replace('_', " ")),
                None => fact,
            }
        }
        Err(_) => "a fact".into(),
    }
}

pub fn trial_result(
    ranked: &RankedTrial,
    title: &str,
    status: &str,
    questions: &[Question],
) -> TrialResultView {
    let (verdict_label, verdict_class) = verdict_label(ranked.eligibility.verdict);
    let unknowns = &ranked.eligibility.deciding_unknowns;
    let deciding = unknowns
        .iter()
        .take(DECIDING_SHOWN)
        .map(|k| {
            questions
                .iter()
                .find(|q| &q.fact == k)
                .map(|q| q.text.clone())
                .unwrap_or_else(|| fact_key_words(k))
        })
        .collect();
    let count = |m: Mark| {
        ranked
            .eligibility
            .marks
            .iter()
            .filter(|r| r.decisive && r.mark == m)
            .count()
    };
    TrialResultView {
        nct_id: ranked.nct_id.clone(),
        title: title.to_string(),
        status: if status.is_empty() {
            String::new()
        } else {
            ctgov::status_label(status)
        },
        verdict_label,
        verdict_class,
        score: format!("{:.3}", ranked.score),
        relevance_percent: (ranked.relevance_share.clamp(0.0, 1.0) * 100.0).round() as u32,
        deciding,
        deciding_more: unknowns.len().saturating_sub(DECIDING_SHOWN),
        criteria: criteria(&ranked.eligibility, questions),
        rule_count: ranked.eligibility.marks.len(),
        met: count(Mark::Met),
        not_met: count(Mark::NotMet),
        unknown: count(Mark::Unknown),
        nearest_site: None,
    }
}

/// A distance for people: whole kilometres, a tenth under ten; miles beside kilometres for a
/// site in the United States, where people measure in miles.
fn distance_words(site: &NearestSite) -> String {
    if site.distance_km < 1.0 {
        return "under 1 km".into();
    }
    let km = if site.distance_km < 10.0 {
        format!("{:.1} km", site.distance_km)
    } else {
        format!("{:.0} km", site.distance_km)
    };
    // The gazetteer reads the country as the patient's location is read ("USA", "U.S.").
    let in_us = site
        .country
        .as_deref()
        .is_some_and(|c| search::gazetteer().country_code(c.trim()) == Some("US"));
    if in_us {
        format!("{km} ({:.0} mi)", site.distance_miles())
    } else {
        km
    }
}

/// "Nearest recruiting site: Massachusetts General Hospital, Boston, Massachusetts, United
/// States — 12 km (7 mi)"; a site not listed as recruiting says so, and a trial with no site of
/// known place says that.
pub fn nearest_site_line(site: Option<&NearestSite>) -> String {
    let Some(site) = site else {
        return "No site location listed.".into();
    };
    let place: Vec<&str> = [&site.facility, &site.city, &site.state, &site.country]
        .into_iter()
        .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
        .collect();
    let place = if place.is_empty() {
        "a listed site".to_string()
    } else {
        truncate(&place.join(", "), 200)
    };
    let which = if site.recruiting {
        "Nearest recruiting site"
    } else {
        "Nearest site (none listed as recruiting)"
    };
    let approximate = if site.geocoded {
        " (to the city centre)"
    } else {
        ""
    };
    format!("{which}: {place} — {}{approximate}", distance_words(site))
}

/// One extracted fact as listed under the note.
#[derive(Debug, Clone)]
pub struct EvidenceView {
    pub field: String,
    pub value: String,
    pub negated: bool,
    pub quote: String,
}

pub fn evidence(evidence: &[Evidence]) -> Vec<EvidenceView> {
    evidence
        .iter()
        .map(|e| EvidenceView {
            field: e.field.replace('_', " "),
            value: truncate(&e.value, 200),
            negated: e.negated,
            quote: truncate(&e.text, 200),
        })
        .collect()
}

/// A piece of the note, highlighted when it supports an extracted fact.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteSegment {
    pub text: String,
    /// The fact it supports ("sex: female", "no smoking"), when highlighted.
    pub fact: Option<String>,
}

/// The note cut at the evidence spans (overlaps and spans that do not fall on character
/// boundaries are skipped, so any note is safe).
pub fn note_segments(note: &str, evidence: &[Evidence]) -> Vec<NoteSegment> {
    let mut spans: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| {
            e.start < e.end
                && e.end <= note.len()
                && note.is_char_boundary(e.start)
                && note.is_char_boundary(e.end)
        })
        .collect();
    spans.sort_by_key(|e| (e.start, std::cmp::Reverse(e.end)));
    let mut out = Vec::new();
    let mut pos = 0;
    for e in spans {
        if e.start < pos {
            continue;
        }
        if e.start > pos {
            out.push(NoteSegment {
                text: note[pos..e.start].to_string(),
                fact: None,
            });
        }
        let fact = if e.negated {
            format!("{}: no {}", e.field.replace('_', " "), e.value)
        } else {
            format!("{}: {}", e.field.replace('_', " "), e.value)
        };
        out.push(NoteSegment {
            text: note[e.start..e.end].to_string(),
            fact: Some(fact),
        });
        pos = e.end;
    }
    if pos < note.len() {
        out.push(NoteSegment {
            text: note[pos..].to_string(),
            fact: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(start: usize, end: usize, text: &str) -> Evidence {
        Evidence {
            field: "findings".into(),
            value: text.into(),
            negated: false,
            start,
            end,
            text: text.into(),
        }
    }

    fn site(country: &str, km: f64, recruiting: bool) -> NearestSite {
        NearestSite {
            facility: Some("General Hospital".into()),
            city: Some("Springfield".into()),
            state: None,
            country: Some(country.into()),
            status: None,
            recruiting,
            distance_km: km,
            geocoded: false,
        }
    }

    #[test]
    fn the_nearest_site_is_said_in_words_with_miles_in_the_us() {
        assert_eq!(
            nearest_site_line(Some(&site("United States", 12.4, true))),
            "Nearest recruiting site: General Hospital, Springfield, United States — 12 km (8 mi)"
        );
        assert_eq!(
            nearest_site_line(Some(&site("France", 3.24, false))),
            "Nearest site (none listed as recruiting): General Hospital, Springfield, France — 3.2 km"
        );
        assert_eq!(
            nearest_site_line(Some(&site("United States", 0.04, true))),
            "Nearest recruiting site: General Hospital, Springfield, United States — under 1 km"
        );
        assert_eq!(nearest_site_line(None), "No site location listed.");
    }

    #[test]
    fn note_segments_cover_the_note_and_skip_bad_spans() {
        let note = "Fever and cough, née ü.";
        let segs = note_segments(
            note,
            &[
                ev(10, 15, "cough"),
                ev(0, 5, "Fever"),
                ev(3, 8, "overlap"),
                ev(18, 19, "bad"),
                ev(50, 60, "out"),
            ],
        );
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, note);
        let marked: Vec<_> = segs
            .iter()
            .filter(|s| s.fact.is_some())
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["Fever", "cough"]);
    }
}
