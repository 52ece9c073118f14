"""Writes crates/warden-iam/tests/cases/evaluation.json: evaluation cases, each citing the
IAM User Guide page (or STS API reference) and the statement it encodes. Run from anywhere:
`python3 scripts/iam/gen-evaluation-cases.py`."""
import json, os
U="arn:aws:iam::111122223333:user/alice"
ROLE="arn:aws:iam::111122223333:role/app"
SESS="arn:aws:sts::111122223333:assumed-role/app/s1"
X="arn:aws:iam::444455556666:user/eve"
B="arn:aws:s3:::bucket/key"
def pol(*stmts): return {"Version":"2012-10-17","Statement":list(stmts)}
def allow(a="s3:GetObject",r="*",**kw): d={"Effect":"Allow","Action":a,"Resource":r}; d.update(kw); return d
def deny(a="s3:GetObject",r="*",**kw): d={"Effect":"Deny","Action":a,"Resource":r}; d.update(kw); return d
AD="reference_policies_evaluation-logic.html"
XA="reference_policies_evaluation-logic-cross-account.html"
PB="access_policies_boundaries.html"
cases=[]
def c(name,doc,expect,principal=U,action="s3:GetObject",resource=B,account=None,context=None,blocked_by=None,**layers):
    req={"principal":principal,"action":action,"resource":resource}
    if account: req["resource_account"]=account
    if context: req["context"]=context
    case={"request":req}; case.update(layers)
    d={"name":name,"doc":doc,"case":case,"expect":expect}
    if blocked_by: d["blocked_by"]=blocked_by
    cases.append(d)
