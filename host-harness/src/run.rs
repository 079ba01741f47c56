//! One card run, from JSON in to JSON out: the arguments mapped to the card's WIT types, the
//! outbound policy, a store (new, or a warm one), the call under the run's time limit, failures
//! classified, the `result` mapped back, and the store kept warm or dropped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use wasmtime::component::types::Type;
use wasmtime::component::{Instance, InstancePre, Val};
use wasmtime::{Store, Trap};

use crate::cards::{CardSignature, ParamRole};
use crate::config::RunOptions;
use crate::error::HarnessError;
use crate::harness::Inner;
use crate::outbound;
use crate::outcome::CardOutcome;
use crate::pacing::RequestPacing;
use crate::phases::{ResponseWaits, RunPhases};
use crate::policy::OutboundPolicy;
use crate::runtime;
use crate::state::RunState;
use crate::values::{ValueError, json_to_val, val_into_json};

/// Runs `card_id` on the harness's component; see [`Harness::run`](crate::Harness::run).
pub(crate) async fn run(
    harness: &Inner,
    card_id: &str,
    connection: &Value,
    input: &Value,
    options: &RunOptions,
) -> Result<(CardOutcome, RunPhases), HarnessError> {
    let run_started = Instant::now();
    let card = harness.card(card_id).ok_or_else(|| HarnessError::UnknownCard(card_id.to_string()))?;
    let args = arguments(card, connection, input)?;

    // Wait for the account's pace, then for a run slot: a run that cannot start within its time
    // limit ends here, having sent nothing.
    let request_pacing = pace(harness, card_id, connection, run_started, options).await?;
    let _slot = harness.admission.enter(run_started, options.time_limit).await?;

    let policy = match &options.allowed_origins {
        Some(origins) => OutboundPolicy::with_origins(card_id, origins).map_err(HarnessError::Policy)?,
        None => OutboundPolicy::for_connection(card_id, connection, &*harness.account_hosts().await),
    };

    let warm_key = harness.warm.key(connection, options);
    let (mut store, instance) = match warm_key.as_ref().and_then(|key| harness.warm.take(key)) {
        Some((mut store, instance)) => {
            store.data_mut().set_policy(Arc::new(policy));
            (store, Some(instance))
        }
        None => (runtime::new_store(&harness.engine, Arc::new(policy), options.memory_limit, options.time_limit), None),
    };
    store.set_epoch_deadline(runtime::ticks(options.time_limit));
    store.data().set_on_progress(options.on_progress.clone());

    let started = Instant::now();
    let running = call(&harness.pre, &mut store, instance, card, &args);
    let waits = ResponseWaits::default();
    let scope = outbound::RunScope::new(harness.connections.clone(), harness.tokens.clone(), waits.clone(), request_pacing);
    let within_run = outbound::within_run(scope, running);
    // The epoch deadline stops guest code that computes; this stops a run that awaits the network.
    let called = tokio::time::timeout(options.time_limit, within_run).await;
    let returned = Instant::now();
    let elapsed = returned - started;
    let mut phases =
        RunPhases { harness_in: started - run_started, call: elapsed, awaiting_responses: waits.total(), harness_out: Duration::ZERO };
    // An idle warm instance holds no embedder's listener.
    store.data().set_on_progress(None);
    let stderr = store.data().stderr();
    if !stderr.is_empty() {
        tracing::debug!(card = card_id, "guest stderr: {stderr}");
    }

    // Every way out of this match but a returned result drops the store: a trap, a timeout
    // or a memory overrun never leaves a warm instance behind.
    let (result, instance) = match called {
        Err(_elapsed) => return Err(HarnessError::TimeLimit(options.time_limit)),
        Ok(Err(CallError::Instantiate(err))) => {
            return Err(HarnessError::Internal(format!("cannot instantiate the component: {err:#}")));
        }
        Ok(Err(CallError::Call(err))) => {
            return Err(classify(err, &store, options, &stderr));
        }
        Ok(Ok(done)) => done,
    };
    tracing::debug!(card = card_id, ?elapsed, "card run finished");

    let outcome = outcome(result, card)?;
    if let Some(key) = warm_key {
        harness.warm.give_back(key, store, instance, outcome.is_ok());
    }
    phases.harness_out = returned.elapsed();
    Ok((outcome, phases))
}

