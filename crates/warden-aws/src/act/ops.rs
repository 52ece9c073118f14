//! Sending a [`Call`]: the operation named, with the parameters given, and nothing else.
//! An operation Warden does not know is an error, never a guess.

use crate::ctx::Ctx;
use crate::error::describe;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use warden_respond::Call;

/// A call that succeeded, with the request id AWS gave it and what it returned that a
/// later step or an undo needs (a created id).
#[derive(Debug, Clone, Serialize)]
pub struct Performed {
    pub call: Call,
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub result: Value,
}

type Sent = Result<(Option<String>, Value), String>;

async fn send<T, E, F>(fut: F) -> Sent
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    T: RequestId,
{
    match fut.await {
        Ok(o) => Ok((o.request_id().map(str::to_owned), Value::Null)),
        Err(e) => Err(describe(&e)),
    }
}

fn b(call: &Call, k: &str) -> Option<bool> {
    call.get(k).and_then(Value::as_bool)
}

fn i(call: &Call, k: &str) -> Option<i32> {
    call.get(k).and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok())
}

fn strs(call: &Call, k: &str) -> Vec<String> {
    call.get(k)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn obj<'a>(call: &'a Call, k: &str) -> Result<&'a Value, String> {
    call.get(k).ok_or_else(|| format!("{}:{} needs `{k}`", call.service, call.operation))
}

pub(super) async fn perform(ctx: &Ctx, region: &str, call: &Call) -> Result<Performed, String> {
    let (request_id, result) = dispatch(ctx, region, call).await?;
    Ok(Performed { call: call.clone(), request_id, result })
}

