#!/usr/bin/env bash
# Builds a root filesystem layer that runs Java without pulling a base image: a jlink'ed
# runtime of the build's own JDK at /opt/java/openjdk (where eclipse-temurin images keep it,
# so the image's entrypoint is the same with either base) and the C libraries it links
# against, copied from this machine. The Maven profile image-local-base puts it on a scratch
# base; CI machines reach no container registry.
#   local-runtime.sh JAVA_HOME OUTPUT_DIR
set -euo pipefail
java_home="$1"
out="$2"
rm -rf "$out"
mkdir -p "$out/opt/java"
# java.se covers what the libraries reach for (java.net.http, java.naming, java.management,
# java.sql for Jackson, java.desktop for java.beans); jdk.httpserver serves /metrics and the
# probes; jdk.unsupported is sun.misc.Unsafe for Netty-free fabric8 and Jackson.
"$java_home/bin/jlink" \
  --add-modules java.se,jdk.httpserver,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.naming.dns \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
  --output "$out/opt/java/openjdk"
# The dynamic linker and every library the runtime's binaries need, at the same paths; not
# those of the desktop (AWT, sound, fonts) parts, which a headless operator never loads.
libs="$(find "$out/opt/java/openjdk" \( -name '*.so' -o -path '*/bin/*' \) -type f |
  grep -vE '/lib(awt|awt_xawt|jawt|splashscreen|lcms|fontmanager|jsound|mlib_image|javajpeg)\.so$' |
  xargs ldd 2>/dev/null | awk '/=> \// {print $3} /^\s*\/.*ld-linux/ {print $1}' | sort -u)"
for lib in $libs; do
  case "$lib" in "$out"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
# /lib64/ld-linux-x86-64.so.2 is what the ELF interpreter field names.
interp="$(readelf -l "$out/opt/java/openjdk/bin/java" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
mkdir -p "$out$(dirname "$interp")"
cp -L "$interp" "$out$interp"
mkdir -p "$out/tmp"
