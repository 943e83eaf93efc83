#!/usr/bin/env bash
# Starts the private test broker (see broker-env.sh) unless it already runs, and prints its URI on stdout; progress
# goes to stderr. The first start creates the state directory with a random Erlang cookie and a random password for
# the broker's only user, "spindle" (no guest account): nothing secret is written in the repository.
set -euo pipefail
. "$(dirname "$0")/broker-env.sh"

if [ ! -x "$RABBIT_BIN/rabbitmq-server" ]; then
  echo "broker-start: RabbitMQ is not installed ($RABBIT_BIN/rabbitmq-server is missing); apt-get install -y rabbitmq-server" >&2
  exit 1
fi

mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
chmod 700 "$SPINDLE_BROKER_DIR"
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
if [ ! -f "$HOME/.erlang.cookie" ]; then
  random_hex 20 > "$HOME/.erlang.cookie"
  chmod 400 "$HOME/.erlang.cookie"          # Erlang refuses a cookie that others can read
fi
if [ ! -f "$SPINDLE_BROKER_DIR/password" ]; then
  (umask 077; random_hex 16 > "$SPINDLE_BROKER_DIR/password")
fi
uri="amqp://spindle:$(cat "$SPINDLE_BROKER_DIR/password")@127.0.0.1:$SPINDLE_BROKER_PORT/"

if spindle_broker_serves; then
  echo "broker-start: $SPINDLE_BROKER_NODE already serves 127.0.0.1:$SPINDLE_BROKER_PORT" >&2
  echo "$uri"
  exit 0
fi

: > "$RABBITMQ_CONF_ENV_FILE"
echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"                # no management plugin: nothing listens but AMQP
echo '[].' > "$RABBITMQ_ADVANCED_CONFIG_FILE"
(umask 077; cat > "$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$SPINDLE_BROKER_PORT
default_user = spindle
default_pass = $(cat "$SPINDLE_BROKER_DIR/password")
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.console = false
log.file.level = warning
CONF
)

started=$(date +%s%N)
"$RABBIT_BIN/rabbitmq-server" -detached
# Ready when the AMQP listener answers the protocol header (ping only says the VM is up). Give up early if the VM died.
for _ in $(seq 1 240); do
  if spindle_broker_serves; then
    echo "broker-start: $SPINDLE_BROKER_NODE ready on 127.0.0.1:$SPINDLE_BROKER_PORT after $(( ($(date +%s%N) - started) / 1000000 )) ms" >&2
    echo "$uri"
    exit 0
  fi
  if [ -f "$RABBITMQ_PID_FILE" ] && ! kill -0 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null; then
    echo "broker-start: the broker exited while booting; its log:" >&2
    tail -n 20 "$RABBITMQ_LOG_BASE"/*.log >&2 || true
    exit 1
  fi
  sleep 0.25                                               # polling interval of the readiness probe
done
echo "broker-start: the broker did not serve AMQP within 60 s; see $RABBITMQ_LOG_BASE" >&2
exit 1
