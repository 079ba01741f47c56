//! U2M connection files: where `login` writes a person's tokens and `run` saves them after a
//! refresh. Databricks may rotate the refresh token on every refresh (single-use refresh
//! tokens), so once a refresh token or a login code is redeemed, the file is the only place the
//! live credential can go. Every write follows the same rules:
//!
//! - **Writable before anything is spent.** The temporary file that will replace the connection
//!   file is created first (a fresh, unique name in the same directory, `O_EXCL`, mode 0600; an
//!   existing file or symlink of any name is never opened, reused or followed) and filled to more
//!   than the size the new file needs, then synced. A full disk, a file-size limit or a
//!   directory without write access fails there, before the token request.
//! - **One refresh at a time.** Refresh and save run under an advisory lock on `<name>.lock` next
//!   to the file, and the file is read again once the lock is held: another run may have
//!   refreshed it meanwhile, and its tokens are then used as they are.
//! - **Atomic, through symlinks.** The new file replaces the old one by a rename; a symlinked
//!   connection file is resolved first, so the link stays and its target is replaced.
//! - **Recoverable.** If the rename fails, the temporary file (complete, 0600) stays and the
//!   error says where it is; if even the temporary file cannot take the new set, it goes to
//!   `<name>.recovered` (0600).
//! - No message names a token: errors carry paths and the operating system's reason only.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::Value;

/// Room for the new token set beyond the current file's size: Databricks' access tokens are a
/// few hundred bytes to a few KiB.
const HEADROOM: usize = 16 << 10;

/// How often a run waiting for another run's refresh tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// A connection file, its symlinks resolved: the file that is read and replaced.
pub struct ConnectionFile {
    /// The path as given (for messages).
    given: PathBuf,
    /// The real file: an absolute directory and a name; it may not exist yet (`login`).
    target: PathBuf,
    dir: PathBuf,
    name: OsString,
}

impl ConnectionFile {
    /// Follows `path`'s symlinks to the regular file they lead to. With `must_exist` false (a
    /// new `login`), the file may be missing, but its directory must exist.
    pub fn resolve(path: &Path, must_exist: bool) -> anyhow::Result<ConnectionFile> {
        let mut current = path.to_path_buf();
        for _ in 0..40 {
            match std::fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let link = std::fs::read_link(&current).with_context(|| format!("cannot read the symlink {}", current.display()))?;
                    current = current.parent().map_or_else(|| link.clone(), |dir| dir.join(&link));
                }
                Ok(meta) if meta.is_file() => return ConnectionFile::at(path, &current),
                Ok(_) => bail!("{} is not a regular file (a pipe such as <(…), a device or a directory)", path.display()),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && !must_exist => return ConnectionFile::at(path, &current),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    bail!("{} leads to {}, which is not a file (a pipe such as <(…)?)", path.display(), current.display())
                }
                Err(err) => return Err(err).with_context(|| format!("cannot inspect {}", current.display())),
            }
        }
        bail!("{}: too many levels of symbolic links", path.display())
    }

    fn at(given: &Path, real: &Path) -> anyhow::Result<ConnectionFile> {
        let name = real.file_name().with_context(|| format!("{} names no file", given.display()))?.to_os_string();
        let dir = real.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).with_context(|| format!("cannot find the directory of {}", given.display()))?;
        Ok(ConnectionFile { given: given.to_path_buf(), target: dir.join(&name), dir, name })
    }

    /// The path as the user gave it.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// The connection the file holds now.
    pub fn read(&self) -> anyhow::Result<Value> {
        let text =
            std::fs::read_to_string(&self.target).with_context(|| format!("cannot read the connection file {}", self.given.display()))?;
        serde_json::from_str(&text).with_context(|| format!("the connection file {} is not valid JSON", self.given.display()))
    }

    /// `<dir>/<prefix><name><suffix>`.
    fn sibling(&self, prefix: &str, suffix: &str) -> PathBuf {
        let mut name = OsString::from(prefix);
        name.push(&self.name);
        name.push(suffix);
        self.dir.join(name)
    }

    /// Takes the advisory lock on `<name>.lock` (created 0600 when missing, never removed, so
    /// that every process locks the same inode), waiting until `deadline`. `None`: another
    /// process held it all that time.
    pub async fn lock(&self, deadline: Instant) -> anyhow::Result<Option<File>> {
        let path = self.sibling("", ".lock");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // The lock file is only locked, never written; still, a planted symlink is refused.
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(&path).with_context(|| format!("cannot open the lock file {}", path.display()))?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(file)),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(err)) => return Err(err).with_context(|| format!("cannot lock {}", path.display())),
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    /// Creates the temporary file that will replace this one and fills it with `size` bytes and
    /// more, synced: proof that the new file fits, before any token is spent. Dropped without
    /// [`Pending::commit`], it is removed.
    pub fn prepare(&self, size: usize) -> anyhow::Result<Pending<'_>> {
        let (path, mut file) = self.create_fresh(".", ".tmp", true)?;
        let filled = file.write_all(&vec![b' '; size + HEADROOM]).and_then(|()| file.sync_all());
        let pending = Pending { owner: self, path, file: Some(file), keep: false };
        // On failure `pending` is dropped, and the file removed.
        filled.with_context(|| format!("cannot write {}", pending.path.display()))?;
        Ok(pending)
    }

    /// A new file `<prefix><name>[.<random>]<suffix>` in the file's directory, mode 0600, created
    /// with `O_EXCL` (so never an existing file, nor through a symlink). `unique`: always with a
    /// random part; else the plain name first.
    fn create_fresh(&self, prefix: &str, suffix: &str, unique: bool) -> anyhow::Result<(PathBuf, File)> {
        let mut last = None;
        for attempt in 0..8 {
            let path = if unique || attempt > 0 {
                self.sibling(prefix, &format!(".{}{suffix}", random_tag()?))
            } else {
                self.sibling(prefix, suffix)
            };
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(file) => return Ok((path, file)),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => last = Some(path),
                Err(err) => return Err(err).with_context(|| format!("cannot create {}", path.display())),
            }
        }
        bail!("cannot create a new file next to {}: names such as {} all exist", self.given.display(), last.unwrap_or_default().display())
    }

    /// Writes the new set to `<name>.recovered` (0600) when the temporary file could not take it
    /// (or vanished before the rename); the error says where it went.
    fn recover(&self, text: &str, cause: &std::io::Error, temporary: &Path) -> anyhow::Error {
        let saved = self.create_fresh("", ".recovered", false).and_then(|(path, mut file)| {
            let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
            match written {
                Ok(()) => Ok(path),
                Err(err) => {
                    let _ = std::fs::remove_file(&path);
                    Err(anyhow::Error::new(err).context(format!("cannot write {}", path.display())))
                }
            }
        });
        match saved {
            Ok(path) => anyhow!(
                "the new token set could not be written to {} ({cause}); it is saved in {} (readable by you only): move that file \
                 over {} before the next run, the old refresh token may no longer work",
                temporary.display(),
                path.display(),
                self.target.display()
            ),
            Err(err) => anyhow!(
                "the new token set could not be written to {} ({cause}) nor anywhere else ({err:#}): the connection in {} may no \
                 longer work; sign in again with `databricks-account login`",
                temporary.display(),
                self.given.display()
            ),
        }
    }
}

