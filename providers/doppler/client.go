package doppler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// SecretsFileKey is the one key GetAllSecrets returns when the store sets a format: the
// downloaded file, as upstream External Secrets names it.
const SecretsFileKey = "DOPPLER_SECRETS_FILE"

// errNotSupportedByController wraps providers.ErrNotSupported with the wording users see.
var errNotSupportedByController = fmt.Errorf("not supported by this controller (%w)", providers.ErrNotSupported)

// Client reads the secrets of one Doppler config with one token, for one reconcile. It
// remembers the values it read, so several references to one secret cost one call.
type Client struct {
	provider *Provider
	api      *api
	spec     *esv1.DopplerProvider
	// key is the ETag cache key of this client's store and credentials, without the query.
	key etagKey
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error

	mu     sync.Mutex
	values map[string]string // secret name → value, as downloaded
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

func (c *Client) observe(call string, err error) {
	if c.provider.observer != nil {
		c.provider.observer.ObserveAPICall(MetricsProvider, call, err)
	}
}

// usable fails for a client built without credentials (a referent ClusterSecretStore seen
// by the store controller).
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no Doppler token: %w", c.referent)
	}
	return nil
}

// fetch downloads q, conditionally when the ETag cache holds an earlier download of it: a
// 304 answer is served from the cache.
func (c *Client) fetch(ctx context.Context, q downloadQuery) ([]byte, error) {
	key := c.key
	key.query = q
	cached, ok := c.provider.etags.get(key)
	etag := ""
	if ok {
		etag = cached.etag
	}
	d, err := c.api.download(ctx, q, etag)
	c.observe(callDownload, err)
	if err != nil {
		return nil, err
	}
	if d.notModified {
		if !ok {
			// Only possible if the server ignores the missing If-None-Match.
			return nil, errors.New("the Doppler API answered 304 Not Modified to an unconditional download")
		}
		return cached.body, nil
	}
	c.provider.etags.put(key, d.etag, d.body)
	return d.body, nil
}

// fetchJSON downloads q as a JSON object of secret names to values.
func (c *Client) fetchJSON(ctx context.Context, q downloadQuery) (map[string]string, error) {
	body, err := c.fetch(ctx, q)
	if err != nil {
		return nil, err
	}
	var secrets map[string]string
	if err := json.Unmarshal(body, &secrets); err != nil {
		return nil, errors.New("the downloaded secrets are not the JSON object of strings Doppler sends")
	}
	return secrets, nil
}

// GetSecret returns the value of the secret named ref.Key (its name as stored in Doppler:
// the store's nameTransformer does not apply), or with ref.Property one field of its JSON
// value. A missing secret or property is providers.ErrSecretNotFound. Doppler has no
// versions or metadata to select, so ref.Version and metadataPolicy Fetch are refused.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.Version != "" {
		return nil, fmt.Errorf("secret %q: selecting a version is %w: the Doppler API serves the current value only", ref.Key, errNotSupportedByController)
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return nil, fmt.Errorf("secret %q: metadataPolicy Fetch is %w: Doppler secrets carry no metadata", ref.Key, errNotSupportedByController)
	}
	value, err := c.value(ctx, ref.Key)
	if err != nil {
		return nil, err
	}
	out, err := secretdata.GetProperty([]byte(value), ref.Property)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", ref.Key, err)
	}
	return out, nil
}

// value reads one secret once per client: a conditional download restricted to that
// secret, so an unchanged secret costs a 304.
func (c *Client) value(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", errors.New("the remote key (a Doppler secret name) is empty")
	}
	c.mu.Lock()
	v, ok := c.values[name]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	secrets, err := c.fetchJSON(ctx, downloadQuery{project: c.spec.Project, config: c.spec.Config, secret: name})
	if err != nil {
		return "", fmt.Errorf("reading secret %q: %w", name, err)
	}
	v, ok = secrets[name]
	if !ok {
		return "", fmt.Errorf("secret %q: %w", name, providers.ErrSecretNotFound)
	}
	c.mu.Lock()
	c.values[name] = v
	c.mu.Unlock()
	return v, nil
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

// GetAllSecrets implements find over the whole config, downloaded with the store's
// nameTransformer (Doppler renames the secrets) and format. Without a format the result is
// keyed by (transformed) secret name, filtered by find.name.regexp and by find.path as a
// name prefix. With a format it is the one key SecretsFileKey holding the file; the
// filters then apply to that key, as upstream does. find.tags is not supported.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if len(find.Tags) > 0 {
		return nil, fmt.Errorf("find by tags is %w: Doppler secrets have no tags", errNotSupportedByController)
	}
	var re *regexp.Regexp
	if find.Name != nil && find.Name.RegExp != "" {
		var err error
		if re, err = regexp.Compile(find.Name.RegExp); err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
	}
	q := c.allQuery()
	all := map[string]string{}
	if q.format != "" {
		body, err := c.fetch(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("downloading the secrets as %s: %w", q.format, err)
		}
		all[SecretsFileKey] = string(body)
	} else {
		secrets, err := c.fetchJSON(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("downloading the secrets: %w", err)
		}
		all = secrets
	}
	out := map[string][]byte{}
	for name, v := range all {
		if re != nil && !re.MatchString(name) {
			continue
		}
		if find.Path != nil && !strings.HasPrefix(name, *find.Path) {
			continue
		}
		out[name] = []byte(v)
	}
	return out, nil
}

// allQuery is the download of the whole config as the store configures it.
func (c *Client) allQuery() downloadQuery {
	return downloadQuery{project: c.spec.Project, config: c.spec.Config, format: c.spec.Format, nameTransformer: c.spec.NameTransformer}
}

// Validate downloads the store's config (conditionally, so usually a 304): it proves that
// the token is valid and may read the project and config. A ClusterSecretStore whose
// credentials are per ExternalSecret namespace is Unknown.
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	if _, err := c.fetch(ctx, c.allQuery()); err != nil {
		return esv1.ValidationResultError, fmt.Errorf("cannot read the secrets of the Doppler config: %w", err)
	}
	return esv1.ValidationResultReady, nil
}

// Close releases nothing: a token read from a Secret is not ours, and an OIDC token expires
// on its own (Doppler has no revocation for it).
func (c *Client) Close(context.Context) error {
	return nil
}
