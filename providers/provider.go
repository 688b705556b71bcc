package providers

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// Sentinel errors a provider wraps so that callers decide with errors.Is, never by message.
var (
	// ErrSecretNotFound means the remote secret, version or property does not exist. The
	// ExternalSecret's deletionPolicy decides whether that is an error.
	ErrSecretNotFound = errors.New("secret does not exist")
	// ErrNotSupported means the store cannot do what was asked (a find criterion, a metadata
	// policy, a write). It is a configuration error, not worth retrying.
	ErrNotSupported = errors.New("not supported by this provider")
	// ErrUnauthorized means the store refused the credentials. Retrying helps only once the
	// credentials change, which the store watch notices.
	ErrUnauthorized = errors.New("the store refused the credentials")
	// ErrNotModified means the remote value did not change since the last read (HTTP 304);
	// the caller keeps what it has.
	ErrNotModified = errors.New("not modified")
)

// Provider builds Clients for the stores that configure it. One value serves every store of
// its kind; it holds no per-store state.
type Provider interface {
	// NewClient returns a Client for store, authenticated with the credentials the store
	// names. namespace is the namespace of the object being reconciled (an ExternalSecret's);
	// it is where a ClusterSecretStore's credential references without a namespace are read
	// ("referent authentication"). It is empty when the store controller validates a
	// ClusterSecretStore.
	NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (Client, error)

	// ValidateStore checks the store's provider spec without any I/O, for admission. Warnings
	// are shown to the user; an error rejects the store.
	ValidateStore(store esv1.GenericStore) (admission.Warnings, error)

	// Capabilities tells whether stores of this provider can be read, written, or both.
	Capabilities() esv1.SecretStoreCapabilities
}

// Client reads from one store with one set of credentials, for the duration of one reconcile.
type Client interface {
	// GetSecret returns one value. See the package documentation for property, metadata and
	// not-found semantics.
	GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error)
	// GetSecretMap returns the key/value pairs of one remote secret (dataFrom.extract).
	GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error)
	// GetAllSecrets returns every remote secret matching find (dataFrom.find), keyed by
	// remote name.
	GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error)
	// Validate checks the credentials cheaply, for the store controller.
	Validate(ctx context.Context) (esv1.ValidationResult, error)
	// Close releases what the Client holds. It is called exactly once.
	Close(ctx context.Context) error
}

// Writer is implemented by Clients of stores that PushSecret can write to.
type Writer interface {
	// PushSecret writes data.SecretKey of secret (the whole Secret when empty) to
	// data.RemoteKey, optionally into data.Property of a JSON document.
	PushSecret(ctx context.Context, secret *corev1.Secret, data PushData) error
	// DeleteSecret deletes the remote secret, or only ref.Property of it. Deleting something
	// that does not exist succeeds.
	DeleteSecret(ctx context.Context, ref RemoteRef) error
	// SecretExists tells whether the remote secret (or its property) exists.
	SecretExists(ctx context.Context, ref RemoteRef) (bool, error)
}

// RemoteRef addresses a value in a store for writing.
type RemoteRef struct {
	// RemoteKey is the store's name, path or ID of the secret.
	RemoteKey string
	// Property, when set, is a field inside a JSON document stored at RemoteKey.
	Property string
}

// PushData is one value to write: which key of the source Secret, where to, and
// provider-specific metadata (tags, encryption key, ...).
type PushData struct {
	RemoteRef
	// SecretKey is the key of the source Secret to push; empty pushes the whole Secret.
	SecretKey string
	// Metadata is the PushSecret's provider-specific metadata, verbatim.
	Metadata *apiextensionsv1.JSON
}

// CallObserver is told about every request a provider makes to its backend, so that the
// externalsecret_provider_api_calls_count metric counts them. provider and call follow the
// upstream label values (e.g. "Kubernetes", "GetSecret"); err is nil on success.
type CallObserver interface {
	ObserveAPICall(provider, call string, err error)
}

// Prefetcher is implemented by Clients that can read many values in one backend call (AWS
// BatchGetSecretValue). The controller hands it every data[] reference of a sync before
// reading them one by one; the client keeps the values for those reads. An error only means
// the saving is lost: the reads still happen.
type Prefetcher interface {
	Prefetch(ctx context.Context, refs []esv1.ExternalSecretDataRemoteRef) error
}
