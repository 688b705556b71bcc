package onepassword

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/1Password/connect-sdk-go/onepassword"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// GetAllSecrets returns the files and fields of the items that find selects, searching
// the vaults in priority order: an item is selected when its title equals find.path (when
// set) and it carries every tag named by the keys of find.tags (1Password tags are plain
// words, so the values are ignored, as upstream does). Of a selected item, the files and
// the fields whose name matches find.name.regexp (unanchored) are returned, name → content
// or label → value. When two items yield one name, the first wins: the vault with the
// lower priority number, then the order Connect lists items in. An item deleted between
// the list and the read is left out.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	keep := func(string) bool { return true }
	if find.Name != nil && find.Name.RegExp != "" {
		re, err := regexp.Compile(find.Name.RegExp)
		if err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
		keep = re.MatchString
	}
	out := map[string][]byte{}
	for _, vault := range c.vaults {
		if err := c.findInVaultItems(ctx, vault, find, keep, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// findInVaultItems adds to out what find selects in one vault.
func (c *Client) findInVaultItems(ctx context.Context, vault string, find esv1.ExternalSecretFind, keep func(string) bool, out map[string][]byte) error {
	c.mu.Lock()
	vaultID, err := c.vaultID(ctx, vault)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	var summaries []onepassword.Item
	err = c.call(ctx, callGetItems, func() (err error) {
		summaries, err = c.sdk.GetItems(vaultID)
		return err
	})
	if err != nil {
		return fmt.Errorf("listing the items of 1Password vault %q: %w", vault, classify(err, nil))
	}
	for _, s := range summaries {
		if !selected(s, find) {
			continue
		}
		item, err := c.itemByID(ctx, s.ID, vaultID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading 1Password item %q in vault %q: %w", s.Title, vault, classify(err, nil))
		}
		if _, err := c.files(ctx, item, keep, out); err != nil {
			return err
		}
		if _, err := fields(item, keep, out); err != nil {
			return err
		}
	}
	return nil
}

// selected applies find.path and find.tags to an item summary.
func selected(item onepassword.Item, find esv1.ExternalSecretFind) bool {
	if find.Path != nil && *find.Path != "" && *find.Path != item.Title {
		return false
	}
	for tag := range find.Tags {
		if !slices.Contains(item.Tags, tag) {
			return false
		}
	}
	return true
}
