#!/usr/bin/env bash
# The replicated local stack (QS_MODE=cluster; infra/stack.sh hands over to this script): three
# KRaft Kafka nodes (each broker and controller; replication factor 3, min.insync.replicas=2) and a
# Redis Cluster of three primaries with one replica each (Debian's redis-server in cluster mode),
# beside the same registry, PostgreSQL and ClickHouse as the single-node stack. What a deployment
# past one machine looks like, on one machine: the drills kill one member of each
# (`npm run drill -- --cluster`).
#
#   infra/stack-cluster.sh up | down | status | env
#   infra/stack-cluster.sh start|stop <kafka|redis|registry|postgres|clickhouse>
#   infra/stack-cluster.sh kill|start <kafka-1..3|redis-1..6>   one member: SIGKILL, start again
#
# Ports: Kafka nodes on QS_CLUSTER_KAFKA_PORT and the next two (controllers from
# QS_CLUSTER_KAFKA_CONTROLLER_PORT), Redis nodes on QS_CLUSTER_REDIS_PORT and the next five.
# `env` prints the tiers' KAFKA_BROKERS and REDIS_CLUSTER_NODES for this stack.
set -euo pipefail

# The single-node script's helpers and its registry, PostgreSQL and ClickHouse (sourced: no command runs).
# shellcheck source=infra/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

CLUSTER="$LOCAL/cluster"
mkdir -p "$CLUSTER"
KAFKA_BASE="${QS_CLUSTER_KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_BASE="${QS_CLUSTER_KAFKA_CONTROLLER_PORT:-29192}"
REDIS_BASE="${QS_CLUSTER_REDIS_PORT:-27001}"
KAFKA_NODES=(1 2 3)
REDIS_NODES=(1 2 3 4 5 6)
# Each Kafka JVM gets a small heap: three of them share a two-core machine with everything else.
KAFKA_HEAP="${QS_CLUSTER_KAFKA_HEAP:-512m}"
# How long a silent Redis primary goes before its replica takes over (Redis' default is 15 s).
REDIS_NODE_TIMEOUT_MS="${QS_CLUSTER_REDIS_NODE_TIMEOUT_MS:-5000}"

kafka_port() { echo $((KAFKA_BASE + $1 - 1)); }
kafka_controller_port() { echo $((KAFKA_CONTROLLER_BASE + $1 - 1)); }
redis_port() { echo $((REDIS_BASE + $1 - 1)); }

brokers() {
  local n out=()
  for n in "${KAFKA_NODES[@]}"; do out+=("127.0.0.1:$(kafka_port "$n")"); done
  (IFS=,; echo "${out[*]}")
}
redis_nodes() {
  local n out=()
  for n in "${REDIS_NODES[@]}"; do out+=("127.0.0.1:$(redis_port "$n")"); done
  (IFS=,; echo "${out[*]}")
}

# ---------------------------------------------------------------- Kafka, three nodes
kafka_node_configure() {
  local n="$1"
  local dir="$CLUSTER/kafka-$n" voters="" v
  for v in "${KAFKA_NODES[@]}"; do voters+="${voters:+,}$v@127.0.0.1:$(kafka_controller_port "$v")"; done
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$n"),CONTROLLER://127.0.0.1:$(kafka_controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=false
num.partitions=12
# An acknowledged write (acks=all) is on at least two of the three nodes: one may die without loss.
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
# A replica that fell out of sync never becomes leader: that would drop acknowledged writes.
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
delete.topic.enable=true
log.retention.hours=168
EOF
  kafka_log4j "$dir/log4j.properties" "$LOGS/kafka-$n-server.log"
}

kafka_cluster_id() {
  [ -f "$CLUSTER/kafka-cluster-id" ] || java -cp "$KAFKA_DIR/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 >"$CLUSTER/kafka-cluster-id"
  cat "$CLUSTER/kafka-cluster-id"
}

kafka_node_ready() {
  port_open "$(kafka_port "$1")" && grep -q "Kafka Server started" "$LOGS/kafka-$1-server.log" 2>/dev/null
}

