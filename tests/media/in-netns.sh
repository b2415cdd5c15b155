#!/usr/bin/env bash
# Runs one test program inside a network namespace made for it, so that ICE
# only ever sees (and sends to) the namespace's own addresses:
#   - a uniquely named namespace (ip netns add), lo up inside;
#   - a veth pair whose two ends both live in the namespace (created there
#     directly with `ip -n`, so nothing is ever added to the host's
#     namespace), addresses 10.231.N.1/24 and 10.231.N.2/24, links up;
#   - the program runs with `ip netns exec`; its environment gets
#     ARS_NETNS (the name) and ARS_NETNS_ADDRS (the two IPv4 addresses);
#   - on exit, even on failure or a signal, the program and anything left in
#     the namespace are killed by PID and the namespace is deleted.
# Usage: in-netns.sh PROGRAM [ARGS...]   (needs root; otherwise TAP skip)
set -uo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "1..0 # SKIP in-netns.sh needs root to create a network namespace"
  exit 0
fi
if ! command -v ip >/dev/null; then
  echo "in-netns.sh: the 'ip' command is missing (Debian package iproute2)" >&2
  exit 1
fi
ns="ars-media-$$-$RANDOM"
sub=$(( ($$ + RANDOM) % 250 + 1 ))
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  for p in $(ip netns pids "$ns" 2>/dev/null); do
    kill -KILL "$p" 2>/dev/null
  done
  ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up || exit 1
ip -n "$ns" link add arsa type veth peer name arsb || exit 1
ip -n "$ns" addr add "10.231.$sub.1/24" dev arsa || exit 1
ip -n "$ns" addr add "10.231.$sub.2/24" dev arsb || exit 1
ip -n "$ns" link set arsa up || exit 1
ip -n "$ns" link set arsb up || exit 1

export ARS_NETNS="$ns" ARS_NETNS_ADDRS="10.231.$sub.1 10.231.$sub.2"
ip netns exec "$ns" "$@" &
pid=$!
wait "$pid"
rc=$?
pid=
exit $rc
