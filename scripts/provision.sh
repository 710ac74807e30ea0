#!/usr/bin/env bash
# Provision a Debian (bookworm) machine for Nexus Desktop development and CI:
#   apt packages, a running dockerd, the debian:bookworm-slim base image (debootstrap, no
#   registry pulls), Mutagen built from the Go module proxy, the nexus-workspace:latest
#   image, Chromium. Idempotent: each step checks first and skips what is already there.
#
# Usage: sudo bash scripts/provision.sh        (re-runs itself with sudo when not root)
# Env:   NEXUS_DEBIAN_MIRROR   mirror for debootstrap (default http://deb.debian.org/debian)
#        NEXUS_PROVISION_LOG   detailed log (default /var/log/nexus-provision.log)
set -euo pipefail

MUTAGEN_VERSION=0.18.1
MUTAGEN_APIMACHINERY_REPLACE='k8s.io/apimachinery@v0.21.3=github.com/mutagen-io/apimachinery@v0.21.3-mutagen1'
BIN_DIR=/usr/local/bin                      # mutagen + mutagen-agents.tar.gz live here
BASE_IMAGE=debian:bookworm-slim
WORKSPACE_IMAGE=nexus-workspace:latest
HASH_LABEL=nexus.context-hash
DOCKERD_LOG=/var/log/nexus-dockerd.log
DEBIAN_MIRROR=${NEXUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
LOG=${NEXUS_PROVISION_LOG:-/var/log/nexus-provision.log}
APT_PACKAGES=(ca-certificates git rsync openssh-client iptables docker.io
              debootstrap debian-archive-keyring chromium tar gzip)

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "provision: must run as root (no sudo found)" >&2; exit 1; }
  exec sudo --preserve-env=NEXUS_DEBIAN_MIRROR,NEXUS_PROVISION_LOG,GOPROXY,GOFLAGS \
    bash "$0" "$@"
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l
: >"$LOG" 2>/dev/null || LOG=$(mktemp /tmp/nexus-provision.XXXXXX.log)

# ---- output helpers: one line per step, details go to $LOG -------------------------------
T0=$(date +%s.%N); STEP=""; STEP_T=0; CLEANUP=()
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
step() { STEP=$1; STEP_T=$(now); echo "== $1" >>"$LOG"; }
done_() { printf 'provision: %-16s %s (%s)\n' "$STEP" "$1" "$(secs "$STEP_T")"; }
run() { echo "+ $*" >>"$LOG"; "$@" >>"$LOG" 2>&1; }
on_exit() {
  local rc=$?
  for c in "${CLEANUP[@]}"; do eval "$c" >>"$LOG" 2>&1 || true; done
  if [ $rc -ne 0 ]; then
    echo "provision: FAILED in step '${STEP}' (exit $rc); last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2 || true
  fi
}
trap on_exit EXIT
fail() { echo "$*" >>"$LOG"; echo "provision: $STEP: $*" >&2; exit 1; }
with_timeout() { local t=$1; shift; timeout --kill-after=10 "$t" "$@"; }

# ---- 1. apt packages ------------------------------------------------------------------------
step apt
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  run apt-get update -o Acquire::Retries=3
  run apt-get install -y -o Acquire::Retries=3 -o DPkg::Lock::Timeout=300 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  done_ "installed ${missing[*]}"
else
  done_ "all present"
fi

# ---- 2. dockerd -----------------------------------------------------------------------------
docker_ok() { docker info >/dev/null 2>&1; }
wait_docker() {  # $1 = seconds
  local i
  for ((i = 0; i < $1 * 2; i++)); do docker_ok && return 0; sleep 0.5; done
  return 1
}
dockerd_alive() {  # a live (not zombie) dockerd process exists
  local pid
  for pid in $(pgrep -x dockerd || true); do
    case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ''|Z*) ;; *) return 0 ;; esac
  done
  return 1
}
clear_stale_pidfile() {  # $1 = pid file, $2 = process name; dockerd refuses to start (or
  # waits for a dead containerd) when a pid file names a dead or zombie process.
  local pid; [ -f "$1" ] || return 0
  pid=$(cat "$1" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = "$2" ] &&
     [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]]; then return 0; fi
  echo "removing stale $1 (pid ${pid:-?})" >>"$LOG"; rm -f "$1"
}
pick_storage_driver() {  # overlay2 when an overlay mount works on /var/lib/docker's fs
  local d; mkdir -p /var/lib/docker; d=$(mktemp -d /var/lib/docker/.overlay-test.XXXXXX)
  mkdir -p "$d"/{l,u,w,m}
  if mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>>"$LOG"; then
    umount "$d/m"; rm -rf "$d"; echo overlay2; return
  fi
  rm -rf "$d"
  if command -v fuse-overlayfs >/dev/null && [ -e /dev/fuse ]; then echo fuse-overlayfs; else echo vfs; fi
}
step dockerd
if docker_ok; then
  done_ "running"
