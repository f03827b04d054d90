#!/usr/bin/env bash
# Installs what burrow needs on Debian 12 and shows it working:
#   1. the Debian packages below (as root, or through sudo), skipped when all
#      of them are already installed;
#   2. `npm ci` in this checkout, which builds the C helper and the
#      bundle (postinstall: node scripts/build.mjs);
#   3. a tiny root filesystem made of busybox-static, and one container run
#      from it with `bin/burrow.cjs run --rootfs`.
# Safe to run again: each step does only what is missing.
set -euo pipefail

# Every Debian package burrow and its test suite use, with why.
PACKAGES=(
  gcc libc6-dev   # build the C helper (helpers/) at npm install
  musl-tools      # the helper linked with musl: a faster start than with static glibc (glibc without it)
  uidmap          # newuidmap/newgidmap: map /etc/subuid ranges into containers
  passt           # pasta: rootless networking
  slirp4netns     # rootless networking, the fallback
  fuse-overlayfs  # overlay root filesystems where native overlayfs is refused
  busybox-static  # the demo root filesystem below, and the tests' images
  skopeo umoci    # tests: interoperability with containers' own tools
  docker-registry # tests: a real registry on 127.0.0.1
  openssl         # tests: the certificates of TLS registries and their clients
  bubblewrap      # tests and benchmarks: `burrow sandbox` against bwrap
  xdg-dbus-proxy  # `burrow sandbox` profiles: the session D-Bus, filtered
  dbus-daemon dbus-bin # tests: a session bus for the filtered D-Bus of sandbox profiles
  podman runc     # tests: the seccomp filter compared with podman's, call by call; benchmarks
  debootstrap     # tests: a minimal Debian image, apt-get under --userns fakeroot
  bsdutils        # tests: script(1), for a real terminal
  python3         # tests: small fixture programs, bcrypt lines for htpasswd
  zstd            # tests: zstd-compressed layers
)

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# --- 0. what cannot be installed from here -------------------------------
command -v node >/dev/null || die "Node.js 20 or newer is needed (node not found on PATH)"
command -v npm >/dev/null || die "npm is needed (not found on PATH)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is needed (found $(node --version))"
command -v dpkg-query >/dev/null || die "this script installs Debian packages and needs dpkg/apt (Debian 12 or similar)"

# --- 1. Debian packages ---------------------------------------------------
missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  say "Debian packages: all ${#PACKAGES[@]} installed"
else
  say "Debian packages: missing ${missing[*]}"
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
  can_install=yes
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    can_install=no
  fi
  if [ "$can_install" = yes ]; then
    "${as_root[@]}" "${apt[@]}" update -q
    "${as_root[@]}" "${apt[@]}" install -y -q --no-install-recommends "${missing[@]}"
  else
    printf 'install.sh: not root and no sudo: as root, run\n  apt-get install --no-install-recommends %s\n' "${missing[*]}" >&2
    # Building and the demo need only a C compiler and busybox; the rest is for networking and tests.
    if ! command -v cc >/dev/null || [ ! -x /bin/busybox ]; then
      die "cannot go on without a C compiler (cc) and /bin/busybox"
    fi
    printf 'install.sh: going on without them; the tests that need them will fail or skip\n' >&2
  fi
fi

# --- 2. node modules, the helper and the bundle ---------------------------
# npm ci: exactly the versions of package-lock.json (test/unit/package.test.ts keeps it complete).
say "npm ci (also builds the helper and the bundle: scripts/build.mjs)"
npm ci --no-audit --no-fund
node bin/burrow.cjs version

# --- 3. a demo root filesystem and one container -------------------------
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
case "$data_home" in /*) ;; *) data_home=$HOME/.local/share ;; esac # burrow ignores a relative XDG_DATA_HOME too
rootfs=$data_home/burrow/demo-rootfs
say "demo root filesystem: $rootfs"
mkdir -p "$rootfs"/{bin,etc,root,proc,sys,dev,tmp}
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
if ! cmp -s /bin/busybox "$rootfs/bin/busybox"; then
  cp /bin/busybox "$rootfs/bin/busybox.tmp"
  mv -f "$rootfs/bin/busybox.tmp" "$rootfs/bin/busybox"
fi
for applet in $("$rootfs/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sfn busybox "$rootfs/bin/$applet"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$rootfs/etc/group"

say "bin/burrow.cjs run --rm --rootfs $rootfs sh -c ..."
# shellcheck disable=SC2016 # expanded inside the container
if ! node bin/burrow.cjs run --rm --rootfs "$rootfs" sh -c \
  'echo "hello from a burrow container: $(id -un 2>/dev/null || id -u) in $(hostname)"'; then
  cat >&2 <<'EOF'
install.sh: the demo container did not run. If the error above mentions user
namespaces: they must be allowed for unprivileged users (Debian:
sysctl kernel.unprivileged_userns_clone=1; Ubuntu 24.04:
sysctl kernel.apparmor_restrict_unprivileged_userns=0).
EOF
  exit 1
fi
say "done: try  bin/burrow.cjs run -it --rootfs $rootfs sh"
