# One image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The locked runtime tree (hashes checked) before the code, so a code change reuses this layer.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-deps . && rm -rf build *.egg-info
# Static files are collected with the production storage (hashed names + manifest) the image runs with;
# the key is a throwaway for this build step only (the real one comes from the environment at run time).
RUN DJANGO_SETTINGS_MODULE=kai_portal.settings.local python manage.py compilemessages -v0 \
 && DJANGO_SETTINGS_MODULE=kai_portal.settings.production SECRET_KEY="build-only-$(head -c 48 /dev/urandom | base64)" \
    python manage.py collectstatic --noinput -v0
RUN useradd --create-home kai && mkdir -p /app/media && chown -R kai /app/media
USER kai
EXPOSE 8000
CMD ["gunicorn", "kai_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
