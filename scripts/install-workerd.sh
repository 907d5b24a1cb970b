#!/usr/bin/env bash
# Installs the pinned workerd from the npm registry (the binary ships inside the platform package) into
# .tools/workerd, which git ignores. The kit finds it there; -Dctx.workerd.path or $WORKERD_PATH override it.
#
#   scripts/install-workerd.sh                 # the pinned version
#   WORKERD_VERSION=1.20261201.0 scripts/install-workerd.sh
set -euo pipefail

VERSION="${WORKERD_VERSION:-1.20261123.1}"   # workerd 2026-11-23: the build the spec was observed on
cd "$(dirname "$0")/.."
DIR=.tools/workerd

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM=linux-64 ;;
  Linux-aarch64|Linux-arm64) PLATFORM=linux-arm64 ;;
  Darwin-x86_64) PLATFORM=darwin-64 ;;
  Darwin-arm64) PLATFORM=darwin-arm64 ;;
  *) echo "install-workerd: no workerd package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
BIN="$DIR/node_modules/@cloudflare/workerd-$PLATFORM/bin/workerd"

if [ -x "$BIN" ] && [ "$(cat "$DIR/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  echo "workerd $VERSION is already installed: $BIN"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-workerd: npm is needed (it comes with Node.js)" >&2
  exit 1
fi
mkdir -p "$DIR"
# --ignore-scripts: the binary is in @cloudflare/workerd-<platform>; workerd's own postinstall is not needed.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error --prefix "$DIR" "workerd@$VERSION" "@cloudflare/workerd-$PLATFORM@$VERSION"
echo "$VERSION" > "$DIR/VERSION"
echo "installed $("$BIN" --version) at $BIN"
