//! Okta-style searches over account SCIM: one attribute compared with a value, a custom
//! filter, or both, turned into a SCIM `filter`; the result mode becomes the paging.

use crate::client::scim::{self, Page, Resource, ScimRecord, literal};
use crate::client::{Session, not_found};
use crate::validate::invalid;
use crate::wit::identity::*;
use crate::wit::{AllPages, PageRequest};
use crate::wit::{CardError, PageSelection, ScimListInput, SortOrder};

/// Records a search returns when the input names no result mode.
const DEFAULT_FIRST: u32 = 100;

fn operator(op: Option<MatchOperator>) -> &'static str {
    match op.unwrap_or(MatchOperator::Equals) {
        MatchOperator::Equals => "eq",
        MatchOperator::NotEquals => "ne",
        MatchOperator::Contains => "co",
        MatchOperator::StartsWith => "sw",
    }
}

/// The SCIM filter of a search: `attribute op "value"`, a custom filter, or both. A custom
/// filter starting with `or ` matches either; otherwise (or after `and `) both must hold.
pub fn filter(
    (value_field, attribute): (&str, &str),
    value: Option<&str>,
    op: Option<MatchOperator>,
    custom: Option<&str>,
) -> Result<String, CardError> {
    if value.is_some_and(|v| v.trim().is_empty()) {
        return Err(invalid(value_field, "must not be blank; leave it out to search by the custom filter only"));
    }
    if value.is_some_and(|v| v.chars().any(char::is_control)) {
        return Err(invalid(value_field, "must not contain control characters"));
    }
    let condition = value.map(|v| format!("{attribute} {} {}", operator(op), literal(v)));
    let custom = match custom.map(str::trim) {
        Some("") => return Err(invalid("custom-filter", "must not be blank; leave it out to search by value only")),
        Some(f) if !balanced(f) => {
            // `x) or (y` would close the parentheses the value's condition is joined with.
            return Err(invalid("custom-filter", "has unbalanced parentheses or quotes; each ( needs its ) and each \" its closing \""));
        }
        other => other,
    };
    // `get` rather than slicing: a filter may start with non-ASCII text.
    let joined =
        |prefix: &str, rest: &str| rest.len() > prefix.len() && rest.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    match (condition, custom) {
        (None, None) => Err(invalid(value_field, "give a value to search for, a custom-filter, or both")),
        (Some(c), None) => Ok(c),
        (None, Some(f)) if joined("or ", f) || joined("and ", f) => {
            Err(invalid("custom-filter", "starts with and/or but there is no value to join it to"))
        }
        (None, Some(f)) => Ok(f.to_string()),
        (Some(c), Some(f)) if joined("or ", f) => Ok(format!("({c}) or ({})", f[3..].trim())),
        (Some(c), Some(f)) if joined("and ", f) => Ok(format!("({c}) and ({})", f[4..].trim())),
        (Some(c), Some(f)) => Ok(format!("({c}) and ({f})")),
    }
}

/// Whether a filter's parentheses close in order, and its string literals end, outside
/// literals (`"a \" (b"` holds no parenthesis): then wrapping it in `( … )` keeps it whole.
fn balanced(filter: &str) -> bool {
    let (mut depth, mut in_literal, mut escaped) = (0u32, false, false);
    for c in filter.chars() {
        match (in_literal, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_literal = false,
            (true, false, _) => {}
            (false, _, '"') => in_literal = true,
            (false, _, '(') => depth += 1,
            (false, _, ')') if depth == 0 => return false,
            (false, _, ')') => depth -= 1,
            (false, _, _) => {}
        }
    }
    depth == 0 && !in_literal
}

/// The paging of a result mode: one record, the first N, or every match up to a limit.
fn pages(mode: Option<SearchResultMode>) -> Result<PageSelection, CardError> {
    let first = |count| PageSelection::Page(PageRequest { start_index: Some(1), count: Some(count) });
    Ok(match mode {
        None => first(DEFAULT_FIRST),
        Some(SearchResultMode::FirstMatch) => first(1),
        Some(SearchResultMode::First(n)) => first(n),
        Some(SearchResultMode::All(limit)) => {
            PageSelection::All(AllPages { limit: Some(limit), page_size: Some(scim::MAX_PAGE), partial_results: Some(false) })
        }
    })
}

/// Runs a search and reports whether the mode or limit left matches out.
fn search<T: ScimRecord>(
    s: &Session,
    resource: Resource,
    filter: String,
    sort_by: Option<&str>,
    sort_order: Option<SortOrder>,
    mode: Option<SearchResultMode>,
) -> Result<(Vec<T>, u32, bool), CardError> {
    let input = ScimListInput {
        filter: Some(filter),
        sort_by: sort_by.map(str::to_string),
        sort_order,
        attributes: None,
        excluded_attributes: None,
        pages: Some(pages(mode)?),
    };
    let page: Page<T> = scim::list_with_raw(s, resource, &input)?;
    let truncated = page.next_start_index.is_some() || page.total_results as usize > page.resources.len();
    Ok((page.resources, page.total_results, truncated))
}

pub fn search_users(s: &Session, input: SearchUsersInput) -> Result<UserSearchResult, CardError> {
    let attribute = match input.search_by.unwrap_or(UserSearchField::UserName) {
        UserSearchField::UserName => "userName",
        UserSearchField::Email => "emails.value",
        UserSearchField::DisplayName => "displayName",
        UserSearchField::ExternalId => "externalId",
    };
    let filter = filter(("value", attribute), input.value.as_deref(), input.operator, input.custom_filter.as_deref())?;
    let sort_by = input.sort_by.map(|f| match f {
        UserSortField::UserName => "userName",
        UserSortField::DisplayName => "displayName",
        UserSortField::Id => "id",
    });
    let (users, total_results, truncated) = search(s, Resource::Users, filter, sort_by, input.sort_order, input.result_mode)?;
    Ok(UserSearchResult { users, total_results, truncated })
}

