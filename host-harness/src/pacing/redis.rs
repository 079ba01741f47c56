//! The pacing schedule in Redis, shared by every host of a platform: one key per account and
//! rate class holding the time (Redis' clock, microseconds) the next request is due, moved by one
//! script so that reservations from any number of hosts never interleave.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::Rate;

/// GCRA with reservations (see `gcra.rs`), on Redis' clock: returns the microseconds to wait.
/// The key expires once its due time and the burst have passed, so idle accounts leave nothing.
const RESERVE: &str = r"
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if due < now_us then due = now_us end
local wait = due - tolerance - now_us
if wait < 0 then wait = 0 end
local next_due = due + interval
redis.call('SET', KEYS[1], next_due, 'PX', math.floor((next_due - now_us + tolerance) / 1000) + 1000)
return wait
";

/// How long a reservation may take before the run fails with an internal error.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// A lazily opened, reconnecting connection to the Redis that holds the schedule.
pub(crate) struct SharedSchedule {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
}

impl SharedSchedule {
    pub(crate) fn new(url: &str) -> anyhow::Result<SharedSchedule> {
        let client = redis::Client::open(url).map_err(|e| anyhow::anyhow!("pacing: the Redis URL is not valid: {e}"))?;
        Ok(SharedSchedule { client, connection: OnceCell::new(), script: redis::Script::new(RESERVE) })
    }

    pub(crate) async fn reserve(&self, key: &str, rate: Rate) -> anyhow::Result<Duration> {
        // A busy host (hundreds of runs on two cores) can take longer than redis-rs's default
        // half second to read an answer that Redis sent in microseconds.
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let connection = self
            .connection
            .get_or_try_init(|| ConnectionManager::new_with_config(self.client.clone(), config))
            .await
            .map_err(|e| anyhow::anyhow!("pacing: cannot reach Redis: {e}"))?;
        let mut connection = connection.clone();
        let wait: i64 = self
            .script
            .key(key)
            .arg(rate.interval.as_micros() as i64)
            .arg(rate.tolerance().as_micros() as i64)
            .invoke_async(&mut connection)
            .await
            .map_err(|e| anyhow::anyhow!("pacing: the Redis reservation failed: {e}"))?;
        Ok(Duration::from_micros(wait.max(0) as u64))
    }
}
