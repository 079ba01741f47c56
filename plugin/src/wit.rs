//! Short names for the generated WIT types the rest of the crate uses.

pub use crate::bindings::exports::databricks::account::{access, billing, catalog, identity, oauth, provisioning};
pub use crate::bindings::exports::databricks::account::types::{
    ApiError, Auth, CardError, Cloud, Connection, Deleted, FieldError, PageSelection, RateLimit,
    RequestPolicy, ScimListInput, SortOrder, TokenPaging,
};
