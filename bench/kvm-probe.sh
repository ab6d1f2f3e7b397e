#!/usr/bin/env bash
# Measures the KVM probe on this machine: cold (a new JVM per `kvm-check --json`, process start
# to exit) and warm (KvmProbe.run repeated in one JVM). Prints p50/p99/max in milliseconds.
# Builds the jar first when it is missing or older than the sources. Options go to
# KvmProbeBenchmark: --device PATH --cold N --warmup N --warm N.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk.sh
jar=operator/target/nestedvirt-operator.jar
bench=operator/target/test-classes/io/nestedvirt/operator/agent/kvm/KvmProbeBenchmark.class
if [ ! -f "$jar" ] || [ ! -f "$bench" ] || [ -n "$(find operator/src pom.xml operator/pom.xml -newer "$jar" -print -quit)" ]; then
  echo "kvm-probe: building $jar" >&2
  ./mvnw -B -q package -DskipTests >&2
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$jar:operator/target/test-classes" \
  io.nestedvirt.operator.agent.kvm.KvmProbeBenchmark --jar "$jar" "$@"
