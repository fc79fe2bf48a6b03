"""The results table (Markdown) from the bench's result dict."""

from typing import Callable, List, Optional


def _get(data: dict, path: str):
    for key in path.split("."):
        if not isinstance(data, dict) or data.get(key) is None:
            return None
        data = data[key]
    return data


def _ms(v: Optional[float]) -> str:
    return "–" if v is None else f"{v * 1000:.0f} ms"


def _s(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.1f} s"


def _rate(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.1f} msg/s"


def _gb(v: Optional[float]) -> str:
    return "–" if v is None else f"{v / 1e9:.2f} GB"


def _cpu(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.0f} ms CPU"


def _ratio(ours, stock) -> str:
    if ours is None or stock is None or stock == 0:
        return "–"
    return f"{ours / stock:.2f}×"


def _target(value, text: str, ok: Callable[[float], bool]) -> str:
    if not text:
        return ""
    if value is None:
        return text
    return f"{text} {'✅ met' if ok(value) else '❌ missed'}"


# (label, path in each bot's results, formatter, target text, target check)
ROWS = [
    ("full training", "training_s", _s, "< 90 s", lambda v: v < 90),
    ("action server start → /health", "w1.actions_start_s", _s, "", None),
    ("Rasa server start → first answer, 1 worker", "w1.first_answer_s", _s, "", None),
    ("Rasa server start → first answer, 2 workers", "w2.first_answer_s", _s, "", None),
    ("1 conversation: p50", "w1.single.latency_s.p50", _ms, "", None),
    ("1 conversation: p95", "w1.single.latency_s.p95", _ms, "< 60 ms", lambda v: v < 0.060),
    ("escalation while another conversation sends 64 KB: p50", "w1.interference.probe.latency_s.p50", _ms, "", None),
    (
        "escalation while another conversation sends 64 KB: p95",
        "w1.interference.probe.latency_s.p95",
        _ms,
        "< 1 s",
        lambda v: v < 1.0,
    ),
    ("the 64 KB message itself: p50", "w1.interference.big_latency_s.p50", _ms, "", None),
    (
        "20 conversations, 1 worker: throughput",
        "w1.concurrent.throughput_msg_s",
        _rate,
        "≥ 100 msg/s",
        lambda v: v >= 100,
    ),
    ("20 conversations, 1 worker: p50", "w1.concurrent.latency_s.p50", _ms, "", None),
    ("20 conversations, 1 worker: p95", "w1.concurrent.latency_s.p95", _ms, "< 300 ms", lambda v: v < 0.300),
    (
        "20 conversations, 2 workers: throughput",
        "w2.concurrent.throughput_msg_s",
        _rate,
        "≥ 100 msg/s",
        lambda v: v >= 100,
    ),
    ("20 conversations, 2 workers: p50", "w2.concurrent.latency_s.p50", _ms, "", None),
    ("20 conversations, 2 workers: p95", "w2.concurrent.latency_s.p95", _ms, "< 300 ms", lambda v: v < 0.300),
    ("CPU per message at 20 conversations, 1 worker: Rasa server", "w1.cpu.rasa_ms_per_msg", _cpu, "", None),
    ("CPU per message at 20 conversations, 1 worker: action server", "w1.cpu.actions_ms_per_msg", _cpu, "", None),
    ("CPU per message at 20 conversations, 2 workers: Rasa server", "w2.cpu.rasa_ms_per_msg", _cpu, "", None),
    ("RSS Rasa server tree after load, 1 worker", "w1.memory.rasa.rss", _gb, "< 1.4 GB", lambda v: v < 1.4e9),
    ("RSS action server after load, 1 worker", "w1.memory.actions.rss", _gb, "< 1.4 GB", lambda v: v < 1.4e9),
    ("RSS Rasa server tree after load, 2 workers", "w2.memory.rasa.rss", _gb, "< 1.4 GB", lambda v: v < 1.4e9),
    ("RSS action server after load, 2 workers", "w2.memory.actions.rss", _gb, "< 1.4 GB", lambda v: v < 1.4e9),
    ("PSS Rasa server tree after load, 2 workers", "w2.memory.rasa.pss", _gb, "", None),
]

