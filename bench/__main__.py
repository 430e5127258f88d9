"""`make bench`: cold init, warm latency, AWS calls per request and artifact size, printed as a
table and written to bench/RESULTS.md. Figures are reported against their goals, not asserted."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from bench import artifact, coldstart, warm
from bench.environment import function_specs, machine

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MB = 1024 * 1024


def meets(value: float, goal: float) -> str:
    return "yes" if value <= goal else "no"


def calls_text(calls: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(calls.items())) or "none"


def writes(calls: Counter[str]) -> int:
    return sum(n for name, n in calls.items()
               if name in ("dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.DeleteItem"))


def warm_text(timing: warm.Timing) -> str:
    per_batch = timing.runs // timing.batches
    return (f"p50 {timing.p50_ms:.2f} ms (quietest of {timing.batches} batches of {per_batch}; "
            f"all {timing.runs}: p50 {timing.p50_all_ms:.2f} ms, p99 {timing.p99_ms:.2f} ms)")


def rows(cold: list[coldstart.ColdStart], first: coldstart.FirstResponse | None, runs: int,
         hot: warm.WarmResults, sizes: artifact.Artifacts) -> list[tuple[str, str, str, str]]:
    """(measure, figure, goal, goal met)."""
    table = []
    for result in cold:
        clients = ", ".join(f"{client[1]}{' (resource)' if client[0] == 'resource' else ''}"
                            for client in result.clients)
        table.append((f"cold init, {result.function} ({runs} paired runs; floor: {clients})",
                      f"{result.ratio:.2f}x (medians {result.function_ms:.0f} ms vs floor "
                      f"{result.floor_ms:.0f} ms)", "<= 1.3x", meets(result.ratio, 1.3)))
        table.append((f"cold init, {result.function}, had it kept Powertools' Tracer",
                      f"{result.tracer_ratio:.2f}x the floor (median {result.with_tracer_ms:.0f}"
                      f" ms; floor + X-Ray SDK {result.floor_with_xray_ms:.0f} ms)", "", ""))
        table.append((f"cold init, {result.function}, from its package without the bytecode "
                      "(as the python3.13 builder packaged it)",
                      f"{result.without_bytecode_ratio:.2f}x the floor (median "
                      f"{result.without_bytecode_ms:.0f} ms)", "", ""))
        table.append((f"modules a review page needs not, loaded by {result.function}'s import",
                      ", ".join(result.heavy) or "none", "", ""))
    if first is not None:
        table.append((f"cold first response, review page ({runs} paired runs; "
                      f"status {first.status}; calls: {', '.join(first.calls)})",
                      f"{first.ratio:.2f}x (medians {first.function_ms:.0f} ms vs floor + "
                      f"the same calls {first.floor_ms:.0f} ms)", "<= 1.3x",
                      meets(first.ratio, 1.3)))
    table += [
        ("review page, GET (warm)", warm_text(hot.page), "p50 <= 1 ms",
         meets(hot.page.p50_ms, 1)),
        ("vote that does not decide, POST (warm)", warm_text(hot.vote), "p50 <= 2 ms",
         meets(hot.vote.p50_ms, 2)),
        ("deciding vote, POST (warm)", warm_text(hot.decision), "p50 <= 3 ms",
         meets(hot.decision.p50_ms, 3)),
    ]
    page_calls = hot.calls_per_page.total()
    vote_calls = hot.calls_per_vote.total()
    decision_calls, decision_ses = (hot.calls_per_decision.total(),
                                    sum(n for name, n in hot.calls_per_decision.items()
                                        if name.startswith("sesv2.")))
    table += [
        ("AWS calls, review page GET", f"{page_calls}: {calls_text(hot.calls_per_page)}",
         "2", "yes" if page_calls == 2 else "no"),
        ("AWS calls, vote that does not decide",
         f"{vote_calls}: {calls_text(hot.calls_per_vote)}", "<= 3", meets(vote_calls, 3)),
        ("AWS calls, deciding vote",
         f"{decision_calls}: {calls_text(hot.calls_per_decision)}", "<= 5, no SES",
         "yes" if decision_calls <= 5 and not decision_ses else "no"),
    ]
    table.append(("render + sign, per approver", f"{hot.render_and_sign_ms:.2f} ms", "", ""))
    table.append(("raw MIME message, per mail", f"{hot.mime_ms:.2f} ms", "", ""))
    base = None
    for count, calls in hot.calls_per_message.items():
        plural = "s" if count > 1 else ""
        written = writes(calls)
        base = written if base is None else base
        table.append((f"notify, {count} approver{plural}: DynamoDB writes per message",
                      f"{written} ({calls_text(calls)})", "same for any count",
                      "yes" if written == base else "no"))
    for count, timing in hot.notify.items():
        per = timing.p50_ms / count
        table.append((f"notify handler, {count} approver{'s' if count > 1 else ''} (warm, "
                      "sends stubbed)",
                      f"p50 {timing.p50_ms:.2f} ms = {per:.2f} ms per approver", "", ""))
    for function, reads in hot.secret_reads.items():
        table.append((f"secret reads, {function} container",
                      f"{reads} in {hot.invocations[function]} invocations", "1 per 300 s",
                      meets(reads, 2)))
    for built in sizes.artifacts:
        links = f"; links kept: {', '.join(built.symlinks)}" if built.symlinks else ""
        compiled = (f"; compiled, apart: {built.compiled_bytes / MB:.2f} MB "
                    f"({', '.join(built.compiled)})" if built.compiled else "")
        bytecode = (f"; bytecode, apart: {built.bytecode_bytes / MB:.2f} MB"
                    if built.bytecode_bytes else "")
        table.append((f"package, {built.function} ({sizes.how})",
                      f"{built.pure_bytes / MB:.2f} MB Greenlight + pure Python unzipped "
                      f"({built.zipped_bytes / MB:.2f} MB zipped in all, {built.files} files)"
                      f"{bytecode}{compiled}{links}", "<= 2 MB", meets(built.pure_bytes / MB, 2)))
    return table


def markdown(table: list[tuple[str, str, str, str]], about: dict[str, str], note: str) -> str:
    lines = [
        "# Greenlight benchmark",
        "",
        f"{about['date']} · `uname -m` {about['machine']} · {about['cpu']} · "
        f"{about['python']}",
        "",
        "Produced by `make bench`. Cold figures are fresh interpreters importing each "
        "handler module from the functions' package (functions/Makefile, as `sam build` "
        "runs it, built for this machine's Python; nothing written beside it) with the "
        "environment template.yaml and Lambda give it (tracing as "
        "`Tracing: Active` sets it up), side by side with a floor that imports boto3 and makes "
        "the same clients, run in turn; a cold ratio is the median of the ratios within each "
        "round (so a slow spell moves both sides alike). The cold first response answers AWS "
        "inside the process (botocore's "
        "`before-send`), for the function and the floor alike. Warm figures run in one process "
        "with every AWS call answered by an in-process stand-in, in batches: other processes "
        "only ever add time, so the quietest batch's p50 is judged, and the p50 of all runs "
        "is printed beside it.",
        "",
        "| Measure | Figure | Goal | Met |",
        "| --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table),
    ]
    if note:
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=coldstart.RUNS,
                        help="cold starts per function and per floor (median is reported)")
    parser.add_argument("--skip-build", action="store_true",
                        help="do not build the artifacts (sam build takes a while)")
    args = parser.parse_args(argv)

    print("warm invocations ...", flush=True)
    hot = warm.measure()
    print("cold init ...", flush=True)
    cold = [coldstart.measure(module, args.runs) for module in sorted(function_specs())]
    print("cold first response ...", flush=True)
    first = coldstart.measure_first_response(hot.first_response.answers,
                                             hot.first_response.event, args.runs)
    if args.skip_build:
        sizes = artifact.Artifacts("not built (--skip-build)", [])
    else:
        print("artifacts ...", flush=True)
        sizes = artifact.measure()
    table = rows(cold, first, args.runs, hot, sizes)
    report = markdown(table, machine(), sizes.note)
    RESULTS.write_text(report, encoding="utf-8")
    print()
    print(report)
    print(f"written to {RESULTS.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
