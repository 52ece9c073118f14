//! Operations only incident playbooks send (isolation groups, tags, snapshots, user
//! containment): the rest of the executor's dispatch. Calls that create something
//! return its id, which later steps of the plan refer to.

use super::ops::unknown;
use crate::ctx::Ctx;
use crate::error::describe;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use serde_json::{Value, json};
use std::future::Future;
use warden_respond::Call;

type Sent = Result<(Option<String>, Value), String>;

/// Sends one request; `result` picks what the caller needs from the output.
async fn send<T, E, F>(fut: F, result: impl FnOnce(&T) -> Value) -> Sent
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    T: RequestId,
{
    match fut.await {
        Ok(o) => Ok((o.request_id().map(str::to_owned), result(&o))),
        Err(e) => Err(describe(&e)),
    }
}

fn none<T>(_: &T) -> Value {
    Value::Null
}

fn strs(c: &Call, k: &str) -> Vec<String> {
    c.get(k)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// `[{"Key": k, "Value": v}]` → `(k, v)` pairs.
fn tag_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_owned(),
                t.get("Value").and_then(Value::as_str).unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn ec2_tags(v: Option<&Value>) -> Vec<aws_sdk_ec2::types::Tag> {
    tag_pairs(v).into_iter().map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build()).collect()
}

/// `TagSpecifications` in the API's shape → the SDK's.
fn tag_specifications(c: &Call) -> Option<Vec<aws_sdk_ec2::types::TagSpecification>> {
    use aws_sdk_ec2::types::{ResourceType, TagSpecification};
    let specs = c.get("TagSpecifications")?.as_array()?;
    Some(
        specs
            .iter()
            .map(|s| {
                TagSpecification::builder()
                    .set_resource_type(s.get("ResourceType").and_then(Value::as_str).map(ResourceType::from))
                    .set_tags(Some(ec2_tags(s.get("Tags"))))
                    .build()
            })
            .collect(),
    )
}

pub(super) async fn dispatch(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    match c.service.as_str() {
        "ec2" => ec2(ctx, region, c).await,
        "iam" => iam(ctx, c).await,
        "autoscaling" => match c.operation.as_str() {
            "DetachInstances" => {
                let a = ctx.autoscaling(region);
                let decrement = c.get("ShouldDecrementDesiredCapacity").and_then(Value::as_bool).unwrap_or(false);
                send(
                    a.detach_instances()
                        .auto_scaling_group_name(c.str("AutoScalingGroupName")?)
                        .set_instance_ids(Some(strs(c, "InstanceIds")))
                        .should_decrement_desired_capacity(decrement)
                        .send(),
                    none,
                )
                .await
            }
            _ => unknown(c),
        },
        "elbv2" => match c.operation.as_str() {
            "DeregisterTargets" => {
                use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
                let targets = c.get("Targets").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or_default();
                let mut list = Vec::new();
                for t in targets {
                    let port = t.get("Port").and_then(Value::as_i64).and_then(|p| i32::try_from(p).ok());
                    let id =
                        t.get("Id").and_then(Value::as_str).ok_or("elbv2:DeregisterTargets: a target needs `Id`")?;
                    list.push(TargetDescription::builder().id(id).set_port(port).build());
                }
                let e = ctx.elbv2(region);
                send(
                    e.deregister_targets().target_group_arn(c.str("TargetGroupArn")?).set_targets(Some(list)).send(),
                    none,
                )
                .await
            }
            _ => unknown(c),
        },
        _ => unknown(c),
    }
}

async fn ec2(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    let e = ctx.ec2(region);
    match c.operation.as_str() {
        "CreateSecurityGroup" => {
            send(
                e.create_security_group()
                    .group_name(c.str("GroupName")?)
                    .description(c.str("Description")?)
                    .vpc_id(c.str("VpcId")?)
                    .set_tag_specifications(tag_specifications(c))
                    .send(),
                |o| json!({"GroupId": o.group_id()}),
            )
            .await
        }
        "ModifyNetworkInterfaceAttribute" => {
            send(
                e.modify_network_interface_attribute()
                    .network_interface_id(c.str("NetworkInterfaceId")?)
                    .set_groups(Some(strs(c, "Groups")))
                    .send(),
                none,
            )
            .await
        }
        "CreateTags" => {
            send(
                e.create_tags()
                    .set_resources(Some(strs(c, "Resources")))
                    .set_tags(Some(ec2_tags(c.get("Tags"))))
                    .send(),
                none,
            )
            .await
        }
        "CreateSnapshot" => {
            send(
                e.create_snapshot()
                    .volume_id(c.str("VolumeId")?)
                    .set_description(c.get("Description").and_then(Value::as_str).map(str::to_owned))
                    .set_tag_specifications(tag_specifications(c))
                    .send(),
                |o| json!({"SnapshotId": o.snapshot_id()}),
            )
            .await
        }
        _ => unknown(c),
    }
}

async fn iam(ctx: &Ctx, c: &Call) -> Sent {
    let m = ctx.iam();
    match c.operation.as_str() {
        "PutRolePolicy" => {
            send(
                m.put_role_policy()
                    .role_name(c.str("RoleName")?)
                    .policy_name(c.str("PolicyName")?)
                    .policy_document(c.str("PolicyDocument")?)
                    .send(),
                none,
            )
            .await
        }
        "PutUserPolicy" => {
            send(
                m.put_user_policy()
                    .user_name(c.str("UserName")?)
                    .policy_name(c.str("PolicyName")?)
                    .policy_document(c.str("PolicyDocument")?)
                    .send(),
                none,
            )
            .await
        }
        _ => unknown(c),
    }
}
