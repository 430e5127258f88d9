"""The deployment template: it lints clean, and once SAM has transformed it, it wires the
functions as intended and grants each of them only what Greenlight needs.

Everything runs offline: the SAM transform is done in-process with a stub managed-policy
loader, and a tiny evaluator renders the policies' intrinsic functions with example values.
"""

from __future__ import annotations

import copy
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
SCOPED_SERVICES = ("codepipeline", "ses", "secretsmanager")
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
    with pytest.MonkeyPatch.context() as env:
        # The translator asks a boto3 session for the Region; no call leaves the machine.
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.delenv("AWS_PROFILE", raising=False)
        return transform(fragment, {**PARAMETERS, **PSEUDO_PARAMETERS}, _NoManagedPolicies())


class Renderer:
    """Evaluates Ref, Fn::Sub, Fn::Join, Fn::Split, Fn::If and Fn::GetAtt as CloudFormation
    would, with the example parameters; resources render as <LogicalId> placeholders."""

    def __init__(self, template: dict[str, Any], **overrides: str) -> None:
        self.template = template
        self.values: dict[str, Any] = dict(PSEUDO_PARAMETERS)
        for name, spec in template.get("Parameters", {}).items():
            value = overrides.get(name, PARAMETERS.get(name, spec.get("Default")))
            if value is None:
                continue
            if spec["Type"] == "CommaDelimitedList":
                value = value.split(",")
            self.values[name] = value

    def condition(self, name: str) -> bool:
        return bool(self(self.template["Conditions"][name]))

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Ref", "Fn::", "Condition")):
            return {key: self(value) for key, value in node.items()}
        ((function, argument),) = node.items()
        if function == "Ref":
            return self.values.get(argument, f"<{argument}>")
        if function == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else argument.split(".", 1)
            return "<{}.{}>".format(*parts)
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
        resources.extend(as_list(render(item)))
    return resources


def grants(cfn: dict[str, Any], action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(role, s) for role, s in statements(cfn) if action in actions(s)]


def service_grants(cfn: dict[str, Any], service: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (role, s)
        for role, s in statements(cfn)
        if any(a.startswith(f"{service}:") for a in actions(s))
    ]


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
    (subscription,) = resources_of_type(cfn, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "lambda"
    assert subscription["Properties"]["Endpoint"] == {"Fn::GetAtt": [notify, "Arn"]}
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
        assert f"${{{decide}.Arn}}" in uri


def test_unknown_paths_and_methods_still_reach_the_decide_function(
    cfn: dict[str, Any], decide: str
) -> None:
    for path in ("/", "/{proxy+}", "/approvals", "/approvals/{link}"):
        integration = any_method_integration(cfn, path)
        assert integration["type"] == "aws_proxy"
        assert f"${{{decide}.Arn}}" in integration["uri"]["Fn::Sub"]


def test_notify_subscription_redrives_undeliverable_notifications_to_the_dead_letter_queue(
    cfn: dict[str, Any],
) -> None:
    (subscription,) = resources_of_type(cfn, "AWS::SNS::Subscription").values()
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


def test_approval_topic_accepts_publishes_from_this_account_only(cfn: dict[str, Any]) -> None:
    (policy,) = resources_of_type(cfn, "AWS::SNS::TopicPolicy").values()
    render = Renderer(cfn)
    for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"]):
        if statement["Effect"] == "Allow":
            assert render(statement["Principal"]) == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
            assert actions(statement) == ["sns:Publish"]


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
    for role in resources_of_type(cfn, "AWS::IAM::Role").values():
        assert set(role["Properties"].get("ManagedPolicyArns", [])) <= EXPECTED_MANAGED_POLICIES


def test_no_pipeline_email_or_secret_statement_applies_to_every_resource(
    cfn: dict[str, Any],
) -> None:
    render = Renderer(cfn)
    for role, statement in statements(cfn):
        services = {action.split(":", 1)[0] for action in actions(statement)}
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


def test_mail_is_sent_only_as_the_sender_identity(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    granted = service_grants(cfn, "ses")
    assert {role for role, _ in granted} == {
        role_of(cfn, notify), role_of(cfn, decide), role_of(cfn, remind)}
    identity = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/"
    for _, statement in granted:
        assert actions(statement) == ["ses:SendEmail"]
        # SenderIdentity left empty: the sender address is its own identity.
        assert rendered_resources(statement, Renderer(cfn)) == [
            identity + "approvals@example.com"]
        # A domain identity authorises the address instead.
        domain = Renderer(cfn, SenderIdentity="example.com")
        assert rendered_resources(statement, domain) == [identity + "example.com"]


def test_secrets_manager_access_is_get_secret_value_on_the_signing_secret_only(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    granted = service_grants(cfn, "secretsmanager")
    assert {role for role, _ in granted} == {
        role_of(cfn, notify), role_of(cfn, decide), role_of(cfn, remind)}
    for _, statement in granted:
        assert actions(statement) == ["secretsmanager:GetSecretValue"]
        assert as_list(statement["Resource"]) == [{"Ref": "SigningSecret"}]


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


def test_api_stage_is_throttled_and_traced(cfn: dict[str, Any]) -> None:
    (stage,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["TracingEnabled"] is True
    (settings,) = properties["MethodSettings"]
    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"]


def test_each_function_logs_json_to_its_own_log_group_with_a_retention(cfn: dict[str, Any]) -> None:
    functions = resources_of_type(cfn, "AWS::Lambda::Function")
    groups = resources_of_type(cfn, "AWS::Logs::LogGroup")
    used = set()
    for function in functions.values():
        logging = function["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        group = logging["LogGroup"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] > 0
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
    for function in resources_of_type(cfn, "AWS::Lambda::Function").values():
        assert function["Properties"]["Layers"] == [{"Ref": "PowertoolsLayerParameter"}]
    requirements = (ROOT / "functions" / "requirements.txt").read_text(encoding="utf-8")
    packages = {line.split("==")[0].strip().lower() for line in requirements.splitlines()
                if line.strip() and not line.startswith("#")}
    assert packages == {"itsdangerous", "jinja2"}


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
        assert set(actions(statement)) <= {"dynamodb:GetItem", "dynamodb:PutItem",
                                           "dynamodb:UpdateItem", "dynamodb:Query"}
        assert "ApprovalsTable" in json.dumps(statement["Resource"])


def test_the_policy_parameter_is_readable_only_when_one_is_named(cfn: dict[str, Any]) -> None:
    ssm = service_grants(cfn, "ssm")
    assert [actions(s) for _, s in ssm] == [["ssm:GetParameter"]]
    assert "ApprovalPolicyParameter" in json.dumps(ssm[0][1]["Resource"])


def test_the_scheduled_function_runs_every_fifteen_minutes(
    sam_template: dict[str, Any],
) -> None:
    events = sam_template["Resources"]["RemindFunction"]["Properties"]["Events"]
    assert [e["Properties"]["Schedule"] for e in events.values()] == ["rate(15 minutes)"]
