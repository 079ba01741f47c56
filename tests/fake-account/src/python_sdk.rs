//! The official Databricks SDK for Python, the independent client that checks the fake account
//! (`tests/python_sdk.rs`) and the cards' requests (the e2e differential test): a venv under the
//! workspace's target dir with `databricks-sdk` as `python/requirements.txt` pins it, reused
//! while the pin is unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's Python, with the pinned SDK installed (built on the first call). Panics with the
/// failing step's output when python3, venv or pip does not work: a test cannot go on without it.
pub fn python() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| crate_dir.join("../../target"));
    let venv = target.join("python-sdk-venv");
    let requirements = crate_dir.join("python/requirements.txt");
    let pinned = std::fs::read_to_string(&requirements).expect("requirements.txt");
    let stamp = venv.join("installed-requirements.txt");
    // One builder at a time: test binaries run in parallel.
    let lock = std::fs::File::create(target.join("python-sdk-venv.lock")).expect("the venv lock");
    lock.lock().expect("lock the venv");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(pinned.as_str()) {
        run(Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv), "python3 -m venv");
        run(
            Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
            "pip install databricks-sdk",
        );
        std::fs::write(&stamp, pinned).expect("write the venv stamp");
    }
    venv.join("bin/python")
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
