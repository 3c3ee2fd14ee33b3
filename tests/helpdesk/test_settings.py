"""Production settings pass Django's deployment checks; the embedded defaults need no server."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_"))}
    env.update({"HELPDESK_VAR_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k" * 30 + "-production-secret-" + "x7Q#p" * 6,
            "ALLOWED_HOSTS": "support.example.com",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage("check", env_extra={"DJANGO_DEBUG": "0"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_embedded_defaults_use_sqlite_filesystem_broker_and_mail_folder(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS']['transaction_mode'],"
        " s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.TIME_ZONE, s.LANGUAGE_CODE)"
    )
    result = _manage("shell", "--no-imports", "-c", code, env_extra={}, tmp_path=tmp_path)
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "IMMEDIATE",
        "filesystem://localhost/",
        "django.core.mail.backends.filebased.EmailBackend",
        "Europe/Moscow",
        "ru",
    ], result.stderr
    assert (tmp_path / "celery-broker" / "queue").is_dir()


def test_database_and_redis_urls_switch_the_backends(tmp_path):
    code = (
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env_extra={"DATABASE_URL": "postgres://u@db:5432/x", "REDIS_URL": "redis://cache:6379/0"},
        tmp_path=tmp_path,
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://cache:6379/0"], result.stderr


def test_docker_compose_runs_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in " ".join(services["web"]["command"]) and "migrate" in " ".join(
        services["web"]["command"]
    )
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert env["DJANGO_DEBUG"] == "0"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any("media" in volume for volume in services["web"]["volumes"])
    assert "media" in compose["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile and "collectstatic" in dockerfile
