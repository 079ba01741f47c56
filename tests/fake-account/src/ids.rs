//! Identifiers: access tokens, request IDs, application IDs, workspace IDs and etags.

use rand::Rng;

/// A random version-4 UUID.
pub fn uuid() -> String {
    let b: [u8; 16] = rand::rng().random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]),
    )
}

/// An opaque access token.
pub fn token() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("dapi-fake-{hex}")
}

/// A random workspace ID: a positive int64 of 16 digits, like Databricks'.
pub fn workspace_id() -> i64 {
    rand::rng().random_range(1_000_000_000_000_000..10_000_000_000_000_000)
}

/// An opaque etag, base64 like Databricks' (`RENUAAAB…==`), derived from `what` and a serial
/// number so that a test replays the same etags and every write gets a new one.
pub fn etag(what: &str, serial: u64) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{what}#{serial}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(digest)
}
