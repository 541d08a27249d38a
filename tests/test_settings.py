import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True)


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 30 + "a-long-random-production-secret-key", DJANGO_ALLOWED_HOSTS="gis.example.go.th",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_a_typo_in_a_setting_stops_the_start():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_an_imagery_size_limit_that_is_not_a_number_stops_the_start():
    result = manage("check", DJANGO_DEBUG="true", DJANGO_IMAGERY_MAX_MB="2GB")
    assert result.returncode != 0
    assert "DJANGO_IMAGERY_MAX_MB must be a whole number" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
