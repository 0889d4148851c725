#!/usr/bin/env bash
# A local Flink standalone session cluster from Maven Central jars: one JobManager and N TaskManagers, each its own
# JVM on 127.0.0.1. See deploy/README.md.
#
#   flink-local.sh start [--taskmanagers N] [--slots S] [--rest-port P] [--rpc-port P] [--lib JAR]...
#                                        (defaults: 2 TaskManagers, 1 slot each, ports 8081 and 6123)
#   flink-local.sh stop                  stop every process this cluster started (TERM, then KILL after 20 s)
#   flink-local.sh tm-start ID           start one more TaskManager (resource id tm-ID)
#   flink-local.sh tm-kill ID            kill -9 TaskManager tm-ID, as a crash would
#   flink-local.sh status                the cluster's processes and what its REST API says
#   flink-local.sh flink ARGS...         Flink's command line against this cluster (run, stop, cancel, list, ...)
#
# Environment: FLINK_LOCAL_HOME, the cluster's folder (default: deploy/local/target/cluster): conf/ (written by
# start), lib/ (your connector jars: the httpsync -sql jar, Flink's JDBC connector, drivers; start --lib copies into
# it), log/, checkpoints/, savepoints/, tmp/. Flink's own jars are deploy/local/target/lib, built by Maven (start
# builds them if they are missing). Needs java 17 and curl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FLINK_JARS="$HERE/target/lib"
HOME_DIR="$(mkdir -p "${FLINK_LOCAL_HOME:-$HERE/target/cluster}" && cd "${FLINK_LOCAL_HOME:-$HERE/target/cluster}" && pwd)"
CONF="$HOME_DIR/conf"
LIB="$HOME_DIR/lib"
LOG="$HOME_DIR/log"
PIDS="$HOME_DIR/pids"
CLASSPATH_ALL="$FLINK_JARS/*:$LIB/*"
READY_TIMEOUT_SECONDS="${FLINK_LOCAL_READY_TIMEOUT:-120}"

# Flink's default env.java.opts.all: what Flink 2.x needs from the JDK's modules on Java 17
JAVA_OPENS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

die() { echo "flink-local: $*" >&2; exit 1; }

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

rest_port() {
  [[ -f "$CONF/config.yaml" ]] || die "no cluster configured in $HOME_DIR: run '$0 start' first"
  sed -n 's/^rest.port: *//p' "$CONF/config.yaml"
}

rest() { curl -sf --max-time 5 "http://127.0.0.1:$(rest_port)$1"; }

# the pid in pids/NAME.pid if that process is alive and is one of this cluster's (its command line names our conf)
live_pid() {
  local file="$PIDS/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null && ps -ww -p "$pid" -o args= 2>/dev/null | grep -qF -- "--configDir $CONF"; then
    echo "$pid"
  else
    return 1
  fi
}

ensure_flink_jars() {
  if ! ls "$FLINK_JARS"/flink-runtime-*.jar >/dev/null 2>&1; then
    echo "Flink's jars are missing from $FLINK_JARS; building them with Maven ..."
    mvn -B -ntp -q -f "$HERE/pom.xml" package -DskipTests || die "could not build $FLINK_JARS (mvn -f $HERE/pom.xml package)"
  fi
}

write_config() {
  local slots="$1" rest_port="$2" rpc_port="$3"
  mkdir -p "$CONF" "$LIB" "$LOG" "$PIDS" "$HOME_DIR/tmp" "$HOME_DIR/checkpoints" "$HOME_DIR/savepoints"
  cat > "$CONF/config.yaml" <<EOF
# written by flink-local.sh start; Flink 2.2 keys
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $rest_port
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1280m
taskmanager.numberOfTaskSlots: $slots
# a job's slots go to the TaskManagers with the most free slots, so a job spreads over all of them
taskmanager.load-balance.mode: slots
io.tmp.dirs: $HOME_DIR/tmp
execution.checkpointing.interval: 10 s
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.dir: file://$HOME_DIR/checkpoints
execution.checkpointing.savepoint-dir: file://$HOME_DIR/savepoints
restart-strategy.type: exponential-delay
# a TaskManager's RPC system must start within this (default 10 s, which a loaded 2-core machine can miss)
pekko.startup-timeout: 60 s
# the web UI's and the REST API's metrics are at most 2 s old (default 10 s)
metrics.fetcher.update-interval: 2 s
# every operator of a job needs a uid, so a savepoint always restores into the same operators; SQL jobs get theirs
# from the planner only with table.exec.uid.generation ALWAYS
pipeline.auto-generate-uids: false
table.exec.uid.generation: ALWAYS
EOF
  cat > "$CONF/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
EOF
  cp "$CONF/log4j.properties" "$CONF/log4j-cli.properties"
}

