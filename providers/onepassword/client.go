package onepassword

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/1Password/connect-sdk-go/connect"
	"github.com/1Password/connect-sdk-go/onepassword"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Property prefixes that force how a property is read, whatever the item's category.
const (
	fieldPrefix = "field/"
	filePrefix  = "file/"
)

// defaultField is the field read when a reference names no property.
const defaultField = "password"

// itemID matches 1Password's native item (and vault) IDs; the SDK uses the same rule to
// tell an ID from a title.
var itemID = regexp.MustCompile(`^[a-z0-9]{26}$`)

// Client reads items of the store's vaults with one Connect token, for one reconcile. It
// remembers vault IDs, items and file contents it read, so several references to one item
// cost one lookup.
type Client struct {
	sdk      connect.Client
	vaults   []string // vault names, in search order
	observer providers.CallObserver
	// referent is set when the token could not be read for lack of a namespace.
	referent error

	mu       sync.Mutex
	vaultIDs map[string]string
	items    map[string]*onepassword.Item // by remote key
	contents map[string][]byte            // by file content path
}

var _ providers.Client = (*Client)(nil)

func newClient(vaults map[string]int, observer providers.CallObserver) *Client {
	return &Client{
		vaults:   searchOrder(vaults),
		observer: observer,
		vaultIDs: map[string]string{},
		items:    map[string]*onepassword.Item{},
		contents: map[string][]byte{},
	}
}

// searchOrder returns the vault names by ascending priority (then name, so that the order
// is stable even for a store admission did not check).
func searchOrder(vaults map[string]int) []string {
	names := make([]string, 0, len(vaults))
	for name := range vaults {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if vaults[names[i]] != vaults[names[j]] {
			return vaults[names[i]] < vaults[names[j]]
		}
		return names[i] < names[j]
	})
	return names
}

// usable fails for a client built without a token (a referent ClusterSecretStore seen by
// the store controller).
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no Connect token: %w", c.referent)
	}
	return nil
}

// call runs fn, one SDK method, honouring ctx, and reports it to the observer.
func (c *Client) call(ctx context.Context, name string, fn func() error) error {
	err := providers.RunWithContext(ctx, fn)
	if c.observer != nil {
		c.observer.ObserveAPICall(MetricsProvider, name, err)
	}
	return err
}

// GetSecret returns one value of the item ref.Key names (see findItem). ref.Property
// selects it: "field/<label>" a field, "file/<name>" a file, a plain name a file of a
// Document item and a field of any other; no property means the field "password", or the
// first file of a Document. A missing item, field or file is providers.ErrSecretNotFound;
// two fields (or files) with the selected name are an error. Versions and metadataPolicy
// Fetch are not supported.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	item, err := c.readItem(ctx, ref)
	if err != nil {
		return nil, err
	}
	isFile, name := splitProperty(item.Category, ref.Property)
	if isFile {
		return c.file(ctx, item, name)
	}
	return field(item, name)
}

// GetSecretMap returns the fields of the item ref.Key names, label → value, or its files,
// name → content, for a Document item (or a "file/" property). A property keeps only the
// field or file of that name, and is providers.ErrSecretNotFound when there is none.
// Duplicate labels (or file names) among those returned are an error.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	item, err := c.readItem(ctx, ref)
	if err != nil {
		return nil, err
	}
	isFile, name := splitProperty(item.Category, ref.Property)
	var out map[string][]byte
	if isFile {
		out, err = c.files(ctx, item, func(n string) bool { return name == "" || n == name }, nil)
	} else {
		out, err = fields(item, func(l string) bool { return name == "" || l == name }, nil)
	}
	if err != nil {
		return nil, err
	}
	if name != "" && len(out) == 0 {
		return nil, fmt.Errorf("1Password item %q has no %s named %q: %w", item.Title, kindName(isFile), name, providers.ErrSecretNotFound)
	}
	return out, nil
}

