//! `page_token` lists: one page, or every page up to a limit. Databricks may answer an
//! empty page that still carries a token (it is followed), and starts again at page one
//! on a token it does not recognise, so a repeated token stops the walk with an error
//! instead of looping.

use super::errors;
use crate::progress::{self, Progress};
use crate::validate;
use crate::wit::{ApiError, CardError, TokenPaging};
use std::collections::HashSet;

/// Databricks' largest and default page for these lists.
const MAX_PAGE: u32 = 100;
const DEFAULT_LIMIT: u32 = 10_000;

/// One page as a fetch returns it: the items and the next page's token.
pub type Fetched<T> = (Vec<T>, Option<String>);

/// What the walk read, and the token to resume from when more remains.
pub struct TokenPage<T> {
    pub items: Vec<T>,
    pub next_page_token: Option<String>,
}

/// Reads pages with `fetch(page_token, page_size) -> (items, next_page_token)`.
pub fn read<T>(
    paging: Option<&TokenPaging>,
    mut fetch: impl FnMut(Option<&str>, u32) -> Result<Fetched<T>, CardError>,
) -> Result<TokenPage<T>, CardError> {
    let (start, page_size, all, limit) = match paging {
        Some(p) => (p.page_token.clone(), p.page_size, p.all_pages.unwrap_or(false), p.limit),
        None => (None, None, false, None),
    };
    // The page size and limit were checked with the input (`token-paging`'s tags).
    if start.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(validate::invalid("paging.page-token", "must not be blank; leave it out for the first page"));
    }
    let (page_size, limit) = (page_size.unwrap_or(MAX_PAGE), limit.unwrap_or(DEFAULT_LIMIT));
    let mut token = start;
    let mut seen = HashSet::new();
    let mut items: Vec<T> = Vec::new();
    let mut pages = 0u32;
    loop {
        // Never ask for more than the limit leaves, so the next token resumes exactly.
        let wanted = if all { page_size.min(limit - items.len() as u32) } else { page_size };
        let (page, next) = fetch(token.as_deref(), wanted).map_err(|error| match pages {
            0 => error,
            _ => errors::with_prefix(error, &format!("listing stopped after {} records in {pages} pages: ", items.len())),
        })?;
        pages += 1;
        items.extend(page);
        if all {
            progress::report(&Progress::Page { pages, records: items.len() as u32, total: None });
        }
        let next = next.filter(|t| !t.is_empty());
        let done = !all || next.is_none() || items.len() as u32 >= limit;
        if done {
            return Ok(TokenPage { items, next_page_token: next });
        }
        if let Some(next) = &next
            && !seen.insert(next.clone())
        {
            return Err(CardError::Upstream(ApiError {
                status: 200,
                error_code: None,
                message: format!("Databricks returned the same page token twice after {} records; stopped instead of looping", items.len()),
                request_id: None,
            }));
        }
        token = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(all: bool, limit: Option<u32>, page_size: Option<u32>) -> TokenPaging {
        TokenPaging { page_token: None, page_size, all_pages: Some(all), limit }
    }

    /// A list of `total` numbers served in pages; the token is the next offset.
    fn server(total: u32) -> impl FnMut(Option<&str>, u32) -> Result<Fetched<u32>, CardError> {
        move |token, size| {
            let from: u32 = token.map_or(0, |t| t.parse().unwrap());
            let to = (from + size).min(total);
            Ok(((from..to).collect(), (to < total).then(|| to.to_string())))
        }
    }

    #[test]
    fn one_page_by_default_with_the_token_to_resume() {
        let page = read(None, server(250)).unwrap();
        assert_eq!(page.items.len(), 100);
        assert_eq!(page.next_page_token.as_deref(), Some("100"));
    }

    #[test]
    fn every_page_up_to_the_limit_without_overshooting() {
        let all = read(Some(&paging(true, None, None)), server(250)).unwrap();
        assert_eq!((all.items.len(), all.next_page_token), (250, None));
        let limited = read(Some(&paging(true, Some(130), None)), server(250)).unwrap();
        assert_eq!(limited.items, (0..130).collect::<Vec<_>>());
        assert_eq!(limited.next_page_token.as_deref(), Some("130"), "resumes exactly after the limit");
    }

    #[test]
    fn empty_pages_with_a_token_are_followed_and_repeated_tokens_stop() {
        let mut calls = 0;
        let page = read(Some(&paging(true, None, None)), |token, _| {
            calls += 1;
            Ok(match token {
                None => (vec![], Some("a".into())),
                Some("a") => (vec![1], Some("b".into())),
                _ => (vec![2], None),
            })
        })
        .unwrap();
        assert_eq!((page.items, calls), (vec![1, 2], 3));
        let looping = read(Some(&paging(true, None, None)), |_, _| Ok((vec![1], Some("same".into()))));
        assert!(matches!(looping, Err(CardError::Upstream(e)) if e.message.contains("same page token twice")));
    }

    #[test]
    fn a_failure_after_the_first_page_says_how_far_it_got() {
        let result = read(Some(&paging(true, None, Some(10))), |token, _| match token {
            None => Ok((vec![0; 10], Some("x".into()))),
            Some(_) => Err(CardError::Transport("reset".into())),
        });
        assert!(matches!(result, Err(CardError::Transport(m)) if m == "listing stopped after 10 records in 1 pages: reset"));
        // The page size is checked with the input, by `token-paging`'s tags.
        use crate::validate::Check;
        let error = paging(true, None, Some(101)).check("paging").unwrap_err();
        assert!(matches!(error, CardError::InvalidInput(f) if f.field == "paging.page-size"));
    }
}