# BashJavaUtils prints the memory flags as Flink's own scripts use them: the first result line holds the JVM's flags,
# the last the dynamic properties for the entry point
resource_params() {
  java -cp "$FLINK_JARS/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" \
    > "$LOG/bash-java-utils.out" 2>&1 || { cat "$LOG/bash-java-utils.out" >&2; die "BashJavaUtils $1 failed"; }
  grep '^BASH_JAVA_UTILS_EXEC_RESULT:' "$LOG/bash-java-utils.out" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

launch() {
  local name="$1" main="$2"; shift 2
  local params jvm dynamic
  params="$(resource_params "$([[ $name == jobmanager ]] && echo GET_JM_RESOURCE_PARAMS || echo GET_TM_RESOURCE_PARAMS)")"
  jvm="$(head -n 1 <<<"$params")"
  dynamic="$(tail -n 1 <<<"$params")"
  # shellcheck disable=SC2086 # the flags are words
  nohup java $jvm "${JAVA_OPENS[@]}" -Dlog.file="$LOG/$name.log" -Dlog4j.configurationFile="file:$CONF/log4j.properties" \
    -cp "$CLASSPATH_ALL" "$main" --configDir "$CONF" $dynamic "$@" > "$LOG/$name.out" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}

start_taskmanager() {
  local id="$1"
  live_pid "tm-$id" >/dev/null && die "TaskManager tm-$id is running already"
  launch "tm-$id" org.apache.flink.runtime.taskexecutor.TaskManagerRunner -D "taskmanager.resource-id=tm-$id"
}

# waits until the REST API lists every TaskManager in $@ (resource ids)
await_taskmanagers() {
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS)) answer missing name
  while true; do
    answer="$(rest /taskmanagers || true)"
    missing=""
    for name in "$@"; do
      grep -qF "\"id\":\"$name\"" <<<"$answer" || missing="$missing $name"
    done
    [[ -z "$missing" ]] && return 0
    for name in jobmanager "$@"; do
      live_pid "$name" >/dev/null || { tail -n 30 "$LOG/$name.log" "$LOG/$name.out" >&2 2>/dev/null; die "$name died; its log: $LOG/$name.log"; }
    done
    ((SECONDS < deadline)) || die "not registered after ${READY_TIMEOUT_SECONDS} s:$missing (logs in $LOG)"
    sleep 0.5
  done
}

cmd_start() {
  local tms=2 slots=1 rest_port="${FLINK_LOCAL_REST_PORT:-8081}" rpc_port="${FLINK_LOCAL_RPC_PORT:-6123}" libs=()
  while (($#)); do
    case "$1" in
      --taskmanagers) tms="$2"; shift 2 ;;
      --slots) slots="$2"; shift 2 ;;
      --rest-port) rest_port="$2"; shift 2 ;;
      --rpc-port) rpc_port="$2"; shift 2 ;;
      --lib) libs+=("$2"); shift 2 ;;
      *) usage ;;
    esac
  done
  live_pid jobmanager >/dev/null && die "a cluster is running in $HOME_DIR already ('$0 stop' first)"
  command -v curl >/dev/null || die "curl is needed (to wait for the REST API)"
  ensure_flink_jars
  write_config "$slots" "$rest_port" "$rpc_port"
  for jar in ${libs[@]+"${libs[@]}"}; do
    [[ -f "$jar" ]] || die "--lib $jar: no such file"
    cp "$jar" "$LIB/"
  done
  launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
  local names=()
  for ((i = 1; i <= tms; i++)); do
    start_taskmanager "$i"
    names+=("tm-$i")
  done
  await_taskmanagers ${names[@]+"${names[@]}"}
  echo "Flink cluster up: http://127.0.0.1:$rest_port ($tms TaskManagers with $slots slots each; logs in $LOG)"
}

stop_process() {
  local name="$1" pid
  pid="$(live_pid "$name")" || { rm -f "$PIDS/$name.pid"; return 0; }
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDS/$name.pid"
  echo "stopped $name ($pid)"
}

cmd_stop() {
  [[ -d "$PIDS" ]] || return 0
  local file
  for file in "$PIDS"/tm-*.pid "$PIDS"/jobmanager.pid; do
    [[ -f "$file" ]] && stop_process "$(basename "$file" .pid)"
  done
  return 0
}

cmd_tm_start() {
  [[ $# -eq 1 ]] || usage
  live_pid jobmanager >/dev/null || die "no JobManager running in $HOME_DIR"
  start_taskmanager "$1"
  await_taskmanagers "tm-$1"
  echo "TaskManager tm-$1 registered"
}

cmd_tm_kill() {
  [[ $# -eq 1 ]] || usage
  local pid
  pid="$(live_pid "tm-$1")" || die "no TaskManager tm-$1 running"
  kill -9 "$pid"
  rm -f "$PIDS/tm-$1.pid"
  echo "killed tm-$1 ($pid) with SIGKILL"
}

cmd_status() {
  local file name pid
  for file in "$PIDS"/*.pid; do
    [[ -f "$file" ]] || continue
    name="$(basename "$file" .pid)"
    if pid="$(live_pid "$name")"; then echo "$name: running ($pid)"; else echo "$name: not running"; fi
  done
  rest /overview && echo || echo "REST API not answering"
}

cmd_flink() {
  [[ -f "$CONF/config.yaml" ]] || die "no cluster configured in $HOME_DIR: run '$0 start' first"
  # the CLI finds the cluster (rest.address, rest.port) through FLINK_CONF_DIR
  FLINK_CONF_DIR="$CONF" exec java "${JAVA_OPENS[@]}" -Dlog.file="$LOG/client.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j-cli.properties" -cp "$CLASSPATH_ALL" org.apache.flink.client.cli.CliFrontend "$@"
}

(($#)) || usage
command="$1"; shift
case "$command" in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  tm-start) cmd_tm_start "$@" ;;
  tm-kill) cmd_tm_kill "$@" ;;
  status) cmd_status ;;
  flink) cmd_flink "$@" ;;
  *) usage ;;
esac
