"""The production deployment files: docker-compose names its services and wires media
through the permission check (no Docker engine runs on these machines, so this reads
the files rather than starting them)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_defines_database_app_proxy_and_backups():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "web", "worker", "proxy", "backup"} <= set(services)
    assert "procrastinate worker" in services["worker"]["command"]
    assert services["db"]["image"].startswith("postgis/postgis:")
    assert "gunicorn" in services["web"]["command"]
    assert services["web"]["environment"]["DJANGO_MEDIA_ACCEL_REDIRECT"] == "/protected-media/"
    assert "manage.py backup" in services["backup"]["command"]


def test_nginx_serves_media_only_after_the_app_said_so():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    media = conf.split("location /protected-media/")[1].split("}")[0]
    assert "internal;" in media
    assert "location /media/" not in conf
