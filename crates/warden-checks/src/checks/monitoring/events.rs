//! The synthetic CloudTrail events that define CIS 5.1–5.15, and the verdict of a
//! metric filter against them.
//!
//! The events are data (`monitoring/cis-events.yaml`): a filter satisfies a control when
//! it matches every required event, in every context variant, and none of the events
//! the control excludes. The verdict names what is missed, so a finding can say
//! "does not match eventName DeleteGroupPolicy" instead of "pattern differs".

use crate::filter_pattern::FilterPattern;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

const FILE: &str = "monitoring/cis-events.yaml";
const TEXT: &str = include_str!("../../../monitoring/cis-events.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFile {
    base: Map<String, Value>,
    variants: Vec<Labeled>,
    always_must_not_match: Vec<Labeled>,
    controls: Vec<ControlSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labeled {
    label: String,
    fields: Map<String, Value>,
}

/// An event is either `{label, fields}` or just its fields (labelled by them).
#[derive(Deserialize)]
#[serde(untagged)]
enum EventSpec {
    Labeled(Labeled),
    Plain(Map<String, Value>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlSpec {
    id: String,
    check: String,
    title: String,
    #[serde(default)]
    common: Map<String, Value>,
    must_match: Vec<EventSpec>,
    #[serde(default)]
    must_not_match: Vec<Labeled>,
}

/// One CIS monitoring control, with its events built.
#[derive(Debug)]
pub(super) struct Control {
    /// The CIS requirement id, e.g. `5.4`.
    pub id: String,
    pub check: String,
    /// What is monitored, e.g. `IAM policy changes`.
    pub title: String,
    required: Vec<Required>,
    excluded: Vec<(String, Value)>,
}

/// A required event and its variants: (variant label, event).
#[derive(Debug)]
struct Required {
    label: String,
    variants: Vec<(String, Value)>,
}

/// How a filter fares against a control.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(super) struct Verdict {
    /// Required events the filter does not match (with the variants it misses, when
    /// it matches some).
    pub missed: Vec<String>,
    /// Events the control excludes that the filter matches.
    pub excluded: Vec<String>,
}

impl Verdict {
    pub fn satisfied(&self) -> bool {
        self.missed.is_empty() && self.excluded.is_empty()
    }

    pub fn problems(&self) -> usize {
        self.missed.len() + self.excluded.len()
    }
}

impl Control {
    pub fn judge(&self, pattern: &FilterPattern) -> Verdict {
        let mut v = Verdict::default();
        for r in &self.required {
            let missed: Vec<&str> =
                r.variants.iter().filter(|(_, e)| !pattern.matches(e)).map(|(l, _)| l.as_str()).collect();
            if missed.len() == r.variants.len() {
                v.missed.push(r.label.clone());
            } else if !missed.is_empty() {
                let which: Vec<&str> = missed.iter().map(|l| if l.is_empty() { "as an IAM user" } else { l }).collect();
                v.missed.push(format!("{} {}", r.label, which.join(" or ")));
            }
        }
        v.excluded = self.excluded.iter().filter(|(_, e)| pattern.matches(e)).map(|(l, _)| l.clone()).collect();
        v
    }

    /// Labels of the required events, for evidence.
    pub fn required_labels(&self) -> Vec<&str> {
        self.required.iter().map(|r| r.label.as_str()).collect()
    }

    pub fn excluded_labels(&self) -> Vec<&str> {
        self.excluded.iter().map(|(l, _)| l.as_str()).collect()
    }
}

/// Every control, built once. An error here is a bug in the embedded data (a unit test
/// loads it), reported as an ERROR finding rather than a panic.
pub(super) fn controls() -> Result<&'static [Control], String> {
    static CONTROLS: OnceLock<Result<Vec<Control>, String>> = OnceLock::new();
    CONTROLS
        .get_or_init(|| build(TEXT).map_err(|e| format!("built-in data `{FILE}`: {e}")))
        .as_deref()
        .map_err(Clone::clone)
}

/// The control a check proves, by check id.
pub(super) fn control(check_id: &str) -> Result<&'static Control, String> {
    controls()?
        .iter()
        .find(|c| c.check == check_id)
        .ok_or_else(|| format!("built-in data `{FILE}` has no control for `{check_id}`"))
}

