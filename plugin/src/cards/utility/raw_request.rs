//! `custom-api-request`: any account API call, signed and retried like every card, that
//! can never leave the connection's account: the path is checked (and `{account_id}`
//! filled in) before anything is sent, and the origin is always the connection's.

use crate::client::{Method, Request, Session};
use crate::validate::invalid;
use crate::wit::CardError;
use crate::wit::utility::*;

/// Path prefixes of the account API, before the account ID.
const API_ROOTS: &[&str] = &["/api/2.0/accounts/", "/api/2.1/accounts/", "/api/2.0/preview/accounts/"];

/// Headers a caller may not set: the card signs the request itself, and connection-level
/// headers belong to the host.
const REFUSED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "expect",
    "forwarded",
];

/// The request path for `path`: relative to the account API, `{account_id}` filled in,
/// nothing that could reach another host, account or API.
pub fn account_api_path(path: &str, account_id: &str) -> Result<String, CardError> {
    let refuse = |why: &str| Err(invalid("path", why.to_string()));
    if path.contains("://") || path.starts_with("//") || !path.starts_with('/') {
        return refuse(
            "must be a path relative to the account API, starting with /api/2.0/accounts/{account_id}/; absolute URLs are refused",
        );
    }
    if path.contains(['?', '#']) {
        return refuse("must not hold a query or fragment; put query parameters in query");
    }
    if path.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return refuse("must not contain spaces, backslashes or control characters");
    }
    let lower = path.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00"].iter().any(|encoded| lower.contains(encoded)) {
        return refuse("must not contain encoded dots, slashes or backslashes");
    }
    let path = path.replace("{account_id}", account_id);
    if path.split('/').any(|segment| segment == "." || segment == "..") {
        return refuse("must not contain . or .. segments");
    }
    // Only plain segments: unreserved characters, a few sub-delimiters and %XX escapes. No `;`
    // (`..;/` is a parent directory to some servers), no raw non-ASCII (full-width dots).
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,=:@%".contains(&b);
    if !path.bytes().all(|b| b == b'/' || plain(b)) {
        return refuse("must be plain path segments: letters, digits, -._~!$&'()*+,=:@ and %XX escapes");
    }
    let bytes = path.as_bytes();
    let escapes_ok = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'%')
        .all(|(i, _)| bytes.get(i + 1..i + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)));
    if !escapes_ok {
        return refuse("has a % that is not a %XX escape");
    }
    // What the escapes stand for must be text too: UTF-8 (no overlong dots such as %c0%ae), no
    // control characters (no CR/LF smuggled as %0d%0a), and nothing a server could normalize
    // into a dot or a slash (full-width dots, %ef%bc%8e).
    let decoded = String::from_utf8(percent_decoded(bytes).collect());
    let Ok(decoded) = decoded else {
        return refuse("has %XX escapes that are not UTF-8");
    };
    if decoded.chars().any(|c| c.is_control() || DOT_AND_SLASH_LOOKALIKES.contains(&c)) {
        return refuse("has %XX escapes that stand for control characters or for look-alikes of . / \\");
    }
    let Some(rest) = API_ROOTS.iter().find_map(|root| path.strip_prefix(root)) else {
        return refuse(
            "must be under /api/2.0/accounts/{account_id}/, /api/2.1/accounts/{account_id}/ or /api/2.0/preview/accounts/{account_id}/",
        );
    };
    let (account, _) = rest.split_once('/').unwrap_or((rest, ""));
    if account != account_id {
        return refuse("must name this connection's account (write {account_id}); other accounts are refused");
    }
    Ok(path)
}

/// Characters that Unicode compatibility normalization (NFKC) turns into `.`, `/` or `\\`, or
/// that render as them: a server that normalizes paths would read them as traversal.
const DOT_AND_SLASH_LOOKALIKES: &[char] = &[
    '\u{ff0e}', '\u{fe52}', '\u{2024}', '\u{3002}', '\u{ff61}', '\u{ff0f}', '\u{2215}', '\u{2044}', '\u{29f8}', '\u{ff3c}', '\u{fe68}',
    '\u{29f5}',
];

