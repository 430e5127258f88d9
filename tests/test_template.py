"""The deployment template: it lints clean, and once SAM has transformed it, it wires the
functions as intended and grants each of them only what Greenlight needs.

Everything runs offline: the SAM transform is done in-process with a stub managed-policy
loader, and a tiny evaluator renders the policies' intrinsic functions with example values.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint, lint_file
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"

REGION = "us-east-1"
ACCOUNT = "123456789012"
PIPELINES = ("payments-prod", "web-prod")
PARAMETERS = {
    "SenderEmail": "approvals@example.com",
    "ApproverEmails": "alice@example.com,bob@example.com",
    "PipelineNames": ",".join(PIPELINES),
}
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "greenlight",
}
# API Gateway's own error bodies are JSON, so they need no Content-Security-Policy.
SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)
# The services whose statements must name their resources.
SCOPED_SERVICES = ("codepipeline", "ses", "secretsmanager", "kms")
# Principals of this account that are not Greenlight's functions.
OUTSIDER = f"arn:aws:iam::{ACCOUNT}:role/Admin"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/incident/BreakGlass"
PUBLISHERS = tuple(f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSCodePipelineServiceRole-{name}"
                   for name in PIPELINES)
APPROVAL_ACTIONS = ("payments-prod/Approval/Release", "web-prod/Gate/ManualApproval")
ITEM_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
               "dynamodb:BatchWriteItem"}
# The AWS managed policies SAM attaches (logs and X-Ray); none has a wildcard action.
EXPECTED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


class _NoManagedPolicies:
    """Stands in for the IAM look-up the translator would otherwise make."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def sam_template() -> dict[str, Any]:
    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cfn(sam_template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation that the SAM transform makes of the template."""
    fragment = copy.deepcopy(sam_template)
    # The translator wants an S3 location where `sam build`/`sam package` would put one.
    fragment["Globals"]["Function"]["CodeUri"] = "s3://greenlight-artifacts/functions.zip"
    for resource in fragment["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://greenlight-artifacts/layer.zip"
    with pytest.MonkeyPatch.context() as env:
        # The translator asks a boto3 session for the Region; no call leaves the machine.
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.delenv("AWS_PROFILE", raising=False)
        return transform(fragment, {**PARAMETERS, **PSEUDO_PARAMETERS}, _NoManagedPolicies())


# What Ref AWS::NoValue renders as: CloudFormation drops the list item or property.
NO_VALUE = object()


class Renderer:
    """Evaluates Ref, Fn::Sub, Fn::Join, Fn::Split, Fn::If and Fn::GetAtt as CloudFormation
    would, with the example parameters; resources render as <LogicalId> placeholders, and
    attributes as <LogicalId.Attribute> unless `attributes` names them."""

    def __init__(self, template: dict[str, Any], **overrides: str) -> None:
        self.template = template
        self.attributes: dict[str, str] = {}
        self.values: dict[str, Any] = dict(PSEUDO_PARAMETERS, **{"AWS::NoValue": NO_VALUE})
        for name, spec in template.get("Parameters", {}).items():
            value = overrides.get(name, PARAMETERS.get(name, spec.get("Default")))
            if value is None:
                continue
            # Ref gives a parameter's value as a string, a Number's too.
            value = str(value)
            if spec["Type"] == "CommaDelimitedList":
                value = value.split(",")
            self.values[name] = value

    def condition(self, name: str) -> bool:
        return bool(self(self.template["Conditions"][name]))

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [value for value in map(self, node) if value is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Ref", "Fn::", "Condition")):
            rendered = {key: self(value) for key, value in node.items()}
            return {key: value for key, value in rendered.items() if value is not NO_VALUE}
        ((function, argument),) = node.items()
        if function == "Ref":
            return self.values.get(argument, f"<{argument}>")
        if function == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else argument.split(".", 1)
            name = "{}.{}".format(*parts)
            return self.attributes.get(name, f"<{name}>")
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            values = {name: self(value) for name, value in variables.items()}

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                if name in values:
                    return str(values[name])
                if "." in name:
                    return str(self({"Fn::GetAtt": name.split(".", 1)}))
                return str(self({"Ref": name}))

            return re.sub(r"\$\{([^}]+)\}", substitute, text)
        if function == "Fn::Join":
            delimiter, items = argument
            return delimiter.join(str(item) for item in self(items))
        if function == "Fn::Split":
            delimiter, text = argument
            return str(self(text)).split(delimiter)
        if function == "Fn::If":
            name, if_true, if_false = argument
            return self(if_true if self.condition(name) else if_false)
        if function == "Fn::Equals":
            left, right = self(argument)
            return left == right
        if function == "Fn::Not":
            return not self(argument[0])
        if function == "Condition":
            return self.condition(argument)
        raise NotImplementedError(function)


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_of(cfn: dict[str, Any], function: str) -> str:
    role = cfn["Resources"][function]["Properties"]["Role"]
    return str(role["Fn::GetAtt"][0])


def statements(cfn: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every inline policy of every role, with the role's logical id."""
    for role_name, role in resources_of_type(cfn, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            # A policy that only applies under a condition counts as if it always applied.
            branches = policy["Fn::If"][1:] if "Fn::If" in policy else [policy]
            for branch in branches:
                if isinstance(branch, dict) and "PolicyDocument" in branch:
                    for statement in as_list(branch["PolicyDocument"]["Statement"]):
                        yield role_name, statement
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy_name, policy in resources_of_type(cfn, kind).items():
            for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"]):
                yield policy_name, statement


def actions(statement: dict[str, Any]) -> list[str]:
    return [str(action) for action in as_list(statement.get("Action", []))]


def rendered_resources(statement: dict[str, Any], render: Renderer) -> list[str]:
    resources: list[str] = []
    for item in as_list(statement["Resource"]):
        resources.extend(value for value in as_list(render(item)) if value is not NO_VALUE)
    return resources


def grants(cfn: dict[str, Any], action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(role, s) for role, s in statements(cfn) if action in actions(s)]


def service_grants(cfn: dict[str, Any], service: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (role, s)
        for role, s in statements(cfn)
        if any(a.startswith(f"{service}:") for a in actions(s))
    ]


def live_alias(cfn: dict[str, Any], function: str) -> str:
    """The logical id of the alias "live" that SAM publishes for `function`."""
    (alias,) = [name for name, r in resources_of_type(cfn, "AWS::Lambda::Alias").items()
                if r["Properties"]["FunctionName"] == {"Ref": function}]
    assert cfn["Resources"][alias]["Properties"]["Name"] == "live"
    return alias


def lambda_subscription(cfn: dict[str, Any]) -> dict[str, Any]:
    (subscription,) = [s for s in resources_of_type(cfn, "AWS::SNS::Subscription").values()
                       if s["Properties"]["Protocol"] == "lambda"]
    return subscription


def any_method_integration(cfn: dict[str, Any], path: str) -> dict[str, Any]:
    paths = cfn["Resources"]["ApprovalApi"]["Properties"]["Body"]["paths"]
    return dict(paths[path]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"])


def function_by_handler(cfn: dict[str, Any], handler: str) -> str:
    (name,) = [
        name
        for name, function in resources_of_type(cfn, "AWS::Lambda::Function").items()
        if function["Properties"]["Handler"] == handler
    ]
    return name


@pytest.fixture(scope="module")
def notify(cfn: dict[str, Any]) -> str:
    return function_by_handler(cfn, "greenlight.notify.handler")


@pytest.fixture(scope="module")
def decide(cfn: dict[str, Any]) -> str:
    return function_by_handler(cfn, "greenlight.decide.handler")


@pytest.fixture(scope="module")
def remind(cfn: dict[str, Any]) -> str:
    return function_by_handler(cfn, "greenlight.remind.handler")


@pytest.fixture(scope="module")
def tell(cfn: dict[str, Any]) -> str:
    return function_by_handler(cfn, "greenlight.tell.handler")


def with_role_arns(render: Renderer, cfn: dict[str, Any]) -> Renderer:
    """Let `render` give each role the ARN IAM would: its path, then a generated name."""
    for name, role in resources_of_type(cfn, "AWS::IAM::Role").items():
        path = render(role["Properties"].get("Path", "/"))
        render.attributes[f"{name}.Arn"] = f"arn:aws:iam::{ACCOUNT}:role{path}greenlight-{name}-X1"
    return render


def rendered_role_arn(cfn: dict[str, Any], role: str, **overrides: str) -> str:
    return with_role_arns(Renderer(cfn, **overrides), cfn).attributes[f"{role}.Arn"]


ARN_OPERATORS = {
    "ArnEquals": lambda arn, patterns: arn in patterns,
    "ArnNotEquals": lambda arn, patterns: arn not in patterns,
    "ArnLike": lambda arn, patterns: any(fnmatch.fnmatchcase(arn, p) for p in patterns),
    "ArnNotLike": lambda arn, patterns: not any(fnmatch.fnmatchcase(arn, p) for p in patterns),
}


def applies_to(statement: dict[str, Any], principal_arn: str) -> bool:
    """Whether a rendered resource-policy statement for Principal "*" covers a call made by
    `principal_arn`, judged by its aws:PrincipalArn conditions (all must hold)."""
    assert statement["Principal"] == "*"
    for operator, keys in statement.get("Condition", {}).items():
        ((key, values),) = keys.items()
        assert key == "aws:PrincipalArn", key
        if not ARN_OPERATORS[operator](principal_arn, as_list(values)):
            return False
    return True


def denials(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in statements if s["Effect"] == "Deny" and action in actions(s)]


def denied(statements: list[dict[str, Any]], action: str, principal_arn: str) -> bool:
    return any(applies_to(s, principal_arn) for s in denials(statements, action))


def secret_policy(cfn: dict[str, Any], secret: str, **overrides: str) -> list[dict[str, Any]]:
    """The rendered statements of the resource policy of `secret`."""
    (policy,) = [p for p in resources_of_type(cfn, "AWS::SecretsManager::ResourcePolicy").values()
                 if p["Properties"]["SecretId"] == {"Ref": secret}]
    assert policy["Properties"]["BlockPublicPolicy"] is True
    render = with_role_arns(Renderer(cfn, **overrides), cfn)
    return as_list(render(policy["Properties"]["ResourcePolicy"])["Statement"])


def table_policy(cfn: dict[str, Any], **overrides: str) -> list[dict[str, Any]]:
    (table,) = resources_of_type(cfn, "AWS::DynamoDB::Table").values()
    document = table["Properties"]["ResourcePolicy"]["PolicyDocument"]
    return as_list(Renderer(cfn, **overrides)(document)["Statement"])


def topic_policy(cfn: dict[str, Any], **overrides: str) -> list[dict[str, Any]]:
    (policy,) = resources_of_type(cfn, "AWS::SNS::TopicPolicy").values()
    return as_list(Renderer(cfn, **overrides)(policy["Properties"]["PolicyDocument"])["Statement"])


def pipeline_arn_pattern(suffix: str = "") -> re.Pattern[str]:
    names = "|".join(re.escape(name) for name in PIPELINES)
    return re.compile(rf"arn:(\*|aws):codepipeline:(\*|{REGION}):(\*|{ACCOUNT}):({names}){suffix}")


def pins_region(statement: dict[str, Any], render: Renderer) -> bool:
    condition = statement.get("Condition", {}).get("StringEquals", {})
    return render(condition.get("aws:RequestedRegion")) == REGION


# --- Lint --------------------------------------------------------------------------------


def test_cfn_lint_finds_nothing_in_the_template() -> None:
    findings = lint_file(TEMPLATE)
    assert findings == [], "\n".join(str(finding) for finding in findings)


def test_transformed_template_lints_clean_and_has_no_circular_dependency(
    cfn: dict[str, Any],
) -> None:
    # cfn-lint sees a function <-> API cycle only once SAM has written the API definition.
    findings = lint(json.dumps(cfn), regions=[REGION])
    assert findings == [], "\n".join(str(finding) for finding in findings)


# --- Events ------------------------------------------------------------------------------


def test_exactly_one_function_listens_to_sns_and_it_is_the_notify_handler(
    sam_template: dict[str, Any], cfn: dict[str, Any], notify: str
) -> None:
    with_sns = [
        name
        for name, resource in sam_template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any(e["Type"] == "SNS" for e in resource["Properties"].get("Events", {}).values())
    ]
    assert with_sns == [notify]
    subscription = lambda_subscription(cfn)
    # The topic invokes the live alias, which a rollback points back.
    assert subscription["Properties"]["Endpoint"] == {"Ref": live_alias(cfn, notify)}
    assert subscription["Properties"]["TopicArn"] == {"Ref": "ApprovalTopic"}
    (sns_events,) = [
        [e for e in r["Properties"]["Events"].values() if e["Type"] == "SNS"]
        for name, r in sam_template["Resources"].items()
        if name == notify
    ]
    assert len(sns_events) == 1


def test_decide_function_serves_get_head_and_post_on_approval_links(
    sam_template: dict[str, Any], cfn: dict[str, Any], decide: str
) -> None:
    events = sam_template["Resources"][decide]["Properties"]["Events"].values()
    link_methods = {
        e["Properties"]["Method"].upper()
        for e in events
        if e["Type"] == "Api" and e["Properties"]["Path"] == "/approvals/{link}"
    }
    assert {"GET", "HEAD", "POST"} <= link_methods
    path = cfn["Resources"]["ApprovalApi"]["Properties"]["Body"]["paths"]["/approvals/{link}"]
    for method in ("get", "head", "post"):
        uri = path[method]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        assert f"${{{live_alias(cfn, decide)}}}" in uri


def test_unknown_paths_and_methods_still_reach_the_decide_function(
    cfn: dict[str, Any], decide: str
) -> None:
    for path in ("/", "/{proxy+}", "/approvals", "/approvals/{link}"):
        integration = any_method_integration(cfn, path)
        assert integration["type"] == "aws_proxy"
        assert f"${{{live_alias(cfn, decide)}}}" in integration["uri"]["Fn::Sub"]


def test_notify_subscription_redrives_undeliverable_notifications_to_the_dead_letter_queue(
    cfn: dict[str, Any],
) -> None:
    subscription = lambda_subscription(cfn)
    assert subscription["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}
    }


def test_notify_function_sends_failed_invocations_to_the_dead_letter_queue_after_two_retries(
    cfn: dict[str, Any], notify: str
) -> None:
    properties = cfn["Resources"][notify]["Properties"]
    assert properties["DeadLetterConfig"] == {
        "TargetArn": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}
    }
    (invoke_config,) = resources_of_type(cfn, "AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["FunctionName"] == {"Ref": notify}
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 2


def test_dead_letter_queue_accepts_messages_from_the_approval_topic_only(
    cfn: dict[str, Any],
) -> None:
    (policy,) = resources_of_type(cfn, "AWS::SQS::QueuePolicy").values()
    (statement,) = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert actions(statement) == ["sqs:SendMessage"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "ApprovalTopic"}}}


def test_only_the_pipeline_roles_named_may_publish_to_the_approval_topic(
    cfn: dict[str, Any], notify: str
) -> None:
    statements = topic_policy(cfn, PublisherRoleArns=",".join(PUBLISHERS))
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"AWS": list(PUBLISHERS)}
    assert actions(allow) == ["sns:Publish"]
    # An identity policy of this account granting sns:Publish meets the Deny.
    for stranger in (OUTSIDER, f"arn:aws:iam::{ACCOUNT}:root",
                     rendered_role_arn(cfn, role_of(cfn, notify))):
        assert denied(statements, "sns:Publish", stranger), stranger
    for publisher in PUBLISHERS:
        assert not denied(statements, "sns:Publish", publisher), publisher
    assert all(s["Resource"] == "<ApprovalTopic>" for s in statements)


