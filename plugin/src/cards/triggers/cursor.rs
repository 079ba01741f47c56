//! The polling triggers' cursors: what a card remembers between two runs, handed to the flow as
//! an opaque text. A cursor names what it belongs to (the card, the account's origin and ID, the
//! card's options) by a hash, and carries a checksum, so that one from another card or account,
//! or one damaged on the way, is refused as invalid input instead of being read as an empty past
//! (which would report everything as new) or a wrong one (which would miss changes).
//!
//! Text: `v1.` then URL-safe base64 of `checksum (8) · scope (8) · deflated payload`, the
//! checksum and scope being leading bytes of SHA-256 digests. A checksum is no signature:
//! a cursor is the caller's own data, and a forged one can only make a card misreport to its
//! forger.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::client::Session;
use crate::validate::invalid;
use crate::wit::CardError;

const PREFIX: &str = "v1.";
/// The most a payload may inflate to (a cursor is tens of kilobytes at most).
const MAX_PAYLOAD: usize = 1 << 20;
const FIELD: &str = "cursor";

/// What a cursor belongs to: a card and its options, on the session's account.
pub struct Scope {
    tag: [u8; 8],
}

impl Scope {
    /// The scope of `card` with `options` (such as a group ID) on the session's account.
    pub fn new(session: &Session, card: &str, options: &str) -> Scope {
        let text = format!("{card}\0{}\0{}\0{options}", session.origin(), session.account_id());
        Scope { tag: leading(&Sha256::digest(text.as_bytes())) }
    }

    /// The cursor holding `payload`.
    pub fn seal(&self, payload: &[u8]) -> String {
        let mut body = self.tag.to_vec();
        body.extend(miniz_oxide::deflate::compress_to_vec(payload, 6));
        let mut bytes = leading(&Sha256::digest(&body)).to_vec();
        bytes.extend(body);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// What `cursor` (when given) holds, read by `decode` from its payload; a payload `decode`
    /// cannot read is a damaged cursor like any other.
    pub fn read<T>(&self, cursor: Option<&str>, decode: impl FnOnce(&[u8]) -> Option<T>) -> Result<Option<T>, CardError> {
        let Some(cursor) = cursor else { return Ok(None) };
        decode(&self.open(cursor)?).map(Some).ok_or_else(damaged)
    }

    /// The payload of `cursor`, when it is a cursor of this scope.
    fn open(&self, cursor: &str) -> Result<Vec<u8>, CardError> {
        let encoded = cursor.trim().strip_prefix(PREFIX).ok_or_else(damaged)?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| damaged())?;
        if bytes.len() < 16 || leading(&Sha256::digest(&bytes[8..])) != bytes[..8] {
            return Err(damaged());
        }
        if bytes[8..16] != self.tag {
            return Err(invalid(
                FIELD,
                "belongs to another card, another account or other options (such as another group): \
                 leave it out to start this one, or pass the cursor this card returned for them",
            ));
        }
        miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes[16..], MAX_PAYLOAD).map_err(|_| damaged())
    }
}

fn damaged() -> CardError {
    invalid(FIELD, "is not a cursor this card returned, or was changed: pass the `next-cursor` of the last run as it was")
}

fn leading(digest: &[u8]) -> [u8; 8] {
    let mut out = [0; 8];
    out.copy_from_slice(&digest[..8]);
    out
}
