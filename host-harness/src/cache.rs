//! The on-disk cache of the compiled component (`Component::serialize` output).
//!
//! Compiling the component with Cranelift takes a quarter second (release host) to seconds
//! (debug host); loading the precompiled artifact takes about a millisecond. Loading one is
//! `unsafe` — wasmtime trusts its contents as machine code — so the harness only loads files it
//! wrote itself:
//!
//! * the key is the SHA-256 of the wasm bytes plus the engine's
//!   `precompile_compatibility_hash` (wasmtime version, target, compiler flags, features);
//! * the directory is `DATABRICKS_ACCOUNT_CACHE_DIR`, or a per-user folder of the OS temp dir
//!   created with mode 0700;
//! * on Unix a file is loaded only when it and its directory belong to the current user and are
//!   not writable by anyone else;
//! * files are written to a unique temporary name and renamed into place, because parallel test
//!   processes race to fill the cache; a reader never sees a half-written file.
//!
//! Any failure (unreadable, incompatible, untrusted) falls back to compiling, with a warning.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The environment variable that picks the cache directory.
pub const CACHE_DIR_ENV: &str = "DATABRICKS_ACCOUNT_CACHE_DIR";

/// How the component was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadSource {
    /// Loaded from a precompiled artifact in the cache.
    Cache,
    /// Compiled now (and written to the cache when it was enabled and writable).
    Compiled,
}

/// How loading the component went: where it came from and how long it took.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Cache hit or fresh compilation.
    pub source: LoadSource,
    /// Time to load or compile the component (excluding hashing and the cache write).
    pub load_time: Duration,
    /// SHA-256 of the wasm bytes, hex.
    pub wasm_sha256: String,
    /// The cache file used or written, when the cache is enabled.
    pub cache_file: Option<PathBuf>,
}

/// Where precompiled artifacts live.
#[derive(Clone, Debug)]
pub(crate) struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// The cache at `dir`, or the default one (`DATABRICKS_ACCOUNT_CACHE_DIR` or the temp dir).
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        let dir = dir.unwrap_or_else(cache_dir);
        ArtifactCache { dir }
    }

    /// The cache file for these wasm bytes on this engine.
    pub(crate) fn path_for(&self, engine: &Engine, wasm_sha256: &str) -> PathBuf {
        let key = cache_key(engine, wasm_sha256);
        self.dir.join(format!("databricks-account-{}.cwasm", &key[..32]))
    }

    /// Loads the precompiled component for these bytes, or compiles it and stores the result.
    pub(crate) fn load_or_compile(&self, engine: &Engine, wasm: &[u8]) -> anyhow::Result<(Component, LoadReport)> {
        let wasm_sha256 = hex(&Sha256::digest(wasm));
        let path = self.path_for(engine, &wasm_sha256);

        if path.is_file() {
            match trusted(&path) {
                Ok(()) => {
                    let started = Instant::now();
                    // SAFETY: the file is one this harness wrote (same owner, not writable by others,
                    // keyed by the wasm bytes and the engine's compatibility hash); wasmtime also
                    // checks the version and configuration recorded in it.
                    match unsafe { Component::deserialize_file(engine, &path) } {
                        Ok(component) => {
                            let report =
                                LoadReport { source: LoadSource::Cache, load_time: started.elapsed(), wasm_sha256, cache_file: Some(path) };
                            return Ok((component, report));
                        }
                        Err(err) => tracing::warn!(
                            path = %path.display(),
                            "cannot load the cached component; compiling it again: {err:#}"
                        ),
                    }
                }
                Err(why) => tracing::warn!(path = %path.display(), "not loading the cached component: {why}"),
            }
        }

        let started = Instant::now();
        let component = Component::from_binary(engine, wasm).map_err(crate::runtime::wt)?;
        let load_time = started.elapsed();
        let cache_file = match self.store(&component, &path) {
            Ok(()) => Some(path),
            Err(err) => {
                tracing::warn!(dir = %self.dir.display(), "cannot cache the compiled component: {err:#}");
                None
            }
        };
        let report = LoadReport { source: LoadSource::Compiled, load_time, wasm_sha256, cache_file };
        Ok((component, report))
    }

    fn store(&self, component: &Component, path: &Path) -> anyhow::Result<()> {
        create_private_dir(&self.dir)?;
        let bytes = component.serialize().map_err(crate::runtime::wt)?;
        let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        let tmp = path.with_extension(format!("tmp.{}.{nonce}", std::process::id()));
        let result = (|| -> std::io::Result<()> {
            let mut file = create_private_file(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            // Atomic on one file system: a concurrent reader sees the old file or the whole new one.
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(result?)
    }
}

/// SHA-256 (hex) of the wasm hash and the engine's compatibility hash.
fn cache_key(engine: &Engine, wasm_sha256: &str) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    wasm_sha256.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex(&hasher.0.finalize())
}

/// Feeds `std::hash::Hash` into SHA-256, so the key is stable across processes
/// (`DefaultHasher` makes no such promise).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The directory of the harness's files (the compiled component, the CLI's shared tokens):
/// `DATABRICKS_ACCOUNT_CACHE_DIR`, else a per-user folder in the temp dir.
pub fn cache_dir() -> PathBuf {
    std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()).map(PathBuf::from).unwrap_or_else(default_dir)
}