elif dockerd_alive && wait_docker 60; then
  done_ "was starting, now up"
else
  # cgroups: dockerd needs a mounted cgroup hierarchy (v1 or v2).
  if ! mountpoint -q /sys/fs/cgroup; then
    run mount -t cgroup2 none /sys/fs/cgroup || run cgroupfs-mount || true
  fi
  # iptables: keep the distribution default (nft) when it works, else use legacy.
  if ! iptables -t nat -L -n >/dev/null 2>&1 && command -v iptables-legacy >/dev/null; then
    run update-alternatives --set iptables /usr/sbin/iptables-legacy
    run update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy || true
  fi
  clear_stale_pidfile /var/run/docker.pid dockerd
  clear_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
  driver_args=()
  if [ ! -f /etc/docker/daemon.json ] || ! grep -q storage-driver /etc/docker/daemon.json; then
    drv=$(pick_storage_driver)
    [ "$drv" = overlay2 ] || driver_args=(--storage-driver "$drv")
    echo "storage driver: $drv" >>"$LOG"
  fi
  echo "--- $(date -Is) starting dockerd ${driver_args[*]}" >>"$DOCKERD_LOG"
  setsid nohup dockerd "${driver_args[@]}" </dev/null >>"$DOCKERD_LOG" 2>&1 &
  disown || true
  if ! wait_docker 60; then
    tail -n 30 "$DOCKERD_LOG" >>"$LOG"
    fail "dockerd did not come up within 60s (see $DOCKERD_LOG)"
  fi
  done_ "started ($(docker info -f '{{.Driver}}' 2>/dev/null), log $DOCKERD_LOG)"
fi

# ---- 3. base image --------------------------------------------------------------------------
step base-image
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  done_ "$BASE_IMAGE present"
else
  rootfs=$(mktemp -d /var/tmp/nexus-rootfs.XXXXXX)
  # debootstrap mounts proc/sys inside the target: unmount before deleting anything.
  CLEANUP+=("umount -R '$rootfs/proc' '$rootfs/sys' '$rootfs/dev/pts' 2>/dev/null; rm -rf --one-file-system '$rootfs'")
  run with_timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" \
    || fail "debootstrap failed"
  # Make it look like the official slim image: deb822 sources incl. updates and security,
  # no package caches/lists, no host-specific files.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  : >"$rootfs/etc/resolv.conf"; : >"$rootfs/etc/hostname"
  tar --numeric-owner --xattrs -C "$rootfs" -c . \
    | docker import --change 'CMD ["bash"]' --message "debootstrap minbase bookworm" - "$BASE_IMAGE" >>"$LOG" 2>&1 \
    || fail "docker import failed"
  umount -R "$rootfs/proc" "$rootfs/sys" 2>/dev/null || true
  rm -rf --one-file-system "$rootfs"; CLEANUP=()
  done_ "imported $BASE_IMAGE from debootstrap"
fi

# ---- 4. docker smoke test: container egress (DNS + HTTP to the Debian mirror) ------------------
step docker-net
mirror_host=$(echo "$DEBIAN_MIRROR" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
run with_timeout 60 docker run --rm "$BASE_IMAGE" bash -c \
  "exec 3<>/dev/tcp/$mirror_host/80 && printf 'HEAD /debian/ HTTP/1.0\r\nHost: $mirror_host\r\n\r\n' >&3 && head -n1 <&3" \
  || fail "a container cannot reach $mirror_host:80"
done_ "container reaches $mirror_host"

# ---- 5. Mutagen -----------------------------------------------------------------------------
mutagen_ok() {
  [ -x "$BIN_DIR/mutagen" ] && [ -f "$BIN_DIR/mutagen-agents.tar.gz" ] &&
    [ "$("$BIN_DIR/mutagen" version 2>/dev/null)" = "$MUTAGEN_VERSION" ] &&
    [ "$(tar -tzf "$BIN_DIR/mutagen-agents.tar.gz" 2>/dev/null | sort | tr '\n' ' ')" = "linux_amd64 linux_arm64 " ]
}
find_go() {
  local g
  for g in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -n "$g" ] && [ -x "$g" ] && { echo "$g"; return 0; }
  done
  return 1
}
step mutagen
MUTAGEN_BUILT=0
if mutagen_ok; then
  done_ "$MUTAGEN_VERSION present"
