//! The guard of IP access list enforcement: enforcing lists that do not let the account's callers
//! in locks them out of the account console and APIs (this connector included), and only another
//! allowed address can undo it. So enforcing is refused unless the caller's address is on an
//! enabled allow list and on no enabled block list (block lists win in Databricks), or the flow
//! confirms it knows better.

use crate::client::{ApiVersion, Session, rest};
use crate::validate::invalid;
use crate::wit::CardError;
use crate::wit::access::{IpAccessList, IpListType};
use std::net::Ipv4Addr;

/// Refuses, before any change, to enforce lists that would keep `caller` out.
pub fn refuse_unless_allowed(s: &Session, caller: Option<&str>, confirm: bool) -> Result<(), CardError> {
    if confirm {
        return Ok(());
    }
    let Some(caller) = caller else {
        return Err(invalid(
            "caller-address",
            "enforcing IP access lists can lock every caller out: give the address the account is called from \
             (it must be on an enabled allow list), or set confirm to true",
        ));
    };
    let address: Ipv4Addr = caller.parse().map_err(|_| invalid("caller-address", "must be one IPv4 address, not a CIDR block"))?;
    let lists: Vec<IpAccessList> = rest::get_list(s, ApiVersion::V2_0, "ip-access-lists", "ip_access_lists")?;
    let holding = |kind: &IpListType| {
        lists
            .iter()
            .filter(|l| l.enabled == Some(true) && l.list_type.as_ref() == Some(kind))
            .any(|l| l.ip_addresses.iter().any(|e| covers(e, address)))
    };
    if holding(&IpListType::Block) {
        return Err(invalid("caller-address", format!("{address} is on an enabled block list: enforcing would lock it out")));
    }
    if !holding(&IpListType::Allow) {
        return Err(invalid(
            "caller-address",
            format!(
                "no enabled allow list holds {address}: enforcing would lock it out; add it to an allow list first, or set confirm to true"
            ),
        ));
    }
    Ok(())
}

/// Whether an entry of a list (`203.0.113.7` or `203.0.113.0/24`) covers `address`.
fn covers(entry: &str, address: Ipv4Addr) -> bool {
    let (network, prefix) = entry.split_once('/').unwrap_or((entry, "32"));
    let (Ok(network), Ok(prefix)) = (network.trim().parse::<Ipv4Addr>(), prefix.trim().parse::<u32>()) else { return false };
    if prefix > 32 {
        return false;
    }
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(network) & mask == u32::from(address) & mask
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn entries_cover_their_addresses_and_blocks() {
        let address = "198.51.100.7".parse().unwrap();
        assert!(covers("198.51.100.7", address) && covers("198.51.100.0/24", address) && covers("0.0.0.0/0", address));
        assert!(!covers("198.51.100.8", address) && !covers("198.51.101.0/24", address) && !covers("198.51.100.0/33", address));
        assert!(!covers("not an address", address));
    }
}
