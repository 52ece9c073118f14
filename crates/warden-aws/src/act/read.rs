//! A target's current state, in exactly the JSON shape `warden_respond::Target::desired`
//! produces — so "already fixed" is plain equality.

use crate::ctx::Ctx;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{Map, Value, json};
use std::future::Future;
use warden_respond::Target;
use warden_respond::target::{AclEntry, IPV4_WORLD, IPV6_WORLD, SgRule, metric_names};

/// One read: `Ok(None)` when the error code is one of `absent`.
async fn get<T, E, F>(ctx: &Ctx, op: &str, absent: &[&str], fut: F) -> Result<Option<T>, String>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    ctx.call(op, absent, fut).await.map_err(|u| format!("cannot read the current state: {u}"))
}

/// A read with no "absent" answer.
async fn must<T, E, F>(ctx: &Ctx, op: &str, fut: F) -> Result<T, String>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    get(ctx, op, &[], fut).await?.ok_or_else(|| format!("{op} gave no answer"))
}

fn bpa(b: Option<bool>, i: Option<bool>, p: Option<bool>, r: Option<bool>) -> Value {
    json!({
        "BlockPublicAcls": b.unwrap_or(false), "IgnorePublicAcls": i.unwrap_or(false),
        "BlockPublicPolicy": p.unwrap_or(false), "RestrictPublicBuckets": r.unwrap_or(false)
    })
}

