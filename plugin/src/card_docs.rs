//! The doc-comment convention of `wit/` (`wit/README.md`): prose for people, then tag lines
//! (`@name value`) for machines. A card's tags (`@scope`, `@clouds`, `@changes-state`, `@example`,
//! optional `@label`, `@auth`) build its entry in the card list; a type's and a member's tags say
//! how it reads as Databricks' JSON and which values it accepts. `build.rs` parses every doc
//! comment of the package with this module; the crate's unit tests check its messages.

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const CARD_TAGS: &[&str] =
    &["scope", "clouds", "changes-state", "example", "label", "auth", "rate-class", "security-impact", "trigger", "if-exists"];

/// The rate classes a card can be paced by: Databricks limits each kind of account request
/// separately (account SCIM: GET 20/s, LIST 240/min, PATCH 2/s, POST/PUT/DELETE 5/s; other
/// account APIs are paced like the Go SDK's client, 15/s; the token endpoint throttles too).
/// `per-request`: a card that sends many requests of several kinds (`onboard-users`), which the
/// host paces one request at a time by each request's own class rather than once per run.
pub const RATE_CLASSES: &[&str] =
    &["scim-get", "scim-list", "scim-patch", "scim-write", "account-read", "account-write", "token", "per-request"];
/// Tags of a named type: `@json-case` (how Databricks spells its fields or cases), `@closed` (an
/// enum whose values the component itself produces, so Databricks cannot add one).
pub const TYPE_TAGS: &[&str] = &["json-case", "closed"];
/// Tags of a record field or a case: its JSON name, whether it is filled after decoding, whether
/// a list of key/value records is a JSON object on the wire, the values it accepts, which card
/// lists its choices (`@options`), and (on a `cloud` case) the account host.
pub const MEMBER_TAGS: &[&str] = &["json-name", "derived", "json-map", "format", "text", "range", "items", "options", "account-host"];
/// The spellings `@json-case` accepts (serde's `rename_all` names).
pub const JSON_CASES: &[&str] = &["camelCase", "snake_case", "SCREAMING_SNAKE_CASE", "lowercase", "kebab-case"];
/// The value formats `@format` accepts; each is a check in `validate.rs`.
pub const FORMATS: &[&str] = &[
    "uuid",
    "scim-id",
    "secret-id",
    "email",
    "ipv4-or-cidr",
    "id",
    "http-url",
    "https-url",
    "month",
    "iam-role-arn",
    "path-segment",
    "app-scope",
    "scim-attribute",
    "region",
    "s3-bucket",
    "kms-key-arn",
    "gcp-kms-key",
    "aws-vpc-endpoint-id",
    "ipv4-cidr",
    "deployment-name",
    "gcp-project-id",
    "dns-name",
];

/// A doc comment split into its prose (joined into paragraphs) and its tag lines.
#[derive(Debug, Default, PartialEq)]
pub struct Doc {
    pub prose: String,
    pub tags: Vec<(String, String)>,
}

