use super::account_resource;
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;

pub(super) const CHECKS: &[(&str, CheckFn)] = &[("account_security_contact", security_contact)];

fn security_contact(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(contacts) = out.need(&a.contacts, || account_resource(a), "alternate contacts") else { continue };
        let ok = contacts.security.as_ref().is_some_and(|c| !c.email.trim().is_empty());
        let msg = if ok {
            format!("account {} has a security contact", a.id)
        } else {
            format!("account {} has no security contact: AWS cannot reach your security team", a.id)
        };
        out.verdict(ok, account_resource(a), msg, json!({ "security_contact": contacts.security }));
    }
}
