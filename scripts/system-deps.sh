#!/bin/sh
# System packages tocta needs to build its Python dependencies (PyICU, pulled in by
# followthemoney, compiles against ICU). Installs them with apt when running as root and they
# are missing; otherwise says what to install.
set -e
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists icu-uc 2>/dev/null || missing="$missing libicu-dev"
else
  missing="$missing libicu-dev"
fi
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages:$missing" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
  echo "tocta needs these system packages to build PyICU:$missing" >&2
  echo "install them (e.g. sudo apt-get install$missing) and run make again" >&2
  exit 1
fi
