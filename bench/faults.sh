#!/usr/bin/env bash
# The fault rows of docs/reliability.md, each repeated: kill -9 of aicd at a random point of an
# up and of a down (a new random point each time), the engine stopped and started under aicd,
# aicd started on a bad state dir or a taken socket, a log flood with stalled readers, 500 slow
# connections. CI runs each once; this runs each REPEAT times (default 10) and prints how many
# passed, with the seeds of the crash tests that failed (AIC_CRASH_SEED=N repeats one), and
# keeps the logs of failed runs. Nothing may rebuild build/bin meanwhile: a test that starts aicd
# while its binary is being relinked fails.
#   bash bench/faults.sh [REPEAT]
# Uses the e2e test binary of build/ (scripts/test.sh builds it; BUILD_DIR=... for another).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeat="${1:-10}"
build="${BUILD_DIR:-$root/build}"
tests="$build/bin/aic_e2e_tests"
[[ -x "$tests" ]] || { echo "faults: $tests is missing: run scripts/test.sh (or build aic_e2e_tests) first" >&2; exit 2; }
bash "$root/scripts/e2e-image.sh" >/dev/null

filter='CrashTest.*:EngineRestartTest.WhileTheEngineIsDown*:AicdStartup.*:LogFloodTest.*'
filter+=':AccessTest.FiveHundredSlowConnections*'
work="$(mktemp -d "${TMPDIR:-/tmp}/aic-faults.XXXXXX")"
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
for ((i = 1; i <= repeat; i++)); do
  AIC_E2E_REQUIRED=1 "$tests" --gtest_filter="$filter" --gtest_output="xml:$work/run-$i.xml" \
    >"$work/run-$i.log" 2>&1 || true
  echo "faults: run $i of $repeat done ($(( $(date +%s) - start )) s)" >&2
done

# Keep the logs of runs that failed, for the test's own messages (aicd's log, the crash point).
failed_logs=()
for log in "$work"/run-*.log; do
  grep -q '^\[  FAILED  \]' "$log" && failed_logs+=("$log")
done
if ((${#failed_logs[@]} > 0)); then
  keep="$(mktemp -d "${TMPDIR:-/tmp}/aic-faults-failed.XXXXXX")"
  cp "${failed_logs[@]}" "$keep/"
  echo "faults: logs of the failed runs are in $keep" >&2
fi

python3 - "$work" "$repeat" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
work, repeat = sys.argv[1], int(sys.argv[2])
passed, seen, seeds = {}, {}, {}
for path in sorted(glob.glob(f"{work}/run-*.xml")):
    for case in ET.parse(path).getroot().iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        seen[name] = seen.get(name, 0) + 1
        failed = case.find("failure") is not None
        passed[name] = passed.get(name, 0) + (0 if failed else 1)
        if failed:
            for prop in case.iter("property"):
                if prop.get("name") == "crash_seed":
                    seeds.setdefault(name, []).append(prop.get("value"))
print(f"| test | passed / runs |\n| --- | --- |")
bad = 0
for name in sorted(seen):
    extra = f" (failing seeds: {', '.join(seeds[name])})" if name in seeds else ""
    print(f"| {name} | {passed[name]} / {seen[name]}{extra} |")
    bad += seen[name] - passed[name]
missing = len(glob.glob(f"{work}/run-*.xml")) != repeat
if missing:
    print("faults: some runs wrote no report (crashed test binary?)", file=sys.stderr)
sys.exit(1 if bad or missing else 0)
PY
