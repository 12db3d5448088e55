#!/usr/bin/env bash
# Installs every Debian package racefuzz needs to build, test, fuzz and benchmark.
#
# Idempotent and quick to re-run: when every package is already installed it does nothing
# (checked with dpkg-query, no apt at all). Otherwise it runs `apt-get update` once and
# installs only what is missing. Debian 12 (bookworm), as root or with sudo; nothing is
# downloaded from anywhere but the Debian archive.
set -euo pipefail

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup.sh: unknown argument '$1' (it takes none; try --help)" >&2; exit 2 ;;
esac

# Why each package is here (see README.md, "Dependencies"):
PACKAGES=(
  clang                 # `clang++`, the compiler of every preset
  clang-14              # the versioned compiler behind it (libFuzzer, sanitizers, fiber APIs)
  libclang-rt-14-dev    # compiler-rt: libFuzzer, ASan/TSan/UBSan runtimes for clang 14
  libclang-rt-dev       # the same, under the unversioned name clang's driver looks for
  llvm-14               # llvm-symbolizer (readable sanitizer stacks), llvm-cov, llvm-profdata
  llvm                  # the unversioned llvm-cov / llvm-profdata / llvm-symbolizer names
  libabsl-dev           # Abseil: flags, Status, StrFormat, btree containers
  libboost-context-dev  # Boost.Context fcontext: the fibers logical threads run on
  libgtest-dev          # GoogleTest
  libgmock-dev          # GoogleMock matchers
  libbenchmark-dev      # Google Benchmark (bench/)
  cmake                 # build, CMake presets (needs 3.25)
  ninja-build           # the presets' generator
  afl++                 # AFL++ (afl-clang-fast++, afl-fuzz) for the afl-asan preset
  gnuplot-nox           # plots of benchmark and campaign results
  zip unzip             # seed corpora archives (OSS-Fuzz layout)
  file binutils         # inspecting built fuzz targets (instrumentation checks)
  python3               # small helper scripts (corpus encoding, report parsing)
  git                   # the CI clones the repository
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}" </dev/null
echo "setup: done"
