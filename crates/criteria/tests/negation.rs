//! Negation scope: what a "no" reaches.

use criteria::*;

fn condition_negations(text: &str) -> Vec<(String, bool)> {
    parse(text)
        .rules()
        .filter_map(|r| match &r.body {
            RuleBody::Condition { mention, .. } | RuleBody::Autoimmune { mention, .. } => {
                Some((mention.to_lowercase(), r.negated))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn examples_in_brackets_share_the_negation_of_what_they_exemplify() {
    let rules = condition_negations(
        "Inclusion Criteria:\n* No ocular condition (other than diabetes) that, in the opinion of the investigator, might affect macular edema or alter visual acuity during the study (e.g., vein occlusion, uveitis or other ocular inflammatory disease, neovascular glaucoma).\n",
    );
    let glaucoma = rules
        .iter()
        .find(|(m, _)| m.contains("neovascular glaucoma"));
    assert!(matches!(glaucoma, Some((_, true))), "{rules:?}");
    // Examples of something required stay required.
    let rules = condition_negations(
        "Inclusion Criteria:\n* An autoimmune disease (e.g., rheumatoid arthritis, psoriasis) diagnosed at least 6 months ago\n",
    );
    assert!(
        rules
            .iter()
            .any(|(m, negated)| m.contains("rheumatoid arthritis") && !negated),
        "{rules:?}"
    );
}
