//! Readability and faithfulness over many studies: what `trialbridge eval summaries` prints.

use std::fmt;

use ctgov::Study;
use serde::Serialize;

use crate::compose::summarize;
use crate::faithfulness::{FaithfulnessIssue, check_summary};
use crate::readability::flesch_kincaid_grade;

/// The spread of Flesch-Kincaid grades over a set of texts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GradeDistribution {
    /// Texts that had words (others are not counted).
    pub count: usize,
    pub min: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
    pub mean: f64,
    /// Share of texts at grade 8 or below, from 0 to 1.
    pub share_at_or_below_8: f64,
}

impl GradeDistribution {
    /// Nearest-rank percentiles over `grades` (any order).
    pub fn from_grades(grades: &[f64]) -> GradeDistribution {
        if grades.is_empty() {
            return GradeDistribution::default();
        }
        let mut g = grades.to_vec();
        g.sort_by(f64::total_cmp);
        let rank = |p: f64| g[((p * g.len() as f64).ceil() as usize).clamp(1, g.len()) - 1];
        let median = if g.len() % 2 == 1 {
            g[g.len() / 2]
        } else {
            (g[g.len() / 2 - 1] + g[g.len() / 2]) / 2.0
        };
        GradeDistribution {
            count: g.len(),
            min: g[0],
            median,
            p90: rank(0.9),
            max: g[g.len() - 1],
            mean: g.iter().sum::<f64>() / g.len() as f64,
            share_at_or_below_8: g.iter().filter(|x| **x <= 8.0).count() as f64 / g.len() as f64,
        }
    }
}

/// The faithfulness problems found in one study's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialFailures {
    pub nct_id: String,
    pub issues: Vec<FaithfulnessIssue>,
}

/// A summary above grade 8.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardSummary {
    pub nct_id: String,
    pub grade: f64,
}

/// Readability of our summaries against the registry's brief summaries, and every
/// faithfulness failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryReport {
    pub studies: usize,
    /// Our summaries.
    pub ours: GradeDistribution,
    /// The registry's `briefSummary` texts of the same studies (the baseline).
    pub registry: GradeDistribution,
    /// Our summaries above grade 8.
    pub above_grade_8: Vec<HardSummary>,
    pub faithfulness_failures: Vec<TrialFailures>,
}

/// Summarises every study and measures the result.
pub fn evaluate<'a>(studies: impl IntoIterator<Item = &'a Study>) -> SummaryReport {
    let mut ours = Vec::new();
    let mut registry = Vec::new();
    let mut above = Vec::new();
    let mut failures = Vec::new();
    let mut n = 0;
    for study in studies {
        n += 1;
        let summary = summarize(study);
        let grade = summary.grade();
        ours.push(grade);
        if grade > 8.0 {
            above.push(HardSummary {
                nct_id: study.nct_id().to_string(),
                grade,
            });
        }
        if let Some(g) = study.brief_summary().and_then(flesch_kincaid_grade) {
            registry.push(g);
        }
        let issues = check_summary(&summary, study);
        if !issues.is_empty() {
            failures.push(TrialFailures {
                nct_id: study.nct_id().to_string(),
                issues,
            });
        }
    }
    SummaryReport {
        studies: n,
        ours: GradeDistribution::from_grades(&ours),
        registry: GradeDistribution::from_grades(&registry),
        above_grade_8: above,
        faithfulness_failures: failures,
    }
}

impl fmt::Display for GradeDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "n={:<5} min={:>5.1} median={:>5.1} p90={:>5.1} max={:>5.1} mean={:>5.1} ≤8: {:>5.1}%",
            self.count,
            self.min,
            self.median,
            self.p90,
            self.max,
            self.mean,
            self.share_at_or_below_8 * 100.0
        )
    }
}

impl fmt::Display for SummaryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Plain-language summaries over {} studies (Flesch-Kincaid grade)",
            self.studies
        )?;
        writeln!(f, "  ours:     {}", self.ours)?;
        writeln!(f, "  registry: {}", self.registry)?;
        writeln!(f, "Summaries above grade 8: {}", self.above_grade_8.len())?;
        for h in &self.above_grade_8 {
            writeln!(f, "  {} grade {:.1}", h.nct_id, h.grade)?;
        }
        let total: usize = self
            .faithfulness_failures
            .iter()
            .map(|t| t.issues.len())
            .sum();
        writeln!(
            f,
            "Faithfulness failures: {total} in {} studies",
            self.faithfulness_failures.len()
        )?;
        for t in &self.faithfulness_failures {
            for i in &t.issues {
                writeln!(f, "  {} {i}", t.nct_id)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_uses_nearest_rank_and_counts_grade_8_as_readable() {
        let d = GradeDistribution::from_grades(&[9.0, 1.0, 8.0, 4.0, 6.0]);
        assert_eq!((d.min, d.median, d.p90, d.max), (1.0, 6.0, 9.0, 9.0));
        assert!((d.share_at_or_below_8 - 0.8).abs() < 1e-12);
        assert_eq!(GradeDistribution::from_grades(&[]).count, 0);
    }
}
