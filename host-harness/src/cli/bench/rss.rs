//! This process's peak memory, as the kernel counts it.

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
