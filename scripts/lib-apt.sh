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

# apt_mirror SUITE [APT_DIR]: the Debian mirror this machine's own apt sources use, so nothing
# names a mirror of its own. Reads APT_DIR/sources.list and APT_DIR/sources.list.d/*.list
# (one-line format) and *.sources (deb822; `Enabled: no` skipped), as apt does (APT_DIR defaults
# to /etc/apt). Prints the URI of the first `deb` entry serving SUITE, else of the first entry
# whose URI ends in /debian; fails saying so when there is none.
apt_mirror () {
  local suite=$1 dir=${2:-/etc/apt} files=() f
  [ -f "$dir/sources.list" ] && files+=("$dir/sources.list")
  for f in "$dir"/sources.list.d/*.list "$dir"/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  if [ ${#files[@]} -eq 0 ]; then
    echo "apt_mirror: no apt sources under $dir" >&2
    return 1
  fi
  # One line per deb entry: URI SUITE...
  local entries
  entries=$(awk '
    function flush () {
      if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/) {
        n = split(uris, u, " ")
        for (i = 1; i <= n; i++) print u[i], suites
      }
      types = ""; uris = ""; suites = ""; enabled = ""; field = ""
    }
    FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
    /^[[:space:]]*#/ { next }
    !deb822 {
      line = $0; sub(/#.*/, "", line)
      if (line !~ /^[[:space:]]*deb[[:space:]]/) next
      sub(/^[[:space:]]*deb[[:space:]]+/, "", line)
      if (line ~ /^\[/) sub(/^\[[^]]*\][[:space:]]*/, "", line)
      split(line, w, /[[:space:]]+/)
      print w[1], w[2]
      next
    }
    /^[[:space:]]*$/ { flush(); next }
    /^[[:space:]]/ { v = $0; gsub(/^[[:space:]]+|[[:space:]]+$/, "", v)
                     if (field == "types") types = types " " v; else if (field == "uris") uris = uris " " v; else if (field == "suites") suites = suites " " v
                     next }
    {
      key = tolower($0); sub(/:.*/, "", key)
      v = $0; sub(/^[^:]*:[[:space:]]*/, "", v); gsub(/[[:space:]]+$/, "", v)
      field = key
      if (key == "types") types = v; else if (key == "uris") uris = v; else if (key == "suites") suites = v; else if (key == "enabled") enabled = tolower(v)
    }
    END { flush() }
  ' "${files[@]}")
  local uri
  uri=$(printf '%s\n' "$entries" | awk -v s="$suite" '{ for (i = 2; i <= NF; i++) if ($i == s) { print $1; exit } }')
  [ -n "$uri" ] || uri=$(printf '%s\n' "$entries" | awk '$1 ~ /\/debian\/?$/ { print $1; exit }')
  if [ -z "$uri" ]; then
    echo "apt_mirror: no deb entry for $suite (nor any URI ending in /debian) in ${files[*]}; set DEBIAN_MIRROR" >&2
    return 1
  fi
  printf '%s\n' "${uri%/}"
}

# ensure_debs_no_start LABEL PKG...: ensure_debs for packages that ship a system service (prometheus,
# postgresql): nothing they ship may start or stay enabled, since the tests start their own servers
# on their own ports and data directories. While installing, a policy-rc.d that refuses every start
# (exit 101) is put in place unless the machine already has one (then that one decides, and is left
# as it was); after, the services of the packages this call installed are disabled (systemd units
# and sysv links) and, should one be running anyway, stopped — only those, by their own init scripts.
ensure_debs_no_start () {
  local label=$1; shift
  local missing=() p policy=/usr/sbin/policy-rc.d ours=
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ] || [ "$(id -u)" -ne 0 ]; then
    ensure_debs "$label" "$@"
    return
  fi
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# podmap ensure_debs_no_start: no service starts during this install\nexit 101\n' > "$policy"
    chmod 0755 "$policy"
    ours=1
  fi
  local rc=0
  ensure_debs "$label" "$@" || rc=$?
  if [ -n "$ours" ] && grep -q 'podmap ensure_debs_no_start' "$policy" 2>/dev/null; then rm -f "$policy"; fi
  [ "$rc" -eq 0 ] || return "$rc"
  local unit svc
  for p in "${missing[@]}"; do
    for unit in $(dpkg-query -L "$p" 2>/dev/null | grep -E '^/(lib|usr/lib)/systemd/system/[^/]+\.service$' || true); do
      svc=$(basename "$unit" .service)
      if command -v deb-systemd-helper >/dev/null; then deb-systemd-helper disable "$svc.service" >/dev/null 2>&1 || true; fi
      if [ -x "/etc/init.d/$svc" ]; then
        if "/etc/init.d/$svc" status >/dev/null 2>&1; then
          echo "$label: $svc was started by its install: stopping it" >&2
          "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
        fi
        update-rc.d "$svc" disable >/dev/null 2>&1 || true
      fi
      echo "$label: service $svc not started, disabled (the tests run their own)"
    done
  done
}
