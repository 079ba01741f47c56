//! Generates, from the doc comments of `../wit`, everything about a card that would otherwise be
//! written a second time by hand (`wit/README.md` defines the convention):
//! - `bindings.rs`: the `wit_bindgen::generate!` call with the serde attributes of every type;
//! - `exports.rs`: the export glue, one `Guest` method per card with its cloud gate;
//! - `checks.rs`: the input checks of every card input (`@format`, `@text`, `@range`, `@items`);
//! - `clouds.rs`: each cloud's account host;
//! - `open_enums.rs`: the enums Databricks may add values to (and the rule that every enum of a
//!   card's output is one, or `@closed`), for a unit test;
//! - `card_list.json.deflate`: the card list and the type docs (with each picker's source, checked
//!   against the card it names: `build/options.rs`), and `card_list_decoders.rs`, which
//!   reads them into the records of `cards.wit` for `cards#list-cards` and `cards#type-docs`.
//!
//! Doc comments do not survive into the built component, which is why the card list is built
//! here. A card or type whose tags are missing or malformed fails the build with a message that
//! names it; every problem is reported, not only the first.

use std::path::PathBuf;
use std::process::ExitCode;

/// The doc-comment convention (shared with the crate's unit tests).
#[path = "src/card_docs.rs"]
mod card_docs;

#[path = "build/bindings.rs"]
mod bindings;
#[path = "build/card_list.rs"]
mod card_list;
#[path = "build/checks.rs"]
mod checks;
#[path = "build/examples.rs"]
mod examples;
#[path = "build/exports.rs"]
mod exports;
#[path = "build/model.rs"]
mod model;
#[path = "build/open_enums.rs"]
mod open_enums;
#[path = "build/options.rs"]
mod options;

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let wit_dir = manifest_dir.join("..").join("wit");
    println!("cargo:rerun-if-changed={}", wit_dir.display());
    println!("cargo:rerun-if-changed=build");

    let examples = match examples::Examples::read(&wit_dir.join("examples.json")) {
        Ok(examples) => examples,
        Err(message) => return fail(&[message]),
    };
    let model = match model::Model::read(&wit_dir, &|text| examples.fill(text)) {
        Ok(model) => model,
        Err(problems) => return fail(&problems),
    };
    let mut problems = Vec::new();
    let checks = checks::render(&model, &mut problems);
    let clouds = card_list::clouds(&model, &mut problems);
    let list = card_list::render(&model, &mut problems);
    let decoders = card_list::decoders(&model, &mut problems);
    open_enums::check(&model, &mut problems);
    if !problems.is_empty() {
        return fail(&problems);
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let wit_path = wit_dir.to_string_lossy().into_owned();
    let written = [
        ("bindings.rs", bindings::render(&model, &wit_path).into_bytes()),
        ("exports.rs", exports::render(&model).into_bytes()),
        ("checks.rs", checks.into_bytes()),
        ("clouds.rs", clouds.into_bytes()),
        ("card_list_decoders.rs", decoders.into_bytes()),
        ("open_enums.rs", open_enums::render(&model).into_bytes()),
        ("card_list.json.deflate", miniz_oxide::deflate::compress_to_vec(list.as_bytes(), 10)),
    ]
    .into_iter()
    .try_for_each(|(name, bytes)| {
        let path = out_dir.join(name);
        std::fs::write(&path, bytes).map_err(|err| format!("cannot write {}: {err}", path.display()))
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&[message]),
    }
}

fn fail(problems: &[String]) -> ExitCode {
    for problem in problems.iter().map(String::as_str).chain(["see wit/README.md for the doc-comment convention of `wit/`"]) {
        println!("cargo::error={problem}");
        eprintln!("error: {problem}");
    }
    ExitCode::FAILURE
}
