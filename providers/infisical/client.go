package infisical

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	infisicalsdk "github.com/infisical/go-sdk"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// closeTimeout bounds the token revocation of Close, which runs even when the reconcile's
// context has ended so that the token does not outlive the Client.
const closeTimeout = 10 * time.Second

// scope is the store's secretsScope, with defaults applied.
type scope struct {
	project     string
	environment string
	path        string // clean absolute folder path
	recursive   bool
	expand      bool
}

func newScope(s esv1.MachineIdentityScopeInWorkspace) scope {
	return scope{
		project:     s.ProjectSlug,
		environment: s.EnvironmentSlug,
		path:        cleanFolder(s.SecretsPath),
		recursive:   s.Recursive,
		expand:      s.ExpandSecretReferences,
	}
}

// cleanFolder makes a folder path absolute and clean; empty is the root.
func cleanFolder(p string) string {
	return path.Clean("/" + p)
}

// address splits a remote key into folder and secret name: a bare name is in the scope's
// folder, "/a/b/NAME" in folder /a/b, and "a/b/NAME" in folder a/b under the scope's folder.
func (s scope) address(key string) (folder, name string, err error) {
	if key == "" {
		return "", "", errors.New("the remote key is empty")
	}
	i := strings.LastIndex(key, "/")
	if i < 0 {
		return s.path, key, nil
	}
	dir, name := key[:i], key[i+1:]
	if name == "" {
		return "", "", fmt.Errorf("the remote key %q ends with a slash: it names a folder, not a secret", key)
	}
	if strings.HasPrefix(key, "/") {
		return cleanFolder(dir), name, nil
	}
	return cleanFolder(path.Join(s.path, dir)), name, nil
}

// Client reads the secrets of one Infisical scope with one access token, for one
// reconcile. It remembers what it read, so several references to one secret cost one call.
type Client struct {
	sdk      infisicalsdk.InfisicalClientInterface
	scope    scope
	observer providers.CallObserver
	// revoke is set when the access token was obtained by logging in, so Close revokes it.
	revoke bool
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error

	mu     sync.Mutex
	reads  map[readKey]readResult
	listed []infisicalsdk.Secret
}

var _ providers.Client = (*Client)(nil)

type readKey struct {
	folder, name string
	version      int
}

type readResult struct {
	secret infisicalsdk.Secret
	err    error
}

func (c *Client) observe(call string, err error) {
	if c.observer != nil {
		c.observer.ObserveAPICall(MetricsProvider, call, err)
	}
}

// usable fails for a client built without credentials (a referent ClusterSecretStore seen
// by the store controller).
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no credentials: %w", c.referent)
	}
	return nil
}

// GetSecret returns the value of the secret ref.Key names (see scope.address), from the
// folder or, failing that, from the folders it imports. ref.Version selects a version
// number; ref.Property a field of a JSON value. With metadataPolicy Fetch the secret's
// metadata (its key/value pairs) is returned instead, as a JSON object or the one value
// ref.Property names. A missing secret, version, property or metadata key is
// providers.ErrSecretNotFound.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	folder, name, err := c.scope.address(ref.Key)
	if err != nil {
		return nil, err
	}
	version, err := parseVersion(ref.Version)
	if err != nil {
		return nil, err
	}
	secret, err := c.retrieve(ctx, folder, name, version)
	if err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return metadataValue(secret, ref)
	}
	value, err := secretdata.GetProperty([]byte(secret.SecretValue), ref.Property)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", ref.Key, err)
	}
	return value, nil
}

// parseVersion accepts Infisical's version numbers; empty (or "latest") is the latest.
func parseVersion(v string) (int, error) {
	if v == "" || v == "latest" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("version %q: Infisical secret versions are numbers starting at 1", v)
	}
	return n, nil
}