impl Doc {
    /// A tag's value, when the tag is there.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Splits a doc comment; `known` are the tags allowed here. Problems are messages for the author.
pub fn split(docs: &str, known: &[&str]) -> (Doc, Vec<String>) {
    let mut problems = Vec::new();
    let mut prose: Vec<&str> = Vec::new();
    let mut tags: Vec<(String, String)> = Vec::new();
    for line in docs.lines() {
        let trimmed = line.trim();
        if let Some(tag) = trimmed.strip_prefix('@') {
            let (name, value) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
            if !known.contains(&name) {
                problems.push(format!("unknown tag `@{name}` (known here: {})", known.join(", ")));
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
    (Doc { prose: paragraphs(&prose), tags }, problems)
}

/// Reads `MIN..MAX`, `MIN..` or `..MAX` (integers).
pub fn bounds(value: &str) -> Option<(Option<i64>, Option<i64>)> {
    let (min, max) = value.split_once("..")?;
    let read = |s: &str| if s.trim().is_empty() { Some(None) } else { s.trim().replace('_', "").parse::<i64>().ok().map(Some) };
    let (min, max) = (read(min)?, read(max)?);
    match (min, max) {
        (None, None) => None,
        (Some(a), Some(b)) if a > b => None,
        bounds => Some(bounds),
    }
}

/// The machine-readable parts of one card's doc comment.
#[derive(Debug, PartialEq)]
pub struct CardDoc {
    pub label: String,
    pub description: String,
    pub endpoints: Vec<String>,
    pub scopes: Vec<String>,
    pub clouds: Vec<String>,
    pub changes_state: bool,
    /// The `@example` JSON as written (named example values are filled in by the caller).
    pub example: String,
    /// The `auth` cases the card works with (`@auth`); empty: any.
    pub auth: Vec<String>,
    /// What a host paces the card's runs by (`@rate-class`, else from its first endpoint).
    pub rate_class: String,
    /// What the card can do to the account's security (`@security-impact`): a flow builder's
    /// warning, such as "can lock every caller out of the account".
    pub security_impact: Option<String>,
    /// For a polling trigger (`@trigger <seconds>`): the least interval between two of its runs.
    pub trigger_interval_seconds: Option<i64>,
    /// What a create card does when the object exists already (`@if-exists`); every `create-`
    /// card must say.
    pub if_exists: Option<String>,
}

/// Parses the doc comment of card `id`. `clouds` are the case names `@clouds` accepts, `auths`
/// those `@auth` accepts; `input_fields`, when the input is a record, the WIT names its example's
/// keys must match. `example` is the `@example` text with named values filled in (the caller's
/// substitution; identity for tests). Errors are messages without the card's name.
pub fn parse(
    id: &str,
    docs: &str,
    clouds: &[String],
    auths: &[String],
    input_fields: Option<&[String]>,
    example_values: &dyn Fn(&str) -> Result<String, String>,
) -> Result<CardDoc, Vec<String>> {
    let (doc, mut problems) = split(docs, CARD_TAGS);
    let mut required = |name: &str| match doc.tag(name) {
        Some(v) if !v.is_empty() => Some(v.to_string()),
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

    let description = doc.prose.clone();
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
    for kind in doc.tag("auth").unwrap_or("").split([' ', ',']).filter(|k| !k.is_empty()) {
        if auths.iter().any(|a| a == kind) {
            auth.push(kind.to_string());
        } else {
            problems.push(format!("`@auth`: unknown auth `{kind}` (some of: {})", auths.join(" ")));
        }
    }

    let example = example.map(|text| example_values(&text)).transpose().unwrap_or_else(|problem| {
        problems.push(format!("`@example`: {problem}"));
        None
    });
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

    let endpoints = endpoints(&description);
    let rate_class = match doc.tag("rate-class") {
        Some(class) if RATE_CLASSES.contains(&class) => class.to_string(),
        Some(other) => {
            problems.push(format!("`@rate-class`: unknown class `{other}` (one of: {})", RATE_CLASSES.join(" ")));
            String::new()
        }
        None => rate_class_of(&endpoints).to_string(),
    };
    let security_impact = doc.tag("security-impact").map(str::to_string);
    if security_impact.as_deref() == Some("") {
        problems.push("`@security-impact` needs the impact in a few words".into());
    }

    let trigger_interval_seconds = doc.tag("trigger").and_then(|value| match value.parse::<i64>() {
        Ok(seconds) if seconds > 0 => Some(seconds),
        _ => {
            problems.push(format!("`@trigger` takes the least interval between runs in seconds, not `{value}`"));
            None
        }
    });

    let if_exists = doc.tag("if-exists").map(str::to_string);
    match &if_exists {
        Some(text) if text.is_empty() => problems.push("`@if-exists` needs what happens, in a sentence".into()),
        None if id.starts_with("create-") => {
            problems.push("a create card needs `/// @if-exists ...`: what it does when the object exists already".into())
        }
        _ => {}
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CardDoc {
        rate_class,
        if_exists,
        security_impact,
        trigger_interval_seconds,
        label: doc.tag("label").map_or_else(|| label_of(id), str::to_string),
        endpoints,
        description,
        scopes,
        clouds: card_clouds,
        changes_state,
        example: example.unwrap_or_default(),
        auth,
    })
}

/// The rate class of a card from the first endpoint it names that is not the token endpoint:
/// SCIM by method (a GET of one record or of a list), any other account API by whether it reads.
pub fn rate_class_of(endpoints: &[String]) -> &'static str {
    let Some(endpoint) = endpoints.iter().find(|e| !e.contains("/oidc/")) else {
        return "token";
    };
    let (method, path) = endpoint.split_once(' ').unwrap_or((endpoint, ""));
    match (path.contains("/scim/v2/"), method) {
        (true, "GET") if path.ends_with('}') => "scim-get",
        (true, "GET") => "scim-list",
        (true, "PATCH") => "scim-patch",
        (true, _) => "scim-write",
        (false, "GET") => "account-read",
        (false, _) => "account-write",
    }
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

    fn as_written(text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }

    fn card(id: &str, docs: &str, fields: Option<&[String]>) -> Result<CardDoc, Vec<String>> {
        parse(id, docs, &clouds(), &auths(), fields, &as_written)
    }

    #[test]
    fn a_complete_doc_comment_parses() {
        let docs = "Delete a user.\n`DELETE /accounts/{account_id}/scim/v2/Users/{id}`.\n@scope scim\n@clouds aws gcp\n@changes-state true\n@example {\"id\": \"42\"}";
        let doc = card("delete-ip-user", docs, Some(&["id".to_string()])).unwrap();
        assert_eq!(doc.label, "Delete IP user");
        assert_eq!(doc.description, "Delete a user. `DELETE /accounts/{account_id}/scim/v2/Users/{id}`.");
        assert_eq!(doc.endpoints, ["DELETE /accounts/{account_id}/scim/v2/Users/{id}"]);
        assert_eq!((doc.scopes, doc.clouds, doc.changes_state), (vec!["scim".to_string()], vec!["aws".into(), "gcp".into()], true));
        assert_eq!(doc.example, "{\"id\": \"42\"}");
        let all = card("x", "Do.\n@scope a b\n@clouds all\n@changes-state false\n@example {}\n@label Do it", None).unwrap();
        assert_eq!((all.clouds.len(), all.scopes.len(), all.label.as_str()), (5, 2, "Do it"));
        assert!(all.auth.is_empty());
        let u2m = card("x", "Do.\n@scope a\n@clouds all\n@changes-state false\n@example {}\n@auth oauth-u2m", None);
        assert_eq!(u2m.unwrap().auth, ["oauth-u2m"]);
        let bad = card("x", "Do.\n@scope a\n@clouds all\n@changes-state false\n@example {}\n@auth kerberos", None);
        assert!(bad.unwrap_err()[0].contains("unknown auth `kerberos`"));
    }

    #[test]
    fn the_rate_class_comes_from_the_first_endpoint_unless_tagged() {
        let class = |endpoints: &[&str]| rate_class_of(&endpoints.iter().map(|e| e.to_string()).collect::<Vec<_>>());
        assert_eq!(class(&["GET /accounts/{account_id}/scim/v2/Users"]), "scim-list");
        assert_eq!(class(&["GET /accounts/{account_id}/scim/v2/Users/{id}"]), "scim-get");
        assert_eq!(class(&["PATCH /accounts/{account_id}/scim/v2/Groups/{id}"]), "scim-patch");
        assert_eq!(class(&["DELETE /accounts/{account_id}/scim/v2/Users/{id}"]), "scim-write");
        assert_eq!(
            class(&["POST /oidc/accounts/{account_id}/v1/token", "GET /accounts/{account_id}/scim/v2/ServicePrincipals/{id}"]),
            "scim-get"
        );
        assert_eq!(class(&["GET /accounts/{account_id}/metastores"]), "account-read");
        assert_eq!(class(&["PUT /accounts/{account_id}/metastores/{metastore_id}"]), "account-write");
        assert_eq!(class(&["POST /oidc/accounts/{account_id}/v1/token"]), "token");
        let docs = "Do. `GET /accounts/{account_id}/scim/v2/Users`.\n@scope a\n@clouds all\n@changes-state false\n@example {}";
        assert_eq!(card("x", docs, None).unwrap().rate_class, "scim-list");
        let tagged = card("x", &format!("{docs}\n@rate-class scim-patch\n@security-impact can lock people out"), None).unwrap();
        assert_eq!((tagged.rate_class.as_str(), tagged.security_impact.as_deref()), ("scim-patch", Some("can lock people out")));
        let bad = card("x", &format!("{docs}\n@rate-class fast"), None).unwrap_err();
        assert!(bad[0].contains("unknown class `fast`"), "{bad:?}");
        assert_eq!(card("x", docs, None).unwrap().trigger_interval_seconds, None);
        assert_eq!(card("x", &format!("{docs}\n@trigger 300"), None).unwrap().trigger_interval_seconds, Some(300));
        assert!(card("create-x", docs, None).unwrap_err()[0].contains("needs `/// @if-exists"));
        let create = card("create-x", &format!("{docs}\n@if-exists a second one is made"), None).unwrap();
        assert_eq!(create.if_exists.as_deref(), Some("a second one is made"));
        let bad = card("x", &format!("{docs}\n@trigger often"), None).unwrap_err();
        assert!(bad[0].contains("`@trigger` takes the least interval"), "{bad:?}");
    }

    #[test]
    fn missing_or_wrong_metadata_is_reported_clearly() {
        let problems = card("x", "List things. Scope `scim`. All clouds.", None).unwrap_err();
        for needle in
            ["missing tag line `/// @scope", "`/// @clouds", "`/// @changes-state", "`/// @example", "belongs in the `@scope` tag"]
        {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
        }
        let docs = "Do.\n@scope s\n@clouds mars\n@changes-state maybe\n@example {\"nope\": 1}\n@owner me\nmore prose";
        let problems = card("x", docs, Some(&["user-name".to_string()])).unwrap_err();
        for needle in [
            "unknown cloud `mars`",
            "not `maybe`",
            "key `nope` is not a field of the input (fields: user_name)",
            "unknown tag `@owner`",
            "prose line after the tag lines",
        ] {
            assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
        }
        let problems = card("x", "Do.\n@scope s\n@clouds all\n@changes-state true\n@example {oops}", None).unwrap_err();
        assert!(problems[0].contains("`@example` is not valid JSON"), "{problems:?}");
    }

    #[test]
    fn example_values_are_filled_in_before_the_example_is_read() {
        let fill = |text: &str| -> Result<String, String> {
            if text.contains("{{nope}}") { Err("no example value `nope`".into()) } else { Ok(text.replace("{{ada}}", "4211")) }
        };
        let docs = "Get.\n@scope s\n@clouds all\n@changes-state false\n@example {\"id\": \"{{ada}}\"}";
        let doc = parse("x", docs, &clouds(), &auths(), Some(&["id".to_string()]), &fill).unwrap();
        assert_eq!(doc.example, "{\"id\": \"4211\"}");
        let docs = "Get.\n@scope s\n@clouds all\n@changes-state false\n@example {\"id\": \"{{nope}}\"}";
        let problems = parse("x", docs, &clouds(), &auths(), None, &fill).unwrap_err();
        assert_eq!(problems, ["`@example`: no example value `nope`"]);
    }

    #[test]
    fn member_tags_and_bounds() {
        let (doc, problems) = split("The metastore's ID.\n@format uuid\n@text 1..255", MEMBER_TAGS);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((doc.prose.as_str(), doc.tag("format"), doc.tag("text")), ("The metastore's ID.", Some("uuid"), Some("1..255")));
        let (_, problems) = split("An ID.\n@scope x", MEMBER_TAGS);
        assert!(problems[0].contains("unknown tag `@scope`"), "{problems:?}");
        assert_eq!(bounds("1..255"), Some((Some(1), Some(255))));
        assert_eq!(bounds("1.."), Some((Some(1), None)));
        assert_eq!(bounds("..10_000"), Some((None, Some(10_000))));
        for bad in ["", "..", "5..1", "a..b", "12"] {
            assert_eq!(bounds(bad), None, "{bad}");
        }
    }
}