async fn dispatch(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    match c.service.as_str() {
        "s3" | "s3control" => s3(ctx, region, c).await,
        "ec2" => ec2(ctx, region, c).await,
        "kms" => {
            let k = ctx.kms(region);
            let id = c.str("KeyId")?;
            match c.operation.as_str() {
                "EnableKeyRotation" => send(k.enable_key_rotation().key_id(id).send()).await,
                "DisableKeyRotation" => send(k.disable_key_rotation().key_id(id).send()).await,
                "CancelKeyDeletion" => send(k.cancel_key_deletion().key_id(id).send()).await,
                "ScheduleKeyDeletion" => {
                    send(
                        k.schedule_key_deletion()
                            .key_id(id)
                            .set_pending_window_in_days(i(c, "PendingWindowInDays"))
                            .send(),
                    )
                    .await
                }
                "EnableKey" => send(k.enable_key().key_id(id).send()).await,
                "DisableKey" => send(k.disable_key().key_id(id).send()).await,
                _ => unknown(c),
            }
        }
        "iam" => iam(ctx, c).await,
        "cloudtrail" => cloudtrail(ctx, region, c).await,
        "config" => config(ctx, region, c).await,
        "guardduty" => {
            let g = ctx.guardduty(region);
            match c.operation.as_str() {
                "CreateDetector" => match g.create_detector().enable(true).send().await {
                    Ok(o) => Ok((o.request_id().map(str::to_owned), serde_json::json!({"DetectorId": o.detector_id}))),
                    Err(e) => Err(describe(&e)),
                },
                "DeleteDetector" => send(g.delete_detector().detector_id(c.str("DetectorId")?).send()).await,
                "UpdateDetector" => {
                    send(g.update_detector().detector_id(c.str("DetectorId")?).set_enable(b(c, "Enable")).send()).await
                }
                _ => unknown(c),
            }
        }
        "securityhub" => {
            let h = ctx.securityhub(region);
            match c.operation.as_str() {
                "EnableSecurityHub" => {
                    send(h.enable_security_hub().set_enable_default_standards(b(c, "EnableDefaultStandards")).send())
                        .await
                }
                "DisableSecurityHub" => send(h.disable_security_hub().send()).await,
                _ => unknown(c),
            }
        }
        "accessanalyzer" => {
            let a = ctx.access_analyzer(region);
            match c.operation.as_str() {
                "CreateAnalyzer" => {
                    let t = aws_sdk_accessanalyzer::types::Type::from(c.str("Type")?);
                    send(a.create_analyzer().analyzer_name(c.str("AnalyzerName")?).r#type(t).send()).await
                }
                "DeleteAnalyzer" => send(a.delete_analyzer().analyzer_name(c.str("AnalyzerName")?).send()).await,
                _ => unknown(c),
            }
        }
        "macie2" => {
            let m = ctx.macie(region);
            let status = || aws_sdk_macie2::types::MacieStatus::from(c.str("Status").unwrap_or("ENABLED"));
            match c.operation.as_str() {
                "EnableMacie" => send(m.enable_macie().status(status()).send()).await,
                "UpdateMacieSession" => send(m.update_macie_session().status(status()).send()).await,
                "DisableMacie" => send(m.disable_macie().send()).await,
                _ => unknown(c),
            }
        }
        "logs" => logs(ctx, region, c).await,
        "cloudwatch" => cloudwatch(ctx, region, c).await,
        "rds" => match c.operation.as_str() {
            "ModifyDBInstance" => {
                let r = ctx.rds(region);
                send(
                    r.modify_db_instance()
                        .db_instance_identifier(c.str("DBInstanceIdentifier")?)
                        .set_publicly_accessible(b(c, "PubliclyAccessible"))
                        .set_auto_minor_version_upgrade(b(c, "AutoMinorVersionUpgrade"))
                        .set_apply_immediately(b(c, "ApplyImmediately"))
                        .send(),
                )
                .await
            }
            _ => unknown(c),
        },
        "account" => {
            use aws_sdk_account::types::AlternateContactType;
            let a = ctx.account();
            let kind = AlternateContactType::from(c.str("AlternateContactType")?);
            match c.operation.as_str() {
                "PutAlternateContact" => {
                    send(
                        a.put_alternate_contact()
                            .alternate_contact_type(kind)
                            .name(c.str("Name")?)
                            .email_address(c.str("EmailAddress")?)
                            .phone_number(c.str("PhoneNumber")?)
                            .title(c.str("Title")?)
                            .send(),
                    )
                    .await
                }
                "DeleteAlternateContact" => {
                    send(a.delete_alternate_contact().alternate_contact_type(kind).send()).await
                }
                _ => unknown(c),
            }
        }
        _ => super::playbook_ops::dispatch(ctx, region, c).await,
    }
}

pub(crate) fn unknown(c: &Call) -> Sent {
    Err(format!("Warden does not perform {}:{}", c.service, c.operation))
}

async fn s3(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    use aws_sdk_s3::types::{
        BucketLoggingStatus, BucketVersioningStatus, LoggingEnabled, PublicAccessBlockConfiguration,
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule, VersioningConfiguration,
    };
    let s = ctx.s3(Some(region));
    let cfg = |v: &Value| {
        let f = |k: &str| v.get(k).and_then(Value::as_bool);
        (f("BlockPublicAcls"), f("IgnorePublicAcls"), f("BlockPublicPolicy"), f("RestrictPublicBuckets"))
    };
    match (c.service.as_str(), c.operation.as_str()) {
        ("s3control", "PutPublicAccessBlock") => {
            let (a, i, p, r) = cfg(obj(c, "PublicAccessBlockConfiguration")?);
            let conf = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .set_block_public_acls(a)
                .set_ignore_public_acls(i)
                .set_block_public_policy(p)
                .set_restrict_public_buckets(r)
                .build();
            let s3c = ctx.s3control();
            send(
                s3c.put_public_access_block()
                    .account_id(c.str("AccountId")?)
                    .public_access_block_configuration(conf)
                    .send(),
            )
            .await
        }
        ("s3control", "DeletePublicAccessBlock") => {
            send(ctx.s3control().delete_public_access_block().account_id(c.str("AccountId")?).send()).await
        }
        ("s3", op) => {
            let bucket = c.str("Bucket")?;
            match op {
                "PutPublicAccessBlock" => {
                    let (a, i, p, r) = cfg(obj(c, "PublicAccessBlockConfiguration")?);
                    let conf = PublicAccessBlockConfiguration::builder()
                        .set_block_public_acls(a)
                        .set_ignore_public_acls(i)
                        .set_block_public_policy(p)
                        .set_restrict_public_buckets(r)
                        .build();
                    send(s.put_public_access_block().bucket(bucket).public_access_block_configuration(conf).send())
                        .await
                }
                "DeletePublicAccessBlock" => send(s.delete_public_access_block().bucket(bucket).send()).await,
                "PutBucketPolicy" => send(s.put_bucket_policy().bucket(bucket).policy(c.str("Policy")?).send()).await,
                "DeleteBucketPolicy" => send(s.delete_bucket_policy().bucket(bucket).send()).await,
                "PutBucketEncryption" => {
                    let d =
                        &obj(c, "ServerSideEncryptionConfiguration")?["Rules"][0]["ApplyServerSideEncryptionByDefault"];
                    let alg = d.get("SSEAlgorithm").and_then(Value::as_str).unwrap_or("AES256");
                    let by_default = ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::from(alg))
                        .set_kms_master_key_id(d.get("KMSMasterKeyID").and_then(Value::as_str).map(str::to_owned))
                        .build()
                        .map_err(|e| e.to_string())?;
                    let conf = ServerSideEncryptionConfiguration::builder()
                        .rules(
                            ServerSideEncryptionRule::builder()
                                .apply_server_side_encryption_by_default(by_default)
                                .build(),
                        )
                        .build()
                        .map_err(|e| e.to_string())?;
                    send(s.put_bucket_encryption().bucket(bucket).server_side_encryption_configuration(conf).send())
                        .await
                }
                "DeleteBucketEncryption" => send(s.delete_bucket_encryption().bucket(bucket).send()).await,
                "PutBucketVersioning" => {
                    let st =
                        obj(c, "VersioningConfiguration")?.get("Status").and_then(Value::as_str).unwrap_or("Suspended");
                    let conf = VersioningConfiguration::builder().status(BucketVersioningStatus::from(st)).build();
                    send(s.put_bucket_versioning().bucket(bucket).versioning_configuration(conf).send()).await
                }
                "PutBucketLogging" => {
                    let l = &obj(c, "BucketLoggingStatus")?["LoggingEnabled"];
                    let enabled = match l.get("TargetBucket").and_then(Value::as_str) {
                        Some(t) => Some(
                            LoggingEnabled::builder()
                                .target_bucket(t)
                                .target_prefix(l.get("TargetPrefix").and_then(Value::as_str).unwrap_or_default())
                                .build()
                                .map_err(|e| e.to_string())?,
                        ),
                        None => None,
                    };
                    let status = BucketLoggingStatus::builder().set_logging_enabled(enabled).build();
                    send(s.put_bucket_logging().bucket(bucket).bucket_logging_status(status).send()).await
                }
                _ => unknown(c),
            }
        }
        _ => unknown(c),
    }
}

