# The private RabbitMQ broker that the tests and `spindle bench broker` use: loopback only, its own ports, its own
# state directory, its own Erlang cookie, and no system service. Sourced by broker-start.sh and broker-stop.sh.
# Override any of the first four to run several brokers side by side.
SPINDLE_BROKER_DIR=${SPINDLE_BROKER_DIR:-${TMPDIR:-/tmp}/spindle-broker-$(id -u)}
SPINDLE_BROKER_PORT=${SPINDLE_BROKER_PORT:-5698}
SPINDLE_BROKER_NODE=${SPINDLE_BROKER_NODE:-spindle-$SPINDLE_BROKER_PORT@localhost}  # @localhost: no hostname lookup
SPINDLE_BROKER_EPMD_PORT=${SPINDLE_BROKER_EPMD_PORT:-4398}                         # not the system epmd's 4369

# The Debian package's /usr/sbin wrappers switch to the rabbitmq user and its home; the scripts they wrap do not.
RABBIT_BIN=/usr/lib/rabbitmq/bin

# Erlang and the rabbitmq scripts read everything from the environment: every path points into the state directory.
export HOME="$SPINDLE_BROKER_DIR/home"                  # the node and the CLI find the same .erlang.cookie here
export RABBITMQ_NODENAME="$SPINDLE_BROKER_NODE"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$SPINDLE_BROKER_PORT"
export RABBITMQ_DIST_PORT=$((SPINDLE_BROKER_PORT + 20000))
export RABBITMQ_MNESIA_BASE="$SPINDLE_BROKER_DIR/mnesia"
export RABBITMQ_LOG_BASE="$SPINDLE_BROKER_DIR/log"
export RABBITMQ_PID_FILE="$SPINDLE_BROKER_DIR/broker.pid"
export RABBITMQ_CONFIG_FILE="$SPINDLE_BROKER_DIR/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$SPINDLE_BROKER_DIR/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$SPINDLE_BROKER_DIR/enabled_plugins"
export RABBITMQ_CONF_ENV_FILE="$SPINDLE_BROKER_DIR/rabbitmq-env.conf"     # instead of /etc/rabbitmq's
export ERL_CRASH_DUMP="$SPINDLE_BROKER_DIR/erl_crash.dump"                # not into the current directory
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT="$SPINDLE_BROKER_EPMD_PORT"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

# Whether the node answers (the Erlang VM is up; not yet whether AMQP is served).
spindle_broker_pings() {
  timeout 30 "$RABBIT_BIN/rabbitmq-diagnostics" -q -n "$SPINDLE_BROKER_NODE" ping >/dev/null 2>&1
}

# Whether the AMQP listener answers the protocol header with a method frame (type 1): the broker serves clients.
spindle_broker_serves() {
  local first
  first=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SPINDLE_BROKER_PORT && printf 'AMQP\\x00\\x00\\x09\\x01' >&3 && head -c 1 <&3" 2>/dev/null | od -An -tx1 | tr -d ' ')
  [ "$first" = 01 ]
}
