package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// Page sizes of the SSM listing calls (their maxima).
const (
	getParametersByPathPageSize = 10
	describeParametersPageSize  = 50
)

// GetAllSecrets returns the decrypted value of every parameter under prefix+find.path whose
// name matches find.name.regexp and that carries every tag of find.tags, keyed by parameter
// name without the store prefix. Without tags the path (default "/") is read recursively
// with GetParametersByPath; when that is denied, or with tags, or for a path that is not a
// "/" hierarchy, the names are listed with DescribeParameters and the values read with
// GetParameters, 10 per call.
func (c *ParameterStoreClient) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
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
	if len(find.Tags) > 0 || (path != "" && !strings.HasPrefix(path, "/")) {
		return c.findByDescribe(ctx, path, names, find.Tags)
	}
	if path == "" {
		path = "/"
	}
	out, err := c.findByPath(ctx, path, names)
	if isAccessDenied(err) {
		return c.findByDescribe(ctx, path, names, nil)
	}
	return out, err
}

// findByPath reads every parameter under path with GetParametersByPath, which returns
// values with the names, 10 per call.
func (c *ParameterStoreClient) findByPath(ctx context.Context, path string, names nameFilter) (map[string][]byte, error) {
	pages := ssm.NewGetParametersByPathPaginator(c.ssm, &ssm.GetParametersByPathInput{
		Path:           aws.String(path),
		Recursive:      aws.Bool(true),
		WithDecryption: aws.Bool(true),
		MaxResults:     aws.Int32(getParametersByPathPageSize),
	})
	out := map[string][]byte{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, classify(err, fmt.Sprintf("reading the parameters under %q", path))
		}
		for _, p := range page.Parameters {
			key := strings.TrimPrefix(aws.ToString(p.Name), c.prefix)
			if names.match(key) {
				out[key] = []byte(aws.ToString(p.Value))
			}
		}
	}
	return out, nil
}

// findByDescribe lists the parameters under path carrying tags with DescribeParameters,
// then reads the values of those whose names match.
func (c *ParameterStoreClient) findByDescribe(ctx context.Context, path string, names nameFilter, tags map[string]string) (map[string][]byte, error) {
	pages := ssm.NewDescribeParametersPaginator(c.ssm, &ssm.DescribeParametersInput{
		ParameterFilters: describeFilters(path, tags),
		MaxResults:       aws.Int32(describeParametersPageSize),
	})
	var matched []string
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, classify(err, "listing parameters")
		}
		for _, p := range page.Parameters {
			name := aws.ToString(p.Name)
			if strings.HasPrefix(name, path) && names.match(strings.TrimPrefix(name, c.prefix)) {
				matched = append(matched, name)
			}
		}
	}
	sort.Strings(matched)
	out := make(map[string][]byte, len(matched))
	for _, chunk := range chunks(matched, getParametersLimit) {
		values, err := c.getParameters(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for name, v := range values {
			out[strings.TrimPrefix(name, c.prefix)] = v
		}
	}
	return out, nil
}

// describeFilters selects the parameters under path (recursively for a "/" hierarchy, by
// name prefix otherwise) that carry each tag with its value.
func describeFilters(path string, tags map[string]string) []ssmtypes.ParameterStringFilter {
	var filters []ssmtypes.ParameterStringFilter
	switch {
	case strings.HasPrefix(path, "/") && path != "/":
		filters = append(filters, ssmtypes.ParameterStringFilter{Key: aws.String("Path"), Option: aws.String("Recursive"), Values: []string{path}})
	case path != "" && path != "/":
		filters = append(filters, ssmtypes.ParameterStringFilter{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{path}})
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		filters = append(filters, ssmtypes.ParameterStringFilter{Key: aws.String("tag:" + k), Option: aws.String("Equals"), Values: []string{tags[k]}})
	}
	return filters
}