else
  GO=$(find_go) || fail "Go (>= 1.22) is needed to build Mutagen and was not found"
  gov=$("$GO" env GOVERSION | sed 's/^go//')
  printf '%s\n' 1.22 "$gov" | sort -V -C || fail "Go $gov is too old, Mutagen needs >= 1.22"
  work=$(mktemp -d /tmp/nexus-mutagen-build.XXXXXX)
  CLEANUP+=("rm -rf '$work'")
  # Tagged Mutagen versions carry a replace directive, so `go install pkg@version` fails:
  # build from a wrapper module that repeats it. Module and build caches are Go's defaults
  # (persistent), so a rebuild after a version bump is quick.
  build_mutagen() {  # explicit `|| return`: errexit does not apply in a `f || fail` context
    cd "$work" || return 1
    export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=mod"
    run "$GO" mod init nexus.local/mutagen-build || return 1
    run "$GO" mod edit -replace "$MUTAGEN_APIMACHINERY_REPLACE" || return 1
    run "$GO" get "github.com/mutagen-io/mutagen/cmd/mutagen@v$MUTAGEN_VERSION" \
                  "github.com/mutagen-io/mutagen/cmd/mutagen-agent@v$MUTAGEN_VERSION" || return 1
    mkdir -p out/agents || return 1
    run env CGO_ENABLED=0 "$GO" build -tags mutagencli -trimpath -ldflags='-s -w' \
        -o out/mutagen github.com/mutagen-io/mutagen/cmd/mutagen || return 1
    for arch in amd64 arm64; do
      run env CGO_ENABLED=0 GOOS=linux GOARCH=$arch "$GO" build -tags mutagenagent -trimpath \
          -ldflags='-s -w' -o "out/agents/linux_$arch" github.com/mutagen-io/mutagen/cmd/mutagen-agent \
        || return 1
    done
    # Entries must be named exactly <goos>_<goarch>, without a ./ prefix.
    run tar -czf out/mutagen-agents.tar.gz --owner=0 --group=0 -C out/agents linux_amd64 linux_arm64
  }
  (build_mutagen) || fail "building Mutagen $MUTAGEN_VERSION failed"
  install -m 0755 "$work/out/mutagen" "$BIN_DIR/.mutagen.new"
  install -m 0644 "$work/out/mutagen-agents.tar.gz" "$BIN_DIR/.mutagen-agents.tar.gz.new"
  mv -f "$BIN_DIR/.mutagen-agents.tar.gz.new" "$BIN_DIR/mutagen-agents.tar.gz"
  mv -f "$BIN_DIR/.mutagen.new" "$BIN_DIR/mutagen"
  rm -rf "$work"; CLEANUP=()
  mutagen_ok || fail "installed Mutagen does not report $MUTAGEN_VERSION"
  MUTAGEN_BUILT=1
  done_ "built $MUTAGEN_VERSION into $BIN_DIR"
fi

