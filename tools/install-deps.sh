#!/usr/bin/env bash
# Installs every Debian 12 package signet needs to build, test and run its demo.
# Idempotent; safe to run as root on a fresh machine (no prompts, no standard input).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (it calls apt-get)" >&2
  exit 1
fi

packages=(
  # toolchain
  build-essential g++-12 cmake ninja-build pkg-config git
  # crypto, PKCS#11, tokens
  openssl libssl-dev libp11-kit-dev libp11-dev softhsm2 opensc
  # libraries
  libtbb-dev libexpected-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # independent verifiers used by the tests
  gnutls-bin python3 python3-cryptography
  # Go crypto/x509 verifier (tests/interop/goverify), standard library only
  golang-go
  # libFuzzer (clang) for the parsers' fuzz targets
  clang-14 libclang-rt-14-dev
  # format / lint (Debian's 16 understands the keys in .clang-format/.clang-tidy)
  clang-format-16 clang-tidy-16
  # bench/compare-pipeline.sh: JSON, arithmetic and its table
  jq bc bsdextrautils
  # signet certs check-expiration: kubeconfig YAML
  libyaml-cpp-dev
  # signet serve: Boost.Beast/Asio; its interop tests use Debian's cfssl and curl
  libboost1.81-dev golang-cfssl curl
  # the ledger (issue 6): SQLite store, PostgreSQL store (libpqxx 6.4) and the PostgreSQL 15
  # server its tests start (initdb/pg_ctl from /usr/lib/postgresql/15/bin)
  libsqlite3-dev libpqxx-dev postgresql
  # the .deb (cpack -G DEB): dpkg-shlibdeps computes Depends and reads ELF files with `file`;
  # its test verifies the systemd unit with systemd-analyze
  dpkg-dev file systemd
  # bench/compare-serve.sh, bench/soak-serve.sh (issue 7): the HTTP load generator (bench only)
  wrk
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}" </dev/null