fn build(text: &str) -> Result<Vec<Control>, String> {
    let file: EventFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let base = Value::Object(file.base);
    let mut out = Vec::new();
    for spec in file.controls {
        let mut required = Vec::new();
        for event in spec.must_match {
            let (label, fields) = match event {
                EventSpec::Labeled(l) => (l.label, l.fields),
                EventSpec::Plain(fields) => (label_of(&fields), fields),
            };
            let variants = file
                .variants
                .iter()
                .map(|variant| {
                    let mut e = base.clone();
                    merge(&mut e, &variant.fields);
                    merge(&mut e, &spec.common);
                    merge(&mut e, &fields);
                    (variant.label.clone(), e)
                })
                .collect();
            required.push(Required { label, variants });
        }
        if required.is_empty() {
            return Err(format!("control {} has no required events", spec.id));
        }
        let excluded = spec
            .must_not_match
            .iter()
            .chain(&file.always_must_not_match)
            .map(|l| {
                let mut e = base.clone();
                merge(&mut e, &l.fields);
                (l.label.clone(), e)
            })
            .collect();
        out.push(Control { id: spec.id, check: spec.check, title: spec.title, required, excluded });
    }
    Ok(out)
}

/// `eventName DeleteGroupPolicy`, `errorCode AccessDenied, eventSource iam.amazonaws.com`.
fn label_of(fields: &Map<String, Value>) -> String {
    fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    flatten(&key, v, out);
                }
            }
            Value::String(s) => out.push(format!("{prefix} {s}")),
            other => out.push(format!("{prefix} {other}")),
        }
    }
    let mut parts = Vec::new();
    flatten("", &Value::Object(fields.clone()), &mut parts);
    parts.join(", ")
}

