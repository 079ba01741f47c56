//! Input checks that run before any request, so a bad value never reaches Databricks
//! and the flow learns which field to fix.

use crate::wit::{CardError, FieldError};

/// An `invalid-input` error for `field`.
pub fn invalid(field: &str, reason: impl Into<String>) -> CardError {
    CardError::InvalidInput(FieldError { field: field.to_string(), reason: reason.into() })
}

/// A Databricks account ID: a UUID such as `6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d`.
pub fn uuid(field: &str, value: &str) -> Result<(), CardError> {
    // Hex digits with dashes at 8, 13, 18 and 23: `8-4-4-4-12`.
    let shape_ok = value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if shape_ok { Ok(()) } else { Err(invalid(field, "must be a UUID like 6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d")) }
}

/// A SCIM ID of an account user, group or service principal: a decimal number.
/// Checking it also keeps `/`, `?` and `..` out of the request path.
pub fn scim_id(field: &str, value: &str) -> Result<(), CardError> {
    if value.is_empty() {
        return Err(invalid(field, "is required"));
    }
    if value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(field, "must be a numeric SCIM ID such as 1234567890123456"));
    }
    Ok(())
}

/// The ID of a service principal's OAuth secret (letters, digits, `-`, `_`), which also
/// keeps `/`, `?` and `..` out of the request path.
pub fn secret_id(field: &str, value: &str) -> Result<(), CardError> {
    let ok = !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(invalid(field, "must be a secret ID as the account console shows it")) }
}

/// An e-mail address, as Databricks requires for user names.
pub fn email(field: &str, value: &str) -> Result<(), CardError> {
    let mut parts = value.splitn(2, '@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(()) } else { Err(invalid(field, "must be an e-mail address such as ada@example.com")) }
}

/// A required human-readable name: not blank, at most `max` characters.
pub fn name(field: &str, value: &str, max: usize) -> Result<(), CardError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// An optional name: when given, the same rules as [`name`].
pub fn optional_name(field: &str, value: Option<&str>, max: usize) -> Result<(), CardError> {
    value.map_or(Ok(()), |v| name(field, v, max))
}

/// A number within `min..=max`, when given.
pub fn range(field: &str, value: Option<u32>, min: u32, max: u32) -> Result<(), CardError> {
    match value {
        Some(v) if v < min || v > max => Err(invalid(field, format!("must be between {min} and {max}"))),
        _ => Ok(()),
    }
}

/// An IPv4 address or CIDR block (`203.0.113.7`, `10.0.0.0/16`), as IP access lists take.
pub fn ipv4_or_cidr(field: &str, value: &str) -> Result<(), CardError> {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let address_ok = address.parse::<std::net::Ipv4Addr>().is_ok() && address.split('.').all(|o| o == "0" || !o.starts_with('0'));
    let prefix_ok = prefix.is_none_or(|p| !p.is_empty() && p.len() <= 2 && p.parse::<u8>().is_ok_and(|n| n <= 32));
    if address_ok && prefix_ok {
        Ok(())
    } else {
        Err(invalid(field, format!("{value:?} is not an IPv4 address or CIDR block such as 10.0.0.0/16")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: CardError) -> String {
        match err {
            CardError::InvalidInput(f) => f.field,
            other => panic!("expected invalid-input, got {other:?}"),
        }
    }

    #[test]
    fn uuids() {
        assert!(uuid("a", "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d").is_ok());
        assert!(uuid("a", "6A1F6D0E-2F4C-4D8B-9C39-0F5E7A1B2C3D").is_ok());
        let misplaced_dash = "6a1f6d0e2-f4c-4d8b-9c39-0f5e7a1b2c3d";
        let non_ascii = "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2cé";
        assert_eq!((misplaced_dash.len(), non_ascii.len()), (36, 36));
        for bad in ["", "not-a-uuid", "6a1f6d0e2f4c4d8b9c390f5e7a1b2c3d", "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3g", "../../x"]
            .into_iter()
            .chain([misplaced_dash, non_ascii, "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3d-", "6a1f6d0e-2f4c-4d8b-9c39-0f5e7a1b2c3"])
        {
            assert_eq!(field_of(uuid("connection.account-id", bad).unwrap_err()), "connection.account-id", "{bad}");
        }
    }

    #[test]
    fn scim_ids() {
        assert!(scim_id("id", "1234567890123456").is_ok());
        for bad in ["", "12/34", "..", "12 3", "abc", "123456789012345678901"] {
            assert!(scim_id("id", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert!(email("user-name", "ada@example.com").is_ok());
        for bad in ["", "ada", "@example.com", "ada@", "ada@example", "a da@example.com", "ada@@example.com", "ada@.com"] {
            assert!(email("user-name", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv4_addresses_and_cidr_blocks() {
        for good in ["203.0.113.7", "10.0.0.0/16", "0.0.0.0/0", "192.168.1.1/32"] {
            assert!(ipv4_or_cidr("ip-addresses", good).is_ok(), "{good}");
        }
        for bad in
            ["", "10.0.0", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/1a", "010.0.0.1", "::1", "host.example.com", "1.2.3.4/8/8"]
        {
            assert!(ipv4_or_cidr("ip-addresses", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_ranges() {
        assert!(name("display-name", "  ", 10).is_err());
        assert!(name("display-name", "Engineers", 10).is_ok());
        assert!(name("display-name", "Engineers!!", 10).is_err());
        assert!(range("count", Some(0), 1, 100).is_err());
        assert!(range("count", Some(101), 1, 100).is_err());
        assert!(range("count", None, 1, 100).is_ok());
    }
}
