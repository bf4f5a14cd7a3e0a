"""Ray for the --ray paths: connect (or start a local Ray), a pool of actors, errors that teach.

Ray is an optional extra (`pip install 'ragassist[ray]'`). Indexing (index/ray_index.py) and
evaluation (evaluation/ray_run.py) hand work to `ray.util.ActorPool` over actors that load their
models once; Ray schedules, moves the data, and restarts a killed worker and retries its task.
A worker class used here has a `ready()` method that loads its models and returns its id.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

from ..errors import ExtraMissingError, InputError, RagassistError

log = logging.getLogger(__name__)
T = TypeVar("T")

RAY_INSTALL = "pip install 'ragassist[ray]' (in a ragassist checkout: make install-ray)"
LOCAL = "local"  # --ray without an address: start a local Ray for this run, stop it after
MAX_RESTARTS = 2  # a killed worker process is restarted this often, and its task retried
LOCAL_OBJECT_STORE_BYTES = 256 * 2**20  # texts go out and vectors come back in small tasks
CONNECT_SECONDS = 5.0  # a TCP check before ray.init, which waits minutes for an absent head
_ADDRESS = re.compile(
    r"(?:local|auto|(?:ray://)?(?P<host>[\w.\-]+|\[[0-9a-fA-F:]+\]):(?P<port>\d+))"
)


def require_ray() -> ModuleType:
    """The ray module, or an error naming the command that installs it."""
    try:
        import ray
    except ImportError as e:
        raise ExtraMissingError(
            f"--ray needs Ray, which is not installed ({e}). Install it with: {RAY_INSTALL}"
        ) from e
    return ray


def worker_id() -> str:
    """This process as "host:pid": how a worker names itself in reports and progress."""
    return f"{socket.gethostname()}:{os.getpid()}"


def check_address(value: str) -> str:
    """A Ray address as given (local, auto, ray://HOST:PORT or HOST:PORT), or an error saying so."""
    if not _ADDRESS.fullmatch(value):
        raise InputError(
            f"--ray given as {value!r} is not a Ray address; use ray://HOST:10001 (Ray Client), "
            "HOST:6379 (a head node), auto (the cluster this machine joined), or no address to "
            "start a local Ray for this run. After --ray, a path is read as its address: put "
            "--ray after the paths, or write --ray=ADDRESS."
        )
    return value


def check_reachable(address: str) -> None:
    """Fail in seconds, not minutes, when nothing listens at HOST:PORT."""
    match = _ADDRESS.fullmatch(address)
    if not match or not match.group("host"):
        return
    host, port = match.group("host").strip("[]"), int(match.group("port"))
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as e:
        raise InputError(
            f"cannot reach a Ray cluster at {address} ({e.strerror or e}). Start one there with "
            "`ray start --head`, check the host and port (ray://HOST:10001 for Ray Client, "
            "HOST:6379 for the head node), or give --ray no address to start a local Ray."
        ) from e


@contextmanager
def ray_session(address: str = LOCAL) -> Iterator[ModuleType]:
    """Ray connected for the duration: a local instance started and stopped, or a cluster joined.

    A process already connected (a notebook, a test) keeps its connection and is not shut down.
    """
    ray = require_ray()
    check_address(address)
    if ray.is_initialized():
        log.info("this process is connected to Ray already: using that, not %s", address)
        yield ray
        return
    check_reachable(address)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: Ray reports nothing home
    options: dict[str, Any] = {"logging_level": logging.WARNING, "include_dashboard": False}
    if address == LOCAL:
        options |= {"num_cpus": os.cpu_count(), "object_store_memory": LOCAL_OBJECT_STORE_BYTES}
        # workers import this very ragassist, also when it runs from a checkout
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        options["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
    try:
        ray.init(address=address, **options)
    except (ConnectionError, ValueError) as e:
        raise InputError(f"could not join Ray at {address}: {e}. {_join_hint(e)}") from e
    except Exception as e:  # Ray raises a bare Exception when its processes start too slowly
        ray.shutdown()
        raise RagassistError(
            f"Ray could not start or join at {address} ({e}). A local Ray waits 30 s for its "
            "processes: on a machine this busy, try again later, or run the command without --ray."
        ) from e
    log.info("Ray at %s: %s", address, ray.cluster_resources())
    try:
        yield ray
    finally:
        ray.shutdown()


def _join_hint(error: BaseException) -> str:
    """What to do about a failed join: the cluster's token, the Ray Client, or a head to join."""
    chain: list[str] = []
    cause: BaseException | None = error
    while cause is not None:
        chain.append(str(cause))
        cause = cause.__cause__ or cause.__context__
    if any("AuthToken" in text or "Authentication" in text for text in chain):
        return (
            "The cluster asks for its token: set RAY_AUTH_MODE=token here, with the head's "
            "token in ~/.ray/auth_token or RAY_AUTH_TOKEN (`ray get-auth-token` on the head)."
        )
    return (
        f"For ray:// addresses the Ray Client is needed ({RAY_INSTALL}); for auto, start a "
        "cluster with `ray start --head`."
    )


def pool_size(ray: ModuleType, workers: int | None) -> int:
    """How many actors: one per CPU of the cluster unless asked; never more than it has."""
    cpus = int(ray.cluster_resources().get("CPU", 1))
    if workers is None:
        return max(cpus, 1)
    if not 1 <= workers <= cpus:
        raise InputError(
            f"--ray-workers given as {workers} must be between 1 and the cluster's {cpus} CPUs "
            "(each worker takes one); add nodes with `ray start --address HEAD:6379`"
        )
    return workers


@contextmanager
def actor_pool(
    ray: ModuleType, worker_class: type, n: int, *args: Any
) -> Iterator[tuple[Any, list[str]]]:
    """(ActorPool, worker ids) of n actors that have loaded their models; killed at the end."""
    from ray.util import ActorPool

    remote = ray.remote(num_cpus=1, max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS)
    actors = [remote(worker_class).remote(*args) for _ in range(n)]
    try:
        with worker_errors(f"starting {worker_class.__name__}", "nothing was written yet"):
            ids = ray.get([a.ready.remote() for a in actors])
        log.info("%d Ray workers ready: %s", n, ", ".join(ids))
        yield ActorPool(actors), ids
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)


@contextmanager
def worker_errors(what: str, kept: str) -> Iterator[None]:
    """Ray's worker failures as ragassist errors: what was lost, what was `kept`, what to do."""
    ray = sys.modules["ray"]
    try:
        yield
    except ray.exceptions.RayTaskError as e:
        if isinstance(e.cause, RagassistError):
            raise e.cause from None
        raise
    except ray.exceptions.RayActorError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RagassistError(
            f"a Ray worker died while {what} and did not come back after {MAX_RESTARTS} "
            f"restarts ({first}). {kept}; run the same command again to finish the job."
        ) from e


def in_order(method: str, pool: Any, values: list[Any]) -> Iterator[Any]:
    """actor.method(number, value) over the pool, results yielded in the order of `values`.

    Actors take the next value as soon as they finish (ActorPool.map_unordered), so one slow
    value does not idle the others; a method returns (number, result), and results that come
    early wait here until their turn.
    """
    jobs = list(enumerate(values))
    results = pool.map_unordered(lambda actor, job: getattr(actor, method).remote(*job), jobs)
    yield from reorder(results)


def reorder(numbered: Iterable[tuple[int, T]]) -> Iterator[T]:
    """(number, result) pairs in any order -> the results in number order, each once it is due."""
    waiting: dict[int, T] = {}
    due = 0
    for number, result in numbered:
        waiting[number] = result
        while due in waiting:
            yield waiting.pop(due)
            due += 1
