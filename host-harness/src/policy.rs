//! The outbound policy: a card run may only reach its connection's account origin.
//!
//! The origin is `connection.host_override` when set (scheme, host and port), else
//! `https://` + the account host of `connection.cloud`. [`crate::RunOptions::allowed_origins`]
//! replaces the list (tests point runs at a local fake account this way). Everything else is
//! refused in [`WasiHttpHooks::send_request`] with `HttpRequestDenied`, after the request body
//! was drained: dropping it early would show the guest a closed stream instead of the denial.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::Value;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use crate::outbound;

/// The account host of each cloud, as the component lists them (`cards#list-clouds`, from the
/// `@account-host` tags of its WIT): the host keeps no table of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountHosts {
    /// (the JSON spelling of `types.cloud`, e.g. `aws_gov`; its account host).
    hosts: Vec<(String, String)>,
}

impl AccountHosts {
    /// Reads the JSON form of `list-clouds`' result: `[{"cloud": "aws", "account_host": "…"}]`.
    pub fn from_json(json: &Value) -> AccountHosts {
        let hosts = json
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c["cloud"].as_str()?.to_string(), c["account_host"].as_str()?.to_string())))
            .collect();
        AccountHosts { hosts }
    }

    /// The account host of a cloud (`"aws_gov"` → `accounts.cloud.databricks.us`).
    pub fn host(&self, cloud: &str) -> Option<&str> {
        self.hosts.iter().find(|(name, _)| name == cloud).map(|(_, host)| host.as_str())
    }

    /// Every cloud, in the component's order.
    pub fn clouds(&self) -> impl Iterator<Item = &str> {
        self.hosts.iter().map(|(cloud, _)| cloud.as_str())
    }

    /// `all` when `clouds` names every cloud, else them joined with `separator`.
    pub fn summary(&self, clouds: &[String], separator: &str) -> String {
        if self.hosts.iter().all(|(cloud, _)| clouds.contains(cloud)) { "all".to_string() } else { clouds.join(separator) }
    }
}

