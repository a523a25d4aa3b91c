"""Running one extraction in a child process with its own limits on time and memory.

The readers stop at the limits they can count (characters, unpacked bytes), but parsers have slow and hungry
paths that no count foresees, and a web worker held for minutes or gigabytes is a site that stops answering.
So each file is read in a child process with an address-space limit (RLIMIT_AS, above what the child holds
when it starts) and a CPU-time limit (RLIMIT_CPU), and the web worker stops waiting and kills the child when
the same number of seconds has passed on the clock: a hostile file costs one child for a bounded time, never a
worker, and the caller learns which limit it hit.

Children come from multiprocessing's fork server: a process started once per web worker that imports the
readers once and forks a fresh child per file in a few milliseconds, without the web worker's threads,
database connections or request in it. A child receives a function and its arguments, and sends back the
value it returned or the exception it raised; it does not touch settings, the database or the disk.
"""

import contextlib
import multiprocessing
import os
import pickle
import resource
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_CONTEXT = multiprocessing.get_context("forkserver")
# The main module too, so that a child does not import it again (an entry script guards its main code, as
# manage.py and gunicorn's do, like any program using multiprocessing).
# The readers of Office documents and PDFs too: their libraries are large, and only children read files, so
# the web workers never load them.
_CONTEXT.set_forkserver_preload(
    [
        "__main__",
        "cases.importing.extract",
        "cases.importing.readers.opendocument",
        "cases.importing.readers.pdf",
        "cases.importing.readers.word",
    ]
)
_MEGABYTE = 1024 * 1024
# How a child ends when the kernel enforces RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one.
_OUT_OF_CPU = (-signal.SIGXCPU, -signal.SIGKILL)


class OutOfTime(Exception):
    """The child was still working after its seconds (on the clock or of CPU) and was stopped."""


class OutOfMemory(Exception):
    """The child asked for more memory than its limit allows."""


class Crashed(Exception):
    """The child died without a result, as when a parser's C code aborts."""


def run(function: Callable[..., Any], /, *, seconds: int, memory_mb: int, **kwargs: Any) -> Any:
    """`function(**kwargs)` in a child process: the value it returns, or the exception it raises.

    Raises OutOfTime when it takes longer than `seconds`, OutOfMemory when it needs more than `memory_mb` MB
    beyond what the child starts with, and Crashed when the child dies another way.
    """
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, function, kwargs, seconds, memory_mb), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise OutOfTime()
        try:
            outcome, value, detail = receiver.recv()
        except EOFError:
            child.join()
            if child.exitcode in _OUT_OF_CPU:
                raise OutOfTime() from None
            raise Crashed(f"the child process ended with exit code {child.exitcode}") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome == "returned":
        return value
    if outcome == "memory":
        raise OutOfMemory()
    if detail:
        value.add_note(f"In the child process:\n{detail}")
    raise value


def _child(
    sender: Connection, function: Callable[..., Any], kwargs: dict, seconds: int, memory_mb: int
) -> None:
    _limit(seconds=seconds, memory_mb=memory_mb)
    try:
        result = ("returned", function(**kwargs), "")
    except MemoryError:
        result = ("memory", None, "")
    except BaseException as error:
        result = ("raised", _portable(error), traceback.format_exc())
    try:
        sender.send(result)
    except MemoryError:  # the result itself was too large to send within the limit: let it go, then say so
        result = None
        sender.send(("memory", None, ""))


def _limit(*, seconds: int, memory_mb: int) -> None:
    _lower(resource.RLIMIT_CPU, seconds, seconds + 1)
    # macOS accepts no address-space limit; the clock still bounds the child there.
    with contextlib.suppress(ValueError, OSError):
        ceiling = _address_space() + memory_mb * _MEGABYTE
        _lower(resource.RLIMIT_AS, ceiling, ceiling)


def _lower(limit: int, soft: int, hard: int) -> None:
    """Sets `limit` to `soft` and `hard`, or lower where the system already holds this process lower."""
    _, current = resource.getrlimit(limit)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
    resource.setrlimit(limit, (min(soft, hard), hard))


def _address_space() -> int:
    """The bytes of address space this process holds (the interpreter, the readers, the file's data)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _portable(error: BaseException) -> BaseException:
    """`error` if it survives pickling (some C extensions' exceptions do not), else a RuntimeError for it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
