//! Incident playbooks on the SDK: read what a playbook acts on — the state it plans from
//! ([`Subject`]) and the documents kept as evidence — and perform a plan step by step,
//! handing ids created by one step to the next.
//!
//! Reads that planning depends on are strict: if Warden cannot tell whether an instance
//! is in an Auto Scaling group, quarantining it could get it terminated, so the playbook
//! stops. `capture-evidence` reads what it can and records each gap instead; reads only
//! the evidence needs (volume details, attached policies, ACLs) never stop a containment:
//! they become gaps too.

use super::{Executor, Performed};
use crate::ctx::{Ctx, policy_document, time};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use warden_respond::playbook::{
    AsgMembership, BucketState, CONTAIN_POLICY, GroupRules, InstanceState, Interface, KeyStatus, Plan, REVOKE_POLICY,
    RoleState, Subject, TargetGroupMembership, TargetRef, UserState, Volume, isolation_group_name, resolve,
};

/// At most this many items from one listing (policies, target groups, events).
const MAX_ITEMS: usize = 1000;
/// At most this many CloudTrail events from `LookupEvents`.
pub const MAX_LOOKUP_EVENTS: usize = 10_000;

/// How much to read about an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The instance, its groups and volumes (snapshot-volumes).
    Instance,
    /// Also its role, Auto Scaling group, target groups and the isolation group
    /// (quarantine-instance, capture-evidence).
    Related,
}

/// A target as read: the state a plan starts from and the evidence documents.
#[derive(Debug, Clone)]
pub struct Read {
    pub subject: Subject,
    /// `(file name, document)` for the evidence bundle.
    pub evidence: Vec<(String, Value)>,
    /// Reads that failed and were recorded rather than stopping (lenient reads only).
    pub gaps: Vec<String>,
}

/// What performing a plan did.
#[derive(Debug, Clone, Default)]
pub struct PlanRun {
    pub performed: Vec<Performed>,
    /// Values bound by steps (`isolation_group`, `snapshot:vol-…`).
    pub bound: BTreeMap<String, String>,
    /// Set when a step failed; the steps after it were not sent.
    pub error: Option<String>,
}

impl Executor {
    /// Reads a playbook's target in `region` (the session's region when `None`).
    /// `lenient` records failed reads as gaps instead of failing.
    pub fn read_target(
        &self,
        target: &TargetRef,
        region: Option<&str>,
        depth: Depth,
        lenient: bool,
    ) -> Result<Read, String> {
        let region = region.unwrap_or(&self.actor.region).to_owned();
        let mut r = Reader { ctx: &self.ctx, region, lenient, gaps: Vec::new(), evidence: Vec::new() };
        let subject = self.rt.block_on(r.target(target, depth))?;
        Ok(Read { subject, evidence: r.evidence, gaps: r.gaps })
    }

    /// Sends a plan's steps in order, substituting values bound by earlier steps, and
    /// stops at the first failure.
    pub fn perform_plan(&self, plan: &Plan) -> PlanRun {
        let mut run = PlanRun::default();
        for step in &plan.steps {
            let call = match resolve(&step.call, &run.bound) {
                Ok(c) => c,
                Err(e) => {
                    run.error = Some(format!("{}:{}: {e}", step.call.service, step.call.operation));
                    return run;
                }
            };
            let (done, err) = self.perform(std::slice::from_ref(&call));
            run.performed.extend(done);
            if let Some(e) = err {
                run.error = Some(e);
                return run;
            }
            if let Some(b) = &step.binds {
                let value = run.performed.last().and_then(|p| p.result.get(&b.from)).and_then(Value::as_str);
                match value {
                    Some(v) => {
                        run.bound.insert(b.name.clone(), v.to_owned());
                    }
                    None => {
                        run.error = Some(format!("{}:{} returned no `{}`", call.service, call.operation, b.from));
                        return run;
                    }
                }
            }
        }
        run
    }

