package gcpsmtest

import (
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// resource is a parsed resource name.
type resource struct {
	project, location, secret, version string
}

// parse reads projects/P[/locations/L][/secrets/S[/versions/V]]; want says how deep the
// name must go ("parent", "secret" or "version").
func parse(name, want string) (resource, error) {
	r, ok := split(strings.Split(name, "/"))
	switch want {
	case "parent":
		ok = ok && r.secret == ""
	case "secret":
		ok = ok && r.secret != "" && r.version == ""
	case "version":
		ok = ok && r.version != ""
	}
	if !ok {
		return r, invalidName(name)
	}
	return r, nil
}

// split consumes the collection/ID pairs of a name in order; ok is false when anything is
// left over or an ID is empty.
func split(parts []string) (r resource, ok bool) {
	for _, f := range []struct {
		collection string
		id         *string
		required   bool
	}{
		{"projects", &r.project, true},
		{"locations", &r.location, false},
		{"secrets", &r.secret, false},
		{"versions", &r.version, false},
	} {
		if len(parts) >= 2 && parts[0] == f.collection && parts[1] != "" {
			*f.id, parts = parts[1], parts[2:]
		} else if f.required {
			return r, false
		}
	}
	return r, len(parts) == 0 && (r.version == "" || r.secret != "")
}

func invalidName(name string) error {
	return status.Errorf(codes.InvalidArgument, "The provided resource name [%s] is invalid.", name)
}

func permissionDenied(permission, name string) error {
	return status.Errorf(codes.PermissionDenied, "Permission '%s' denied for resource '%s' (or it may not exist).", permission, name)
}

// lookup resolves r's project and, for a secret-level name, the secret, checking
// permissions. It returns the canonical secret name (or parent) and the secret, nil when it
// does not exist.
func (s *Server) lookup(r resource, permission, asked string) (string, *secret, error) {
	if _, known := s.projects[r.project]; !known && !s.isNumber(r.project) {
		return "", nil, permissionDenied(permission, asked)
	}
	if r.secret == "" {
		parent := "projects/" + s.number(r.project)
		if r.location != "" {
			parent += "/locations/" + r.location
		}
		return parent, nil, nil
	}
	name := s.canonical(r.project, r.location, r.secret)
	if s.denied[name] {
		return "", nil, permissionDenied(permission, asked)
	}
	return name, s.secrets[name], nil
}

func (s *Server) number(project string) string {
	if n, ok := s.projects[project]; ok {
		return n
	}
	return project
}

func (s *Server) isNumber(project string) bool {
	for _, n := range s.projects {
		if n == project {
			return true
		}
	}
	return false
}

// resolve finds the version a version name points at: a number, "latest" (the newest
// version whatever its state) or an alias.
func (sec *secret) resolve(v string) (*version, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case v == "latest":
		n = int64(len(sec.versions))
	case err == nil:
	default:
		alias, ok := sec.pb.VersionAliases[v]
		if !ok {
			return nil, false
		}
		n = alias
	}
	if n < 1 || n > int64(len(sec.versions)) {
		return nil, false
	}
	return sec.versions[n-1], true
}

func checkLabels(labels map[string]string) error {
	if len(labels) > 64 {
		return status.Error(codes.InvalidArgument, "A secret may have at most 64 labels.")
	}
	for k, v := range labels {
		if !labelKey.MatchString(k) || !labelVal.MatchString(v) {
			return status.Errorf(codes.InvalidArgument, "Label key or value [%s] is invalid.", k)
		}
	}
	return nil
}

// existingSecret resolves the secret name for a call needing permission; a secret that
// does not exist is NotFound, as the service answers.
func (s *Server) existingSecret(name, permission string) (string, *secret, error) {
	r, err := parse(name, "secret")
	if err != nil {
		return "", nil, err
	}
	canonical, sec, err := s.lookup(r, permission, name)
	if err != nil {
		return "", nil, err
	}
	if sec == nil {
		return "", nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", canonical)
	}
	return canonical, sec, nil
}
