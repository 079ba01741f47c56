//! SCIM filters (RFC 7644 §3.4.2.2) as Databricks' account SCIM supports them:
//! `eq`, `ne`, `co`, `sw`, `ew`, `pr`, `gt`/`ge`/`lt`/`le`, joined with `and` / `or`,
//! grouped with parentheses, negated with `not`. Attribute names are case-insensitive;
//! string comparison is case-insensitive (SCIM's default for `caseExact: false`).

use serde_json::Value;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare { path: String, op: Op, value: Value },
    Present(String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Databricks refuses filters with more than 200 nodes (`INVALID_FILTER`).
const MAX_NODES: usize = 200;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('\\') => match chars.next() {
                            Some(escaped) => s.push(escaped),
                            None => return Err("unterminated string".into()),
                        },
                        Some(ch) if ch == quote => break,
                        Some(ch) => s.push(ch),
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '"' || ch == '\'' {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    nodes: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn count(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES { Err(format!("more than {MAX_NODES} filter nodes")) } else { Ok(()) }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.pos += 1;
            self.count()?;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.pos += 1;
            self.count()?;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        self.count()?;
        if self.peek_word().as_deref() == Some("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            if self.tokens.get(self.pos) != Some(&Token::Close) {
                return Err("missing closing parenthesis".into());
            }
            self.pos += 1;
            return Ok(inner);
        }
        let path = match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => w.clone(),
            other => return Err(format!("expected an attribute, found {other:?}")),
        };
        self.pos += 1;
        let op = self.peek_word().ok_or("expected an operator")?;
        self.pos += 1;
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("unknown operator {other}")),
        };
        let value = match self.tokens.get(self.pos) {
            Some(Token::Str(s)) => Value::String(s.clone()),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => match w.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => return Err(format!("expected a value, found {w}")),
                },
            },
            other => return Err(format!("expected a value, found {other:?}")),
        };
        self.pos += 1;
        Ok(Filter::Compare { path, op, value })
    }
}

/// Parses a filter; the error text goes into a SCIM `invalidFilter` answer.
pub fn parse(text: &str) -> Result<Filter, String> {
    let mut parser = Parser { tokens: tokenize(text)?, pos: 0, nodes: 0 };
    let filter = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err("unexpected text after the filter".into());
    }
    Ok(filter)
}

/// The values at an attribute path (`userName`, `name.givenName`, `emails.value`,
/// `members.value`): several when the path crosses a multi-valued attribute.
pub fn values_at<'a>(resource: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![resource];
    for part in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(found) = item.as_object().and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(part))) {
                    next.push(found.1);
                }
            }
        }
        current = next;
    }
    // A multi-valued attribute without a sub-attribute compares its `value`s.
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().map(|i| i.get("value").unwrap_or(i)).collect(),
            other => vec![other],
        })
        .collect()
}

fn compare(actual: &Value, op: Op, expected: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (actual, expected) {
        (Value::String(a), Value::String(b)) => {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            match op {
                Op::Co => return a.contains(&b),
                Op::Sw => return a.starts_with(&b),
                Op::Ew => return a.ends_with(&b),
                _ => a.cmp(&b),
            }
        }
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        // Databricks stores some booleans and numbers as strings; compare their text.
        (Value::Bool(a), Value::String(b)) | (Value::String(b), Value::Bool(a)) => a.to_string().cmp(&b.to_lowercase()),
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            _ => return false,
        },
        (Value::String(a), Value::Number(b)) => a.cmp(&b.to_string()),
        _ => return false,
    };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

impl Filter {
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::Present(path) => values_at(resource, path).iter().any(|v| match v {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            }),
            // `ne` holds when no value equals (and when the attribute is absent).
            Filter::Compare { path, op: Op::Ne, value } => !values_at(resource, path).iter().any(|v| compare(v, Op::Eq, value)),
            Filter::Compare { path, op, value } => values_at(resource, path).iter().any(|v| compare(v, *op, value)),
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"id": "1", "userName": "Ada@Example.com", "name": {"givenName": "Ada"}, "active": true,
               "emails": [{"value": "ada@example.com", "primary": true}], "roles": [{"value": "account_admin"}]})
    }

    fn m(filter: &str) -> bool {
        parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(&user())
    }

    #[test]
    fn operators() {
        assert!(m(r#"userName eq "ada@example.com""#), "case-insensitive values");
        assert!(m(r#"USERNAME eq 'ada@example.com'"#), "case-insensitive names, single quotes");
        assert!(!m(r#"userName ne "ada@example.com""#));
        assert!(m(r#"userName co "example""#));
        assert!(m(r#"userName sw "ada""#));
        assert!(m(r#"userName ew ".com""#));
        assert!(m("name.givenName pr"));
        assert!(!m("externalId pr"));
        assert!(m(r#"externalId ne "x""#), "ne holds for an absent attribute");
        assert!(m("active eq true"));
        assert!(m(r#"emails.value eq "ada@example.com""#));
        assert!(m(r#"emails eq "ada@example.com""#));
        assert!(m(r#"roles.value eq "account_admin""#));
    }

    #[test]
    fn logic_and_grouping() {
        assert!(m(r#"userName sw "ada" and active eq true"#));
        assert!(m(r#"userName sw "bob" or active eq true"#));
        assert!(!m(r#"userName sw "bob" and (active eq true or id eq "1")"#));
        assert!(m(r#"not (userName sw "bob")"#));
        // and binds tighter than or
        assert!(m(r#"id eq "1" or userName sw "bob" and active eq false"#));
    }

    #[test]
    fn invalid_filters_are_refused() {
        for bad in ["", "userName", "userName eq", "userName foo \"x\"", "(userName pr", "userName eq \"x", "userName pr extra"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let huge = vec![r#"id eq "1""#; 150].join(" or ");
        assert!(parse(&huge).is_err(), "more than 200 nodes");
    }
}