def test_without_publisher_roles_the_topic_admits_this_accounts_principals_as_iam_allows(
    cfn: dict[str, Any],
) -> None:
    statements = topic_policy(cfn)
    (allow,) = statements
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert actions(allow) == ["sns:Publish"]


# --- Configuration contract -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "variables"),
    [
        (
            "greenlight.notify.handler",
            {"SENDER_EMAIL", "APPROVER_EMAILS", "SIGNING_SECRET_ARN", "APPROVAL_API_URL"},
        ),
        ("greenlight.decide.handler", {"SIGNING_SECRET_ARN"}),
    ],
)
def test_each_function_gets_the_settings_its_code_reads(
    cfn: dict[str, Any], handler: str, variables: set[str]
) -> None:
    function = cfn["Resources"][function_by_handler(cfn, handler)]
    environment = function["Properties"]["Environment"]["Variables"]
    assert variables <= set(environment)
    assert environment["SIGNING_SECRET_ARN"] == {"Ref": "SigningSecret"}


def test_notify_function_links_to_the_approval_api_stage(cfn: dict[str, Any], notify: str) -> None:
    environment = cfn["Resources"][notify]["Properties"]["Environment"]["Variables"]
    url = Renderer(cfn)(environment["APPROVAL_API_URL"])
    assert url == "https://<ApprovalApi>.execute-api.us-east-1.amazonaws.com/Prod"


