#!/usr/bin/env bash
# Installs the Debian packages the platform needs, or, without root, says exactly which.
set -euo pipefail
# python3-qgis and qgis-providers: the tests open our OGC API and exports in QGIS itself.
packages=(postgresql-15 postgresql-15-postgis-3 gdal-bin libgdal32 libgeos-c1v5 libproj25
          python3-venv nodejs npm chromium gettext python3-qgis qgis-providers)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm and node may come from outside Debian (nodesource, nvm): the commands are what count.
missing=($(for p in "${missing[@]}"; do
  case "$p" in nodejs) command -v node >/dev/null || echo "$p";; npm) command -v npm >/dev/null || echo "$p";;
  python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null || echo "$p";; *) echo "$p";; esac; done))
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
