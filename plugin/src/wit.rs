//! Short names for the generated WIT types the rest of the crate uses.

pub use crate::bindings::exports::databricks::account::types::{
    AllPages, ApiError, Auth, CardError, Cloud, Connection, Deleted, FieldError, PageRequest, PageSelection, RateLimit, RequestPolicy,
    ScimListInput, SortOrder, TokenPaging,
};
pub use crate::bindings::exports::databricks::account::{
    access, billing, cards, catalog, identity, login, oauth, provisioning, settings, unified, utility,
};
