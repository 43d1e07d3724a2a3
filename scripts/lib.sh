# Shared helpers for the scripts. Sourced, not run.
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The Python venv for tests and benchmarks lives under the build folder.
VENV="${CANDLEWICK_VENV:-$PWD/.build/venv}"
PY_PACKAGES=(pytest pyzmq ta-lib ibapi-stable jsonschema numpy mlflow kubernetes-validate backtrader==1.9.78.123)

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating Python venv in $VENV"
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.candlewick-packages"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${PY_PACKAGES[*]} $*" ]; then
        say "installing Python packages: ${PY_PACKAGES[*]} $*"
        "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}" "$@"
        echo "${PY_PACKAGES[*]} $*" > "$stamp"
    fi
}
