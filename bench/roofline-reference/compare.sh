#!/usr/bin/env bash
# Builds the C references (gcc -O3 -march=native -fopenmp), runs them and `wpt measure roofline --json` side by side, and
# prints min/median/max of each side's DRAM triad over the rounds, the ratio of the medians (target >= 90 %) and the fp32 peak
# ratio (best of the rounds, target >= 85 %). The sides alternate (C, then wpt, each round), so both see the same machine state.
#
# Usage: bench/roofline-reference/compare.sh   (from anywhere; needs gcc, the .NET SDK and python3)
#   MIB=512      size of each of the three arrays, both sides (C: bytes per array; wpt: --dram-mib)
#   REPS=10      repetitions C STREAM keeps the best of (wpt keeps the best of its own 10)
#   ROUNDS=5     alternating rounds
#   WPT_ARGS=    more arguments for wpt, e.g. --quick (its DRAM figure is measured exactly as in the full run)
#   PRIORITY=rt  run both sides under `chrt -f 1` (needs root or CAP_SYS_NICE): on a busy shared machine the other work then
#                cannot preempt either side; it stalls that work for as long as each side runs
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/artifacts/roofline-reference"
mib="${MIB:-512}" reps="${REPS:-10}" rounds="${ROUNDS:-5}"
mkdir -p "$build"
gcc -O3 -march=native -fopenmp -o "$build/stream" "$here/stream.c"
gcc -O3 -march=native -fopenmp -o "$build/fma" "$here/fma.c"
dotnet build "$root/src/WorkingPoint.Cli" -c Release -v q -nologo >/dev/null
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" OMP_PROC_BIND=spread OMP_PLACES=cores
priority=()
[ "${PRIORITY:-}" = rt ] && priority=(chrt -f 1)
results="$build/results.jsonl"
: > "$results"
echo "{\"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"when\": \"before\"}" >> "$results"
for round in $(seq "$rounds"); do
  echo "round $round/$rounds (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  echo "{\"round\": $round, \"stream\": $("${priority[@]}" "$build/stream" $((mib * 1024 * 1024)) "$reps")}" >> "$results"
  echo "{\"round\": $round, \"fma\": $("${priority[@]}" "$build/fma")}" >> "$results"
  # shellcheck disable=SC2086 # WPT_ARGS is a list of arguments
  echo "{\"round\": $round, \"wpt\": $(WPT_DATA_DIR="$build/data" "${priority[@]}" dotnet "$root/src/WorkingPoint.Cli/bin/Release/net10.0/wpt.dll" measure roofline --json --no-save --dram-mib "$mib" ${WPT_ARGS:-} | tr -d '\n')}" >> "$results"
done
echo "{\"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"when\": \"after\"}" >> "$results"
python3 - "$results" "$mib" "$reps" "${PRIORITY:-normal}" <<'PY'
import json, statistics, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
mib, reps, priority = sys.argv[2], sys.argv[3], sys.argv[4]
load = {l["when"]: l["load"] for l in lines if "load" in l}
c = [l["stream"] for l in lines if "stream" in l]
fma = [l["fma"] for l in lines if "fma" in l]
wpt = [l["wpt"] for l in lines if "wpt" in l]
def level(w): return next(l for l in w["levels"] if l["level"] == "DRAM")["gbps"]
def sweep_triad(w):  # the figure wpt reported before its STREAM-style DRAM run: the sweep's best triad at >= 512 MiB in all
    points = [p["gbps"] for p in w["curve"] if p["kernel"] == "triad" and p["workingSetBytes"] >= 0.99 * 512 * 2**20]
    return max(points) if points else float("nan")
def fp32(w): return next(x for x in w["compute"] if x["precision"] == "fp32")
def spread(values):
    m = statistics.median(values)
    return f"{min(values):7.1f} {m:7.1f} {max(values):7.1f}  {100 * (max(values) - min(values)) / 2 / m:4.1f} %"
c_triad = [s["triadGBps"] for s in c]
cs_triad = [level(w)["triad"] for w in wpt]
cs_sweep = [sweep_triad(w) for w in wpt]
dram = wpt[0].get("dram") or {}
print(f"{len(c)} alternating rounds, load {load.get('before')} before, {load.get('after')} after; priority {priority}")
print(f"C STREAM: {c[0]['threads']} threads, 3 x {mib} MiB, best of {reps}; "
      f"wpt: {wpt[0]['threads']} threads, 3 x {dram.get('bytesPerArray', 0) / 2**20:.0f} MiB, best of {dram.get('repetitions')}, "
      f"{wpt[0]['memoryPath']}, huge pages {'yes' if dram.get('hugePages') else 'no'}")
print("round  C triad  C# triad  C#/C")
for i, (a, b) in enumerate(zip(c_triad, cs_triad), 1):
    print(f"{i:>5} {a:8.1f} {b:9.1f} {b / a:6.1%}")
print(f"{'DRAM triad (GB/s)':<34}{'min':>7} {'median':>7} {'max':>7}  ±spread")
print(f"{'C STREAM':<34}{spread(c_triad)}")
print(f"{'C# wpt (DRAM figure)':<34}{spread(cs_triad)}")
print(f"{'C# wpt sweep at 512 MiB in all':<34}{spread(cs_sweep)}   (the figure before the STREAM-style run)")
ratio = statistics.median(cs_triad) / statistics.median(c_triad)
fp32_ratio = max(fp32(w)["gopsOrGflops"] for w in wpt) / max(f["fp32Gflops"] for f in fma)
print(f"ratio of medians, DRAM triad C#/C: {ratio:.1%}  (>= 90 %: {'met' if ratio >= 0.90 else 'NOT met'})")
print(f"ratio of medians, DRAM copy C#/C: {statistics.median(level(w)['copy'] for w in wpt) / statistics.median(s['copyGBps'] for s in c):.1%}")
print(f"fp32 FMA peak C#/C (best of the rounds): {fp32_ratio:.1%}  (>= 85 %: {'met' if fp32_ratio >= 0.85 else 'NOT met'}; {fp32(wpt[0])['path']})")
sys.exit(0 if ratio >= 0.90 and fp32_ratio >= 0.85 else 1)
PY