/// How much of a refused request's body is read before answering the denial.
const DRAIN_LIMIT_BYTES: usize = 1 << 20;
/// How long to wait for the guest to finish writing a refused request's body.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A scheme, host and port: what a run may connect to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses `http(s)://host[:port]` (a trailing `/` is accepted; a path, query or user info is not).
    pub fn parse(text: &str) -> Result<Origin, String> {
        let uri: http::Uri = text.parse().map_err(|e| format!("not a URL: {e}"))?;
        if uri.query().is_some() || !matches!(uri.path(), "" | "/") {
            return Err("an origin has no path or query".into());
        }
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err("an origin has no user info".into());
        }
        Origin::of(&uri).ok_or_else(|| "expected http(s)://host[:port]".into())
    }

    /// The origin a request URI addresses, when it has an http(s) scheme and a host.
    pub fn of(uri: &http::Uri) -> Option<Origin> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let authority = uri.authority()?;
        let host = authority.host().to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        // A port that does not parse is not the default one: such a URI names no origin.
        let port = match authority.as_str().strip_prefix(authority.host()).unwrap_or("") {
            "" => default_port,
            text => text.strip_prefix(':')?.parse::<u16>().ok().filter(|p| *p != 0)?,
        };
        Some(Origin { scheme, host, port })
    }

    /// Whether this origin is on this machine (`localhost`, `127.0.0.0/8`, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// `https://` + the cloud's account host.
    pub fn of_cloud(cloud: &str, hosts: &AccountHosts) -> Option<Origin> {
        hosts.host(cloud).map(|host| Origin { scheme: "https".into(), host: host.into(), port: 443 })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default_port {
            write!(f, "{}://{}", self.scheme, self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

/// The origins one card run may reach.
#[derive(Clone, Debug)]
pub struct OutboundPolicy {
    card: String,
    allowed: Vec<Origin>,
}

impl OutboundPolicy {
    /// The policy for a run of `card` with this connection JSON: its `host_override`, else its
    /// cloud's account host. A connection without a usable origin allows nothing (the card
    /// reports the invalid connection itself; any request it still sends is refused).
    pub fn for_connection(card: &str, connection: &Value, hosts: &AccountHosts) -> OutboundPolicy {
        let allowed = match connection.get("host_override") {
            Some(Value::String(host)) => match Origin::parse(host) {
                // Plain HTTP would carry the client secret in clear text: only to this machine.
                Ok(origin) if origin.scheme == "http" && !origin.is_loopback() => {
                    tracing::warn!(card, "connection.host_override uses http:// for a remote host; no request will be allowed");
                    Vec::new()
                }
                Ok(origin) => vec![origin],
                Err(why) => {
                    tracing::warn!(card, "connection.host_override is not an origin ({why}); no request will be allowed");
                    Vec::new()
                }
            },
            _ => connection.get("cloud").and_then(Value::as_str).and_then(|cloud| Origin::of_cloud(cloud, hosts)).into_iter().collect(),
        };
        OutboundPolicy { card: card.to_string(), allowed }
    }

    /// A policy with an explicit list of origins (`http://127.0.0.1:8080`, ...).
    pub fn with_origins<S: AsRef<str>>(card: &str, origins: &[S]) -> Result<OutboundPolicy, String> {
        let allowed = origins
            .iter()
            .map(|o| Origin::parse(o.as_ref()).map_err(|why| format!("allowed origin `{}`: {why}", o.as_ref())))
            .collect::<Result<_, _>>()?;
        Ok(OutboundPolicy { card: card.to_string(), allowed })
    }

    /// The origins this policy allows.
    pub fn allowed(&self) -> &[Origin] {
        &self.allowed
    }

    /// Whether a request to `uri` may go out.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        Origin::of(uri).is_some_and(|origin| self.allowed.contains(&origin))
    }
}

/// The `wasi:http` hooks of one run: the policy check in front of the sender.
pub(crate) struct OutboundHooks {
    pub(crate) policy: Arc<OutboundPolicy>,
}

type SendResult = wasmtime_wasi_http::Result<(http::Response<WasiBody>, Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>)>;

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        if self.policy.allows(request.uri()) {
            return Box::new(outbound::send(request, options));
        }
        // Log the origin only: paths and queries may carry identifiers a log should not keep.
        let target = Origin::of(request.uri()).map_or_else(|| "(no http origin)".to_string(), |o| o.to_string());
        let allowed: Vec<String> = self.policy.allowed.iter().map(ToString::to_string).collect();
        tracing::warn!(
            card = %self.policy.card,
            target = %target,
            allowed = ?allowed,
            "outbound request denied by policy"
        );
        let body = request.into_body();
        Box::new(async move {
            drain(body).await;
            Err(wasmtime_wasi_http::Error::HttpRequestDenied)
        })
    }
}

