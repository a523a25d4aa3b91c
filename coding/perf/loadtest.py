"""A bounded load test: gunicorn with production settings, N simulated coders applying and deleting codes.

Each client logs in through the real login page, opens transcripts and applies or deletes codes through the
same htmx endpoints the browser uses. It keeps a ledger of every coding the server said it saved or deleted;
afterwards the database must hold exactly the ledger's codings: nothing lost, nothing duplicated.
"""

import logging
import os
import random
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from cases.models import Membership, Project, Role
from coding.models import Coding
from coding.perf.corpus import make_corpus, remove_corpus, spans

CODING_IDS = re.compile(r"/code/c/(\d+)/delete/")
PASSWORD = "load-test-" + secrets.token_urlsafe(8)


@dataclass
class Ledger:
    """What one client was told: codings saved (id → code) and deleted."""

    saved: dict[int, int] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    writes: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    clients: int
    seconds: float
    requests: int
    writes: int
    errors: list[str]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    client_cpu_s: float
    server_cpu_s: float
    database_cpu_s: float | None
    expected: int
    found: int
    lost: int
    unexpected: int

    @property
    def ok(self) -> bool:
        return not self.errors and self.lost == 0 and self.unexpected == 0

    def lines(self) -> list[str]:
        return [
            f"clients {self.clients}, {self.seconds:.0f} s, database {connection.vendor}",
            f"requests {self.requests}, writes {self.writes} ({self.writes / self.seconds:.0f}/s), "
            f"errors {len(self.errors)}",
            f"latency p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms",
            f"CPU used: server (gunicorn) {self.server_cpu_s:.1f} s, load generator {self.client_cpu_s:.1f} s"
            + ("" if self.database_cpu_s is None else f", PostgreSQL {self.database_cpu_s:.1f} s")
            + f", of {self.seconds * (os.cpu_count() or 1):.0f} core-seconds",
            f"codings the clients were told exist: {self.expected}; in the database: {self.found}; "
            f"lost {self.lost}; unexpected or duplicated {self.unexpected}",
        ]


def postgres_cpu_seconds() -> float | None:
    """CPU time of this machine's PostgreSQL processes so far (Linux), when the database is PostgreSQL on it.

    Processes that end during the run take their time with them: a close lower bound, as the server's
    connections persist through the run.
    """
    local = connection.settings_dict["HOST"] in {"", "localhost", "127.0.0.1", "::1"}
    if connection.vendor != "postgresql" or not local or not Path("/proc/self/stat").exists():
        return None
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:  # the process ended meanwhile
            continue
        if name.endswith("(postgres"):
            utime, stime = fields.split()[11:13]
            ticks += int(utime) + int(stime)
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(*, port: int, workers: int, static_root: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not answer within 30 s")


def coder_session(
    *, base: str, username: str, project_id, transcripts: list, codes: list[int], until: float, seed: int
) -> Ledger:
    ledger = Ledger()
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as client:
        client.get("/accounts/login/")
        response = client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        if response.status_code != 302:
            ledger.errors.append(f"{username}: login answered {response.status_code}")
            return ledger
        headers = {"HX-Request": "true", "X-CSRFToken": client.cookies["csrftoken"], "Referer": base}
        mine: list[tuple[int, int]] = []  # (transcript id, coding id) this client may delete
        while time.monotonic() < until:
            transcript_id, text = rng.choice(transcripts)
            page = f"/p/{project_id}/t/{transcript_id}/code/"
            timed(ledger, lambda page=page: client.get(page), expect=200, label="open")
            for _ in range(rng.randint(5, 20)):  # a coder codes many passages per opened transcript
                if time.monotonic() >= until:
                    break
                if mine and rng.random() < 0.35:
                    owner_transcript, coding_id = mine.pop(rng.randrange(len(mine)))
                    url = f"/p/{project_id}/t/{owner_transcript}/code/c/{coding_id}/delete/"
                    if timed(
                        ledger, lambda url=url: client.post(url, headers=headers), expect=200, label="delete"
                    ):
                        ledger.deleted.add(coding_id)
                        ledger.writes += 1
                    continue
                start, end = spans(rng, text, 1)[0]
                code = rng.choice(codes)
                url = f"/p/{project_id}/t/{transcript_id}/code/apply/"
                data = {
                    "start": start,
                    "end": end,
                    "codes": [code],
                    "valence": rng.choice(["positive", "negative"]),
                }
                response = timed(
                    ledger,
                    lambda url=url, data=data: client.post(url, data=data, headers=headers),
                    expect=200,
                    label="apply",
                )
                if response is not None:
                    ledger.writes += 1
                    for coding_id in CODING_IDS.findall(response.text):
                        if int(coding_id) not in ledger.saved:
                            ledger.saved[int(coding_id)] = code
                            mine.append((transcript_id, int(coding_id)))
    return ledger


def timed(ledger: Ledger, request, *, expect: int, label: str):
    started = time.perf_counter()
    try:
        response = request()
    except httpx.HTTPError as error:
        ledger.errors.append(f"{label}: {error!r}")
        return None
    ledger.latencies.append((time.perf_counter() - started) * 1000)
    if response.status_code != expect:
        ledger.errors.append(f"{label}: HTTP {response.status_code}")
        return None
    return response


def add_coders(*, project: Project, count: int) -> list:
    """The clients' accounts, coders of the project; `remove_corpus` deletes them with it."""
    users = []
    for number in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"load-coder-{number:02d}")
        user.set_password(PASSWORD)
        user.save()
        users.append(user)
    Membership.objects.bulk_create(Membership(project=project, user=user, role=Role.CODER) for user in users)
    return users


