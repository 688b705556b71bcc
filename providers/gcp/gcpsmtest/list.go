package gcpsmtest

import (
	"encoding/base64"
	"strconv"
	"strings"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// page cuts items to one page after the opaque token, and returns the next token.
func page[T any](items []T, size int32, token string, maxSize int) ([]T, string, error) {
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", status.Error(codes.InvalidArgument, "The page token is invalid.")
		}
		start = n
	}
	n := int(size)
	if n <= 0 {
		n = defaultPageSize
	}
	if maxSize > 0 && n > maxSize {
		n = maxSize
	}
	end := min(start+n, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

// filterSecret evaluates the ListSecrets filter subset: space- or AND-separated terms
// name:SUBSTRING, labels.KEY=VALUE, labels.KEY:SUBSTRING and labels.KEY:*.
func filterSecret(filter string) (func(*secretmanagerpb.Secret) bool, error) {
	var preds []func(*secretmanagerpb.Secret) bool
	for _, term := range strings.Fields(filter) {
		if term == "AND" {
			continue
		}
		field, op, value, err := splitTerm(term)
		if err != nil {
			return nil, err
		}
		switch {
		case field == "name" && op == ":":
			preds = append(preds, func(sec *secretmanagerpb.Secret) bool {
				return strings.Contains(sec.Name[strings.LastIndex(sec.Name, "/")+1:], value)
			})
		case strings.HasPrefix(field, "labels."):
			key := strings.TrimPrefix(field, "labels.")
			preds = append(preds, func(sec *secretmanagerpb.Secret) bool {
				got, ok := sec.Labels[key]
				switch {
				case op == "=":
					return ok && got == value
				case value == "*":
					return ok
				default:
					return ok && strings.Contains(got, value)
				}
			})
		default:
			return nil, status.Errorf(codes.InvalidArgument, "Invalid filter: unsupported field or operator in [%s].", term)
		}
	}
	return func(sec *secretmanagerpb.Secret) bool {
		for _, p := range preds {
			if !p(sec) {
				return false
			}
		}
		return true
	}, nil
}

func splitTerm(term string) (field, op, value string, err error) {
	i := strings.IndexAny(term, ":=")
	if i <= 0 || i == len(term)-1 {
		return "", "", "", status.Errorf(codes.InvalidArgument, "Invalid filter: cannot parse [%s].", term)
	}
	return term[:i], term[i : i+1], strings.Trim(term[i+1:], `"`), nil
}
