//! One function per subcommand; each returns the process exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{Cli, Command, EvalCommand};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Cli { data_dir, database_url, command } = cli;
    // Commands that read only files never touch (or create) the store.
    match command {
        Command::Ingest { paths, json, dry_run: true } => return validate(&paths, json),
        Command::Eval(EvalCommand::Criteria { which, shared_data, json }) => {
            return eval_criteria_command(&which, &shared_data, json);
        }
        Command::Eval(EvalCommand::Rank { trials, queries, qrels, candidates, out, json }) => {
            return eval_rank_command(trials, queries, qrels, candidates, out, json).await;
        }
        _ => {}
    }
    let store = store::Store::open(&data_dir, database_url.as_deref())
        .await
        .context("opening the store")?;
    let code = match command {
        Command::Ingest { paths, json, dry_run: false } => {
            let mut changed = Vec::new();
            let code = ingest(&store, &paths, json, &mut changed).await;
            // Whatever files were written before an error are in the store: these too.
            after_write(&store, &data_dir, &changed).await;
            code?
        }
        Command::Sync { since, base_url, page_size } => {
            let mut changed = Vec::new();
            let code = sync(&store, since, base_url, page_size, &mut changed).await;
            // Whatever pages were written before an error are in the store: these too.
            after_write(&store, &data_dir, &changed).await;
            code?
        }
        Command::Show { nct_id, json } => show(&store, &nct_id, json).await?,
        Command::Serve { addr, no_seed } => serve(&store, &data_dir, &addr, !no_seed).await?,
        Command::Ingest { dry_run: true, .. } | Command::Eval(EvalCommand::Criteria { .. } | EvalCommand::Rank { .. }) => {
            unreachable!("handled before the store is opened")
        }
        Command::Check => check(&store).await?,
        Command::Summary { nct_id, llm, json } => summary_command(&store, &nct_id, llm, json).await?,
        Command::Reindex => {
            let n = crate::index::rebuild(&store, &data_dir).await?;
            println!("{n} trials indexed");
            // Matcher documents of another build (or none yet) are made current here too, so
            // the first match after an upgrade reads rather than builds them.
            let mut ids: Vec<String> = store.changed_since(None).await?.into_iter().map(|(id, _)| id).collect();
            ids.sort_unstable();
            if let Some(filled) = fill_documents(&store, &ids).await {
                println!("{} matcher documents built, {} already current", filled.built, filled.current);
            }
            ExitCode::SUCCESS
        }
        Command::Eval(EvalCommand::Summaries { json }) => eval_summaries(&store, json).await?,
        Command::Match { patient, note, top, within, location, json } => {
            let reach = MatchReach { within, location };
            match_command(&store, &data_dir, patient.as_deref(), note.as_deref(), top, reach, json).await?
        }
        Command::Criteria { nct_id, text, json } => {
            criteria_command(&store, nct_id.as_deref(), text.as_deref(), json).await?
        }
    };
    store.close().await;
    Ok(code)
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .expect("valid progress template")
        .progress_chars("=> "),
    );
    bar
}

