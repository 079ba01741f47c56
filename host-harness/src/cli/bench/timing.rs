//! How the benchmark times things: the runs split into rounds, warm-up runs dropped, and the
//! quantiles of what is left.

use std::time::{Duration, Instant};

use super::BenchArgs;

/// The `--runs` and `--warmup` of each of the `--rounds` rounds: the runs split as evenly as
/// they go, the whole warm-up before the first round and a fifth of it (at least one run)
/// before each later one, to warm again what the other measurements of the round evicted.
pub fn rounds(args: &BenchArgs) -> Vec<BenchArgs> {
    let count = args.rounds.clamp(1, args.runs.max(1));
    (0..count)
        .map(|i| BenchArgs {
            runs: args.runs.max(1) / count + usize::from(i < args.runs.max(1) % count),
            warmup: if i == 0 { args.warmup } else { (args.warmup / 5).max(1).min(args.warmup) },
            ..args.clone()
        })
        .collect()
}

/// Times `runs` calls of `f` after `warmup` untimed ones.
pub async fn time<F, Fut>(args: &BenchArgs, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    timings(args, || {
        let run = f();
        async move {
            let started = Instant::now();
            run.await?;
            Ok(started.elapsed())
        }
    })
    .await
}

/// The durations `runs` calls of `f` report (each times the part it measures), after `warmup`
/// calls whose durations are dropped.
pub async fn timings<F, Fut>(args: &BenchArgs, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Duration>>,
{
    for _ in 0..args.warmup {
        f().await?;
    }
    let mut times = Vec::with_capacity(args.runs);
    for _ in 0..args.runs.max(1) {
        times.push(f().await?);
    }
    Ok(times)
}

/// Durations sorted once, for their quantiles.
pub struct Stats {
    sorted: Vec<Duration>,
}

impl Stats {
    /// The statistics of these durations.
    pub fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        Stats { sorted: times }
    }

    /// The duration at quantile `q` (0.5: the median); zero when there are none.
    pub fn quantile(&self, q: f64) -> Duration {
        let n = self.sorted.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let index = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
        self.sorted[index]
    }

    /// The median, in µs.
    pub fn p50_us(&self) -> f64 {
        micros(self.quantile(0.5))
    }

    /// The 99th percentile, in µs.
    pub fn p99_us(&self) -> f64 {
        micros(self.quantile(0.99))
    }

    /// This median over the other's.
    pub fn ratio(&self, baseline: &Stats) -> f64 {
        let base = baseline.quantile(0.5).as_secs_f64();
        if base == 0.0 { 0.0 } else { round2(self.quantile(0.5).as_secs_f64() / base) }
    }
}

/// The middle one of `items` by `key` (of an even number, the lower middle one, as
/// [`Stats::quantile`] picks): how a figure measured in a few rounds is read.
pub fn median_by_key<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> &T {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by_key(|item| key(item));
    sorted[sorted.len().div_ceil(2).saturating_sub(1)]
}

/// µs, to a tenth.
fn micros(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 10.0
}

/// Two decimals, as the report gives ratios and milliseconds.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_median_round_is_the_middle_one_by_its_key() {
        let rounds = [(1, 'a'), (9, 'b'), (5, 'c'), (7, 'd'), (3, 'e')];
        assert_eq!(median_by_key(&rounds, |r| r.0), &(5, 'c'));
        assert_eq!(median_by_key(&rounds[..3], |r| r.0), &(5, 'c'));
        // As `Stats::quantile(0.5)` reads an even count: the lower middle one.
        assert_eq!(median_by_key(&rounds[..4], |r| r.0), &(5, 'c'));
        let stats = Stats::of([1, 9, 5, 7].map(Duration::from_micros).to_vec());
        assert_eq!(stats.quantile(0.5), Duration::from_micros(5));
    }

    /// `bench` options as the command line gives them.
    fn args(flags: &[&str]) -> BenchArgs {
        #[derive(clap::Parser)]
        struct Command {
            #[command(flatten)]
            bench: BenchArgs,
        }
        Command::parse_from(std::iter::once("bench").chain(flags.iter().copied())).bench
    }

    fn split(flags: &[&str]) -> Vec<(usize, usize)> {
        rounds(&args(flags)).iter().map(|round| (round.runs, round.warmup)).collect()
    }

    #[test]
    fn the_runs_are_split_into_rounds_that_each_warm_up_again() {
        assert_eq!(split(&[]), [(60, 20), (60, 4), (60, 4), (60, 4), (60, 4)]);
        assert_eq!(split(&["--runs", "7", "--rounds", "3", "--warmup", "3"]), [(3, 3), (2, 1), (2, 1)]);
        // Never a round without a timed run, never a warm-up where none was asked for.
        assert_eq!(split(&["--runs", "2", "--warmup", "0"]), [(1, 0), (1, 0)]);
        assert_eq!(split(&["--runs", "0", "--rounds", "0"]), [(1, 20)]);
    }
}
