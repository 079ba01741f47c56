//! Changes Databricks finishes later (a workspace being provisioned, a private endpoint waiting
//! for approval): the fake finishes them after a number of reads of the object (or, when a test
//! says so, once some time has passed), so a client's polling ends at once in a test instead of
//! after minutes.

use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a change ends.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// As it should (a workspace `RUNNING`, an endpoint `ESTABLISHED`).
    Done,
    /// With this message (a workspace `FAILED`).
    Failed(String),
    /// Never: the object stays as it is, however often it is read.
    Stalled,
}

/// A change the fake finishes on the `reads`-th GET of its object, or on the first GET after its
/// time, when it has one.
#[derive(Debug)]
pub struct Progress {
    reads_left: u32,
    ready_at: Option<Instant>,
    outcome: Outcome,
}

impl Progress {
    /// Finishes on the `reads`-th read (the first read when `reads` is 0 or 1).
    pub fn new(reads: u32, outcome: Outcome) -> Progress {
        Progress { reads_left: reads.max(1), ready_at: None, outcome }
    }

    /// Finishes also on the first read once `after` has passed from now (when given).
    pub fn or_after(mut self, after: Option<Duration>) -> Progress {
        self.ready_at = after.map(|after| Instant::now() + after);
        self
    }

    /// Counts one read; the outcome when this read is the one that shows it.
    fn read(&mut self) -> Option<Outcome> {
        if self.outcome == Outcome::Stalled {
            return None;
        }
        self.reads_left = self.reads_left.saturating_sub(1);
        let due = self.ready_at.is_some_and(|at| Instant::now() >= at);
        (self.reads_left == 0 || due).then(|| self.outcome.clone())
    }
}

/// Counts a GET of the object `key` (shown as `item`): when the change it is under finishes,
/// `finish` shows its outcome on the item and the change is forgotten.
pub fn observe(changes: &mut HashMap<String, Progress>, key: &str, item: &mut Value, finish: fn(&mut Value, Outcome)) {
    if let Some(outcome) = changes.get_mut(key).and_then(Progress::read) {
        changes.remove(key);
        finish(item, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mark(item: &mut Value, outcome: Outcome) {
        item["state"] = json!(format!("{outcome:?}"));
    }

    #[test]
    fn a_change_finishes_on_its_nth_read_and_a_stalled_one_never() {
        let mut changes = HashMap::new();
        changes.insert("a".to_string(), Progress::new(2, Outcome::Done));
        changes.insert("b".to_string(), Progress::new(1, Outcome::Stalled));
        let mut item = json!({});
        observe(&mut changes, "a", &mut item, mark);
        assert_eq!(item, json!({}), "the first of two reads still shows the change under way");
        observe(&mut changes, "a", &mut item, mark);
        assert_eq!(item["state"], "Done");
        assert!(!changes.contains_key("a"), "a finished change is forgotten");
        let mut stalled = json!({});
        for _ in 0..5 {
            observe(&mut changes, "b", &mut stalled, mark);
        }
        assert_eq!(stalled, json!({}));
        assert_eq!(Progress::new(0, Outcome::Done).reads_left, 1, "zero reads is the first read");
    }

    #[test]
    fn a_change_with_a_time_finishes_once_it_has_passed() {
        let mut changes = HashMap::new();
        changes.insert("a".to_string(), Progress::new(100, Outcome::Done).or_after(Some(Duration::ZERO)));
        changes.insert("b".to_string(), Progress::new(100, Outcome::Done).or_after(Some(Duration::from_secs(3600))));
        let (mut a, mut b) = (json!({}), json!({}));
        observe(&mut changes, "a", &mut a, mark);
        observe(&mut changes, "b", &mut b, mark);
        assert_eq!((a["state"].as_str(), b.get("state")), (Some("Done"), None), "the first is due, the second is not yet");
    }
}