#[cfg(unix)]
fn default_dir() -> PathBuf {
    // Per user, so that one user's temp files are never another's machine code.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    std::env::temp_dir().join(format!("databricks-account-cache-{uid}"))
}

#[cfg(not(unix))]
fn default_dir() -> PathBuf {
    std::env::temp_dir().join("databricks-account-cache")
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(err) if dir.is_dir() => {
            let _ = err;
            Ok(())
        }
        Err(err) => Err(err),
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// Whether `path` (and its directory) can only have been written by the current user.
#[cfg(unix)]
fn trusted(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let dir = path.parent().unwrap_or(Path::new("."));
    for (what, p) in [("file", path), ("directory", dir)] {
        let meta = std::fs::symlink_metadata(p).map_err(|e| format!("cannot stat the {what}: {e}"))?;
        if meta.file_type().is_symlink() {
            return Err(format!("the {what} is a symbolic link"));
        }
        if meta.uid() != uid {
            return Err(format!("the {what} belongs to uid {}, not {uid}", meta.uid()));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!("the {what} is writable by other users"));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn trusted(_path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::new(&wasmtime::Config::new()).unwrap()
    }

    #[test]
    fn key_depends_on_the_wasm_and_is_stable() {
        let engine = engine();
        let a1 = cache_key(&engine, &hex(&Sha256::digest(b"a")));
        let a2 = cache_key(&engine, &hex(&Sha256::digest(b"a")));
        let b = cache_key(&engine, &hex(&Sha256::digest(b"b")));
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_eq!(a1.len(), 64);
    }

    #[test]
    fn key_depends_on_the_engine_configuration() {
        let plain = engine();
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let with_epochs = Engine::new(&config).unwrap();
        let wasm = hex(&Sha256::digest(b"a"));
        assert_ne!(cache_key(&plain, &wasm), cache_key(&with_epochs, &wasm));
    }

    #[cfg(unix)]
    #[test]
    fn files_writable_by_others_are_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("hh-cache-test-{}", std::process::id()));
        create_private_dir(&dir).unwrap();
        let file = dir.join("x.cwasm");
        std::fs::write(&file, b"x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(trusted(&file), Ok(()));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(trusted(&file).unwrap_err().contains("writable by other users"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_garbage_cache_file_is_replaced_by_a_compiled_component() {
        let dir = std::env::temp_dir().join(format!("hh-cache-garbage-{}", std::process::id()));
        let cache = ArtifactCache::new(Some(dir.clone()));
        let engine = engine();
        // The smallest valid component.
        let wasm = b"\0asm\x0d\0\x01\0";
        let path = cache.path_for(&engine, &hex(&Sha256::digest(wasm)));
        create_private_dir(&dir).unwrap();
        create_private_file(&path).unwrap().write_all(b"not machine code").unwrap();

        let (_, report) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(report.source, LoadSource::Compiled);
        let (_, report) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(report.source, LoadSource::Cache);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
