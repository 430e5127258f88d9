"""An offline stand-in for Slack: the Web API methods Greenlight calls, a workspace to call
them on, and the signed interactions Slack sends an app's Request URL."""

from local.slack.interactions import Delivery, Interactions, SignedRequest, sign
from local.slack.server import SlackServer
from local.slack.workspace import BOT_TOKEN, TEAM_ID, Workspace

__all__ = ["BOT_TOKEN", "TEAM_ID", "Delivery", "Interactions", "SignedRequest", "SlackServer",
           "Workspace", "sign"]