A="111122223333"
c("default deny",AD+": By default, all requests are implicitly denied","ImplicitDeny",account=A,blocked_by="identity")
c("identity allow",AD+": An explicit allow in an identity-based policy overrides the default","Allow",account=A,identity_policies=[pol(allow())])
c("deny wins same policy",AD+": An explicit deny in any policy overrides any allows","ExplicitDeny",account=A,identity_policies=[pol(allow("s3:*"),deny())])
c("deny in other policy",AD+": An explicit deny in any policy overrides any allows","ExplicitDeny",account=A,identity_policies=[pol(allow("s3:*")),pol(deny("s3:Get*"))])
c("action case-insensitive","reference_policies_elements_action.html: action names are case-insensitive","Allow",account=A,action="S3:GETOBJECT",identity_policies=[pol(allow("s3:getobject"))])
c("NotAction allow","reference_policies_elements_notaction.html: NotAction matches everything except the listed actions","Allow",account=A,identity_policies=[pol({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})])
c("NotAction excludes","reference_policies_elements_notaction.html: NotAction matches everything except the listed actions","ImplicitDeny",account=A,action="iam:CreateUser",resource="arn:aws:iam::111122223333:user/x",identity_policies=[pol({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})],blocked_by="identity")
c("NotResource","reference_policies_elements_notresource.html: matches every resource except those listed","ImplicitDeny",account=A,identity_policies=[pol({"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::bucket/*"})],blocked_by="identity")
c("resource star spans slash","reference_policies_elements_resource.html: wildcard * can match across / in the resource part","Allow",account=A,resource="arn:aws:s3:::bucket/a/b/c",identity_policies=[pol(allow(r="arn:aws:s3:::bucket/*"))])
c("resource segments","reference_policies_elements_resource.html: you can use wildcards within any ARN segment","Allow",account=A,action="iam:GetRole",resource=ROLE,identity_policies=[pol(allow("iam:GetRole","arn:aws:iam::*:role/a?p"))])
c("resource case-sensitive","reference_policies_elements_resource.html: resource ARNs are case-sensitive","ImplicitDeny",account=A,identity_policies=[pol(allow(r="arn:aws:s3:::BUCKET/*"))],blocked_by="identity")
c("resource variable","reference_policies_variables.html: ${aws:username} in Resource is replaced by the user name","Allow",account=A,resource="arn:aws:s3:::bucket/home/alice/x",context={"aws:username":"alice"},identity_policies=[pol(allow(r="arn:aws:s3:::bucket/home/${aws:username}/*"))])
c("resource variable missing","reference_policies_variables.html: if a variable has no value the statement does not match the resource","ImplicitDeny",account=A,resource="arn:aws:s3:::bucket/home/alice/x",identity_policies=[pol(allow(r="arn:aws:s3:::bucket/home/${aws:username}/*"))],blocked_by="identity")
c("resource variable 2008","reference_policies_variables.html: variables require Version 2012-10-17; otherwise literal","ImplicitDeny",account=A,resource="arn:aws:s3:::bucket/home/alice/x",context={"aws:username":"alice"},identity_policies=[{"Version":"2008-10-17","Statement":[allow(r="arn:aws:s3:::bucket/home/${aws:username}/*")]}],blocked_by="identity")
c("conditions AND","reference_policies_multi-value-conditions.html: multiple condition operators and keys are ANDed","ImplicitDeny",account=A,context={"aws:SourceIp":"10.0.0.1","aws:SecureTransport":"false"},identity_policies=[pol(allow(Condition={"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}))],blocked_by="identity")
SCP_ALL={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}
c("scp every level",AD+": SCPs — an allow is required at each level of the organization","Allow",account=A,identity_policies=[pol(allow())],scps=[[SCP_ALL],[SCP_ALL],[SCP_ALL]])
c("scp missing at ou","orgs_manage_policies_scps_evaluation.html: for a permission to be allowed, every level from root through each OU to the account must allow","ImplicitDeny",account=A,identity_policies=[pol(allow())],scps=[[SCP_ALL],[pol(allow("ec2:*"))],[SCP_ALL]],blocked_by="scp")
c("scp deny",AD+": an explicit deny in an SCP overrides any allows","ExplicitDeny",account=A,identity_policies=[pol(allow())],scps=[[SCP_ALL,pol(deny("s3:*"))]])
c("scp alone grants nothing","orgs_manage_policies_scps.html: SCPs do not grant permissions","ImplicitDeny",account=A,scps=[[SCP_ALL]],blocked_by="identity")
c("rcp deny",AD+": RCPs — an explicit deny in a resource control policy overrides allows","ExplicitDeny",account=A,identity_policies=[pol(allow())],rcps=[[pol(deny("s3:*",Principal="*"))]])
c("rcp implicit full access","orgs_manage_policies_rcps.html: RCPFullAWSAccess is attached automatically; RCPs only restrict","Allow",account=A,identity_policies=[pol(allow())],rcps=[[pol(deny("ec2:*",Principal="*"))]])
c("boundary limits",PB+": the effective permissions are the intersection of identity policies and the boundary","ImplicitDeny",account=A,identity_policies=[pol(allow("s3:*"))],permission_boundaries=[pol(allow("ec2:*"))],blocked_by="permissions_boundary")
c("boundary does not grant",PB+": a permissions boundary does not grant permissions on its own","ImplicitDeny",account=A,permission_boundaries=[pol(allow("s3:*"))],blocked_by="identity")
c("boundary allows",PB+": intersection of identity policy and boundary","Allow",account=A,identity_policies=[pol(allow("s3:*"))],permission_boundaries=[pol(allow("s3:Get*"))])
c("session policy limits","access_policies.html#policies_session: the resulting session's permissions are the intersection of identity-based policies and session policies","ImplicitDeny",principal=SESS,account=A,identity_policies=[pol(allow("s3:*"))],session_policy=pol(allow("ec2:*")),blocked_by="session")
BP=lambda principal,**kw: pol(allow(r="arn:aws:s3:::bucket/*",Principal=principal,**kw))
c("resource policy names user, boundary silent",PB+": within an account, an implicit deny in a permissions boundary does not limit permissions granted to an IAM user by a resource-based policy that names the user ARN","Allow",account=A,resource_policy=BP({"AWS":U}),permission_boundaries=[pol(allow("ec2:*"))])
c("resource policy names user, no identity",AD+": within an account, either identity-based or resource-based policy can allow","Allow",account=A,resource_policy=BP({"AWS":U}))
c("resource policy names role, boundary limits",PB+": if the resource-based policy grants the role ARN, an implicit deny in the boundary limits the session","ImplicitDeny",principal=SESS,account=A,resource_policy=BP({"AWS":ROLE}),permission_boundaries=[pol(allow("ec2:*"))],blocked_by="permissions_boundary")
c("resource policy names role",AD+": a resource policy naming the role grants its sessions","Allow",principal=SESS,account=A,resource_policy=BP({"AWS":ROLE}))
c("resource policy names session, boundary silent",PB+": a resource-based policy that names the role session ARN is not limited by the boundary","Allow",principal=SESS,account=A,resource_policy=BP({"AWS":SESS}),permission_boundaries=[pol(allow("ec2:*"))])
c("resource policy names session, session policy silent","access_policies.html#policies_session: a resource-based policy that specifies the session ARN is not limited by the session policy","Allow",principal=SESS,account=A,resource_policy=BP({"AWS":SESS}),session_policy=pol(allow("ec2:*")))
c("resource policy names role, session policy limits","access_policies.html#policies_session: if the resource-based policy specifies the role ARN, the session policy limits","ImplicitDeny",principal=SESS,account=A,resource_policy=BP({"AWS":ROLE}),session_policy=pol(allow("ec2:*")),blocked_by="session")
c("resource policy names account, no identity","reference_policies_elements_principal.html: an account principal delegates to the account's identity-based policies","ImplicitDeny",account=A,resource_policy=BP({"AWS":"arn:aws:iam::111122223333:root"}),blocked_by="identity")
c("resource deny same account",AD+": an explicit deny in a resource-based policy overrides","ExplicitDeny",account=A,identity_policies=[pol(allow())],resource_policy=pol(deny(r="arn:aws:s3:::bucket/*",Principal="*")))
c("resource deny other principal",AD+": a resource policy deny applies only to the principals it names","Allow",account=A,identity_policies=[pol(allow())],resource_policy=pol(deny(r="arn:aws:s3:::bucket/*",Principal={"AWS":"arn:aws:iam::111122223333:user/bob"})))
c("NotPrincipal deny with boundary",PB+": the NotPrincipal element with a Deny effect will always deny any IAM principal that has a permissions boundary attached","ExplicitDeny",account=A,identity_policies=[pol(allow())],permission_boundaries=[pol(allow("s3:*"))],resource_policy=pol({"Effect":"Deny","NotPrincipal":{"AWS":U},"Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}))
c("NotPrincipal deny without boundary","reference_policies_elements_notprincipal.html: principals listed in NotPrincipal are excluded from the deny","Allow",account=A,identity_policies=[pol(allow())],resource_policy=pol({"Effect":"Deny","NotPrincipal":{"AWS":U},"Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}))
BA="444455556666"
c("cross account needs resource policy",XA+": the resource account must allow through a resource-based policy","ImplicitDeny",principal=X,account=A,identity_policies=[pol(allow())],blocked_by="resource")
c("cross account needs identity",XA+": the requesting account's identity-based policy must also allow","ImplicitDeny",principal=X,account=A,resource_policy=BP({"AWS":X}),blocked_by="identity")
c("cross account both allow",XA+": both the identity-based policy and the resource-based policy must allow","Allow",principal=X,account=A,identity_policies=[pol(allow())],resource_policy=BP({"AWS":X}))
c("cross account account principal",XA+": naming the account trusts the account's administrators to delegate via identity policies","Allow",principal=X,account=A,identity_policies=[pol(allow())],resource_policy=BP({"AWS":BA}))
c("cross account scp of principal",XA+": SCPs of the requesting account apply","ImplicitDeny",principal=X,account=A,identity_policies=[pol(allow())],resource_policy=BP({"AWS":X}),scps=[[pol(allow("ec2:*"))]],blocked_by="scp")
c("cross account boundary",XA+": permissions boundaries of the requesting principal apply","ImplicitDeny",principal=X,account=A,identity_policies=[pol(allow())],permission_boundaries=[pol(allow("ec2:*"))],resource_policy=BP({"AWS":X}),blocked_by="permissions_boundary")
TR="arn:aws:iam::111122223333:role/target"
c("trust policy required","id_roles_manage-assume.html / reference_policies_evaluation-logic: role trust policies must explicitly allow even in the same account","ImplicitDeny",action="sts:AssumeRole",resource=TR,account=A,identity_policies=[pol(allow("sts:AssumeRole"))],resource_policy=pol({"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}),blocked_by="resource")
c("trust policy names user","id_roles_compare-resource-policies.html: a trust policy naming the user ARN is enough in the same account","Allow",action="sts:AssumeRole",resource=TR,account=A,resource_policy=pol({"Effect":"Allow","Principal":{"AWS":U},"Action":"sts:AssumeRole"}))
c("trust policy names account","id_roles_create_for-user.html: trusting the account requires an identity policy allowing sts:AssumeRole","ImplicitDeny",action="sts:AssumeRole",resource=TR,account=A,resource_policy=pol({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}),blocked_by="identity")
c("trust policy names account with identity","id_roles_create_for-user.html: trusting the account and an identity allow together grant","Allow",action="sts:AssumeRole",resource=TR,account=A,identity_policies=[pol(allow("sts:AssumeRole",TR))],resource_policy=pol({"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}))
K="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
c("kms key policy required","key-policies.html: unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key","ImplicitDeny",action="kms:Decrypt",resource=K,account=A,identity_policies=[pol(allow("kms:*"))],resource_policy=pol({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kms:*","Resource":"*"}),blocked_by="resource")
c("kms key policy enables iam","key-policy-default.html: the default key policy statement with the account principal enables IAM policies","Allow",action="kms:Decrypt",resource=K,account=A,identity_policies=[pol(allow("kms:*"))],resource_policy=pol({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}))
c("anonymous public read","reference_policies_elements_principal.html#principal-anonymous: Principal * grants anonymous users","Allow",principal="*",account=A,resource_policy=BP("*"))
c("anonymous AWS star","reference_policies_elements_principal.html#principal-anonymous: {\"AWS\":\"*\"} is equivalent to \"*\"","Allow",principal="*",account=A,resource_policy=BP({"AWS":"*"}))
c("anonymous account principal","reference_policies_elements_principal.html: an account principal does not include anonymous callers","ImplicitDeny",principal="*",account=A,resource_policy=BP({"AWS":A}),blocked_by="resource")
c("anonymous no identity policies","reference_policies_elements_principal.html: anonymous requests have no identity","ImplicitDeny",principal="*",account=A,blocked_by="resource")
c("service principal","reference_policies_elements_principal.html#principal-services: a service principal is granted by a resource policy naming it","Allow",principal="cloudtrail.amazonaws.com",action="s3:PutObject",account=A,resource_policy=pol(allow("s3:PutObject","arn:aws:s3:::bucket/*",Principal={"Service":"cloudtrail.amazonaws.com"})))
c("service principal other service","reference_policies_elements_principal.html#principal-services: only the named service","ImplicitDeny",principal="config.amazonaws.com",action="s3:PutObject",account=A,resource_policy=pol(allow("s3:PutObject","arn:aws:s3:::bucket/*",Principal={"Service":"cloudtrail.amazonaws.com"})),blocked_by="resource")
c("resource condition on principal org","reference_policies_condition-keys.html#condition-keys-principalorgid: aws:PrincipalOrgID restricts to the organization","Allow",principal=X,account=A,context={"aws:PrincipalOrgID":"o-abc"},identity_policies=[pol(allow())],resource_policy=BP("*",Condition={"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}))

FED="arn:aws:sts::111122223333:federated-user/carol"
c("federated session, resource names the user",PB+": a federated user session is bounded like a role session when the resource policy names the IAM user behind it","ImplicitDeny",principal=FED,account=A,resource_policy=BP({"AWS":"arn:aws:iam::111122223333:user/carol"}),session_policy=pol(allow("ec2:*")),blocked_by="session")
c("federated session, resource names the session","STS API reference, GetFederationToken: if the policy specifically references the federated user session, the permissions are granted in addition to the session policies","Allow",principal=FED,account=A,resource_policy=BP({"AWS":FED}),session_policy=pol(allow("ec2:*")))
c("resource star, session policy limits","access_policies.html#policies_session: session policies limit permissions unless the resource policy specifically names the session","ImplicitDeny",principal=SESS,account=A,resource_policy=BP("*"),session_policy=pol(allow("ec2:*")),blocked_by="session")
c("resource star, boundary silent",PB+": a resource-based policy grant to everyone is not limited by the permissions boundary within the account","Allow",principal=SESS,account=A,resource_policy=BP("*"),permission_boundaries=[pol(allow("ec2:*"))])
c("short ARN in identity policy","reference_policies_elements_resource.html: wildcards within ARN segments; a short ARN is padded with * segments (iam-simulate behaviour, not documented by AWS)","Allow",account=A,action="iam:GetRole",resource=ROLE,identity_policies=[pol(allow("iam:GetRole","arn:aws:iam::111122223333*"))])
c("unresolved variable in NotResource","reference_policies_variables.html: a variable without a value is not replaced; the NotResource entry cannot decide, so the statement does not apply","Allow",account=A,identity_policies=[pol(allow()),pol({"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::bucket/home/${aws:username}/*"})])
c("unresolved variable, other service","reference_policies_variables.html: an entry for another service cannot match whatever the variable's value, so NotResource matches","ExplicitDeny",account=A,identity_policies=[pol(allow()),pol({"Effect":"Deny","Action":"*","NotResource":"arn:aws:dynamodb:*:*:table/${aws:username}"})])
json.dump({"about":"Evaluation cases; `doc` names the IAM User Guide page (docs.aws.amazon.com/IAM/latest/UserGuide/<page>) and the statement encoded.","cases":cases},open(os.path.join(os.path.dirname(os.path.abspath(__file__)),"../../crates/warden-iam/tests/cases/evaluation.json"),"w"),indent=1)
print(len(cases))
