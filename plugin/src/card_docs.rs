//! The doc-comment convention of a card (`wit/README.md`): prose, then tag lines
//! (`@scope`, `@clouds`, `@changes-state`, `@example`, optional `@label`). `build.rs` parses
//! every card's doc comment with this module; the crate's unit tests check its messages.

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const TAGS: &[&str] = &["scope", "clouds", "changes-state", "example", "label", "auth"];

/// The machine-readable parts of one card's doc comment.
#[derive(Debug, PartialEq)]
pub struct CardDoc {
    pub label: String,
    pub description: String,
    pub endpoints: Vec<String>,
    pub scopes: Vec<String>,
    pub clouds: Vec<String>,
    pub changes_state: bool,
    /// The `@example` JSON as written.
    pub example: String,
    /// The `auth` cases the card works with (`@auth`); empty: any.
    pub auth: Vec<String>,
}

/// Parses the doc comment of card `id`. `clouds` are the case names `@clouds` accepts, `auths`
/// those `@auth` accepts;
/// `input_fields`, when the input is a record, the WIT names its example's keys must match.
/// Errors are messages for the author, without the card's name (the caller adds it).
pub fn parse(id: &str, docs: &str, clouds: &[String], auths: &[String], input_fields: Option<&[String]>) -> Result<CardDoc, Vec<String>> {
    let mut problems = Vec::new();
    let mut prose: Vec<&str> = Vec::new();
    let mut tags: Vec<(String, String)> = Vec::new();
    for line in docs.lines() {
        let trimmed = line.trim();
        if let Some(tag) = trimmed.strip_prefix('@') {
            let (name, value) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
            if !TAGS.contains(&name) {
                problems.push(format!("unknown tag `@{name}` (known: {})", TAGS.join(", ")));
            } else if tags.iter().any(|(n, _)| n == name) {
                problems.push(format!("tag `@{name}` given twice"));
            }
            tags.push((name.to_string(), value.trim().to_string()));
        } else if !tags.is_empty() && !trimmed.is_empty() {
            problems.push(format!("prose line after the tag lines: `{trimmed}` (tags come last)"));
        } else {
            prose.push(trimmed);
        }
    }
    let tag = |name: &str| tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let mut required = |name: &str| match tag(name) {
        Some(v) if !v.is_empty() => Some(v),
        Some(_) => {
            problems.push(format!("tag `@{name}` has no value"));
            None
        }
        None => {
            problems.push(format!("missing tag line `/// @{name} ...`"));
            None
        }
    };
    let scope = required("scope");
    let cloud_tag = required("clouds");
    let changes = required("changes-state");
    let example = required("example");

    let description = paragraphs(&prose);
    if description.is_empty() {
        problems.push("no description: the doc comment needs prose before the tag lines".into());
    }
    if description.contains("Scope `") {
        problems.push("the prose names a scope (`Scope `...``): the scope belongs in the `@scope` tag only".into());
    }

    let scopes: Vec<String> = scope.iter().flat_map(|s| s.split_whitespace().map(str::to_string)).collect();
    let mut card_clouds = Vec::new();
    if let Some(value) = &cloud_tag {
        if value == "all" {
            card_clouds = clouds.to_vec();
        } else {
            for cloud in value.split([' ', ',']).filter(|c| !c.is_empty()) {
                if clouds.iter().any(|c| c == cloud) {
                    card_clouds.push(cloud.to_string());
                } else {
                    problems.push(format!("`@clouds`: unknown cloud `{cloud}` (use `all` or some of: {})", clouds.join(" ")));
                }
            }
        }
    }
    let changes_state = match changes.as_deref() {
        Some("true") => true,
        Some("false") | None => false,
        Some(other) => {
            problems.push(format!("`@changes-state` must be `true` or `false`, not `{other}`"));
            false
        }
    };

    let mut auth = Vec::new();
    for kind in tag("auth").iter().flat_map(|v| v.split([' ', ',']).filter(|k| !k.is_empty()).map(str::to_string).collect::<Vec<_>>()) {
        if auths.contains(&kind) {
            auth.push(kind);
        } else {
            problems.push(format!("`@auth`: unknown auth `{kind}` (some of: {})", auths.join(" ")));
        }
    }

    if let Some(example) = &example {
        match serde_json::from_str::<serde_json::Value>(example) {
            Err(err) => problems.push(format!("`@example` is not valid JSON ({err}): {example}")),
            Ok(serde_json::Value::Object(object)) => {
                if let Some(fields) = input_fields {
                    let known: Vec<String> = fields.iter().map(|f| f.replace('-', "_")).collect();
                    for key in object.keys() {
                        if !known.contains(key) {
                            problems.push(format!("`@example` key `{key}` is not a field of the input (fields: {})", known.join(", ")));
                        }
                    }
                }
            }
            Ok(_) if input_fields.is_some() => problems.push(format!("`@example` must be a JSON object: {example}")),
            Ok(_) => {}
        }
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CardDoc {
        label: tag("label").unwrap_or_else(|| label_of(id)),
        endpoints: endpoints(&description),
        description,
        scopes,
        clouds: card_clouds,
        changes_state,
        example: example.unwrap_or_default(),
        auth,
    })
}

