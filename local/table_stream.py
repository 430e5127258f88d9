"""A DynamoDB stream's event source mapping, offline: poll moto's stream in a thread of its
own and hand each batch that passes the mapping's filter to a function, with the mapping's
retries, then its on-failure destination, as Lambda does."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import boto3

log = logging.getLogger(__name__)
POLL_SECONDS = 0.02


def matches(pattern: Any, value: Any) -> bool:
    """An event filter pattern (the part Lambda's filters use here): nested objects, lists
    of allowed values, and `{"exists": bool}`."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(_field_matches(rule, key in value, value.get(key))
                   for key, rule in pattern.items())
    return False


def _field_matches(rule: Any, present: bool, value: Any) -> bool:
    if isinstance(rule, dict):
        return present and matches(rule, value)
    for allowed in rule:
        if isinstance(allowed, dict) and "exists" in allowed:
            if bool(allowed["exists"]) == present:
                return True
        elif present and value == allowed:
            return True
    return False


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A GetRecords record as Lambda's event carries it (times as epoch seconds)."""
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        raise TypeError(type(value).__name__)

    return dict(json.loads(json.dumps(record, default=default)))


class TableStream:
    """Start with start(); stop() ends the thread."""

    def __init__(self, *, endpoint_url: str, table_name: str,
                 invoke: Callable[[dict[str, Any]], Any], mapping: Mapping[str, Any],
                 on_failure: Callable[[dict[str, Any]], None]) -> None:
        self.endpoint_url = endpoint_url
        self.table_name = table_name
        self.invoke = invoke
        self.patterns = [json.loads(f["Pattern"])
                         for f in (mapping.get("FilterCriteria") or {}).get("Filters", [])]
        self.retries = int(mapping.get("MaximumRetryAttempts", 2))
        self.batch_size = int(mapping.get("BatchSize", 100))
        self.on_failure = on_failure
        self.failures: list[BaseException] = []
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._idle_polls = 0
        self._thread = threading.Thread(target=self._poll_forever, name="stream-to-tell",
                                        daemon=True)

    def _client(self) -> Any:
        return boto3.client("dynamodbstreams", endpoint_url=self.endpoint_url)

    def start(self) -> TableStream:
        table = boto3.client("dynamodb", endpoint_url=self.endpoint_url).describe_table(
            TableName=self.table_name)["Table"]
        streams = self._client()
        self.stream_arn = table["LatestStreamArn"]
        shards = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        self._iterators = [streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard["ShardId"],
            ShardIteratorType="LATEST")["ShardIterator"] for shard in shards]
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """Block until every record written before the call has been handled."""
        with self._idle:
            target = self._idle_polls + 2
            return self._idle.wait_for(lambda: self._idle_polls >= target, timeout)

    def _poll_forever(self) -> None:
        streams = self._client()
        while not self._stop.is_set():
            handled = False
            for index, iterator in enumerate(self._iterators):
                try:
                    page = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
                except Exception:
                    log.exception("reading the table's stream failed")
                    continue
                self._iterators[index] = page.get("NextShardIterator") or iterator
                records = [_plain(r) for r in page.get("Records", [])]
                wanted = [r for r in records
                          if not self.patterns or any(matches(p, r) for p in self.patterns)]
                if records:
                    handled = True
                if wanted:
                    self._deliver({"Records": [r | {"eventSourceARN": self.stream_arn}
                                               for r in wanted]})
            if not handled:
                with self._idle:
                    self._idle_polls += 1
                    self._idle.notify_all()
                time.sleep(POLL_SECONDS)

    def _deliver(self, event: dict[str, Any]) -> None:
        for attempt in range(self.retries + 1):
            try:
                self.invoke(event)
                return
            except Exception as error:
                log.warning("stream batch failed (attempt %d): %s", attempt + 1,
                            type(error).__name__)
                if attempt == self.retries:
                    self.failures.append(error)
                    self.on_failure(event)
