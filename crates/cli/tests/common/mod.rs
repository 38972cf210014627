//! Shared by the CLI's integration tests: `trialbridge serve` on a free port.

// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `trialbridge serve`; killed when dropped, so a failing test leaves no server.
pub struct Server {
    child: Child,
    /// "http://127.0.0.1:PORT", without a trailing slash.
    pub base: String,
    /// What the server printed first ("TrialBridge is serving N trials at …").
    pub first_line: String,
    /// The data directory when the server owns it ([`serve_fresh`]).
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `trialbridge serve` on a free port over `data_dir` (an empty one seeds the sample),
/// on the embedded store whatever the environment says, and returns once it is listening.
pub fn serve(data_dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trialbridge"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir.to_str().unwrap()])
        .env_remove("TRIALBRIDGE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    let base = first_line.split("at ").nth(1).unwrap().trim_end_matches('/').to_string();
    // Keep draining stdout: a closed pipe would make the server's next print fail.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, base, first_line, _dir: None }
}

/// [`serve`] over a fresh data directory that lives as long as the server: the sample, seeded.
pub fn serve_fresh() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path());
    server._dir = Some(dir);
    server
}