/// `IpPermissions` in the API's shape → the SDK's.
pub(crate) fn ip_permissions(v: &Value) -> Vec<aws_sdk_ec2::types::IpPermission> {
    use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, UserIdGroupPair};
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |v: &Value, k: &str| v.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    v.as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let port = |k: &str| p.get(k).and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok());
            let mut b = IpPermission::builder()
                .set_ip_protocol(s(p, "IpProtocol"))
                .set_from_port(port("FromPort"))
                .set_to_port(port("ToPort"));
            for r in list(p, "IpRanges") {
                b = b.ip_ranges(
                    IpRange::builder().set_cidr_ip(s(&r, "CidrIp")).set_description(s(&r, "Description")).build(),
                );
            }
            for r in list(p, "Ipv6Ranges") {
                b = b.ipv6_ranges(
                    Ipv6Range::builder().set_cidr_ipv6(s(&r, "CidrIpv6")).set_description(s(&r, "Description")).build(),
                );
            }
            for r in list(p, "UserIdGroupPairs") {
                b = b.user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .set_group_id(s(&r, "GroupId"))
                        .set_description(s(&r, "Description"))
                        .build(),
                );
            }
            b.build()
        })
        .collect()
}

async fn ec2(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    use aws_sdk_ec2::types::{
        FlowLogsResourceType, HttpTokensState, InstanceMetadataEndpointState, LogDestinationType, OperationType,
        PortRange, RuleAction, SnapshotAttributeName, TrafficType,
    };
    let e = ctx.ec2(region);
    let perms = || c.get("IpPermissions").map(ip_permissions).unwrap_or_default();
    match c.operation.as_str() {
        "EnableEbsEncryptionByDefault" => send(e.enable_ebs_encryption_by_default().send()).await,
        "DisableEbsEncryptionByDefault" => send(e.disable_ebs_encryption_by_default().send()).await,
        "AuthorizeSecurityGroupIngress" => {
            send(
                e.authorize_security_group_ingress()
                    .group_id(c.str("GroupId")?)
                    .set_ip_permissions(Some(perms()))
                    .send(),
            )
            .await
        }
        "RevokeSecurityGroupIngress" => {
            send(e.revoke_security_group_ingress().group_id(c.str("GroupId")?).set_ip_permissions(Some(perms())).send())
                .await
        }
        "AuthorizeSecurityGroupEgress" => {
            send(
                e.authorize_security_group_egress()
                    .group_id(c.str("GroupId")?)
                    .set_ip_permissions(Some(perms()))
                    .send(),
            )
            .await
        }
        "RevokeSecurityGroupEgress" => {
            send(e.revoke_security_group_egress().group_id(c.str("GroupId")?).set_ip_permissions(Some(perms())).send())
                .await
        }
        "CreateNetworkAclEntry" => {
            let range = c.get("PortRange").map(|p| {
                let n = |k: &str| p.get(k).and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok());
                PortRange::builder().set_from(n("From")).set_to(n("To")).build()
            });
            send(
                e.create_network_acl_entry()
                    .network_acl_id(c.str("NetworkAclId")?)
                    .set_rule_number(i(c, "RuleNumber"))
                    .protocol(c.str("Protocol")?)
                    .rule_action(RuleAction::from(c.str("RuleAction")?))
                    .set_egress(b(c, "Egress"))
                    .set_cidr_block(c.get("CidrBlock").and_then(Value::as_str).map(str::to_owned))
                    .set_ipv6_cidr_block(c.get("Ipv6CidrBlock").and_then(Value::as_str).map(str::to_owned))
                    .set_port_range(range)
                    .send(),
            )
            .await
        }
        "DeleteNetworkAclEntry" => {
            send(
                e.delete_network_acl_entry()
                    .network_acl_id(c.str("NetworkAclId")?)
                    .set_rule_number(i(c, "RuleNumber"))
                    .set_egress(b(c, "Egress"))
                    .send(),
            )
            .await
        }
        "ModifyInstanceMetadataOptions" => {
            send(
                e.modify_instance_metadata_options()
                    .instance_id(c.str("InstanceId")?)
                    .http_tokens(HttpTokensState::from(c.str("HttpTokens")?))
                    .http_endpoint(InstanceMetadataEndpointState::from(c.str("HttpEndpoint").unwrap_or("enabled")))
                    .send(),
            )
            .await
        }
        "CreateFlowLogs" => match e
            .create_flow_logs()
            .set_resource_ids(Some(strs(c, "ResourceIds")))
            .resource_type(FlowLogsResourceType::from(c.str("ResourceType")?))
            .traffic_type(TrafficType::from(c.str("TrafficType")?))
            .log_destination_type(LogDestinationType::from(c.str("LogDestinationType")?))
            .log_destination(c.str("LogDestination")?)
            .send()
            .await
        {
            Ok(o) => {
                if let Some(u) = o.unsuccessful.as_ref().and_then(|u| u.first()) {
                    let why = u.error.as_ref().and_then(|e| e.message.clone()).unwrap_or_default();
                    return Err(format!("flow log not created: {why}"));
                }
                Ok((o.request_id().map(str::to_owned), serde_json::json!({"FlowLogIds": o.flow_log_ids})))
            }
            Err(err) => Err(describe(&err)),
        },
        "DeleteFlowLogs" => send(e.delete_flow_logs().set_flow_log_ids(Some(strs(c, "FlowLogIds"))).send()).await,
        "ModifySnapshotAttribute" => {
            send(
                e.modify_snapshot_attribute()
                    .snapshot_id(c.str("SnapshotId")?)
                    .attribute(SnapshotAttributeName::from(c.str("Attribute")?))
                    .operation_type(OperationType::from(c.str("OperationType")?))
                    .set_group_names(Some(strs(c, "GroupNames")))
                    .send(),
            )
            .await
        }
        _ => super::playbook_ops::dispatch(ctx, region, c).await,
    }
}