/// The bytes a path's `%XX` escapes (checked well-formed) stand for, with its other bytes.
fn percent_decoded(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let byte = *bytes.get(at)?;
        let hex = bytes.get(at + 1..at + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (byte, hex) {
            (b'%', Some(decoded)) => {
                at += 3;
                Some(decoded)
            }
            _ => {
                at += 1;
                Some(byte)
            }
        }
    })
}

/// Limits on the headers a caller adds, checked before any is handed to the host (which refuses
/// or traps on oversized ones): generous for any real header.
const MAX_HEADERS: usize = 32;
const MAX_HEADER_NAME: usize = 128;
const MAX_HEADER_VALUE: usize = 8 * 1024;

fn headers(input: Option<Vec<(String, String)>>) -> Result<Vec<(String, String)>, CardError> {
    let headers = input.unwrap_or_default();
    if headers.len() > MAX_HEADERS {
        return Err(invalid("headers", format!("at most {MAX_HEADERS} headers")));
    }
    for (name, value) in &headers {
        if name.len() > MAX_HEADER_NAME || value.len() > MAX_HEADER_VALUE {
            let name: String = name.chars().take(40).collect();
            return Err(invalid(
                "headers",
                format!("{name}: a header name holds at most {MAX_HEADER_NAME} bytes and a value at most {MAX_HEADER_VALUE}"),
            ));
        }
    }
    for (name, value) in &headers {
        let valid_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
        if !valid_name {
            return Err(invalid("headers", format!("{name:?} is not a header name")));
        }
        let lower = name.to_ascii_lowercase();
        if REFUSED_HEADERS.contains(&lower.as_str()) || lower.starts_with("proxy-") || lower.starts_with("x-forwarded-") {
            return Err(invalid("headers", format!("{name} cannot be set: the card signs and routes the request itself")));
        }
        if value.chars().any(char::is_control) {
            return Err(invalid("headers", format!("the value of {name} contains control characters")));
        }
    }
    Ok(headers)
}

