#!/usr/bin/env bash
# Installs what the real-editor test (test/e2e/vscode.test.ts) needs on a Debian machine:
#   - Debian packages: chromium, ripgrep and the headers code-server's native modules build against;
#   - code-server 4.100.3 (last line that runs on Node 20) into a cache folder outside the
#     project's node_modules, following /work/shared/reference/e2e-vscode.md (the npm postinstall
#     downloads from GitHub, so it is skipped and its steps are done here by hand).
# Idempotent: apt-get runs only for missing packages; each code-server step leaves a marker, and a
# complete install leaves "$CACHE/.ready", after which the script only checks and exits (~0.1 s).
#
# Env: TRAINLENS_E2E_CACHE  where code-server goes (default: <repo>/.cache/code-server)
#      TRAINLENS_E2E_SKIP_APT=1  do not touch Debian packages (fail if they are missing)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${TRAINLENS_E2E_CACHE:-$ROOT/.cache/code-server}"
APT_PACKAGES=(chromium ripgrep libkrb5-dev pkg-config libx11-dev libxkbfile-dev libsecret-1-dev
  python3 make g++ fonts-liberation)
NODE_ABI="$(node -p 'process.versions.modules')"
# bump SETUP_REVISION when the steps change: installs made by older steps are then redone
SETUP_REVISION=2
STAMP="code-server@$CODE_SERVER_VERSION node-abi=$NODE_ABI setup-rev=$SETUP_REVISION"
VSCODE_DIR="$CACHE/node_modules/code-server/lib/vscode"

log() { printf '[e2e-setup %5ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf '[e2e-setup] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- Debian packages
missing_packages() {
  local p status
  for p in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || printf '%s\n' "$p"
  done
}

ensure_apt() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    log "Debian packages present"
    return
  fi
  [[ "${TRAINLENS_E2E_SKIP_APT:-}" == 1 ]] && die "missing Debian packages: ${missing[*]} (TRAINLENS_E2E_SKIP_APT=1)"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}; run as root or install them"
    sudo=(sudo -n)
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "Debian packages installed"
}

# ---------------------------------------------------------------- code-server
installed_ok() {
  [[ -f "$CACHE/.ready" && "$(cat "$CACHE/.ready")" == "$STAMP" ]] || return 1
  [[ -f "$CACHE/node_modules/code-server/out/node/entry.js" ]] || return 1
  [[ -x "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin/rg" ]] || return 1
  [[ -e "$VSCODE_DIR/node_modules.asar" ]] || return 1
}

# step NAME CMD...: runs CMD once per install (marker in $CACHE/.steps)
step() {
  local name="$1"; shift
  local marker="$CACHE/.steps/$name"
  if [[ -f "$marker" && "$(cat "$marker")" == "$STAMP" ]]; then
    log "step $name: done before"
    return
  fi
  local t0=$SECONDS
  log "step $name ..."
  "$@"
  printf '%s' "$STAMP" >"$marker"
  log "step $name: $((SECONDS - t0)) s"
}

# JOBS=max: node-gyp compiles with make -j<cores>
npm_quiet() { JOBS=max npm --no-audit --no-fund --loglevel=error "$@"; }

install_code_server() {
  [[ -f "$CACHE/package.json" ]] || printf '{ "name": "trainlens-e2e-code-server", "private": true }\n' >"$CACHE/package.json"
  npm_quiet install --prefix "$CACHE" --ignore-scripts --save-exact "code-server@$CODE_SERVER_VERSION"
}

install_vscode_deps() { (cd "$VSCODE_DIR" && npm_quiet install --omit=dev --ignore-scripts); }

rebuild_native() {
  # spdlog is not in e2e-vscode.md's list: without it the server's and extension host's log
  # files (and so the TrainLens output channel's) stay empty; it adds ~20 s.
  (cd "$VSCODE_DIR" && npm_quiet rebuild kerberos @parcel/watcher @vscode/spdlog)
  # node-pty's own postinstall, after building pty.node, runs `npx node-gyp` for
  # compile_commands.json, which fails here; so its exit code is ignored and the binary checked.
  (cd "$VSCODE_DIR" && npm_quiet rebuild node-pty >/dev/null 2>&1) ||
    log "npm rebuild node-pty exited non-zero (its compile_commands.json step; expected offline)"
  [[ -f "$VSCODE_DIR/node_modules/kerberos/build/Release/kerberos.node" ]] || die "kerberos.node was not built"
  [[ -f "$VSCODE_DIR/node_modules/node-pty/build/Release/pty.node" ]] || die "node-pty's pty.node was not built"
  (cd "$VSCODE_DIR" && node -e 'for (const m of ["@parcel/watcher", "kerberos", "node-pty", "@vscode/spdlog"]) require(m)') ||
    die "a native module of code-server does not load"
}

copy_ripgrep() {
  mkdir -p "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin"
  cp -f "$(command -v rg)" "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin/rg"
}

link_asar() { [[ -e "$VSCODE_DIR/node_modules.asar" ]] || ln -s node_modules "$VSCODE_DIR/node_modules.asar"; }

install_builtin_extensions() { (cd "$VSCODE_DIR/extensions" && npm_quiet install --omit=dev --ignore-scripts); }

rebuild_argon2() { (cd "$CACHE" && npm_quiet rebuild argon2); }

main() {
  mkdir -p "$CACHE/.steps"
  exec 9>"$CACHE/.lock"
  flock 9   # the test's globalSetup and a manual run may overlap
  if installed_ok && [[ -z "$(missing_packages)" ]]; then
    log "ready ($STAMP) in $CACHE"
    return
  fi
  command -v node >/dev/null || die "node is not on PATH"
  ensure_apt
  rm -f "$CACHE/.ready"
  # a half-deleted install: redo every step rather than trust their markers
  [[ -f "$CACHE/node_modules/code-server/out/node/entry.js" && -d "$VSCODE_DIR/node_modules" ]] || rm -f "$CACHE/.steps/"*
  step 1-npm-install-code-server install_code_server
  step 2-vscode-npm-install install_vscode_deps
  step 3-native-rebuild rebuild_native
  step 4-ripgrep copy_ripgrep
  step 5-asar-link link_asar
  step 6-extensions-npm-install install_builtin_extensions
  step 7-argon2-rebuild rebuild_argon2
  printf '%s' "$STAMP" >"$CACHE/.ready"
  log "ready ($STAMP) in $CACHE; took $SECONDS s"
}

main "$@"
