//! Human-readable explanations of rules, for the trial page and the CLI.

use std::fmt::Write;

use crate::model::*;

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn threshold(t: &Threshold) -> String {
    let unit = match (t.relative_to, t.unit.as_deref()) {
        (Some(Reference::Uln), _) => " × ULN".to_string(),
        (Some(Reference::Lln), _) => " × LLN".to_string(),
        (None, Some("%")) => "%".to_string(),
        (None, Some(u)) => format!(" {u}"),
        (None, None) => String::new(),
    };
    match (t.comparator, t.upper) {
        (Comparator::Between, Some(u)) => format!("{}–{}{unit}", num(t.value), num(u)),
        (c, _) => format!("{} {}{unit}", c.symbol(), num(t.value)),
    }
}

/// An enum's JSON tag with spaces ("newly_diagnosed" → "newly diagnosed").
fn snake(s: impl serde::Serialize) -> String {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(v)) => v.replace('_', " "),
        _ => String::new(),
    }
}

impl Rule {
    /// A one-line explanation: "Exclusion: LVEF < 50%", "Inclusion: ALT ≤ 5 × ULN, only if liver
    /// infiltration".
    pub fn explain(&self) -> String {
        let mut s = String::new();
        let pol = match self.polarity {
            Polarity::Inclusion => "Inclusion",
            Polarity::Exclusion => "Exclusion",
        };
        let _ = write!(s, "{pol}: ");
        if self.negated {
            s.push_str("NOT ");
        }
        let body = match &self.body {
            RuleBody::Age { min, max, unit } => {
                let u = format!("{}s", unit.name());
                match (min, max) {
                    (Some(a), Some(b)) => format!("age {}–{} {u}", num(a.value), num(b.value)),
                    (Some(a), None) => format!(
                        "age {} {} {u}",
                        if a.inclusive { "≥" } else { ">" },
                        num(a.value)
                    ),
                    (None, Some(b)) => format!(
                        "age {} {} {u}",
                        if b.inclusive { "≤" } else { "<" },
                        num(b.value)
                    ),
                    (None, None) => "age (unbounded)".into(),
                }
            }
            RuleBody::Sex { sex } => match sex {
                Sex::All => "any sex".into(),
                other => format!("sex {}", snake(other)),
            },
            RuleBody::Reproductive { topic } => snake(topic),
            RuleBody::Condition {
                mention,
                mesh,
                states,
                stage,
                confirmation,
                history,
            } => {
                let mut t = String::new();
                if *history {
                    t.push_str("history of ");
                }
                t.push_str(mention);
                if let Some(m) = mesh {
                    let _ = write!(t, " [MeSH {} {}]", m.id, m.term);
                }
                if !states.is_empty() {
                    let _ = write!(
                        t,
                        " ({})",
                        states.iter().map(snake).collect::<Vec<_>>().join(", ")
                    );
                }
                if let Some(st) = stage {
                    let _ = write!(t, ", stage {st}");
                }
                if let Some(c) = confirmation {
                    let _ = write!(t, ", {c}ly confirmed");
                }
                t
            }
            RuleBody::Biomarker {
                marker,
                status,
                variant,
                measure,
                threshold: th,
            } => {
                let mut t = marker.clone();
                if let Some(v) = variant {
                    let _ = write!(t, " {v}");
                }
                if let Some(st) = status {
                    let _ = write!(t, " {}", snake(st));
                }
                if let Some(th) = th {
                    let _ = write!(
                        t,
                        " {} {}",
                        measure.as_deref().unwrap_or("level"),
                        threshold(th)
                    );
                }
                t
            }
            RuleBody::Lab {
                analyte,
                threshold: th,
            } => format!("{} {}", analyte.replace('_', " "), threshold(th)),
            RuleBody::ClinicalScore {
                scale,
                threshold: th,
            } => format!("{scale} {}", threshold(th)),
            RuleBody::PerformanceStatus {
                scale, min, max, ..
            } => {
                let name = match scale {
                    PerformanceScale::Ecog => "ECOG",
                    PerformanceScale::Karnofsky => "Karnofsky",
                    PerformanceScale::Lansky => "Lansky",
                };
                match (min, max) {
                    (Some(a), Some(b)) if a == b => format!("{name} = {}", num(*a)),
                    (Some(a), Some(b)) => format!("{name} {}–{}", num(*a), num(*b)),
                    (Some(a), None) => format!("{name} ≥ {}", num(*a)),
                    (None, Some(b)) => format!("{name} ≤ {}", num(*b)),
                    (None, None) => name.to_string(),
                }
            }
            RuleBody::LifeExpectancy { threshold: th } => {
                format!("life expectancy {}s", threshold(th))
            }
            RuleBody::OrganFunction {
                measure,
                threshold: th,
            } => match th {
                Some(th) => format!("{} {}", snake(measure), threshold(th)),
                None => snake(measure),
            },
            RuleBody::PriorTherapy {
                therapy,
                lines,
                response,
            } => {
                let mut t = "prior therapy".to_string();
                if let Some(x) = therapy {
                    let _ = write!(t, ": {x}");
                }
                if let Some(l) = lines {
                    let _ = write!(t, ", lines {}", threshold(l));
                }
                if let Some(r) = response {
                    let _ = write!(t, ", {r}");
                }
                t
            }
            RuleBody::Transplant { transplant } => format!("{} transplant", snake(transplant)),
            RuleBody::Infection {
                agent,
                markers,
                state,
                qualifier,
            } => {
                let mut t = format!("infection: {}", snake(agent));
                if !markers.is_empty() {
                    let _ = write!(t, " ({})", markers.join(", "));
                }
                if let Some(st) = state {
                    let _ = write!(t, ", {}", snake(st));
                }
                if let Some(q) = qualifier {
                    let _ = write!(t, ", with {q}");
                }
                t
            }
            RuleBody::Autoimmune { mention, .. } => format!("autoimmune: {mention}"),
            RuleBody::Cns { topic, mention } => format!("CNS {}: {mention}", snake(topic)),
            RuleBody::MeasurableDisease {
                criteria,
                criteria_version,
                lesion_sizes,
                pet_positive,
                evaluable_accepted,
            } => {
                let mut t = if *evaluable_accepted {
                    "measurable or evaluable disease".to_string()
                } else {
                    "measurable disease".to_string()
                };
                if let Some(c) = criteria {
                    let _ = write!(t, " per {}", snake(c));
                    if let Some(v) = criteria_version {
                        let _ = write!(t, " {v}");
                    }
                }
                for l in lesion_sizes {
                    let _ = write!(t, "; {} lesion {}", snake(l.site), threshold(&l.threshold));
                }
                if *pet_positive {
                    t.push_str("; PET-positive accepted");
                }
                t
            }
            RuleBody::Allergy { mention } => format!("allergy/hypersensitivity: {mention}"),
            RuleBody::Administrative { topic } => {
                format!("administrative: {} (not decisive)", snake(topic))
            }
            RuleBody::FreeText => "free text (not understood)".into(),
        };
        s.push_str(&body);
        if let Some(w) = &self.window {
            let _ = match (w.comparator, w.upper) {
                (Comparator::Between, Some(u)) => {
                    write!(s, ", {}–{} {}s", num(w.value), num(u), w.unit.name())
                }
                (c, _) => write!(s, ", {} {} {}s", c.symbol(), num(w.value), w.unit.name()),
            };
            match w.direction {
                WindowDirection::Before => s.push_str(" before"),
                WindowDirection::After => s.push_str(" after"),
                WindowDirection::Unspecified => {}
            }
            if let Some(a) = &w.anchor {
                let _ = write!(s, " {a}");
            }
        }
        if let Some(c) = &self.condition {
            let _ = write!(s, ", only if {c}");
        }
        if !self.exceptions.is_empty() {
            let _ = write!(s, ", except {}", self.exceptions.join("; "));
        }
        if let Some(g) = self.alternative_group {
            let _ = write!(s, " (alternative group {g})");
        }
        s
    }
}