async fn iam(ctx: &Ctx, c: &Call) -> Sent {
    use aws_sdk_iam::types::StatusType;
    let m = ctx.iam();
    match c.operation.as_str() {
        "UpdateAccountPasswordPolicy" => {
            send(
                m.update_account_password_policy()
                    .set_minimum_password_length(i(c, "MinimumPasswordLength"))
                    .set_require_symbols(b(c, "RequireSymbols"))
                    .set_require_numbers(b(c, "RequireNumbers"))
                    .set_require_uppercase_characters(b(c, "RequireUppercaseCharacters"))
                    .set_require_lowercase_characters(b(c, "RequireLowercaseCharacters"))
                    .set_allow_users_to_change_password(b(c, "AllowUsersToChangePassword"))
                    .set_max_password_age(i(c, "MaxPasswordAge"))
                    .set_password_reuse_prevention(i(c, "PasswordReusePrevention"))
                    .set_hard_expiry(b(c, "HardExpiry"))
                    .send(),
            )
            .await
        }
        "DeleteAccountPasswordPolicy" => send(m.delete_account_password_policy().send()).await,
        "UpdateAccessKey" => {
            send(
                m.update_access_key()
                    .user_name(c.str("UserName")?)
                    .access_key_id(c.str("AccessKeyId")?)
                    .status(StatusType::from(c.str("Status")?))
                    .send(),
            )
            .await
        }
        "DeleteLoginProfile" => send(m.delete_login_profile().user_name(c.str("UserName")?).send()).await,
        _ => super::playbook_ops::dispatch(ctx, "global", c).await,
    }
}