/// Prose lines joined into paragraphs (a blank line separates paragraphs).
pub fn paragraphs(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { " " });
        }
        blank = false;
        out.push_str(line);
    }
    out
}

/// Backticked spans that start with an HTTP method and a path.
pub fn endpoints(description: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (i, span) in description.split('`').enumerate() {
        if i % 2 == 1
            && METHODS.iter().any(|m| span.strip_prefix(m).is_some_and(|rest| rest.starts_with(" /")))
            && !found.iter().any(|f| f == span)
        {
            found.push(span.to_string());
        }
    }
    found
}

/// `list-ip-access-lists` → `List IP access lists`.
pub fn label_of(id: &str) -> String {
    let words: Vec<String> = id
        .split('-')
        .enumerate()
        .map(|(i, word)| match word {
            "ip" => "IP".to_string(),
            "oauth" => "OAuth".to_string(),
            "scim" => "SCIM".to_string(),
            "id" => "ID".to_string(),
            "api" => "API".to_string(),
            _ if i == 0 => {
                let mut chars = word.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
            _ => word.to_string(),
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clouds() -> Vec<String> {
        ["aws", "azure", "gcp", "aws-gov", "aws-gov-dod"].map(String::from).to_vec()
    }

    fn auths() -> Vec<String> {
        ["oauth-m2m", "oauth-u2m", "scim-token"].map(String::from).to_vec()
    }

    #[test]
    fn a_complete_doc_comment_parses() {
        let docs = "Delete a user.\n`DELETE /accounts/{account_id}/scim/v2/Users/{id}`.\n@scope scim\n@clouds aws gcp\n@changes-state true\n@example {\"id\": \"42\"}";
        let doc = parse("delete-ip-user", docs, &clouds(), &auths(), Some(&["id".to_string()])).unwrap();
        assert_eq!(doc.label, "Delete IP user");
        assert_eq!(doc.description, "Delete a user. `DELETE /accounts/{account_id}/scim/v2/Users/{id}`.");
        assert_eq!(doc.endpoints, ["DELETE /accounts/{account_id}/scim/v2/Users/{id}"]);
        assert_eq!((doc.scopes, doc.clouds, doc.changes_state), (vec!["scim".to_string()], vec!["aws".into(), "gcp".into()], true));
        assert_eq!(doc.example, "{\"id\": \"42\"}");
        let all =
            parse("x", "Do.\n@scope a b\n@clouds all\n@changes-state false\n@example {}\n@label Do it", &clouds(), &auths(), None).unwrap();
        assert_eq!((all.clouds.len(), all.scopes.len(), all.label.as_str()), (5, 2, "Do it"));
        assert!(all.auth.is_empty());
        let u2m = parse("x", "Do.\n@scope a\n@clouds all\n@changes-state false\n@example {}\n@auth oauth-u2m", &clouds(), &auths(), None);
        assert_eq!(u2m.unwrap().auth, ["oauth-u2m"]);
        let bad = parse("x", "Do.\n@scope a\n@clouds all\n@changes-state false\n@example {}\n@auth kerberos", &clouds(), &auths(), None);
        assert!(bad.unwrap_err()[0].contains("unknown auth `kerberos`"));
    }

    #[test]
    fn missing_or_wrong_metadata_is_reported_clearly() {
        let problems = parse("x", "List things. Scope `scim`. All clouds.", &clouds(), &auths(), None).unwrap_err();
        for needle in
            ["missing tag line `/// @scope", "`/// @clouds", "`/// @changes-state", "`/// @example", "belongs in the `@scope` tag"]
        {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
        }
        let docs = "Do.\n@scope s\n@clouds mars\n@changes-state maybe\n@example {\"nope\": 1}\n@owner me\nmore prose";
        let problems = parse("x", docs, &clouds(), &auths(), Some(&["user-name".to_string()])).unwrap_err();
        for needle in [
            "unknown cloud `mars`",
            "not `maybe`",
            "key `nope` is not a field of the input (fields: user_name)",
            "unknown tag `@owner`",
            "prose line after the tag lines",
        ] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
        }
        let problems =
            parse("x", "Do.\n@scope s\n@clouds all\n@changes-state true\n@example {oops}", &clouds(), &auths(), None).unwrap_err();
        assert!(problems[0].contains("`@example` is not valid JSON"), "{problems:?}");
    }
}
