package gcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// VersionLatest is the alias Secret Manager resolves to the newest version; it is read when
// remoteRef.version is empty.
const VersionLatest = "latest"

// Properties of metadataPolicy Fetch: the whole label or annotation map, or one entry with
// "labels.<key>" / "annotations.<key>".
const (
	metadataLabels      = "labels"
	metadataAnnotations = "annotations"
)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// Client reads and writes the secrets of one project (and location) with one access
// token, for one reconcile.
type Client struct {
	sm       *secretmanager.Client
	project  string
	location string
	policy   esv1.SecretVersionSelectionPolicy
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error
	cache    *readCache
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

// GetSecret returns the payload of version ref.Version (a number or an alias, "latest"
// when empty) of secret ref.Key, or one field of it with ref.Property. With
// secretVersionSelectionPolicy LatestOrFetch, a latest version that is disabled or
// destroyed is replaced by the newest enabled one. With metadataPolicy Fetch the secret's
// labels and annotations are returned instead: {"annotations":{...},"labels":{...}}, or
// the map or entry ref.Property names (labels, annotations, labels.<key>,
// annotations.<key>). A missing secret, version, property, label or annotation is
// providers.ErrSecretNotFound.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		sec, err := c.secret(ctx, ref.Key)
		if err != nil {
			return nil, err
		}
		return metadataValue(sec, ref.Property, ref.Key)
	}
	value, err := c.access(ctx, ref.Key, ref.Version)
	if err != nil {
		return nil, err
	}
	out, err := secretdata.GetProperty(value, ref.Property)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", ref.Key, err)
	}
	return out, nil
}

// GetSecretMap returns the top-level fields of the JSON object GetSecret returns.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	value, err := c.GetSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	m, err := secretdata.JSONToMap(value)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", ref.Key, err)
	}
	return m, nil
}

// Validate reports Ready: the access token was obtained when the client was built, which
// already proved the credentials. A ClusterSecretStore whose credentials are per namespace
// is Unknown.
func (c *Client) Validate(context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	return esv1.ValidationResultReady, nil
}

// Close closes the gRPC connection of the client.
func (c *Client) Close(context.Context) error {
	if c.sm == nil {
		return nil
	}
	return c.sm.Close()
}

// usable fails for a client built without credentials (a referent ClusterSecretStore seen
// by the store controller).
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no credentials: %w", c.referent)
	}
	return nil
}

// parent is where the store's secrets live: projects/P or projects/P/locations/L.
func (c *Client) parent() string {
	if c.location != "" {
		return "projects/" + c.project + "/locations/" + c.location
	}
	return "projects/" + c.project
}

func (c *Client) secretName(key string) string { return c.parent() + "/secrets/" + key }

func (c *Client) versionName(key, version string) string {
	if version == "" {
		version = VersionLatest
	}
	return c.secretName(key) + "/versions/" + version
}

// shortName is the secret ID at the end of a resource name.
func shortName(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// access reads one version of a secret, once per client.
func (c *Client) access(ctx context.Context, key, version string) ([]byte, error) {
	if key == "" {
		return nil, errors.New("a remote key (the secret name) is required")
	}
	name := c.versionName(key, version)
	if v, ok := c.cache.value(name); ok {
		return v.value, v.err
	}
	value, err := c.accessVersion(ctx, name)
	if err != nil && c.policy == esv1.SecretVersionSelectionPolicyLatestOrFetch &&
		(version == "" || version == VersionLatest) && isUnusableVersion(err) {
		value, err = c.accessNewestEnabled(ctx, key)
	}
	if err == nil || errors.Is(err, providers.ErrSecretNotFound) {
		c.cache.remember(name, cached{value: value, err: err})
	}
	return value, err
}

func (c *Client) accessVersion(ctx context.Context, name string) ([]byte, error) {
	resp, err := c.sm.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("reading secret version %s", name))
	}
	data := resp.GetPayload().GetData()
	if sum := resp.GetPayload().DataCrc32C; sum != nil && int64(crc32.Checksum(data, crc32c)) != *sum {
		return nil, fmt.Errorf("reading secret version %s: the payload does not match its CRC32C checksum", name)
	}
	return data, nil
}

// isUnusableVersion tells a version that exists but cannot be read because it is disabled
// or destroyed (FailedPrecondition "... is in DISABLED state.").
func isUnusableVersion(err error) bool {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.FailedPrecondition {
		return false
	}
	return strings.Contains(st.Message(), "DISABLED") || strings.Contains(st.Message(), "DESTROYED")
}