async fn cloudtrail(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType};
    let t = ctx.cloudtrail(region);
    match c.operation.as_str() {
        "UpdateTrail" => {
            send(
                t.update_trail()
                    .name(c.str("Name")?)
                    .set_is_multi_region_trail(b(c, "IsMultiRegionTrail"))
                    .set_enable_log_file_validation(b(c, "EnableLogFileValidation"))
                    .set_kms_key_id(c.get("KmsKeyId").and_then(Value::as_str).map(str::to_owned))
                    .send(),
            )
            .await
        }
        "StartLogging" => send(t.start_logging().name(c.str("Name")?).send()).await,
        "StopLogging" => send(t.stop_logging().name(c.str("Name")?).send()).await,
        "PutEventSelectors" => {
            let selectors: Vec<EventSelector> = c
                .get("EventSelectors")
                .and_then(Value::as_array)
                .map(|a| a.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    let data =
                        s.get("DataResources").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or_default();
                    let data: Vec<DataResource> = data
                        .iter()
                        .map(|d| {
                            let values = d
                                .get("Values")
                                .and_then(Value::as_array)
                                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect());
                            DataResource::builder()
                                .set_type(d.get("Type").and_then(Value::as_str).map(str::to_owned))
                                .set_values(values)
                                .build()
                        })
                        .collect();
                    EventSelector::builder()
                        .set_read_write_type(s.get("ReadWriteType").and_then(Value::as_str).map(ReadWriteType::from))
                        .set_include_management_events(s.get("IncludeManagementEvents").and_then(Value::as_bool))
                        .set_data_resources(Some(data))
                        .build()
                })
                .collect();
            send(t.put_event_selectors().trail_name(c.str("TrailName")?).set_event_selectors(Some(selectors)).send())
                .await
        }
        _ => unknown(c),
    }
}

