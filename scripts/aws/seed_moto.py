#!/usr/bin/env python3
"""Seeds a realistic, deliberately flawed AWS estate into a running moto server.

Usage: seed_moto.py ENDPOINT_URL  (credentials and region from the environment)

Prints one JSON object naming what was created (ids the tests assert on). Every
planted weakness has a counterpart that must pass, so a test sees both outcomes.
"""
import json
import sys

import boto3

ENDPOINT = sys.argv[1]
REGION = "us-east-1"


def client(name):
    return boto3.client(name, endpoint_url=ENDPOINT, region_name=REGION)


def doc(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


out = {}
iam = client("iam")
sts = client("sts")
account = sts.get_caller_identity()["Account"]
out["account"] = account

# --- IAM: a weak password policy, users with and without MFA and keys, groups, roles.
iam.update_account_password_policy(MinimumPasswordLength=8)  # no reuse prevention

iam.create_group(GroupName="admins")
iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.create_group(GroupName="developers")
iam.put_group_policy(
    GroupName="developers",
    PolicyName="dev-read",
    PolicyDocument=doc([{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:List*"], "Resource": "*"}]),
)

full_admin = iam.create_policy(
    PolicyName="FullAdmin", PolicyDocument=doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
)["Policy"]["Arn"]
read_s3 = iam.create_policy(
    PolicyName="ReadS3", PolicyDocument=doc([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
)["Policy"]["Arn"]
out["policies"] = {"full_admin": full_admin, "read_s3": read_s3}

# alice: console password with a virtual MFA device, permissions through a group only.
iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "platform"}])
iam.create_login_profile(UserName="alice", Password="Correct-Horse-1!")
iam.add_user_to_group(GroupName="admins", UserName="alice")
mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-mfa")["VirtualMFADevice"]["SerialNumber"]
iam.enable_mfa_device(UserName="alice", SerialNumber=mfa, AuthenticationCode1="123456", AuthenticationCode2="654321")

# bob: console password, no MFA, an access key, policies attached directly.
iam.create_user(UserName="bob")
iam.create_login_profile(UserName="bob", Password="Correct-Horse-2!")
iam.create_access_key(UserName="bob")
iam.attach_user_policy(UserName="bob", PolicyArn=read_s3)
iam.put_user_policy(
    UserName="bob",
    PolicyName="bob-inline",
    PolicyDocument=doc([{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]),
)

# carol: no console password, two active access keys.
iam.create_user(UserName="carol")
iam.add_user_to_group(GroupName="developers", UserName="carol")
iam.create_access_key(UserName="carol")
iam.create_access_key(UserName="carol")

# Roles: an EC2 role with an inline full-admin policy, a support role.
app_trust = doc([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])
iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=app_trust)
iam.put_role_policy(
    RoleName="app-role",
    PolicyName="app-admin",
    PolicyDocument=doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
)
iam.attach_role_policy(RoleName="app-role", PolicyArn=full_admin)
iam.create_instance_profile(InstanceProfileName="app-profile")
iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app-role")
support_trust = doc(
    [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]
)
iam.create_role(RoleName="support", AssumeRolePolicyDocument=support_trust)
iam.attach_role_policy(RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")

# --- S3: a public bucket, a private hardened bucket, the trail bucket.
s3 = client("s3")
s3.create_bucket(Bucket="acme-public-assets")
s3.put_bucket_policy(
    Bucket="acme-public-assets",
    Policy=doc(
        [
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::acme-public-assets/*",
            }
        ]
    ),
)
s3.create_bucket(Bucket="acme-private-data")
s3.put_public_access_block(
    Bucket="acme-private-data",
    PublicAccessBlockConfiguration={
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    },
)
s3.put_bucket_policy(
    Bucket="acme-private-data",
    Policy=doc(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::acme-private-data", "arn:aws:s3:::acme-private-data/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    ),
)
s3.put_bucket_versioning(Bucket="acme-private-data", VersioningConfiguration={"Status": "Enabled"})
s3.put_bucket_encryption(
    Bucket="acme-private-data",
    ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
)
s3.put_bucket_tagging(Bucket="acme-private-data", Tagging={"TagSet": [{"Key": "data", "Value": "confidential"}]})
s3.create_bucket(Bucket="acme-trail-logs")
out["buckets"] = ["acme-public-assets", "acme-private-data", "acme-trail-logs"]

# --- EC2/VPC: a VPC, SGs open to the world on 22 and 3389, a NACL allowing SSH from
# anywhere, an IMDSv1 instance and an IMDSv2 one, encrypted and unencrypted volumes.
ec2 = client("ec2")
vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)

open_sg = ec2.create_security_group(GroupName="admin-open", Description="ssh and rdp from anywhere", VpcId=vpc)[
    "GroupId"
]
ec2.authorize_security_group_ingress(
    GroupId=open_sg,
    IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ],
)
web_sg = ec2.create_security_group(GroupName="web", Description="https from anywhere", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(
    GroupId=web_sg,
    IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
)
nacl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
ec2.create_network_acl_entry(
    NetworkAclId=nacl,
    RuleNumber=100,
    Protocol="6",
    RuleAction="allow",
    Egress=False,
    CidrBlock="0.0.0.0/0",
    PortRange={"From": 22, "To": 22},
)
ec2.create_network_acl_entry(
    NetworkAclId=nacl,
    RuleNumber=110,
    Protocol="6",
    RuleAction="allow",
    Egress=False,
    CidrBlock="10.0.0.0/8",
    PortRange={"From": 443, "To": 443},
)
image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
v1 = ec2.run_instances(
    ImageId=image,
    MinCount=1,
    MaxCount=1,
    InstanceType="t3.micro",
    SubnetId=subnet,
    SecurityGroupIds=[open_sg],
    MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "legacy-imdsv1"}]}],
)["Instances"][0]["InstanceId"]
v2 = ec2.run_instances(
    ImageId=image,
    MinCount=1,
    MaxCount=1,
    InstanceType="t3.micro",
    SubnetId=subnet,
    SecurityGroupIds=[web_sg],
    IamInstanceProfile={"Name": "app-profile"},
    MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
)["Instances"][0]["InstanceId"]
# --- An internet-facing ALB in the public subnet (and a second, private one) forwarding
# HTTP 80 to the IMDSv2 instance on 8080, which admits 8080 only from the ALB's group.
subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
alb_sg = ec2.create_security_group(GroupName="alb", Description="http from anywhere", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(
    GroupId=alb_sg,
    IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
)
ec2.authorize_security_group_ingress(
    GroupId=web_sg,
    IpPermissions=[{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": alb_sg}]}],
)
elbv2 = client("elbv2")
alb = elbv2.create_load_balancer(
    Name="acme-web", Subnets=[subnet, subnet_b], SecurityGroups=[alb_sg], Scheme="internet-facing",
    Type="application", IpAddressType="ipv4",
)["LoadBalancers"][0]["LoadBalancerArn"]
tg = elbv2.create_target_group(Name="acme-app", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance")[
    "TargetGroups"
][0]["TargetGroupArn"]
elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": v2, "Port": 8080}])
elbv2.create_listener(
    LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
)
db_sg = ec2.create_security_group(GroupName="acme-db", Description="postgres from anywhere", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(
    GroupId=db_sg,
    IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
)
plain = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=False)["VolumeId"]
sealed = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)["VolumeId"]
out["ec2"] = {
    "vpc": vpc,
    "subnet": subnet,
    "open_sg": open_sg,
    "web_sg": web_sg,
    "nacl": nacl,
    "subnet_b": subnet_b,
    "alb_sg": alb_sg,
    "db_sg": db_sg,
    "alb": alb,
    "target_group": tg,
    "imdsv1_instance": v1,
    "imdsv2_instance": v2,
    "unencrypted_volume": plain,
    "encrypted_volume": sealed,
}

# --- KMS: one key with rotation, one without.
kms = client("kms")
rotated = kms.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
kms.enable_key_rotation(KeyId=rotated)
stale = kms.create_key(Description="never rotated")["KeyMetadata"]["KeyId"]
kms.create_alias(AliasName="alias/stale", TargetKeyId=stale)
out["kms"] = {"rotated": rotated, "not_rotated": stale}

# --- CloudWatch Logs, alarms and SNS for the trail: unauthorized calls (CIS 5.1) are
# watched end to end; root use (5.3) has a filter that misses the invokedBy condition and
# an alarm whose topic nobody subscribed to.
logs = client("logs")
logs.create_log_group(logGroupName="cloudtrail-logs")
group_arn = logs.describe_log_groups(logGroupNamePrefix="cloudtrail-logs")["logGroups"][0]["arn"]
logs.put_metric_filter(
    logGroupName="cloudtrail-logs", filterName="unauthorized-api-calls",
    filterPattern='{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    metricTransformations=[{"metricName": "UnauthorizedAPICalls", "metricNamespace": "CISBenchmark", "metricValue": "1"}],
)
logs.put_metric_filter(
    logGroupName="cloudtrail-logs", filterName="root-usage",
    filterPattern='{ $.userIdentity.type = "Root" }',
    metricTransformations=[{"metricName": "RootUsage", "metricNamespace": "CISBenchmark", "metricValue": "1"}],
)
sns = client("sns")
alerts = sns.create_topic(Name="security-alerts")["TopicArn"]
sns.subscribe(TopicArn=alerts, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:soc-queue")
silent = sns.create_topic(Name="nobody-listens")["TopicArn"]
cw = client("cloudwatch")
for name, metric, topic in [("unauthorized", "UnauthorizedAPICalls", alerts), ("root", "RootUsage", silent)]:
    cw.put_metric_alarm(
        AlarmName=name, MetricName=metric, Namespace="CISBenchmark", Statistic="Sum", Period=300,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic],
    )
out["monitoring"] = {"log_group": group_arn, "alerts": alerts, "silent": silent}

# --- AWS Config recording everything, and Security Hub enabled.
config = client("config")
config.put_configuration_recorder(ConfigurationRecorder={
    "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config-role",
    "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "acme-trail-logs"})
config.start_configuration_recorder(ConfigurationRecorderName="default")
client("securityhub").enable_security_hub()

# --- RDS: an unencrypted, publicly accessible database in the public subnet, its group
# open on 5432; EFS: an encrypted file system.
rds = client("rds")
rds.create_db_subnet_group(
    DBSubnetGroupName="acme-db", DBSubnetGroupDescription="public and private", SubnetIds=[subnet, subnet_b]
)
rds.create_db_instance(
    DBInstanceIdentifier="acme-orders", DBInstanceClass="db.t3.micro", Engine="postgres",
    MasterUsername="admin", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
    StorageEncrypted=False, PubliclyAccessible=True, AutoMinorVersionUpgrade=True, MultiAZ=False,
    DBSubnetGroupName="acme-db", VpcSecurityGroupIds=[db_sg],
)
efs = client("efs")
out["efs"] = efs.create_file_system(CreationToken="acme-shared", Encrypted=True)["FileSystemId"]

# --- A Classic load balancer without access logs, and Macie enabled.
client("elb").create_load_balancer(
    LoadBalancerName="acme-legacy", AvailabilityZones=["us-east-1a"],
    Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
)
client("macie2").enable_macie()
client("guardduty").create_detector(Enable=True)
client("secretsmanager").create_secret(Name="acme-api-key", SecretString="not-a-real-secret")

# --- CloudTrail: a multi-region trail without log file validation, logging, to CloudWatch Logs.
ct = client("cloudtrail")
trail = ct.create_trail(
    Name="main-trail", S3BucketName="acme-trail-logs", IsMultiRegionTrail=True, EnableLogFileValidation=False,
    CloudWatchLogsLogGroupArn=group_arn, CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/trail-to-logs",
)["TrailARN"]
ct.start_logging(Name="main-trail")
out["trail"] = trail

print(json.dumps(out))
