//! Generates the card list (`databricks:account/cards`) from the doc comments of `../wit`.
//!
//! Doc comments do not survive into the built component, so this script reads the WIT with
//! `wit-parser` (the version wit-bindgen uses) and writes `$OUT_DIR/card_list.rs`: one entry per
//! card (every function of an exported interface that takes a `conn` parameter) and the docs of
//! every named type. The machine-readable parts of a card's doc comment are tag lines
//! (`@scope`, `@clouds`, `@changes-state`, `@example`, optional `@label`); `wit/README.md`
//! defines the convention. A card without them fails the build with a message naming it.
//! The prose of the list (descriptions, examples) goes to `$OUT_DIR/card_prose.deflate`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use wit_parser::{Docs, Resolve, Type, TypeDefKind, TypeOwner, WorldItem, WorldKey};

/// The doc-comment convention of a card (shared with the crate's unit tests).
#[path = "src/card_docs.rs"]
mod card_docs;

const WORLD: &str = "connector";
/// Parameter names that carry the connection: a function with one is a card.
const CONNECTION_PARAMS: &[&str] = &["conn", "connection"];
/// Interfaces that are never cards.
const NOT_CARDS: &[&str] = &["types", "cards"];

struct Card {
    id: String,
    label: String,
    description: String,
    category: String,
    endpoints: Vec<String>,
    scopes: Vec<String>,
    clouds: Vec<String>,
    changes_state: bool,
    example: String,
    auth: Vec<String>,
    input_type: Option<String>,
    output_type: Option<String>,
}

struct Member {
    name: String,
    description: String,
    type_ref: Option<String>,
}

struct TypeDoc {
    name: String,
    description: String,
    members: Vec<Member>,
    type_ref: Option<String>,
}

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let wit_dir = manifest_dir.join("..").join("wit");
    println!("cargo:rerun-if-changed={}", wit_dir.display());

    let mut resolve = Resolve::new();
    let package = match resolve.push_path(&wit_dir) {
        Ok((package, _)) => package,
        Err(err) => return fail(&[format!("cannot parse {}: {err:#}", wit_dir.display())]),
    };
    let world = match resolve.select_world(&[package], Some(WORLD)) {
        Ok(world) => world,
        Err(err) => return fail(&[format!("no world `{WORLD}` in {}: {err:#}", wit_dir.display())]),
    };
    let clouds = case_names(&resolve, "cloud");
    let auths = case_names(&resolve, "auth");

    let mut errors = Vec::new();
    let mut cards = Vec::new();
    for (key, item) in &resolve.worlds[world].exports {
        let (WorldKey::Interface(id), WorldItem::Interface { .. }) = (key, item) else { continue };
        let interface = &resolve.interfaces[*id];
        let Some(category) = interface.name.clone() else { continue };
        if NOT_CARDS.contains(&category.as_str()) {
            continue;
        }
        for function in interface.functions.values() {
            if !function.params.iter().any(|p| CONNECTION_PARAMS.contains(&p.name.as_str())) {
                continue;
            }
            match card(&resolve, &category, function, &clouds, &auths) {
                Ok(card) => cards.push(card),
                Err(problems) => errors.extend(problems.into_iter().map(|p| format!("card `{}` ({category}.wit): {p}", function.name))),
            }
        }
    }
    let mut seen = BTreeSet::new();
    for card in &cards {
        if !seen.insert(card.id.clone()) {
            errors.push(format!("card `{}`: two interfaces export a card of this name", card.id));
        }
    }
    if cards.is_empty() {
        errors.push("no cards found in the world's exports".into());
    }
    if !errors.is_empty() {
        errors.push("see wit/README.md for the doc-comment convention of a card".into());
        return fail(&errors);
    }

    let types = type_docs(&resolve);
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let mut prose = Prose::default();
    let list = render(&cards, &types, &mut prose);
    let written =
        [("card_list.rs", list.into_bytes()), ("card_prose.deflate", miniz_oxide::deflate::compress_to_vec(prose.text.as_bytes(), 10))]
            .into_iter()
            .try_for_each(|(name, bytes)| {
                let path = out_dir.join(name);
                std::fs::write(&path, bytes).map_err(|err| format!("cannot write {}: {err}", path.display()))
            });
    if let Err(message) = written {
        return fail(&[message]);
    }
    ExitCode::SUCCESS
}

