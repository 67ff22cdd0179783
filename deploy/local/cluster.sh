#!/usr/bin/env bash
# Local multi-process Loopline cluster from the Maven jars (no Docker):
#   three KRaft brokers (RF 3, min ISR 2), the schema registry, two scoring and two collector
#   instances, and a Flink standalone cluster (one JobManager, one TaskManager), each its own JVM.
#   Data, logs, configs and pids under deploy/local/.run/.
#
#   deploy/local/cluster.sh up [--scoring N] [--collectors N] [--no-flink] [--set key=value ...]
#   deploy/local/cluster.sh status
#   deploy/local/cluster.sh retrain [retrain options]    # submit a retrain to the Flink cluster
#   deploy/local/cluster.sh backtest [backtest options]  # submit a backtest to the Flink cluster
#   deploy/local/cluster.sh down          # SIGTERM: apps, Flink, registry, brokers last
#   deploy/local/cluster.sh clean         # down, then delete .run/
#
# Clients: --config deploy/local/.run/config/loopline.properties (bootstrap, registry URL and
# retrain.flink.mode=remote with the JobManager's REST address and the job jar).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEPLOY="$(dirname "$HERE")"
ROOT="$(dirname "$DEPLOY")"
RUN="${LOOPLINE_LOCAL_RUN_DIR:-$HERE/.run}"
CP_FILE="$DEPLOY/target/runtime-classpath.txt"
FLINK_CP_FILE="$DEPLOY/target/flink-classpath.txt"
JOB_JAR="${LOOPLINE_FLINK_JOB_JAR:-$DEPLOY/target/retrain-flink-job.jar}"
NATIVES="${LOOPLINE_NATIVES_DIR:-$HOME/.cache/loopline/natives/tf-1.0.0-rc.1}"

build() {
  if [[ ! -f "$CP_FILE" || ! -f "$FLINK_CP_FILE" || ! -f "$JOB_JAR" || ! -d "$DEPLOY/target/classes/dev" ]]; then
    echo "building deploy's class path (mvn -pl deploy) ..." >&2
    (cd "$ROOT" && mvn -B -q -o -pl deploy compile)
  fi
}

pids() { ls "$RUN"/pids/*.pid 2>/dev/null || true; }

alive() { kill -0 "$1" 2>/dev/null; }

stop_one() {  # pidfile
  local f="$1" pid name
  pid="$(cat "$f")"; name="$(basename "$f" .pid)"
  if alive "$pid"; then
    kill "$pid"
    for _ in $(seq 1 60); do alive "$pid" || break; sleep 1; done
    if alive "$pid"; then echo "$name did not stop in 60 s: kill -9" >&2; kill -9 "$pid" || true; fi
    echo "stopped $name ($pid)"
  fi
  rm -f "$f"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    build
    mkdir -p "$RUN"
    java -Xmx256m -XX:+UseSerialGC -Dlogback.configurationFile=loopline-deploy-logback.xml \
      -Dloopline.natives.dir="$NATIVES" -Dai.djl.offline=true -DOPT_OUT_TRACKING=true \
      -Dorg.bytedeco.javacpp.pathsFirst=true \
      -cp "$DEPLOY/target/classes:$(cat "$CP_FILE")" dev.loopline.deploy.LocalClusterMain \
      --run-dir "$RUN" --classpath-file "$CP_FILE" --classes "$DEPLOY/target/classes" \
      --flink-classpath-file "$FLINK_CP_FILE" --job-jar "$JOB_JAR" "$@"
    ;;
  retrain|backtest)
    # The command in its own JVM; loopline.properties sends the job to the local JobManager.
    build
    main=dev.loopline.retrain.RetrainCommand
    [[ "$cmd" == backtest ]] && main=dev.loopline.backtest.BacktestCommand
    java -Xmx256m -XX:+UseSerialGC -Dlogback.configurationFile=loopline-deploy-logback.xml \
      -cp "$JOB_JAR:$DEPLOY/target/classes:$(cat "$CP_FILE"):$(cat "$FLINK_CP_FILE")" "$main" \
      --config "$RUN/config/loopline.properties" "$@"
    ;;
  status)
    for f in $(pids); do
      pid="$(cat "$f")"; name="$(basename "$f" .pid)"
      if alive "$pid"; then echo "$name pid $pid running"; else echo "$name pid $pid DEAD"; fi
    done
    [[ -f "$RUN/config/loopline.properties" ]] && grep -E '^(bootstrap|schema|retrain\.flink\.jobmanager)' "$RUN/config/loopline.properties" || true
    if [[ -f "$RUN/config/flink-ports.properties" ]]; then
      rest="$(sed -n 's/^rest=//p' "$RUN/config/flink-ports.properties")"
      echo "flink http://localhost:$rest/overview: $(curl -s --max-time 2 "http://localhost:$rest/overview" || echo 'no answer')"
    fi
    ;;
  down|clean)
    for f in $(pids | grep -E '/(scoring|collector|retrain)-[^/]*\.pid$' || true); do stop_one "$f"; done
    # Flink: the TaskManager, then the JobManager.
    for n in flink-taskmanager flink-jobmanager; do
      [[ -f "$RUN/pids/$n.pid" ]] && stop_one "$RUN/pids/$n.pid"
    done
    [[ -f "$RUN/pids/registry.pid" ]] && stop_one "$RUN/pids/registry.pid"
    # All brokers at once: a KRaft node stopped last waits for a quorum that is already gone.
    brokers="$(pids | grep -E '/broker-[^/]*\.pid$' || true)"
    for f in $brokers; do alive "$(cat "$f")" && kill "$(cat "$f")" || true; done
    for f in $brokers; do stop_one "$f"; done
    if [[ "$cmd" == clean ]]; then rm -rf "$RUN"; echo "removed $RUN"; fi
    ;;
  *)
    echo "usage: $0 up|status|retrain|backtest|down|clean" >&2; exit 2 ;;
esac
