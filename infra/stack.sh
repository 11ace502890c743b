#!/usr/bin/env bash
# The local stack, without Docker: Kafka (KRaft, one node), the Apicurio schema registry, Redis,
# PostgreSQL and ClickHouse. Idempotent: `up` installs what is missing, starts what is down and
# waits until each service really answers. Downloads and data live under .local/ (git-ignored).
#
#   infra/stack.sh up | down | status
#   infra/stack.sh start|stop|restart <kafka|registry|redis|postgres|clickhouse>
#
# QS_LOCAL_DIR and the QS_*_PORT variables below run a second, private stack beside the default one
# (fault drills use that, so stopping its Kafka or emptying its Redis disturbs nobody else). Pick its
# ports below the ephemeral range (32768 and up on Linux): there an outgoing connection can hold the
# port at the moment a service binds it, and Kafka then fails with "Address already in use".
#
# Redis and PostgreSQL: the machine's running servers are used when they answer; otherwise Debian's
# packages are installed and started. `down` stops only what this script started itself (Kafka, the
# registry, ClickHouse); the fault drills use stop/start on single services, including Redis and
# PostgreSQL.
#
# QS_MODE=cluster selects the replicated stack instead (three Kafka nodes, a Redis Cluster of six):
# infra/stack-cluster.sh, which takes the same commands.
set -euo pipefail

if [ "${QS_MODE:-single}" = cluster ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/stack-cluster.sh" "$@"
fi

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${QS_LOCAL_DIR:-$REPO/.local}"
LOGS="$LOCAL/logs"
RUN="$LOCAL/run"
mkdir -p "$LOGS" "$RUN"

KAFKA_VERSION="${QS_KAFKA_VERSION:-3.9.1}"
KAFKA_PORT="${QS_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${QS_KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_VERSION="${QS_REGISTRY_VERSION:-3.3.3}"
REGISTRY_PORT="${QS_REGISTRY_PORT:-8081}"
REGISTRY_MANAGEMENT_PORT="${QS_REGISTRY_MANAGEMENT_PORT:-9091}" # Quarkus' health/metrics interface; its default 9000 is ClickHouse's native port
REGISTRY_DB="${QS_REGISTRY_DB:-quizstream_registry}"
CLICKHOUSE_HTTP_PORT="${QS_CLICKHOUSE_HTTP_PORT:-8123}"
CLICKHOUSE_TCP_PORT="${QS_CLICKHOUSE_TCP_PORT:-9000}"
REDIS_PORT="${QS_REDIS_PORT:-6379}"
PG_PORT=5432
WAIT_SECONDS="${QS_WAIT_SECONDS:-120}"

log() { echo "[stack] $*" >&2; }
die() { echo "[stack] error: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

# Another apt (a second stack, the browser install, unattended upgrades) may hold dpkg's lock: wait for
# it rather than fail the whole start-up.
APT_LOCK_WAIT=(-o DPkg::Lock::Timeout=600)

apt_install() {
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${APT_LOCK_WAIT[@]}" update -q >"$LOGS/apt.log" 2>&1 || die "apt-get update failed (see $LOGS/apt.log)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${APT_LOCK_WAIT[@]}" install -y -q --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 \
    || die "apt-get install $* failed (see $LOGS/apt.log)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for <name> <seconds> <command...>: polls the command until it succeeds, printing progress.
wait_for() {
  local name="$1" limit="$2"; shift 2
  local t0=$SECONDS next=10
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - t0 >= limit )); then
      log "$name did not answer within ${limit} s; last lines of its log:"
      tail -n 20 "$LOGS/$name.log" >&2 2>/dev/null || true
      return 1
    fi
    if (( SECONDS - t0 >= next )); then log "waiting for $name ($((SECONDS - t0)) s)"; next=$((next + 10)); fi
    sleep 0.5
  done
}

pid_alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# stop_pid <name>: SIGTERM, then SIGKILL after 30 s, so Kafka and ClickHouse can close cleanly.
stop_pid() {
  local name="$1"
  if ! pid_alive "$name"; then rm -f "$RUN/$name.pid"; return 0; fi
  local pid; pid="$(cat "$RUN/$name.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop within 30 s, killing it"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/$name.pid"
  log "$name stopped"
}

# Java for the tools: the default one, or the newest JDK >= $1 under /usr/lib/jvm.
java_at_least() {
  local want="$1" best="" best_major=0 j major
  for j in "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
    [ -x "$j" ] || continue
    major="$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)"
    [ -n "$major" ] || continue
    if (( major >= want && major > best_major )); then best="$j"; best_major="$major"; fi
  done
  [ -n "$best" ] && echo "$best"
}

# ---------------------------------------------------------------- Kafka
KAFKA_DIR="$LOCAL/kafka"

kafka_fetch() {
  if compgen -G "$KAFKA_DIR/libs/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then return 0; fi
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_DIR/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>quizstream.local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$KAFKA_DIR/libs.tmp"
  (cd "$KAFKA_DIR" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=libs.tmp >"$LOGS/kafka-fetch.log" 2>&1) \
    || die "Maven could not fetch Kafka (see $LOGS/kafka-fetch.log)"
  rm -rf "$KAFKA_DIR/libs" && mv "$KAFKA_DIR/libs.tmp" "$KAFKA_DIR/libs"
}

# kafka_log4j <properties file> <log file>: warnings, plus the lines that say a node started.
kafka_log4j() {
  cat >"$1" <<EOF
log4j.rootLogger=WARN, file
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

kafka_configure() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
# Topics are created by the migrate command with their partition counts, never by accident.
auto.create.topics.enable=false
num.partitions=12
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# One node: a consumer group should not wait 3 s for more members before its first assignment.
group.initial.rebalance.delay.ms=0
delete.topic.enable=true
log.retention.hours=168
EOF
  kafka_log4j "$KAFKA_DIR/log4j.properties" "$LOGS/kafka-server.log"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local id
    id="$(java -cp "$KAFKA_DIR/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
    java -cp "$KAFKA_DIR/libs/*" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
      kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" >"$LOGS/kafka-format.log" 2>&1 \
      || die "kafka storage format failed (see $LOGS/kafka-format.log)"
  fi
}

kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  # Ours: wait for the log line (the port opens before the broker can serve); another's: the port.
  if pid_alive kafka; then grep -q "Kafka Server started" "$LOGS/kafka-server.log" 2>/dev/null; fi
}