/// The temporary file of [`ConnectionFile::prepare`], waiting for the new connection.
pub struct Pending<'a> {
    owner: &'a ConnectionFile,
    path: PathBuf,
    file: Option<File>,
    /// Left on disk: it holds the only copy of a new token set.
    keep: bool,
}

impl Pending<'_> {
    /// Writes `connection` into the temporary file and renames it over the connection file's
    /// target. On failure the new set stays on disk, and the error says where.
    pub fn commit(mut self, connection: &Value) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(connection)? + "\n";
        let Some(mut file) = self.file.take() else { bail!("{} was already committed", self.path.display()) };
        let written = file
            .rewind()
            .and_then(|()| file.write_all(text.as_bytes()))
            .and_then(|()| file.set_len(text.len() as u64))
            .and_then(|()| file.sync_all());
        drop(file);
        if let Err(err) = written {
            return Err(self.owner.recover(&text, &err, &self.path));
        }
        if let Err(err) = std::fs::rename(&self.path, &self.owner.target) {
            if std::fs::symlink_metadata(&self.path).is_err() {
                // Removed under our feet (a cleaner?): what was written went with it.
                return Err(self.owner.recover(&text, &err, &self.path));
            }
            self.keep = true;
            bail!(
                "cannot replace {} ({err}); the new token set is saved in {} (readable by you only): move that file over {} \
                 before the next run, the old refresh token may no longer work",
                self.owner.given.display(),
                self.path.display(),
                self.owner.target.display()
            );
        }
        self.keep = true; // renamed: nothing left to remove
        sync_dir(&self.owner.dir);
        Ok(())
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.keep {
            self.file = None;
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Makes a rename in `dir` durable (unix; elsewhere the rename is all there is).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The process ID and 8 random hex digits: a name no other run picks.
fn random_tag() -> anyhow::Result<String> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for a file name: {e}"))?;
    Ok(format!("{}-{}", std::process::id(), bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}