// readItem checks what a read reference asks for and finds its item.
func (c *Client) readItem(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (*onepassword.Item, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.Version != "" {
		return nil, fmt.Errorf("remoteRef.version: 1Password items are read at their latest version only: %w", providers.ErrNotSupported)
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return nil, fmt.Errorf("metadataPolicy Fetch: %w", providers.ErrNotSupported)
	}
	if ref.Key == "" {
		return nil, errors.New("the remote key (the 1Password item title or ID) is empty")
	}
	return c.findItem(ctx, ref.Key)
}

// findItem searches the vaults in priority order for the item whose title is key, or whose
// ID is key when key looks like an item ID. The first vault holding it wins; a vault
// holding several items with that title is an error. No vault holding it is
// providers.ErrSecretNotFound.
func (c *Client) findItem(ctx context.Context, key string) (*onepassword.Item, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if item, ok := c.items[key]; ok {
		return item, nil
	}
	for _, vault := range c.vaults {
		vaultID, err := c.vaultID(ctx, vault)
		if err != nil {
			return nil, err
		}
		item, err := c.findInVault(ctx, key, vault, vaultID)
		if err != nil {
			return nil, err
		}
		if item != nil {
			c.items[key] = item
			return item, nil
		}
	}
	return nil, fmt.Errorf("1Password item %q: key not found in 1Password Vaults %s: %w", key, strings.Join(c.vaults, ", "), providers.ErrSecretNotFound)
}

// findInVault returns the item key names in one vault, or nil when the vault has none.
func (c *Client) findInVault(ctx context.Context, key, vault, vaultID string) (*onepassword.Item, error) {
	if itemID.MatchString(key) {
		item, err := c.itemByID(ctx, key, vaultID)
		if err == nil {
			return item, nil
		}
		if !isNotFound(err) {
			return nil, fmt.Errorf("reading 1Password item %q in vault %q: %w", key, vault, classify(err, nil))
		}
		// Not an ID in this vault: it may still be a title.
	}
	var items []onepassword.Item
	err := c.call(ctx, callGetItemsByTitle, func() (err error) {
		items, err = c.sdk.GetItemsByTitle(key, vaultID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("searching 1Password vault %q for item %q: %w", vault, key, classify(err, nil))
	}
	switch len(items) {
	case 0:
		return nil, nil //nolint:nilnil // "not in this vault": the caller tries the next vault
	case 1:
		return &items[0], nil
	default:
		return nil, fmt.Errorf("expected one 1Password Item matching %q in vault %q, got %d", key, vault, len(items))
	}
}

// itemByID reads a whole item (fields, sections, file references).
func (c *Client) itemByID(ctx context.Context, id, vaultID string) (*onepassword.Item, error) {
	var item *onepassword.Item
	err := c.call(ctx, callGetItemByUUID, func() (err error) {
		item, err = c.sdk.GetItemByUUID(id, vaultID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return item, nil
}

// vaultID resolves a vault name to its ID. The caller holds c.mu.
func (c *Client) vaultID(ctx context.Context, name string) (string, error) {
	if id, ok := c.vaultIDs[name]; ok {
		return id, nil
	}
	var vault *onepassword.Vault
	err := c.call(ctx, callGetVault, func() (err error) {
		vault, err = c.sdk.GetVault(name)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("looking up 1Password vault %q: %w", name, classify(err, nil))
	}
	c.vaultIDs[name] = vault.ID
	return vault.ID, nil
}

// splitProperty tells whether property names a file (else a field) and strips its prefix.
func splitProperty(category onepassword.ItemCategory, property string) (isFile bool, name string) {
	switch {
	case strings.HasPrefix(property, fieldPrefix):
		return false, strings.TrimPrefix(property, fieldPrefix)
	case strings.HasPrefix(property, filePrefix):
		return true, strings.TrimPrefix(property, filePrefix)
	default:
		return category == onepassword.Document, property
	}
}

func kindName(isFile bool) string {
	if isFile {
		return "file"
	}
	return "field"
}

// field returns the value of the one field labelled label ("password" when empty).
func field(item *onepassword.Item, label string) ([]byte, error) {
	if label == "" {
		label = defaultField
	}
	var found *onepassword.ItemField
	n := 0
	for _, f := range item.Fields {
		if f.Label == label {
			found = f
			n++
		}
	}
	switch n {
	case 0:
		return nil, fmt.Errorf("1Password item %q has no field labelled %q: %w", item.Title, label, providers.ErrSecretNotFound)
	case 1:
		return []byte(found.Value), nil
	default:
		return nil, fmt.Errorf("expected one 1Password ItemField matching %q in %q, got %d", label, item.Title, n)
	}
}

// fields adds to out (a new map when nil) the fields whose label keep accepts, label →
// value, unless out already has the label (an earlier item won). Fields without a label
// cannot be keyed and are left out; two accepted fields with one label are an error.
func fields(item *onepassword.Item, keep func(string) bool, out map[string][]byte) (map[string][]byte, error) {
	if out == nil {
		out = map[string][]byte{}
	}
	seen := map[string]bool{}
	for _, f := range item.Fields {
		if f.Label == "" || !keep(f.Label) {
			continue
		}
		if seen[f.Label] {
			return nil, fmt.Errorf("expected one 1Password ItemField matching %q in %q, got more", f.Label, item.Title)
		}
		seen[f.Label] = true
		if _, taken := out[f.Label]; !taken {
			out[f.Label] = []byte(f.Value)
		}
	}
	return out, nil
}

// file returns the content of the one file called name, or of the item's first file when
// name is empty.
func (c *Client) file(ctx context.Context, item *onepassword.Item, name string) ([]byte, error) {
	var found *onepassword.File
	n := 0
	for _, f := range item.Files {
		if name == "" {
			found, n = f, 1
			break
		}
		if f.Name == name {
			found = f
			n++
		}
	}
	switch {
	case n == 0 && name == "":
		return nil, fmt.Errorf("1Password item %q has no files: %w", item.Title, providers.ErrSecretNotFound)
	case n == 0:
		return nil, fmt.Errorf("1Password item %q has no file named %q: %w", item.Title, name, providers.ErrSecretNotFound)
	case n > 1:
		return nil, fmt.Errorf("expected one 1Password file named %q in %q, got %d", name, item.Title, n)
	}
	return c.content(ctx, item, found)
}

// files adds to out (a new map when nil) the files whose name keep accepts, name →
// content, unless out already has the name. Two accepted files with one name are an error.
func (c *Client) files(ctx context.Context, item *onepassword.Item, keep func(string) bool, out map[string][]byte) (map[string][]byte, error) {
	if out == nil {
		out = map[string][]byte{}
	}
	seen := map[string]bool{}
	for _, f := range item.Files {
		if f.Name == "" || !keep(f.Name) {
			continue
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("expected one 1Password file named %q in %q, got more", f.Name, item.Title)
		}
		seen[f.Name] = true
		if _, taken := out[f.Name]; taken {
			continue
		}
		content, err := c.content(ctx, item, f)
		if err != nil {
			return nil, err
		}
		out[f.Name] = content
	}
	return out, nil
}

// content downloads a file's content once per Client. The SDK caches the content inside
// the File it is given; it gets a copy, so that an abandoned call (ctx ended) never writes
// to an item this Client shares.
func (c *Client) content(ctx context.Context, item *onepassword.Item, f *onepassword.File) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.contents[f.ContentPath]; ok {
		return b, nil
	}
	file := *f
	var b []byte
	err := c.call(ctx, callGetFileContent, func() (err error) {
		b, err = c.sdk.GetFileContent(&file)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading file %q of 1Password item %q: %w", f.Name, item.Title, classify(err, providers.ErrSecretNotFound))
	}
	c.contents[f.ContentPath] = b
	return b, nil
}

// Validate looks up every vault of the store: Ready when the token can read them all.
// Without a token (referent ClusterSecretStore) it reports Unknown.
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, vault := range c.vaults {
		if _, err := c.vaultID(ctx, vault); err != nil {
			return esv1.ValidationResultError, err
		}
	}
	return esv1.ValidationResultReady, nil
}

// Close releases nothing: the SDK holds no connection of its own (it uses
// http.DefaultClient) and the token is the store's, not one this Client created.
func (c *Client) Close(context.Context) error {
	return nil
}
