//! Named example values (`wit/examples.json`): the IDs and codes of the fake account's Examples
//! seed that `@example` tags name as `{{name}}`, so that an ID is written once, in that file, and
//! both the card list and the fake account read it.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Examples(BTreeMap<String, String>);

impl Examples {
    pub fn read(path: &Path) -> Result<Examples, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let values = file["values"].as_object().ok_or_else(|| format!("{} has no `values` object", path.display()))?;
        let mut named = BTreeMap::new();
        for (name, entry) in values {
            let text = match &entry["value"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => return Err(format!("{}: `{name}` needs a string or number `value`, not {other}", path.display())),
            };
            named.insert(name.clone(), text);
        }
        Ok(Examples(named))
    }

    /// `text` with every `{{name}}` replaced by that value.
    pub fn fill(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let end = rest[start..].find("}}").ok_or("`{{` without `}}`")? + start;
            let name = &rest[start + 2..end];
            let value = self.0.get(name).ok_or_else(|| format!("no example value `{name}` in wit/examples.json"))?;
            out.push_str(&rest[..start]);
            out.push_str(value);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}
