# For those who build images with Docker or Podman. The project's build makes the same image
# without a daemon: ./mvnw -Pimage package (Jib) writes operator/target/nestedvirt-operator-image.tar.
# This file is not built by CI.
#   docker build -t nestedvirt-operator .
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q package -DskipTests -pl operator -am
# The image's Java: a jlink'ed runtime of this JDK, the modules the operator needs and no more.
RUN bash operator/src/image/java-runtime.sh "$JAVA_HOME" /rootfs

# Distroless: the C library and a nonroot user (65532); no shell, no package
# manager. The jlink'ed runtime needs nothing else from it (it brings its own CA certificates).
FROM gcr.io/distroless/base-nossl-debian13:nonroot
COPY --from=build /rootfs/opt/java/openjdk /opt/java/openjdk
COPY --from=build /src/operator/target/nestedvirt-operator.jar /app/nestedvirt-operator.jar
USER 65532:65532
# The heap follows the memory limit; no perf-data files on a read-only root filesystem.
ENTRYPOINT ["/opt/java/openjdk/bin/java", "-XX:MaxRAMPercentage=75", "-XX:-UsePerfData", \
            "--enable-native-access=ALL-UNNAMED", "-jar", "/app/nestedvirt-operator.jar"]
CMD ["--help"]