    /// CloudTrail management events of the last `days` made with an access key, from
    /// `LookupEvents` in each region (it answers for its own region only).
    pub fn lookup_key_events(
        &self,
        access_key_id: &str,
        regions: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<Value>, String> {
        self.rt.block_on(async {
            let mut out = Vec::new();
            for region in regions {
                lookup(&self.ctx, region, access_key_id, since, &mut out).await?;
            }
            Ok(out)
        })
    }
}

async fn lookup(ctx: &Ctx, region: &str, key: &str, since: DateTime<Utc>, out: &mut Vec<Value>) -> Result<(), String> {
    use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
    let attr = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::AccessKeyId)
        .attribute_value(key)
        .build()
        .map_err(|e| e.to_string())?;
    let mut pages = ctx
        .cloudtrail(region)
        .lookup_events()
        .lookup_attributes(attr)
        .start_time(aws_smithy_types::DateTime::from_secs(since.timestamp()))
        .into_paginator()
        .items()
        .send();
    while let Some(item) = pages.next().await {
        let ev = item.map_err(|e| format!("cloudtrail:LookupEvents in {region}: {}", crate::error::describe(&e)))?;
        if out.len() >= MAX_LOOKUP_EVENTS {
            break;
        }
        let full = ev.cloud_trail_event().map(policy_document).unwrap_or(Value::Null);
        out.push(if full.is_object() {
            full
        } else {
            json!({"eventID": ev.event_id(), "eventName": ev.event_name(), "eventSource": ev.event_source(),
                   "eventTime": time(ev.event_time()), "username": ev.username()})
        });
    }
    Ok(())
}

struct Reader<'a> {
    ctx: &'a Ctx,
    region: String,
    lenient: bool,
    gaps: Vec<String>,
    evidence: Vec<(String, Value)>,
}

/// One read; `Ok(None)` when the error code is one of `absent`.
async fn get<T, E, F>(ctx: &Ctx, op: &str, absent: &[&str], fut: F) -> Result<Option<T>, String>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    ctx.call(op, absent, fut).await.map_err(|u| u.to_string())
}

async fn must<T, E, F>(ctx: &Ctx, op: &str, fut: F) -> Result<T, String>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    get(ctx, op, &[], fut).await?.ok_or_else(|| format!("{op} gave no answer"))
}

fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter().filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned()))).collect()
}

/// One `IpPermissions` element in the API's shape; without descriptions when it is to
/// be sent back in a revoke.
fn permission(p: &aws_sdk_ec2::types::IpPermission, descriptions: bool) -> Value {
    let mut m = Map::new();
    m.insert("IpProtocol".into(), json!(p.ip_protocol()));
    if let Some(f) = p.from_port() {
        m.insert("FromPort".into(), json!(f));
    }
    if let Some(t) = p.to_port() {
        m.insert("ToPort".into(), json!(t));
    }
    let d = |s: Option<&str>| if descriptions { s.map(str::to_owned) } else { None };
    let with = |mut v: Value, desc: Option<String>| {
        if let Some(desc) = desc {
            v["Description"] = json!(desc);
        }
        v
    };
    let v4: Vec<Value> =
        p.ip_ranges().iter().map(|r| with(json!({"CidrIp": r.cidr_ip()}), d(r.description()))).collect();
    let v6: Vec<Value> =
        p.ipv6_ranges().iter().map(|r| with(json!({"CidrIpv6": r.cidr_ipv6()}), d(r.description()))).collect();
    let groups: Vec<Value> =
        p.user_id_group_pairs().iter().map(|g| with(json!({"GroupId": g.group_id()}), d(g.description()))).collect();
    let lists: Vec<Value> = p
        .prefix_list_ids()
        .iter()
        .map(|l| with(json!({"PrefixListId": l.prefix_list_id()}), d(l.description())))
        .collect();
    for (k, v) in [("IpRanges", v4), ("Ipv6Ranges", v6), ("UserIdGroupPairs", groups), ("PrefixListIds", lists)] {
        if !v.is_empty() {
            m.insert(k.into(), Value::Array(v));
        }
    }
    Value::Object(m)
}

fn group_doc(g: &aws_sdk_ec2::types::SecurityGroup) -> Value {
    json!({
        "GroupId": g.group_id(),
        "GroupName": g.group_name(),
        "Description": g.description(),
        "VpcId": g.vpc_id(),
        "IpPermissions": g.ip_permissions().iter().map(|p| permission(p, true)).collect::<Vec<_>>(),
        "IpPermissionsEgress": g.ip_permissions_egress().iter().map(|p| permission(p, true)).collect::<Vec<_>>(),
        "Tags": ec2_tags(g.tags()),
    })
}