/// A progress bar counting items (trials), hidden when stderr is not a terminal.
fn count_bar(message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)")
            .expect("valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Builds and stores the matcher documents of those of `ids` with none current (see
/// `server::fill_matcher_documents`), so the first match reads rather than builds them. The
/// table is a cache: a failure is a note and `None`, never a failure of the command (a match
/// builds what is missing).
async fn fill_documents(store: &store::Store, ids: &[String]) -> Option<server::FillSummary> {
    if ids.is_empty() {
        return Some(server::FillSummary::default());
    }
    let bar = count_bar("building matcher documents");
    let result = server::fill_matcher_documents(store, ids, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await;
    bar.finish_and_clear();
    match result {
        Ok(filled) => {
            tracing::info!(built = filled.built, stored = filled.stored, current = filled.current, "matcher documents");
            Some(filled)
        }
        Err(e) => {
            eprintln!("note: matcher documents were not all stored ({e}); matching builds the missing ones");
            None
        }
    }
}

/// After ingest or sync wrote the trials `changed`: their matcher documents are built and
/// stored, and the search index catches up, side by side (documents use every core but wait on
/// the store; the index writer is mostly one thread). Both are derived data, so failures are
/// notes.
async fn after_write(store: &store::Store, data_dir: &Path, changed: &[String]) {
    tokio::join!(fill_documents(store, changed), refresh_index(store, data_dir));
}

/// Ingests `paths`; `changed` receives the trials stored or updated, also when a later file
/// fails the run.
async fn ingest(
    store: &store::Store,
    paths: &[PathBuf],
    json: bool,
    changed: &mut Vec<String>,
) -> anyhow::Result<ExitCode> {
    let bar = progress_bar();
    let summary = ingest::ingest_paths(store, paths, &mut |p| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_read);
        bar.set_message(format!("{} records from {}", p.records, p.path));
        changed.extend(p.changed[changed.len()..].iter().map(|id| id.to_string()));
    })
    .await;
    bar.finish_and_clear();
    let summary = summary?;
    *changed = summary.changed.iter().map(|id| id.to_string()).collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for rejection in &summary.rejected {
            eprintln!("rejected: {rejection}");
        }
        println!("{summary}");
    }
    Ok(if summary.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn validate(paths: &[PathBuf], json: bool) -> anyhow::Result<ExitCode> {
    let summary = ingest::validate_paths(paths)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for rejection in &summary.rejected {
            eprintln!("rejected: {rejection}");
        }
        println!("{} valid, {} rejected (dry run: nothing written)", summary.stored, summary.rejected.len());
    }
    Ok(if summary.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// Brings the local search index up to date after a write. The store is the source of truth,
/// so a failure here is a warning: a running server (which owns the index) or the next
/// `serve`/`reindex` catches up.
async fn refresh_index(store: &store::Store, data_dir: &Path) {
    let outcome = async {
        let index = std::sync::Arc::new(crate::index::open(data_dir)?);
        crate::index::catch_up(store, &index, data_dir).await
    }
    .await;
    if let Err(e) = outcome {
        eprintln!("note: the search index was not updated now ({e:#}); it catches up when the server runs");
    }
}

async fn sync(
    store: &store::Store,
    since: Option<String>,
    base_url: String,
    page_size: u32,
    changed: &mut Vec<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(s) = &since
        && ctgov::PartialDate::parse(s).is_none_or(|d| d.day.is_none())
    {
        bail!("--since '{s}' is not a date: use YYYY-MM-DD");
    }
    if !(1..=1000).contains(&page_size) {
        bail!("--page-size {page_size} is out of range: the API accepts 1 to 1000");
    }
    let config = ingest::sync::SyncConfig { base_url, page_size, since, ..Default::default() };
    let bar = progress_bar();
    let result = ingest::sync::sync(store, &config, &mut |s| {
        bar.set_message(format!("{} records so far ({s})", s.records_seen()));
        bar.tick();
        changed.extend(s.changed[changed.len()..].iter().map(|id| id.to_string()));
    })
    .await;
    bar.finish_and_clear();
    let summary = result?;
    *changed = summary.changed.iter().map(|id| id.to_string()).collect();
    for rejection in &summary.rejected {
        eprintln!("rejected: {rejection}");
    }
    println!("{summary}");
    Ok(if summary.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

async fn load(store: &store::Store, nct_id: &str) -> anyhow::Result<store::StoredTrial> {
    let id = ctgov::NctId::parse(nct_id)
        .map_err(|_| anyhow::anyhow!("'{nct_id}' is not an NCT id (NCT followed by 8 digits)"))?;
    store
        .get(id.as_str())
        .await?
        .ok_or_else(|| anyhow::anyhow!("{id} is not stored; ingest it first (trialbridge ingest FILE)"))
}

async fn show(store: &store::Store, nct_id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let trial = load(store, nct_id).await?;
    if json {
        match trial.record.format {
            ctgov::SourceFormat::CtgovV2 => println!("{}", trial.record.raw),
            _ => println!("{}", serde_json::to_string(&trial.record.study)?),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let study = &trial.record.study;
    println!("{}  {}", trial.record.nct_id, study.display_title());
    println!("Status:     {}", ctgov::status_label(study.overall_status()));
    if let Some(s) = study.lead_sponsor() {
        println!("Sponsor:    {}", s.name);
    }
    if !study.phases().is_empty() {
        let phases: Vec<String> = study.phases().iter().map(|p| ctgov::phase_label(p)).collect();
        println!("Phase:      {}", phases.join(" / "));
    }
    println!("Conditions: {}", study.conditions().join("; "));
    println!("Sex:        {}", study.sex().unwrap_or("not reported"));
    println!("Ages:       {}", server::trial_view::ages_label(study));
    println!("Sites:      {}", study.locations().len());
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    store: &store::Store,
    data_dir: &Path,
    addr: &str,
    seed: bool,
) -> anyhow::Result<ExitCode> {
    if seed && store.count().await? == 0 {
        let paths = crate::seed::write_seed_files(data_dir)?;
        eprintln!("The store is empty: loading the bundled sample trials...");
        let summary = ingest::ingest_paths(store, &paths, &mut |_| {}).await?;
        eprintln!("Sample loaded: {summary}");
    }
    let index = std::sync::Arc::new(crate::index::open(data_dir)?);
    let indexed = crate::index::catch_up(store, &index, data_dir).await?;
    if indexed > 0 {
        eprintln!("Search index: {indexed} trials indexed");
    }
    // Matcher documents that are missing or stale (the sample just loaded; a store written by
    // an older build, whose documents no longer match the parser) are built in the background
    // once the index is done (built beside it, they would slow start-up down by about the
    // index's own time): the server starts at once, and a match before the fill ends builds
    // what it needs itself. When every document is current this is one read.
    let fill_store = store.clone();
    tokio::spawn(async move {
        let ids = match fill_store.changed_since(None).await {
            Ok(changed) => changed.into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
            Err(e) => return tracing::warn!("matcher documents not checked: {e}"),
        };
        match server::fill_matcher_documents(&fill_store, &ids, &mut |_, _| {}).await {
            Ok(filled) => tracing::info!(built = filled.built, current = filled.current, "matcher documents stored"),
            Err(e) => tracing::warn!("matcher documents not stored: {e}"),
        }
    });
    // Changes written by other processes (ingest, sync, other nodes sharing a PostgreSQL
    // store) reach this node's index within a few seconds.
    let (refresh_store, refresh_index, refresh_dir) = (store.clone(), index.clone(), data_dir.to_path_buf());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = crate::index::catch_up(&refresh_store, &refresh_index, &refresh_dir).await {
                tracing::warn!("search index refresh failed: {e:#}");
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (is another server using it? try --addr 127.0.0.1:8081)"))?;
    let local = listener.local_addr()?;
    let count = store.count().await?;
    println!("TrialBridge is serving {count} trials at http://{local}/");
    println!("For example: http://{local}/trials/NCT07117305");
    let app = server::router(server::AppState::with_index(store.clone(), index));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Every stored trial, in NCT id order, read page by page.
async fn all_studies(store: &store::Store) -> anyhow::Result<Vec<ctgov::Study>> {
    let mut studies = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.page_after(after.as_deref(), 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.record.nct_id.to_string());
        studies.extend(page.into_iter().map(|t| t.record.study));
    }
    Ok(studies)
}

async fn eval_summaries(store: &store::Store, json: bool) -> anyhow::Result<ExitCode> {
    let studies = all_studies(store).await?;
    if studies.is_empty() {
        bail!("the store holds no trials: ingest some first (trialbridge ingest FILE)");
    }
    let report = summary::evaluate(&studies);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}

fn eval_criteria_command(which: &str, data: &Path, json: bool) -> anyhow::Result<ExitCode> {
    use eval_criteria::ages::{RecordFile, self_consistency};
    use eval_criteria::brat::{Corpus, evaluate};
    if !["ages", "brat", "speed", "all"].contains(&which) {
        bail!("unknown evaluation '{which}': use ages, brat, speed or all");
    }
    let v2 = data.join("ctgov/v2/studies.jsonl.gz");
    let normalized = data.join("trials/trials_normalized.jsonl.gz");
    if !v2.exists() {
        bail!("{} not found: point --shared-data at the shared data folder", v2.display());
    }
    let print = |text: String, value: serde_json::Value| {
        if json { println!("{value}") } else { println!("{text}") }
    };
    if which == "ages" || which == "all" {
        let report = self_consistency(&[(&v2, RecordFile::ApiV2), (&normalized, RecordFile::Normalized)])?;
        print(report.to_string(), serde_json::to_value(&report)?);
    }
    if which == "brat" || which == "all" {
        let corpora = [
            (Corpus::Chia, data.join("criteria/chia/chia_without_scope.zip")),
            (Corpus::Lct, data.join("criteria/lct/lct_corpus_brat.tar.gz")),
        ];
        for (corpus, path) in corpora {
            let report = evaluate(&path, corpus)?;
            print(report.to_string(), serde_json::to_value(&report)?);
        }
    }
    if which == "speed" || which == "all" {
        let mut texts: Vec<String> =
            eval_criteria::records::read_api_v2(&v2)?.into_iter().map(|r| r.text).collect();
        texts.extend(eval_criteria::records::read_normalized(&normalized)?.into_iter().map(|r| r.text));
        let report = eval_criteria::throughput(&texts, 3);
        print(report.to_string(), serde_json::to_value(&report)?);
    }
    Ok(ExitCode::SUCCESS)
}

async fn eval_rank_command(
    trials: PathBuf,
    queries: PathBuf,
    qrels: Option<PathBuf>,
    candidates: Option<String>,
    out: PathBuf,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let candidates = match candidates.as_deref() {
        None | Some("judged") if qrels.is_some() => eval_rank::Candidates::Judged,
        None | Some("all") => eval_rank::Candidates::All,
        Some("judged") => bail!("--candidates judged needs --qrels"),
        Some(other) => bail!("--candidates '{other}': use judged or all"),
    };
    // The trials go through the real ingest path into a temporary store first, so a record
    // the product would reject is reported here too.
    let temp = tempfile::tempdir()?;
    let store = store::Store::open(temp.path(), None).await?;
    let summary = ingest::ingest_paths(&store, std::slice::from_ref(&trials), &mut |_| {}).await?;
    store.close().await;
    for rejection in &summary.rejected {
        eprintln!("rejected: {rejection}");
    }
    let config = eval_rank::RankConfig { trials, queries, qrels, candidates, out: Some(out) };
    let report = tokio::task::spawn_blocking(move || eval_rank::run(&config)).await??;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}


/// Ranks trials for a patient. Like the server: when the store holds more trials than the
/// candidate limit (`TRIALBRIDGE_MATCH_CANDIDATES`, default 1000), the search index (brought up
/// to date first) retrieves that many candidates and only those are reranked; otherwise every
/// stored trial is ranked. With a location in the profile, each trial shows its nearest site;
/// How far the patient can go, from where: `trialbridge match --within KM --location PLACE`.
struct MatchReach {
    within: Option<f64>,
    location: Option<String>,
}

/// `within` (km) keeps only trials with a site that near (the ranking itself ignores distance);
/// `location` places the patient (one line) when a note gives no location, or replaces the
/// profile's.
async fn match_command(
    store: &store::Store,
    data_dir: &Path,
    patient: Option<&Path>,
    note: Option<&Path>,
    top: usize,
    reach: MatchReach,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let MatchReach { within, location } = reach;
    let (profile, extraction) = match (patient, note) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the patient profile {}", path.display()))?;
            let profile = matcher::profile_from_json(&text)
                .with_context(|| format!("{} is not a valid patient profile", path.display()))?;
            (profile, None)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the note {}", path.display()))?;
            if text.trim().is_empty() {
                bail!("the note {} is empty", path.display());
            }
            let extraction = matcher::extract_profile(&text);
            (extraction.profile.clone(), Some(extraction))
        }
        (None, None) => bail!("give --patient PROFILE.json or --note NOTE.txt"),
    };
    let mut profile = profile;
    if let Some(text) = location.as_deref().filter(|t| !t.trim().is_empty()) {
        profile.location = Some(server::location_from_text(text));
    }
    let (place, reach) = match server::place_patient(profile.location.as_ref(), within) {
        Ok(placed) => placed.unzip(),
        Err(server::ReachError::NoLocation) => bail!(
            "--within needs the patient's location: give --location (a city with its country, or a US ZIP code), or \"location\" in the profile"
        ),
        Err(e) => return Err(e).context("placing the patient's location"),
    };
    let limit = server::candidate_limit();
    if store.count().await? == 0 {
        bail!("the store holds no trials: ingest some first (trialbridge ingest FILE)");
    }
    let mut ids: Vec<String> = store.changed_since(None).await?.into_iter().map(|(id, _)| id).collect();
    ids.sort_unstable();
    // Documents come as the server gets them: stored ones where current, else built from the
    // records and stored for next time.
    let (docs, sample) = if ids.len() <= limit {
        (server::matcher_documents(store, &ids).await?, Vec::new())
    } else {
        // For retrieval, the relevance model's corpus statistics come from an evenly spread
        // sample of the store (as in the server): candidates alone all share the patient's topic.
        const MODEL_SAMPLE: usize = 2000;
        let sample_ids: Vec<String> =
            ids.iter().step_by((ids.len() / MODEL_SAMPLE).max(1)).take(MODEL_SAMPLE).cloned().collect();
        let sample = server::matcher_documents(store, &sample_ids).await?;
        let index = std::sync::Arc::new(crate::index::open(data_dir)?);
        crate::index::catch_up(store, &index, data_dir).await.context("bringing the search index up to date")?;
        let terms = matcher::retrieval_terms(&profile, None);
        let retrieved = tokio::task::spawn_blocking(move || index.retrieve(&terms, limit)).await??;
        let ids: Vec<String> = retrieved.into_iter().map(|(id, _)| id).collect();
        (server::matcher_documents(store, &ids).await?, sample)
    };
    let ranked = tokio::task::spawn_blocking(move || {
        let model = matcher::RelevanceModel::fit(if sample.is_empty() { &docs } else { &sample });
        let ranked = matcher::rank_trials(&profile, &docs, &model, &matcher::MatchOptions::default());
        matcher::locate_ranked(ranked, &docs, reach.as_ref(), top)
    })
    .await?;
    if json {
        let mut value = serde_json::json!({ "extracted": extraction, "trials": ranked });
        if let Some(place) = &place {
            value["patient_location"] = serde_json::to_value(place)?;
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    // The registry's display titles of the few trials shown (the documents hold a longer one).
    let shown: Vec<String> = ranked.iter().map(|t| t.ranked.nct_id.clone()).collect();
    let titles: std::collections::HashMap<String, String> = store
        .get_many(&shown)
        .await?
        .into_iter()
        .map(|t| (t.record.nct_id.to_string(), t.record.study.display_title().to_string()))
        .collect();
    if let Some(extraction) = &extraction {
        println!("Extracted from the note (correct it in a profile file if anything is wrong):");
        for e in &extraction.evidence {
            let neg = if e.negated { " (negated)" } else { "" };
            println!("  {}: {}{} — \"{}\"", e.field, e.value, neg, e.text);
        }
        println!();
    }
    if let Some(place) = &place {
        let limit = within.map(|km| format!("; only trials with a site within {km} km")).unwrap_or_default();
        println!("Distances from {}{limit}.", place.label);
        if ranked.is_empty() {
            println!("No trials to show.");
        }
    }
    for (i, located) in ranked.iter().enumerate() {
        let trial = &located.ranked;
        let verdict = match trial.eligibility.verdict {
            matcher::Verdict::LikelyEligible => "likely eligible",
            matcher::Verdict::PossiblyEligible => "possibly eligible",
            matcher::Verdict::NotEligible => "not eligible",
        };
        let title = titles.get(&trial.nct_id).map(String::as_str).unwrap_or("");
        println!("{:>2}. {} {} [{verdict}, score {:.3}]", i + 1, trial.nct_id, title, trial.score);
        if place.is_some() {
            println!("      {}", server::nearest_site_line(located.nearest_site.as_ref()));
        }
        for mark in &trial.eligibility.marks {
            if !mark.decisive || mark.mark == matcher::Mark::NotApplicable {
                continue;
            }
            let symbol = match mark.mark {
                matcher::Mark::Met => "✓ met",
                matcher::Mark::NotMet => "✗ not met",
                _ => "? unknown",
            };
            let fact = mark.patient_fact.as_deref().unwrap_or("");
            let criterion: String = mark.criterion.chars().take(100).collect();
            println!("      {symbol}: {criterion}{}", if fact.is_empty() { String::new() } else { format!(" — {fact}") });
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn summary_command(
    store: &store::Store,
    nct_id: &str,
    llm: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let trial = load(store, nct_id).await?;
    let study = &trial.record.study;
    let result = if llm {
        let config = summary_llm::LlmConfig::from_env().ok_or_else(|| {
            anyhow::anyhow!("--llm needs TRIALBRIDGE_LLM_URL and TRIALBRIDGE_LLM_MODEL (an OpenAI-compatible endpoint)")
        })?;
        summary_llm::LlmSummarizer::new(config)?.summarize(study).await
    } else {
        let parsed = study.eligibility_criteria().map(criteria::parse);
        let hints = parsed.as_ref().map(summary::EligibilityHints::from_parsed).unwrap_or_default();
        let plain = summary::summarize_with(study, &hints);
        summary_llm::LlmSummary {
            grade: plain.grade(),
            text: plain.text(),
            source: summary_llm::SummarySource::Deterministic,
            rejected: None,
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!("{}\n", result.text);
        println!("(reading grade {:.1}, {:?})", result.grade, result.source);
        if let Some(rejected) = &result.rejected {
            println!("(the model's answer was not used: {})", serde_json::to_string(rejected)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(store: &store::Store) -> anyhow::Result<ExitCode> {
    let problems = store.integrity_problems().await?;
    for p in &problems {
        eprintln!("problem: {p}");
    }
    println!("{} trials checked, {} problems", store.count().await?, problems.len());
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn criteria_command(
    store: &store::Store,
    nct_id: Option<&str>,
    text_file: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let text = match (nct_id, text_file) {
        (_, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("reading criteria text from {}", path.display()))?,
        (Some(id), None) => {
            let trial = load(store, id).await?;
            trial
                .record
                .study
                .eligibility_criteria()
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("{id} has no eligibility criteria text"))?
        }
        (None, None) => bail!("give an NCT id or --text FILE"),
    };
    let parsed = criteria::parse(&text);
    if json {
        println!("{}", serde_json::to_string_pretty(&parsed)?);
        return Ok(ExitCode::SUCCESS);
    }
    for section in &parsed.sections {
        println!("{:?}", section.kind);
        for &index in &section.criteria {
            print_criterion(&parsed, index);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_criterion(parsed: &criteria::ParsedCriteria, index: usize) {
    let c = &parsed.criteria[index];
    let indent = "  ".repeat(c.depth + 1);
    println!("{indent}- {}", c.text.trim());
    for rule in &c.rules {
        println!("{indent}    [{}] {}", rule.kind(), rule.explain());
    }
    for &child in &c.children {
        print_criterion(parsed, child);
    }
}
