//! Changing an account: the executor behind `warden fix` and `warden respond`.
//!
//! It does two things only — read a target's current state ([`read`]) and perform
//! [`Call`]s ([`ops::perform`]) — and leaves every decision to `warden-respond`, so the
//! plan printed before a change is exactly what is sent. One fix at a time, the state is
//! read again just before the change (already fixed → nothing is sent) and once more
//! after it, and the caller gets both for its audit record.

mod ops;
pub mod playbook;
mod playbook_ops;
mod read;

use crate::collect::{Options, session};
use crate::ctx::Ctx;
use crate::error::CollectError;
use serde::Serialize;
use serde_json::Value;
use warden_respond::{Call, Fix};

pub use ops::Performed;

/// Who the changes are made as.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub account: String,
    pub arn: String,
    pub region: String,
}

/// One fix's current state and the calls that would fix it, read live.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    /// The state read now; `None` with `error` when it could not be read.
    pub current: Option<Value>,
    pub desired: Option<Value>,
    pub calls: Vec<Call>,
    pub error: Option<String>,
}

impl Planned {
    pub fn already_fixed(&self) -> bool {
        self.error.is_none() && self.calls.is_empty()
    }
}

/// What happened to one fix (or one undo).
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub performed: Vec<Performed>,
    /// Set when the change stopped part-way or could not start; `performed` lists what
    /// was sent before it stopped.
    pub error: Option<String>,
}

/// A live session for a run of fixes: one SDK configuration, one runtime.
pub struct Executor {
    rt: tokio::runtime::Runtime,
    ctx: Ctx,
    pub actor: Actor,
}

impl Executor {
    pub fn connect(opts: &Options) -> Result<Executor, CollectError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| CollectError::Runtime(e.to_string()))?;
        let (sdk, mut ctx, me) = rt.block_on(session(opts))?;
        ctx.account_id = me.account.clone();
        let region = sdk.region().map(|r| r.to_string()).ok_or(CollectError::NoRegion)?;
        Ok(Executor { rt, ctx, actor: Actor { account: me.account, arn: me.arn, region } })
    }

    fn region<'a>(&'a self, r: &'a str) -> &'a str {
        if r == "global" { &self.actor.region } else { r }
    }

    /// Reads the fix's state and plans the calls from it.
    pub fn plan(&self, fix: &Fix) -> Planned {
        let region = self.region(&fix.region).to_owned();
        let current = self.rt.block_on(read::state(&self.ctx, &region, &fix.target));
        let planned = current.and_then(|cur| {
            let desired = fix.target.desired(&cur)?;
            let calls = fix.target.calls(&fix.region, &cur, &desired)?;
            Ok((cur, desired, calls))
        });
        match planned {
            Ok((cur, desired, calls)) => Planned { current: Some(cur), desired: Some(desired), calls, error: None },
            Err(e) => Planned { current: None, desired: None, calls: Vec::new(), error: Some(e) },
        }
    }

    /// Applies one fix: re-reads, sends the calls (none if already fixed), reads again.
    pub fn apply(&self, fix: &Fix) -> Change {
        self.apply_planned(fix, self.plan(fix))
    }

    /// Sends the calls of a plan just read (and shown, and confirmed), then reads again.
    pub fn apply_planned(&self, fix: &Fix, p: Planned) -> Change {
        if let Some(e) = p.error {
            return Change { before: None, after: None, performed: Vec::new(), error: Some(e) };
        }
        self.run(fix, p.current, p.calls)
    }

    /// Takes the fix's target back to `before` (from the audit record).
    pub fn restore(&self, fix: &Fix, before: &Value) -> Change {
        if !fix.target.reversible() {
            return Change {
                before: None,
                after: None,
                performed: Vec::new(),
                error: Some("this change cannot be undone".into()),
            };
        }
        let region = self.region(&fix.region).to_owned();
        let now = self.rt.block_on(read::state(&self.ctx, &region, &fix.target));
        let plan = now.and_then(|cur| Ok((fix.target.calls(&fix.region, &cur, before)?, cur)));
        match plan {
            Ok((calls, cur)) => self.run(fix, Some(cur), calls),
            Err(e) => Change { before: None, after: None, performed: Vec::new(), error: Some(e) },
        }
    }

    fn run(&self, fix: &Fix, before: Option<Value>, calls: Vec<Call>) -> Change {
        let region = self.region(&fix.region).to_owned();
        let (performed, error) = self.perform(&calls);
        let after = self.rt.block_on(read::state(&self.ctx, &region, &fix.target));
        let (after, error) = match (after, error) {
            (Ok(a), e) => (Some(a), e),
            (Err(read_err), None) => {
                (None, Some(format!("changed, but the state after could not be read: {read_err}")))
            }
            (Err(_), e) => (None, e),
        };
        Change { before, after, performed, error }
    }

    /// Sends calls in order, stopping at the first failure.
    pub fn perform(&self, calls: &[Call]) -> (Vec<Performed>, Option<String>) {
        let mut done = Vec::new();
        for call in calls {
            let region = self.region(&call.region).to_owned();
            match self.rt.block_on(ops::perform(&self.ctx, &region, call)) {
                Ok(p) => done.push(p),
                Err(e) => return (done, Some(format!("{}:{}: {e}", call.service, call.operation))),
            }
        }
        (done, None)
    }

    /// Runs any future on the executor's runtime with its context (for playbooks).
    pub fn block_on<F: std::future::Future>(&self, f: impl FnOnce(&Ctx) -> F) -> F::Output {
        self.rt.block_on(f(&self.ctx))
    }
}

/// Plans fixes without keeping a session (one-shot callers).
pub fn plan_blocking(opts: &Options, fixes: &[Fix]) -> Result<(Actor, Vec<Planned>), CollectError> {
    let ex = Executor::connect(opts)?;
    let planned = fixes.iter().map(|f| ex.plan(f)).collect();
    Ok((ex.actor.clone(), planned))
}

impl Executor {
    /// Publishes a notification to an SNS topic (the responder's `notify: sns`). Returns
    /// the message id.
    pub fn publish(&self, topic_arn: &str, subject: &str, message: &str) -> Result<Option<String>, String> {
        let region = topic_arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&self.actor.region).to_owned();
        let subject: String = subject.chars().filter(|c| !c.is_control()).take(100).collect();
        self.rt.block_on(async {
            let out =
                self.ctx.sns(&region).publish().topic_arn(topic_arn).subject(subject).message(message).send().await;
            out.map(|o| o.message_id).map_err(|e| crate::error::describe(&e))
        })
    }
}
