"""A DynamoDB stream's event source mapping, offline: read moto's stream in a thread of its
own whenever a write lands in it, and hand each batch that passes the mapping's filter to a
function, with the mapping's retries, then its on-failure destination, as Lambda does."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import boto3

log = logging.getLogger(__name__)
# Lambda reads a stream about four times a second; offline a write wakes the reader at
# once, and this slow poll only catches a write that was never announced.
FALLBACK_POLL_SECONDS = 1.0


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


def watch_moto_stream(account_id: str, region: str, table_name: str,
                      on_write: Callable[[int], None]) -> Callable[[], None]:
    """Call `on_write(sequence_number)` after every record moto adds to the table's stream
    (moto runs in this process); returns the undo. Every write that lands in the stream,
    whoever made it and by whichever route, passes through the shard's `add`."""
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[account_id][region].get_table(table_name).stream_shard
    if shard is None:
        raise ValueError(f"table {table_name} has no stream")
    add = shard.add

    def add_and_tell(old: Any, new: Any) -> None:
        add(old, new)
        on_write(int(shard.items[-1].record["dynamodb"]["SequenceNumber"]))

    def undo() -> None:
        vars(shard).pop("add", None)

    shard.add = add_and_tell  # type: ignore[method-assign]
    return undo


class TableStream:
    """Start with start(); stop() ends the thread. `written(sequence_number)` says a record
    landed in the stream (watch_moto_stream calls it): the thread reads the stream then, and
    every FALLBACK_POLL_SECONDS besides, so a write nobody announced is read all the same."""

    def __init__(self, *, endpoint_url: str, table_name: str,
                 invoke: Callable[[dict[str, Any]], Any], mapping: Mapping[str, Any],
                 on_failure: Callable[[dict[str, Any]], None],
                 fallback_seconds: float = FALLBACK_POLL_SECONDS) -> None:
        self.endpoint_url = endpoint_url
        self.table_name = table_name
        self.invoke = invoke
        self.patterns = [json.loads(f["Pattern"])
                         for f in (mapping.get("FilterCriteria") or {}).get("Filters", [])]
        self.retries = int(mapping.get("MaximumRetryAttempts", 2))
        self.batch_size = int(mapping.get("BatchSize", 100))
        self.starting_position = str(mapping.get("StartingPosition", "LATEST"))
        self.on_failure = on_failure
        self.fallback_seconds = fallback_seconds
        self.failures: list[BaseException] = []
        self._stop = threading.Event()
        # Sequence numbers (moto keeps one shard a table, numbered in order): the last one
        # announced, and the last one handled (delivered, filtered out, or handed on).
        self._progress = threading.Condition()
        self._written_through = 0
        self._handled_through = 0
        self._thread = threading.Thread(target=self._read_forever, name="stream-to-tell",
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
            ShardIteratorType=self.starting_position)["ShardIterator"] for shard in shards]
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._progress:
            self._progress.notify_all()
        self._thread.join(timeout=5)

    def written(self, sequence_number: int) -> None:
        """A record with this sequence number is in the stream: read it now."""
        with self._progress:
            self._written_through = max(self._written_through, sequence_number)
            self._progress.notify_all()

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """Block until every record announced before the call has been handled (its batch
        delivered, filtered out, or given up on); False if that takes over `timeout`."""
        with self._progress:
            target = self._written_through
            return self._progress.wait_for(lambda: self._handled_through >= target, timeout)

    def _read_forever(self) -> None:
        streams = self._client()
        while not self._stop.is_set():
            if not self._read_all(streams):
                self._stop.wait(self.fallback_seconds)  # the stream failed to answer
                continue
            with self._progress:
                self._progress.wait_for(
                    lambda: self._stop.is_set() or self._written_through > self._handled_through,
                    self.fallback_seconds)

    def _read_all(self, streams: Any) -> bool:
        """Read and hand on every shard's records until each has none left."""
        for index in range(len(self._iterators)):
            while not self._stop.is_set():
                try:
                    page = streams.get_records(ShardIterator=self._iterators[index],
                                               Limit=self.batch_size)
                except Exception:
                    log.exception("reading the table's stream failed")
                    return False
                self._iterators[index] = page.get("NextShardIterator") or self._iterators[index]
                records = [_plain(r) for r in page.get("Records", [])]
                if not records:
                    break
                wanted = [r for r in records
                          if not self.patterns or any(matches(p, r) for p in self.patterns)]
                if wanted:
                    self._deliver({"Records": [r | {"eventSourceARN": self.stream_arn}
                                               for r in wanted]})
                with self._progress:
                    self._handled_through = max(
                        [self._handled_through,
                         *(int(r["dynamodb"]["SequenceNumber"]) for r in records)])
                    self._progress.notify_all()
        return True

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