# ---- 6. workspace image -----------------------------------------------------------------------
step workspace-image
context=images/workspace
want_hash=$( { docker image inspect -f '{{.Id}}' "$BASE_IMAGE";
               tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$context" -cf - . ; } \
             | sha256sum | cut -c1-16)
have_hash=$(docker image inspect -f "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$WORKSPACE_IMAGE" 2>/dev/null || true)
IMAGE_BUILT=0
if [ "$have_hash" = "$want_hash" ]; then
  done_ "$WORKSPACE_IMAGE up to date"
else
  run with_timeout 1200 docker build --label "$HASH_LABEL=$want_hash" -t "$WORKSPACE_IMAGE" "$context" \
    || fail "docker build of $WORKSPACE_IMAGE failed"
  run docker image prune -f --filter label=nexus.image=workspace || true
  IMAGE_BUILT=1
  done_ "built $WORKSPACE_IMAGE (${have_hash:+was $have_hash, }now $want_hash)"
fi

# ---- 7. end-to-end check: container sshd on a published port + Mutagen sync over SSH --------
# Creates a throwaway workspace container the way the app does (key files copied into
# /etc/ssh/nexus before start, host key pinned), then a real local->ssh sync with a
# throwaway Mutagen daemon whose ssh/scp are wrappers adding `-F <config>`.
step verify-ssh-sync
vdir=$(mktemp -d /tmp/nexus-verify.XXXXXX)
vname="nexus-provision-verify-$$"
export MUTAGEN_DATA_DIRECTORY="$vdir/mutagen"
CLEANUP+=("MUTAGEN_DATA_DIRECTORY='$vdir/mutagen' timeout 20 '$BIN_DIR/mutagen' daemon stop; docker rm -f '$vname'; rm -rf '$vdir'")
mkdir -p "$vdir/keys" "$vdir/bin" "$vdir/alpha" "$MUTAGEN_DATA_DIRECTORY"
ssh-keygen -q -t ed25519 -N '' -C nexus-verify-host -f "$vdir/keys/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C nexus-verify-client -f "$vdir/client_key"
cp "$vdir/client_key.pub" "$vdir/keys/authorized_keys"
run docker create --name "$vname" -p 127.0.0.1:0:22 "$WORKSPACE_IMAGE" || fail "docker create failed"
run docker cp "$vdir/keys/." "$vname:/etc/ssh/nexus/" || fail "docker cp failed"
run docker start "$vname" || fail "docker start failed"
port=$(docker port "$vname" 22/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n1)
[ -n "$port" ] || fail "no published port for 22/tcp"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$vdir/keys/ssh_host_ed25519_key.pub")" >"$vdir/known_hosts"
cat >"$vdir/ssh_config" <<EOF
Host nexus-verify
  HostName 127.0.0.1
  Port $port
  User nexus
  IdentityFile $vdir/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $vdir/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
EOF
for tool in ssh scp; do
  printf '#!/bin/sh\nexec /usr/bin/%s -F %s "$@"\n' "$tool" "$vdir/ssh_config" >"$vdir/bin/$tool"
  chmod +x "$vdir/bin/$tool"
done
export MUTAGEN_SSH_PATH="$vdir/bin"
ok=""
for _ in $(seq 1 40); do  # sshd needs a moment after start
  out=$("$vdir/bin/ssh" nexus-verify 'id -un; sudo -n true && echo sudo-ok' 2>>"$LOG") && { ok=1; break; }
  sleep 0.25
done
[ -n "$ok" ] || fail "cannot ssh into the workspace container on 127.0.0.1:$port"
[ "$out" = "$(printf 'nexus\nsudo-ok')" ] || fail "unexpected ssh output (noise on stdout?): $out"
echo "alpha-$$" >"$vdir/alpha/from-alpha.txt"
run with_timeout 60 "$BIN_DIR/mutagen" daemon start || fail "mutagen daemon start failed"
run with_timeout 120 "$BIN_DIR/mutagen" sync create --name verify --no-global-configuration \
    --mode two-way-safe "$vdir/alpha" nexus-verify:/workspace/verify || fail "mutagen sync create failed"
run with_timeout 120 "$BIN_DIR/mutagen" sync flush verify || fail "mutagen sync flush failed"
[ "$(docker exec "$vname" cat /workspace/verify/from-alpha.txt 2>>"$LOG")" = "alpha-$$" ] \
  || fail "file did not sync into the container"
run docker exec -u nexus "$vname" sh -c "echo beta-$$ > /workspace/verify/from-beta.txt"
run with_timeout 120 "$BIN_DIR/mutagen" sync flush verify || fail "mutagen sync flush (2) failed"
[ "$(cat "$vdir/alpha/from-beta.txt" 2>/dev/null)" = "beta-$$" ] || fail "file did not sync back from the container"
run "$BIN_DIR/mutagen" sync terminate verify || true
run with_timeout 20 "$BIN_DIR/mutagen" daemon stop || true
run docker rm -f "$vname" || true
rm -rf "$vdir"; CLEANUP=()
unset MUTAGEN_DATA_DIRECTORY MUTAGEN_SSH_PATH
done_ "ssh on 127.0.0.1:$port + two-way mutagen sync ok"

# ---- 8. Chromium ----------------------------------------------------------------------------
step chromium
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing"
chromium_version=$(/usr/bin/chromium --version 2>/dev/null | head -n1)
[ -n "$chromium_version" ] || fail "/usr/bin/chromium --version failed"
done_ "/usr/bin/chromium ok"

# ---- summary --------------------------------------------------------------------------------
echo "provision: done in $(secs "$T0") (details: $LOG)"
echo "  docker:   $(docker version -f 'client {{.Client.Version}}, server {{.Server.Version}}' 2>/dev/null) ($(docker info -f '{{.Driver}}' 2>/dev/null))"
echo "  mutagen:  $("$BIN_DIR/mutagen" version) ($BIN_DIR/mutagen + $BIN_DIR/mutagen-agents.tar.gz)"
echo "  chromium: $chromium_version"
echo "  git:      $(git --version)"
echo "  ssh:      $(ssh -V 2>&1)"
echo "  images:   $BASE_IMAGE, $WORKSPACE_IMAGE ($(docker image inspect -f '{{.Id}}' "$WORKSPACE_IMAGE" | cut -c8-19))"
