"""Async load over Rasa's REST channel with aiohttp.

Conversations are lists of messages; each conversation sends its messages one
after the other (the next message goes when the reply to the previous one has
arrived, as a person would), and up to `concurrency` conversations run at once.
Every run is bounded twice: by `max_messages` sent and by `max_seconds` of wall
clock; whichever comes first stops it (a request in flight may finish within
its own timeout, and anything still running after that is cancelled).
"""

import asyncio
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import aiohttp

from tools.bench.stats import summary


@dataclass
class LoadResult:
    concurrency: int
    latencies: List[float] = field(default_factory=list)  # seconds, answered messages only
    errors: int = 0  # HTTP errors and timeouts
    empty: int = 0  # answered with no bot message (e.g. the stock bot's "no" out of context); in latencies
    error_samples: List[str] = field(default_factory=list)
    sent: int = 0
    elapsed: float = 0.0
    stopped_by: str = "all sent"  # or "message cap", "time cap"

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Answered messages per second of wall clock."""
        return self.answered / self.elapsed if self.elapsed else 0.0

    def as_dict(self) -> dict:
        return {
            "concurrency": self.concurrency,
            "sent": self.sent,
            "answered": self.answered,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "empty_replies": self.empty,
            "elapsed_s": self.elapsed,
            "stopped_by": self.stopped_by,
            "throughput_msg_s": self.throughput,
            "latency_s": summary(self.latencies),
        }


async def run_load(
    url: str,
    conversations: Sequence[Sequence[str]],
    concurrency: int,
    max_messages: int,
    max_seconds: float,
    sender_prefix: str,
    request_timeout: float = 30.0,
    payload_key: str = "message",
) -> LoadResult:
    """POST each message as {"sender": ..., payload_key: text} to url; see the module docstring.

    payload_key="text" with sender_prefix ignored suits Rasa's /model/parse (NLU only).
    """
    result = LoadResult(concurrency=concurrency)
    queue: "asyncio.Queue[int]" = asyncio.Queue()
    for index in range(len(conversations)):
        queue.put_nowait(index)
    start = time.perf_counter()
    deadline = start + max_seconds
    last_done = start

    def budget_left() -> bool:
        if result.sent >= max_messages:
            result.stopped_by = "message cap"
            return False
        if time.perf_counter() >= deadline:
            result.stopped_by = "time cap"
            return False
        return True

    def failed(reason: str) -> None:
        result.errors += 1
        if len(result.error_samples) < 5:
            result.error_samples.append(reason[:200])

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal last_done
        while budget_left():
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sender = f"{sender_prefix}-{index}"
            for text in conversations[index]:
                if not budget_left():
                    return
                result.sent += 1
                sent_at = time.perf_counter()
                try:
                    async with session.post(url, json={"sender": sender, payload_key: text}) as response:
                        body = await response.json(content_type=None)
                        if response.status != 200:
                            failed(f"HTTP {response.status}: {str(body)[:150]}")
                        else:
                            result.latencies.append(time.perf_counter() - sent_at)
                            result.empty += not body
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                    failed(f"{exc.__class__.__name__}: {exc}")
                last_done = time.perf_counter()

    timeout = aiohttp.ClientTimeout(total=request_timeout)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = [asyncio.ensure_future(worker(session)) for _ in range(concurrency)]
        # Hard stop: the time cap plus one request timeout, whatever the server does.
        done, pending = await asyncio.wait(tasks, timeout=max_seconds + request_timeout + 5)
        for task in pending:
            task.cancel()
        if pending:
            result.stopped_by = "time cap (requests cancelled)"
            await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                raise task.exception()
    result.elapsed = max(last_done - start, 1e-9)
    return result


def run(
    url: str,
    conversations: Sequence[Sequence[str]],
    concurrency: int,
    max_messages: int,
    max_seconds: float,
    sender_prefix: str,
    payload_key: str = "message",
    request_timeout: Optional[float] = None,
) -> LoadResult:
    """run_load() from synchronous code."""
    return asyncio.run(
        run_load(
            url,
            conversations,
            concurrency,
            max_messages,
            max_seconds,
            sender_prefix,
            request_timeout=request_timeout or 30.0,
            payload_key=payload_key,
        )
    )


@dataclass
class InterferenceResult:
    probe: LoadResult  # the other conversation's messages, while big ones arrive
    big_sent: int = 0
    big_answered: int = 0
    big_latencies: List[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "probe": self.probe.as_dict(),
            "big_sent": self.big_sent,
            "big_answered": self.big_answered,
            "big_latency_s": summary(self.big_latencies),
        }


async def run_interference(
    url: str,
    big_text: str,
    probe_text: str,
    max_probes: int,
    max_seconds: float,
    sender_prefix: str,
    probe_gap: float = 0.2,
    request_timeout: float = 30.0,
) -> InterferenceResult:
    """One conversation sends `big_text` again and again while another sends `probe_text`
    every `probe_gap` seconds; the probe's latencies say how much the big messages hold
    the server. Bounded by max_probes and max_seconds (plus one request timeout)."""
    result = InterferenceResult(probe=LoadResult(concurrency=2))
    start = time.perf_counter()
    deadline = start + max_seconds

    async def big(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline and result.probe.sent < max_probes:
            result.big_sent += 1
            sent_at = time.perf_counter()
            try:
                async with session.post(url, json={"sender": f"{sender_prefix}-big", "message": big_text}) as r:
                    await r.read()
                    if r.status == 200:
                        result.big_answered += 1
                        result.big_latencies.append(time.perf_counter() - sent_at)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass

    async def probe(session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(probe_gap)  # the first big message is on its way
        while time.perf_counter() < deadline and result.probe.sent < max_probes:
            result.probe.sent += 1
            sent_at = time.perf_counter()
            try:
                async with session.post(url, json={"sender": f"{sender_prefix}-probe", "message": probe_text}) as r:
                    body = await r.json(content_type=None)
                    if r.status == 200:
                        result.probe.latencies.append(time.perf_counter() - sent_at)
                        result.probe.empty += not body
                    else:
                        result.probe.errors += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                result.probe.errors += 1
                result.probe.error_samples.append(f"{exc.__class__.__name__}: {exc}"[:200])
            await asyncio.sleep(probe_gap)

    timeout = aiohttp.ClientTimeout(total=request_timeout)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=4)) as session:
        tasks = [asyncio.ensure_future(big(session)), asyncio.ensure_future(probe(session))]
        done, pending = await asyncio.wait(tasks, timeout=max_seconds + request_timeout + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    result.probe.elapsed = time.perf_counter() - start
    return result


def interference(
    url: str, big_text: str, probe_text: str, max_probes: int, max_seconds: float, sender_prefix: str
) -> InterferenceResult:
    """run_interference() from synchronous code."""
    return asyncio.run(run_interference(url, big_text, probe_text, max_probes, max_seconds, sender_prefix))
