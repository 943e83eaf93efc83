#!/usr/bin/env bash
# Stops the private test broker started by broker-start.sh, stops its epmd when no other node uses it, and deletes
# its state directory (set SPINDLE_BROKER_KEEP=1 to keep it). Safe to run when nothing runs.
set -uo pipefail
. "$(dirname "$0")/broker-env.sh"

pid=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  # `rabbitmqctl stop PIDFILE` waits for the OS process to exit, but waits forever when the node is not up: ping first.
  if spindle_broker_pings; then
    timeout 60 "$RABBIT_BIN/rabbitmqctl" -q -n "$SPINDLE_BROKER_NODE" stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
  fi
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "broker-stop: $SPINDLE_BROKER_NODE stopped" >&2
else
  echo "broker-stop: $SPINDLE_BROKER_NODE was not running" >&2
fi
rm -f "$RABBITMQ_PID_FILE"

# epmd outlives the node that started it; ours is on a private port, so it is ours to stop once no node is registered.
if names=$(timeout 5 epmd -port "$SPINDLE_BROKER_EPMD_PORT" -names 2>/dev/null) && ! grep -q '^name ' <<<"$names"; then
  epmd -port "$SPINDLE_BROKER_EPMD_PORT" -kill >/dev/null 2>&1 || true
fi
if [ "${SPINDLE_BROKER_KEEP:-0}" != 1 ]; then rm -rf "$SPINDLE_BROKER_DIR"; fi
exit 0
