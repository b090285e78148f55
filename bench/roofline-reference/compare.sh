#!/usr/bin/env bash
# Builds the C references (gcc -O3 -march=native -fopenmp), runs them and `wpt measure roofline --json` side by side in one run,
# and prints the C#/C ratios against the targets: triad >= 90 %, fp32 peak >= 85 %. The two sides alternate for ROUNDS rounds
# (default 3) and each keeps its best, so a noisy neighbour on a shared machine cannot favour one side.
# Usage: bench/roofline-reference/compare.sh   (from anywhere; needs gcc, the .NET SDK and python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/artifacts/roofline-reference"
mkdir -p "$build"
gcc -O3 -march=native -fopenmp -o "$build/stream" "$here/stream.c"
gcc -O3 -march=native -fopenmp -o "$build/fma" "$here/fma.c"
dotnet build "$root/src/WorkingPoint.Cli" -c Release -v q -nologo >/dev/null
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" OMP_PROC_BIND=spread OMP_PLACES=cores
rounds="${ROUNDS:-3}"
results="$build/results.jsonl"
: > "$results"
for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  # The same DRAM working set as wpt's (its 512 MiB floor, all three triad arrays together), so both sides measure DRAM.
  echo "{\"stream\": $("$build/stream" $((512 * 1024 * 1024 / 3)))}" >> "$results"
  echo "{\"fma\": $("$build/fma")}" >> "$results"
  echo "{\"wpt\": $(WPT_DATA_DIR="$build/data" dotnet "$root/src/WorkingPoint.Cli/bin/Release/net10.0/wpt.dll" measure roofline --json --no-save | tr -d '\n')}" >> "$results"
done
python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
def best(kind, key):
    return max((r[kind] for r in runs if kind in r), key=key)
stream = best("stream", lambda s: s["triadGBps"])
fma = best("fma", lambda f: f["fp32Gflops"])
def dram_of(w): return next(l for l in w["levels"] if l["level"] == "DRAM")["gbps"]
def fp32_of(w): return next(c for c in w["compute"] if c["precision"] == "fp32")
wpt_triad = best("wpt", lambda w: dram_of(w)["triad"])
wpt_fp32 = best("wpt", lambda w: fp32_of(w)["gopsOrGflops"])
wpt = wpt_triad
dram = dram_of(wpt_triad)
fp32 = fp32_of(wpt_fp32)
rows = [
    ("DRAM triad (GB/s)", dram["triad"], stream["triadGBps"], 0.90),
    ("DRAM copy (GB/s)", dram["copy"], stream["copyGBps"], None),
    ("fp32 FMA peak (GFLOPS)", fp32["gopsOrGflops"], fma["fp32Gflops"], 0.85),
]
print(f"best of {sum('stream' in r for r in runs)} alternating rounds; threads: C# {wpt['threads']}, C {stream['threads']}; C# memory kernels {wpt['memoryPath']}, fp32 {fp32['path']}")
print(f"{'figure':<24}{'C#':>10}{'C':>10}{'C#/C':>8}  target")
ok = True
for name, cs, c, target in rows:
    ratio = cs / c
    verdict = "" if target is None else (f">= {target:.0%}: " + ("met" if ratio >= target else "NOT met"))
    ok &= target is None or ratio >= target
    print(f"{name:<24}{cs:>10.1f}{c:>10.1f}{ratio:>8.1%}  {verdict}")
sys.exit(0 if ok else 1)
PY
