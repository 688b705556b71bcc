// Package fake is the Fake provider (spec.provider.fake): a store whose values are written in
// the store spec itself, plus an in-memory area that PushSecret can write to. It needs no
// backend, which makes it the store for tests, demos and trying out templates.
package fake

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Provider serves every store with spec.provider.fake. It holds the values pushed to each
// store, so that a later client of the same store (the next reconcile) reads them back; the
// values live as long as the process, like a real backend would keep them.
type Provider struct {
	mu       sync.Mutex
	pushed   map[string]map[string][]byte // store identity -> remote key -> value
	observer providers.CallObserver
}

var _ providers.Provider = (*Provider)(nil)

// New returns a Provider with no pushed values. Register one value per process: pushed
// values live in it, so every later client of a store sees them.
func New(opts ...Option) *Provider {
	p := &Provider{pushed: map[string]map[string][]byte{}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Capabilities reports ReadWrite: stores can be read and pushed to.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// ValidateStore checks that the store configures the fake provider and that every value has
// a key, since a value without one can never be read.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := fakeSpec(store)
	if err != nil {
		return nil, err
	}
	for i, d := range spec.Data {
		if d.Key == "" {
			return nil, fmt.Errorf("data[%d]: key must not be empty", i)
		}
	}
	return nil, nil
}

// NewClient returns a client serving store's values and its pushed values. kube and
// namespace are not used: the fake provider has no credentials.
func (p *Provider) NewClient(_ context.Context, store esv1.GenericStore, _ client.Client, _ string) (providers.Client, error) {
	spec, err := fakeSpec(store)
	if err != nil {
		return nil, err
	}
	c := &Client{
		provider: p,
		storeID:  storeID(store),
		defined:  make(map[versionedKey][]byte, len(spec.Data)),
		result:   esv1.ValidationResultReady,
	}
	for _, d := range spec.Data {
		c.defined[versionedKey{key: d.Key, version: d.Version}] = []byte(d.Value)
	}
	if spec.ValidationResult != nil {
		c.result = *spec.ValidationResult
	}
	if p.observer != nil {
		return observedClient{c: c, o: p.observer}, nil
	}
	return c, nil
}

func fakeSpec(store esv1.GenericStore) (*esv1.FakeProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.Fake == nil {
		return nil, errors.New("the store does not configure the fake provider")
	}
	return spec.Provider.Fake, nil
}

// storeID keys the pushed values: two stores never see each other's pushes, and a
// SecretStore never sees a ClusterSecretStore's of the same name.
func storeID(store esv1.GenericStore) string {
	return store.GetKind() + "/" + store.GetNamespace() + "/" + store.GetName()
}

// pushedValue returns a copy of a pushed value.
func (p *Provider) pushedValue(store, key string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.pushed[store][key]
	return append([]byte(nil), v...), ok
}

// pushedKeys lists the keys pushed to a store.
func (p *Provider) pushedKeys(store string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.pushed[store]))
	for k := range p.pushed[store] {
		keys = append(keys, k)
	}
	return keys
}

// update runs fn on a store's pushed values under the lock; fn changes the map in place.
func (p *Provider) update(store string, fn func(values map[string][]byte) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	values := p.pushed[store]
	if values == nil {
		values = map[string][]byte{}
		p.pushed[store] = values
	}
	err := fn(values)
	if len(values) == 0 {
		delete(p.pushed, store)
	}
	return err
}

// versionedKey identifies a value defined in the store spec: a reference must ask for the
// exact version to get it. (A struct rather than key+version concatenated, so "ab"+"" and
// "a"+"b" stay apart.)
type versionedKey struct {
	key     string
	version string
}

// Client reads one fake store and writes to its pushed values.
type Client struct {
	provider *Provider
	storeID  string
	defined  map[versionedKey][]byte
	result   esv1.ValidationResult
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

// GetSecret returns the value of ref.Key at exactly ref.Version, or a value pushed to
// ref.Key when no version is asked for. A missing key, version or property wraps
// providers.ErrSecretNotFound.
func (c *Client) GetSecret(_ context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return nil, fmt.Errorf("fake secrets have no metadata: %w", providers.ErrNotSupported)
	}
	value, ok := c.lookup(ref.Key, ref.Version)
	if !ok {
		if ref.Version != "" {
			return nil, fmt.Errorf("key %q version %q: %w", ref.Key, ref.Version, providers.ErrSecretNotFound)
		}
		return nil, fmt.Errorf("key %q: %w", ref.Key, providers.ErrSecretNotFound)
	}
	if ref.Property == "" {
		return value, nil
	}
	out, err := secretdata.GetProperty(value, ref.Property)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", ref.Key, err)
	}
	return out, nil
}

// lookup finds a store-defined value first, then a pushed one (pushed values have no
// version).
func (c *Client) lookup(key, version string) ([]byte, bool) {
	if v, ok := c.defined[versionedKey{key: key, version: version}]; ok {
		return append([]byte(nil), v...), true
	}
	if version != "" {
		return nil, false
	}
	return c.provider.pushedValue(c.storeID, key)
}

// GetSecretMap reads the value like GetSecret and returns the top-level fields of the JSON
// object it holds.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	value, err := c.GetSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	out, err := secretdata.JSONToMap(value)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", ref.Key, err)
	}
	return out, nil
}

// GetAllSecrets supports find.name only: every key whose name matches the regular
// expression, at its latest version (the greatest version string; pushed values count as
// version ""). Tags and path wrap providers.ErrNotSupported.
func (c *Client) GetAllSecrets(_ context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if len(find.Tags) > 0 || find.Path != nil {
		return nil, fmt.Errorf("the fake provider finds by name only, not by tags or path: %w", providers.ErrNotSupported)
	}
	if find.Name == nil {
		return nil, fmt.Errorf("the fake provider needs find.name: %w", providers.ErrNotSupported)
	}
	re, err := regexp.Compile(find.Name.RegExp)
	if err != nil {
		return nil, fmt.Errorf("find.name.regexp: %w", err)
	}
	latest := map[string]versionedKey{}
	for vk := range c.defined {
		if cur, ok := latest[vk.key]; re.MatchString(vk.key) && (!ok || vk.version > cur.version) {
			latest[vk.key] = vk
		}
	}
	out := make(map[string][]byte, len(latest))
	for key, vk := range latest {
		out[key] = append([]byte(nil), c.defined[vk]...)
	}
	for _, key := range c.provider.pushedKeys(c.storeID) {
		if _, defined := out[key]; !defined && re.MatchString(key) {
			if v, ok := c.provider.pushedValue(c.storeID, key); ok {
				out[key] = v
			}
		}
	}
	return out, nil
}

// Validate returns the result the store spec forces (Ready by default). A forced Unknown or
// Error comes with an error, so the store controller shows the outcome it is testing.
func (c *Client) Validate(context.Context) (esv1.ValidationResult, error) {
	if c.result == esv1.ValidationResultReady {
		return esv1.ValidationResultReady, nil
	}
	return c.result, fmt.Errorf("validation result %s forced by the store spec", c.result)
}

// Close releases nothing: the client holds no connection.
func (c *Client) Close(context.Context) error { return nil }

// definesKey tells whether the store spec defines key at any version.
func (c *Client) definesKey(key string) bool {
	for vk := range c.defined {
		if vk.key == key {
			return true
		}
	}
	return false
}
