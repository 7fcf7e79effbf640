#!/usr/bin/env bash
# The kit outside its repository (CI runs this as a check): packs the four packages, makes an
# empty project in a temporary folder, installs the tarballs there (copied in first, so nothing
# points back into the repository), runs `filterkit create demo`, and in demo/ — a project of its
# own, its kit dependencies installed from the same tarballs — `npm test` (build + unit tests on
# the mock host), the demo's scenario in real Envoy, `filterkit bench --quick` and `filterkit run`
# answering a request through the filter. Then checks that no installed file names the repository.
#   bash scripts/package-proof.sh            # needs real Envoy as the suite does (DOCKER_HOST, or root)
#   FILTERKIT_PROOF_KEEP=1 ...               # keep the temporary folder to look at
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/filterkit-proof.XXXXXX)"
started=$(date +%s%3N)
fail() { echo "package-proof: FAILED: $*" >&2; exit 1; }
stage() { echo "== package-proof: $* ($(( $(date +%s%3N) - started )) ms so far)"; }
[ "${FILTERKIT_PROOF_KEEP:-}" = 1 ] || trap 'rm -rf "$work"' EXIT
npm_install() { npm install --prefer-offline --no-audit --no-fund --loglevel=error "$@"; }

stage "packing the kit (npm pack, each package built by its prepack)"
node "$repo/scripts/pack-kit.mjs" "$work/tarballs" > "$work/tarballs.txt" || fail "npm pack failed"
tarballs=("$work"/tarballs/*.tgz)
[ "${#tarballs[@]}" = 4 ] || fail "expected 4 tarballs, got ${#tarballs[@]}"

stage "an empty project, the tarballs installed"
mkdir -p "$work/project" && cd "$work/project" || fail "no project folder"
npm init -y >/dev/null || fail "npm init failed"
npm_install "${tarballs[@]}" || fail "installing the tarballs into an empty project failed"
npx --no-install filterkit --version || fail "the filterkit bin does not run"

stage "filterkit create demo"
npx --no-install filterkit create demo || fail "filterkit create demo failed"
cd demo || fail "create made no demo/"
grep -q '"rootId": "demo"' package.json || fail "demo/package.json does not name the root id"
grep -q 'registerRootContext((context_id: u32) => new DemoRoot(context_id), "demo")' assembly/index.ts || fail "the root id was not set in assembly/index.ts"

stage "demo: npm install (the kit from the tarballs) && npm test (mock host)"
npm_install "${tarballs[@]}" || fail "npm install in demo/ failed"
npm test || fail "npm test in demo/ failed"
[ -s build/release.wasm ] || fail "npm test built no build/release.wasm"

stage "demo: its scenario in real Envoy (filterkit scenario --host envoy)"
npx --no-install filterkit scenario scenarios/demo.json --host envoy > "$work/scenario.json" || fail "the demo's scenario failed in real Envoy (exit $?): $(tail -c 2000 "$work/scenario.json")"
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (d.expectations.failures.length || !d.expectations.checked || !d.envoy.version) process.exit(1); console.log(`Envoy ${d.envoy.version}: ${d.expectations.checked} expectations held`)' "$work/scenario.json" \
  || fail "the scenario document does not show Envoy meeting the expectations"

stage "demo: filterkit bench --quick (mock host)"
npx --no-install filterkit bench --quick --json > "$work/bench.json" || fail "filterkit bench --quick failed"
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!(d.mock.filter.perRequestUs.median > 0)) process.exit(1); console.log(`bench: ${d.mock.filter.perRequestUs.median.toFixed(2)} µs per request on the mock host`)' "$work/bench.json" \
  || fail "the bench document has no per-request figure"

stage "demo: filterkit run (mock host) answers through the filter, stops on SIGINT"
# the bin itself, not through npx: npm exec does not pass a SIGINT on to its child
./node_modules/.bin/filterkit run --port 0 > "$work/run.out" 2> "$work/run.err" &
run_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/run.out" | head -n 1)"
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { kill "$run_pid" 2>/dev/null; fail "filterkit run printed no URL: $(cat "$work/run.err")"; }
curl -s -D "$work/run.headers" -o "$work/run.body" "$url/hello?x=1" || { kill "$run_pid" 2>/dev/null; fail "no answer from $url"; }
kill -INT "$run_pid"
for _ in $(seq 1 50); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$run_pid" 2>/dev/null; then kill -9 "$run_pid"; fail "filterkit run did not stop within 5 s of SIGINT"; fi
wait "$run_pid"; run_code=$?
grep -qi '^x-powered-by: filterkit' "$work/run.headers" || fail "the answer from $url lacks the filter's header: $(cat "$work/run.headers")"
grep -q '"/hello?x=1"' "$work/run.body" || fail "the echo did not see the request: $(cat "$work/run.body")"
[ "$run_code" = 0 ] || fail "filterkit run exited with $run_code on SIGINT"
echo "run: $url answered through the filter"

stage "nothing installed points back into the repository"
if grep -rIl --exclude-dir=.cache -F "$repo" "$work/project" > "$work/backrefs.txt" 2>/dev/null; then
  fail "files name $repo: $(head -5 "$work/backrefs.txt" | tr '\n' ' ')"
fi

echo "package-proof: passed in $(( $(date +%s%3N) - started )) ms"
