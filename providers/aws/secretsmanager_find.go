package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// listSecretsPageSize is the largest ListSecrets page.
const listSecretsPageSize = 100

// errFindCriteria is returned for a find that sets no criterion, which would read every
// secret of the account.
var errFindCriteria = errors.New("find needs at least one of name, tags or path")

// GetAllSecrets returns the current value of every secret under prefix+find.path whose name
// matches find.name.regexp and that carries every tag of find.tags (each key with its
// value, checked pairwise, not AWS's independent tag-key/tag-value filters), keyed by secret
// name without the store prefix. Values are read with BatchGetSecretValue, 20 per call:
// directly by path filter when only a path (or a match-everything regexp) is given,
// otherwise after a ListSecrets (100 names per call) that selects the names.
func (c *SecretsManagerClient) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if find.Name == nil && len(find.Tags) == 0 && find.Path == nil {
		return nil, errFindCriteria
	}
	names, err := newNameFilter(find)
	if err != nil {
		return nil, err
	}
	path := c.prefix + aws.ToString(find.Path)
	if len(find.Tags) == 0 && names.all() && path != "" && !c.denials.denied(c.scope) {
		out, err := c.batchByPath(ctx, path)
		if !isAccessDenied(err) {
			return out, err
		}
		c.noteDenial(err)
	}
	ids, err := c.listMatching(ctx, path, names, find.Tags)
	if err != nil {
		return nil, err
	}
	return c.readAll(ctx, ids)
}

// readAll reads the current value of each secret, 20 per BatchGetSecretValue call, or one
// by one when the identity may not call BatchGetSecretValue.
func (c *SecretsManagerClient) readAll(ctx context.Context, ids []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(ids))
	for _, chunk := range chunks(ids, batchGetLimit) {
		if !c.denials.denied(c.scope) {
			err := c.batchGetInto(ctx, chunk, out)
			if err == nil {
				continue
			}
			if !isAccessDenied(err) {
				return nil, err
			}
			c.noteDenial(err)
		}
		for _, id := range chunk {
			v, err := c.value(ctx, id, "")
			if errors.Is(err, providers.ErrSecretNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[strings.TrimPrefix(id, c.prefix)] = v
		}
	}
	return out, nil
}

// batchByPath reads every secret whose name starts with path, with BatchGetSecretValue's
// name filter (which AWS matches by prefix; the prefix is checked again here).
func (c *SecretsManagerClient) batchByPath(ctx context.Context, path string) (map[string][]byte, error) {
	out := map[string][]byte{}
	pages := secretsmanager.NewBatchGetSecretValuePaginator(c.sm, &secretsmanager.BatchGetSecretValueInput{
		Filters:    []smtypes.Filter{{Key: smtypes.FilterNameStringTypeName, Values: []string{path}}},
		MaxResults: aws.Int32(batchGetLimit),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, classify(err, fmt.Sprintf("reading the secrets under %q", path))
		}
		for _, v := range page.SecretValues {
			name := aws.ToString(v.Name)
			if strings.HasPrefix(name, path) {
				out[strings.TrimPrefix(name, c.prefix)] = payload(v.SecretString, v.SecretBinary)
			}
		}
	}
	return out, nil
}

// listMatching lists the names of the secrets under path that match names and tags. The
// AWS filters narrow the listing; the exact checks are made here.
func (c *SecretsManagerClient) listMatching(ctx context.Context, path string, names nameFilter, tags map[string]string) ([]string, error) {
	pages := secretsmanager.NewListSecretsPaginator(c.sm, &secretsmanager.ListSecretsInput{
		Filters:    listFilters(path, tags),
		MaxResults: aws.Int32(listSecretsPageSize),
	})
	var ids []string
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, classify(err, "listing secrets")
		}
		for _, s := range page.SecretList {
			name := aws.ToString(s.Name)
			if s.DeletedDate != nil || !strings.HasPrefix(name, path) {
				continue
			}
			if names.match(strings.TrimPrefix(name, c.prefix)) && tagsMatch(tagMap(s.Tags), tags) {
				ids = append(ids, name)
			}
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// listFilters narrows ListSecrets to the path and the tags; tag keys and values are
// filtered independently by AWS, so the pairs are checked again after listing.
func listFilters(path string, tags map[string]string) []smtypes.Filter {
	var filters []smtypes.Filter
	if path != "" {
		filters = append(filters, smtypes.Filter{Key: smtypes.FilterNameStringTypeName, Values: []string{path}})
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		filters = append(filters,
			smtypes.Filter{Key: smtypes.FilterNameStringTypeTagKey, Values: []string{k}},
			smtypes.Filter{Key: smtypes.FilterNameStringTypeTagValue, Values: []string{tags[k]}},
		)
	}
	return filters
}

// batchGetInto reads up to 20 secrets by name into out, keyed without the store prefix. A
// secret deleted since it was listed is skipped; any other per-secret error fails the find,
// since a partial result would silently drop keys from the target.
func (c *SecretsManagerClient) batchGetInto(ctx context.Context, ids []string, out map[string][]byte) error {
	in := &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids}
	for {
		page, err := c.sm.BatchGetSecretValue(ctx, in)
		if err != nil {
			return classify(err, fmt.Sprintf("batch reading %d secrets", len(ids)))
		}
		for _, v := range page.SecretValues {
			out[strings.TrimPrefix(aws.ToString(v.Name), c.prefix)] = payload(v.SecretString, v.SecretBinary)
		}
		for _, e := range page.Errors {
			if !notFoundCode(aws.ToString(e.ErrorCode), aws.ToString(e.Message)) {
				return batchError(e)
			}
		}
		if page.NextToken == nil {
			return nil
		}
		in.NextToken = page.NextToken
	}
}

// batchError describes one secret a batch call could not read.
func batchError(e smtypes.APIErrorType) error {
	code := aws.ToString(e.ErrorCode)
	err := fmt.Errorf("reading secret %q: %s: %s", aws.ToString(e.SecretId), code, aws.ToString(e.Message))
	if unauthorizedCodes[code] {
		return fmt.Errorf("%w: %w", providers.ErrUnauthorized, err)
	}
	return err
}
