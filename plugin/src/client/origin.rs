//! Where the account API lives: the cloud's account host, or an explicit override.

use crate::validate::invalid;
use crate::wit::{CardError, Cloud};

/// The origin (`scheme://host[:port]`) every request of the run goes to.
pub fn resolve(cloud: Cloud, host_override: Option<&str>) -> Result<String, CardError> {
    let Some(raw) = host_override.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(format!("https://{}", crate::clouds::account_host(cloud)));
    };
    const FIELD: &str = "connection.host-override";
    let uri: http::Uri = raw.parse().map_err(|_| invalid(FIELD, "must be a URL such as https://accounts.example.internal"))?;
    let scheme = uri.scheme_str().unwrap_or("");
    if scheme != "https" && scheme != "http" {
        return Err(invalid(FIELD, "must start with https:// (or http:// for a local test account)"));
    }
    let authority = uri.authority().ok_or_else(|| invalid(FIELD, "must name a host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid(FIELD, "must not carry user information"));
    }
    let path = uri.path();
    if (path != "/" && !path.is_empty()) || uri.query().is_some() {
        return Err(invalid(FIELD, "must be an origin only (scheme, host, port), without a path"));
    }
    // A port that is not a port would fall back to the scheme's default one: refuse it.
    let port = authority.as_str().strip_prefix(authority.host()).unwrap_or("");
    if !port.is_empty() && port.strip_prefix(':').and_then(|p| p.parse::<u16>().ok()).is_none_or(|p| p == 0) {
        return Err(invalid(FIELD, "has a port that is not a number from 1 to 65535"));
    }
    // Plain HTTP would send the client secret in clear text: only to this machine.
    if scheme == "http" && !is_loopback(authority.host()) {
        return Err(invalid(FIELD, "must use https://; http:// is only for an account on this machine (localhost, 127.0.0.1, [::1])"));
    }
    Ok(format!("{scheme}://{authority}"))
}

/// Whether a URL's host is this machine: `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_has_its_account_host() {
        assert_eq!(resolve(Cloud::Aws, None).unwrap(), "https://accounts.cloud.databricks.com");
        assert_eq!(resolve(Cloud::Azure, None).unwrap(), "https://accounts.azuredatabricks.net");
        assert_eq!(resolve(Cloud::Gcp, None).unwrap(), "https://accounts.gcp.databricks.com");
        assert_eq!(resolve(Cloud::AwsGov, None).unwrap(), "https://accounts.cloud.databricks.us");
        assert_eq!(resolve(Cloud::AwsGovDod, None).unwrap(), "https://accounts-dod.cloud.databricks.us");
        assert_eq!(resolve(Cloud::Aws, Some("  ")).unwrap(), "https://accounts.cloud.databricks.com");
    }

    #[test]
    fn overrides_are_origins_only() {
        assert_eq!(resolve(Cloud::Aws, Some("http://127.0.0.1:8080")).unwrap(), "http://127.0.0.1:8080");
        assert_eq!(resolve(Cloud::Gcp, Some("https://pl.example.internal/")).unwrap(), "https://pl.example.internal");
        assert_eq!(resolve(Cloud::Aws, Some("http://localhost:8080")).unwrap(), "http://localhost:8080");
        assert_eq!(resolve(Cloud::Aws, Some("http://[::1]:8080")).unwrap(), "http://[::1]:8080");
        assert_eq!(resolve(Cloud::Aws, Some("https://h.example:8443")).unwrap(), "https://h.example:8443");
        for bad in [
            "ftp://x",
            "127.0.0.1:80",
            "https://h/api",
            "https://u:p@h",
            "https://h?x=1",
            "not a url",
            "https://h:99999",
            "https://h:65616",
            "https://h:4294967376",
            "https://h:0",
            "https://h:",
            "http://accounts.example.internal",
            "http://10.0.0.1:8080",
        ] {
            assert!(resolve(Cloud::Aws, Some(bad)).is_err(), "{bad}");
        }
    }
}
