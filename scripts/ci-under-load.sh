#!/usr/bin/env bash
# CI on a busy machine: runs .ci/run on a fresh clone of this checkout's HEAD, RUNS times in a row, while stress-ng
# keeps every core busy beside it. A CI machine is never quiet, so a suite that passes only on a quiet one is flaky.
# Usage: scripts/ci-under-load.sh [runs=3] [stress workers=$(nproc)]. Prints each run's time and result; exits 1 if
# any run failed. Needs Debian's stress-ng (installed if missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
workers="${2:-$(nproc)}"

if ! command -v stress-ng >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends stress-ng
fi

work="$(mktemp -d)"
stress-ng --cpu "$workers" --quiet &
stress=$!
trap 'kill "$stress" 2>/dev/null || true; rm -rf "$work"' EXIT

failed=0
for i in $(seq 1 "$runs"); do
  rm -rf "$work/p" "$work/shared"
  git clone -q . "$work/p"
  # CI runs with the shared design folder beside the clone.
  if [ -d ../shared ]; then cp -r ../shared "$work/shared"; fi
  started=$(date +%s)
  if (cd "$work/p" && CI=true bash .ci/run >"$work/run-$i.log" 2>&1); then result=passed; else result=FAILED; failed=1; fi
  echo "run $i/$runs under stress-ng --cpu $workers: $result in $(( $(date +%s) - started )) s"
  # A failed run's log is kept beside the script's caller (git ignores *.log); a passing one goes with the clone.
  if [ "$result" = FAILED ]; then cp "$work/run-$i.log" "./ci-under-load-run-$i.log"; grep -E '×|FAIL' "$work/run-$i.log" | head -20 || true; fi
done
exit "$failed"
