package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// base is what the clients of both services share: the key prefix, the credential check and
// the per-client cache of values.
type base struct {
	prefix string
	sts    *sts.Client
	creds  aws.CredentialsProvider
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error
	*readCache
}

// readCache remembers what one client read, so that several data[] entries naming one
// secret cost one call. It lives as long as the client: one reconcile, one set of
// credentials.
type readCache struct {
	mu     sync.Mutex
	values map[string]cached
	tags   map[string]map[string]string
}

// cached is one read remembered for the client's lifetime: a value, or the fact that it
// does not exist.
type cached struct {
	value    []byte
	notFound error
}

// usable fails for a client built without credentials (a referent ClusterSecretStore seen
// by the store controller).
func (b *base) usable() error {
	if b.referent != nil {
		return fmt.Errorf("no credentials: %w", b.referent)
	}
	return nil
}

func (b *readCache) cachedValue(key string) (cached, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.values[key]
	return v, ok
}

func (b *readCache) remember(key string, v cached) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.values == nil {
		b.values = map[string]cached{}
	}
	b.values[key] = v
}

func (b *readCache) cachedTags(name string) (map[string]string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.tags[name]
	return t, ok
}

func (b *readCache) rememberTags(name string, tags map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tags == nil {
		b.tags = map[string]map[string]string{}
	}
	b.tags[name] = tags
}

// forget drops what the client remembers after it wrote, so that a later read sees the
// write.
func (b *readCache) forget() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.values, b.tags = nil, nil
}

// Validate first obtains the credentials (from the store's auth block or the default chain,
// with its roles assumed), then checks them with STS GetCallerIdentity, which every
// identity may call and which costs nothing. It returns Ready when AWS accepts the
// identity; Error (wrapping providers.ErrUnauthorized where AWS refused the credentials)
// when no credentials can be obtained or AWS rejects them; Unknown with the error when STS
// cannot be reached; and Unknown without error for a ClusterSecretStore whose credentials
// are per namespace.
func (b *base) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if b.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	if _, err := b.creds.Retrieve(ctx); err != nil {
		return esv1.ValidationResultError, classify(err, "obtaining AWS credentials")
	}
	_, err := b.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	switch {
	case err == nil:
		return esv1.ValidationResultReady, nil
	case isTransport(err):
		return esv1.ValidationResultUnknown, fmt.Errorf("checking the AWS credentials: %w", err)
	default:
		return esv1.ValidationResultError, classify(err, "checking the AWS credentials")
	}
}

// Close releases nothing: the HTTP transport is shared by the provider and credentials are
// not revocable.
func (b *base) Close(context.Context) error { return nil }

// selectProperty applies ref.Property to a value read from name.
func selectProperty(value []byte, property, name string) ([]byte, error) {
	out, err := secretdata.GetProperty(value, property)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	return out, nil
}

// tagsValue is the result of metadataPolicy Fetch: the tags as a JSON object, or the value
// of the tag the property names.
func tagsValue(tags map[string]string, property, name string) ([]byte, error) {
	if property == "" {
		return json.Marshal(tags)
	}
	v, ok := tags[property]
	if !ok {
		return nil, fmt.Errorf("secret %q has no tag %q: %w", name, property, providers.ErrSecretNotFound)
	}
	return []byte(v), nil
}

// nameFilter is find.name.regexp, compiled. Like upstream, it matches anywhere in the name
// unless anchored.
type nameFilter struct{ re *regexp.Regexp }

func newNameFilter(find esv1.ExternalSecretFind) (nameFilter, error) {
	if find.Name == nil || find.Name.RegExp == "" {
		return nameFilter{}, nil
	}
	re, err := regexp.Compile(find.Name.RegExp)
	if err != nil {
		return nameFilter{}, fmt.Errorf("find.name.regexp: %w", err)
	}
	return nameFilter{re: re}, nil
}

func (f nameFilter) match(name string) bool { return f.re == nil || f.re.MatchString(name) }

// all tells whether the filter lets every name through, so that no listing is needed just
// to filter names.
func (f nameFilter) all() bool {
	if f.re == nil {
		return true
	}
	switch f.re.String() {
	case ".*", "^.*$", "^.*", ".*$":
		return true
	}
	return false
}

// tagsMatch tells whether have carries every tag of want with the same value.
func tagsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// chunks splits names into slices of at most n.
func chunks(names []string, n int) [][]string {
	var out [][]string
	for len(names) > n {
		out = append(out, names[:n])
		names = names[n:]
	}
	if len(names) > 0 {
		out = append(out, names)
	}
	return out
}
