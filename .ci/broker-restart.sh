#!/usr/bin/env bash
# Restarts the RabbitMQ application of the private test broker (see broker-env.sh) inside its running Erlang VM: every
# connection is closed, queues are recovered from disk, transient messages are lost — what clients see of a broker
# restart, without booting the VM again. The broker tests use it; it fails if that broker is not running.
set -euo pipefail
. "$(dirname "$0")/broker-env.sh"
if ! spindle_broker_pings; then
  echo "broker-restart: $SPINDLE_BROKER_NODE is not running (start it with .ci/broker-start.sh)" >&2
  exit 1
fi
timeout 60 "$RABBIT_BIN/rabbitmqctl" -q -n "$SPINDLE_BROKER_NODE" stop_app >/dev/null
timeout 60 "$RABBIT_BIN/rabbitmqctl" -q -n "$SPINDLE_BROKER_NODE" start_app >/dev/null
for _ in $(seq 1 240); do
  if spindle_broker_serves; then echo "broker-restart: $SPINDLE_BROKER_NODE serves again" >&2; exit 0; fi
  sleep 0.25                                               # polling interval of the readiness probe
done
echo "broker-restart: the broker did not serve AMQP again within 60 s" >&2
exit 1