def run(*, clients: int, seconds: float, workers: int, small: bool, keep: bool) -> Report:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the report
    sizes = (
        {"transcripts_per_scale": 8, "words": 1_500, "segments_per_transcript": 20}
        if small
        else {"transcripts_per_scale": 16, "words": 8_000, "segments_per_transcript": 100}
    )
    corpus = make_corpus(scale=1, name=f"Load test {time.strftime('%Y-%m-%d %H:%M:%S')}", **sizes)
    project = corpus.project
    users = add_coders(project=project, count=clients)
    transcripts = list(project.transcripts.values_list("pk", "text"))
    codes = list(project.codes.filter(is_codable=True).values_list("pk", flat=True))
    connection.close()  # the clients' threads must not share this connection with the server's writes

    port = free_port()
    with tempfile.TemporaryDirectory() as static_root:
        server = start_server(port=port, workers=workers, static_root=Path(static_root))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)  # collectstatic, not the server
        collect_cpu = before.ru_utime + before.ru_stime
        try:
            until = time.monotonic() + seconds
            ledgers: list[Ledger] = [Ledger() for _ in users]

            def work(index: int) -> None:
                ledgers[index] = coder_session(
                    base=f"http://127.0.0.1:{port}",
                    username=users[index].username,
                    project_id=project.pk,
                    transcripts=transcripts,
                    codes=codes,
                    until=until,
                    seed=index,
                )

            started = time.monotonic()
            client_cpu = time.process_time()
            database_cpu = postgres_cpu_seconds()
            threads = [threading.Thread(target=work, args=(index,)) for index in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(seconds + 60)
            elapsed = time.monotonic() - started
            client_cpu = time.process_time() - client_cpu
            if database_cpu is not None:
                database_cpu = (postgres_cpu_seconds() or 0.0) - database_cpu
        finally:
            server.terminate()
            server.wait(timeout=30)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)

    expected = {cid for ledger in ledgers for cid in ledger.saved if cid not in ledger.deleted}
    found = list(
        Coding.objects.filter(coder__in=users, segment__transcript__case__project=project).values_list(
            "pk", flat=True
        )
    )
    latencies = [value for ledger in ledgers for value in ledger.latencies] or [0.0]
    ordered = sorted(latencies)
    report = Report(
        clients=clients,
        seconds=elapsed,
        requests=len(latencies),
        writes=sum(ledger.writes for ledger in ledgers),
        errors=[error for ledger in ledgers for error in ledger.errors],
        p50_ms=statistics.median(ordered),
        p95_ms=ordered[int(0.95 * (len(ordered) - 1))],
        p99_ms=ordered[int(0.99 * (len(ordered) - 1))],
        client_cpu_s=client_cpu,
        server_cpu_s=children.ru_utime + children.ru_stime - collect_cpu,
        database_cpu_s=database_cpu,
        expected=len(expected),
        found=len(found),
        lost=len(expected - set(found)),
        unexpected=len(found) - len(expected & set(found)),
    )
    if not keep:
        remove_corpus(project)
    return report