pub fn custom_api_request(s: &Session, input: CustomApiRequestInput) -> Result<CustomApiResponse, CardError> {
    let path = account_api_path(&input.path, s.account_id())?;
    let method = match input.method {
        HttpMethod::Get => Method::Get,
        HttpMethod::Post => Method::Post,
        HttpMethod::Put => Method::Put,
        HttpMethod::Patch => Method::Patch,
        HttpMethod::Delete => Method::Delete,
    };
    let mut request = Request::new(method, path);
    for (name, value) in input.query.unwrap_or_default() {
        if name.is_empty() {
            return Err(invalid("query", "a parameter needs a name"));
        }
        request = request.query(&name, Some(value));
    }
    request.extra_headers = headers(input.headers)?;
    if let Some(body) = input.body {
        if matches!(method, Method::Get | Method::Delete) {
            return Err(invalid("body", "only POST, PUT and PATCH take a body"));
        }
        let json = serde_json::from_str(&body).map_err(|e| invalid("body", format!("must be JSON: {e}")))?;
        request = request.json(json);
    }
    let response = s.send(request)?;
    // The answer is handed over as it is, except for the connection's own secrets: a server that
    // reflects the request (its Authorization header, say) must not hand them to the flow.
    let mut body = String::from_utf8_lossy(&response.body).into_owned();
    s.redact_text(&mut body);
    let headers = response
        .headers
        .into_iter()
        .map(|(name, mut value)| {
            s.redact_text(&mut value);
            (name, value)
        })
        .collect();
    Ok(CustomApiResponse { status: response.status, headers, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d";

    fn refused(path: &str) -> String {
        match account_api_path(path, ACCOUNT) {
            Err(CardError::InvalidInput(e)) => {
                assert_eq!(e.field, "path");
                e.reason
            }
            other => panic!("{path} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn account_paths_are_filled_in() {
        assert_eq!(
            account_api_path("/api/2.0/accounts/{account_id}/scim/v2/Users", ACCOUNT).unwrap(),
            format!("/api/2.0/accounts/{ACCOUNT}/scim/v2/Users")
        );
        assert!(account_api_path(&format!("/api/2.1/accounts/{ACCOUNT}/budgets"), ACCOUNT).is_ok());
        assert!(account_api_path("/api/2.0/preview/accounts/{account_id}/access-control/assignable-roles", ACCOUNT).is_ok());
        assert!(account_api_path("/api/2.0/accounts/{account_id}", ACCOUNT).is_ok());
    }

    #[test]
    fn escapes_are_refused() {
        assert!(refused("https://evil.example/api/2.0/accounts/x").contains("absolute"));
        assert!(refused("//evil.example/api/2.0/accounts/{account_id}/x").contains("absolute"));
        assert!(refused("api/2.0/accounts/{account_id}/x").contains("relative"));
        assert!(refused("/api/2.0/accounts/{account_id}/../../oidc/x").contains(".."));
        assert!(refused("/api/2.0/accounts/{account_id}/./x").contains(".."));
        assert!(refused("/api/2.0/accounts/{account_id}/%2e%2e/x").contains("encoded"));
        assert!(refused("/api/2.0/accounts/{account_id}/a%2Fb").contains("encoded"));
        assert!(refused("/api/2.0/accounts/{account_id}/x?y=1").contains("query"));
        assert!(refused("/api/2.0/accounts/{account_id}/x\\y").contains("backslash"));
        assert!(refused("/api/2.0/accounts/{account_id}/x y").contains("spaces"));
        assert!(refused("/api/2.0/accounts/{account_id}/..;/oidc/x").contains("plain path segments"));
        assert!(refused("/api/2.0/accounts/{account_id}/\u{ff0e}\u{ff0e}/x").contains("plain path segments"), "full-width dots");
        assert!(refused("/api/2.0/accounts/{account_id}/caf\u{e9}").contains("plain path segments"), "raw non-ASCII");
        assert!(refused("/api/2.0/accounts/{account_id}/a%zz").contains("%XX"));
        assert!(account_api_path("/api/2.0/accounts/{account_id}/scim/v2/Users/caf%C3%A9", ACCOUNT).is_ok(), "escaped non-ASCII");
        assert!(refused("/api/2.0/accounts/{account_id}/%c0%ae%c0%ae/x").contains("not UTF-8"), "overlong dots");
        assert!(refused("/api/2.0/accounts/{account_id}/%EF%BC%8E%EF%BC%8E/x").contains("look-alikes"), "escaped full-width dots");
        assert!(refused("/api/2.0/accounts/{account_id}/x%0d%0aX-Injected:%201").contains("control"), "escaped CR LF");
    }

    #[test]
    fn other_apis_and_accounts_are_refused() {
        assert!(refused("/oidc/accounts/{account_id}/v1/token").contains("must be under"));
        assert!(refused("/api/2.0/clusters/list").contains("must be under"));
        assert!(refused("/api/2.0/accounts/00000000-0000-0000-0000-000000000000/scim/v2/Users").contains("other accounts"));
        assert!(refused(&format!("/api/2.0/accounts/{ACCOUNT}x/scim/v2/Users")).contains("other accounts"));
    }

    #[test]
    fn credentials_and_routing_headers_are_refused() {
        for name in ["Authorization", "cookie", "Host", "Proxy-Authorization", "X-Forwarded-Host", "Content-Length"] {
            assert!(headers(Some(vec![(name.into(), "x".into())])).is_err(), "{name}");
        }
        assert!(headers(Some(vec![("X-Databricks-Trace".into(), "a\r\nb".into())])).is_err());
        assert!(headers(Some(vec![("bad name".into(), "x".into())])).is_err());
        assert!(headers(Some(vec![("X-Request-Tag".into(), "flow-7".into())])).is_ok());
        assert!(headers(Some(vec![("X-Big".into(), "v".repeat(200_000))])).is_err(), "an oversized value is refused, not trapped on");
        assert!(headers(Some((0..33).map(|i| (format!("X-H{i}"), "v".into())).collect())).is_err());
    }
}