# --- IAM -----------------------------------------------------------------------------------


def test_no_role_grants_a_wildcard_action(cfn: dict[str, Any]) -> None:
    found = list(statements(cfn))
    assert found
    for role, statement in found:
        assert "NotAction" not in statement, role
        for action in actions(statement):
            assert "*" not in action, f"{role} grants {action}"


def test_roles_attach_no_managed_policy_beyond_logs_and_tracing(cfn: dict[str, Any]) -> None:
    render = Renderer(cfn)
    for name, role in resources_of_type(cfn, "AWS::IAM::Role").items():
        attached = set(render(role["Properties"].get("ManagedPolicyArns", [])))
        if name == "ApiGatewayCloudWatchRole":
            # The account's API Gateway logging role (ApiGatewayLogRole=create) only.
            assert role["Condition"] == "CreatesApiGatewayLogRole"
            assert attached == {"arn:aws:iam::aws:policy/service-role/"
                                "AmazonAPIGatewayPushToCloudWatchLogs"}
        else:
            assert attached <= EXPECTED_MANAGED_POLICIES, name


def test_no_pipeline_email_or_secret_statement_applies_to_every_resource(
    cfn: dict[str, Any],
) -> None:
    render = Renderer(cfn)
    for role, statement in statements(cfn):
        services = {action.split(":", 1)[0] for action in actions(statement)}
        if actions(statement) in (["ses:GetAccount"], ["dynamodb:ListStreams"]):
            # Neither has a resource type in IAM: "*" is the only form they take.
            assert rendered_resources(statement, render) == ["*"], role
            continue
        if services & set(SCOPED_SERVICES):
            assert "NotResource" not in statement, role
            for resource in rendered_resources(statement, render):
                assert resource != "*", f"{role}: {statement}"
                assert not resource.endswith(":*"), f"{role}: {statement}"


