//! This process's peak memory, as the kernel counts it.

/// Hands the allocator's free pages back to the system, so that the memory a burst adds is its
/// own: without it, a burst that follows another one reuses the pages the first one freed, and
/// looks as if it needed almost nothing.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns glibc's free memory to the system; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Resets the process's peak resident set (Linux: `/proc/self/clear_refs`), so that the next
/// reading is the peak of what follows.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set of this process in bytes: `VmHWM` (resettable), else `getrusage`.
pub fn peak_rss_bytes() -> u64 {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines() {
            if let Some(kb) = line.strip_prefix("VmHWM:")
                && let Ok(kb) = kb.trim().trim_end_matches("kB").trim().parse::<u64>()
            {
                return kb * 1024;
            }
        }
    }
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call above.
            let usage = unsafe { usage.assume_init() };
            return u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
        }
    }
    0
}

/// This process's resident set now, in bytes (`VmRSS`; 0 where the kernel does not say).
pub fn current_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| line.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU time this process has used so far, user and system.
#[cfg(unix)]
pub fn cpu_time() -> std::time::Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return std::time::Duration::ZERO;
    }
    // SAFETY: initialised by the successful call above.
    let usage = unsafe { usage.assume_init() };
    let micros = |t: libc::timeval| u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000 + u64::try_from(t.tv_usec).unwrap_or(0);
    std::time::Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// CPU time this process has used so far (not measured here).
#[cfg(not(unix))]
pub fn cpu_time() -> std::time::Duration {
    std::time::Duration::ZERO
}

/// This process's proportional set size now, in bytes (`Pss` of `/proc/self/smaps_rollup`):
/// its resident pages, each page it shares divided by the number of mappings holding it. Where
/// VmRSS counts a page of the component's memory image once for every instance that maps it
/// (copy-on-write, so the pages are the page cache's until written), PSS counts it once. `None`
/// where the kernel does not say.
pub fn current_pss_bytes() -> Option<u64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let kb = rollup.lines().find_map(|line| line.strip_prefix("Pss:")?.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?;
    Some(kb * 1024)
}

/// The highest PSS seen while it lives, sampled on a thread of its own every [`PssPeak::EVERY`]
/// (the kernel keeps no peak of it).
pub struct PssPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: Option<std::thread::JoinHandle<u64>>,
}

impl PssPeak {
    // Reading smaps takes the process's memory-map lock, which page faults and the pooling
    // allocator also take: sampled sparingly, so that the sampling does not slow the burst.
    const EVERY: std::time::Duration = std::time::Duration::from_millis(50);

    pub fn start() -> PssPeak {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let sampler = std::thread::Builder::new()
            .name("bench-pss".into())
            .spawn(move || {
                let mut peak = 0;
                while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    peak = peak.max(current_pss_bytes().unwrap_or(0));
                    std::thread::sleep(Self::EVERY);
                }
                peak.max(current_pss_bytes().unwrap_or(0))
            })
            .ok();
        PssPeak { stop, sampler }
    }

    /// The peak seen, in bytes (0 where PSS cannot be read).
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.sampler.take().and_then(|s| s.join().ok()).unwrap_or(0)
    }
}