kafka_node_launch() {
  local n="$1"
  local dir="$CLUSTER/kafka-$n"
  pid_alive "kafka-$n" && return 0
  port_open "$(kafka_port "$n")" && die "port $(kafka_port "$n") is taken by another process"
  kafka_node_configure "$n"
  if [ ! -f "$dir/data/meta.properties" ]; then
    java -cp "$KAFKA_DIR/libs/*" -Dlog4j.configuration="file:$dir/log4j.properties" \
      kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$dir/server.properties" >"$LOGS/kafka-$n-format.log" 2>&1 \
      || die "kafka-$n storage format failed (see $LOGS/kafka-$n-format.log)"
  fi
  : >"$LOGS/kafka-$n-server.log"
  log "starting Kafka node $n on 127.0.0.1:$(kafka_port "$n")"
  (exec setsid nohup java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -cp "$KAFKA_DIR/libs/*" \
    -Dlog4j.configuration="file:$dir/log4j.properties" \
    kafka.Kafka "$dir/server.properties" >"$LOGS/kafka-$n.log" 2>&1) &
  echo $! >"$RUN/kafka-$n.pid"
}

# A node alone cannot finish starting (its controller needs a quorum): launch all, then wait for each.
kafka_cluster_start() {
  kafka_fetch
  local n
  for n in "${KAFKA_NODES[@]}"; do kafka_node_launch "$n"; done
  for n in "${KAFKA_NODES[@]}"; do wait_for "kafka-$n" "$WAIT_SECONDS" kafka_node_ready "$n" || die "Kafka node $n did not start"; done
}

kafka_cluster_stop() {
  local n
  for n in "${KAFKA_NODES[@]}"; do stop_pid "kafka-$n"; done
}

kafka_cluster_ready() {
  local n
  for n in "${KAFKA_NODES[@]}"; do kafka_node_ready "$n" || return 1; done
}

# ---------------------------------------------------------------- Redis Cluster, six nodes
redis_cli() { redis-cli -h 127.0.0.1 -p "$(redis_port "$1")" "${@:2}"; }
redis_node_up() { [ "$(redis_cli "$1" ping 2>/dev/null)" = PONG ]; }
redis_cluster_state() { redis_cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
redis_cluster_ok() {
  local n
  for n in "${REDIS_NODES[@]}"; do
    if redis_node_up "$n" && [ "$(redis_cluster_state "$n")" != ok ]; then return 1; fi
  done
}

redis_node_launch() {
  local n="$1"
  local dir="$CLUSTER/redis-$n"
  redis_node_up "$n" && return 0
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  mkdir -p "$dir"
  # A replica saves what it receives from its primary (dump.rdb) even without persistence; a node
  # joining a new cluster must not load it and claim the slots of its keys.
  [ -f "$dir/nodes.conf" ] || rm -f "$dir/dump.rdb"
  log "starting Redis cluster node $n on 127.0.0.1:$(redis_port "$n")"
  # No persistence, like the single-node stack: a restarted node comes back empty and, its slots
  # having moved to its replica meanwhile, rejoins as that one's replica (nodes.conf keeps who is who).
  # Without full coverage the other primaries keep serving while one shard fails over.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$(redis_port "$n")" --save "" --appendonly no \
    --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout "$REDIS_NODE_TIMEOUT_MS" \
    --cluster-require-full-coverage no --hash-max-listpack-entries 64 \
    --dir "$dir" --logfile "$LOGS/redis-$n.log" --pidfile "$RUN/redis-$n.pid"
  wait_for "redis-$n" "$WAIT_SECONDS" redis_node_up "$n" || die "Redis node $n did not start"
}

redis_cluster_start() {
  local n nodes=()
  for n in "${REDIS_NODES[@]}"; do redis_node_launch "$n"; nodes+=("127.0.0.1:$(redis_port "$n")"); done
  if [ "$(redis_cli 1 cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')" = 0 ]; then
    log "creating the Redis Cluster (3 primaries, 1 replica each)"
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$LOGS/redis-cluster-create.log" 2>&1 \
      || die "redis-cli --cluster create failed (see $LOGS/redis-cluster-create.log)"
  fi
  wait_for redis-cluster "$WAIT_SECONDS" redis_cluster_ok || die "the Redis Cluster did not reach cluster_state:ok"
}

# Down forgets the cluster (nodes.conf): nothing persists, and the next `up` creates it afresh.
redis_cluster_stop() {
  local n
  for n in "${REDIS_NODES[@]}"; do
    if redis_node_up "$n"; then redis_cli "$n" shutdown nosave >/dev/null 2>&1 || true; fi
  done
  for n in "${REDIS_NODES[@]}"; do
    local t0=$SECONDS
    while redis_node_up "$n" && (( SECONDS - t0 < 30 )); do sleep 0.2; done
    rm -f "$CLUSTER/redis-$n/nodes.conf" "$CLUSTER/redis-$n/dump.rdb" "$RUN/redis-$n.pid"
  done
  log "redis cluster stopped"
}

# ---------------------------------------------------------------- members
member_kill() {
  local member="$1"
  [ -f "$RUN/$member.pid" ] || die "$member is not running (no pid file)"
  kill -9 "$(cat "$RUN/$member.pid")" 2>/dev/null || true
  rm -f "$RUN/$member.pid"
  log "$member killed (SIGKILL)"
}

member_start() {
  case "$1" in
    kafka-[1-3]) kafka_node_launch "${1#kafka-}"; wait_for "$1" "$WAIT_SECONDS" kafka_node_ready "${1#kafka-}" || die "$1 did not start" ;;
    redis-[1-6]) redis_node_launch "${1#redis-}" ;;
    *) return 1 ;;
  esac
}