/// The card list's prose (descriptions and examples, ~52 KB) as one text, each piece once.
/// It ships deflated (~16 KB) and is inflated when the card list is asked for: the component is
/// smaller by the difference, and nothing else reads the prose.
#[derive(Default)]
struct Prose {
    text: String,
    pieces: std::collections::HashMap<String, (usize, usize)>,
}

impl Prose {
    /// The Rust expression of `piece` in the generated list: `Prose(start, len)`.
    fn add(&mut self, piece: &str) -> String {
        let text = &mut self.text;
        let (start, len) = *self.pieces.entry(piece.to_string()).or_insert_with(|| {
            let start = text.len();
            text.push_str(piece);
            (start, piece.len())
        });
        format!("Prose({start}, {len})")
    }
}

/// The case names of the enum or variant `name` in `types` (`cloud` for `@clouds`, `auth` for `@auth`).
fn case_names(resolve: &Resolve, name: &str) -> Vec<String> {
    for (_, ty) in resolve.types.iter() {
        if ty.name.as_deref() == Some(name) && matches!(ty.owner, TypeOwner::Interface(_)) {
            match &ty.kind {
                TypeDefKind::Enum(e) => return e.cases.iter().map(|c| c.name.clone()).collect(),
                TypeDefKind::Variant(v) => return v.cases.iter().map(|c| c.name.clone()).collect(),
                _ => {}
            }
        }
    }
    Vec::new()
}

fn card(
    resolve: &Resolve,
    category: &str,
    function: &wit_parser::Function,
    clouds: &[String],
    auths: &[String],
) -> Result<Card, Vec<String>> {
    let docs = function.docs.contents.clone().unwrap_or_default();
    let input = function.params.iter().find(|p| p.name == "input").map(|p| p.ty);
    let fields = input.and_then(|ty| record_fields(resolve, ty));
    let doc = card_docs::parse(&function.name, &docs, clouds, auths, fields.as_deref())?;
    let output = function.result.and_then(|ty| match ty {
        Type::Id(id) => match &resolve.types[id].kind {
            TypeDefKind::Result(r) if resolve.types[id].name.is_none() => r.ok,
            _ => Some(ty),
        },
        _ => Some(ty),
    });
    Ok(Card {
        id: function.name.clone(),
        label: doc.label,
        endpoints: doc.endpoints,
        description: doc.description,
        category: category.to_string(),
        scopes: doc.scopes,
        clouds: doc.clouds,
        changes_state: doc.changes_state,
        example: doc.example,
        auth: doc.auth,
        input_type: input.and_then(|ty| type_ref(resolve, ty)),
        output_type: output.and_then(|ty| type_ref(resolve, ty)),
    })
}

/// The field names of a record type, following aliases.
fn record_fields(resolve: &Resolve, ty: Type) -> Option<Vec<String>> {
    let Type::Id(id) = ty else { return None };
    match &resolve.types[id].kind {
        TypeDefKind::Record(record) => Some(record.fields.iter().map(|f| f.name.clone()).collect()),
        TypeDefKind::Type(inner) => record_fields(resolve, *inner),
        _ => None,
    }
}

/// `interface/name` of a named type defined in an interface.
fn qualified(resolve: &Resolve, id: wit_parser::TypeId) -> Option<String> {
    let ty = &resolve.types[id];
    let name = ty.name.as_ref()?;
    match ty.owner {
        TypeOwner::Interface(interface) => Some(format!("{}/{name}", resolve.interfaces[interface].name.as_ref()?)),
        _ => None,
    }
}