/// Waits for this run's slot in its account's schedule (see `pacing`), unless pacing is off. A
/// card of the `per-request` class is not paced as a run: each of its requests is, by its own
/// class, and what that needs is returned for the run's scope.
async fn pace(
    harness: &Inner,
    card_id: &str,
    connection: &Value,
    asked: Instant,
    options: &RunOptions,
) -> Result<Option<RequestPacing>, HarnessError> {
    let Some(pacer) = &harness.pacer else { return Ok(None) };
    let class = harness.rate_class(card_id).await;
    let account = crate::pacing::account_key(connection);
    if class == crate::pacing::PER_REQUEST {
        return Ok(Some(RequestPacing { pacer: Arc::clone(pacer), account }));
    }
    let wait = pacer.reserve(&account, &class).await.map_err(|e| HarnessError::Internal(format!("{e:#}")))?;
    if asked.elapsed() + wait >= options.time_limit {
        return Err(HarnessError::Busy(format!(
            "this account's `{class}` requests are paced; this run's turn comes in {:.1} s, after its time limit of {:?}",
            wait.as_secs_f64(),
            options.time_limit
        )));
    }
    if !wait.is_zero() {
        tracing::debug!(card = card_id, class, ?wait, "paced");
        tokio::time::sleep(wait).await;
    }
    Ok(None)
}

/// The card's arguments in its parameter order: the connection and the input, each mapped to
/// its WIT type.
fn arguments(card: &CardSignature, connection: &Value, input: &Value) -> Result<Vec<Val>, HarnessError> {
    let mut args = Vec::with_capacity(card.params.len());
    for (_, ty, role) in &card.params {
        let (json, root) = match role {
            ParamRole::Connection => (connection, "connection"),
            ParamRole::Input => (input, "input"),
        };
        args.push(json_to_val(json, ty, root)?);
    }
    // A card without an input parameter still accepts the CLI's default `{}` (or `null`).
    if card.input_type().is_none() && !(input.is_null() || input.as_object().is_some_and(|o| o.is_empty())) {
        return Err(ValueError { path: "input".into(), message: "this card takes no input".into() }.into());
    }
    Ok(args)
}

/// How a call failed: before the card's code ran, or in it.
enum CallError {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

/// Calls the card's export on the warm instance, or on a new one instantiated in `store`.
async fn call(
    pre: &InstancePre<RunState>,
    store: &mut Store<RunState>,
    warm: Option<Instance>,
    card: &CardSignature,
    args: &[Val],
) -> Result<(Option<Val>, Instance), CallError> {
    let instance = match warm {
        Some(instance) => instance,
        None => pre.instantiate_async(&mut *store).await.map_err(CallError::Instantiate)?,
    };
    let func = instance
        .get_func(&mut *store, card.export)
        .ok_or_else(|| CallError::Instantiate(wasmtime::format_err!("the instance lacks the export of `{}`", card.id)))?;
    let mut results = vec![Val::Bool(false); usize::from(card.result.is_some())];
    func.call_async(&mut *store, args, &mut results).await.map_err(CallError::Call)?;
    Ok((results.pop(), instance))
}

/// Turns a failed call into the harness error that explains it best.
fn classify(err: wasmtime::Error, store: &Store<RunState>, options: &RunOptions, stderr: &str) -> HarnessError {
    if store.data().limiter.memory_exceeded {
        return HarnessError::MemoryLimit(options.memory_limit);
    }
    if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return HarnessError::TimeLimit(options.time_limit);
    }
    let mut message = format!("{err:#}");
    if !stderr.is_empty() {
        message.push_str("\nguest stderr:\n");
        message.push_str(stderr);
    }
    HarnessError::Trap { message }
}

/// The card's returned value as JSON: its `result<ok, card-error>` split into the two outcomes;
/// a function that returns no `result` always succeeds.
fn outcome(result: Option<Val>, card: &CardSignature) -> Result<CardOutcome, HarnessError> {
    // The component produced these values from its own types: a mismatch is the harness's bug.
    let to_json = |val: Val, ty: &Type, root: &str| val_into_json(val, ty, root).map_err(|e| HarnessError::Internal(e.to_string()));
    Ok(match (result, &card.result) {
        (Some(Val::Result(result)), Some(Type::Result(ty))) => match result {
            Ok(value) => CardOutcome::Ok(match (value, ty.ok()) {
                (Some(value), Some(ty)) => to_json(*value, &ty, "output")?,
                _ => Value::Null,
            }),
            Err(value) => CardOutcome::Err(match (value, ty.err()) {
                (Some(value), Some(ty)) => to_json(*value, &ty, "error")?,
                _ => Value::Null,
            }),
        },
        (Some(value), Some(ty)) => CardOutcome::Ok(to_json(value, ty, "output")?),
        _ => CardOutcome::Ok(Value::Null),
    })
}
