# Sourced by .ci/run and ./hermod: makes sure JAVA_HOME points at a JDK 21 or newer.
# Keeps a JAVA_HOME (or the java on PATH) that is already new enough; otherwise picks the newest JDK 21+ found in
# the usual places, installing one with apt-get as a last resort.

hermod_java_major() { # $1: path to a java binary; prints its feature version (17, 21, 25...) or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

hermod_pick_jdk() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" \
      /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(hermod_java_major "$candidate/bin/java")
    [ -n "$major" ] || continue
    if [ "$candidate" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then best="$candidate"; best_major=$major; break; fi
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major=$major; fi
  done
  if [ -z "$best" ] && command -v apt-get >/dev/null 2>&1; then
    echo "No JDK 21+ found; trying to install one with apt-get" >&2
    { apt-get update -qq && { apt-get install -y -qq openjdk-21-jdk-headless || apt-get install -y -qq openjdk-25-jdk-headless; }; } >&2 || true
    for candidate in /usr/lib/jvm/*; do
      [ -x "$candidate/bin/javac" ] || continue
      major=$(hermod_java_major "$candidate/bin/java")
      if [ -n "$major" ] && [ "$major" -ge 21 ]; then best="$candidate"; best_major=$major; fi
    done
  fi
  if [ -z "$best" ]; then
    echo "Hermod needs a JDK 21 or newer: install one and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  HERMOD_JAVA_MAJOR=$best_major
}

# The JVM options every broker process gets from the JDK picked above (after hermod_pick_jdk), printed one per line:
# - any JDK: exit on OutOfMemoryError rather than run on with some threads dead;
# - JDK 25+: compact object headers (8 bytes instead of 12): a smaller heap for the same objects;
# - JDK 22+: the C heap trimmed every second: the JIT compilers' arenas peak at ~35 MiB while they compile and glibc
#   keeps what they free, so without it the process's RSS keeps the peak (seen with NMT under PerfTest's load).
hermod_server_jvm_opts() {
  echo "-XX:+ExitOnOutOfMemoryError"
  [ "${HERMOD_JAVA_MAJOR:-0}" -ge 25 ] && echo "-XX:+UseCompactObjectHeaders"
  [ "${HERMOD_JAVA_MAJOR:-0}" -ge 22 ] && echo "-XX:TrimNativeHeapInterval=1000"
  return 0
}
