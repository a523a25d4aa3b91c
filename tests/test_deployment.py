"""Deployment files: production settings pass Django's deploy checks, and the compose file is complete."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests allow Django's ORM inside Playwright's event loop; a deployment never does.
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!Kq2-production-like-secret-key-with-plenty-of-entropy-4f9a0c3e1b",
    "ALLOWED_HOSTS": "crosscase.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://crosscase.example.org",
}


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_compose_runs_web_on_a_healthy_postgres():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, web = compose["services"]["db"], compose["services"]["web"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.startswith("pgdata:") for volume in db["volumes"])
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert web["environment"]["DEBUG"] == "0"
    assert set(compose["volumes"]) == {"pgdata", "media", "caddy_data", "caddy_config"}
    dockerfile = (ROOT / web["build"] / "Dockerfile").read_text()
    assert "gunicorn config.wsgi" in dockerfile
    assert "migrate" in dockerfile and "collectstatic" in dockerfile


def test_compose_runs_the_task_worker_beside_the_web_server():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    assert worker["build"] == web["build"] and worker["environment"] == web["environment"]
    assert worker["volumes"] == web["volumes"]  # job files are read and written on the same storage
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"
    assert "ports" not in worker and "expose" not in worker


def test_compose_serves_only_https_through_the_proxy_with_secure_cookies():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web, proxy = compose["services"]["web"], compose["services"]["proxy"]
    assert "ports" not in web, "only the proxy is reachable from outside"
    assert proxy["image"].startswith("caddy:2")
    assert set(proxy["ports"]) == {"80:80", "443:443"}
    env = web["environment"]
    assert (env["SECURE_SSL_REDIRECT"], env["SECURE_COOKIES"], env["TRUSTED_PROXY_COUNT"]) == ("1", "1", "1")
    assert env["CSRF_TRUSTED_ORIGINS"].startswith("https://")
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
    assert "max_size {$MAX_ARCHIVE_MB:200}MB" in caddyfile


def test_gunicorn_outlasts_the_statement_limit():
    timeout = re.search(r"--timeout \$\{WEB_TIMEOUT:-(\d+)\}", (ROOT / "Dockerfile").read_text())
    assert int(timeout.group(1)) > 30  # STATEMENT_TIMEOUT_SECONDS: a stopped query answers before the kill


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:bool|list)\("([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read <= documented, read - documented


def test_a_misspelt_boolean_stops_start_up_instead_of_meaning_off():
    result = run_manage("check", **{**PRODUCTION, "SECURE_SSL_REDIRECT": "ture"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='ture' is neither true" in result.stderr


@pytest.mark.parametrize(
    ("value", "meaning"), [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)]
)
def test_booleans_read_the_usual_spellings(value, meaning, monkeypatch):
    from config.settings import env_bool

    monkeypatch.setenv("SOME_FLAG", value)
    assert env_bool("SOME_FLAG", not meaning) is meaning
