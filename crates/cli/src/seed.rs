//! The sample trials bundled in the binary, so `serve` on an empty data directory shows real
//! trials at once, wherever the binary runs from.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The 775 real registry records of `data/ctgov/studies.jsonl.gz` (see `data/SOURCES.md`).
const SAMPLE: &[u8] = include_bytes!("../../../data/ctgov/studies.jsonl.gz");
/// NCT07117305, assembled from the facts on its public trial page.
const NCT07117305: &[u8] = include_bytes!("../../../data/ctgov/NCT07117305.json");

/// Writes the bundled files under `data_dir/seed/` and returns their paths, ready to ingest.
pub fn write_seed_files(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = data_dir.join("seed");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = [("studies.jsonl.gz", SAMPLE), ("NCT07117305.json", NCT07117305)];
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}