pub(super) async fn state(ctx: &Ctx, region: &str, target: &Target) -> Result<Value, String> {
    use Target::*;
    let s3 = || ctx.s3(Some(region));
    Ok(match target {
        AccountPublicAccessBlock { account_id } => {
            let r = get(
                ctx,
                "s3:GetAccountPublicAccessBlock",
                &["NoSuchPublicAccessBlockConfiguration"],
                ctx.s3control().get_public_access_block().account_id(account_id).send(),
            )
            .await?;
            match r.and_then(|o| o.public_access_block_configuration) {
                Some(c) => {
                    bpa(c.block_public_acls, c.ignore_public_acls, c.block_public_policy, c.restrict_public_buckets)
                }
                None => Value::Null,
            }
        }
        BucketPublicAccessBlock { bucket } => {
            let r = get(
                ctx,
                "s3:GetBucketPublicAccessBlock",
                &["NoSuchPublicAccessBlockConfiguration"],
                s3().get_public_access_block().bucket(bucket).send(),
            )
            .await?;
            match r.and_then(|o| o.public_access_block_configuration) {
                Some(c) => {
                    bpa(c.block_public_acls, c.ignore_public_acls, c.block_public_policy, c.restrict_public_buckets)
                }
                None => Value::Null,
            }
        }
        BucketTlsOnly { bucket } => {
            let r =
                get(ctx, "s3:GetBucketPolicy", &["NoSuchBucketPolicy"], s3().get_bucket_policy().bucket(bucket).send())
                    .await?;
            match r.and_then(|o| o.policy) {
                Some(text) => {
                    serde_json::from_str(&text).map_err(|e| format!("bucket {bucket}'s policy is not JSON: {e}"))?
                }
                None => Value::Null,
            }
        }
        BucketEncryption { bucket } => {
            let r = get(
                ctx,
                "s3:GetEncryptionConfiguration",
                &["ServerSideEncryptionConfigurationNotFoundError"],
                s3().get_bucket_encryption().bucket(bucket).send(),
            )
            .await?;
            let rule = r
                .and_then(|o| o.server_side_encryption_configuration)
                .and_then(|c| c.rules.into_iter().next())
                .and_then(|r| r.apply_server_side_encryption_by_default);
            match rule {
                Some(d) => {
                    let mut m = Map::new();
                    m.insert("SSEAlgorithm".into(), json!(d.sse_algorithm.as_str()));
                    if let Some(k) = d.kms_master_key_id {
                        m.insert("KMSMasterKeyID".into(), json!(k));
                    }
                    Value::Object(m)
                }
                None => Value::Null,
            }
        }
        BucketVersioning { bucket } => {
            let o = must(ctx, "s3:GetBucketVersioning", s3().get_bucket_versioning().bucket(bucket).send()).await?;
            json!({"Status": o.status.map(|s| s.as_str().to_owned())})
        }
        BucketLogging { bucket, .. } => {
            let o = must(ctx, "s3:GetBucketLogging", s3().get_bucket_logging().bucket(bucket).send()).await?;
            match o.logging_enabled {
                Some(l) => json!({"TargetBucket": l.target_bucket, "TargetPrefix": l.target_prefix}),
                None => Value::Null,
            }
        }
        EbsDefaultEncryption => {
            let o = must(ctx, "ec2:GetEbsEncryptionByDefault", ctx.ec2(region).get_ebs_encryption_by_default().send())
                .await?;
            json!({"Enabled": o.ebs_encryption_by_default.unwrap_or(false)})
        }
        KeyRotation { key_id } => {
            let o =
                must(ctx, "kms:GetKeyRotationStatus", ctx.kms(region).get_key_rotation_status().key_id(key_id).send())
                    .await?;
            json!({"Enabled": o.key_rotation_enabled})
        }
        KeyDeletionCancelled { key_id } => {
            let o = must(ctx, "kms:DescribeKey", ctx.kms(region).describe_key().key_id(key_id).send()).await?;
            let st = o.key_metadata.and_then(|m| m.key_state).map(|s| s.as_str().to_owned());
            json!({"KeyState": st})
        }
        PasswordPolicy => {
            let r = get(
                ctx,
                "iam:GetAccountPasswordPolicy",
                &["NoSuchEntity"],
                ctx.iam().get_account_password_policy().send(),
            )
            .await?;
            match r.and_then(|o| o.password_policy) {
                Some(p) => {
                    let mut m = Map::new();
                    m.insert("MinimumPasswordLength".into(), json!(p.minimum_password_length));
                    m.insert("RequireSymbols".into(), json!(p.require_symbols));
                    m.insert("RequireNumbers".into(), json!(p.require_numbers));
                    m.insert("RequireUppercaseCharacters".into(), json!(p.require_uppercase_characters));
                    m.insert("RequireLowercaseCharacters".into(), json!(p.require_lowercase_characters));
                    m.insert("AllowUsersToChangePassword".into(), json!(p.allow_users_to_change_password));
                    for (k, v) in [
                        ("MaxPasswordAge", p.max_password_age),
                        ("PasswordReusePrevention", p.password_reuse_prevention),
                    ] {
                        if let Some(v) = v {
                            m.insert(k.into(), json!(v));
                        }
                    }
                    if let Some(h) = p.hard_expiry {
                        m.insert("HardExpiry".into(), json!(h));
                    }
                    Value::Object(m)
                }
                None => Value::Null,
            }
        }
        AccessKeyInactive { user, access_key_id } => {
            let o = must(ctx, "iam:ListAccessKeys", ctx.iam().list_access_keys().user_name(user).send()).await?;
            let k = o.access_key_metadata.into_iter().find(|k| k.access_key_id.as_deref() == Some(access_key_id));
            let k = k.ok_or_else(|| format!("user {user} has no access key {access_key_id}"))?;
            json!({"Status": k.status.map(|s| s.as_str().to_owned())})
        }
        LoginProfileRemoved { user } => {
            let r = get(
                ctx,
                "iam:GetLoginProfile",
                &["NoSuchEntity"],
                ctx.iam().get_login_profile().user_name(user).send(),
            )
            .await?;
            json!({"Exists": r.is_some()})
        }
        SecurityGroupWorldIngress { group_id, ports, replace_cidr } => {
            let (ingress, _) = sg_rules(ctx, region, group_id).await?;
            let wanted = |r: &SgRule| {
                let src = r.cidr_ipv4.as_deref().or(r.cidr_ipv6.as_deref());
                let world = matches!(src, Some(IPV4_WORLD | IPV6_WORLD));
                let narrowed = replace_cidr.is_some() && src == replace_cidr.as_deref();
                (world || narrowed) && r.covers_any(ports)
            };
            let mut rules: Vec<SgRule> = ingress.into_iter().filter(wanted).collect();
            rules.sort();
            json!({"Rules": rules})
        }
        DefaultSecurityGroupClosed { group_id } => {
            let (mut ingress, mut egress) = sg_rules(ctx, region, group_id).await?;
            ingress.sort();
            egress.sort();
            json!({"Ingress": ingress, "Egress": egress})
        }
        NetworkAclAdminDeny { network_acl_id, .. } => {
            let o = must(
                ctx,
                "ec2:DescribeNetworkAcls",
                ctx.ec2(region).describe_network_acls().network_acl_ids(network_acl_id).send(),
            )
            .await?;
            let acl = o
                .network_acls
                .unwrap_or_default()
                .into_iter()
                .next()
                .ok_or_else(|| format!("no network ACL {network_acl_id}"))?;
            let mut entries: Vec<AclEntry> = acl
                .entries
                .unwrap_or_default()
                .into_iter()
                .filter(|e| e.egress == Some(false) && e.rule_number != Some(32767))
                .map(|e| AclEntry {
                    rule_number: e.rule_number.unwrap_or_default(),
                    protocol: e.protocol.unwrap_or_default(),
                    action: e.rule_action.map(|a| a.as_str().to_owned()).unwrap_or_default(),
                    cidr: e.cidr_block,
                    ipv6_cidr: e.ipv6_cidr_block,
                    ports: e.port_range.map(|p| (p.from.unwrap_or_default(), p.to.unwrap_or_default())),
                })
                .collect();
            entries.sort();
            json!({"Entries": entries})
        }
        InstanceImdsV2 { instance_id } => {
            let o = must(
                ctx,
                "ec2:DescribeInstances",
                ctx.ec2(region).describe_instances().instance_ids(instance_id).send(),
            )
            .await?;
            let i = o.reservations.unwrap_or_default().into_iter().flat_map(|r| r.instances.unwrap_or_default()).next();
            let i = i.ok_or_else(|| format!("no instance {instance_id}"))?;
            let tokens = i.metadata_options.and_then(|m| m.http_tokens).map(|t| t.as_str().to_owned());
            json!({"HttpTokens": tokens})
        }
        VpcFlowLogs { vpc_id, .. } => {
            let f = aws_sdk_ec2::types::Filter::builder().name("resource-id").values(vpc_id).build();
            let o = must(ctx, "ec2:DescribeFlowLogs", ctx.ec2(region).describe_flow_logs().filter(f).send()).await?;
            let logs: Vec<Value> = o
                .flow_logs
                .unwrap_or_default()
                .into_iter()
                .map(|l| json!({"FlowLogId": l.flow_log_id, "LogDestination": l.log_destination.or(l.log_group_name)}))
                .collect();
            json!({"FlowLogs": logs})
        }
        TrailMultiRegion { trail } => {
            let t = get_trail(ctx, region, trail).await?;
            let st =
                must(ctx, "cloudtrail:GetTrailStatus", ctx.cloudtrail(region).get_trail_status().name(trail).send())
                    .await?;
            json!({"IsMultiRegionTrail": t.is_multi_region_trail.unwrap_or(false), "IsLogging": st.is_logging.unwrap_or(false)})
        }
        TrailLogFileValidation { trail } => {
            let t = get_trail(ctx, region, trail).await?;
            json!({"LogFileValidationEnabled": t.log_file_validation_enabled.unwrap_or(false)})
        }
        TrailKmsEncryption { trail, .. } => {
            let t = get_trail(ctx, region, trail).await?;
            json!({"KmsKeyId": t.kms_key_id})
        }
        TrailS3DataEvents { trail, .. } => {
            let o = must(
                ctx,
                "cloudtrail:GetEventSelectors",
                ctx.cloudtrail(region).get_event_selectors().trail_name(trail).send(),
            )
            .await?;
            let selectors: Vec<Value> = o
                .event_selectors
                .unwrap_or_default()
                .into_iter()
                .map(|s| {
                    let data: Vec<Value> = s
                        .data_resources
                        .unwrap_or_default()
                        .into_iter()
                        .map(|d| json!({"Type": d.r#type, "Values": d.values.unwrap_or_default()}))
                        .collect();
                    json!({
                        "ReadWriteType": s.read_write_type.map(|r| r.as_str().to_owned()),
                        "IncludeManagementEvents": s.include_management_events,
                        "DataResources": data
                    })
                })
                .collect();
            let advanced = o.advanced_event_selectors.unwrap_or_default();
            if advanced.is_empty() {
                json!({"EventSelectors": selectors})
            } else {
                let names: Vec<Value> = advanced.iter().map(|a| json!({"Name": a.name})).collect();
                json!({"EventSelectors": selectors, "AdvancedEventSelectors": names})
            }
        }
        ConfigRecorder { .. } => {
            let c = ctx.config(region);
            let recs =
                must(ctx, "config:DescribeConfigurationRecorders", c.describe_configuration_recorders().send()).await?;
            let chans = must(ctx, "config:DescribeDeliveryChannels", c.describe_delivery_channels().send()).await?;
            let stat = must(
                ctx,
                "config:DescribeConfigurationRecorderStatus",
                c.describe_configuration_recorder_status().send(),
            )
            .await?;
            let recorder = recs.configuration_recorders.unwrap_or_default().into_iter().next().map(|r| {
                let g = r.recording_group;
                json!({
                    "name": r.name, "roleARN": r.role_arn,
                    "recordingGroup": {
                        "allSupported": g.as_ref().is_some_and(|g| g.all_supported),
                        "includeGlobalResourceTypes": g.as_ref().is_some_and(|g| g.include_global_resource_types)
                    }
                })
            });
            let channel = chans
                .delivery_channels
                .unwrap_or_default()
                .into_iter()
                .next()
                .map(|d| json!({"name": d.name, "s3BucketName": d.s3_bucket_name}));
            let recording = stat.configuration_recorders_status.unwrap_or_default().iter().any(|s| s.recording);
            json!({"Recorder": recorder, "Channel": channel, "Recording": recording})
        }
        GuardDuty => {
            let gd = ctx.guardduty(region);
            let ids = must(ctx, "guardduty:ListDetectors", gd.list_detectors().send())
                .await?
                .detector_ids
                .unwrap_or_default();
            let mut detectors = Vec::new();
            for id in ids {
                let d = must(ctx, "guardduty:GetDetector", gd.get_detector().detector_id(&id).send()).await?;
                detectors.push(json!({"DetectorId": id, "Status": d.status.map(|s| s.as_str().to_owned())}));
            }
            json!({"Detectors": detectors})
        }
        SecurityHub => {
            let absent = ["InvalidAccessException", "ResourceNotFoundException"];
            let r = get(ctx, "securityhub:DescribeHub", &absent, ctx.securityhub(region).describe_hub().send()).await?;
            json!({"Enabled": r.is_some()})
        }
        AccessAnalyzer => {
            let o =
                must(ctx, "access-analyzer:ListAnalyzers", ctx.access_analyzer(region).list_analyzers().send()).await?;
            let active: Vec<Value> = o
                .analyzers
                .into_iter()
                .filter(|a| a.status.as_str() == "ACTIVE")
                .map(|a| json!({"AnalyzerName": a.name, "Type": a.r#type.as_str()}))
                .collect();
            json!({"Analyzers": active})
        }
        Macie => {
            let r = get(
                ctx,
                "macie2:GetMacieSession",
                &["AccessDeniedException", "ResourceNotFoundException"],
                ctx.macie(region).get_macie_session().send(),
            )
            .await?;
            json!({"Status": r.and_then(|o| o.status).map(|s| s.as_str().to_owned())})
        }
        MetricFilterAlarm { check_id, log_group, .. } => {
            let (filter_name, alarm_name, _) = metric_names(check_id)?;
            let o = must(
                ctx,
                "logs:DescribeMetricFilters",
                ctx.logs(region)
                    .describe_metric_filters()
                    .log_group_name(log_group)
                    .filter_name_prefix(&filter_name)
                    .send(),
            )
            .await?;
            let filter = o.metric_filters.unwrap_or_default().into_iter().find(|f| f.filter_name.as_deref() == Some(&filter_name)).map(|f| {
                let t: Vec<Value> = f
                    .metric_transformations
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| json!({"metricName": t.metric_name, "metricNamespace": t.metric_namespace, "metricValue": t.metric_value}))
                    .collect();
                json!({"filterName": f.filter_name, "filterPattern": f.filter_pattern, "metricTransformations": t})
            });
            let a = must(
                ctx,
                "cloudwatch:DescribeAlarms",
                ctx.cloudwatch(region).describe_alarms().alarm_names(&alarm_name).send(),
            )
            .await?;
            let alarm = a.metric_alarms.unwrap_or_default().into_iter().next().map(|m| {
                json!({
                    "AlarmName": m.alarm_name,
                    "AlarmDescription": m.alarm_description,
                    "MetricName": m.metric_name,
                    "Namespace": m.namespace,
                    "Statistic": m.statistic.map(|s| s.as_str().to_owned()),
                    "Period": m.period,
                    "EvaluationPeriods": m.evaluation_periods,
                    "Threshold": m.threshold,
                    "ComparisonOperator": m.comparison_operator.map(|c| c.as_str().to_owned()),
                    "TreatMissingData": m.treat_missing_data,
                    "ActionsEnabled": m.actions_enabled,
                    "AlarmActions": m.alarm_actions.unwrap_or_default()
                })
            });
            json!({"Filter": filter, "Alarm": alarm})
        }
        SnapshotNotPublic { snapshot_id } => {
            let o = must(
                ctx,
                "ec2:DescribeSnapshotAttribute",
                ctx.ec2(region)
                    .describe_snapshot_attribute()
                    .snapshot_id(snapshot_id)
                    .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                    .send(),
            )
            .await?;
            let public = o
                .create_volume_permissions
                .unwrap_or_default()
                .iter()
                .any(|p| p.group.as_ref().is_some_and(|g| g.as_str() == "all"));
            json!({"Public": public})
        }
        DbInstanceNotPublic { db_instance } | DbInstanceMinorUpgrades { db_instance } => {
            let o = must(
                ctx,
                "rds:DescribeDBInstances",
                ctx.rds(region).describe_db_instances().db_instance_identifier(db_instance).send(),
            )
            .await?;
            let db = o
                .db_instances
                .unwrap_or_default()
                .into_iter()
                .next()
                .ok_or_else(|| format!("no DB instance {db_instance}"))?;
            if matches!(target, DbInstanceNotPublic { .. }) {
                json!({"PubliclyAccessible": db.publicly_accessible.unwrap_or(false)})
            } else {
                json!({"AutoMinorVersionUpgrade": db.auto_minor_version_upgrade.unwrap_or(false)})
            }
        }
        SecurityContact { .. } => {
            let r = get(
                ctx,
                "account:GetAlternateContact",
                &["ResourceNotFoundException"],
                ctx.account()
                    .get_alternate_contact()
                    .alternate_contact_type(aws_sdk_account::types::AlternateContactType::Security)
                    .send(),
            )
            .await?;
            match r.and_then(|o| o.alternate_contact) {
                Some(c) => {
                    json!({"Contact": {"Name": c.name, "EmailAddress": c.email_address, "PhoneNumber": c.phone_number, "Title": c.title}})
                }
                None => json!({"Contact": null}),
            }
        }
    })
}

async fn get_trail(ctx: &Ctx, region: &str, trail: &str) -> Result<aws_sdk_cloudtrail::types::Trail, String> {
    let o = must(ctx, "cloudtrail:GetTrail", ctx.cloudtrail(region).get_trail().name(trail).send()).await?;
    o.trail.ok_or_else(|| format!("no trail {trail}"))
}

/// A group's rules, flattened (one source per rule): (ingress, egress).
async fn sg_rules(ctx: &Ctx, region: &str, group_id: &str) -> Result<(Vec<SgRule>, Vec<SgRule>), String> {
    let f = aws_sdk_ec2::types::Filter::builder().name("group-id").values(group_id).build();
    let o =
        must(ctx, "ec2:DescribeSecurityGroupRules", ctx.ec2(region).describe_security_group_rules().filters(f).send())
            .await?;
    let (mut ingress, mut egress) = (Vec::new(), Vec::new());
    for r in o.security_group_rules.unwrap_or_default() {
        let rule = SgRule {
            protocol: r.ip_protocol.unwrap_or_default(),
            from_port: r.from_port.unwrap_or(-1),
            to_port: r.to_port.unwrap_or(-1),
            cidr_ipv4: r.cidr_ipv4,
            cidr_ipv6: r.cidr_ipv6,
            group: r.referenced_group_info.and_then(|g| g.group_id),
            description: r.description.filter(|d| !d.is_empty()),
        };
        if r.is_egress == Some(true) { egress.push(rule) } else { ingress.push(rule) }
    }
    Ok((ingress, egress))
}
