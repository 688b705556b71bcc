package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	kjson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/util/jsonpath"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
)

// ErrNoMatch means result.jsonPath selected nothing in the response. It is not "secret not
// found": an endpoint answering 200 with an unexpected document (an error object, say) must
// not make an ExternalSecret with deletionPolicy Delete delete its target.
var ErrNoMatch = errors.New("result.jsonPath matched nothing in the response")

// safeJSONPathErrors are the messages of k8s.io/client-go/util/jsonpath built from the
// expression and types only; any other message may quote a value of the response.
var safeJSONPathErrors = []*regexp.Regexp{
	regexp.MustCompile(`^.* is not found$`),
	regexp.MustCompile(`^array index out of bounds: index -?\d+, length \d+$`),
	regexp.MustCompile(`^starting index -?\d+ is greater than ending index -?\d+$`),
	regexp.MustCompile(`^step must be > 0$`),
	regexp.MustCompile(`^\S+ is not array or slice$`),
}

// missing matches the jsonpath messages that mean "nothing there".
var missing = regexp.MustCompile(`is not found$|^array index out of bounds`)

// selectJSON applies path to the JSON document body and returns what it selects, in order.
// path is JSONPath as upstream writes it ("$.data.password"), or a Kubernetes JSONPath
// template ("{.data.password}"): a path without braces is wrapped in them. Filters, wildcards
// and recursive descent select several values. Numbers decode to int64 when whole.
func selectJSON(body []byte, path string) ([]any, error) {
	var doc any
	if err := kjson.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the response is not JSON: %w", jsonSyntax(err))
	}
	jp := jsonpath.New("result.jsonPath")
	if err := jp.Parse(bracePath(path)); err != nil {
		return nil, fmt.Errorf("result.jsonPath %q is not a valid JSONPath: %w", path, err)
	}
	sets, err := findResults(jp, doc)
	if err != nil {
		msg := safeJSONPathMessage(err)
		if missing.MatchString(msg) {
			return nil, fmt.Errorf("%w: %q: %s", ErrNoMatch, path, msg)
		}
		return nil, fmt.Errorf("applying result.jsonPath %q: %s", path, msg)
	}
	if len(sets) != 1 {
		return nil, fmt.Errorf("result.jsonPath %q must be one expression, without text around it", path)
	}
	out := make([]any, 0, len(sets[0]))
	for _, v := range sets[0] {
		if !v.IsValid() {
			out = append(out, nil)
			continue
		}
		out = append(out, v.Interface())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoMatch, path)
	}
	return out, nil
}

// bracePath turns upstream's JSONPath into the template form the Kubernetes parser reads.
func bracePath(path string) string {
	path = strings.TrimSpace(path)
	if strings.Contains(path, "{") {
		return path
	}
	return "{" + path + "}"
}

// findResults runs the JSONPath; the path is written by users, so a panic in the library is
// turned into an error rather than taking the reconcile down.
func findResults(jp *jsonpath.JSONPath, doc any) (sets [][]reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			sets, err = nil, errors.New("the expression cannot be evaluated")
		}
	}()
	return jp.FindResults(doc)
}

func safeJSONPathMessage(err error) string {
	msg := err.Error()
	for _, re := range safeJSONPathErrors {
		if re.MatchString(msg) {
			return msg
		}
	}
	return "the response does not have the shape the expression expects"
}

// jsonSyntax keeps only the position of a JSON syntax error: encoding/json quotes the
// offending character, which belongs to the response.
func jsonSyntax(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at byte offset %d", syntax.Offset)
	}
	return errors.New("invalid JSON")
}

// valueAt is GetSecret with a jsonPath: the first selected value as text. Strings are raw,
// numbers and booleans formatted, null empty, objects JSON; an array stands for its first
// element (upstream's behaviour, kept for filter expressions written for it).
func valueAt(body []byte, path string) ([]byte, error) {
	values, err := selectJSON(body, path)
	if err != nil {
		return nil, err
	}
	return scalar(values[0], path)
}

func scalar(v any, path string) ([]byte, error) {
	switch val := v.(type) {
	case nil:
		return []byte{}, nil
	case string:
		return []byte(val), nil
	case bool:
		return []byte(strconv.FormatBool(val)), nil
	case int64:
		return []byte(strconv.FormatInt(val, 10)), nil
	case float64:
		return []byte(strconv.FormatFloat(val, 'f', -1, 64)), nil
	case []any:
		if len(val) == 0 {
			return nil, fmt.Errorf("%w: %q selects an empty array", ErrNoMatch, path)
		}
		return scalar(val[0], path)
	case map[string]any:
		return marshalJSON(val)
	default:
		return nil, fmt.Errorf("result.jsonPath %q selects a value of unexpected type %T", path, v)
	}
}

// objectAt is GetSecretMap: the response (or, with a jsonPath, the first value it selects,
// parsed as JSON again when it is a string) must be a JSON object; its fields become
// key/value pairs with the conventions of secretdata.JSONToMap.
func objectAt(body []byte, path string) (map[string][]byte, error) {
	if path == "" {
		return objectFields(body)
	}
	values, err := selectJSON(body, path)
	if err != nil {
		return nil, err
	}
	if s, ok := values[0].(string); ok {
		return objectFields([]byte(s))
	}
	doc, err := marshalJSON(values[0])
	if err != nil {
		return nil, fmt.Errorf("encoding what result.jsonPath %q selects: %w", path, err)
	}
	return objectFields(doc)
}

// marshalJSON encodes without HTML escaping, so that values keep their characters.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func objectFields(doc []byte) (map[string][]byte, error) {
	out, err := secretdata.JSONToMap(doc)
	if err != nil {
		return nil, fmt.Errorf("reading the response as key/value pairs: %w", err)
	}
	return out, nil
}
