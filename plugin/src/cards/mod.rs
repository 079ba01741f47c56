//! Cards, one module per API family. Each card is a short function over the client.

pub mod access;
pub mod billing;
pub mod catalog;
pub mod health;
pub mod identity;
pub mod lifecycle;
pub mod login;
pub mod oauth;
pub mod provisioning;
pub mod raw_request;
pub mod rotation;
pub mod search;
pub mod unified;
