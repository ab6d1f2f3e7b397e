#!/usr/bin/env bash
# The image's Java: a jlink'ed runtime of the build's own JDK at /opt/java/openjdk (the path
# the image's entrypoint names), laid on a distroless base that brings the C library and
# nothing else: no shell, no package manager. With --c-libraries (Maven profile
# image-local-base, for CI machines that reach no container registry) it also copies the C
# libraries the runtime links against from this machine, for a scratch base.
#   java-runtime.sh JAVA_HOME OUTPUT_DIR [--c-libraries]
# The runtime is the build machine's: build the image on Linux x86-64 (or with the Dockerfile).
set -euo pipefail
java_home="$1"
out="$2"
c_libraries="${3:-}"
rm -rf "$out"
mkdir -p "$out/opt/java"
# java.se covers what the libraries reach for (java.net.http, java.naming, java.management,
# java.sql for Jackson, java.desktop for java.beans); jdk.httpserver serves /metrics and the
# probes; jdk.unsupported is sun.misc.Unsafe for Netty-free fabric8 and Jackson; jdk.net is
# the TCP keep-alive options that Apache HttpClient 5 (the AWS SDK's client) sets on its
# sockets. ContainerImageE2E checks with jdeps that the image's libraries need no other module.
"$java_home/bin/jlink" \
  --add-modules java.se,jdk.httpserver,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.naming.dns,jdk.net \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
  --output "$out/opt/java/openjdk"
if [ "$c_libraries" != "--c-libraries" ]; then
  exit 0
fi
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
# The distroless base has /tmp; scratch has nothing.
mkdir -p "$out/tmp"
