//! One HTTP exchange through `wasi:http` (waki): the request a card describes and
//! the response as received. Retries and paging sit above this.

use crate::wit::CardError;

/// The HTTP methods the account API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

/// What to send: the path under the account origin, query pairs and an optional body.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Body>,
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
        Request { method, path, query: Vec::new(), body: None }
    }

    /// Adds a query parameter when it has a value.
    pub fn query(mut self, name: &str, value: Option<impl ToString>) -> Self {
        if let Some(value) = value {
            self.query.push((name.to_string(), value.to_string()));
        }
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
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, CardError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            CardError::Upstream(crate::wit::ApiError {
                status: self.status,
                error_code: None,
                message: format!("Databricks sent a response this card cannot read: {e}"),
                request_id: self.header("x-request-id").map(str::to_string),
            })
        })
    }
}

const USER_AGENT: &str = concat!("databricks-account-connector/", env!("CARGO_PKG_VERSION"));

/// Sends one request to `origin` with an `Authorization` header value and reads the whole response.
pub fn send(origin: &str, request: &Request, authorization: &str) -> Result<Response, CardError> {
    let client = waki::Client::new();
    let url = format!("{origin}{}", request.path);
    let builder = match request.method {
        Method::Get => client.get(&url),
        Method::Post => client.post(&url),
        Method::Patch => client.patch(&url),
        Method::Delete => client.delete(&url),
    };
    let mut builder = builder.header("accept", "application/json").header("user-agent", USER_AGENT);
    if !request.query.is_empty() {
        builder = builder.query(&request.query);
    }
    builder = builder.header("authorization", authorization);
    builder = match &request.body {
        Some(Body::Json(value)) => builder.json(value),
        Some(Body::Form(pairs)) => builder.form(pairs),
        None => builder,
    };
    let response = builder.send().map_err(transport_error)?;
    let status = response.status_code();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = response.body().map_err(transport_error)?;
    Ok(Response { status, headers, body })
}

/// Describes a failure to get an answer. The `wasi:http` error code says why;
/// anything else (a broken body stream) is described by its own message.
fn transport_error(error: anyhow::Error) -> CardError {
    use waki::ErrorCode as E;
    let message = match error.downcast_ref::<E>() {
        Some(E::HttpRequestDenied) => {
            "the host refused this request: only the connection's account host may be called".to_string()
        }
        Some(E::DnsError(_)) => "the account host name could not be resolved".to_string(),
        Some(E::ConnectionRefused) => "the account host refused the connection".to_string(),
        Some(E::ConnectionTimeout) => "connecting to the account host timed out".to_string(),
        Some(E::ConnectionReadTimeout) | Some(E::HttpResponseTimeout) => {
            "the account host did not answer in time".to_string()
        }
        Some(E::TlsCertificateError) | Some(E::TlsProtocolError) | Some(E::TlsAlertReceived(_)) => {
            "the TLS connection to the account host failed".to_string()
        }
        Some(code) => format!("the request failed: {code:?}"),
        None => format!("the request failed: {error}"),
    };
    CardError::Transport(message)
}
