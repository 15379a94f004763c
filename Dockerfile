# syntax=docker/dockerfile:1
# The Convo AI custom LLM service: daphne serving the ASGI app on $PORT, as a non-root user.
# Build:  docker build -t convoai .
# Run:    docker run --env-file .env -p 3000:3000 convoai
# Migrate (once per release, not per container):  docker run --env-file .env convoai python manage.py migrate
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000 \
    SQLITE_PATH=/app/var/db.sqlite3

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Hashed, compressed static files and their manifest, served by WhiteNoise. The key is a
# placeholder for this one command: nothing is signed at build time.
RUN DEBUG=false COLLECTSTATIC=1 SECRET_KEY=collectstatic-only-not-a-runtime-key \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER 10001:10001

EXPOSE 3000

# python is in the image (curl is not): /ping answers without touching the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ping' % os.environ.get('PORT', '3000'), timeout=4)"]

# Shell form through sh -c so that $PORT (set by the platform) is expanded; exec hands PID 1 to daphne.
CMD ["sh", "-c", "exec daphne --bind 0.0.0.0 --port \"$PORT\" --proxy-headers --verbosity 0 convoai.asgi:application"]
