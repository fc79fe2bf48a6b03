"""`python -m tools.bench [--quick]`: run the benchmark, print the table, write results/bench.{md,json}.

Full run (about 10 minutes on 2 cores): forced training of our bot and of the
stock `rasa init` bot, then for each bot one stack on one Sanic worker (time to
first answer, one-conversation latency, NLU and action server on their own, 20
concurrent conversations, memory) and one on two workers with a Redis lock
store (20 concurrent conversations, memory). --quick sends fewer messages,
skips our forced training and reuses the stock bot cached in
results/cache/stock-bot when there is one.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import requests
import yaml

from bot import PROJECT_ROOT
from bot.ops.training import latest_model
from tools.bench import load, stock
from tools.bench.messages import conversations, pump_messages
from tools.bench.procs import machine_cpu_seconds, tree_cpu_seconds, tree_memory
from tools.bench.report import markdown
from tools.bench.stats import summary
from tools.stack.servers import RASA, ActionServer, RasaServer, base_env

RESULTS = PROJECT_ROOT / "results"
CONCURRENCY = 20
CONVERSATION_LENGTH = 10
# A 64 KB message in one conversation while another reports an emergency-level concern.
BIG_MESSAGE = "1 " * 32768
PUMP_PROBE = "my son is 45 and shaky"
TRAIN_TIMEOUT = 600


@dataclass
class Profile:
    warmup: int  # messages, not measured
    single_messages: int  # one conversation at a time
    single_seconds: float
    stage_messages: int  # NLU only / action server only
    stage_seconds: float
    concurrent_messages: int  # 20 conversations at once
    concurrent_seconds: float
    interference_probes: int  # escalations while another conversation sends 64 KB messages
    interference_seconds: float


PROFILES = {
    "full": Profile(
        warmup=40,
        single_messages=300,
        single_seconds=40,
        stage_messages=200,
        stage_seconds=15,
        concurrent_messages=2500,
        concurrent_seconds=45,
        interference_probes=60,
        interference_seconds=20,
    ),
    "quick": Profile(
        warmup=20,
        single_messages=60,
        single_seconds=15,
        stage_messages=40,
        stage_seconds=8,
        concurrent_messages=300,
        concurrent_seconds=15,
        interference_probes=25,
        interference_seconds=8,
    ),
}


@dataclass
class Bot:
    name: str
    model: Path
    mix: List[str]
    stock_project: Optional[Path] = None  # None: our bot


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def train_ours(workdir: Path) -> float:
    """Forced full training of our bot into a temp folder, with its own graph cache; seconds."""
    env = base_env(workdir, {"RASA_CACHE_DIRECTORY": str(workdir / "pump-train-cache")})
    started = time.perf_counter()
    with open(workdir / "pump-train.log", "w") as out:
        subprocess.run(
            [RASA, "train", "--domain", "domain", "--out", str(workdir / "pump-train"), "--force"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=TRAIN_TIMEOUT,
        )
    return time.perf_counter() - started


def timed_calls(call: Callable[[int], bool], max_calls: int, max_seconds: float) -> dict:
    """call(i) one at a time (True: it worked), bounded by count and wall clock; latency summary."""
    latencies, errors = [], 0
    deadline = time.perf_counter() + max_seconds
    for i in range(max_calls):
        if time.perf_counter() >= deadline:
            break
        started = time.perf_counter()
        try:
            ok = call(i)
        except (requests.RequestException, ValueError):
            ok = False
        if ok:
            latencies.append(time.perf_counter() - started)
        else:
            errors += 1
    return {"answered": len(latencies), "errors": errors, "latency_s": summary(latencies)}


def action_stage(session: requests.Session, action_url: str, intents: List[str], i: int) -> bool:
    """action_answer_topic called directly on the action server with a minimal tracker."""
    intent = intents[i % len(intents)]
    payload = {
        "next_action": "action_answer_topic",
        "sender_id": f"bench-action-{i}",
        "version": "3.6",
        "domain": {},
        "tracker": {
            "sender_id": f"bench-action-{i}",
            "slots": {},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
            "latest_message": {"intent": {"name": intent, "confidence": 1.0}, "text": intent, "entities": []},
        },
    }
    response = session.post(action_url, json=payload, timeout=30)
    return response.status_code == 200 and bool(response.json().get("responses"))


def cpu_snapshot(server: RasaServer, actions: ActionServer) -> Dict[str, float]:
    machine = machine_cpu_seconds()
    return {
        "rasa": tree_cpu_seconds(server.proc.pid),
        "actions": tree_cpu_seconds(actions.proc.pid),
        "bench": time.process_time(),
        "machine_busy": machine["busy"],
        "machine_total": machine["total"],
    }


def cpu_used(before: Dict[str, float], after: Dict[str, float], messages: int) -> dict:
    """CPU per answered message of each server, and the share of the machine other processes took."""
    used = {key: after[key] - before[key] for key in before}
    others = used["machine_busy"] - used["rasa"] - used["actions"] - used["bench"]
    per_message = (lambda seconds: seconds * 1000 / messages) if messages else (lambda seconds: None)
    return {
        "rasa_ms_per_msg": per_message(used["rasa"]),
        "actions_ms_per_msg": per_message(used["actions"]),
        "load_generator_ms_per_msg": per_message(used["bench"]),
        "machine_busy_share": used["machine_busy"] / used["machine_total"] if used["machine_total"] else None,
        "others_share": max(0.0, others) / used["machine_total"] if used["machine_total"] else None,
        "seconds": used,
    }


def topic_intents() -> List[str]:
    nlu = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / "heldout_fresh.yml").read_text())["nlu"]
    return [block["intent"] for block in nlu if block["intent"].startswith("ask_")]


def run_stack(bot: Bot, workdir: Path, workers: int, profile: Profile, redis=None) -> dict:
    """Start the bot's action server and Rasa server, measure, stop them; the stack's results."""
    tag = f"{bot.name}-{workers}w"
    stackdir = workdir / tag
    stackdir.mkdir()
    env = base_env(stackdir)
    for name in ("SANIC_WORKERS", "LOCK_STORE_URL"):
        env.pop(name, None)
    extra: Dict[str, object] = {}
    if bot.stock_project is not None:
        extra.update(stock.endpoints_extra(bot.stock_project))
    if workers > 1:
        env["SANIC_WORKERS"] = str(workers)
        url = redis.url()  # a fresh database number per stack
        ours_configurable = "lock_store" in (yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text()) or {})
        if bot.stock_project is None and ours_configurable:
            env["LOCK_STORE_URL"] = url  # our bot.rasa.lock_store.ConfiguredLockStore reads it
        else:
            db = int(url.rsplit("/", 1)[1])
            extra["lock_store"] = {"type": "redis", "url": "127.0.0.1", "port": redis.port, "db": db}
    out: dict = {"workers": workers}

    started = time.perf_counter()
    if bot.stock_project is None:
        actions = ActionServer(stackdir, env)
    else:
        actions = ActionServer(stackdir, env, project=bot.stock_project, log_prefix="stock-actions")
    out["actions_start_s"] = time.perf_counter() - started
    try:
        started = time.perf_counter()
        server = RasaServer(stackdir, env, actions.url, endpoints_extra=extra, model=bot.model)
        try:
            reply = server.say(bot.mix[0], sender=f"{tag}-first", timeout=60)
            out["first_answer_s"] = time.perf_counter() - started
            if not reply:
                raise RuntimeError(f"{tag}: no reply to the first message; see {stackdir}")
            rest = f"{server.url}/webhooks/rest/webhook"
            prefix = f"{tag}-{uuid.uuid4().hex[:6]}"
            warm = load.run(
                rest,
                conversations(bot.mix, CONCURRENCY, CONVERSATION_LENGTH),
                4,
                profile.warmup,
                30,
                f"{prefix}-warmup",
            )
            out["warmup"] = warm.as_dict()
            if workers == 1:
                log(f"{tag}: one conversation at a time")
                count = profile.single_messages // CONVERSATION_LENGTH + 1
                out["single"] = load.run(
                    rest,
                    conversations(bot.mix, count, CONVERSATION_LENGTH),
                    1,
                    profile.single_messages,
                    profile.single_seconds,
                    f"{prefix}-single",
                ).as_dict()
                log(f"{tag}: NLU only (/model/parse)")
                nlu = load.run(
                    server.api("/model/parse"),
                    [bot.mix],
                    1,
                    profile.stage_messages,
                    profile.stage_seconds,
                    f"{prefix}-nlu",
                    payload_key="text",
                )
                out["stages"] = {"nlu": nlu.as_dict()}
                with requests.Session() as session:
                    log(f"{tag}: dialogue policies (/conversations/.../predict) and tracker load")
                    predict_url = server.api(f"/conversations/{prefix}-single-0/predict")  # 10 turns in
                    out["stages"]["predict"] = timed_calls(
                        lambda i: session.post(predict_url, timeout=30).status_code == 200,
                        profile.stage_messages,
                        profile.stage_seconds,
                    )
                    out["stages"]["tracker"] = timed_calls(
                        lambda i: session.get(predict_url.replace("/predict?", "/tracker?"), timeout=30).ok,
                        profile.stage_messages,
                        profile.stage_seconds,
                    )
                    if bot.stock_project is None:
                        log(f"{tag}: action server alone")
                        intents = topic_intents()
                        out["stages"]["action"] = timed_calls(
                            lambda i: action_stage(session, actions.url, intents, i),
                            profile.stage_messages,
                            profile.stage_seconds,
                        )
                log(f"{tag}: a 64 KB message in one conversation, an escalation in another")
                probe = PUMP_PROBE if bot.stock_project is None else bot.mix[0]
                out["interference"] = load.interference(
                    rest, BIG_MESSAGE, probe, profile.interference_probes, profile.interference_seconds, f"{prefix}-big"
                ).as_dict()
            log(f"{tag}: {CONCURRENCY} conversations at once")
            count = profile.concurrent_messages // CONVERSATION_LENGTH + CONCURRENCY
            cpu_before = cpu_snapshot(server, actions)
            conc = load.run(
                rest,
                conversations(bot.mix, count, CONVERSATION_LENGTH),
                CONCURRENCY,
                profile.concurrent_messages,
                profile.concurrent_seconds,
                f"{prefix}-concurrent",
            )
            out["cpu"] = cpu_used(cpu_before, cpu_snapshot(server, actions), conc.answered)
            out["concurrent"] = conc.as_dict()
            out["memory"] = {"rasa": tree_memory(server.proc.pid), "actions": tree_memory(actions.proc.pid)}
            log(
                f"{tag}: {conc.throughput:.1f} msg/s, p95 {out['concurrent']['latency_s']['p95'] or 0:.3f} s, "
                f"{conc.errors} errors, Rasa RSS {out['memory']['rasa']['rss'] / 2**20:.0f} MB"
            )
        finally:
            server.stop()
    finally:
        actions.stop()
    return out


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer messages, no forced training, cached stock bot")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for bench.md and bench.json")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, databases)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    profile = PROFILES[mode]

    import rasa

    from tools.stack.services import redis_server

    model = latest_model()
    if model is None:
        print("No trained model in models/: run `make train` first.", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="pump-bench-"))
    log(f"mode {mode}, work folder {workdir}")
    bench_started, loadavg_start, finished = time.perf_counter(), os.getloadavg(), False
    notes = [
        f"Pump bot messages: {len(pump_messages())} fixed phrasings (topic questions from "
        "tests/nlu/heldout_fresh.yml and a few escalations); stock bot: its own kind (hi, I am sad, yes, bye...). "
        f"Conversations of {CONVERSATION_LENGTH} messages, each sent when the previous reply arrived.",
        "Stock bot: `rasa init` as shipped (in-memory tracker store, no event broker); its action server runs "
        "but its rules and stories only use utter_ responses. Pump bot: SQLite tracker store and app database, "
        "audit event broker, action_answer_topic for every topic question.",
        "Two workers: SANIC_WORKERS=2 with a Redis lock store (redis-server on loopback) for both bots; "
        "RSS of the Rasa tree counts pages shared by the forked workers once per process (PSS splits them).",
        "Time to first answer: from starting `rasa run` (action server already up) to the reply to one "
        "message; /status is polled every 0.5 s.",
        f'64 KB interference: one conversation sends a 64 KB message ("1 1 1 ...") again and again while '
        f'another sends "{PUMP_PROBE}" (the stock bot: its first message) every 0.2 s; the latency is the '
        "other conversation's. Our channels read the first 2,000 characters of a message.",
    ]
    results = {"meta": {}, "bots": {"pump": {}, "stock": {}}}
    try:
        if args.quick:
            notes.append("--quick: our forced training skipped; stock bot reused from the cache when present.")
        else:
            log("training the pump bot (forced, full)")
            results["bots"]["pump"]["training_s"] = train_ours(workdir)
            log(f"pump bot trained in {results['bots']['pump']['training_s']:.1f} s")
        log("preparing the stock bot (`rasa init --no-prompt`, which trains it)")
        project, seconds = stock.prepare(workdir, base_env(workdir), reuse_cache=args.quick)
        results["bots"]["stock"]["training_s"] = seconds
        log(f"stock bot: {'trained in %.1f s' % seconds if seconds else 'reused from ' + str(project)}")

        bots = [
            Bot("pump", model, pump_messages()),
            Bot("stock", stock.stock_model(project), stock.STOCK_MESSAGES, stock_project=project),
        ]
        with redis_server() as redis:
            for workers in (1, 2):
                for bot in bots:
                    log(f"{bot.name} bot, {workers} worker(s): starting")
                    results["bots"][bot.name][f"w{workers}"] = run_stack(bot, workdir, workers, profile, redis)
        finished = True
    finally:
        results["meta"] = {
            "mode": mode,
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "commit": git_commit(),
            "rasa": rasa.__version__,
            "cpus": os.cpu_count(),
            "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "loadavg_start": loadavg_start,
            "loadavg_end": os.getloadavg(),
            "bench_seconds": time.perf_counter() - bench_started,
            "model": model.name,
            "notes": notes,
            "profile": profile.__dict__,
            "concurrency": CONCURRENCY,
        }
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
        if args.keep or not finished:
            log(f"logs and databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = markdown(results)
    (args.out / "bench.md").write_text(text)
    print(text)
    log(f"done in {results['meta']['bench_seconds']:.0f} s; table in {args.out / 'bench.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
