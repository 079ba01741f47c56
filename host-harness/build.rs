//! Builds the `databricks-account` component (workspace member `plugin/`) for `wasm32-wasip2`
//! with `--profile guest`, so that `cargo test` and `cargo run -p host-harness -- demo` each work
//! in one command, and hands its path to the crate as `DATABRICKS_ACCOUNT_WASM`.
//!
//! The nested cargo gets a target dir of its own, `guest-component` beside the outer profiles
//! (`target/guest-component`): sharing the outer profile's directory deadlocks on cargo's build
//! lock (the pattern of waki's and wasmtime's test artifacts), and one directory for every run of
//! this script (`cargo clippy`, `cargo test`, `--release`) builds the component once, not once
//! per run; concurrent runs wait for each other on the nested cargo's own lock.
//!
//! Set `DATABRICKS_ACCOUNT_WASM` at build time to embed a component built elsewhere instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[path = "build/finish.rs"]
mod finish;

const TARGET: &str = "wasm32-wasip2";
const PACKAGE: &str = "databricks-account";
const PROFILE: &str = "guest";

/// Environment that describes the *host* build and must not leak into the guest build.
const STRIPPED_ENV: &[&str] = &[
    // Flags for the host (e.g. `-C target-cpu=native`, coverage instrumentation) break or bloat the guest.
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTDOCFLAGS",
    // The guest has its own target and target dir (sharing the outer one deadlocks on its lock).
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    // `cargo clippy` wraps rustc for workspace members; the guest build needs the plain compiler.
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    // Coverage tools point these at the host build.
    "LLVM_PROFILE_FILE",
    "CARGO_LLVM_COV",
    "CARGO_LLVM_COV_TARGET_DIR",
];

fn main() -> ExitCode {
    for path in ["../plugin", "../wit", "../Cargo.toml", "../Cargo.lock"] {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=DATABRICKS_ACCOUNT_WASM");
    println!("cargo:rerun-if-env-changed=WASM_OPT");

    // A prebuilt component (CI artifact, a platform's own build) skips the nested build.
    if let Some(prebuilt) = env::var_os("DATABRICKS_ACCOUNT_WASM") {
        let prebuilt = PathBuf::from(prebuilt);
        if !prebuilt.is_file() {
            return fail(&format!("DATABRICKS_ACCOUNT_WASM={} is not a file", prebuilt.display()));
        }
        let prebuilt = prebuilt.canonicalize().unwrap_or(prebuilt);
        println!("cargo:rerun-if-changed={}", prebuilt.display());
        println!("cargo:rustc-env=DATABRICKS_ACCOUNT_WASM={}", prebuilt.display());
        return ExitCode::SUCCESS;
    }

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace_manifest = manifest_dir.join("..").join("Cargo.toml");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let guest_target_dir = shared_guest_dir(&out_dir);

    if let Err(message) = ensure_target_installed() {
        return fail(&message);
    }

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(&workspace_manifest)
        .arg("--package")
        .arg(PACKAGE)
        .arg("--lib")
        .arg("--target")
        .arg(TARGET)
        .arg("--profile")
        .arg(PROFILE)
        // Cargo's build-script stdout is parsed for `cargo:` directives: keep the nested output off it.
        .stdout(std::process::Stdio::null());
    for name in STRIPPED_ENV {
        cmd.env_remove(name);
    }
    // Per-profile overrides meant for the host build (`CARGO_PROFILE_RELEASE_LTO=false`, ...) would
    // change the guest profile, which inherits from `release`.
    for (name, _) in env::vars_os() {
        if name.to_string_lossy().starts_with("CARGO_PROFILE_") {
            cmd.env_remove(name);
        }
    }
    // After the removals above, which include the outer `CARGO_TARGET_DIR`.
    cmd.env("CARGO_TARGET_DIR", &guest_target_dir);

    eprintln!("building the component: {cmd:?}");
    match cmd.status() {
        Ok(status) if status.success() => {}
        Ok(status) => {
            return fail(&format!(
                "building the `{PACKAGE}` component for {TARGET} failed ({status}); \
                 see the compiler output above"
            ));
        }
        Err(err) => return fail(&format!("could not run cargo to build the component: {err}")),
    }

    let wasm = guest_target_dir.join(TARGET).join(PROFILE).join(format!("{}.wasm", PACKAGE.replace('-', "_")));
    if !wasm.is_file() {
        return fail(&format!("the component build succeeded but {} is missing", wasm.display()));
    }
    let shipped = out_dir.join(format!("{}.wasm", PACKAGE.replace('-', "_")));
    let finished = std::fs::read(&wasm)
        .map_err(|err| format!("cannot read {}: {err}", wasm.display()))
        .and_then(|bytes| finish::finish(&bytes, &out_dir));
    let finished = match finished {
        Ok(finished) => finished,
        Err(message) => return fail(&message),
    };
    if let Some(why) = &finished.not_optimised {
        println!("cargo:warning=the component's core module is not optimised: {why}");
    }
    if let Err(err) = std::fs::write(&shipped, &finished.wasm) {
        return fail(&format!("cannot write {}: {err}", shipped.display()));
    }
    println!("cargo:rustc-env=DATABRICKS_ACCOUNT_WASM={}", shipped.display());
    ExitCode::SUCCESS
}

/// `<target dir>/guest-component` for an `OUT_DIR` of `<target dir>/<profile>/build/<package>/out`
/// (or `<target dir>/<triple>/<profile>/...`), else a directory inside `OUT_DIR`.
fn shared_guest_dir(out_dir: &Path) -> PathBuf {
    let mut ancestors = out_dir.ancestors();
    let build = ancestors.nth(2);
    match (build, ancestors.nth(1)) {
        (Some(build), Some(target_dir)) if build.file_name().is_some_and(|name| name == "build") => target_dir.join("guest-component"),
        _ => out_dir.join("guest-target"),
    }
}

/// Makes sure the standard library for `wasm32-wasip2` is installed for the rustc in use: when it
/// is missing, installs it with rustup (for the toolchain this build runs on) and says so, so that
/// the README's commands work alone on a machine that has only Rust.
fn ensure_target_installed() -> Result<(), String> {
    let missing = match check_target_installed() {
        Ok(()) => return Ok(()),
        Err(missing) => missing,
    };
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") {
        rustup.arg("--toolchain").arg(toolchain);
    }
    eprintln!("the Rust target `{TARGET}` is missing; installing it: {rustup:?}");
    match rustup.status() {
        Ok(status) if status.success() => {
            println!(
                "cargo:warning=the Rust target `{TARGET}` was not installed; this build installed it with `rustup target add {TARGET}`"
            );
            check_target_installed()
        }
        Ok(status) => Err(format!("{missing} (`rustup target add {TARGET}` failed: {status})")),
        Err(err) => Err(format!("{missing} (rustup could not be run: {err})")),
    }
}

/// Checks that the standard library for `wasm32-wasip2` is installed for the rustc in use.
fn check_target_installed() -> Result<(), String> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .map_err(|err| format!("could not run {}: {err}", Path::new(&rustc).display()))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && !libdir.is_empty() && Path::new(&libdir).is_dir() {
        Ok(())
    } else {
        Err(format!(
            "the Rust target `{TARGET}` is not installed; the databricks-account component is \
             built for it. Run `rustup target add {TARGET}` and build again."
        ))
    }
}

fn fail(message: &str) -> ExitCode {
    println!("cargo::error={message}");
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
