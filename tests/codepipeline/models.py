"""botocore data directories that make botocore resolve CodePipeline to one wire protocol.

botocore picks a service's protocol by its own preference order among the model's `protocols`
(JSON 1.1 before Smithy RPC v2 CBOR today). A copy of the installed model that lists a single
protocol, found first on botocore's data path (`AWS_DATA_PATH`, or a session's `data_path`),
leaves botocore no other choice: the client's serializer and parser are then botocore's own
for that protocol, as they will be the day botocore prefers it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.loaders import Loader

SERVICE = "codepipeline"
JSON = "json"
CBOR = "smithy-rpc-v2-cbor"
# The values of GREENLIGHT_CODEPIPELINE_PROTOCOL, and the model protocol each stands for.
PROTOCOLS = {"json": JSON, "cbor": CBOR}


def write_model(protocol: str, directory: Path) -> Path:
    """Write CodePipeline's model, limited to `protocol`, as a botocore data directory."""
    model: dict[str, Any] = Loader().load_service_model(SERVICE, "service-2")
    metadata = model["metadata"]
    if protocol not in metadata.get("protocols", [metadata["protocol"]]):
        raise ValueError(f"botocore's CodePipeline model does not offer {protocol}")
    metadata["protocols"] = [protocol]
    metadata["protocol"] = protocol
    folder = directory / SERVICE / metadata["apiVersion"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "service-2.json").write_text(json.dumps(model), encoding="utf-8")
    return directory


def client_speaking(protocol: str, data_path: Path, endpoint_url: str) -> Any:
    """A botocore CodePipeline client whose session reads its model from `data_path`."""
    session = botocore.session.Session()
    session.set_config_variable("data_path", str(data_path))
    client = session.create_client(
        SERVICE,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    resolved = client.meta.service_model.resolved_protocol
    if resolved != protocol:
        raise AssertionError(f"botocore resolved CodePipeline to {resolved}, not {protocol}")
    return client
