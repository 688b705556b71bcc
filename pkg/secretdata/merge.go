package secretdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// rewriteMerge merges the values of in, each a JSON object, into one object and stores it
// as the merge strategy says.
func rewriteMerge(op esv1.ExternalSecretRewriteMerge, in map[string][]byte) (map[string][]byte, error) {
	order, err := mergeOrder(op, in)
	if err != nil {
		return nil, err
	}
	merged, conflicts, err := mergeObjects(order, in)
	if err != nil {
		return nil, err
	}
	if len(conflicts) > 0 && op.ConflictPolicy != esv1.ExternalSecretRewriteMergeConflictPolicyIgnore {
		return nil, fmt.Errorf("merge failed with conflicts: %s", strings.Join(conflicts, ", "))
	}
	switch op.Strategy {
	case esv1.ExternalSecretRewriteMergeStrategyExtract, "":
		out := make(map[string][]byte, len(merged))
		for k, raw := range merged {
			out[k] = fieldText(raw)
		}
		return out, nil
	case esv1.ExternalSecretRewriteMergeStrategyJSON:
		return mergeIntoJSON(op.Into, merged, in)
	default:
		return nil, fmt.Errorf("merge strategy %q is not supported", op.Strategy)
	}
}

// mergeOrder lists the keys to merge: the keys not named in priority in sorted order, then
// the priority keys in the listed order, so that the objects named last win. A priority key
// that is absent fails unless priorityPolicy is IgnoreNotFound; a key listed twice is
// merged once, at its first position.
func mergeOrder(op esv1.ExternalSecretRewriteMerge, in map[string][]byte) ([]string, error) {
	order := make([]string, 0, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if !slices.Contains(op.Priority, k) {
			order = append(order, k)
		}
	}
	for _, k := range op.Priority {
		if slices.Contains(order, k) {
			continue
		}
		if _, ok := in[k]; ok {
			order = append(order, k)
			continue
		}
		if op.PriorityPolicy != esv1.ExternalSecretRewriteMergePriorityPolicyIgnoreNotFound {
			return nil, fmt.Errorf("merge failed with key %q not found in input map", k)
		}
	}
	return order, nil
}

// mergeObjects merges the objects stored under keys, in that order, field by field (later
// objects win), and reports the top-level fields set by more than one object, sorted.
func mergeObjects(keys []string, in map[string][]byte) (map[string]json.RawMessage, []string, error) {
	merged := map[string]json.RawMessage{}
	seen := map[string]bool{}
	var conflicts []string
	for _, key := range keys {
		fields, err := parseObject(in[key])
		if err != nil {
			return nil, nil, fmt.Errorf("merge failed: value of key %q: %w", key, err)
		}
		for field, raw := range fields {
			if _, ok := merged[field]; ok && !seen[field] {
				seen[field] = true
				conflicts = append(conflicts, field)
			}
			merged[field] = raw
		}
	}
	slices.Sort(conflicts)
	return merged, conflicts, nil
}

// mergeIntoJSON keeps the input keys and adds the merged object, as compact JSON with
// sorted fields, under into.
func mergeIntoJSON(into string, merged map[string]json.RawMessage, in map[string][]byte) (map[string][]byte, error) {
	if into == "" {
		return nil, fmt.Errorf("merge failed with missing 'into' field: strategy JSON needs into")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(merged); err != nil {
		// The fields were parsed from valid JSON, so this cannot happen; the cause is left
		// out because encoding/json quotes the offending bytes.
		return nil, fmt.Errorf("merge failed: the merged object could not be encoded")
	}
	out := maps.Clone(in)
	out[into] = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return out, nil
}
