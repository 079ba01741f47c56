//! A fixed-size summary of a set of IDs that can say, given the set as it is now, which IDs were
//! added and which removed since the summary was made: an invertible Bloom lookup table
//! (Goodrich and Mitzenmacher, 2011). Each ID is folded into three cells (a count, the XOR of the
//! IDs, the XOR of a check of each); taking the current IDs back out leaves only the changes,
//! which are then read off one by one from cells holding a single change.
//!
//! The table is sized by the set: room for 1 change in 20, at least [`MIN_CHANGES`], at most
//! [`MAX_CHANGES`] (about 13 bytes per cell, 1.5 cells per change), so a cursor of a 100,000-user
//! account is ~39 KB and does not grow with the account. When more changed than it has room for,
//! not every change can be read off: [`Sketch::compare`] then answers every current ID that may
//! be new (no new ID is missed, some old ones may be repeated) and says it is not exact.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

/// Room for changes between two runs, whatever the set's size.
pub const MIN_CHANGES: usize = 64;
pub const MAX_CHANGES: usize = 2_000;
/// Cells each ID is folded into, one in each third of the table.
const HASHES: usize = 3;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cell {
    count: i64,
    keys: u64,
    checks: u32,
}

impl Cell {
    fn is_empty(&self) -> bool {
        *self == Cell::default()
    }

    fn fold(&mut self, key: u64, check: u32, by: i64) {
        self.count += by;
        self.keys ^= key;
        self.checks ^= check;
    }
}

/// Where a key goes: its cell in each third of the table, and its check.
struct Spot {
    cells: [usize; HASHES],
    check: u32,
}

fn spot(key: u64, third: usize) -> Spot {
    let digest = Sha256::digest(key.to_le_bytes());
    let word = |i: usize| u32::from_le_bytes([digest[4 * i], digest[4 * i + 1], digest[4 * i + 2], digest[4 * i + 3]]);
    Spot { cells: [0, 1, 2].map(|i| i * third + word(i) as usize % third), check: word(HASHES) }
}

/// What changed between a summary and the set as it is now.
#[derive(Debug, PartialEq, Eq)]
pub struct Changes {
    /// Keys in the set now and not before (with `exact` false: every such key, and maybe others).
    pub added: HashSet<u64>,
    /// Keys in the set before and not now (with `exact` false: maybe not all of them).
    pub removed: HashSet<u64>,
    /// Whether every change could be read off.
    pub exact: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sketch {
    cells: Vec<Cell>,
}

impl Sketch {
    /// The summary of `keys`.
    pub fn of(keys: &[u64]) -> Sketch {
        let room = (keys.len() / 20).clamp(MIN_CHANGES, MAX_CHANGES);
        let third = (room * 3 / 2).div_ceil(HASHES);
        let mut sketch = Sketch { cells: vec![Cell::default(); third * HASHES] };
        for &key in keys {
            sketch.fold(key, 1);
        }
        sketch
    }

    fn fold(&mut self, key: u64, by: i64) {
        let spot = spot(key, self.cells.len() / HASHES);
        for i in spot.cells {
            self.cells[i].fold(key, spot.check, by);
        }
    }

    /// What changed from this summary to `now`.
    pub fn compare(&self, now: &[u64]) -> Changes {
        let mut rest = self.clone();
        for &key in now {
            rest.fold(key, -1);
        }
        let third = rest.cells.len() / HASHES;
        let (mut added, mut removed) = (HashSet::new(), HashSet::new());
        let mut pending: Vec<usize> = (0..rest.cells.len()).collect();
        while let Some(i) = pending.pop() {
            let cell = rest.cells[i];
            if cell.count.abs() != 1 {
                continue;
            }
            // A cell holds one change when its check is that of its key, and the key goes there.
            let spot = spot(cell.keys, third);
            if spot.check != cell.checks || !spot.cells.contains(&i) {
                continue;
            }
            if cell.count == 1 {
                removed.insert(cell.keys)
            } else {
                added.insert(cell.keys)
            };
            for j in spot.cells {
                rest.cells[j].fold(cell.keys, spot.check, -cell.count);
                pending.push(j);
            }
        }
        let exact = rest.cells.iter().all(Cell::is_empty);
        if !exact {
            // A new key not read off still sits in all three of its cells: every current key
            // whose cells are all taken may be new.
            for &key in now {
                if !added.contains(&key) && spot(key, third).cells.iter().all(|&j| !rest.cells[j].is_empty()) {
                    added.insert(key);
                }
            }
        }
        Changes { added, removed, exact }
    }

