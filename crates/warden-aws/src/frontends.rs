//! Web front ends and data discovery: load balancers (ELBv2 and Classic) with their
//! access logging, listeners, target groups and registered targets; CloudFront
//! distributions with their access logging; the Macie session of a region.

use crate::ctx::{Ctx, read_each};
use aws_sdk_cloudfront::types::DistributionSummary;
use aws_sdk_elasticloadbalancingv2::types::Action;
use warden_model::Observed;
use warden_model::inventory::{
    CloudFront, Distribution, Elb, Listener, LoadBalancer, Macie, MacieSession, Target, TargetGroup,
};

pub async fn elb(ctx: &Ctx, region: &str) -> Elb {
    let (v2, classic, target_groups) =
        tokio::join!(elb_v2(ctx, region), elb_classic(ctx, region), target_groups(ctx, region));
    Elb { v2, classic, target_groups }
}

/// The target groups an ELBv2 action forwards to (`TargetGroupArn`, or the weighted
/// groups of a `ForwardConfig`).
fn forwards_to(actions: &[Action]) -> impl Iterator<Item = String> + '_ {
    actions.iter().flat_map(|a| {
        let weighted = a.forward_config().map(|f| f.target_groups()).unwrap_or_default();
        a.target_group_arn().into_iter().chain(weighted.iter().filter_map(|t| t.target_group_arn())).map(str::to_owned)
    })
}

async fn elb_v2(ctx: &Ctx, region: &str) -> Observed<Vec<LoadBalancer>> {
    let c = ctx.elbv2(region);
    let listed = ctx
        .obs(
            "elasticloadbalancing:DescribeLoadBalancers",
            c.describe_load_balancers().into_paginator().items().send().try_collect(),
        )
        .await;
    read_each(listed, |lb| {
        let c = c.clone();
        async move {
            let arn = lb.load_balancer_arn.unwrap_or_default();
            let kind = lb.r#type.map(|t| t.as_str().to_owned()).unwrap_or_default();
            let attributes = ctx.obs(
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                c.describe_load_balancer_attributes().load_balancer_arn(&arn).send(),
            );
            let (attributes, listeners) = tokio::join!(attributes, listeners(ctx, &c, &arn, &kind));
            let access_logs = attributes.map(|o| {
                o.attributes().iter().any(|a| a.key() == Some("access_logs.s3.enabled") && a.value() == Some("true"))
            });
            LoadBalancer {
                name: lb.load_balancer_name.unwrap_or_default(),
                scheme: lb.scheme.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                access_logs,
                dns_name: lb.dns_name.unwrap_or_default(),
                vpc_id: lb.vpc_id,
                subnet_ids: lb.availability_zones.unwrap_or_default().into_iter().filter_map(|z| z.subnet_id).collect(),
                security_group_ids: lb.security_groups.unwrap_or_default(),
                ip_address_type: lb.ip_address_type.map_or_else(|| "ipv4".to_owned(), |t| t.as_str().to_owned()),
                listeners,
                instance_ids: Vec::new(),
                kind,
                arn,
            }
        }
    })
    .await
}

/// The listeners of one ELBv2 load balancer with the target groups they forward to: the
/// default actions, and for application load balancers the actions of every rule.
async fn listeners(
    ctx: &Ctx,
    c: &aws_sdk_elasticloadbalancingv2::Client,
    lb_arn: &str,
    kind: &str,
) -> Observed<Vec<Listener>> {
    let listed = ctx
        .obs(
            "elasticloadbalancing:DescribeListeners",
            c.describe_listeners().load_balancer_arn(lb_arn).into_paginator().items().send().try_collect(),
        )
        .await;
    let with_rules = kind == "application";
    let read = read_each(listed, |l| {
        let c = c.clone();
        async move {
            let arn = l.listener_arn.unwrap_or_default();
            let mut groups: Vec<String> = forwards_to(l.default_actions.as_deref().unwrap_or_default()).collect();
            if with_rules {
                let rules = ctx
                    .obs(
                        "elasticloadbalancing:DescribeRules",
                        c.describe_rules().listener_arn(&arn).into_paginator().items().send().try_collect(),
                    )
                    .await;
                match rules {
                    Observed::Known(rules) => {
                        groups.extend(rules.iter().flat_map(|r| forwards_to(r.actions.as_deref().unwrap_or_default())))
                    }
                    Observed::Unknown(u) => return Err(u),
                }
            }
            groups.sort();
            groups.dedup();
            Ok(Listener {
                port: l.port.unwrap_or_default(),
                protocol: l.protocol.map(|p| p.as_str().to_owned()).unwrap_or_default(),
                target_group_arns: groups,
                instance_port: None,
                arn,
            })
        }
    })
    .await;
    // A listener whose rules could not be read leaves the list unknown: a target group
    // only a rule forwards to would otherwise go unseen.
    match read {
        Observed::Known(all) => match all.into_iter().collect::<Result<Vec<_>, _>>() {
            Ok(listeners) => Observed::Known(listeners),
            Err(u) => Observed::Unknown(u),
        },
        Observed::Unknown(u) => Observed::Unknown(u),
    }
}

