//! The WIT package read once: its cards (every exported function with a connection parameter),
//! its named types with their doc tags, and the Rust names wit-bindgen gives them.

use crate::card_docs::{self, CardDoc, Doc};
use std::path::Path;
use wit_parser::{Docs, Function, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem, WorldKey};

pub const WORLD: &str = "connector";
/// Parameter names that carry the connection: a function with one is a card.
const CONNECTION_PARAMS: &[&str] = &["conn", "connection"];
/// Interfaces that are never cards.
const NOT_CARDS: &[&str] = &["types", "cards"];
/// Where the generated bindings live in the crate.
const EXPORTS: &str = "crate::bindings::exports";

/// One card, with everything the generators need about it.
pub struct Card {
    pub id: String,
    pub category: String,
    pub interface: InterfaceId,
    pub function: Function,
    pub doc: CardDoc,
    pub input: Option<Type>,
    /// The `ok` type of the card's `result`.
    pub output: Option<Type>,
}

/// A named type of the package, with its doc comment split into prose and tags.
pub struct NamedType {
    pub id: TypeId,
    pub doc: Doc,
    /// The tags of its fields or cases, by WIT name, in declaration order.
    pub members: Vec<(String, Doc)>,
}

pub struct Model {
    pub resolve: Resolve,
    pub cards: Vec<Card>,
    pub types: Vec<NamedType>,
}

impl Model {
    /// Reads `wit_dir`; `example_values` fills the named values of `@example` tags. Every
    /// problem found (a card's or a type's doc comment) is returned, not only the first.
    pub fn read(wit_dir: &Path, example_values: &dyn Fn(&str) -> Result<String, String>) -> Result<Model, Vec<String>> {
        let mut resolve = Resolve::new();
        let package = resolve.push_path(wit_dir).map_err(|err| vec![format!("cannot parse {}: {err:#}", wit_dir.display())])?.0;
        let world = resolve
            .select_world(&[package], Some(WORLD))
            .map_err(|err| vec![format!("no world `{WORLD}` in {}: {err:#}", wit_dir.display())])?;

        let mut problems = Vec::new();
        let types = named_types(&resolve, &mut problems);
        let clouds = case_names(&resolve, "cloud");
        let auths = case_names(&resolve, "auth");
        let mut cards: Vec<Card> = Vec::new();
        for (key, item) in &resolve.worlds[world].exports {
            let (WorldKey::Interface(interface), WorldItem::Interface { .. }) = (key, item) else { continue };
            let Some(category) = resolve.interfaces[*interface].name.clone() else { continue };
            if NOT_CARDS.contains(&category.as_str()) {
                continue;
            }
            for function in resolve.interfaces[*interface].functions.values() {
                if !function.params.iter().any(|p| CONNECTION_PARAMS.contains(&p.name.as_str())) {
                    continue;
                }
                let input = function.params.iter().find(|p| p.name == "input").map(|p| p.ty);
                let fields = input.and_then(|ty| record_fields(&resolve, ty));
                let docs = function.docs.contents.clone().unwrap_or_default();
                match card_docs::parse(&function.name, &docs, &clouds, &auths, fields.as_deref(), example_values) {
                    Ok(doc) => cards.push(Card {
                        id: function.name.clone(),
                        category: category.clone(),
                        interface: *interface,
                        function: function.clone(),
                        doc,
                        input,
                        output: ok_type(&resolve, function.result),
                    }),
                    Err(found) => problems.extend(found.into_iter().map(|p| format!("card `{}` ({category}.wit): {p}", function.name))),
                }
            }
        }
        for (i, card) in cards.iter().enumerate() {
            if cards[..i].iter().any(|c| c.id == card.id) {
                problems.push(format!("card `{}`: two interfaces export a card of this name", card.id));
            }
        }
        if cards.is_empty() {
            problems.push("no cards found in the world's exports".into());
        }
        if problems.is_empty() { Ok(Model { resolve, cards, types }) } else { Err(problems) }
    }

    /// The doc tags of a named type.
    pub fn named(&self, id: TypeId) -> Option<&NamedType> {
        self.types.iter().find(|t| t.id == id)
    }

