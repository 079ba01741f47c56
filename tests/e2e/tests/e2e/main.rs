//! End-to-end scenarios: every card through the harness and the component against
//! the fake account, asserting what Databricks would receive and what the card returns.

mod access;
mod auth;
mod billing;
mod catalog;
mod corner_cases;
mod coverage;
mod custom_request;
mod faults;
mod groups;
mod health;
mod lifecycle;
mod oauth;
mod provisioning;
mod service_principals;
mod u2m;
mod unified;
mod users;