/// Reads (and drops) a refused request's body, bounded in size and time, so the guest can finish
/// writing it and then receive the denial.
async fn drain(mut body: WasiBody) {
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            if let Some(data) = frame.data_ref() {
                seen += data.len();
                if seen > DRAIN_LIMIT_BYTES {
                    break;
                }
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    /// Two clouds' hosts, as a component lists them (the real list is checked against the
    /// embedded component in tests/harness.rs).
    fn hosts() -> AccountHosts {
        AccountHosts::from_json(&json!([
            {"cloud": "aws", "account_host": "accounts.cloud.databricks.com"},
            {"cloud": "aws_gov_dod", "account_host": "accounts-dod.cloud.databricks.us"},
        ]))
    }

    #[test]
    fn every_cloud_maps_to_its_account_host() {
        for (cloud, host) in [("aws", "accounts.cloud.databricks.com"), ("aws_gov_dod", "accounts-dod.cloud.databricks.us")] {
            let policy = OutboundPolicy::for_connection("c", &json!({"cloud": cloud}), &hosts());
            assert!(policy.allows(&uri(&format!("https://{host}/api/2.0/accounts/x/scim/v2/Users"))));
            assert!(policy.allows(&uri(&format!("https://{host}:443/oidc"))));
            assert!(!policy.allows(&uri(&format!("http://{host}/oidc"))), "plain http to {host}");
            assert!(!policy.allows(&uri(&format!("https://{host}:8443/oidc"))));
        }
        assert_eq!(hosts().host("aws_gov_dod"), Some("accounts-dod.cloud.databricks.us"));
        assert_eq!(hosts().summary(&["aws".into(), "aws_gov_dod".into()], ", "), "all");
        assert_eq!(hosts().summary(&["aws".into()], ", "), "aws");
    }

    #[test]
    fn other_hosts_are_refused() {
        let policy = OutboundPolicy::for_connection("c", &json!({"cloud": "aws"}), &hosts());
        for other in [
            "https://accounts.azuredatabricks.net/",
            "https://evil.example.com/",
            "https://accounts.cloud.databricks.com.evil.example.com/",
            "https://example.com/?host=accounts.cloud.databricks.com",
        ] {
            assert!(!policy.allows(&uri(other)), "{other}");
        }
    }

    #[test]
    fn host_override_replaces_the_cloud_host() {
        let conn = json!({"cloud": "aws", "host_override": "http://127.0.0.1:8080"});
        let policy = OutboundPolicy::for_connection("c", &conn, &hosts());
        assert!(policy.allows(&uri("http://127.0.0.1:8080/oidc/accounts/a/v1/token")));
        assert!(!policy.allows(&uri("http://127.0.0.1:8081/")));
        assert!(!policy.allows(&uri("https://127.0.0.1:8080/")));
        assert!(!policy.allows(&uri("https://accounts.cloud.databricks.com/")));
    }

    #[test]
    fn an_unusable_host_override_allows_nothing() {
        for bad in ["not a url", "http://127.0.0.1:8080/some/path", "ftp://x", "http://user:pw@127.0.0.1:1"] {
            let policy = OutboundPolicy::for_connection("c", &json!({"cloud": "aws", "host_override": bad}), &hosts());
            assert!(policy.allowed().is_empty(), "{bad}");
        }
        let policy = OutboundPolicy::for_connection("c", &json!({"cloud": "moon"}), &hosts());
        assert!(policy.allowed().is_empty());
        for remote in ["http://accounts.example.internal", "http://10.0.0.1:8080"] {
            let policy = OutboundPolicy::for_connection("c", &json!({"cloud": "aws", "host_override": remote}), &hosts());
            assert!(policy.allowed().is_empty(), "plain http to {remote}");
        }
        for local in ["http://localhost:8080", "http://127.0.0.1:1", "http://[::1]:9"] {
            let policy = OutboundPolicy::for_connection("c", &json!({"cloud": "aws", "host_override": local}), &hosts());
            assert_eq!(policy.allowed().len(), 1, "{local}");
        }
    }

    #[test]
    fn a_port_that_is_not_a_port_names_no_origin() {
        for bad in ["https://h:99999/x", "https://h:65616/x", "https://h:4294967376/x", "https://h:0/x"] {
            assert_eq!(Origin::of(&uri(bad)), None, "{bad}");
            assert!(Origin::parse(bad.trim_end_matches("/x")).is_err(), "{bad}");
        }
        assert_eq!(Origin::of(&uri("https://h:8443/x")).unwrap().to_string(), "https://h:8443");
    }

    #[test]
    fn explicit_origins_are_parsed_and_checked() {
        let policy = OutboundPolicy::with_origins("c", &["http://localhost:9000", "https://Example.COM/"]).unwrap();
        assert!(policy.allows(&uri("http://localhost:9000/x")));
        assert!(policy.allows(&uri("https://example.com/x")));
        assert!(!policy.allows(&uri("http://localhost:9001/x")));
        assert!(OutboundPolicy::with_origins("c", &["localhost:9000/path"]).is_err());
    }

    #[test]
    fn origins_display_without_default_ports() {
        assert_eq!(Origin::parse("https://a.example:443").unwrap().to_string(), "https://a.example");
        assert_eq!(Origin::parse("http://127.0.0.1:8080/").unwrap().to_string(), "http://127.0.0.1:8080");
    }
}
