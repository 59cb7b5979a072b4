#!/usr/bin/env bash
# Installs Debian's neovim (0.7.2 on Debian 12) for test/neovim/, which drives the TrainLens server
# from Neovim's built-in LSP client. Idempotent: does nothing when `nvim` (0.7 or newer) is there.
# Env: TRAINLENS_NEOVIM_SKIP_APT=1  do not touch Debian packages (fail if nvim is missing)
set -euo pipefail

log() { printf '[neovim-setup] %s\n' "$*" >&2; }

if command -v nvim >/dev/null && nvim --headless --clean -u NONE -c 'lua if vim.fn.has("nvim-0.7") == 1 then vim.cmd("qa!") else vim.cmd("cq") end' 2>/dev/null; then
  log "$(nvim --version | head -1) present"
  exit 0
fi
[[ "${TRAINLENS_NEOVIM_SKIP_APT:-}" == 1 ]] && { log "ERROR: nvim 0.7+ missing (TRAINLENS_NEOVIM_SKIP_APT=1)"; exit 1; }
sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { log "ERROR: nvim missing; run as root or: apt-get install neovim"; exit 1; }
  sudo=(sudo -n)
fi
log "apt-get install neovim"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends neovim >/dev/null
log "$(nvim --version | head -1) installed"