pub fn search_groups(s: &Session, input: SearchGroupsInput) -> Result<GroupSearchResult, CardError> {
    let filter = filter(("display-name", "displayName"), input.display_name.as_deref(), input.operator, input.custom_filter.as_deref())?;
    let sort_by = input.sort_by.map(|f| match f {
        GroupSortField::DisplayName => "displayName",
        GroupSortField::Id => "id",
    });
    let (mut groups, total_results, truncated) =
        search::<Group>(s, Resource::Groups, filter, sort_by, input.sort_order, input.result_mode)?;
    if input.include_members == Some(true) {
        // Databricks' group list leaves members out: read each group for them.
        for group in &mut groups {
            *group = scim::get(s, Resource::Groups, &group.id)?;
        }
    }
    Ok(GroupSearchResult { groups, total_results, truncated })
}

pub fn read_user_by_email(s: &Session, input: ReadUserByEmailInput) -> Result<User, CardError> {
    // The user name is the sign-in address and unique; other addresses are a fallback.
    for attribute in ["userName", "emails.value"] {
        let filter = format!("{attribute} eq {}", literal(&input.email));
        let (users, _, _) = search::<User>(s, Resource::Users, filter, None, None, Some(SearchResultMode::FirstMatch))?;
        if let Some(user) = users.into_iter().next() {
            return Ok(user);
        }
    }
    Err(not_found(format!("no user of the account has the e-mail address {}", input.email)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(value: Option<&str>, op: Option<MatchOperator>, custom: Option<&str>) -> Result<String, CardError> {
        filter(("value", "userName"), value, op, custom)
    }

    #[test]
    fn a_value_becomes_one_escaped_comparison() {
        assert_eq!(f(Some("ada@example.com"), None, None).unwrap(), r#"userName eq "ada@example.com""#);
        assert_eq!(f(Some("ad"), Some(MatchOperator::StartsWith), None).unwrap(), r#"userName sw "ad""#);
        assert_eq!(f(Some("x"), Some(MatchOperator::NotEquals), None).unwrap(), r#"userName ne "x""#);
        assert_eq!(f(Some("x"), Some(MatchOperator::Contains), None).unwrap(), r#"userName co "x""#);
        // A quote in the value cannot close the literal and inject `or true`.
        assert_eq!(f(Some(r#"a" or userName pr or "\"#), None, None).unwrap(), r#"userName eq "a\" or userName pr or \"\\""#);
    }

    #[test]
    fn a_custom_filter_joins_with_and_unless_it_says_or() {
        assert_eq!(f(None, None, Some("active eq false")).unwrap(), "active eq false");
        assert_eq!(f(Some("a"), None, Some("active eq false")).unwrap(), r#"(userName eq "a") and (active eq false)"#);
        assert_eq!(f(Some("a"), None, Some("and active eq false")).unwrap(), r#"(userName eq "a") and (active eq false)"#);
        assert_eq!(f(Some("a"), None, Some("OR displayName co \"b\"")).unwrap(), r#"(userName eq "a") or (displayName co "b")"#);
    }

    #[test]
    fn nothing_to_search_for_or_a_dangling_join_is_refused() {
        let field = |r: Result<String, CardError>| match r {
            Err(CardError::InvalidInput(e)) => e.field,
            other => panic!("expected invalid input, got {other:?}"),
        };
        assert_eq!(field(f(None, None, None)), "value");
        assert_eq!(field(f(Some("  "), None, None)), "value");
        assert_eq!(field(f(None, None, Some(" "))), "custom-filter");
        assert_eq!(field(f(None, None, Some("or active eq true"))), "custom-filter");
        for escape in ["active eq true) or (userName pr", ") or (", "(a eq \"b\"", "a eq \"b"] {
            assert_eq!(field(f(Some("a"), None, Some(escape))), "custom-filter", "{escape}");
        }
        assert_eq!(f(Some("a"), None, Some("(x eq \")\") and y pr")).unwrap(), r#"(userName eq "a") and ((x eq ")") and y pr)"#);
    }

    #[test]
    fn result_modes_become_paging() {
        assert!(matches!(pages(None).unwrap(), PageSelection::Page(PageRequest { count: Some(100), .. })));
        assert!(matches!(pages(Some(SearchResultMode::FirstMatch)).unwrap(), PageSelection::Page(PageRequest { count: Some(1), .. })));
        assert!(matches!(pages(Some(SearchResultMode::All(250))).unwrap(), PageSelection::All(AllPages { limit: Some(250), .. })));
        // Out-of-range modes never get here: `search-result-mode`'s tags refuse them first.
        use crate::validate::Check;
        assert!(SearchResultMode::First(101).check("result-mode").is_err());
        assert!(SearchResultMode::All(0).check("result-mode").is_err());
        assert!(SearchResultMode::All(10_000).check("result-mode").is_ok());
    }

    #[test]
    fn a_non_ascii_custom_filter_is_text_not_a_panic() {
        assert_eq!(f(Some("a"), None, Some("é displayName pr")).unwrap(), r#"(userName eq "a") and (é displayName pr)"#);
        assert_eq!(f(None, None, Some("oré")).unwrap(), "oré");
    }
}