/// Every ELBv2 target group of the region with its registered targets and (network load
/// balancers) whether it preserves client addresses.
async fn target_groups(ctx: &Ctx, region: &str) -> Observed<Vec<TargetGroup>> {
    let c = ctx.elbv2(region);
    let listed = ctx
        .obs(
            "elasticloadbalancing:DescribeTargetGroups",
            c.describe_target_groups().into_paginator().items().send().try_collect(),
        )
        .await;
    read_each(listed, |g| {
        let c = c.clone();
        async move {
            let arn = g.target_group_arn.unwrap_or_default();
            let health = ctx.obs(
                "elasticloadbalancing:DescribeTargetHealth",
                c.describe_target_health().target_group_arn(&arn).send(),
            );
            let attributes = ctx.obs(
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                c.describe_target_group_attributes().target_group_arn(&arn).send(),
            );
            let (health, attributes) = tokio::join!(health, attributes);
            let targets = health.map(|o| {
                o.target_health_descriptions
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|d| {
                        let t = d.target?;
                        Some(Target {
                            id: t.id?,
                            port: t.port,
                            availability_zone: t.availability_zone,
                            health: d.target_health.and_then(|h| h.state).map(|s| s.as_str().to_owned()),
                        })
                    })
                    .collect()
            });
            // Best effort: without the attribute, AWS's default for the target type applies.
            let preserve_client_ip = attributes.known().and_then(|o| {
                o.attributes()
                    .iter()
                    .find(|a| a.key() == Some("preserve_client_ip.enabled"))
                    .and_then(|a| a.value())
                    .map(|v| v == "true")
            });
            TargetGroup {
                name: g.target_group_name.unwrap_or_default(),
                protocol: g.protocol.map(|p| p.as_str().to_owned()).unwrap_or_default(),
                port: g.port,
                target_type: g.target_type.map(|t| t.as_str().to_owned()).unwrap_or_default(),
                vpc_id: g.vpc_id,
                load_balancer_arns: g.load_balancer_arns.unwrap_or_default(),
                preserve_client_ip,
                targets,
                arn,
            }
        }
    })
    .await
}

async fn elb_classic(ctx: &Ctx, region: &str) -> Observed<Vec<LoadBalancer>> {
    let c = ctx.elb(region);
    let listed = ctx
        .obs(
            "elasticloadbalancing:DescribeLoadBalancers",
            c.describe_load_balancers().into_paginator().items().send().try_collect(),
        )
        .await;
    read_each(listed, |lb| {
        let c = c.clone();
        async move {
            let name = lb.load_balancer_name.unwrap_or_default();
            let access_logs = ctx
                .obs(
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    c.describe_load_balancer_attributes().load_balancer_name(&name).send(),
                )
                .await
                .map(|o| o.load_balancer_attributes.and_then(|a| a.access_log).is_some_and(|l| l.enabled));
            let listeners = lb
                .listener_descriptions
                .unwrap_or_default()
                .into_iter()
                .filter_map(|d| d.listener)
                .map(|l| Listener {
                    arn: String::new(),
                    port: l.load_balancer_port,
                    protocol: l.protocol,
                    target_group_arns: Vec::new(),
                    instance_port: Some(l.instance_port),
                })
                .collect();
            LoadBalancer {
                arn: format!(
                    "arn:{}:elasticloadbalancing:{region}:{}:loadbalancer/{name}",
                    ctx.partition, ctx.account_id
                ),
                kind: "classic".into(),
                scheme: lb.scheme.unwrap_or_default(),
                access_logs,
                dns_name: lb.dns_name.unwrap_or_default(),
                vpc_id: lb.vpc_id,
                subnet_ids: lb.subnets.unwrap_or_default(),
                security_group_ids: lb.security_groups.unwrap_or_default(),
                ip_address_type: "ipv4".into(),
                listeners: Observed::Known(listeners),
                instance_ids: lb.instances.unwrap_or_default().into_iter().filter_map(|i| i.instance_id).collect(),
                name,
            }
        }
    })
    .await
}

pub async fn cloudfront(ctx: &Ctx) -> CloudFront {
    let c = ctx.cloudfront();
    let listed = ctx
        .obs("cloudfront:ListDistributions", c.list_distributions().into_paginator().send().try_collect())
        .await
        .map(|pages| {
            pages.into_iter().flat_map(|o| o.distribution_list.and_then(|l| l.items).unwrap_or_default()).collect()
        });
    let distributions = read_each(listed, |d: DistributionSummary| {
        let c = c.clone();
        async move {
            let access_logs = ctx
                .obs("cloudfront:GetDistributionConfig", c.get_distribution_config().id(&d.id).send())
                .await
                .map(|o| o.distribution_config.and_then(|dc| dc.logging).is_some_and(|l| l.enabled));
            Distribution { id: d.id, arn: d.arn, domain_name: d.domain_name, access_logs }
        }
    })
    .await;
    CloudFront { distributions }
}

/// Error codes meaning "Macie is not enabled here" (AWS answers AccessDeniedException
/// with a "not enabled" message, which is told apart below; moto answers not found).
const MACIE_ABSENT: &[&str] = &["ResourceNotFoundException"];

pub async fn macie(ctx: &Ctx, region: &str) -> Macie {
    let c = ctx.macie(region);
    let session = match ctx.obs_opt("macie2:GetMacieSession", MACIE_ABSENT, c.get_macie_session().send()).await {
        Observed::Unknown(u) if u.message.contains("Macie is not enabled") => Observed::Known(None),
        other => other
            .map(|o| o.map(|s| MacieSession { status: s.status.map(|x| x.as_str().to_owned()).unwrap_or_default() })),
    };
    Macie { session }
}