// metadataValue renders a secret's metadata for metadataPolicy Fetch.
func metadataValue(secret infisicalsdk.Secret, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	metadata := make(map[string]string, len(secret.SecretMetadata))
	for _, m := range secret.SecretMetadata {
		metadata[m.Key] = m.Value
	}
	if ref.Property == "" {
		out, err := json.Marshal(metadata)
		if err != nil {
			return nil, fmt.Errorf("secret %q: encoding its metadata: %w", ref.Key, err)
		}
		return out, nil
	}
	v, ok := metadata[ref.Property]
	if !ok {
		return nil, fmt.Errorf("secret %q has no metadata key %q: %w", ref.Key, ref.Property, providers.ErrSecretNotFound)
	}
	return []byte(v), nil
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

// retrieve reads one secret once per client; a found secret and a missing one are
// remembered, failures are not.
func (c *Client) retrieve(ctx context.Context, folder, name string, version int) (infisicalsdk.Secret, error) {
	key := readKey{folder: folder, name: name, version: version}
	c.mu.Lock()
	r, ok := c.reads[key]
	c.mu.Unlock()
	if ok {
		return r.secret, r.err
	}
	var secret infisicalsdk.Secret
	err := providers.RunWithContext(ctx, func() (err error) {
		secret, err = c.sdk.Secrets().Retrieve(infisicalsdk.RetrieveSecretOptions{
			ProjectSlug:            c.scope.project,
			Environment:            c.scope.environment,
			SecretPath:             folder,
			SecretKey:              name,
			Version:                version,
			IncludeImports:         true,
			ExpandSecretReferences: c.scope.expand,
		})
		return err
	})
	c.observe(callGetSecret, err)
	if err != nil {
		err = fmt.Errorf("reading secret %q in folder %q: %w", name, folder, describe(err))
		if !errors.Is(err, providers.ErrSecretNotFound) {
			return infisicalsdk.Secret{}, err
		}
		secret = infisicalsdk.Secret{}
	}
	c.mu.Lock()
	c.reads[key] = readResult{secret: secret, err: err}
	c.mu.Unlock()
	return secret, err
}

// GetAllSecrets implements find: every secret of the scope's folder (and of its sub-folders
// when the store is recursive, and of the folders it imports) whose key matches
// find.name.regexp and whose folder path starts with find.path. Results are keyed by secret
// key; when sub-folders hold the same key, the one nearest the scope's folder wins (then the
// lowest folder path), so the result does not depend on the order of the answer. find.tags is
// not supported.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if len(find.Tags) > 0 {
		return nil, fmt.Errorf("find by tags is %w", errNotSupportedByController)
	}
	var re *regexp.Regexp
	if find.Name != nil && find.Name.RegExp != "" {
		var err error
		if re, err = regexp.Compile(find.Name.RegExp); err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
	}
	secrets, err := c.list(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	from := map[string]string{}
	for _, s := range secrets {
		folder := s.SecretPath
		if folder == "" {
			folder = c.scope.path
		}
		if find.Path != nil && !strings.HasPrefix(folder, *find.Path) {
			continue
		}
		if re != nil && !re.MatchString(s.SecretKey) {
			continue
		}
		if prev, seen := from[s.SecretKey]; seen && !nearer(folder, prev) {
			continue
		}
		from[s.SecretKey] = folder
		out[s.SecretKey] = []byte(s.SecretValue)
	}
	return out, nil
}

// nearer orders folders for duplicate keys: fewer levels first, then by path.
func nearer(a, b string) bool {
	da, db := depth(a), depth(b)
	if da != db {
		return da < db
	}
	return a < b
}

func depth(folder string) int {
	if folder == "/" {
		return 0
	}
	return strings.Count(folder, "/")
}

// list reads the scope once per client. Unlike a single read, a 404 here (an unknown
// project or environment) is an error, not "not found".
func (c *Client) list(ctx context.Context) ([]infisicalsdk.Secret, error) {
	c.mu.Lock()
	listed := c.listed
	c.mu.Unlock()
	if listed != nil {
		return listed, nil
	}
	var res infisicalsdk.ListSecretsResult
	err := providers.RunWithContext(ctx, func() (err error) {
		res, err = c.sdk.Secrets().ListSecrets(infisicalsdk.ListSecretsOptions{
			ProjectSlug:            c.scope.project,
			Environment:            c.scope.environment,
			SecretPath:             c.scope.path,
			Recursive:              c.scope.recursive,
			IncludeImports:         true,
			ExpandSecretReferences: c.scope.expand,
			// Keep same-named secrets of different folders: GetAllSecrets picks one
			// deterministically, the SDK would pick one at random.
			SkipUniqueValidation: true,
		})
		return err
	})
	c.observe(callList, err)
	if err != nil {
		return nil, fmt.Errorf("listing the secrets of folder %q: %w", c.scope.path, classify(err, nil))
	}
	secrets := res.Secrets
	if secrets == nil {
		secrets = []infisicalsdk.Secret{}
	}
	c.mu.Lock()
	c.listed = secrets
	c.mu.Unlock()
	return secrets, nil
}

// Validate lists the scope's folder (not recursively): it proves that the token is valid
// and may read the project, environment and folder. A ClusterSecretStore whose credentials
// are per ExternalSecret namespace is Unknown.
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	err := providers.RunWithContext(ctx, func() error {
		_, err := c.sdk.Secrets().ListSecrets(infisicalsdk.ListSecretsOptions{
			ProjectSlug:            c.scope.project,
			Environment:            c.scope.environment,
			SecretPath:             c.scope.path,
			ExpandSecretReferences: c.scope.expand,
		})
		return err
	})
	c.observe(callList, err)
	if err != nil {
		return esv1.ValidationResultError, fmt.Errorf("cannot read secrets of project %q, environment %q, folder %q: %w",
			c.scope.project, c.scope.environment, c.scope.path, classify(err, nil))
	}
	return esv1.ValidationResultReady, nil
}

// Close revokes the access token the client logged in for (a token given by the store is
// left alone). It runs even after the reconcile's context ended, bounded by closeTimeout.
func (c *Client) Close(ctx context.Context) error {
	if c.sdk == nil || !c.revoke {
		return nil
	}
	c.revoke = false
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	err := providers.RunWithContext(ctx, func() error { return c.sdk.Auth().RevokeAccessToken() })
	c.observe(callRevoke, err)
	if err != nil {
		return fmt.Errorf("revoking the Infisical access token: %w", classify(err, nil))
	}
	return nil
}
