//! Keeping the connection's secrets out of everything a card returns. Databricks does not echo
//! secrets, but a proxy, a gateway page or a misconfigured host might, in any of the forms the
//! card sent them in: raw, base64 (alone and as `client_id:secret` in a Basic header), URL-encoded
//! (a refresh token in a form body), inside `Bearer`/`Basic` header values. Every string of every
//! `card-error` passes through [`Secrets::redact_error`] after the error is built (and is cut to
//! length only afterwards, so a secret across the cut cannot leak its first characters).

use crate::wit::{ApiError, CardError, FieldError};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";
/// Longest text kept in an error field: enough for any Databricks message, short enough that an
/// HTML page or a stack trace does not flood a flow's log.
pub const MAX_TEXT: usize = 500;
/// Shorter strings are not treated as secrets: they would redact ordinary words.
const MIN_SECRET: usize = 4;

/// Every form of every secret a connection holds.
#[derive(Default)]
pub struct Secrets {
    /// Exact forms: base64 encodings (alone and of `client_id:secret`).
    forms: Vec<String>,
    /// The secrets themselves, found however they are URL-encoded (see [`redact_url_encoded`]).
    plain: Vec<String>,
}

impl Secrets {
    /// Adds a secret in every form a request can carry it.
    pub fn add(&mut self, secret: &str) {
        if secret.len() < MIN_SECRET {
            return;
        }
        if !self.plain.iter().any(|p| p == secret) {
            self.plain.push(secret.to_string());
        }
        self.add_encodings(secret.as_bytes());
    }

    /// Adds a client secret with its client ID: also the base64 of `client_id:secret`, as HTTP
    /// Basic carries them.
    pub fn add_client(&mut self, client_id: &str, secret: &str) {
        if secret.len() < MIN_SECRET {
            return;
        }
        self.add(secret);
        self.add_encodings(format!("{client_id}:{secret}").as_bytes());
        let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
        let encoded_secret: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        self.add_encodings(format!("{id}:{encoded_secret}").as_bytes());
    }

    fn add_encodings(&mut self, bytes: &[u8]) {
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            self.push(engine.encode(bytes));
        }
    }

    fn push(&mut self, form: String) {
        if form.len() >= MIN_SECRET && !self.forms.contains(&form) {
            self.forms.push(form);
        }
    }

    /// `text` with every form of every secret replaced, longest forms first (a secret's base64
    /// can contain another form).
    pub fn redact(&self, text: &mut String) {
        let mut forms: Vec<&String> = self.forms.iter().filter(|f| text.contains(f.as_str())).collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        for form in forms {
            if text.contains(form.as_str()) {
                *text = text.replace(form.as_str(), REDACTED);
            }
        }
        for secret in &self.plain {
            redact_url_encoded(text, secret.as_bytes());
        }
    }

    /// The error with every string of it redacted, then cut to [`MAX_TEXT`].
    pub fn redact_error(&self, mut error: CardError) -> CardError {
        let mut clean = |text: &mut String| {
            self.redact(text);
            truncate(text);
        };
        match &mut error {
            CardError::InvalidInput(FieldError { field, reason }) => {
                clean(field);
                clean(reason);
            }
            CardError::Unauthenticated(api)
            | CardError::PermissionDenied(api)
            | CardError::NotFound(api)
            | CardError::Conflict(api)
            | CardError::Upstream(api) => clean_api(api, &mut clean),
            CardError::RateLimited(limit) => clean_api(&mut limit.error, &mut clean),
            CardError::Transport(text) | CardError::Unsupported(text) => clean(text),
        }
        error
    }
}

fn clean_api(api: &mut ApiError, clean: &mut impl FnMut(&mut String)) {
    clean(&mut api.message);
    api.error_code.as_mut().map(&mut *clean);
    api.request_id.as_mut().map(&mut *clean);
}

