//! Cards, one module per API family. Each card is a short function over the client.

pub mod access;
pub mod billing;
pub mod catalog;
pub mod identity;
pub mod oauth;
pub mod provisioning;
