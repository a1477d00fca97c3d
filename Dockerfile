# syntax=docker/dockerfile:1
#
# Illuwa as a container: `docker build -t illuwa .` then
# `docker run -p 8080:8080 -v illuwa-data:/data illuwa` (SQLite in /data), or
# `docker compose up` for MariaDB + Redis + two instances behind a load balancer.

# ---- build ------------------------------------------------------------------
# The Go version here follows go.mod's `go` line (docs/deploy_test.go checks it).
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=1

# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

# The same target CI's toolchain uses. There is no .git in the context, so the
# version comes from the build argument.
ARG VERSION=dev
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    make build VERSION="${VERSION}"

# ---- run --------------------------------------------------------------------
FROM debian:bookworm-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates tzdata; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 illuwa; \
    useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin illuwa; \
    install -d -o 10001 -g 10001 -m 0750 /data

COPY --from=build /src/illuwa /usr/local/bin/illuwa

ENV ILLUWA_DATA_DIR=/data \
    ILLUWA_ADDR=:8080
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/illuwa", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/illuwa"]
CMD ["serve"]
