# The external-secrets image, for building with a container engine:
#
#   docker build -t external-secrets:dev .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REPO:TAG --push .
#
# One static binary on distroless/static (CA certificates, /etc/passwd, no shell), run as the
# nonroot user 65532. `make image` builds the same image without a container engine or a base
# image pull (hack/tools/image); its tests check that this file and that image agree on the
# binary's path, the entrypoint and the user.
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w" -o /out/external-secrets ./cmd/external-secrets

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/external-secrets /bin/external-secrets
USER 65532:65532
ENTRYPOINT ["/bin/external-secrets"]
