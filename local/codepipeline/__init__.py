"""An offline stand-in for AWS CodePipeline, spoken to by plain boto3 clients in JSON 1.1 or
Smithy RPC v2 CBOR."""

from local.codepipeline.engine import Engine, ServiceError, utc_now
from local.codepipeline.server import CodePipelineServer

__all__ = ["CodePipelineServer", "Engine", "ServiceError", "utc_now"]