async fn config(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannel, RecordingGroup};
    let cf = ctx.config(region);
    match c.operation.as_str() {
        "PutConfigurationRecorder" => {
            let r = obj(c, "ConfigurationRecorder")?;
            let g = &r["recordingGroup"];
            let group = RecordingGroup::builder()
                .set_all_supported(g.get("allSupported").and_then(Value::as_bool))
                .set_include_global_resource_types(g.get("includeGlobalResourceTypes").and_then(Value::as_bool))
                .build();
            let rec = ConfigurationRecorder::builder()
                .set_name(r.get("name").and_then(Value::as_str).map(str::to_owned))
                .set_role_arn(r.get("roleARN").and_then(Value::as_str).map(str::to_owned))
                .recording_group(group)
                .build();
            send(cf.put_configuration_recorder().configuration_recorder(rec).send()).await
        }
        "PutDeliveryChannel" => {
            let d = obj(c, "DeliveryChannel")?;
            let ch = DeliveryChannel::builder()
                .set_name(d.get("name").and_then(Value::as_str).map(str::to_owned))
                .set_s3_bucket_name(d.get("s3BucketName").and_then(Value::as_str).map(str::to_owned))
                .build();
            send(cf.put_delivery_channel().delivery_channel(ch).send()).await
        }
        "StartConfigurationRecorder" => {
            send(
                cf.start_configuration_recorder()
                    .configuration_recorder_name(c.str("ConfigurationRecorderName")?)
                    .send(),
            )
            .await
        }
        "StopConfigurationRecorder" => {
            send(
                cf.stop_configuration_recorder()
                    .configuration_recorder_name(c.str("ConfigurationRecorderName")?)
                    .send(),
            )
            .await
        }
        "DeleteDeliveryChannel" => {
            send(cf.delete_delivery_channel().delivery_channel_name(c.str("DeliveryChannelName")?).send()).await
        }
        "DeleteConfigurationRecorder" => {
            send(
                cf.delete_configuration_recorder()
                    .configuration_recorder_name(c.str("ConfigurationRecorderName")?)
                    .send(),
            )
            .await
        }
        _ => unknown(c),
    }
}

async fn logs(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    use aws_sdk_cloudwatchlogs::types::MetricTransformation;
    let l = ctx.logs(region);
    match c.operation.as_str() {
        "PutMetricFilter" => {
            let t = &obj(c, "metricTransformations")?[0];
            let s = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_owned);
            let mt = MetricTransformation::builder()
                .set_metric_name(s("metricName"))
                .set_metric_namespace(s("metricNamespace"))
                .set_metric_value(s("metricValue"))
                .build()
                .map_err(|e| e.to_string())?;
            send(
                l.put_metric_filter()
                    .log_group_name(c.str("logGroupName")?)
                    .filter_name(c.str("filterName")?)
                    .filter_pattern(c.str("filterPattern")?)
                    .metric_transformations(mt)
                    .send(),
            )
            .await
        }
        "DeleteMetricFilter" => {
            send(
                l.delete_metric_filter()
                    .log_group_name(c.str("logGroupName")?)
                    .filter_name(c.str("filterName")?)
                    .send(),
            )
            .await
        }
        _ => unknown(c),
    }
}

async fn cloudwatch(ctx: &Ctx, region: &str, c: &Call) -> Sent {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    let w = ctx.cloudwatch(region);
    let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
    match c.operation.as_str() {
        "PutMetricAlarm" => {
            send(
                w.put_metric_alarm()
                    .alarm_name(c.str("AlarmName")?)
                    .set_alarm_description(s("AlarmDescription"))
                    .set_metric_name(s("MetricName"))
                    .set_namespace(s("Namespace"))
                    .set_statistic(s("Statistic").map(|v| Statistic::from(v.as_str())))
                    .set_period(i(c, "Period"))
                    .set_evaluation_periods(i(c, "EvaluationPeriods"))
                    .set_threshold(c.get("Threshold").and_then(Value::as_f64))
                    .set_comparison_operator(s("ComparisonOperator").map(|v| ComparisonOperator::from(v.as_str())))
                    .set_treat_missing_data(s("TreatMissingData"))
                    .set_actions_enabled(b(c, "ActionsEnabled"))
                    .set_alarm_actions(Some(strs(c, "AlarmActions")))
                    .send(),
            )
            .await
        }
        "DeleteAlarms" => send(w.delete_alarms().set_alarm_names(Some(strs(c, "AlarmNames"))).send()).await,
        _ => unknown(c),
    }
}
