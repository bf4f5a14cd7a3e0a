"""Load on `ragassist serve`: N concurrent clients for S seconds against 127.0.0.1, bounded.

    .venv/bin/python bench/serve.py [--clients 8] [--seconds 60] [--queue 4] [--tiny]

Starts the server over the shipped handbook (the packaged embedder and generator; --tiny uses
the test hook's hashing embedder and scripted tiny model), waits until /health says ready,
warms it with one answer, then runs asyncio clients that each ask handbook questions in a loop
(every third one streamed), honouring Retry-After on 429 up to the end of the run. One more
client searches every 0.5 s to show that searches do not wait behind answers. Prints answers
served, p50/p95 latency, 429s, errors (anything but 200 and the designed 429), search latency,
and the resident memory of the server and its answer worker process after warm-up, at the end
(growth would be a leak) and every --rss-every seconds.
Only loopback addresses; every loop ends at the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ragassist.assistant import Assistant  # noqa: E402
from ragassist.config import Config, EmbedConfig  # noqa: E402

QUESTIONS = [
    "What does the encoder of a variational autoencoder output?",
    "How does a diffusion model generate an image?",
    "What is retrieval-augmented generation?",
    "Why do language models hallucinate?",
    "What does the discriminator of a GAN do?",
    "What is attention in a transformer?",
    "How can hallucinations be reduced?",
    "What is a latent diffusion model?",
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    searches: list[float] = field(default_factory=list)
    rss: list[tuple[float, float, float]] = field(default_factory=list)  # (s, server, worker) MB
    stages: dict[str, list[float]] = field(default_factory=dict)  # answer timings by stage


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process in MB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def children(pid: int) -> list[int]:
    """The child processes of pid (the server's answer worker), from /proc."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def worker_rss_mb(pid: int) -> float:
    """Resident memory of the server's children together (0 when it has none)."""
    total = 0.0
    for child in children(pid):
        try:
            total += rss_mb(child)[0]
        except FileNotFoundError:  # ended meanwhile
            pass
    return total


async def sample_rss(pid: int, every: float, deadline: float, tally: Tally) -> None:
    began = time.monotonic()
    while time.monotonic() < deadline:
        tally.rss.append((time.monotonic() - began, rss_mb(pid)[0], worker_rss_mb(pid)))
        await asyncio.sleep(min(every, max(0.0, deadline - time.monotonic())))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def chat(client: httpx.AsyncClient, question: str, stream: bool) -> httpx.Response:
    body = {"messages": [{"role": "user", "content": question}], "stream": stream}
    if not stream:
        return await client.post("/v1/chat/completions", json=body)
    async with client.stream("POST", "/v1/chat/completions", json=body) as r:
        if r.status_code == 200:
            async for line in r.aiter_lines():
                if line.startswith("data:") and '"error"' in line:
                    raise RuntimeError(json.loads(line[5:])["error"]["message"])
        else:
            await r.aread()
        return r


async def user(n: int, client: httpx.AsyncClient, deadline: float, tally: Tally) -> None:
    for i in itertools.count():
        if time.monotonic() >= deadline:
            return
        question = QUESTIONS[(n + i) % len(QUESTIONS)]
        began = time.monotonic()
        try:
            r = await chat(client, question, stream=(n + i) % 3 == 0)
        except Exception as e:  # counted and shown: the bench reports errors, never hides them
            tally.errors.append(f"{type(e).__name__}: {e}")
            continue
        if r.status_code == 200:
            tally.latencies.append(time.monotonic() - began)
            if r.headers["content-type"].startswith("application/json"):  # not streamed
                for stage, s in r.json()["ragassist"]["timings"].items():
                    tally.stages.setdefault(stage, []).append(s)
        elif r.status_code == 429:
            tally.refused += 1
            wait = float(r.headers.get("Retry-After", "1"))
            await asyncio.sleep(max(0.0, min(wait, deadline - time.monotonic())))
        else:
            tally.errors.append(f"{r.status_code}: {r.text[:200]}")


async def searcher(client: httpx.AsyncClient, deadline: float, tally: Tally) -> None:
    while time.monotonic() < deadline:
        began = time.monotonic()
        try:
            r = await client.post("/v1/search", json={"query": "variational autoencoder", "k": 5})
        except Exception as e:  # counted and shown, like the answers' errors
            tally.errors.append(f"search {type(e).__name__}: {e}")
            continue
        if r.status_code == 200:
            tally.searches.append(time.monotonic() - began)
        else:
            tally.errors.append(f"search {r.status_code}: {r.text[:200]}")
        await asyncio.sleep(0.5)


async def load(url: str, clients: int, seconds: float, pid: int, rss_every: float) -> Tally:
    """Each user its own client (its own connection), as separate people would be."""
    tally = Tally()
    clients_ = [httpx.AsyncClient(base_url=url, timeout=600) for _ in range(clients + 1)]
    try:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(user(n, c, deadline, tally) for n, c in enumerate(clients_[:-1])),
            searcher(clients_[-1], deadline, tally),
            sample_rss(pid, rss_every, deadline, tally),
        )
    finally:
        for c in clients_:
            await c.aclose()
    return tally


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--queue", type=int, default=4, help="the server's --queue (waiting places)")
    ap.add_argument("--tiny", action="store_true", help="the test hook's tiny models")
    ap.add_argument("--rss-every", type=float, default=30.0, help="seconds between RSS samples")
    args = ap.parse_args()
    if not 1 <= args.clients <= 64 or not 1 <= args.seconds <= 3600:
        ap.error("--clients takes 1 to 64, --seconds 1 to 3600")
    with tempfile.TemporaryDirectory(prefix="ragassist-bench-serve-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        embed = EmbedConfig(model="hash-64") if args.tiny else EmbedConfig()
        if args.tiny:
            env.update(RAGASSIST_TEST_TINY_MODELS="1", RAGASSIST_HOME=str(root / "home"))
        Assistant(Config(index_dir=root / "index", embed=embed)).index([ROOT / "corpora/handbook"])
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "ragassist.interface.cli", "serve", "--port", str(port)]
        cmd += ["--index", str(root / "index"), "--queue", str(args.queue)]
        log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        tally = Tally()
        try:
            began = time.monotonic()
            while True:
                if server.poll() is not None:
                    print((root / "server.log").read_text())
                    return 1
                try:
                    if httpx.get(url + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() - began > 600:
                    print("the server was not ready in 600 s")
                    return 1
                time.sleep(0.5)
            print(
                f"server ready in {time.monotonic() - began:.1f} s ({'tiny' if args.tiny else 'packaged'} models)"
            )
            warm = httpx.post(
                url + "/v1/chat/completions",
                timeout=600,
                json={"messages": [{"role": "user", "content": QUESTIONS[0]}]},
            )
            assert warm.status_code == 200, warm.text
            before, _ = rss_mb(server.pid)
            worker_before = worker_rss_mb(server.pid)
            tally = asyncio.run(load(url, args.clients, args.seconds, server.pid, args.rss_every))
            after, peak = rss_mb(server.pid)
            worker_after = worker_rss_mb(server.pid)
            health = httpx.get(url + "/health").json()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
            if tally.errors or server.returncode != 0:
                print("server log tail:\n" + (root / "server.log").read_text()[-3000:])
    lat = tally.latencies
    print(f"{args.clients} clients for {args.seconds:.0f} s, server queue {args.queue}")
    print(f"answers served: {len(lat)} ({len(lat) / args.seconds:.2f}/s)")
    if lat:
        print(
            f"answer latency: p50 {pct(lat, 50):.2f} s, p95 {pct(lat, 95):.2f} s, max {max(lat):.2f} s"
        )
    if tally.stages:
        stages = ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in tally.stages.items())
        print(f"median stage times of non-streamed answers: {stages}")
    print(f"429 (queue full, designed): {tally.refused}")
    print(f"errors: {len(tally.errors)}")
    for e in tally.errors[:5]:
        print(f"  {e}")
    if tally.searches:
        s = tally.searches
        print(
            f"search latency under load: p50 {pct(s, 50) * 1000:.0f} ms, p95 {pct(s, 95) * 1000:.0f} ms ({len(s)} searches)"
        )
    print(
        f"server RSS: {before:.0f} MB after warm-up, {after:.0f} MB at the end ({after - before:+.0f} MB); peak {peak:.0f} MB"
    )
    print(
        f"answer worker RSS: {worker_before:.0f} MB after warm-up, {worker_after:.0f} MB at the end ({worker_after - worker_before:+.0f} MB)"
    )
    print(
        "RSS over time (s: server + worker MB): "
        + ", ".join(f"{t:.0f}: {a:.0f} + {b:.0f}" for t, a, b in tally.rss)
    )
    print(
        f"server's own count: served {health['queue']['served']}, refused {health['queue']['refused']}"
    )
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
