# Sourced by ops/test and ops/up: a virtual environment with newswatch installed, made on first use.
# NEWSWATCH_VENV chooses where (default .venv in the checkout).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${NEWSWATCH_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "newswatch needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating a virtual environment in $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when the dependencies changed since the last install.
stamp="$VENV/.newswatch-installed"
extras=${NEWSWATCH_EXTRAS:-}
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) $extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing newswatch${extras:+[$extras]} and its dependencies (a minute or two the first time)" >&2
    log="$VENV/install.log"
    if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip \
           && "$VENV/bin/python" -m pip install --disable-pip-version-check -e "$ROOT${extras:+[$extras]}"; } \
           >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "installing failed; the whole log is in $log" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
