//! How many candidates retrieval hands to the reranker (the patient as a query is
//! [`matcher::retrieval_terms`]). The `trialbridge match` command reads the same setting.

pub use matcher::retrieval_terms;

/// How many trials retrieval hands to the reranker when not configured: the recall of the
/// retrieval stage at this depth is measured in `docs/benchmarks/server-match.md`.
pub const DEFAULT_CANDIDATES: usize = 1000;

/// The environment variable that sets the number of candidates (a positive integer).
pub const CANDIDATES_ENV: &str = "TRIALBRIDGE_MATCH_CANDIDATES";

/// The number of candidates: [`CANDIDATES_ENV`] when it holds a positive integer, else
/// [`DEFAULT_CANDIDATES`].
pub fn candidate_limit() -> usize {
    std::env::var(CANDIDATES_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&k| k > 0)
        .unwrap_or(DEFAULT_CANDIDATES)
}
