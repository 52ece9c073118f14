//! Simulation cases: the JSON shape `warden iam simulate --input` reads (one case, or
//! one per line in JSONL) and the differential harness exchanges with iam-simulate.
//!
//! ```json
//! {"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject",
//!              "resource": "arn:aws:s3:::b/k", "resource_account": "111122223333",
//!              "context": {"aws:SourceIp": "10.1.2.3"}},
//!  "identity_policies": [], "resource_policy": null, "permission_boundaries": [],
//!  "session_policy": null, "scps": [[], []], "rcps": []}
//! ```

use crate::context::Context;
use crate::eval::{Decision, PolicyRef, PolicySet, Principal, Request, evaluate};
use crate::policy::{Policy, PolicyError};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case is not valid JSON: {0}")]
    Json(String),
    #[error("case `{path}`: {message}")]
    Shape { path: String, message: String },
    #[error("case `{path}`: {source}")]
    Policy { path: String, source: PolicyError },
}

/// A parsed case: the request and every policy layer.
#[derive(Debug, Clone)]
pub struct Case {
    pub request: Request,
    identity: Vec<(String, Policy)>,
    resource: Option<(String, Policy)>,
    boundaries: Vec<(String, Policy)>,
    session: Option<(String, Policy)>,
    scps: Vec<Vec<(String, Policy)>>,
    rcps: Vec<Vec<(String, Policy)>>,
}

fn shape(path: &str, message: &str) -> CaseError {
    CaseError::Shape { path: path.into(), message: message.into() }
}

fn policy_at(v: &Value, path: String) -> Result<(String, Policy), CaseError> {
    let parsed = match v {
        Value::String(s) => Policy::from_str(s),
        other => Policy::parse(other),
    };
    parsed.map(|p| (path.clone(), p)).map_err(|source| CaseError::Policy { path, source })
}

fn policy_list(v: Option<&Value>, name: &str) -> Result<Vec<(String, Policy)>, CaseError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().enumerate().map(|(i, p)| policy_at(p, format!("{name}[{i}]"))).collect(),
        Some(_) => Err(shape(name, "must be a list of policies")),
    }
}

fn levels(v: Option<&Value>, name: &str) -> Result<Vec<Vec<(String, Policy)>>, CaseError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, lvl)| match lvl {
                Value::Array(ps) => {
                    ps.iter().enumerate().map(|(j, p)| policy_at(p, format!("{name}[{i}][{j}]"))).collect()
                }
                _ => Err(shape(&format!("{name}[{i}]"), "each level must be a list of policies")),
            })
            .collect(),
        Some(_) => Err(shape(name, "must be a list of levels (lists of policies)")),
    }
}

impl Case {
    pub fn from_json(v: &Value) -> Result<Case, CaseError> {
        let obj = v.as_object().ok_or_else(|| shape("", "case must be an object"))?;
        let r = obj
            .get("request")
            .and_then(Value::as_object)
            .ok_or_else(|| shape("request", "missing or not an object"))?;
        let s = |k: &str| -> Result<String, CaseError> {
            r.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| shape(&format!("request.{k}"), "missing or not a string"))
        };
        let request = Request {
            principal: Principal::parse(&s("principal")?),
            action: s("action")?,
            resource: s("resource")?,
            resource_account: r.get("resource_account").and_then(Value::as_str).map(str::to_owned),
            context: r.get("context").map(Context::from_json).unwrap_or_default(),
        };
        let single = |k: &str| -> Result<Option<(String, Policy)>, CaseError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(p) => policy_at(p, k.to_owned()).map(Some),
            }
        };
        Ok(Case {
            request,
            identity: policy_list(obj.get("identity_policies"), "identity_policies")?,
            resource: single("resource_policy")?,
            boundaries: policy_list(obj.get("permission_boundaries"), "permission_boundaries")?,
            session: single("session_policy")?,
            scps: levels(obj.get("scps"), "scps")?,
            rcps: levels(obj.get("rcps"), "rcps")?,
        })
    }

    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Case, CaseError> {
        let v: Value = serde_json::from_str(text).map_err(|e| CaseError::Json(e.to_string()))?;
        Case::from_json(&v)
    }

    pub fn policy_set(&self) -> PolicySet<'_> {
        fn r(e: &(String, Policy)) -> PolicyRef<'_> {
            PolicyRef { id: e.0.as_str(), policy: &e.1 }
        }
        PolicySet {
            identity: self.identity.iter().map(r).collect(),
            resource: self.resource.as_ref().map(r),
            boundaries: self.boundaries.iter().map(r).collect(),
            session: self.session.as_ref().map(r),
            scps: self.scps.iter().map(|l| l.iter().map(r).collect()).collect(),
            rcps: self.rcps.iter().map(|l| l.iter().map(r).collect()).collect(),
        }
    }

    pub fn evaluate(&self) -> Decision {
        evaluate(&self.policy_set(), &self.request)
    }
}

/// Runs one case given as JSON text; the result line (`{"decision": ..., "reasons": [...]}`
/// or `{"error": "..."}`) and whether it was an error.
pub fn run_line(line: &str) -> (Value, bool) {
    match Case::from_str(line) {
        Ok(c) => (serde_json::to_value(c.evaluate()).unwrap_or(Value::Null), false),
        Err(e) => (json!({"error": e.to_string()}), true),
    }
}