def test_codepipeline_actions_reach_only_the_configured_pipelines(cfn: dict[str, Any]) -> None:
    render = Renderer(cfn)
    pipeline = pipeline_arn_pattern()
    action = pipeline_arn_pattern(r"/\*")
    found = service_grants(cfn, "codepipeline")
    assert found
    for role, statement in found:
        resources = rendered_resources(statement, render)
        for resource in resources:
            assert pipeline.fullmatch(resource) or action.fullmatch(resource), f"{role}: {resource}"
        assert {r.split(":")[-1].split("/")[0] for r in resources} == set(PIPELINES)
        # Region and account are wildcards in the ARNs (see the template), so the Region
        # has to be pinned by a condition.
        assert pins_region(statement, render), f"{role}: {statement}"


def test_reading_pipelines_is_allowed_on_the_pipelines_themselves(cfn: dict[str, Any]) -> None:
    render = Renderer(cfn)
    for read in ("codepipeline:GetPipelineState", "codepipeline:ListActionExecutions"):
        granted = grants(cfn, read)
        assert granted, read
        for _, statement in granted:
            resources = rendered_resources(statement, render)
            assert sorted(r.rsplit(":", 1)[-1] for r in resources) == sorted(PIPELINES)


def test_only_the_deciding_roles_may_put_approval_results(
    cfn: dict[str, Any], decide: str, remind: str, notify: str
) -> None:
    # The scheduled function completes decisions whose submission was interrupted.
    granted = grants(cfn, "codepipeline:PutApprovalResult")
    assert {role for role, _ in granted} == {role_of(cfn, decide), role_of(cfn, remind)}
    assert role_of(cfn, notify) not in {role for role, _ in granted}
    render = Renderer(cfn)
    resources = {r for _, s in granted for r in rendered_resources(s, render)}
    assert resources == {
        f"arn:*:codepipeline:*:*:{name}{suffix}" for name in PIPELINES for suffix in ("", "/*")
    }