    /// The summary as bytes: the cell count, then each cell (its count, and its sums when not empty).
    pub fn write(&self, out: &mut Vec<u8>) {
        varint::write(out, self.cells.len() as u64);
        for cell in &self.cells {
            varint::write(out, cell.count as u64);
            if cell.count != 0 {
                out.extend_from_slice(&cell.keys.to_le_bytes());
                out.extend_from_slice(&cell.checks.to_le_bytes());
            }
        }
    }

    /// Reads what [`Sketch::write`] wrote, returning the bytes after it; `None` for anything else.
    pub fn read(mut bytes: &[u8]) -> Option<(Sketch, &[u8])> {
        let cells = varint::read(&mut bytes)? as usize;
        if cells == 0 || !cells.is_multiple_of(HASHES) || cells > MAX_CHANGES * 2 * HASHES {
            return None;
        }
        let mut sketch = Sketch { cells: Vec::with_capacity(cells) };
        for _ in 0..cells {
            let count = i64::try_from(varint::read(&mut bytes)?).ok()?;
            let cell = if count == 0 {
                Cell::default()
            } else {
                let (keys, rest) = bytes.split_first_chunk::<8>()?;
                let (checks, rest) = rest.split_first_chunk::<4>()?;
                bytes = rest;
                Cell { count, keys: u64::from_le_bytes(*keys), checks: u32::from_le_bytes(*checks) }
            };
            sketch.cells.push(cell);
        }
        Some((sketch, bytes))
    }
}

/// The key of a SCIM ID: the number itself for Databricks' numeric IDs (so that a removed ID can
/// be named again), a hash with the top bit set for any other text.
pub fn key_of(id: &str) -> u64 {
    match id.parse::<u64>() {
        Ok(number) if number < 1 << 63 && !id.starts_with('+') && (id == "0" || !id.starts_with('0')) => number,
        _ => {
            let digest = Sha256::digest(id.as_bytes());
            u64::from_le_bytes(digest[..8].try_into().unwrap_or_default()) | 1 << 63
        }
    }
}

/// The SCIM ID a key stands for, when it is a numeric one.
pub fn id_of(key: u64) -> Option<String> {
    (key < 1 << 63).then(|| key.to_string())
}

/// Unsigned LEB128 integers.
pub mod varint {
    pub fn write(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    pub fn read(bytes: &mut &[u8]) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = bytes.split_first()?;
            *bytes = rest;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(|i| 4_211_000_000_000_000 + i * 7_919).collect()
    }

    #[test]
    fn reads_off_what_was_added_and_removed() {
        let before = ids(0..1_000);
        let sketch = Sketch::of(&before);
        let mut now: Vec<u64> = before[10..].to_vec();
        now.extend(ids(5_000..5_040));
        let changes = sketch.compare(&now);
        assert!(changes.exact);
        assert_eq!(changes.added, ids(5_000..5_040).into_iter().collect());
        assert_eq!(changes.removed, before[..10].iter().copied().collect());
        assert_eq!(sketch.compare(&before), Changes { added: HashSet::new(), removed: HashSet::new(), exact: true });
    }

    #[test]
    fn more_changes_than_it_has_room_for_miss_no_new_key() {
        let before = ids(0..2_000);
        let sketch = Sketch::of(&before);
        let new = ids(10_000..10_150);
        let now: Vec<u64> = before.iter().chain(&new).copied().collect();
        let changes = sketch.compare(&now);
        assert!(!changes.exact);
        assert!(new.iter().all(|k| changes.added.contains(k)), "every new key is among the answers");
        assert!(changes.removed.is_empty());
    }

    #[test]
    fn a_large_set_keeps_a_bounded_summary_that_survives_bytes() {
        let sketch = Sketch::of(&ids(0..100_000));
        let mut bytes = Vec::new();
        sketch.write(&mut bytes);
        assert!(bytes.len() < 40_000, "{} bytes for 100,000 IDs", bytes.len());
        let (read, rest) = Sketch::read(&bytes).unwrap();
        assert!(rest.is_empty());
        assert_eq!(read, sketch);
        assert_eq!(Sketch::read(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Sketch::read(&[]), None);
    }

    #[test]
    fn numeric_ids_are_their_own_keys() {
        assert_eq!(key_of("4211000000015838"), 4_211_000_000_015_838);
        assert_eq!(id_of(key_of("4211000000015838")).as_deref(), Some("4211000000015838"));
        for other in ["abc", "007", "+5", "99999999999999999999"] {
            assert!(key_of(other) >= 1 << 63, "{other}");
            assert_eq!(id_of(key_of(other)), None);
        }
    }
}
