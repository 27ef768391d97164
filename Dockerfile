# syntax=docker/dockerfile:1
#
# Cumulus in a container: built with cgo against libvips (Debian 12's 8.14),
# run on Debian 12 slim with the libvips runtime only.
#
#   docker build -t cumulus .
#   docker run -p 8080:8080 -v cumulus-data:/var/lib/cumulus \
#       -e CLOUDINARY_URL=cloudinary://KEY:SECRET@CLOUD cumulus
#
# For several nodes, add -e CUMULUS_STORE=postgres://… -e CUMULUS_BLOBS=s3://…
# and -e CUMULUS_PUBLIC_URL=https://your.public.host (docs/operations.md).

FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libvips-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Modules first, so a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/cumulus ./cmd/cumulus

FROM debian:bookworm-slim
# libvips42 is the runtime of the libvips-dev the binary was built with;
# ca-certificates lets it verify PostgreSQL and S3 over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvips42 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/cumulus --create-home cumulus
COPY --from=build /out/cumulus /usr/local/bin/cumulus
USER cumulus
WORKDIR /var/lib/cumulus
# The data folder holds SQLite and the blobs in a single-node setup, and
# upload spools in every setup.
ENV CUMULUS_ADDR=0.0.0.0:8080 \
    CUMULUS_DATA=/var/lib/cumulus
VOLUME ["/var/lib/cumulus"]
EXPOSE 8080
# serve stops gracefully on SIGTERM (what docker stop sends).
ENTRYPOINT ["cumulus"]
CMD ["serve"]
