//! Utility cards: the connection's health check and the custom API request.

pub mod health;
pub mod raw_request;

pub use health::check_connection;
pub use raw_request::custom_api_request;