    /// The case names of the enum or variant `name` (`cloud`, `auth`).
    pub fn case_names(&self, name: &str) -> Vec<String> {
        case_names(&self.resolve, name)
    }

    /// The field names of a record type, following aliases.
    pub fn record_fields(&self, ty: Type) -> Option<Vec<String>> {
        record_fields(&self.resolve, ty)
    }

    /// `interface/name` of a named type defined in an interface (`identity/user`).
    pub fn qualified(&self, id: TypeId) -> Option<String> {
        let ty = &self.resolve.types[id];
        let name = ty.name.as_ref()?;
        match ty.owner {
            TypeOwner::Interface(interface) => Some(format!("{}/{name}", self.resolve.interfaces[interface].name.as_ref()?)),
            _ => None,
        }
    }

    /// The named type `ty` holds: itself when named, else through `option`, `list` and `result` (ok).
    pub fn type_ref(&self, ty: Type) -> Option<String> {
        let Type::Id(id) = ty else { return None };
        if let Some(name) = self.qualified(id) {
            return Some(name);
        }
        match &self.resolve.types[id].kind {
            TypeDefKind::Option(inner) | TypeDefKind::List(inner) | TypeDefKind::FixedLengthList(inner, _) => self.type_ref(*inner),
            TypeDefKind::Result(r) => r.ok.and_then(|t| self.type_ref(t)),
            TypeDefKind::Type(inner) => self.type_ref(*inner),
            _ => None,
        }
    }

    /// The selector wit-bindgen's `additional_*_attributes` take: `pkg:name/interface@version/type`.
    pub fn selector(&self, id: TypeId) -> Option<String> {
        let ty = &self.resolve.types[id];
        let TypeOwner::Interface(interface) = ty.owner else { return None };
        Some(format!("{}/{}", self.resolve.id_of(interface)?, ty.name.as_ref()?))
    }

    /// The Rust path of the module wit-bindgen generates for an exported interface.
    pub fn module(&self, interface: InterfaceId) -> String {
        let iface = &self.resolve.interfaces[interface];
        let package = &self.resolve.packages[iface.package.expect("interfaces of a package")].name;
        format!(
            "{EXPORTS}::{}::{}::{}",
            rust_ident(&package.namespace),
            rust_ident(&package.name),
            rust_ident(iface.name.as_deref().unwrap_or_default())
        )
    }

    /// The module of the interface that defines the type `name` (`cloud` → the `types` module).
    pub fn module_of_type(&self, name: &str) -> String {
        let owner = self.resolve.types.iter().find_map(|(_, ty)| match (ty.owner, &ty.kind) {
            (TypeOwner::Interface(interface), kind) if ty.name.as_deref() == Some(name) && !matches!(kind, TypeDefKind::Type(_)) => {
                Some(interface)
            }
            _ => None,
        });
        self.module(owner.unwrap_or_else(|| panic!("the package defines no type `{name}`")))
    }

    /// The Rust type wit-bindgen uses for `ty` in an exported function's signature.
    pub fn rust_type(&self, ty: Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "String".into(),
            Type::ErrorContext => "()".into(),
            Type::Id(id) => {
                let def = &self.resolve.types[id];
                if let (Some(name), TypeOwner::Interface(interface)) = (&def.name, def.owner) {
                    return format!("{}::{}", self.module(interface), upper_camel(name));
                }
                match &def.kind {
                    TypeDefKind::Option(inner) => format!("Option<{}>", self.rust_type(*inner)),
                    TypeDefKind::List(inner) => format!("Vec<{}>", self.rust_type(*inner)),
                    TypeDefKind::Type(inner) => self.rust_type(*inner),
                    TypeDefKind::Result(r) => {
                        let side = |t: Option<Type>| t.map_or_else(|| "()".to_string(), |t| self.rust_type(t));
                        format!("Result<{}, {}>", side(r.ok), side(r.err))
                    }
                    TypeDefKind::Tuple(t) => format!("({},)", t.types.iter().map(|t| self.rust_type(*t)).collect::<Vec<_>>().join(", ")),
                    other => panic!("a card signature holds a type this generator does not know: {other:?}"),
                }
            }
        }
    }

    /// `ty` with aliases (`type x = y`) looked through.
    pub fn dealias(&self, ty: Type) -> Type {
        match ty {
            Type::Id(id) => match &self.resolve.types[id].kind {
                TypeDefKind::Type(inner) => self.dealias(*inner),
                _ => ty,
            },
            other => other,
        }
    }
}

