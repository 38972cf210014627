//! Parsing throughput on one thread.

use std::fmt;
use std::time::Instant;

use serde::Serialize;

/// Timing of parsing a set of texts `rounds` times on the calling thread.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputReport {
    pub texts: usize,
    pub bytes: usize,
    /// Criteria sections (inclusion / exclusion / unspecified blocks) parsed per round.
    pub sections: usize,
    pub criteria: usize,
    pub rules: usize,
    pub rounds: usize,
    pub seconds: f64,
    pub sections_per_second: f64,
    pub texts_per_second: f64,
    pub megabytes_per_second: f64,
}

/// Parses every text `rounds` times (after one warm-up round) and reports the rate.
pub fn measure(texts: &[String], rounds: usize) -> ThroughputReport {
    let rounds = rounds.max(1);
    let mut sections = 0;
    let mut criteria_count = 0;
    let mut rules = 0;
    for t in texts {
        let p = criteria::parse(t);
        sections += p.sections.len();
        criteria_count += p.criteria.len();
        rules += p.rules().count();
    }
    let start = Instant::now();
    let mut sink = 0usize;
    for _ in 0..rounds {
        for t in texts {
            sink = sink.wrapping_add(std::hint::black_box(criteria::parse(t)).criteria.len());
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    std::hint::black_box(sink);
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    ThroughputReport {
        texts: texts.len(),
        bytes,
        sections,
        criteria: criteria_count,
        rules,
        rounds,
        seconds,
        sections_per_second: (sections * rounds) as f64 / seconds,
        texts_per_second: (texts.len() * rounds) as f64 / seconds,
        megabytes_per_second: (bytes * rounds) as f64 / seconds / 1e6,
    }
}

impl fmt::Display for ThroughputReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Parsing throughput (one thread)")?;
        writeln!(
            f,
            "{} texts, {:.1} MB, {} sections, {} criteria, {} rules; {} rounds in {:.2} s",
            self.texts,
            self.bytes as f64 / 1e6,
            self.sections,
            self.criteria,
            self.rules,
            self.rounds,
            self.seconds
        )?;
        writeln!(
            f,
            "{:.0} sections/s, {:.0} texts/s, {:.2} MB/s",
            self.sections_per_second, self.texts_per_second, self.megabytes_per_second
        )
    }
}
