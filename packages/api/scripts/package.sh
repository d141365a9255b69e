#!/usr/bin/env sh
# Build @flakeops/api and its workspace dependencies, then deploy a self-contained production
# directory (production dependencies only) that runs with plain `node dist/main.js`.
#   usage: packages/api/scripts/package.sh [OUT_DIR]   (default: .deploy/api at the repo root)
set -eu
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
out="${1:-.deploy/api}"
case "$out" in /*) ;; *) out="$root/$out" ;; esac

# The pnpm the workspace pins (packageManager), run through npx: corepack is not required.
pm="$(node -p 'require("./package.json").packageManager')"
pnpm() { npx -y "$pm" "$@"; }

# tsc -> dist/ for the API and every workspace package it depends on ("..." = with deps).
pnpm --filter "@flakeops/api..." build
rm -rf "$out"
# --legacy: pnpm 10 otherwise requires inject-workspace-packages; the legacy deploy copies
# each workspace dependency's published files (its dist/) into the output's node_modules.
pnpm --filter @flakeops/api --prod deploy --legacy "$out"
echo "deployed to $out: cd $out && node dist/main.js"