/// Every named type of every interface, in declaration order, with its tags checked.
fn named_types(resolve: &Resolve, problems: &mut Vec<String>) -> Vec<NamedType> {
    let mut types = Vec::new();
    for (_, interface) in resolve.interfaces.iter() {
        for (name, &id) in &interface.types {
            let ty = &resolve.types[id];
            let place = format!("type `{name}` ({}.wit)", interface.name.as_deref().unwrap_or("?"));
            let (doc, found) = card_docs::split(&text(&ty.docs), card_docs::TYPE_TAGS);
            problems.extend(found.into_iter().map(|p| format!("{place}: {p}")));
            if let Some(case) = doc.tag("json-case").filter(|c| !card_docs::JSON_CASES.contains(c)) {
                problems.push(format!("{place}: `@json-case {case}` is not one of {}", card_docs::JSON_CASES.join(", ")));
            }
            let member_docs: Vec<(&str, &Docs)> = match &ty.kind {
                TypeDefKind::Record(r) => r.fields.iter().map(|f| (f.name.as_str(), &f.docs)).collect(),
                TypeDefKind::Variant(v) => v.cases.iter().map(|c| (c.name.as_str(), &c.docs)).collect(),
                TypeDefKind::Enum(e) => e.cases.iter().map(|c| (c.name.as_str(), &c.docs)).collect(),
                TypeDefKind::Flags(f) => f.flags.iter().map(|c| (c.name.as_str(), &c.docs)).collect(),
                _ => Vec::new(),
            };
            let members = member_docs
                .into_iter()
                .map(|(member, docs)| {
                    let (doc, found) = card_docs::split(&text(docs), card_docs::MEMBER_TAGS);
                    problems.extend(found.into_iter().map(|p| format!("{place}, member `{member}`: {p}")));
                    (member.to_string(), doc)
                })
                .collect();
            types.push(NamedType { id, doc, members });
        }
    }
    types
}

fn text(docs: &Docs) -> String {
    docs.contents.clone().unwrap_or_default()
}

/// The case names of the enum or variant `name` of an interface.
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

/// The field names of a record type, following aliases.
fn record_fields(resolve: &Resolve, ty: Type) -> Option<Vec<String>> {
    let Type::Id(id) = ty else { return None };
    match &resolve.types[id].kind {
        TypeDefKind::Record(record) => Some(record.fields.iter().map(|f| f.name.clone()).collect()),
        TypeDefKind::Type(inner) => record_fields(resolve, *inner),
        _ => None,
    }
}

/// The `ok` of an anonymous `result<ok, err>`, else the type itself.
fn ok_type(resolve: &Resolve, result: Option<Type>) -> Option<Type> {
    result.and_then(|ty| match ty {
        Type::Id(id) => match &resolve.types[id].kind {
            TypeDefKind::Result(r) if resolve.types[id].name.is_none() => r.ok,
            _ => Some(ty),
        },
        _ => Some(ty),
    })
}

/// wit-bindgen's Rust name of a WIT identifier used as a field or function (`user-name` →
/// `user_name`, a keyword gets a trailing `_`: `type` → `type_`).
pub fn rust_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop",
        "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
        "typeof", "unsized", "virtual", "yield", "try",
    ];
    if KEYWORDS.contains(&name) { format!("{name}_") } else { name.replace('-', "_") }
}

/// Whether wit-bindgen escapes this identifier (so serde must be told the real name).
pub fn is_escaped(name: &str) -> bool {
    rust_ident(name) != name.replace('-', "_")
}

/// wit-bindgen's Rust name of a WIT type or case (`ip-access-list` → `IpAccessList`).
pub fn upper_camel(name: &str) -> String {
    let camel: String = name
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect();
    if camel == "Guest" { "Guest_".into() } else { camel }
}