STAGE_ROWS = [
    ("REST round trip (whole path)", "w1.single.latency_s.p50"),
    ("NLU only (/model/parse)", "w1.stages.nlu.latency_s.p50"),
    ("tracker load, as JSON (GET /conversations/…/tracker, 10 turns in)", "w1.stages.tracker.latency_s.p50"),
    (
        "one policy prediction: tracker load + predict + JSON (POST /conversations/…/predict)",
        "w1.stages.predict.latency_s.p50",
    ),
    ("action server alone (action_answer_topic)", "w1.stages.action.latency_s.p50"),
]


def table(results: dict) -> str:
    ours, stock = results["bots"].get("pump", {}), results["bots"].get("stock", {})
    lines = [
        "| measure | pump bot | stock `rasa init` bot | ratio pump/stock | target (pump bot) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, path, fmt, target, ok in ROWS:
        a, b = _get(ours, path), _get(stock, path)
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {_ratio(a, b)} | {_target(a, target, ok)} |")
    return "\n".join(lines)


def stage_table(results: dict) -> str:
    ours, stock = results["bots"].get("pump", {}), results["bots"].get("stock", {})
    lines = ["| stage, one conversation, p50 | pump bot | stock bot |", "| --- | ---: | ---: |"]
    for label, path in STAGE_ROWS:
        lines.append(f"| {label} | {_ms(_get(ours, path))} | {_ms(_get(stock, path))} |")
    lines.append("")
    lines.append(
        "A message over REST runs NLU once, loads the tracker, predicts at least twice (the answer, "
        "then action_listen), calls the action server for a custom action, and saves the tracker; "
        "predict minus tracker is about the policies' share of one prediction."
    )
    return "\n".join(lines)


def load_notes(results: dict) -> List[str]:
    notes = []
    for bot, data in results["bots"].items():
        for workers in ("w1", "w2"):
            for phase in ("single", "concurrent"):
                run = _get(data, f"{workers}.{phase}")
                if not run:
                    continue
                line = (
                    f"- {bot}, {workers[1]} worker(s), {phase}: {run['answered']} answered of {run['sent']} sent "
                    f"in {run['elapsed_s']:.1f} s (stopped by {run['stopped_by']}), {run['errors']} errors, "
                    f"{run['empty_replies']} empty replies"
                )
                if run["error_samples"]:
                    line += f"; e.g. {run['error_samples'][0]!r}"
                others = _get(data, f"{workers}.cpu.others_share")
                if phase == "concurrent" and others is not None:
                    line += (
                        f"; the machine's CPUs were {data[workers]['cpu']['machine_busy_share']:.0%} busy, "
                        f"{others:.0%} of them with other processes"
                    )
                notes.append(line)
    return notes


def markdown(results: dict) -> str:
    meta = results["meta"]
    load_start, load_end = meta["loadavg_start"], meta["loadavg_end"]
    parts = [
        f"# Benchmark ({meta['mode']})",
        "",
        f"{meta['date']}, commit {meta['commit']}, Rasa {meta['rasa']}, {meta['cpus']} CPUs, "
        f"{meta['memory_gb']:.0f} GiB, loopback, action server in the path. "
        f"Load average at start {load_start[0]:.2f}, at end {load_end[0]:.2f} "
        f"(the load generator shares the CPUs with the servers).",
        "",
        table(results),
        "",
        "Where one message's time goes (one conversation at a time):",
        "",
        stage_table(results),
        "",
        "Notes:",
        "",
        *[f"- {note}" for note in meta["notes"]],
        *load_notes(results),
        "",
    ]
    return "\n".join(parts)
