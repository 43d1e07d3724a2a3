# Shared helpers for the scripts. Sourced, not run.
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The Python venv for tests and benchmarks lives under the build folder.
VENV="${CANDLEWICK_VENV:-$PWD/.build/venv}"
PY_PACKAGES=(pytest pyzmq prometheus-client ta-lib ibapi-stable jsonschema numpy mlflow kubernetes-validate backtrader==1.9.78.123 selenium)

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

# The stack under supervisord with the config file $1 (deploy/supervisor/candlewick.conf or a copy made
# from it). Needs CANDLEWICK_HOME, CANDLEWICK_RUN_DIR and CANDLEWICK_BUS_DIRECTORY; `stop_stack` is set
# as the EXIT trap, so the stack goes down with the script whatever happens.
start_stack() {
    SUP=(-c "$1")
    mkdir -p "$CANDLEWICK_RUN_DIR/logs"
    trap stop_stack EXIT
    supervisord "${SUP[@]}"
    local running
    for _ in $(seq 1 100); do
        running=$(supervisorctl "${SUP[@]}" status 2>/dev/null | grep -c RUNNING || true)
        [ "$running" -ge 8 ] && break
        sleep 0.2
    done
    supervisorctl "${SUP[@]}" status
}

stop_stack() {
    supervisorctl "${SUP[@]}" shutdown >/dev/null 2>&1 || true
    # supervisord exits once every program has stopped (each within its stopwaitsecs).
    for _ in $(seq 1 150); do [ -e "$CANDLEWICK_RUN_DIR/supervisord.pid" ] || break; sleep 0.1; done
    rm -rf "$CANDLEWICK_BUS_DIRECTORY"
}
