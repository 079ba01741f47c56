//! The requests every family answers the same way — get one, list, delete — as routes served
//! from one collection of the account state, so a family's module holds only what is its own.
//! A family whose items live under a parent (a service principal's federation policies, a
//! metastore's storage credentials) serves them from the parent's own collection, once the
//! parent is found.

use crate::collection::Collection;
use crate::common::{Account, Answer, Params};
use crate::state::{AccountState, Shared};
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use axum::routing::{self, MethodRouter};
use std::sync::Arc;

/// Which collection of the account state a route serves, e.g. `|s| &mut s.ip_lists`.
pub type Pick = fn(&mut AccountState) -> &mut Collection;

/// Which collection under the parent `{parent}` of the path a route serves; the parent's own
/// answer (a 404) when there is no such parent.
pub type PickUnder = for<'s> fn(&'s mut AccountState, &str) -> Result<&'s mut Collection, Response>;

/// `GET` of the collection: its list answer.
pub fn list(pick: Pick) -> MethodRouter<Arc<Shared>> {
    routing::get(
        move |Account(shared): Account, RawQuery(query): RawQuery| async move { pick(&mut shared.state()).list(&Params::parse(query)) },
    )
}

/// `GET` of one item, the `{id}` of the path.
pub fn item(pick: Pick) -> MethodRouter<Arc<Shared>> {
    routing::get(move |Account(shared): Account, Path((_, id)): Path<(String, String)>| async move { get(&shared, pick, &id) })
}

/// `GET` and `DELETE` of one item.
pub fn deletable(pick: Pick) -> MethodRouter<Arc<Shared>> {
    item(pick)
        .delete(move |Account(shared): Account, Path((_, id)): Path<(String, String)>| async move { pick(&mut shared.state()).delete(&id) })
}

fn get(shared: &Shared, pick: Pick, id: &str) -> Answer {
    let mut state = shared.state();
    let collection = pick(&mut state);
    let item = collection.get(id)?.clone();
    Ok(collection.answer(item))
}

/// `GET` of the collection under a parent.
pub fn list_under(pick: PickUnder) -> MethodRouter<Arc<Shared>> {
    routing::get(move |Account(shared): Account, Path((_, parent)): Path<(String, String)>, RawQuery(query): RawQuery| async move {
        Ok::<_, Response>(pick(&mut shared.state(), &parent)?.list(&Params::parse(query)))
    })
}

/// `GET` of one item under a parent.
pub fn item_under(pick: PickUnder) -> MethodRouter<Arc<Shared>> {
    routing::get(move |Account(shared): Account, Path((_, parent, id)): Path<(String, String, String)>| async move {
        let mut state = shared.state();
        let collection = pick(&mut state, &parent)?;
        let item = collection.get(&id)?.clone();
        Ok::<_, Response>(collection.answer(item))
    })
}

/// `GET` and `DELETE` of one item under a parent.
pub fn deletable_under(pick: PickUnder) -> MethodRouter<Arc<Shared>> {
    item_under(pick).delete(move |Account(shared): Account, Path((_, parent, id)): Path<(String, String, String)>| async move {
        pick(&mut shared.state(), &parent)?.delete(&id)
    })
}