kafka_start() {
  if pid_alive kafka && kafka_ready; then return 0; fi
  if ! pid_alive kafka && port_open "$KAFKA_PORT"; then
    # Like Redis and PostgreSQL: a broker that already answers here (another checkout's) is used.
    log "a broker already listens on 127.0.0.1:$KAFKA_PORT (not started from $LOCAL); using it"
    return 0
  fi
  kafka_fetch
  kafka_configure
  if ! pid_alive kafka; then
    : >"$LOGS/kafka-server.log"
    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
    # Every service runs in a session of its own (setsid): a caller that kills its process group on
    # exit (a test runner, the benchmark) must not take the shared stack down with it.
    (exec setsid nohup java -Xms512m -Xmx1g -XX:+UseG1GC -cp "$KAFKA_DIR/libs/*" \
      -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
      kafka.Kafka "$KAFKA_DIR/server.properties" >"$LOGS/kafka.log" 2>&1) &
    echo $! >"$RUN/kafka.pid"
  fi
  wait_for kafka "$WAIT_SECONDS" kafka_ready || die "Kafka did not start"
}

kafka_stop() { stop_pid kafka; }
kafka_version() { echo "$KAFKA_VERSION"; }

# ---------------------------------------------------------------- schema registry (Apicurio)
REGISTRY_DIR="$LOCAL/registry/$REGISTRY_VERSION"
M2="${MAVEN_REPO:-$HOME/.m2/repository}"

registry_fetch() {
  [ -f "$REGISTRY_DIR/quarkus-run.jar" ] && return 0
  local tarball="$M2/io/apicurio/apicurio-registry-app/$REGISTRY_VERSION/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz"
  if [ ! -f "$tarball" ]; then
    log "fetching Apicurio Registry $REGISTRY_VERSION from Maven Central (about 160 MB)"
    mvn -q -B dependency:get -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" -Dtransitive=false \
      >"$LOGS/registry-fetch.log" 2>&1 || die "Maven could not fetch the registry (see $LOGS/registry-fetch.log)"
  fi
  rm -rf "$REGISTRY_DIR.tmp" && mkdir -p "$REGISTRY_DIR.tmp"
  tar -xzf "$tarball" -C "$REGISTRY_DIR.tmp"
  local jar; jar="$(find "$REGISTRY_DIR.tmp" -name quarkus-run.jar | head -n1)"
  [ -n "$jar" ] || die "no quarkus-run.jar in $tarball"
  rm -rf "$REGISTRY_DIR" && mv "$(dirname "$jar")" "$REGISTRY_DIR" && rm -rf "$REGISTRY_DIR.tmp"
}

