//! The generated bindings. `build.rs` writes the `wit_bindgen::generate!` call with serde
//! attributes taken from the WIT doc tags, so the records decode straight from Databricks'
//! JSON and the inputs encode straight into its request bodies (no hand-written mirror structs).
#![allow(missing_docs, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
