#!/usr/bin/env bash
# The device lab's whole loop on one machine (docs/lab.md, "Walkthrough"): a throwaway PostgreSQL, `wpt serve` on it, two agents
# standing for two boards, a `bench onnx` and a `bench llm` job submitted to both, the results pulled back and the dashboard's
# pages fetched. Each agent first measures its roofline (a quick `roofline` job), which the matrix predicts these unknown boards on.
# Run from the repository root after `dotnet build`; WPT overrides the command (e.g. WPT=wpt for the installed tool).
# SCREENSHOTS=DIR also writes the matrix and results pages as PNG in headless Chromium (the LabScreenshots test, which CI runs on a seeded lab; needs
# `dotnet build tests/WorkingPoint.Server.Dashboard.Tests` and chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
WPT=${WPT:-"dotnet src/WorkingPoint.Cli/bin/Debug/net10.0/wpt.dll"}
PORT=${PORT:-5181}
work=$(mktemp -d)
. .ci/test-postgres                      # a cluster in a temp directory on a free local port; sets WPT_TEST_POSTGRES
trap 'kill $(jobs -p) 2>/dev/null || true; wpt_test_postgres_stop; rm -rf "$work"' EXIT
export WPT_DATA_DIR="$work/data"         # this walkthrough's own data directory, not yours
field() { echo "$WPT_TEST_POSTGRES" | sed -E "s/.*$1=([^;]+).*/\1/"; }
PGPASSWORD=$(field Password) psql -h 127.0.0.1 -p "$(field Port)" -U "$(field Username)" -d postgres -qc "CREATE DATABASE wptlab"
export WPT_LAB_DATABASE="${WPT_TEST_POSTGRES/Database=$(field Database)/Database=wptlab}"

secret() { $WPT serve --create-token "$1" --role "$2" | tail -1; }
ADMIN=$(secret admin admin); BOARD_A=$(secret board-a agent); BOARD_B=$(secret board-b agent); VIEWER=$(secret viewer reader)
$WPT serve --urls "http://127.0.0.1:$PORT" > "$work/serve.log" 2>&1 &
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done
export WPT_SERVER="http://127.0.0.1:$PORT"

agent() { WPT_TOKEN=$2 $WPT agent --name "$1" --label demo --once --state-dir "$work/$1"; }
agent board-a "$BOARD_A"; agent board-b "$BOARD_B"             # register both boards (nothing queued yet)
WPT_TOKEN=$ADMIN $WPT jobs submit roofline --label demo --param quick=true
WPT_TOKEN=$ADMIN $WPT jobs submit onnx mobilenet-v2 --label demo --param duration=3 --param min-queries=32 --param input=224x224
WPT_TOKEN=$ADMIN $WPT jobs submit llm qwen2.5-0.5b --label demo --param weights=q4_0 --param prompt=64 --param gen=16 --param reps=2
for _ in 1 2 3; do agent board-a "$BOARD_A"; agent board-b "$BOARD_B"; done
WPT_TOKEN=$VIEWER $WPT jobs list
WPT_TOKEN=$VIEWER $WPT results pull --db "$work/pulled.db"
$WPT results list --db "$work/pulled.db"
for page in devices jobs results matrix; do
  curl -s -H "Authorization: Bearer $VIEWER" "$WPT_SERVER/$page" -o /dev/null -w "dashboard /$page: HTTP %{http_code} in %{time_total} s\n"
done
if [[ -n ${SCREENSHOTS:-} ]]; then
  WPT_SCREENSHOT_SERVER=$WPT_SERVER WPT_SCREENSHOT_TOKEN=$VIEWER WPT_SCREENSHOT_DIR=$(realpath -m "$SCREENSHOTS") \
    dotnet test tests/WorkingPoint.Server.Dashboard.Tests --no-build --filter LabScreenshots -nologo --logger "console;verbosity=normal"
fi
