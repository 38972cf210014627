//! Ranking metrics over graded judgments (0 not relevant, 1 excluded, 2 eligible).

use std::collections::HashMap;

/// NDCG@k with linear gains equal to the label (0/1/2); the ideal ordering is over every judged
/// trial of the query. Unjudged trials in the ranking gain 0. `None` when no judged trial has a
/// gain (the query cannot be scored).
pub fn ndcg_at(k: usize, ranking: &[String], labels: &HashMap<String, u8>) -> Option<f64> {
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| labels.get(id).copied().unwrap_or(0) as f64 / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u8> = labels.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &g)| g as f64 / (i as f64 + 2.0).log2())
        .sum();
    (idcg > 0.0).then(|| dcg / idcg)
}

/// Precision at k, counting only label 2 (eligible) as relevant; the denominator is always k.
pub fn precision_at(k: usize, ranking: &[String], labels: &HashMap<String, u8>) -> f64 {
    ranking
        .iter()
        .take(k)
        .filter(|id| labels.get(*id) == Some(&2))
        .count() as f64
        / k as f64
}

/// Area under the ROC curve of the scores separating eligible (2) from excluded (1) trials
/// (ties count one half). `None` unless both classes are present.
pub fn auroc(scores: &HashMap<String, f64>, labels: &HashMap<String, u8>) -> Option<f64> {
    let pos: Vec<f64> = labels
        .iter()
        .filter(|(_, l)| **l == 2)
        .filter_map(|(id, _)| scores.get(id).copied())
        .collect();
    let neg: Vec<f64> = labels
        .iter()
        .filter(|(_, l)| **l == 1)
        .filter_map(|(id, _)| scores.get(id).copied())
        .collect();
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    Some(wins / (pos.len() * neg.len()) as f64)
}

/// Share of the query's relevant trials (label ≥ 1) found in the top k. `None` without any.
pub fn recall_at(k: usize, ranking: &[String], labels: &HashMap<String, u8>) -> Option<f64> {
    let relevant = labels.values().filter(|l| **l >= 1).count();
    if relevant == 0 {
        return None;
    }
    let found = ranking
        .iter()
        .take(k)
        .filter(|id| labels.get(*id).is_some_and(|l| *l >= 1))
        .count();
    Some(found as f64 / relevant as f64)
}

/// Mean of the defined values; `None` when there are none.
pub fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.into_iter().flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, u8)]) -> HashMap<String, u8> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }
    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ndcg_matches_hand_computation() {
        // Ranking a(1) b(0) c(2); ideal c(2) a(1) b(0).
        // DCG = 1/log2(2) + 0 + 2/log2(4) = 1 + 1 = 2.
        // IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.6309298 = 2.6309298.
        let l = labels(&[("a", 1), ("b", 0), ("c", 2)]);
        let got = ndcg_at(10, &ids(&["a", "b", "c"]), &l).unwrap();
        assert!((got - 2.0 / 2.630_929_8).abs() < 1e-6, "{got}");
        assert!((ndcg_at(10, &ids(&["c", "a", "b"]), &l).unwrap() - 1.0).abs() < 1e-12);
        // Cut-off: with k = 1 only the first trial counts: 1 / 2.
        assert!((ndcg_at(1, &ids(&["a", "c"]), &l).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(ndcg_at(10, &ids(&["b"]), &labels(&[("b", 0)])), None);
    }

    #[test]
    fn precision_counts_only_eligible_over_k() {
        let l = labels(&[("a", 2), ("b", 1), ("c", 2)]);
        assert!((precision_at(10, &ids(&["a", "b", "c"]), &l) - 0.2).abs() < 1e-12);
        assert!((precision_at(2, &ids(&["a", "b", "c"]), &l) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn auroc_counts_pairs_and_ties() {
        let l = labels(&[("e1", 2), ("e2", 2), ("x1", 1), ("x2", 1), ("n", 0)]);
        let s: HashMap<String, f64> = [
            ("e1", 0.9),
            ("e2", 0.5),
            ("x1", 0.5),
            ("x2", 0.1),
            ("n", 1.0),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
        // Pairs: e1>x1, e1>x2, e2=x1 (0.5), e2>x2 → 3.5 / 4.
        assert!((auroc(&s, &l).unwrap() - 0.875).abs() < 1e-12);
        assert_eq!(auroc(&s, &labels(&[("e1", 2)])), None);
    }

    #[test]
    fn recall_counts_labels_one_and_two() {
        let l = labels(&[("a", 2), ("b", 1), ("c", 0), ("d", 1)]);
        assert!((recall_at(2, &ids(&["a", "c", "b"]), &l).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!((recall_at(3, &ids(&["a", "c", "b"]), &l).unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }
}
