# Builds aic and aicd on Debian 12 and ships them in a slim runtime image.
#   docker build -t aic .
#   docker run --rm -v "$PWD:/work" -w /work aic config
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libyaml-cpp-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIC_BUILD_TESTS=OFF \
      -DAIC_BUILD_BENCH=OFF \
 && cmake --build build

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libyaml-cpp0.7 libcurl4 libspdlog1.10 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/bin/aic /src/build/bin/aicd /usr/local/bin/
ENTRYPOINT ["aic"]