def test_with_approval_actions_named_put_approval_result_reaches_only_those_actions(
    cfn: dict[str, Any], decide: str, remind: str
) -> None:
    render = Renderer(cfn, ApprovalActions=",".join(APPROVAL_ACTIONS))
    granted = grants(cfn, "codepipeline:PutApprovalResult")
    assert {role for role, _ in granted} == {role_of(cfn, decide), role_of(cfn, remind)}
    for role, statement in granted:
        assert set(rendered_resources(statement, render)) == {
            f"arn:*:codepipeline:*:*:{action}" for action in APPROVAL_ACTIONS}, role
        assert pins_region(statement, render), role


@pytest.mark.parametrize("action", ["payments-prod/*/*", "payments-prod/Approval",
                                    "payments-prod/Approval/*", "web prod/Gate/Approve",
                                    "a/b/c/d", "payments-prod//Release"])
def test_approval_actions_cannot_widen_the_grant(sam_template: dict[str, Any], action: str) -> None:
    pattern = sam_template["Parameters"]["ApprovalActions"]["AllowedPattern"]
    assert re.fullmatch(pattern, action) is None
    assert all(re.fullmatch(pattern, ok) for ok in (*APPROVAL_ACTIONS, ""))


def test_mail_is_sent_only_as_the_sender_identity(
    cfn: dict[str, Any], notify: str, decide: str, remind: str, tell: str
) -> None:
    granted = [(role, statement) for role, statement in service_grants(cfn, "ses")
               if actions(statement) != ["ses:GetAccount"]]
    # The decide function sends nothing: outcome mails go out from the stream (tell).
    assert {role for role, _ in granted} == {
        role_of(cfn, notify), role_of(cfn, tell), role_of(cfn, remind)}
    pacing = {role for role, statement in service_grants(cfn, "ses")
              if actions(statement) == ["ses:GetAccount"]}
    assert pacing == {role for role, _ in granted}  # every sender reads its send rate
    identity = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/"
    for _, statement in granted:
        assert actions(statement) == ["ses:SendEmail"]
        # SenderIdentity left empty: the sender address is its own identity.
        assert rendered_resources(statement, Renderer(cfn)) == [
            identity + "approvals@example.com"]
        # A domain identity authorises the address instead.
        domain = Renderer(cfn, SenderIdentity="example.com")
        assert rendered_resources(statement, domain) == [identity + "example.com"]


def test_secrets_manager_access_is_get_secret_value_on_the_signing_secrets_only(
    cfn: dict[str, Any], notify: str, decide: str, remind: str, tell: str
) -> None:
    granted = service_grants(cfn, "secretsmanager")
    readers: dict[str, set[str]] = {}
    for role, statement in granted:
        assert actions(statement) == ["secretsmanager:GetSecretValue"]
        for secret in as_list(statement["Resource"]):
            readers.setdefault(secret["Ref"], set()).add(role)
    assert readers == {
        "SigningSecret": {role_of(cfn, notify), role_of(cfn, decide), role_of(cfn, remind)},
        # The tell function names only genuine votes in outcome mails.
        "VoteSigningSecret": {role_of(cfn, decide), role_of(cfn, remind), role_of(cfn, tell)},
        # Only when Slack is on (HasSlack): the bot token posts, the signing secret verifies.
        "SlackBotTokenArn": {role_of(cfn, notify), role_of(cfn, decide), role_of(cfn, remind)},
        "SlackSigningSecretArn": {role_of(cfn, decide)},
    }


