FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3 python3-venv gdal-bin libgdal32 libgeos-c1v5 libproj25 nodejs npm postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt package.json package-lock.json ./
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt && npm ci --no-audit --no-fund
COPY . .
RUN scripts/vendor.sh && DJANGO_DEBUG=true DATABASE_URL=postgres:///none /venv/bin/python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["/venv/bin/gunicorn", "gis_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
