#!/bin/bash
# The Docker healthcheck of every Skiff container (docker-compose.yml):
#   bash scripts/healthcheck.sh PORT PATH [QUIET_SECONDS]
# One HTTP GET of http://127.0.0.1:PORT/PATH with bash built-ins only, no Node runtime started: exit 0 on HTTP 200.
#
# Docker Engine before 25 has no start_interval: a probe runs every `interval` from the container's start, so only a
# short interval (2 s) makes a container healthy soon after it is ready, and every probe is an exec that costs
# runc, containerd and dockerd tens of ms of CPU. So once a probe has passed, each later one first sleeps
# QUIET_SECONDS (default 30): an idle container is probed twice a minute instead of 30 times. The mark is kept per
# start of the container's main process (PID 1's start time): a restarted container is probed every 2 s again.
# SKIFF_HEALTHCHECK_MARK_DIR (default /tmp) is where the mark goes.
set -u
port=$1 path=$2 quiet=${3:-30}
read -r -a pid1 < /proc/1/stat
mark="${SKIFF_HEALTHCHECK_MARK_DIR:-/tmp}/.skiff-healthy-$port-${pid1[21]}"
[ -e "$mark" ] && sleep "$quiet"
if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then echo "nothing listens on 127.0.0.1:$port"; exit 1; fi 2>/dev/null
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
if ! read -r -t 5 _ code _ <&3; then echo "no answer from 127.0.0.1:$port$path"; exit 1; fi
if [ "$code" != 200 ]; then echo "$path: HTTP $code"; exit 1; fi
: > "$mark"