/// Deep merge: objects merge key by key, `null` removes a key, anything else replaces.
fn merge(target: &mut Value, patch: &Map<String, Value>) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in patch {
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Object(p) => match t.get_mut(k) {
                Some(existing @ Value::Object(_)) => merge(existing, p),
                _ => {
                    let mut fresh = Value::Object(Map::new());
                    merge(&mut fresh, p);
                    t.insert(k.clone(), fresh);
                }
            },
            other => {
                t.insert(k.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(cis: &str, pattern: &str) -> Verdict {
        let p = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("`{pattern}`: {e}"));
        controls().unwrap().iter().find(|c| c.id == cis).unwrap().judge(&p)
    }

    /// The patterns of AWS Security Hub CloudWatch.1–14 and CIS v7.0, as published.
    const CANONICAL: &[(&str, &str)] = &[
        ("5.1", r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#),
        (
            "5.1",
            r#"{(($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*")) && (($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}"#,
        ),
        ("5.2", r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#),
        (
            "5.2",
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
        ),
        (
            "5.3",
            r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#,
        ),
        (
            "5.4",
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
        ),
        (
            "5.5",
            "{($.eventName=CreateTrail)||($.eventName=UpdateTrail)||($.eventName=DeleteTrail)||($.eventName=StartLogging)||($.eventName=StopLogging)}",
        ),
        ("5.6", "{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}"),
        ("5.7", "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}"),
        (
            "5.8",
            "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}",
        ),
        (
            "5.9",
            "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}",
        ),
        (
            "5.10",
            "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
        ),
        (
            "5.11",
            "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}",
        ),
        (
            "5.12",
            "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
        ),
        (
            "5.13",
            "{($.eventSource=ec2.amazonaws.com) && (($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable))}",
        ),
        (
            "5.14",
            "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}",
        ),
        (
            "5.15",
            r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
        ),
    ];

    #[test]
    fn data_loads_with_all_fifteen_controls() {
        let all = controls().unwrap();
        let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        let want: Vec<String> = (1..=15).map(|i| format!("5.{i}")).collect();
        assert_eq!(ids, want);
        for c in all {
            assert!(c.check.starts_with("cloudwatch_metric_filter_"), "{}", c.check);
            assert!(!c.excluded.is_empty(), "{} excludes nothing", c.id);
        }
        assert_eq!(control("cloudwatch_metric_filter_iam_policy_changes").unwrap().required_labels().len(), 16);
    }

    #[test]
    fn canonical_patterns_satisfy_their_controls() {
        for (cis, pattern) in CANONICAL {
            let v = verdict(cis, pattern);
            assert!(v.satisfied(), "{cis}: {v:?}");
        }
    }

    #[test]
    fn canonical_patterns_do_not_satisfy_other_controls() {
        for (cis, pattern) in CANONICAL {
            for other in controls().unwrap().iter().filter(|c| &c.id != cis) {
                let p = FilterPattern::parse(pattern).unwrap();
                assert!(!other.judge(&p).satisfied(), "{cis}'s pattern satisfies {}", other.id);
            }
        }
    }

    #[test]
    fn equivalent_rewrites_pass() {
        // Reordered, re-spaced, re-parenthesised, quoted differently, wildcarded.
        let rewrites: &[(&str, &str)] = &[
            (
                "5.3",
                r#"{ ($.eventType != "AwsServiceEvent") && ((($.userIdentity.invokedBy NOT EXISTS))) && ($.userIdentity.type = Root) }"#,
            ),
            ("5.1", "{ $.errorCode = AccessDenied* ||\n  $.errorCode = *UnauthorizedOperation }"),
            (
                "5.7",
                r#"{ ($.eventName = "ScheduleKeyDeletion" || $.eventName = "DisableKey") && $.eventSource = "kms.amazonaws.com" }"#,
            ),
            ("5.7", r#"{ $.eventSource = kms* && ($.eventName = Disable* || $.eventName = Schedule*Deletion) }"#),
            (
                "5.5",
                r#"{ $.eventSource = cloudtrail.amazonaws.com && ($.eventName = *Trail || $.eventName = St*Logging) && $.readOnly IS FALSE }"#,
            ),
            ("5.2", r#"{$.additionalEventData.MFAUsed!="Yes"&&$.eventName="ConsoleLogin"}"#),
        ];
        for (cis, pattern) in rewrites {
            let v = verdict(cis, pattern);
            assert!(v.satisfied(), "{cis} `{pattern}`: {v:?}");
        }
    }

    #[test]
    fn a_missing_event_is_named() {
        let v = verdict(
            "5.4",
            "{($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
        );
        assert_eq!(v.missed, ["eventName DeleteGroupPolicy"]);
        assert!(v.excluded.is_empty());
    }

    #[test]
    fn narrowed_filters_name_the_context_they_miss() {
        let v = verdict("5.5", r#"{ $.eventSource = cloudtrail.amazonaws.com && $.awsRegion = "us-east-1" }"#);
        assert_eq!(v.missed.len(), 5);
        assert!(v.missed[0].ends_with("as an assumed role in ap-southeast-2"), "{:?}", v.missed);
        let v = verdict("5.1", r#"{ $.errorCode = "AccessDenied*" }"#);
        assert_eq!(
            v.missed,
            [
                "errorCode Client.UnauthorizedOperation (ec2 RunInstances)",
                "errorCode UnauthorizedOperation (ec2 DescribeVpcs)"
            ]
        );
    }

    #[test]
    fn too_broad_filters_match_excluded_events() {
        let v = verdict("5.3", r#"{ $.userIdentity.type = "Root" }"#);
        assert!(v.missed.is_empty());
        assert_eq!(v.excluded.len(), 2, "{v:?}");
        let v = verdict("5.2", r#"{ $.eventName = "ConsoleLogin" }"#);
        assert_eq!(v.excluded, ["ConsoleLogin with MFAUsed Yes"]);
        let v = verdict("5.4", r#"{ $.eventSource = "iam.amazonaws.com" }"#);
        assert_eq!(v.excluded, ["a read-only IAM call (iam GetPolicy)"]);
        let v = verdict("5.1", r#"{ $.errorCode = "*" }"#);
        assert_eq!(v.excluded, ["a throttled call (errorCode ThrottlingException)"]);
        // The empty pattern matches everything, the unrelated call included.
        let v = verdict("5.9", "");
        assert!(v.excluded.iter().any(|e| e.contains("GetCallerIdentity")), "{v:?}");
    }

    #[test]
    fn merge_deep_and_removes_nulls() {
        let mut v = serde_json::json!({"a": {"b": 1, "c": 2}, "d": 3});
        let patch = serde_json::json!({"a": {"c": null, "e": 5}, "d": {"x": 1}});
        merge(&mut v, patch.as_object().unwrap());
        assert_eq!(v, serde_json::json!({"a": {"b": 1, "e": 5}, "d": {"x": 1}}));
        assert!(build("controls: [").is_err());
    }
}
