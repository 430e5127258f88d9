"""What an on-call team needs from the template: alarms that reach someone and say what to do,
a dashboard, an access log without links, limits, tags, retained logs, a rollback alias, a
custom domain and SES delivery settings. Checked on the SAM-transformed output, offline."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from tests.test_template import (
    ACCOUNT,
    REGION,
    ROOT,
    Renderer,
    actions,
    lambda_subscription,
    live_alias,
    rendered_resources,
    resources_of_type,
    service_grants,
)

ALARM_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:on-call"
DOMAIN = "approvals.example.com"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f4d4a1e-5c8e-4b5e-9c1a-1a2b3c4d5e6f"
GREENLIGHT = {"service": "greenlight"}
API = {"ApiName": "greenlight-approvals", "Stage": "Prod"}
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Where the flow's metrics come from: functions/greenlight/{notify,decide,remind}.py.
DASHBOARD_METRICS = {
    "ApprovalRequestAnnounced", "ApprovalEmailSent", "VoteRecorded", "ApprovalApproved",
    "ApprovalRejected", "4XXError", "5XXError", "LinkRejected", "PageNotFound",
    "ApproximateNumberOfMessagesVisible", "Duration",
}


def alarm(cfn: dict[str, Any], name: str) -> dict[str, Any]:
    resource = cfn["Resources"][name]
    assert resource["Type"] == "AWS::CloudWatch::Alarm"
    return dict(Renderer(cfn)(resource["Properties"]))


def dimensions(properties: dict[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in properties["Dimensions"]}


def tags_of(resource: dict[str, Any], render: Renderer) -> dict[str, str]:
    tags = render(resource["Properties"].get("Tags", []))
    if isinstance(tags, dict):
        return tags
    return {tag["Key"]: tag["Value"] for tag in tags}


def function_variables(cfn: dict[str, Any], function: str, render: Renderer) -> dict[str, Any]:
    return dict(render(cfn["Resources"][function]["Properties"]["Environment"]["Variables"]))


# --- Alarms ----------------------------------------------------------------------------------

# alarm: (namespace, metric, dimensions, statistic, period, periods, threshold, operator,
# missing data)
ALARMS = {
    "DeadLetterAlarm": ("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                        {"QueueName": "<NotifyDeadLetterQueue.QueueName>"}, "Maximum", 300, 1, 0,
                        "GreaterThanThreshold", "notBreaching"),
    "NotifyErrorsAlarm": ("AWS/Lambda", "Errors", {"FunctionName": "<NotifyFunction>"}, "Sum",
                          300, 1, 0, "GreaterThanThreshold", "notBreaching"),
    "DecideErrorsAlarm": ("AWS/Lambda", "Errors", {"FunctionName": "<DecideFunction>"}, "Sum",
                          300, 1, 0, "GreaterThanThreshold", "notBreaching"),
    "RemindErrorsAlarm": ("AWS/Lambda", "Errors", {"FunctionName": "<RemindFunction>"}, "Sum",
                          900, 1, 0, "GreaterThanThreshold", "notBreaching"),
    "NotifyThrottlesAlarm": ("AWS/Lambda", "Throttles", {"FunctionName": "<NotifyFunction>"},
                             "Sum", 300, 1, 0, "GreaterThanThreshold", "notBreaching"),
    "RemindThrottlesAlarm": ("AWS/Lambda", "Throttles", {"FunctionName": "<RemindFunction>"},
                             "Sum", 900, 1, 0, "GreaterThanThreshold", "notBreaching"),
    "ApiServerErrorsAlarm": ("AWS/ApiGateway", "5XXError", API, "Sum", 300, 1, 0,
                             "GreaterThanThreshold", "notBreaching"),
    "DependencyFailedAlarm": ("Greenlight", "DependencyFailed", GREENLIGHT, "Sum", 300, 1, 0,
                              "GreaterThanThreshold", "notBreaching"),
    "UnexpectedErrorAlarm": ("Greenlight", "UnexpectedError", GREENLIGHT, "Sum", 300, 1, 0,
                             "GreaterThanThreshold", "notBreaching"),
    # Every completed sweep reports PendingRequestsChecked (0 included): silence is the alarm.
    "SweepHeartbeatAlarm": ("Greenlight", "PendingRequestsChecked", GREENLIGHT, "SampleCount",
                            900, 2, 1, "LessThanThreshold", "breaching"),
}


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_alarm_watches_its_metric_at_its_threshold(cfn: dict[str, Any], name: str) -> None:
    (namespace, metric, watched, statistic, period, periods, threshold, operator,
     missing) = ALARMS[name]
    properties = alarm(cfn, name)
    assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
    assert dimensions(properties) == watched
    assert properties["Statistic"] == statistic
    assert (properties["Period"], properties["EvaluationPeriods"]) == (period, periods)
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (threshold, operator)
    assert properties["TreatMissingData"] == missing


def test_the_alarms_are_exactly_those_listed(cfn: dict[str, Any]) -> None:
    assert set(resources_of_type(cfn, "AWS::CloudWatch::Alarm")) == set(ALARMS)


def test_the_api_alarm_and_dashboard_name_the_api_as_deployed(cfn: dict[str, Any]) -> None:
    # API Gateway's metrics carry the API's name; a renamed API would leave the alarm blind.
    api = Renderer(cfn)(cfn["Resources"]["ApprovalApi"]["Properties"])
    assert api["Name"] == API["ApiName"]
    (stage,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    assert Renderer(cfn)(stage["Properties"]["StageName"]) == API["Stage"]


def test_the_greenlight_alarms_use_the_dimension_powertools_emits() -> None:
    # Powertools Metrics adds one default dimension, "service", from Metrics(service=...).
    for handler in ("notify", "decide", "remind"):
        source = (ROOT / "functions" / "greenlight" / f"{handler}.py").read_text(encoding="utf-8")
        assert 'Metrics(namespace="Greenlight", service="greenlight")' in source, handler
    remind = (ROOT / "functions" / "greenlight" / "remind.py").read_text(encoding="utf-8")
    # The heartbeat's metric is added on every sweep, outside any "if".
    assert re.search(r'^    metrics\.add_metric\(name="PendingRequestsChecked"', remind, re.M)


def test_every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears(
    cfn: dict[str, Any],
) -> None:
    for name in ALARMS:
        default = alarm(cfn, name)
        assert default["AlarmActions"] == default["OKActions"] == ["<AlarmTopic>"], name
        resource = cfn["Resources"][name]["Properties"]
        own = Renderer(cfn, AlarmTopicArn=ALARM_TOPIC)(resource)
        assert own["AlarmActions"] == own["OKActions"] == [ALARM_TOPIC], name


def test_every_alarm_says_what_to_do_in_a_readme_section_that_exists(cfn: dict[str, Any]) -> None:
    headings = set(re.findall(r"^#+ (.+)$", README, re.M))
    for name in ALARMS:
        description = " ".join(alarm(cfn, name)["AlarmDescription"].split())
        (section,) = re.findall(r'README: Operations, "([^"]+)"', description)
        assert section in headings, (name, section)


def test_the_alarm_topic_is_the_stacks_own_unless_one_is_given_and_is_encrypted(
    cfn: dict[str, Any],
) -> None:
    topic = cfn["Resources"]["AlarmTopic"]
    assert topic["Condition"] == "UsesOwnAlarmTopic"
    assert Renderer(cfn).condition("UsesOwnAlarmTopic")
    assert not Renderer(cfn, AlarmTopicArn=ALARM_TOPIC).condition("UsesOwnAlarmTopic")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Ref": "SecretsKey"}
    # CloudWatch encrypts what it publishes with the topic's key, so the key must admit it.
    key = Renderer(cfn)(cfn["Resources"]["SecretsKey"]["Properties"]["KeyPolicy"])
    (cloudwatch,) = [s for s in key["Statement"]
                     if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(actions(cloudwatch)) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert cloudwatch["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_alarm_email_is_subscribed_only_when_given(cfn: dict[str, Any]) -> None:
    (subscription,) = [s for s in resources_of_type(cfn, "AWS::SNS::Subscription").values()
                       if s["Properties"]["Protocol"] == "email"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert not Renderer(cfn).condition("HasAlarmEmail")
    render = Renderer(cfn, AlarmEmail="oncall@example.com")
    assert render.condition("HasAlarmEmail")
    properties = render(subscription["Properties"])
    assert (properties["Endpoint"], properties["TopicArn"]) == ("oncall@example.com",
                                                                "<AlarmTopic>")
    both = Renderer(cfn, AlarmEmail="oncall@example.com", AlarmTopicArn=ALARM_TOPIC)
    assert both(subscription["Properties"])["TopicArn"] == ALARM_TOPIC


# --- Dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_shows_the_flow_the_pages_the_dead_letters_and_latency(
    cfn: dict[str, Any],
) -> None:
    (dashboard,) = resources_of_type(cfn, "AWS::CloudWatch::Dashboard").values()
    body = json.loads(Renderer(cfn)(dashboard["Properties"]["DashboardBody"]))
    metrics = [metric for widget in body["widgets"] for metric in widget["properties"]["metrics"]]
    assert {metric[1] for metric in metrics} >= DASHBOARD_METRICS
    latency = {(m[3], m[4]["stat"]) for m in metrics if m[1] == "Duration"}
    assert latency == {(f"<{f}Function>", stat) for f in ("Notify", "Decide", "Remind")
                       for stat in ("p50", "p99")}
    for metric in metrics:
        if metric[0] == "Greenlight":
            assert metric[2:4] == ["service", "greenlight"], metric


# --- API: access log, throttling, authentication -------------------------------------------


def stage(cfn: dict[str, Any], **overrides: str) -> dict[str, Any]:
    (resource,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    return dict(Renderer(cfn, **overrides)(resource["Properties"]))


def test_the_access_log_is_json_with_the_route_template_and_never_the_link_path(
    cfn: dict[str, Any],
) -> None:
    setting = stage(cfn)["AccessLogSetting"]
    assert setting["DestinationArn"] == "<ApiAccessLogGroup.Arn>"
    fields = json.loads(setting["Format"])
    assert fields["route"] == "$context.resourcePath"  # /approvals/{link}, the template
    assert {"requestId", "ip", "httpMethod", "status", "responseLength", "requestTime",
            "integrationLatency"} <= set(fields)
    # The path, and anything that repeats it, holds the signed link: a credential.
    variables = set(re.findall(r"\$context\.[A-Za-z.]+", setting["Format"]))
    for variable in variables:
        assert not variable.startswith(("$context.path", "$context.requestOverride",
                                        "$context.authorizer")), variable
    assert "$context.path" not in setting["Format"]
    # Execution logs and data traces would write the path too.
    (method,) = stage(cfn)["MethodSettings"]
    assert method["LoggingLevel"] == "OFF" and method["DataTraceEnabled"] is False


def test_the_access_log_can_be_turned_off_and_the_account_role_is_made_only_when_asked(
    cfn: dict[str, Any],
) -> None:
    assert "AccessLogSetting" not in stage(cfn, ApiGatewayLogRole="none")
    for name in ("ApiGatewayCloudWatchRole", "ApiGatewayAccount"):
        assert cfn["Resources"][name]["Condition"] == "CreatesApiGatewayLogRole"
    assert not Renderer(cfn).condition("CreatesApiGatewayLogRole")
    assert Renderer(cfn, ApiGatewayLogRole="create").condition("CreatesApiGatewayLogRole")
    # Made by the stack, the account setting is in place before the stage logs through it.
    group = Renderer(cfn, ApiGatewayLogRole="create")(cfn["Resources"]["ApiAccessLogGroup"])
    assert {"Key": "ApiGatewayLogRole", "Value": "<ApiGatewayAccount>"} in group["Properties"][
        "Tags"]


def test_api_throttling_follows_its_parameters(cfn: dict[str, Any]) -> None:
    (default,) = stage(cfn)["MethodSettings"]
    assert (default["ThrottlingRateLimit"], default["ThrottlingBurstLimit"]) == ("10", "20")
    (tuned,) = stage(cfn, ApiThrottleRateLimit="50", ApiThrottleBurstLimit="100")[
        "MethodSettings"]
    assert (tuned["ThrottlingRateLimit"], tuned["ThrottlingBurstLimit"]) == ("50", "100")


def test_decide_concurrency_is_reserved_only_when_an_operator_asks(
    cfn: dict[str, Any], decide: str
) -> None:
    properties = cfn["Resources"][decide]["Properties"]
    assert Renderer(cfn)(properties).get("ReservedConcurrentExecutions") is None
    assert Renderer(cfn, DecideReservedConcurrency="10")(properties)[
        "ReservedConcurrentExecutions"] == "10"


def test_the_api_states_its_authentication_so_a_guided_deploy_does_not_stop(
    sam_template: dict[str, Any], cfn: dict[str, Any]
) -> None:
    # `sam deploy --guided` asks "has no authentication. Is this okay?" for every Api event
    # unless the event or the API it names has an Auth; Enter answers No and aborts.
    api = sam_template["Resources"]["ApprovalApi"]["Properties"]
    assert api["Auth"] == {"ApiKeyRequired": False}
    for name, resource in sam_template["Resources"].items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                assert event["Properties"]["RestApiId"] == {"Ref": "ApprovalApi"}, name
    # Stating it changes nothing: no method needs a key or an authorizer.
    for methods in cfn["Resources"]["ApprovalApi"]["Properties"]["Body"]["paths"].values():
        for method in methods.values():
            assert "security" not in method


# --- Tags, retained logs, rollback -------------------------------------------------------------


def test_every_resource_that_takes_tags_carries_the_application_and_owner(
    cfn: dict[str, Any],
) -> None:
    render = Renderer(cfn, OwnerTag="payments-team")
    checked = 0
    for name, resource in cfn["Resources"].items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, resource["Type"]).schema
        if "Tags" in schema.get("properties", {}):
            tags = tags_of(resource, render)
            assert tags.get("Application") == "Greenlight", name
            assert tags.get("Owner") == "payments-team", name
            checked += 1
    assert checked >= 20


def test_log_groups_are_kept_when_the_stack_goes_and_expire_after_the_retention(
    cfn: dict[str, Any],
) -> None:
    groups = resources_of_type(cfn, "AWS::Logs::LogGroup")
    assert set(groups) == {"NotifyLogGroup", "DecideLogGroup", "RemindLogGroup",
                           "TellLogGroup", "ApiAccessLogGroup"}
    for name, group in groups.items():
        assert group["DeletionPolicy"] == group["UpdateReplacePolicy"] == "Retain", name
        assert Renderer(cfn)(group["Properties"]["RetentionInDays"]) == "90", name
        kept = Renderer(cfn, LogRetentionInDays="400")(group["Properties"]["RetentionInDays"])
        assert kept == "400", name


def test_every_invocation_goes_through_the_live_alias_so_a_deploy_can_be_rolled_back(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    aliases = {function: live_alias(cfn, function) for function in (notify, decide, remind)}
    for function, alias in aliases.items():
        version = cfn["Resources"][alias]["Properties"]["FunctionVersion"]
        assert cfn["Resources"][version["Fn::GetAtt"][0]]["Type"] == "AWS::Lambda::Version"
    assert lambda_subscription(cfn)["Properties"]["Endpoint"] == {"Ref": aliases[notify]}
    (rule,) = resources_of_type(cfn, "AWS::Events::Rule").values()
    assert [t["Arn"] for t in rule["Properties"]["Targets"]] == [{"Ref": aliases[remind]}]
    (invoke_config,) = resources_of_type(cfn, "AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["Qualifier"] == "live"
    # Each permission admits its caller to the alias, not to $LATEST.
    for name, permission in resources_of_type(cfn, "AWS::Lambda::Permission").items():
        assert permission["Properties"]["FunctionName"] in [
            {"Ref": alias} for alias in aliases.values()], name
    outputs = cfn["Outputs"]
    assert outputs["NotifyFunctionArn"]["Value"] == {"Ref": aliases[notify]}


# --- Custom domain -----------------------------------------------------------------------------


def test_the_custom_domain_exists_only_when_named_and_then_the_links_use_it(
    cfn: dict[str, Any], notify: str, remind: str
) -> None:
    domain = resources_of_type(cfn, "AWS::ApiGateway::DomainName")
    mapping = resources_of_type(cfn, "AWS::ApiGateway::BasePathMapping")
    assert [r["Condition"] for r in (*domain.values(), *mapping.values())] == ["HasDomain"] * 2
    plain, named = Renderer(cfn), Renderer(cfn, DomainName=DOMAIN, CertificateArn=CERTIFICATE)
    assert not plain.condition("HasDomain") and named.condition("HasDomain")
    (properties,) = [named(r["Properties"]) for r in domain.values()]
    assert properties["DomainName"] == DOMAIN
    assert properties["RegionalCertificateArn"] == CERTIFICATE
    assert properties["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    # Mapped at the root: the function sees /approvals/... either way.
    (root,) = [r["Properties"] for r in mapping.values()]
    assert "BasePath" not in root and root["RestApiId"] == {"Ref": "ApprovalApi"}
    execute_api = "https://<ApprovalApi>.execute-api.us-east-1.amazonaws.com/Prod"
    for function in (notify, remind):
        assert function_variables(cfn, function, plain)["APPROVAL_API_URL"] == execute_api
        assert function_variables(cfn, function, named)["APPROVAL_API_URL"] == f"https://{DOMAIN}"
    assert named(cfn["Outputs"]["ApprovalApiUrl"]["Value"]) == f"https://{DOMAIN}"


def test_a_domain_without_a_certificate_is_refused_before_anything_is_made(
    cfn: dict[str, Any],
) -> None:
    rule = cfn["Rules"]["DomainNeedsACertificate"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}


# --- SES -------------------------------------------------------------------------------------


def test_a_configuration_set_is_granted_and_passed_only_when_named(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    configuration_set = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/audited"
    granted = [(role, statement) for role, statement in service_grants(cfn, "ses")
               if actions(statement) == ["ses:SendEmail"]]
    assert len(granted) == 3  # notify, remind and tell send; decide does not
    for role, statement in granted:
        assert configuration_set not in rendered_resources(statement, Renderer(cfn)), role
        named = rendered_resources(statement, Renderer(cfn, SesConfigurationSet="audited"))
        assert configuration_set in named, role
    for function in (notify, decide, remind):
        assert function_variables(cfn, function, Renderer(cfn))["SES_CONFIGURATION_SET"] == ""
        assert function_variables(cfn, function, Renderer(cfn, SesConfigurationSet="audited"))[
            "SES_CONFIGURATION_SET"] == "audited"


def test_every_function_sends_under_the_sender_name(
    cfn: dict[str, Any], notify: str, decide: str, remind: str
) -> None:
    for function in (notify, decide, remind):
        assert function_variables(cfn, function, Renderer(cfn))["SENDER_NAME"] == "Greenlight"


@pytest.mark.parametrize("name", ["security@example.com", "Greenlight <x@example.com>",
                                  'Say "hi"', "two\nlines", "x" * 65, "back\\slash"])
def test_a_sender_name_cannot_pass_for_an_address_or_break_the_header(
    sam_template: dict[str, Any], name: str
) -> None:
    pattern = sam_template["Parameters"]["SenderName"]["AllowedPattern"]
    assert re.fullmatch(pattern, name) is None
    assert all(re.fullmatch(pattern, ok) for ok in ("Greenlight", "Release approvals (ACME)",
                                                    "Freigabe Müller", ""))

