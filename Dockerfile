# aicd in a container: a builder stage compiles aic and aicd (Release), a runtime stage from the
# same base carries them with only their shared libraries, curl for the healthcheck, and a
# non-root user. No registry needed when BASE_IMAGE is local: scripts/package-image.sh makes
# aic-base/debian:bookworm with debootstrap and builds this file on it.
#
#   docker build -t aic/aicd:dev .                       # from debian:bookworm (a registry)
#   docker build --build-arg BASE_IMAGE=aic-base/debian:bookworm -t aic/aicd:dev .
#
#   install -d -m 0750 -o 990 -g 990 /run/aic-ctr          # the image's aic user owns the socket
#   docker run -d --name aicd \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /run/aic-ctr:/run/aic -v aicd-state:/var/lib/aic \
#     aic/aicd:dev
#   AIC_HOST=unix:///run/aic-ctr/aicd.sock aic up -d
#
# The docker socket's group is given at run time with --group-add; arguments after the image
# name go to aicd (e.g. --socket-group GID, --log-level debug). See packaging/README.md.
ARG BASE_IMAGE=debian:bookworm

FROM ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# BUILD_JOBS limits the compile jobs (ninja's default is the CPU count + 2; each takes up to
# about 1 GB).
ARG BUILD_JOBS=
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DAIC_BUILD_TESTS=OFF -DAIC_BUILD_BENCH=OFF \
 && cmake --build /build --target aic aicd ${BUILD_JOBS:+-j "$BUILD_JOBS"} \
 && strip /build/bin/aic /build/bin/aicd

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# What `ldd` shows the two binaries need beyond libc/libstdc++, and curl for the healthcheck.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libyaml-cpp0.7 libspdlog1.10 libfmt9 libssl3 curl \
 && rm -rf /var/lib/apt/lists/*
# Fixed ids, so a host can make a matching group for the socket in a bind-mounted /run/aic.
ARG AIC_UID=990
ARG AIC_GID=990
RUN groupadd --system --gid "$AIC_GID" aic \
 && useradd --system --uid "$AIC_UID" --gid aic --home-dir /var/lib/aic \
      --shell /usr/sbin/nologin aic \
 && install -d -o aic -g aic -m 0750 /var/lib/aic \
 && install -d -o aic -g aic -m 0755 /run/aic
COPY --from=build /build/bin/aic /build/bin/aicd /usr/local/bin/
USER aic
VOLUME ["/var/lib/aic", "/run/aic"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "--unix-socket", "/run/aic/aicd.sock", "-fsS", "-o", "/dev/null", \
       "http://localhost/v1/version"]
ENTRYPOINT ["aicd", "--socket", "/run/aic/aicd.sock", "--state-dir", "/var/lib/aic"]
