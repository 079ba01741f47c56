//! Each cloud's account host and WIT name, generated from the `@account-host` tags of
//! `types.wit` (the host's outbound policy reads the same table through `cards#list-clouds`).

include!(concat!(env!("OUT_DIR"), "/clouds.rs"));

/// The account host of a cloud.
pub fn account_host(cloud: crate::wit::Cloud) -> &'static str {
    ACCOUNT_HOSTS.iter().find(|(c, _)| *c == cloud).map_or("", |(_, host)| host)
}