/// Replaces `secret` in `text` however it is URL-encoded: each of its bytes may be there as
/// itself, as `%XX` in either case, or (a space) as `+`. Encoders differ in which characters they
/// escape, so matching byte by byte finds every encoding, raw included, where a list of
/// encodings would miss one.
fn redact_url_encoded(text: &mut String, secret: &[u8]) {
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut found = false;
    while let Some((start, end)) = find_url_encoded(rest.as_bytes(), secret) {
        out.push_str(&rest[..start]);
        out.push_str(REDACTED);
        rest = &rest[end..];
        found = true;
    }
    if found {
        out.push_str(rest);
        *text = out;
    }
}

/// The first span of `text` that is `secret`, URL-encoded or not. A span starts at an ASCII byte
/// or at the secret's own first byte and ends after its last byte, so it lies on character
/// boundaries.
fn find_url_encoded(text: &[u8], secret: &[u8]) -> Option<(usize, usize)> {
    (0..text.len()).find_map(|start| url_encoded_at(text, start, secret).map(|end| (start, end)))
}

/// Where `secret` ends if `text` holds it, URL-encoded or not, from `at`. A `%` in the text can be
/// the secret's own `%` or the start of an escape, so both readings are tried.
fn url_encoded_at(text: &[u8], mut at: usize, secret: &[u8]) -> Option<usize> {
    for (i, &byte) in secret.iter().enumerate() {
        let here = *text.get(at)?;
        let escaped = (here == b'%')
            .then(|| text.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(decoded) if decoded == byte && here == byte => {
                // Ambiguous: the escape first, then the raw `%`.
                return url_encoded_at(text, at + 3, &secret[i + 1..]).or_else(|| url_encoded_at(text, at + 1, &secret[i + 1..]));
            }
            Some(decoded) if decoded == byte => at += 3,
            _ if here == byte || (here == b'+' && byte == b' ') => at += 1,
            _ => return None,
        }
    }
    Some(at)
}

/// Cuts a text to [`MAX_TEXT`] bytes at a character boundary, marking the cut.
fn truncate(text: &mut String) {
    if text.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        let mut secrets = Secrets::default();
        secrets.add_client("client-1", "s3cr3t+/value=");
        secrets.add("refresh token&more");
        secrets.add("100% sure?");
        secrets
    }

    fn redacted(text: &str) -> String {
        let mut text = text.to_string();
        secrets().redact(&mut text);
        text
    }

    #[test]
    fn every_form_of_a_secret_is_redacted() {
        let basic = STANDARD.encode("client-1:s3cr3t+/value=");
        for leak in [
            "s3cr3t+/value=".to_string(),
            STANDARD.encode("s3cr3t+/value="),
            URL_SAFE_NO_PAD.encode("s3cr3t+/value="),
            format!("Basic {basic}"),
            basic.trim_end_matches('=').to_string(),
            "s3cr3t%2B%2Fvalue%3D".to_string(),
            "refresh+token%26more".to_string(),
            "refresh%20token%26more".to_string(),
            "refresh%20token%26mor%65".to_string(),
            "s3cr3t%2b%2fvalue%3d".to_string(),
            "s3cr3t+%2Fvalue=".to_string(),
            "100%25+sure%3F".to_string(),
            "100%+sure?".to_string(),
        ] {
            let out = redacted(&format!("bad credential <{leak}> sent"));
            assert!(!out.contains(&leak), "{leak} in {out}");
            assert!(out.contains(REDACTED), "{out}");
        }
        assert_eq!(redacted("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn every_field_of_an_error_is_redacted_before_it_is_cut() {
        let long = format!("{}s3cr3t+/value=", "x".repeat(MAX_TEXT - 5));
        let error = CardError::RateLimited(crate::wit::RateLimit {
            retry_after_seconds: None,
            error: ApiError {
                status: 429,
                error_code: Some("s3cr3t+/value=".into()),
                message: long,
                request_id: Some(STANDARD.encode("client-1:s3cr3t+/value=")),
            },
        });
        let CardError::RateLimited(limit) = secrets().redact_error(error) else { panic!() };
        assert_eq!(limit.error.error_code.as_deref(), Some(REDACTED));
        assert_eq!(limit.error.request_id.as_deref(), Some(REDACTED));
        assert!(!limit.error.message.contains("s3cr"), "{}", limit.error.message);
        assert!(limit.error.message.len() <= MAX_TEXT + '…'.len_utf8());
    }
}
