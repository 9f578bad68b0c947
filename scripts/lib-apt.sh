# Sourced by the install scripts: ensure_debs LABEL PKG... installs the Debian packages that are
# missing (apt-get update only when something is), or says that all are present. Needs root to install.
ensure_debs () {
  local label=$1; shift
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "$label: all present ($*)"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: missing ${missing[*]} -- run as root" >&2
    return 1
  fi
  echo "$label: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
