//! Web front ends and data discovery: load balancers (ELBv2 and Classic) and CloudFront
//! distributions with their access logging, and the Macie session of a region.

use crate::ctx::{Ctx, read_each};
use aws_sdk_cloudfront::types::DistributionSummary;
use warden_model::Observed;
use warden_model::inventory::{CloudFront, Distribution, Elb, LoadBalancer, Macie, MacieSession};

pub async fn elb(ctx: &Ctx, region: &str) -> Elb {
    let (v2, classic) = tokio::join!(elb_v2(ctx, region), elb_classic(ctx, region));
    Elb { v2, classic }
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
            let access_logs = ctx
                .obs(
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    c.describe_load_balancer_attributes().load_balancer_arn(&arn).send(),
                )
                .await
                .map(|o| {
                    o.attributes()
                        .iter()
                        .any(|a| a.key() == Some("access_logs.s3.enabled") && a.value() == Some("true"))
                });
            LoadBalancer {
                name: lb.load_balancer_name.unwrap_or_default(),
                kind: lb.r#type.map(|t| t.as_str().to_owned()).unwrap_or_default(),
                scheme: lb.scheme.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                access_logs,
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
            LoadBalancer {
                arn: format!(
                    "arn:{}:elasticloadbalancing:{region}:{}:loadbalancer/{name}",
                    ctx.partition, ctx.account_id
                ),
                kind: "classic".into(),
                scheme: lb.scheme.unwrap_or_default(),
                access_logs,
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
