# Sourced by the install scripts: `apt_install_missing WHO [--no-install-recommends] PACKAGE…`
# installs the Debian packages that are not installed yet (non-interactively, as root), or, when
# not root, prints the command to run and fails. WHO says what needs them, for that message.
apt_install_missing() {
  local who=$1; shift
  local options=()
  if [ "${1:-}" = "--no-install-recommends" ]; then options+=("$1"); shift; fi
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing for $who: ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${options[@]}" "${missing[@]}" >&2
  else
    echo "$who needs: sudo apt-get install -y ${options[*]} ${missing[*]}" >&2
    return 1
  fi
}
