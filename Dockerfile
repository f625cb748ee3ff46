# postload: one static binary on distroless, run as the non-root user 65532.
#   docker build -t postload .
#   docker run --rm -p 8080:8080 -e POSTLOAD_BROKERS=... postload        (serve)
#   docker run --rm postload token create --client 116078 --tokens-file /data/tokens

# --- build -------------------------------------------------------------------
FROM golang:1.26 AS build
WORKDIR /src

# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/postload ./cmd/postload \
 && mkdir -p /out/data

# --- run ---------------------------------------------------------------------
# distroless/static: CA certificates, tzdata, /etc/passwd with nonroot
# (65532), and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/postload /postload
# /data (POSTLOAD_DATA_DIR) owned by 65532: a named volume mounted there
# starts as a copy of it, so the service can write to it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/postload"]
CMD ["serve"]