// accessNewestEnabled reads the newest enabled version of a secret (LatestOrFetch).
func (c *Client) accessNewestEnabled(ctx context.Context, key string) ([]byte, error) {
	it := c.sm.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{
		Parent: c.secretName(key),
		Filter: "state:ENABLED",
	})
	var newest *secretmanagerpb.SecretVersion
	for {
		v, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, classify(err, fmt.Sprintf("listing the versions of secret %s", c.secretName(key)))
		}
		if v.GetState() == secretmanagerpb.SecretVersion_ENABLED && (newest == nil || v.GetCreateTime().AsTime().After(newest.GetCreateTime().AsTime())) {
			newest = v
		}
	}
	if newest == nil {
		return nil, fmt.Errorf("secret %s has no enabled version: %w", c.secretName(key), providers.ErrSecretNotFound)
	}
	return c.accessVersion(ctx, newest.GetName())
}

// secret reads a secret's metadata, once per client.
func (c *Client) secret(ctx context.Context, key string) (*secretmanagerpb.Secret, error) {
	if key == "" {
		return nil, errors.New("a remote key (the secret name) is required")
	}
	name := c.secretName(key)
	if s, ok := c.cache.secret(name); ok {
		return s, nil
	}
	sec, err := c.sm.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: name})
	if err != nil {
		return nil, classify(err, fmt.Sprintf("reading secret %s", name))
	}
	c.cache.rememberSecret(name, sec)
	return sec, nil
}

// metadataValue is the result of metadataPolicy Fetch.
func metadataValue(sec *secretmanagerpb.Secret, property, key string) ([]byte, error) {
	labels, annotations := nonNil(sec.GetLabels()), nonNil(sec.GetAnnotations())
	switch {
	case property == "":
		return json.Marshal(map[string]map[string]string{metadataAnnotations: annotations, metadataLabels: labels})
	case property == metadataLabels:
		return json.Marshal(labels)
	case property == metadataAnnotations:
		return json.Marshal(annotations)
	case strings.HasPrefix(property, metadataLabels+"."):
		return entry(labels, strings.TrimPrefix(property, metadataLabels+"."), "label", key)
	case strings.HasPrefix(property, metadataAnnotations+"."):
		return entry(annotations, strings.TrimPrefix(property, metadataAnnotations+"."), "annotation", key)
	default:
		return nil, fmt.Errorf("secret %q: property %q is not valid with metadataPolicy Fetch: use labels, annotations, labels.<key> or annotations.<key>", key, property)
	}
}

func entry(m map[string]string, k, kind, key string) ([]byte, error) {
	v, ok := m[k]
	if !ok {
		return nil, fmt.Errorf("secret %q has no %s %q: %w", key, kind, k, providers.ErrSecretNotFound)
	}
	return []byte(v), nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// classify wraps a Secret Manager error with what was being done, and with the sentinel
// its status code means: NotFound is providers.ErrSecretNotFound; PermissionDenied and
// Unauthenticated are providers.ErrUnauthorized. Status messages name resources, never
// payloads.
func classify(err error, what string) error {
	switch status.Code(err) {
	case codes.NotFound:
		return fmt.Errorf("%s: %w: %w", what, providers.ErrSecretNotFound, err)
	case codes.PermissionDenied, codes.Unauthenticated:
		return fmt.Errorf("%s: %w: %w", what, providers.ErrUnauthorized, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// readCache remembers what one client read, so that several data[] entries naming one
// secret cost one call. It lives as long as the client: one reconcile, one token.
type readCache struct {
	mu      sync.Mutex
	values  map[string]cached
	secrets map[string]*secretmanagerpb.Secret
}

// cached is a version's payload, or the fact that it does not exist.
type cached struct {
	value []byte
	err   error
}

func (r *readCache) value(name string) (cached, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.values[name]
	return v, ok
}

func (r *readCache) remember(name string, v cached) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil {
		r.values = map[string]cached{}
	}
	r.values[name] = v
}

func (r *readCache) secret(name string) (*secretmanagerpb.Secret, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.secrets[name]
	return s, ok
}

func (r *readCache) rememberSecret(name string, s *secretmanagerpb.Secret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = map[string]*secretmanagerpb.Secret{}
	}
	r.secrets[name] = s
}

// forget drops everything after a write, so that later reads see it.
func (r *readCache) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.values, r.secrets = nil, nil
}
