//! Fingerprints the code that builds matcher documents, for the stored-document format.
//!
//! A stored `matcher::TrialDocument` is only as good as the code that built it: any change to
//! the matcher, the criteria parser, the registry model or their dependencies may change what
//! a document holds or how it is encoded. Rather than trust someone to bump a constant, the
//! format name carries a hash of those sources (and of Cargo.lock, and of the gazetteer that
//! places sites listed without a point), so a build with different code never reads another
//! build's documents; it rebuilds and rewrites them.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..");
    let inputs = [
        root.join("crates/matcher/src"),
        root.join("crates/matcher/Cargo.toml"),
        root.join("crates/criteria/src"),
        root.join("crates/criteria/Cargo.toml"),
        root.join("crates/ctgov/src"),
        root.join("crates/ctgov/Cargo.toml"),
        root.join("Cargo.lock"),
        // Sites without a registry point are geocoded as the document is built.
        root.join("crates/server/src/match_routes/location.rs"),
        root.join("crates/search/src/gazetteer.rs"),
        root.join("data/geo"),
    ];
    let mut files = Vec::new();
    for input in &inputs {
        println!("cargo:rerun-if-changed={}", input.display());
        collect(input, &mut files);
    }
    files.sort();
    // FNV-1a over (relative path, contents) of every file: stable across toolchains.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        feed(relative.to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&std::fs::read(file).unwrap_or_default());
        feed(&[0]);
    }
    println!("cargo:rustc-env=TRIALBRIDGE_MATCHER_SOURCES_HASH={hash:016x}");
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            collect(&entry.path(), out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}