def test_only_greenlights_functions_may_read_the_signing_secret(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    statements = secret_policy(cfn, "SigningSecret")
    read = "secretsmanager:GetSecretValue"
    assert denied(statements, read, OUTSIDER)
    assert denied(statements, read, f"arn:aws:iam::{ACCOUNT}:root")
    for function in (notify, decide, remind):
        assert not denied(statements, read, rendered_role_arn(cfn, role_of(cfn, function)))


def test_only_the_decide_remind_and_tell_functions_may_read_the_vote_secret(
    cfn: dict[str, Any], notify: str, decide: str, remind: str, tell: str
) -> None:
    statements = secret_policy(cfn, "VoteSigningSecret")
    read = "secretsmanager:GetSecretValue"
    assert denied(statements, read, OUTSIDER)
    assert denied(statements, read, rendered_role_arn(cfn, role_of(cfn, notify)))
    for function in (decide, remind, tell):
        assert not denied(statements, read, rendered_role_arn(cfn, role_of(cfn, function)))
    with_variable = {name for name, function in resources_of_type(cfn, "AWS::Lambda::Function")
                     .items() if "VOTE_SIGNING_SECRET_ARN" in function["Properties"]
                     ["Environment"]["Variables"]}
    assert with_variable == {decide, remind, tell}
    for function in (decide, remind, tell):
        variables = cfn["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["VOTE_SIGNING_SECRET_ARN"] == {"Ref": "VoteSigningSecret"}


def test_break_glass_roles_may_read_the_secrets_and_write_the_table(
    cfn: dict[str, Any],
) -> None:
    read = "secretsmanager:GetSecretValue"
    for secret in ("SigningSecret", "VoteSigningSecret"):
        assert denied(secret_policy(cfn, secret), read, BREAK_GLASS)
        statements = secret_policy(cfn, secret, BreakGlassRoleArns=BREAK_GLASS)
        assert not denied(statements, read, BREAK_GLASS)
        assert denied(statements, read, OUTSIDER)
    assert denied(table_policy(cfn), "dynamodb:PutItem", BREAK_GLASS)
    statements = table_policy(cfn, BreakGlassRoleArns=BREAK_GLASS)
    assert not denied(statements, "dynamodb:PutItem", BREAK_GLASS)
    assert denied(statements, "dynamodb:PutItem", OUTSIDER)


def test_only_greenlights_functions_may_write_items_to_the_approvals_table(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    statements = table_policy(cfn)
    function_roles = [rendered_role_arn(cfn, role_of(cfn, f)) for f in (notify, decide, remind)]
    look_alikes = [
        f"arn:aws:iam::{ACCOUNT}:role/greenlight-{role_of(cfn, notify)}-X1",  # no path
        f"arn:aws:iam::{ACCOUNT}:role/greenlight-other/greenlight-{role_of(cfn, notify)}-X1",
        f"arn:aws:iam::{ACCOUNT}:role/other/greenlight/{role_of(cfn, notify)}",
    ]
    for write in ITEM_WRITES:
        assert denied(statements, write, OUTSIDER), write
        for stranger in look_alikes:
            assert denied(statements, write, stranger), (write, stranger)
        for role in function_roles:
            assert not denied(statements, write, role), (write, role)
    assert all(s["Resource"] == "*" for s in statements)


# --- KMS -----------------------------------------------------------------------------------


def test_a_key_of_the_stack_encrypts_both_secrets_and_the_dead_letter_queue(
    cfn: dict[str, Any],
) -> None:
    ((key, properties),) = [(name, r["Properties"])
                            for name, r in resources_of_type(cfn, "AWS::KMS::Key").items()]
    assert properties["EnableKeyRotation"] is True
    for secret in ("SigningSecret", "VoteSigningSecret"):
        assert cfn["Resources"][secret]["Properties"]["KmsKeyId"] == {"Ref": key}
    queue = cfn["Resources"]["NotifyDeadLetterQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Ref": key}
    assert "SqsManagedSseEnabled" not in queue


def test_sns_may_use_the_key_only_to_dead_letter_the_approval_topic(cfn: dict[str, Any]) -> None:
    (key,) = resources_of_type(cfn, "AWS::KMS::Key").values()
    render = Renderer(cfn)
    statements = as_list(render(key["Properties"]["KeyPolicy"])["Statement"])
    (service,) = [s for s in statements if s["Principal"] == {"Service": "sns.amazonaws.com"}]
    assert set(actions(service)) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert service["Condition"] == {"ArnEquals": {"aws:SourceArn": "<ApprovalTopic>"}}
    # Every other statement is the account's own, which leaves the key's use to IAM.
    # and CloudWatch may encrypt alarms for the alarm topic.
    for statement in statements:
        if statement is not service:
            assert statement["Principal"] in ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                              {"Service": "cloudwatch.amazonaws.com"})


def test_the_functions_use_the_key_only_through_secrets_manager_and_sqs(
    cfn: dict[str, Any], notify: str, decide: str, remind: str, tell: str
) -> None:
    render = Renderer(cfn)
    through = {"secretsmanager": f"secretsmanager.{REGION}.amazonaws.com",
               "sqs": f"sqs.{REGION}.amazonaws.com"}
    granted = service_grants(cfn, "kms")
    assert {role for role, _ in granted} == {
        role_of(cfn, notify), role_of(cfn, decide), role_of(cfn, remind), role_of(cfn, tell)}
    for role, statement in granted:
        assert rendered_resources(statement, render) == ["<SecretsKey.Arn>"], role
        services = set(as_list(render(statement["Condition"]["StringEquals"]["kms:ViaService"])))
        assert services <= set(through.values()), role
    # Lambda dead-letters a failed invocation with the notify function's own role.
    (notify_grant,) = [s for role, s in granted if role == role_of(cfn, notify)]
    assert "kms:GenerateDataKey" in actions(notify_grant)
    assert through["sqs"] in as_list(
        render(notify_grant["Condition"]["StringEquals"]["kms:ViaService"]))


@pytest.mark.parametrize("name", ["*", "prod-*", "payments prod", "a/b", "x" * 101, ""])
def test_pipeline_names_cannot_widen_the_policies(sam_template: dict[str, Any], name: str) -> None:
    pattern = sam_template["Parameters"]["PipelineNames"]["AllowedPattern"]
    assert re.fullmatch(pattern, name) is None
    assert all(re.fullmatch(pattern, ok) for ok in PIPELINES)


def test_example_parameter_values_satisfy_the_parameter_constraints(
    sam_template: dict[str, Any],
) -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    overrides = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    examples = dict(item.split("=", 1) for item in shlex.split(overrides))
    for values in (examples, PARAMETERS, {"SenderIdentity": "example.com"}):
        for name, value in values.items():
            spec = sam_template["Parameters"][name]
            items = value.split(",") if spec["Type"] == "CommaDelimitedList" else [value]
            for item in items:
                assert re.fullmatch(spec["AllowedPattern"], item), f"{name}={item!r}"


# --- API and logs ----------------------------------------------------------------------------


def test_api_errors_from_api_gateway_carry_the_security_headers(cfn: dict[str, Any]) -> None:
    body = cfn["Resources"]["ApprovalApi"]["Properties"]["Body"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = body["x-amazon-apigateway-gateway-responses"][kind]["responseParameters"]
        # API Gateway takes a static header value between single quotes.
        assert headers == {f"gatewayresponse.header.{k}": f"'{v}'" for k, v in SECURITY_HEADERS}


def test_api_stage_is_throttled_and_keeps_no_trace_of_the_links(cfn: dict[str, Any]) -> None:
    # A stage's traces record each request's path, and every path is a signed link.
    (stage,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["TracingEnabled"] is False
    (settings,) = Renderer(cfn)(properties["MethodSettings"])
    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert 0 < int(settings["ThrottlingRateLimit"]) <= int(settings["ThrottlingBurstLimit"])


def test_each_function_logs_json_to_its_own_log_group_with_a_retention(cfn: dict[str, Any]) -> None:
    functions = resources_of_type(cfn, "AWS::Lambda::Function")
    groups = resources_of_type(cfn, "AWS::Logs::LogGroup")
    used = set()
    for function in functions.values():
        logging = function["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        group = logging["LogGroup"]["Ref"]
        assert int(Renderer(cfn)(groups[group]["Properties"]["RetentionInDays"])) > 0
        used.add(group)
    assert len(used) == len(functions)


def test_functions_share_the_runtime_defaults(cfn: dict[str, Any]) -> None:
    for function in resources_of_type(cfn, "AWS::Lambda::Function").values():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.13"
        assert properties["Architectures"] == ["arm64"]
        assert properties["TracingConfig"] == {"Mode": "Active"}
        environment = properties["Environment"]["Variables"]
        assert environment["POWERTOOLS_SERVICE_NAME"] == "greenlight"
        assert environment["AWS_RETRY_MODE"] == "standard"


def test_functions_take_powertools_from_its_layer_and_package_only_small_dependencies(
    cfn: dict[str, Any],
) -> None:
    def pinned(path: Path) -> set[str]:
        lines = path.read_text(encoding="utf-8").splitlines()
        return {line.split("==")[0].strip().lower() for line in lines
                if line.strip() and not line.startswith("#")}

    decide = function_by_handler(cfn, "greenlight.decide.handler")
    for name, function in resources_of_type(cfn, "AWS::Lambda::Function").items():
        used = function["Properties"]["Layers"]
        assert used[0] == {"Ref": "PowertoolsLayerParameter"}
        # SAM names each layer's version with a hash after its logical ID.
        named = sorted(re.sub(r"[0-9a-f]{10}$", "", layer["Ref"]) for layer in used[1:])
        # Only the decide function carries the sign-in libraries (and their compiled
        # cryptography), which no other function loads.
        assert named == (["SignInLayer", "SlackLayer"] if name == decide else ["SlackLayer"])
    # Each function packages only Jinja2 and itsdangerous besides Greenlight; the rest comes
    # from layers of its own, which `make bench` measures apart.
    assert pinned(ROOT / "functions" / "requirements.txt") == {"itsdangerous", "jinja2"}
    assert pinned(ROOT / "layers" / "sign-in" / "requirements.txt") == {"authlib", "joserfc"}
    assert pinned(ROOT / "layers" / "slack" / "requirements.txt") == {"slack_sdk"}


def test_the_approvals_table_is_on_demand_recoverable_and_expires_old_requests(
    cfn: dict[str, Any],
) -> None:
    ((_, table),) = resources_of_type(cfn, "AWS::DynamoDB::Table").items()
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_ttl",
                                                     "Enabled": True}
    assert {i["IndexName"] for i in properties["GlobalSecondaryIndexes"]} == {
        "pending-index", "pipeline-index"}


def test_table_access_is_item_level_and_scoped_to_the_table(cfn: dict[str, Any]) -> None:
    granted = service_grants(cfn, "dynamodb")
    assert granted
    for _, statement in granted:
        if actions(statement) == ["dynamodb:ListStreams"]:
            continue  # names no table: see the "*" test above
        assert set(actions(statement)) <= {"dynamodb:GetItem", "dynamodb:PutItem",
                                           "dynamodb:UpdateItem", "dynamodb:Query",
                                           # the tell function's mapping reads the stream
                                           "dynamodb:DescribeStream", "dynamodb:GetRecords",
                                           "dynamodb:GetShardIterator"}
        assert "ApprovalsTable" in json.dumps(statement["Resource"])


def test_the_policy_parameter_is_readable_only_when_one_is_named(cfn: dict[str, Any]) -> None:
    ssm = service_grants(cfn, "ssm")
    assert [actions(s) for _, s in ssm] == [["ssm:GetParameter"]]
    assert "ApprovalPolicyParameter" in json.dumps(ssm[0][1]["Resource"])


def test_the_scheduled_function_runs_every_fifteen_minutes(
    cfn: dict[str, Any], remind: str
) -> None:
    (rule,) = resources_of_type(cfn, "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Ref": live_alias(cfn, remind)}


# --- Sign-in (OpenID Connect) --------------------------------------------------------------

CLIENT_SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:greenlight/oidc-AbCdEf"


def decide_statements(cfn: dict[str, Any], decide: str, **overrides: str) -> list[dict[str, Any]]:
    """The decide role's statements as CloudFormation renders them with these parameters."""
    render = Renderer(cfn, **overrides)
    role = cfn["Resources"][role_of(cfn, decide)]
    found: list[dict[str, Any]] = []
    for policy in render(role["Properties"].get("Policies", [])):
        found.extend(as_list(policy["PolicyDocument"]["Statement"]))
    return found


def test_the_sign_in_callback_is_served_by_the_decide_function(
    sam_template: dict[str, Any], cfn: dict[str, Any], decide: str
) -> None:
    events = sam_template["Resources"][decide]["Properties"]["Events"].values()
    assert any(e["Type"] == "Api" and e["Properties"]["Path"] == "/auth/callback"
               and e["Properties"]["Method"].upper() == "GET" for e in events)
    path = cfn["Resources"]["ApprovalApi"]["Properties"]["Body"]["paths"]["/auth/callback"]
    uri = path["get"]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    assert f"${{{live_alias(cfn, decide)}}}" in uri


def test_sign_in_settings_reach_decide_and_the_issuer_reaches_notify_for_its_start_check(
    cfn: dict[str, Any], decide: str, notify: str
) -> None:
    decide_env = cfn["Resources"][decide]["Properties"]["Environment"]["Variables"]
    assert {name: decide_env[name] for name in (
        "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET_ARN", "OIDC_EMAIL_CLAIM")} == {
        "OIDC_ISSUER": {"Ref": "OidcIssuer"}, "OIDC_CLIENT_ID": {"Ref": "OidcClientId"},
        "OIDC_CLIENT_SECRET_ARN": {"Ref": "OidcClientSecretArn"},
        "OIDC_EMAIL_CLAIM": {"Ref": "OidcEmailClaim"}}
    notify_env = cfn["Resources"][notify]["Properties"]["Environment"]["Variables"]
    assert notify_env["OIDC_ISSUER"] == {"Ref": "OidcIssuer"}
    parameters = cfn["Parameters"]
    assert parameters["OidcIssuer"]["Default"] == ""
    assert parameters["OidcEmailClaim"]["Default"] == "email"


def test_decide_takes_its_redirect_uri_from_the_request_unless_a_custom_domain_names_it(
    cfn: dict[str, Any], decide: str
) -> None:
    environment = cfn["Resources"][decide]["Properties"]["Environment"]["Variables"]
    assert Renderer(cfn)(environment["APPROVAL_API_URL"]) == ""
    with_domain = Renderer(cfn, DomainName="approvals.example.com")
    assert with_domain(environment["APPROVAL_API_URL"]) == "https://approvals.example.com"


def test_decide_may_read_the_oidc_client_secret_only_when_one_is_named(
    cfn: dict[str, Any], decide: str
) -> None:
    def secret_reads(**overrides: str) -> list[Any]:
        return [s["Resource"] for s in decide_statements(cfn, decide, **overrides)
                if "secretsmanager:GetSecretValue" in actions(s)
                and s.get("Sid") == "ReadOidcClientSecret"]

    assert secret_reads() == []
    assert secret_reads(OidcClientSecretArn=CLIENT_SECRET_ARN) == [CLIENT_SECRET_ARN]
