package gcp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

var (
	// secretIDChars are the characters of a secret ID; a path with others matches nothing.
	secretIDChars = regexp.MustCompile(`^[a-zA-Z0-9_-]*$`)
	// labelKey and labelValue are Secret Manager's label syntax, which keeps the ListSecrets
	// filter free of characters that would need quoting.
	labelKey   = regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
	labelValue = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`)
)

// GetAllSecrets returns the latest version of every secret of the store's project (and
// location) that matches find, keyed by secret ID. find.Tags are labels that must all be
// present with these values, find.Path a prefix of the secret ID, find.Name.RegExp a
// regular expression matched anywhere in the secret ID; at least a name or tags is
// required. Labels and the path are filtered by Secret Manager, the rest here. Secrets
// without a readable version (none yet, or none enabled under LatestOrFetch) are skipped.
func (c *Client) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	var re *regexp.Regexp
	if find.Name != nil && find.Name.RegExp != "" {
		var err error
		if re, err = regexp.Compile(find.Name.RegExp); err != nil {
			return nil, fmt.Errorf("find.name.regexp: %w", err)
		}
	}
	if re == nil && len(find.Tags) == 0 {
		return nil, errors.New("find needs name.regexp or tags")
	}
	filter, err := listFilter(find)
	if err != nil {
		return nil, err
	}
	it := c.sm.ListSecrets(ctx, &secretmanagerpb.ListSecretsRequest{Parent: c.parent(), Filter: filter})
	out := map[string][]byte{}
	for {
		sec, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, classify(err, fmt.Sprintf("listing the secrets of %s", c.parent()))
		}
		key := shortName(sec.GetName())
		if !matches(sec, key, find, re) {
			continue
		}
		value, err := c.access(ctx, key, "")
		if errors.Is(err, providers.ErrSecretNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[key] = value
	}
}

// listFilter is the ListSecrets filter for find's labels and path.
func listFilter(find esv1.ExternalSecretFind) (string, error) {
	keys := make([]string, 0, len(find.Tags))
	for k := range find.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	terms := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		v := find.Tags[k]
		if !labelKey.MatchString(k) || !labelValue.MatchString(v) {
			return "", fmt.Errorf("find.tags: %q=%q is not a valid Secret Manager label (lowercase letters, digits, - and _; keys start with a letter)", k, v)
		}
		terms = append(terms, "labels."+k+"="+v)
	}
	if find.Path != nil && *find.Path != "" {
		if !secretIDChars.MatchString(*find.Path) {
			return "", fmt.Errorf("find.path %q can never match: secret names contain only letters, digits, - and _", *find.Path)
		}
		terms = append(terms, "name:"+*find.Path)
	}
	return strings.Join(terms, " "), nil
}

// matches applies find to a listed secret: the filter already did most of the work, but
// name: is a substring match and the path a prefix, and checking labels again costs
// nothing.
func matches(sec *secretmanagerpb.Secret, key string, find esv1.ExternalSecretFind, re *regexp.Regexp) bool {
	if find.Path != nil && !strings.HasPrefix(key, *find.Path) {
		return false
	}
	if re != nil && !re.MatchString(key) {
		return false
	}
	for k, v := range find.Tags {
		if got, ok := sec.GetLabels()[k]; !ok || got != v {
			return false
		}
	}
	return true
}