/// The named type `ty` holds: itself when named, else through `option`, `list` and `result` (ok).
fn type_ref(resolve: &Resolve, ty: Type) -> Option<String> {
    let Type::Id(id) = ty else { return None };
    if let Some(name) = qualified(resolve, id) {
        return Some(name);
    }
    match &resolve.types[id].kind {
        TypeDefKind::Option(inner) | TypeDefKind::List(inner) | TypeDefKind::FixedLengthList(inner, _) => type_ref(resolve, *inner),
        TypeDefKind::Result(r) => r.ok.and_then(|t| type_ref(resolve, t)),
        TypeDefKind::Type(inner) => type_ref(resolve, *inner),
        _ => None,
    }
}

fn text(docs: &Docs) -> String {
    let lines: Vec<&str> = docs.contents.as_deref().unwrap_or("").lines().map(str::trim).collect();
    card_docs::paragraphs(&lines)
}

/// The docs of every named type of every interface of the package, in declaration order.
fn type_docs(resolve: &Resolve) -> Vec<TypeDoc> {
    let mut docs = Vec::new();
    for (_, interface) in resolve.interfaces.iter() {
        for &id in interface.types.values() {
            let Some(name) = qualified(resolve, id) else { continue };
            let ty = &resolve.types[id];
            let member = |name: &str, docs: &Docs, ty: Option<Type>| Member {
                name: name.to_string(),
                description: text(docs),
                type_ref: ty.and_then(|t| type_ref(resolve, t)),
            };
            let (members, alias) = match &ty.kind {
                TypeDefKind::Record(r) => (r.fields.iter().map(|f| member(&f.name, &f.docs, Some(f.ty))).collect(), None),
                TypeDefKind::Variant(v) => (v.cases.iter().map(|c| member(&c.name, &c.docs, c.ty)).collect(), None),
                TypeDefKind::Enum(e) => (e.cases.iter().map(|c| member(&c.name, &c.docs, None)).collect(), None),
                TypeDefKind::Flags(f) => (f.flags.iter().map(|c| member(&c.name, &c.docs, None)).collect(), None),
                TypeDefKind::Type(inner) | TypeDefKind::Option(inner) | TypeDefKind::List(inner) => (Vec::new(), type_ref(resolve, *inner)),
                _ => (Vec::new(), None),
            };
            docs.push(TypeDoc { name, description: text(&ty.docs), members, type_ref: alias });
        }
    }
    docs
}

fn render(cards: &[Card], types: &[TypeDoc], prose: &mut Prose) -> String {
    let opt = |v: &Option<String>| match v {
        Some(s) => format!("Some({s:?})"),
        None => "None".to_string(),
    };
    let strs = |v: &[String]| format!("&[{}]", v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", "));
    let mut out = String::from("// Generated by plugin/build.rs from ../wit. Do not edit.\n\n");
    out.push_str("pub(crate) static CARDS: &[Card] = &[\n");
    for c in cards {
        let _ = writeln!(
            out,
            "    Card {{ id: {:?}, label: {:?}, description: {}, category: {:?}, endpoints: {}, scopes: {}, \
             clouds: {}, changes_state: {}, example_input: {}, auth: {}, input_type: {}, output_type: {} }},",
            c.id,
            c.label,
            prose.add(&c.description),
            c.category,
            strs(&c.endpoints),
            strs(&c.scopes),
            strs(&c.clouds),
            c.changes_state,
            prose.add(&c.example),
            strs(&c.auth),
            opt(&c.input_type),
            opt(&c.output_type),
        );
    }
    out.push_str("];\n\npub(crate) static TYPE_DOCS: &[TypeDoc] = &[\n");
    for t in types {
        let members: Vec<String> = t
            .members
            .iter()
            .map(|m| format!("Member {{ name: {:?}, description: {}, type_ref: {} }}", m.name, prose.add(&m.description), opt(&m.type_ref)))
            .collect();
        let _ = writeln!(
            out,
            "    TypeDoc {{ name: {:?}, description: {}, members: &[{}], type_ref: {} }},",
            t.name,
            prose.add(&t.description),
            members.join(", "),
            opt(&t.type_ref),
        );
    }
    out.push_str("];\n");
    out
}

fn fail(errors: &[String]) -> ExitCode {
    for error in errors {
        println!("cargo::error={error}");
        eprintln!("error: {error}");
    }
    ExitCode::FAILURE
}
