//! The Databricks account connector component. The export glue is generated from `wit/` by
//! `build.rs` (one `Guest` method per card, calling `cards::run`); the cards live in `cards/`,
//! one module per WIT interface, as declarations (`client::Call`) or short functions; all HTTP
//! goes through `client/`.

mod bindings;
mod card_list;
mod cards;
mod client;
mod clouds;
mod progress;
mod time;
mod validate;
mod wit;

/// The component's export implementation.
struct Connector;

include!(concat!(env!("OUT_DIR"), "/exports.rs"));

/// The card list: metadata generated from `wit/` by `build.rs`. Not a card (no connection).
impl bindings::exports::databricks::account::cards::Guest for Connector {
    fn list_cards() -> Vec<wit::cards::CardInfo> {
        card_list::list_cards()
    }

    fn type_docs() -> Vec<wit::cards::TypeDoc> {
        card_list::type_docs()
    }

    fn list_clouds() -> Vec<wit::cards::CloudInfo> {
        card_list::list_clouds()
    }
}

// Only the component exports the card functions: a native build of this crate (its unit
// tests, `cargo build --workspace`) would otherwise fail to link the WIT export names.
#[cfg(target_arch = "wasm32")]
bindings::export!(Connector with_types_in bindings);