status() {
  local n role
  for n in "${KAFKA_NODES[@]}"; do
    printf '%-11s %-42s %s\n' "kafka-$n" "127.0.0.1:$(kafka_port "$n")" "$(kafka_node_ready "$n" && echo up || echo down)"
  done
  for n in "${REDIS_NODES[@]}"; do
    role="$(redis_cli "$n" role 2>/dev/null | head -n1 || true)"
    printf '%-11s %-42s %s\n' "redis-$n" "127.0.0.1:$(redis_port "$n")" "$(redis_node_up "$n" && echo "up $role" || echo down)"
  done
  for s in postgres registry clickhouse; do
    printf '%-11s %-42s %s\n' "$s" "$(address "$s")" "$("${s}_ready" 2>/dev/null && echo up || echo down)"
  done
}

cmd="${1:-}"
case "$cmd" in
  up)
    t0=$SECONDS
    postgres_start; redis_cluster_start; kafka_cluster_start; registry_start; clickhouse_start
    log "cluster stack up in $((SECONDS - t0)) s"
    status
    ;;
  down)
    registry_stop; kafka_cluster_stop; clickhouse_stop; redis_cluster_stop
    status
    ;;
  status) status ;;
  env)
    echo "export KAFKA_BROKERS=$(brokers) REDIS_CLUSTER_NODES=$(redis_nodes) TOPIC_REPLICATION_FACTOR=3 TOPIC_MIN_INSYNC_REPLICAS=2"
    ;;
  kill)
    [ $# -eq 2 ] || die "usage: $0 kill <kafka-N|redis-N>"
    case "$2" in kafka-[1-3]|redis-[1-6]) member_kill "$2" ;; *) die "unknown member '$2'" ;; esac
    ;;
  start|stop)
    [ $# -eq 2 ] || die "usage: $0 $cmd <service|member>"
    if [ "$cmd" = start ] && member_start "$2"; then exit 0; fi
    case "$2" in
      kafka) "kafka_cluster_$cmd" ;;
      redis) "redis_cluster_$cmd" ;;
      registry|postgres|clickhouse) "${2}_$cmd" ;;
      *) die "unknown service '$2' (kafka, redis, registry, postgres, clickhouse, kafka-N, redis-N)" ;;
    esac
    ;;
  *)
    echo "usage: $0 up|down|status|env|start <service|member>|stop <service>|kill <member>" >&2
    exit 2
    ;;
esac