fn instance_doc(i: &aws_sdk_ec2::types::Instance) -> Value {
    let enis: Vec<Value> = i
        .network_interfaces()
        .iter()
        .map(|n| {
            json!({
                "NetworkInterfaceId": n.network_interface_id(),
                "DeviceIndex": n.attachment().and_then(|a| a.device_index()),
                "SubnetId": n.subnet_id(),
                "VpcId": n.vpc_id(),
                "MacAddress": n.mac_address(),
                "PrivateIpAddresses": n.private_ip_addresses().iter().map(|p| p.private_ip_address()).collect::<Vec<_>>(),
                "PublicIp": n.association().and_then(|a| a.public_ip()),
                "SourceDestCheck": n.source_dest_check(),
                "Groups": n.groups().iter().map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let disks: Vec<Value> = i
        .block_device_mappings()
        .iter()
        .map(|b| {
            let ebs = b.ebs();
            json!({
                "DeviceName": b.device_name(),
                "VolumeId": ebs.and_then(|e| e.volume_id()),
                "Status": ebs.and_then(|e| e.status()).map(|s| s.as_str()),
                "AttachTime": time(ebs.and_then(|e| e.attach_time())),
                "DeleteOnTermination": ebs.and_then(|e| e.delete_on_termination()),
            })
        })
        .collect();
    let m = i.metadata_options();
    json!({
        "InstanceId": i.instance_id(),
        "InstanceType": i.instance_type().map(|t| t.as_str()),
        "ImageId": i.image_id(),
        "State": i.state().and_then(|s| s.name()).map(|n| n.as_str()),
        "LaunchTime": time(i.launch_time()),
        "AvailabilityZone": i.placement().and_then(|p| p.availability_zone()),
        "KeyName": i.key_name(),
        "VpcId": i.vpc_id(),
        "SubnetId": i.subnet_id(),
        "PrivateIpAddress": i.private_ip_address(),
        "PublicIpAddress": i.public_ip_address(),
        "PrivateDnsName": i.private_dns_name(),
        "PublicDnsName": i.public_dns_name(),
        "IamInstanceProfile": i.iam_instance_profile().and_then(|p| p.arn()),
        "MetadataOptions": {
            "HttpTokens": m.and_then(|m| m.http_tokens()).map(|t| t.as_str()),
            "HttpEndpoint": m.and_then(|m| m.http_endpoint()).map(|t| t.as_str()),
            "HttpPutResponseHopLimit": m.and_then(|m| m.http_put_response_hop_limit()),
        },
        "SecurityGroups": i.security_groups().iter().map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()})).collect::<Vec<_>>(),
        "NetworkInterfaces": enis,
        "BlockDeviceMappings": disks,
        "Tags": ec2_tags(i.tags()),
    })
}

fn volume_doc(v: &aws_sdk_ec2::types::Volume) -> Value {
    json!({
        "VolumeId": v.volume_id(),
        "Size": v.size(),
        "VolumeType": v.volume_type().map(|t| t.as_str()),
        "Encrypted": v.encrypted(),
        "KmsKeyId": v.kms_key_id(),
        "State": v.state().map(|s| s.as_str()),
        "SnapshotId": v.snapshot_id(),
        "CreateTime": time(v.create_time()),
        "AvailabilityZone": v.availability_zone(),
        "Attachments": v.attachments().iter().map(|a| json!({
            "InstanceId": a.instance_id(), "Device": a.device(), "State": a.state().map(|s| s.as_str()),
            "AttachTime": time(a.attach_time()), "DeleteOnTermination": a.delete_on_termination(),
        })).collect::<Vec<_>>(),
        "Tags": ec2_tags(v.tags()),
    })
}

fn filter(name: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name(name).values(value).build()
}

impl Reader<'_> {
    /// A read that planning can do without: failed → a gap when lenient, else an error.
    fn soft<T>(&mut self, what: &str, r: Result<T, String>) -> Result<Option<T>, String> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if self.lenient => {
                self.gaps.push(format!("{what}: {e}"));
                Ok(None)
            }
            Err(e) => Err(format!("cannot read {what}: {e}")),
        }
    }

    /// A read only the evidence needs: a failure is a gap, never a reason to stop a
    /// containment.
    fn evidence_only<T>(&mut self, what: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.gaps.push(format!("{what}: {e}"));
                None
            }
        }
    }

    fn keep(&mut self, file: &str, doc: Value) {
        self.evidence.push((file.to_owned(), doc));
    }

    async fn target(&mut self, target: &TargetRef, depth: Depth) -> Result<Subject, String> {
        let target = match target {
            TargetRef::Name(name) => self.probe(name).await?,
            t => t.clone(),
        };
        match &target {
            TargetRef::Instance(id) => Ok(Subject::Instance(self.instance(id, depth).await?)),
            TargetRef::AccessKey(key) => {
                let (user, status) = self.access_key(key).await?;
                Ok(Subject::AccessKey { user, key: status })
            }
            TargetRef::Role(name) => {
                let role = self.role(name).await?;
                Ok(Subject::Role(role))
            }
            TargetRef::User(name) => Ok(Subject::User(self.user(name).await?)),
            TargetRef::Bucket(name) => Ok(Subject::Bucket(self.bucket(name).await?)),
            TargetRef::Name(name) => Err(format!("`{name}` is not a known kind of target")),
        }
    }

    /// Which of role, user and bucket a bare name is; exactly one must exist.
    async fn probe(&mut self, name: &str) -> Result<TargetRef, String> {
        let ctx = self.ctx;
        let iam = ctx.iam();
        let role = get(ctx, "iam:GetRole", &["NoSuchEntity"], iam.get_role().role_name(name).send()).await?;
        let user = get(ctx, "iam:GetUser", &["NoSuchEntity"], iam.get_user().user_name(name).send()).await?;
        let s3 = ctx.s3(Some(&self.region));
        let bucket = get(ctx, "s3:HeadBucket", &["NotFound", "NoSuchBucket"], s3.head_bucket().bucket(name).send())
            .await
            .unwrap_or(None);
        let found: Vec<TargetRef> = [
            role.map(|_| TargetRef::Role(name.to_owned())),
            user.map(|_| TargetRef::User(name.to_owned())),
            bucket.map(|_| TargetRef::Bucket(name.to_owned())),
        ]
        .into_iter()
        .flatten()
        .collect();
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(format!("no role, user or bucket is named `{name}`")),
            _ => Err(format!(
                "`{name}` names more than one of a role, a user and a bucket: say `role/{name}`, `user/{name}` or `s3://{name}`"
            )),
        }
    }

    async fn instance(&mut self, id: &str, depth: Depth) -> Result<InstanceState, String> {
        let ctx = self.ctx;
        let region = self.region.clone();
        let e = ctx.ec2(&region);
        let out = get(
            ctx,
            "ec2:DescribeInstances",
            &["InvalidInstanceID.NotFound"],
            e.describe_instances().instance_ids(id).send(),
        )
        .await
        .map_err(|err| format!("cannot read instance {id}: {err}"))?;
        let inst = out
            .as_ref()
            .and_then(|o| o.reservations().iter().flat_map(|r| r.instances()).find(|i| i.instance_id() == Some(id)))
            .ok_or_else(|| format!("no instance `{id}` in {region}"))?
            .clone();
        self.keep("instance.json", instance_doc(&inst));

        let interfaces: Vec<Interface> = inst
            .network_interfaces()
            .iter()
            .filter_map(|n| {
                Some(Interface {
                    id: n.network_interface_id()?.to_owned(),
                    groups: n.groups().iter().filter_map(|g| g.group_id().map(str::to_owned)).collect(),
                })
            })
            .collect();
        let volumes: Vec<Volume> = inst
            .block_device_mappings()
            .iter()
            .filter_map(|b| {
                Some(Volume { id: b.ebs()?.volume_id()?.to_owned(), device: b.device_name().map(str::to_owned) })
            })
            .collect();

        // The groups and volumes as they are now: evidence only.
        let mut group_ids: Vec<String> = interfaces.iter().flat_map(|i| i.groups.iter().cloned()).collect();
        group_ids.sort();
        group_ids.dedup();
        if !group_ids.is_empty() {
            let r = must(
                ctx,
                "ec2:DescribeSecurityGroups",
                e.describe_security_groups().set_group_ids(Some(group_ids)).send(),
            )
            .await;
            if let Some(o) = self.evidence_only("security groups", r) {
                self.keep("security-groups.json", json!(o.security_groups().iter().map(group_doc).collect::<Vec<_>>()));
            }
        }
        if !volumes.is_empty() {
            let ids: Vec<String> = volumes.iter().map(|v| v.id.clone()).collect();
            let r = must(ctx, "ec2:DescribeVolumes", e.describe_volumes().set_volume_ids(Some(ids)).send()).await;
            if let Some(o) = self.evidence_only("volumes", r) {
                self.keep("volumes.json", json!(o.volumes().iter().map(volume_doc).collect::<Vec<_>>()));
            }
        }

        let mut state = InstanceState {
            instance_id: id.to_owned(),
            region: region.clone(),
            state: inst.state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()),
            vpc_id: inst.vpc_id().map(str::to_owned),
            interfaces,
            tags: ec2_tags(inst.tags()),
            volumes,
            instance_profile_arn: inst.iam_instance_profile().and_then(|p| p.arn()).map(str::to_owned),
            role: None,
            auto_scaling_group: None,
            target_groups: Vec::new(),
            isolation_group: None,
        };
        if depth == Depth::Instance {
            return Ok(state);
        }

        if let Some(profile) = state.instance_profile_arn.clone() {
            let r = self.profile_role(&profile).await;
            state.role = self.soft("instance profile role", r)?.flatten();
        }
        let r = self.asg(id).await;
        state.auto_scaling_group = self.soft("auto scaling", r)?.flatten();
        let r = self.target_groups(id).await;
        state.target_groups = self.soft("target groups", r)?.unwrap_or_default();
        if let Some(vpc) = state.vpc_id.clone() {
            let r = self.isolation_group(&vpc).await;
            state.isolation_group = self.soft("isolation group", r)?.flatten();
        }
        Ok(state)
    }

    async fn profile_role(&mut self, profile_arn: &str) -> Result<Option<RoleState>, String> {
        let name = profile_arn.rsplit('/').next().unwrap_or(profile_arn);
        let iam = self.ctx.iam();
        let got = get(
            self.ctx,
            "iam:GetInstanceProfile",
            &["NoSuchEntity"],
            iam.get_instance_profile().instance_profile_name(name).send(),
        )
        .await?;
        let Some(p) = got.and_then(|o| o.instance_profile) else {
            self.keep("instance-profile.json", json!({"InstanceProfileArn": profile_arn, "Exists": false}));
            return Ok(None);
        };
        let roles: Vec<String> = p.roles().iter().map(|r| r.role_name().to_owned()).collect();
        self.keep(
            "instance-profile.json",
            json!({"InstanceProfileName": p.instance_profile_name(), "Arn": p.arn(), "Roles": roles}),
        );
        match roles.first() {
            Some(role) => Ok(Some(self.role(role).await?)),
            None => Ok(None),
        }
    }

    async fn asg(&mut self, id: &str) -> Result<Option<AsgMembership>, String> {
        let a = self.ctx.autoscaling(&self.region);
        let o = must(
            self.ctx,
            "autoscaling:DescribeAutoScalingInstances",
            a.describe_auto_scaling_instances().instance_ids(id).send(),
        )
        .await?;
        let m = o.auto_scaling_instances().iter().find(|d| d.instance_id() == Some(id)).and_then(|d| {
            Some(AsgMembership {
                group: d.auto_scaling_group_name()?.to_owned(),
                lifecycle_state: d.lifecycle_state().map(str::to_owned),
            })
        });
        self.keep("auto-scaling.json", json!(m));
        Ok(m)
    }

    async fn target_groups(&mut self, id: &str) -> Result<Vec<TargetGroupMembership>, String> {
        let c = self.ctx.elbv2(&self.region);
        let mut groups = Vec::new();
        let mut pages = c.describe_target_groups().into_paginator().items().send();
        while let Some(g) = pages.next().await {
            let g =
                g.map_err(|e| format!("elasticloadbalancing:DescribeTargetGroups: {}", crate::error::describe(&e)))?;
            if groups.len() >= MAX_ITEMS {
                return Err(format!("more than {MAX_ITEMS} target groups in {}: too many to search", self.region));
            }
            let instance_targets = g.target_type().is_none_or(|t| t.as_str() == "instance");
            if let (Some(arn), true) = (g.target_group_arn(), instance_targets) {
                groups.push(arn.to_owned());
            }
        }
        let mut member = Vec::new();
        let mut doc = Vec::new();
        for arn in groups {
            let h = must(
                self.ctx,
                "elasticloadbalancing:DescribeTargetHealth",
                c.describe_target_health().target_group_arn(&arn).send(),
            )
            .await?;
            for d in h.target_health_descriptions() {
                let Some(t) = d.target().filter(|t| t.id() == Some(id)) else { continue };
                let state = d.target_health().and_then(|h| h.state()).map(|s| s.as_str().to_owned());
                doc.push(json!({"TargetGroupArn": arn, "Port": t.port(), "State": state}));
                if state.as_deref() != Some("draining") {
                    member.push(TargetGroupMembership { arn: arn.clone(), port: t.port() });
                }
            }
        }
        self.keep("target-groups.json", json!(doc));
        Ok(member)
    }

    async fn isolation_group(&mut self, vpc: &str) -> Result<Option<GroupRules>, String> {
        let name = isolation_group_name(vpc);
        let e = self.ctx.ec2(&self.region);
        let o = must(
            self.ctx,
            "ec2:DescribeSecurityGroups",
            e.describe_security_groups().filters(filter("vpc-id", vpc)).filters(filter("group-name", &name)).send(),
        )
        .await?;
        Ok(o.security_groups().iter().find(|g| g.group_name() == Some(name.as_str())).and_then(|g| {
            Some(GroupRules {
                id: g.group_id()?.to_owned(),
                name: name.clone(),
                ingress: g.ip_permissions().iter().map(|p| permission(p, false)).collect(),
                egress: g.ip_permissions_egress().iter().map(|p| permission(p, false)).collect(),
            })
        }))
    }

    async fn role(&mut self, name: &str) -> Result<RoleState, String> {
        let ctx = self.ctx;
        let iam = ctx.iam();
        let got = get(ctx, "iam:GetRole", &["NoSuchEntity"], iam.get_role().role_name(name).send()).await?;
        let role = got.and_then(|o| o.role).ok_or_else(|| format!("no role named `{name}`"))?;
        let names: Vec<String> = get(
            ctx,
            "iam:ListRolePolicies",
            &[],
            iam.list_role_policies().role_name(name).into_paginator().items().send().try_collect(),
        )
        .await?
        .unwrap_or_default();
        let mut inline = Map::new();
        for p in names.iter().take(MAX_ITEMS) {
            let o = must(ctx, "iam:GetRolePolicy", iam.get_role_policy().role_name(name).policy_name(p).send()).await?;
            inline.insert(p.clone(), policy_document(o.policy_document()));
        }
        let attached = get(
            ctx,
            "iam:ListAttachedRolePolicies",
            &[],
            iam.list_attached_role_policies().role_name(name).into_paginator().items().send().try_collect(),
        )
        .await;
        let attached: Vec<Value> = match self.evidence_only("role attached policies", attached) {
            Some(l) => l
                .unwrap_or_default()
                .iter()
                .map(|a| json!({"PolicyName": a.policy_name(), "PolicyArn": a.policy_arn()}))
                .collect(),
            None => Vec::new(),
        };
        let last = role.role_last_used();
        self.keep(
            "role.json",
            json!({
                "RoleName": role.role_name(),
                "Arn": role.arn(),
                "RoleId": role.role_id(),
                "Path": role.path(),
                "CreateDate": time(Some(role.create_date())),
                "MaxSessionDuration": role.max_session_duration(),
                "AssumeRolePolicyDocument": role.assume_role_policy_document().map(policy_document),
                "PermissionsBoundary": role.permissions_boundary().and_then(|b| b.permissions_boundary_arn()),
                "RoleLastUsed": last.map(|l| json!({"LastUsedDate": time(l.last_used_date()), "Region": l.region()})),
                "InlinePolicies": inline,
                "AttachedPolicies": attached,
            }),
        );
        Ok(RoleState {
            name: role.role_name().to_owned(),
            arn: Some(role.arn().to_owned()),
            revoke_policy: inline.get(REVOKE_POLICY).cloned(),
        })
    }

    async fn user(&mut self, name: &str) -> Result<UserState, String> {
        let ctx = self.ctx;
        let iam = ctx.iam();
        let got = get(ctx, "iam:GetUser", &["NoSuchEntity"], iam.get_user().user_name(name).send()).await?;
        let user = got.and_then(|o| o.user).ok_or_else(|| format!("no user named `{name}`"))?;
        let keys = must(
            ctx,
            "iam:ListAccessKeys",
            iam.list_access_keys().user_name(name).into_paginator().items().send().try_collect(),
        )
        .await?;
        let mut key_docs = Vec::new();
        let mut access_keys = Vec::new();
        for k in &keys {
            let Some(id) = k.access_key_id() else { continue };
            let status = k.status().map(|s| s.as_str().to_owned()).unwrap_or_default();
            let used =
                get(ctx, "iam:GetAccessKeyLastUsed", &[], iam.get_access_key_last_used().access_key_id(id).send())
                    .await;
            let used = self.evidence_only("access key last used", used).flatten();
            let last = used.as_ref().and_then(|u| u.access_key_last_used());
            key_docs.push(json!({
                "AccessKeyId": id,
                "Status": status,
                "CreateDate": time(k.create_date()),
                "LastUsed": last.map(|l| json!({
                    "LastUsedDate": time(l.last_used_date()), "ServiceName": l.service_name(), "Region": l.region()
                })),
            }));
            access_keys.push(KeyStatus { id: id.to_owned(), status });
        }
        let profile =
            get(ctx, "iam:GetLoginProfile", &["NoSuchEntity"], iam.get_login_profile().user_name(name).send()).await?;
        let login = profile.as_ref().and_then(|p| p.login_profile());
        let names: Vec<String> = must(
            ctx,
            "iam:ListUserPolicies",
            iam.list_user_policies().user_name(name).into_paginator().items().send().try_collect(),
        )
        .await?;
        let mut inline = Map::new();
        for p in names.iter().take(MAX_ITEMS) {
            let o = must(ctx, "iam:GetUserPolicy", iam.get_user_policy().user_name(name).policy_name(p).send()).await?;
            inline.insert(p.clone(), policy_document(o.policy_document()));
        }
        let attached = must(
            ctx,
            "iam:ListAttachedUserPolicies",
            iam.list_attached_user_policies().user_name(name).into_paginator().items().send().try_collect(),
        )
        .await;
        let attached: Vec<Value> = self
            .evidence_only("user attached policies", attached)
            .unwrap_or_default()
            .iter()
            .map(|a| json!({"PolicyName": a.policy_name(), "PolicyArn": a.policy_arn()}))
            .collect();
        let groups = must(
            ctx,
            "iam:ListGroupsForUser",
            iam.list_groups_for_user().user_name(name).into_paginator().items().send().try_collect(),
        )
        .await;
        let groups: Vec<String> = self
            .evidence_only("user groups", groups)
            .unwrap_or_default()
            .iter()
            .map(|g| g.group_name().to_owned())
            .collect();
        let mfa = must(
            ctx,
            "iam:ListMFADevices",
            iam.list_mfa_devices().user_name(name).into_paginator().items().send().try_collect(),
        )
        .await;
        let mfa: Vec<Value> = self
            .evidence_only("user MFA devices", mfa)
            .unwrap_or_default()
            .iter()
            .map(|d| json!({"SerialNumber": d.serial_number(), "EnableDate": time(Some(d.enable_date()))}))
            .collect();
        self.keep(
            "user.json",
            json!({
                "UserName": user.user_name(),
                "Arn": user.arn(),
                "UserId": user.user_id(),
                "Path": user.path(),
                "CreateDate": time(Some(user.create_date())),
                "PasswordLastUsed": time(user.password_last_used()),
                "LoginProfile": login.map(|l| json!({"CreateDate": time(Some(l.create_date())), "PasswordResetRequired": l.password_reset_required()})),
                "AccessKeys": key_docs,
                "MFADevices": mfa,
                "Groups": groups,
                "InlinePolicies": inline,
                "AttachedPolicies": attached,
                "PermissionsBoundary": user.permissions_boundary().and_then(|b| b.permissions_boundary_arn()),
            }),
        );
        Ok(UserState {
            name: user.user_name().to_owned(),
            arn: Some(user.arn().to_owned()),
            access_keys,
            login_profile: login.is_some(),
            contain_policy: inline.get(CONTAIN_POLICY).cloned(),
        })
    }

    async fn access_key(&mut self, key: &str) -> Result<(String, KeyStatus), String> {
        let ctx = self.ctx;
        let iam = ctx.iam();
        let o = must(ctx, "iam:GetAccessKeyLastUsed", iam.get_access_key_last_used().access_key_id(key).send())
            .await
            .map_err(|e| format!("cannot find who owns access key {key}: {e}"))?;
        let user =
            o.user_name().map(str::to_owned).ok_or_else(|| format!("access key {key} belongs to no IAM user"))?;
        let last = o.access_key_last_used();
        self.keep(
            "access-key.json",
            json!({
                "AccessKeyId": key,
                "UserName": user,
                "LastUsed": last.map(|l| json!({
                    "LastUsedDate": time(l.last_used_date()), "ServiceName": l.service_name(), "Region": l.region()
                })),
            }),
        );
        let u = self.user(&user).await?;
        let status = u
            .access_keys
            .into_iter()
            .find(|k| k.id == key)
            .ok_or_else(|| format!("user {user} has no access key {key}"))?;
        Ok((user, status))
    }

    async fn bucket(&mut self, name: &str) -> Result<BucketState, String> {
        let ctx = self.ctx;
        let home = ctx.s3(Some(&self.region));
        let loc = get(ctx, "s3:GetBucketLocation", &["NoSuchBucket"], home.get_bucket_location().bucket(name).send())
            .await?
            .ok_or_else(|| format!("no bucket named `{name}`"))?;
        let region = crate::s3::location(loc.location_constraint().map(|c| c.as_str()));
        let s3 = ctx.s3(Some(&region));
        let pab = get(
            ctx,
            "s3:GetBucketPublicAccessBlock",
            &["NoSuchPublicAccessBlockConfiguration"],
            s3.get_public_access_block().bucket(name).send(),
        )
        .await?;
        let pab = pab.and_then(|o| o.public_access_block_configuration).map(|c| {
            json!({
                "BlockPublicAcls": c.block_public_acls().unwrap_or(false),
                "IgnorePublicAcls": c.ignore_public_acls().unwrap_or(false),
                "BlockPublicPolicy": c.block_public_policy().unwrap_or(false),
                "RestrictPublicBuckets": c.restrict_public_buckets().unwrap_or(false),
            })
        });
        let policy =
            get(ctx, "s3:GetBucketPolicy", &["NoSuchBucketPolicy"], s3.get_bucket_policy().bucket(name).send()).await;
        let policy =
            self.evidence_only("bucket policy", policy).flatten().and_then(|o| o.policy).map(|p| policy_document(&p));
        let acl = must(ctx, "s3:GetBucketAcl", s3.get_bucket_acl().bucket(name).send()).await;
        let acl = self.evidence_only("bucket ACL", acl).map(|o| {
            json!({
                "Owner": o.owner().and_then(|w| w.id()),
                "Grants": o.grants().iter().map(|g| {
                    let w = g.grantee();
                    json!({
                        "Grantee": w.and_then(|w| w.uri().or(w.id()).or(w.email_address())),
                        "Type": w.map(|w| w.r#type().as_str()),
                        "Permission": g.permission().map(|p| p.as_str()),
                    })
                }).collect::<Vec<_>>(),
            })
        });
        self.keep(
            "bucket.json",
            json!({"Bucket": name, "Region": region, "PublicAccessBlock": pab, "Policy": policy, "Acl": acl}),
        );
        Ok(BucketState { bucket: name.to_owned(), region, public_access_block: pab })
    }
}