# Apicurio's own readiness (it checks its database) and the Confluent API answering. Not GET /subjects:
# that lists subjects with a query whose cost grows with every artifact ever registered (seen taking
# 163 s on a loaded machine with 60,000 of them), and readiness is asked often.
registry_ready() {
  curl -fsS --max-time 5 "http://127.0.0.1:$REGISTRY_MANAGEMENT_PORT/health/ready" >/dev/null 2>&1 \
    && curl -fsS --max-time 5 "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/schemas/types" >/dev/null 2>&1
}

registry_start() {
  if registry_ready; then return 0; fi
  pid_alive registry || ! port_open "$REGISTRY_PORT" || die "port $REGISTRY_PORT is taken by another process"
  postgres_start
  registry_fetch
  # Apicurio 3.3 is built for Java 21; the machine's default may be older.
  local java; java="$(java_at_least 21)" || die "Apicurio Registry $REGISTRY_VERSION needs Java 21 or newer; none found (java, /usr/lib/jvm/*)"
  # Schemas are kept in PostgreSQL so their ids survive a restart: messages already in Kafka carry them.
  # Its pool would hold 20 of PostgreSQL's 100 connections idle by default; 2 to 10 serve this load.
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$REGISTRY_DB'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $REGISTRY_DB" >/dev/null
  if ! pid_alive registry; then
    log "starting Apicurio Registry $REGISTRY_VERSION on 127.0.0.1:$REGISTRY_PORT ($java)"
    # exec, so the recorded pid is the JVM's own and stop_pid reaches it. The access log records each
    # request's response time and the GC log every pause: what a stalled registry call is read from.
    # Subjects may be deleted (the registry soak test removes the ones it made).
    (cd "$REGISTRY_DIR" && exec setsid nohup "$java" -Xms128m -Xmx512m \
      -Xlog:gc*,safepoint:file="$LOGS/registry-gc.log":time,uptime,level,tags:filecount=2,filesize=20m \
      -Dquarkus.http.record-request-start-time=true \
      -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
      -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" \
      -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=postgresql \
      -Dapicurio.rest.deletion.artifact.enabled=true \
      -Dapicurio.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/$REGISTRY_DB" \
      -Dapicurio.datasource.username=postgres -Dapicurio.datasource.password=unused \
      -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 -Dapicurio.datasource.jdbc.max-size=10 \
      -jar quarkus-run.jar >"$LOGS/registry.log" 2>&1) &
    echo $! >"$RUN/registry.pid"
  fi
  wait_for registry "$WAIT_SECONDS" registry_ready || die "the schema registry did not start"
}

registry_stop() { stop_pid registry; }
registry_version() {
  curl -fsS "http://127.0.0.1:$REGISTRY_PORT/apis/registry/v3/system/info" 2>/dev/null \
    | sed -n 's/.*"version" *: *"\([^"]*\)".*/Apicurio \1/p'
}

# ---------------------------------------------------------------- ClickHouse
CH_DIR="$LOCAL/clickhouse"

clickhouse_install() {
  command -v clickhouse-server >/dev/null && command -v clickhouse-client >/dev/null && return 0
  apt_install clickhouse-server clickhouse-client
}

clickhouse_configure() {
  mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas"
  # Our own config (Debian's would run the system service under /var/lib/clickhouse); 18.16 wants <yandex>.
  cat >"$CH_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$LOGS/clickhouse-server.log</log>
    <errorlog>$LOGS/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$CLICKHOUSE_HTTP_PORT</http_port>
  <tcp_port>$CLICKHOUSE_TCP_PORT</tcp_port>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>1073741824</mark_cache_size>
  <path>$CH_DIR/data/</path>
  <tmp_path>$CH_DIR/tmp/</tmp_path>
  <user_files_path>$CH_DIR/user_files/</user_files_path>
  <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
  <users_config>$CH_DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$CH_DIR/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
}

clickhouse_ready() { [ "$(curl -fsS "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]; }

clickhouse_start() {
  if clickhouse_ready; then return 0; fi
  pid_alive clickhouse || ! port_open "$CLICKHOUSE_HTTP_PORT" || die "port $CLICKHOUSE_HTTP_PORT is taken by another process"
  clickhouse_install
  clickhouse_configure
  if ! pid_alive clickhouse; then
    log "starting ClickHouse on 127.0.0.1:$CLICKHOUSE_HTTP_PORT"
    (cd "$CH_DIR" && exec setsid nohup clickhouse-server --config-file="$CH_DIR/config.xml" >"$LOGS/clickhouse.log" 2>&1) &
    echo $! >"$RUN/clickhouse.pid"
  fi
  wait_for clickhouse "$WAIT_SECONDS" clickhouse_ready || die "ClickHouse did not start"
}

clickhouse_stop() { stop_pid clickhouse; }
clickhouse_version() { curl -fsS "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/?query=SELECT%20version()" 2>/dev/null; }

