"""`make bench`: cold init, warm latency, AWS calls per request and artifact size, printed as a
table and written to bench/RESULTS.md. Figures are reported against their goals, not asserted."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from bench import artifact, coldstart, warm
from bench.environment import machine

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MB = 1024 * 1024


def meets(value: float, goal: float) -> str:
    return "yes" if value <= goal else "no"


def calls_text(calls: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(calls.items())) or "none"


def rows(cold: list[coldstart.ColdStart], runs: int, hot: warm.WarmResults,
         sizes: artifact.Artifacts) -> list[tuple[str, str, str, str]]:
    """(measure, figure, goal, goal met)."""
    table = []
    for result in cold:
        name = result.module.rpartition(".")[2]
        clients = ", ".join(f"{client[1]}{' (resource)' if client[0] == 'resource' else ''}"
                            for client in result.clients)
        table.append((f"cold init, {name} (median of {runs}; floor: {clients})",
                      f"{result.function_ms:.0f} ms vs floor {result.floor_ms:.0f} ms = "
                      f"{result.ratio:.2f}x; vs floor + X-Ray SDK "
                      f"{result.floor_with_xray_ms:.0f} ms = {result.ratio_with_xray:.2f}x",
                      "<= 1.3x", meets(result.ratio, 1.3)))
    table += [
        ("review page, GET (warm)", f"p50 {hot.page.p50_ms:.2f} ms, p99 {hot.page.p99_ms:.2f} ms",
         "p50 <= 2 ms", meets(hot.page.p50_ms, 2)),
        ("decision, POST (warm)",
         f"p50 {hot.decision.p50_ms:.2f} ms, p99 {hot.decision.p99_ms:.2f} ms",
         "p50 <= 3 ms", meets(hot.decision.p50_ms, 3)),
    ]
    table.append(("render + sign, per approver", f"{hot.render_and_sign_ms:.2f} ms",
                  "<= 1 ms", meets(hot.render_and_sign_ms, 1)))
    table.append(("raw MIME message, per mail", f"{hot.mime_ms:.2f} ms", "", ""))
    for count, timing in hot.notify.items():
        per = timing.p50_ms / count
        table.append((f"notify handler, {count} approver{'s' if count > 1 else ''} (warm, "
                      "sends stubbed)",
                      f"p50 {timing.p50_ms:.2f} ms = {per:.2f} ms per approver", "", ""))
    page_calls, decision_calls = hot.calls_per_page.total(), hot.calls_per_decision.total()
    table += [
        ("AWS calls per GET", f"{page_calls}: {calls_text(hot.calls_per_page)}", "1",
         meets(page_calls, 1)),
        ("AWS calls per POST", f"{decision_calls}: {calls_text(hot.calls_per_decision)}", "2",
         meets(decision_calls, 2)),
    ]
    for count, calls in hot.calls_per_message.items():
        table.append((f"AWS calls per message, {count} approver{'s' if count > 1 else ''}",
                      f"{calls.total()}: {calls_text(calls)}", "", ""))
    for function, reads in hot.secret_reads.items():
        table.append((f"secret reads, {function} container",
                      f"{reads} in {hot.invocations[function]} invocations", "1 per 300 s",
                      meets(reads, 1)))
    for built in sizes.artifacts:
        links = f"; links kept: {', '.join(built.symlinks)}" if built.symlinks else ""
        table.append((f"artifact, {built.function} ({sizes.how})",
                      f"{built.unzipped_bytes / MB:.2f} MB unzipped, "
                      f"{built.zipped_bytes / MB:.2f} MB zipped, {built.files} files{links}",
                      "<= 5 MB", meets(built.unzipped_bytes / MB, 5)))
    return table


def markdown(table: list[tuple[str, str, str, str]], about: dict[str, str], note: str) -> str:
    lines = [
        "# Greenlight benchmark",
        "",
        f"{about['date']} · `uname -m` {about['machine']} · {about['cpu']} · "
        f"Python {about['python']}",
        "",
        "Produced by `make bench`. Cold figures are fresh interpreters importing each "
        "handler module (tracing disabled; Powertools' Tracer still imports the X-Ray SDK, "
        "hence the second floor). Warm figures run in one process with every AWS call "
        "answered by an in-process stand-in.",
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

    print("cold init ...", flush=True)
    cold = [coldstart.measure(module, args.runs)
            for module in ("greenlight.notify", "greenlight.decide")]
    print("warm invocations ...", flush=True)
    hot = warm.measure()
    if args.skip_build:
        sizes = artifact.Artifacts("not built (--skip-build)", [])
    else:
        print("artifacts ...", flush=True)
        sizes = artifact.measure()
    table = rows(cold, args.runs, hot, sizes)
    report = markdown(table, machine(), sizes.note)
    RESULTS.write_text(report, encoding="utf-8")
    print()
    print(report)
    print(f"written to {RESULTS.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
