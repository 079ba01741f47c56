//! One HTTP exchange through `wasi:http`: the request a card describes and the response
//! as received. It goes through waki's `wasi:http` bindings directly (rather than
//! waki's builder) because only they carry all three request timeouts. Retries and
//! paging sit above this.

use crate::wit::CardError;
use std::time::Duration;
use waki::bindings::wasi::http::{outgoing_handler, types as wasi};
use waki::bindings::wasi::io::streams::StreamError;

/// The HTTP methods the account API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// The method as HTTP spells it.
    #[cfg(test)]
    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the effect of sending it once, so that a
    /// failure which may have happened after Databricks applied it can be retried.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }
}

/// What to send: the path under the account origin, query pairs and an optional body.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Body>,
    /// The media type asked for; JSON unless an endpoint answers otherwise (usage CSV).
    pub accept: &'static str,
    /// Further headers a caller chose (`custom-api-request`); never credentials.
    pub extra_headers: Vec<(String, String)>,
}

/// A request body.
#[derive(Clone, Debug)]
pub enum Body {
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` pairs (the OAuth token endpoint).
    Form(Vec<(String, String)>),
}

impl Request {
    pub fn new(method: Method, path: String) -> Self {
        Request { method, path, query: Vec::new(), body: None, accept: "application/json", extra_headers: Vec::new() }
    }

    /// Adds a query parameter when it has a value.
    pub fn query(mut self, name: &str, value: Option<impl ToString>) -> Self {
        if let Some(value) = value {
            self.query.push((name.to_string(), value.to_string()));
        }
        self
    }

    /// Asks for another media type than JSON.
    pub fn accept(mut self, media_type: &'static str) -> Self {
        self.accept = media_type;
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    pub fn form(mut self, pairs: Vec<(String, String)>) -> Self {
        self.body = Some(Body::Form(pairs));
        self
    }

    fn path_with_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.query);
        format!("{}?{}", self.path, query.finish())
    }
}

/// A response as received.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the body holds anything but whitespace (PATCH and DELETE answer 204 or `{}`).
    pub fn has_content(&self) -> bool {
        let body = self.body.trim_ascii();
        !body.is_empty() && body != b"{}"
    }

    /// Decodes a successful JSON answer into `T`; a body Databricks would never send
    /// becomes an `upstream` error, not a panic.
    ///
    /// Every decode in the component reads from `&str` (`serde_json::from_str`): each type's
    /// decoder is then compiled once, not once per deserializer (slice, `Value`, buffered
    /// content), which keeps the component small.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, CardError> {
        serde_json::from_str(self.text()?).map_err(|e| super::errors::unreadable(self, &e))
    }

    /// The answer's top-level members, each as its JSON text (none for an empty answer).
    pub fn members(&self) -> Result<std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>, CardError> {
        if !self.has_content() {
            return Ok(Default::default());
        }
        self.json()
    }

    /// Decodes the answer's member `key` (`{"metastore_info": {...}}`) into `T`; an answer without
    /// it is an `upstream` error that names it.
    pub fn json_in<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, CardError> {
        let raw = self.members()?.remove(key).ok_or_else(|| super::errors::missing_member(self, key))?;
        serde_json::from_str(raw.get()).map_err(|e| super::errors::unreadable(self, &e))
    }

    /// The body as text; Databricks answers in UTF-8 JSON.
    pub fn text(&self) -> Result<&str, CardError> {
        std::str::from_utf8(&self.body).map_err(|e| super::errors::unreadable(self, &e))
    }
}

/// Per-request timeouts, passed to the host as `wasi:http` request options.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    /// Until the first byte of the response, and between chunks of its body.
    pub response: Duration,
}

/// A request that got no answer, and whether it can have reached Databricks.
#[derive(Debug)]
pub struct Transport {
    pub message: String,
    /// False when the failure proves the request was never sent (refused connection,
    /// unknown host, connect timeout), so even a non-idempotent request may be retried.
    pub maybe_sent: bool,
    /// The host's policy refused it: repeating cannot help.
    pub denied: bool,
}

impl Transport {
    pub fn into_card_error(self) -> CardError {
        CardError::Transport(self.message)
    }
}

const USER_AGENT: &str = concat!("databricks-account-connector/", env!("CARGO_PKG_VERSION"));

/// Sends one request to `origin` with an `Authorization` header value (none when empty) and reads the whole response.
pub fn send(origin: &str, request: &Request, authorization: &str, timeouts: Timeouts) -> Result<Response, Transport> {
    let (scheme, authority) = origin.split_once("://").unwrap_or(("https", origin));
    let (content_type, body) = match &request.body {
        Some(Body::Json(value)) => (Some("application/json"), serde_json::to_vec(value).unwrap_or_default()),
        Some(Body::Form(pairs)) => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.extend_pairs(pairs);
            (Some("application/x-www-form-urlencoded"), form.finish().into_bytes())
        }
        None => (None, Vec::new()),
    };
    let mut headers: Vec<(String, Vec<u8>)> = vec![header("accept", request.accept), header("user-agent", USER_AGENT)];
    // A public OAuth client authenticates in the form body, with no Authorization header.
    if !authorization.is_empty() {
        headers.push(header("authorization", authorization));
    }
    if let Some(content_type) = content_type {
        headers.push(header("content-type", content_type));
        // The whole body is known: say its length, as the SDKs do, rather than leave the host to
        // send it chunked (not every proxy on the way to a private endpoint takes that).
        headers.push(header("content-length", &body.len().to_string()));
    }
    headers.extend(request.extra_headers.iter().map(|(k, v)| header(k, v)));
    // One host call for all headers (`from-list`) rather than one per header: each call into
    // the host costs more than building the list.
    let fields = wasi::Fields::from_list(&headers).map_err(|_| refused_header(&headers))?;
    let outgoing = wasi::OutgoingRequest::new(fields);
    let method = match request.method {
        Method::Get => wasi::Method::Get,
        Method::Post => wasi::Method::Post,
        Method::Put => wasi::Method::Put,
        Method::Patch => wasi::Method::Patch,
        Method::Delete => wasi::Method::Delete,
    };
    let scheme = if scheme == "http" { wasi::Scheme::Http } else { wasi::Scheme::Https };
    let set = outgoing.set_method(&method).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(authority)).is_ok()
        && outgoing.set_path_with_query(Some(&request.path_with_query())).is_ok();
    if !set {
        return Err(local_failure("the request URL is not valid".to_string()));
    }
    let options = wasi::RequestOptions::new();
    let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    // A host that does not support an option keeps its own default for it.
    let _ = options.set_connect_timeout(Some(nanos(timeouts.connect)));
    let _ = options.set_first_byte_timeout(Some(nanos(timeouts.response)));
    let _ = options.set_between_bytes_timeout(Some(nanos(timeouts.response)));

    // A request without a body leaves it untaken: the host sends it empty, and the guest saves
    // the calls that would open and finish an empty body.
    let outgoing_body = match body.is_empty() {
        true => None,
        false => Some(outgoing.body().map_err(|()| local_failure("the request body is unavailable".into()))?),
    };
    // A refusal by the host names what was refused (origin and path, never the query), so a
    // flow builder sees which host the connection pointed at.
    let transport_error = |code: wasi::ErrorCode| {
        let mut failure = transport_error(code);
        if failure.denied {
            failure.message = format!("{} ({origin}{})", failure.message, request.path);
        }
        failure
    };
    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(transport_error)?;
    if let Some(outgoing_body) = outgoing_body {
        write_body(&outgoing_body, &body)?;
        wasi::OutgoingBody::finish(outgoing_body, None).map_err(transport_error)?;
    }

    // The response cannot be there yet: wait first, then take it.
    let pollable = future.subscribe();
    let incoming = loop {
        pollable.block();
        match future.get() {
            Some(Ok(result)) => break result.map_err(transport_error)?,
            Some(Err(())) => return Err(local_failure("the response was already taken".into())),
            None => continue,
        }
    };
    drop(pollable);
    drop(future);
    read_response(incoming)
}

fn header(name: &str, value: &str) -> (String, Vec<u8>) {
    (name.to_string(), value.as_bytes().to_vec())
}

/// Names the header the host refused (the list is refused whole; one by one finds which).
fn refused_header(headers: &[(String, Vec<u8>)]) -> Transport {
    let probe = wasi::Fields::new();
    for (name, value) in headers {
        if let Err(e) = probe.append(name, value) {
            return local_failure(format!("bad header {name}: {e:?}"));
        }
    }
    local_failure("the host refused the request's headers".into())
}

/// Reads the status, the headers and the whole body. Straight from the `wasi:http` resources:
/// waki's `Response` would first parse every header into an `http::HeaderMap`, which this
/// client then copies out again.
fn read_response(incoming: wasi::IncomingResponse) -> Result<Response, Transport> {
    let status = incoming.status();
    let headers =
        incoming.headers().entries().into_iter().map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned())).collect();
    let incoming_body = incoming.consume().map_err(|()| local_failure("the response body was already taken".into()))?;
    let stream = incoming_body.stream().map_err(|()| local_failure("the response body was already taken".into()))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(MAX_READ) {
            Ok(chunk) if body.is_empty() => body = chunk,
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(error)) => return Err(read_failure(wasi::http_error_code(&error))),
        }
    }
    drop(stream);
    drop(wasi::IncomingBody::finish(incoming_body));
    Ok(Response { status, headers, body })
}

/// The most one read asks for; the host hands over what it has, up to this.
const MAX_READ: u64 = 1 << 20;

/// Writes the body in the chunks the host permits.
fn write_body(outgoing_body: &wasi::OutgoingBody, mut bytes: &[u8]) -> Result<(), Transport> {
    let stream = outgoing_body.write().map_err(|()| local_failure("the request body is unavailable".into()))?;
    let pollable = stream.subscribe();
    let broken = |_| Transport { message: "the connection broke while sending the request".into(), maybe_sent: true, denied: false };
    while !bytes.is_empty() {
        pollable.block();
        let permit = stream.check_write().map_err(broken)?;
        let (chunk, rest) = bytes.split_at(bytes.len().min(usize::try_from(permit).unwrap_or(usize::MAX)));
        stream.write(chunk).map_err(broken)?;
        bytes = rest;
    }
    // With the length declared, the host may close the stream once the last byte is in: that is
    // the body complete, not the connection broken (which the response then reports anyway).
    let complete = |error: StreamError| if matches!(error, StreamError::Closed) { Ok(()) } else { Err(broken(error)) };
    stream.flush().or_else(complete)?;
    pollable.block();
    stream.check_write().map(drop).or_else(complete)?;
    Ok(())
}

/// A failure before anything left the component.
fn local_failure(message: String) -> Transport {
    Transport { message, maybe_sent: false, denied: false }
}

/// The response started but could not be read to the end (reset, timeout, truncated).
fn read_failure(code: Option<wasi::ErrorCode>) -> Transport {
    let message = match code {
        Some(code) => describe(&code),
        None => "the response was cut off before its end".to_string(),
    };
    Transport { message, maybe_sent: true, denied: false }
}

/// Describes a failure to get an answer; the `wasi:http` error code says why and
/// whether the request can have been sent.
fn transport_error(code: wasi::ErrorCode) -> Transport {
    use wasi::ErrorCode as E;
    let never_sent = matches!(code, E::DnsError(_) | E::DnsTimeout | E::ConnectionRefused | E::ConnectionTimeout | E::HttpRequestDenied);
    Transport { message: describe(&code), maybe_sent: !never_sent, denied: matches!(code, E::HttpRequestDenied) }
}

fn describe(code: &wasi::ErrorCode) -> String {
    use wasi::ErrorCode as E;
    match code {
        E::HttpRequestDenied => "the host refused this request: only the connection's account host may be called".into(),
        E::DnsError(_) | E::DnsTimeout => "the account host name could not be resolved".into(),
        E::ConnectionRefused => "the account host refused the connection".into(),
        E::ConnectionTimeout => "connecting to the account host timed out".into(),
        E::ConnectionReadTimeout | E::HttpResponseTimeout => "the account host did not answer in time".into(),
        E::ConnectionTerminated | E::ConnectionLimitReached => "the connection to the account host was reset".into(),
        E::HttpResponseIncomplete | E::HttpResponseBodySize(_) => "the response was cut off before its end".into(),
        E::TlsCertificateError | E::TlsProtocolError | E::TlsAlertReceived(_) => "the TLS connection to the account host failed".into(),
        other => format!("the request failed: {other:?}"),
    }
}
