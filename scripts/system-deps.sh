#!/bin/sh
# System packages tocta needs. Build dependencies of PyICU (pulled in by followthemoney,
# compiles against ICU) are required: installed with apt when running as root, otherwise the
# script says what to install and fails. Chromium is optional (browser tests of the figures,
# PDF output): installed with apt when running as root, otherwise only a hint is printed.
set -e
is_root_apt() {
  [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1
}
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists icu-uc 2>/dev/null || missing="$missing libicu-dev"
else
  missing="$missing libicu-dev"
fi
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
if [ -n "$missing" ]; then
  if is_root_apt; then
    echo "installing system packages:$missing" >&2
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    apt_install $missing
  else
    echo "tocta needs these system packages to build PyICU:$missing" >&2
    echo "install them (e.g. sudo apt-get install$missing) and run make again" >&2
    exit 1
  fi
fi

if [ ! -x /usr/bin/chromium ]; then
  if is_root_apt; then
    echo "installing system packages: chromium (browser tests of the figures)" >&2
    apt_install chromium || echo "could not install chromium; browser tests will be skipped" >&2
  else
    echo "optional: chromium is missing; browser tests of the figures will be skipped" >&2
    echo "install it with: sudo apt-get install chromium" >&2
  fi
fi

if ! command -v pdftoppm >/dev/null 2>&1; then
  if is_root_apt; then
    echo "installing system packages: poppler-utils (tests read the printed PDF pages)" >&2
    apt_install poppler-utils || echo "could not install poppler-utils; PDF page tests fail in CI" >&2
  else
    echo "optional: pdftoppm is missing; the PDF page tests need it" >&2
    echo "install it with: sudo apt-get install poppler-utils" >&2
  fi
fi

if ! command -v java >/dev/null 2>&1; then
  if is_root_apt; then
    echo "installing system packages: default-jre-headless (Spark engine for routes)" >&2
    apt_install default-jre-headless || echo "could not install Java; Spark tests will be skipped" >&2
  else
    echo "optional: Java is missing; the Spark engine (tocta routes --engine spark) needs it" >&2
    echo "install it with: sudo apt-get install default-jre-headless" >&2
  fi
fi
exit 0
