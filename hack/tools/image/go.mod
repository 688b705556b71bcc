// Module image assembles the container image of external-secrets without a container engine
// (`make image`), and its tests check the result (`make test-image`). Kept apart from the main
// module so go-containerregistry never enters the product's dependency graph.
module github.com/seedb5e69c69/external-secrets/hack/tools/image

go 1.26.0

require github.com/google/go-containerregistry v0.22.1

require (
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