# ---------------------------------------------------------------- Redis (the machine's, else Debian's)
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

redis_start() {
  if command -v redis-cli >/dev/null && redis_ready; then return 0; fi
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p "$LOCAL/redis"
  # No persistence, like the machine's own: the processors rebuild what they need. Hashes past 64
  # fields as hash tables, not listpacks: a quiz's hashes (totals, markers per question) hold a
  # field per player, and a listpack finds one by scanning (README → Performance → Redis settings).
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --hash-max-listpack-entries 64 \
    --dir "$LOCAL/redis" --logfile "$LOGS/redis.log" --pidfile "$RUN/redis.pid"
  wait_for redis "$WAIT_SECONDS" redis_ready || die "Redis did not start"
}

redis_stop() {
  redis_ready || return 0
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  local t0=$SECONDS
  while redis_ready && (( SECONDS - t0 < 30 )); do sleep 0.2; done
  log "redis stopped"
}
redis_version() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null | sed -n 's/^redis_version:\(.*\)\r*$/\1/p' | tr -d '\r'; }

# ---------------------------------------------------------------- PostgreSQL (the machine's, else Debian's)
postgres_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
pg_cluster() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n1; }

postgres_start() {
  if command -v pg_isready >/dev/null && postgres_ready; then return 0; fi
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  local v; v="$(pg_cluster)"
  [ -n "$v" ] || die "no PostgreSQL cluster under /etc/postgresql"
  log "starting PostgreSQL $v on 127.0.0.1:$PG_PORT"
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start >>"$LOGS/postgres.log" 2>&1 || true
  wait_for postgres "$WAIT_SECONDS" postgres_ready || die "PostgreSQL did not start (see $LOGS/postgres.log)"
  # Debian's fresh cluster asks for passwords over TCP; the local stack uses trust on loopback like CI.
  if ! psql -h 127.0.0.1 -U postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    local hba="/etc/postgresql/$v/main/pg_hba.conf"
    as_root sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(host\s+all\s+all\s+::1\/128\s+)\S+/\1trust/' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload >>"$LOGS/postgres.log" 2>&1
  fi
}

postgres_stop() {
  postgres_ready || return 0
  as_root pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster)" main stop -m fast >>"$LOGS/postgres.log" 2>&1 || true
  log "postgres stopped"
}
postgres_version() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc 'SHOW server_version' 2>/dev/null | awk '{print $1}'; }

# ---------------------------------------------------------------- commands
SERVICES=(postgres redis kafka registry clickhouse)

address() {
  case "$1" in
    kafka) echo "127.0.0.1:$KAFKA_PORT" ;;
    registry) echo "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7" ;;
    clickhouse) echo "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT" ;;
    redis) echo "127.0.0.1:$REDIS_PORT" ;;
    postgres) echo "127.0.0.1:$PG_PORT" ;;
  esac
}

status() {
  local s state version
  for s in "${SERVICES[@]}"; do
    if "${s}_ready" 2>/dev/null; then state=up; version="$("${s}_version" 2>/dev/null || true)"; else state=down; version=-; fi
    printf '%-11s %-42s %-5s %s\n' "$s" "$(address "$s")" "$state" "${version:--}"
  done
}

check_service() {
  case "$1" in kafka|registry|clickhouse|redis|postgres) ;; *) die "unknown service '$1' (kafka, registry, redis, postgres, clickhouse)" ;; esac
}

# Sourced (by stack-cluster.sh, for the services both stacks share): functions only, no command.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

cmd="${1:-}"
case "$cmd" in
  up)
    t0=$SECONDS
    for s in "${SERVICES[@]}"; do "${s}_start"; done
    log "all services up in $((SECONDS - t0)) s"
    status
    ;;
  down)
    # Only what this script owns; the machine's Redis and PostgreSQL keep running for others. A Redis
    # this script started has its pidfile under $RUN (a private stack's, say).
    registry_stop; kafka_stop; clickhouse_stop
    if [ -f "$RUN/redis.pid" ]; then redis_stop; fi
    status
    ;;
  status) status ;;
  start|stop|restart)
    [ $# -eq 2 ] || die "usage: $0 $cmd <service>"
    check_service "$2"
    case "$cmd" in
      start) "${2}_start" ;;
      stop) "${2}_stop" ;;
      restart) "${2}_stop"; "${2}_start" ;;
    esac
    ;;
  *)
    echo "usage: $0 up|down|status|start <service>|stop <service>|restart <service>" >&2
    echo "services: ${SERVICES[*]}" >&2
    exit 2
    ;;
esac
