// Package dopplertest is an in-process emulator of the parts of Doppler's v3 REST API the
// doppler provider calls, served on 127.0.0.1 for tests. It follows the real API's shapes:
// Bearer (or Basic) token auth, project/config query parameters (a service token is scoped
// to one config and may omit them), the secrets download with format, name_transformer,
// the secrets filter and ETag / If-None-Match (304), the single-secret read with raw and
// computed values (${NAME} references resolved), the secrets update (secrets map and
// change_requests), the OIDC token exchange, and errors as {"messages":[...],"success":false}
// with 400, 401, 403 and 404.
package dopplertest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Token is what a Doppler token may do. A service token has Project and Config set and
// reaches that config only; a personal token (both empty) reaches every config.
type Token struct {
	Project, Config string
	// Write allows the secrets update.
	Write bool
}

// Request is one request the emulator received, for assertions.
type Request struct {
	Method, Path string
	Query        map[string]string
	IfNoneMatch  string
	Status       int
}

type identity struct {
	saToken string
	token   Token
}

// Server is the emulator. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	tokens     map[string]Token
	identities map[string]identity
	configs    map[string]map[string]string // "project/config" → name → raw value
	requests   []Request
	issued     int
}

// New starts an emulator on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{tokens: map[string]Token{}, identities: map[string]identity{}, configs: map[string]map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// AddToken lets token in with the given access.
func (s *Server) AddToken(token string, access Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = access
}

// AddOIDCIdentity makes POST /v3/auth/oidc exchange saToken for a new token with access,
// for the service account identity id.
func (s *Server) AddOIDCIdentity(id, saToken string, access Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identities[id] = identity{saToken: saToken, token: access}
}

// AddConfig creates an empty config.
func (s *Server) AddConfig(project, config string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.configs[project+"/"+config] == nil {
		s.configs[project+"/"+config] = map[string]string{}
	}
}

// Put sets a secret's raw value, creating the config.
func (s *Server) Put(project, config, name, value string) {
	s.AddConfig(project, config)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configs[project+"/"+config][name] = value
}

// Get returns a secret's raw value.
func (s *Server) Get(project, config, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.configs[project+"/"+config][name]
	return v, ok
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.route(rec, r)
	q := map[string]string{}
	for k := range r.URL.Query() {
		q[k] = r.URL.Query().Get(k)
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: q, IfNoneMatch: r.Header.Get("If-None-Match"), Status: rec.status})
	s.mu.Unlock()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/oidc":
		s.oidc(w, r)
		return
	case r.URL.Path == "/v3/configs/config/secrets/download" && r.Method == http.MethodGet,
		r.URL.Path == "/v3/configs/config/secret" && r.Method == http.MethodGet,
		r.URL.Path == "/v3/configs/config/secrets" && r.Method == http.MethodPost:
	default:
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	token, ok := s.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "Invalid Auth token")
		return
	}
	switch r.URL.Path {
	case "/v3/configs/config/secrets/download":
		s.download(w, r, token)
	case "/v3/configs/config/secret":
		s.secret(w, r, token)
	default:
		s.update(w, r, token)
	}
}

func (s *Server) authenticate(r *http.Request) (Token, bool) {
	var presented string
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		presented = strings.TrimPrefix(h, "Bearer ")
	} else if user, _, ok := r.BasicAuth(); ok {
		presented = user
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[presented]
	return t, ok && presented != ""
}

// scope resolves project and config as Doppler does: a service token implies them (and
// refuses others), a personal token needs both.
func (s *Server) scope(w http.ResponseWriter, token Token, project, config string) (map[string]string, string, bool) {
	if token.Project != "" {
		if (project != "" && project != token.Project) || (config != "" && config != token.Config) {
			writeError(w, http.StatusForbidden, "This token does not have access to requested project")
			return nil, "", false
		}
		project, config = token.Project, token.Config
	}
	if project == "" {
		writeError(w, http.StatusBadRequest, "You must specify a project")
		return nil, "", false
	}
	if config == "" {
		writeError(w, http.StatusBadRequest, "You must specify a config")
		return nil, "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.projectExists(project) {
		writeError(w, http.StatusNotFound, "Could not find requested project")
		return nil, "", false
	}
	secrets, ok := s.configs[project+"/"+config]
	if !ok {
		writeError(w, http.StatusNotFound, "Could not find requested config")
		return nil, "", false
	}
	return secrets, project + "/" + config, true
}

func (s *Server) projectExists(project string) bool {
	for k := range s.configs {
		if strings.HasPrefix(k, project+"/") {
			return true
		}
	}
	return false
}

var reference = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// computed resolves ${NAME} references to other secrets of the config, as Doppler's
// computed values do (an unknown reference stays as written).
func computed(secrets map[string]string, raw string) string {
	return reference.ReplaceAllStringFunc(raw, func(m string) string {
		if v, ok := secrets[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, token Token) {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	transformer := q.Get("name_transformer")
	if transformer != "" && transforms[transformer] == nil {
		writeError(w, http.StatusBadRequest, "Invalid name transformer")
		return
	}
	if _, ok := formats[format]; !ok {
		writeError(w, http.StatusBadRequest, "Invalid format")
		return
	}
	secrets, _, ok := s.scope(w, token, q.Get("project"), q.Get("config"))
	if !ok {
		return
	}
	var only map[string]bool
	if list := q.Get("secrets"); list != "" {
		only = map[string]bool{}
		for _, n := range strings.Split(list, ",") {
			only[strings.TrimSpace(n)] = true
		}
	}
	s.mu.Lock()
	values := map[string]string{}
	for name, raw := range secrets {
		if only != nil && !only[name] {
			continue
		}
		if transformer != "" {
			name = transforms[transformer](name)
		}
		values[name] = computed(secrets, raw)
	}
	s.mu.Unlock()
	body, contentType := formats[format](values)
	sum := sha256.Sum256(append([]byte(format+"\x00"+transformer+"\x00"), body...))
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

func (s *Server) secret(w http.ResponseWriter, r *http.Request, token Token) {
	q := r.URL.Query()
	secrets, _, ok := s.scope(w, token, q.Get("project"), q.Get("config"))
	if !ok {
		return
	}
	name := q.Get("name")
	s.mu.Lock()
	raw, found := secrets[name]
	comp := computed(secrets, raw)
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Could not find requested secret")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name":    name,
		"value":   map[string]any{"raw": raw, "computed": comp, "note": "", "rawVisibility": "masked", "computedVisibility": "masked"},
		"success": true,
	})
}

var validName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

func (s *Server) update(w http.ResponseWriter, r *http.Request, token Token) {
	var body struct {
		Project        string            `json:"project"`
		Config         string            `json:"config"`
		Secrets        map[string]string `json:"secrets"`
		ChangeRequests []struct {
			Name         string  `json:"name"`
			OriginalName string  `json:"originalName"`
			Value        *string `json:"value"`
			ShouldDelete bool    `json:"shouldDelete"`
		} `json:"change_requests"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON body")
		return
	}
	secrets, _, ok := s.scope(w, token, body.Project, body.Config)
	if !ok {
		return
	}
	if !token.Write {
		writeError(w, http.StatusForbidden, "You do not have permission to perform this action")
		return
	}
	if len(body.Secrets) == 0 && len(body.ChangeRequests) == 0 {
		writeError(w, http.StatusBadRequest, "You must specify secrets or change_requests")
		return
	}
	for name := range body.Secrets {
		if !validName.MatchString(name) {
			writeError(w, http.StatusBadRequest, "Secret names must start with a letter or underscore and contain only uppercase letters, numbers, and underscores")
			return
		}
	}
	s.mu.Lock()
	for name, v := range body.Secrets {
		secrets[name] = v
	}
	for _, c := range body.ChangeRequests {
		switch {
		case c.ShouldDelete:
			delete(secrets, c.OriginalName)
		case c.Value != nil:
			delete(secrets, c.OriginalName)
			secrets[c.Name] = *c.Value
		}
	}
	out := map[string]any{}
	for name, raw := range secrets {
		out[name] = map[string]any{"raw": raw, "computed": computed(secrets, raw), "note": ""}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"secrets": out, "success": true})
}

func (s *Server) oidc(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Identity string `json:"identity"`
		Token    string `json:"token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Identity == "" || body.Token == "" {
		writeError(w, http.StatusBadRequest, "You must specify an identity and a token")
		return
	}
	s.mu.Lock()
	id, ok := s.identities[body.Identity]
	if !ok || id.saToken != body.Token {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "Unable to authenticate with the provided OIDC token")
		return
	}
	s.issued++
	token := fmt.Sprintf("dp.said.issued-%d", s.issued)
	s.tokens[token] = id.token
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"success":    true,
		"token":      token,
		"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"messages": []string{msg}, "success": false})
}

// formats render a config's secrets as the download endpoint does for each format.
var formats = map[string]func(map[string]string) ([]byte, string){
	"json": func(m map[string]string) ([]byte, string) {
		b, _ := json.Marshal(m)
		return b, "application/json; charset=utf-8"
	},
	"dotnet-json": func(m map[string]string) ([]byte, string) {
		out := map[string]string{}
		for k, v := range m {
			out[dotnet(k)] = v
		}
		b, _ := json.Marshal(out)
		return b, "application/json; charset=utf-8"
	},
	"env": func(m map[string]string) ([]byte, string) {
		return lines(m, func(k, v string) string { return k + "=" + quote(v) }), "text/plain; charset=utf-8"
	},
	"docker": func(m map[string]string) ([]byte, string) {
		return lines(m, func(k, v string) string { return k + "=" + v }), "text/plain; charset=utf-8"
	},
	"yaml": func(m map[string]string) ([]byte, string) {
		return lines(m, func(k, v string) string { return k + ": " + quote(v) }), "text/plain; charset=utf-8"
	},
}

func quote(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func lines(m map[string]string, line func(k, v string) string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(line(k, m[k]))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// transforms are Doppler's name transformers, applied to UPPER_SNAKE secret names.
var transforms = map[string]func(string) string{
	"camel": func(n string) string {
		w := words(n)
		for i := range w {
			if i > 0 {
				w[i] = title(w[i])
			}
		}
		return strings.Join(w, "")
	},
	"upper-camel": func(n string) string { return upperCamel(n) },
	"lower-snake": func(n string) string { return strings.ToLower(n) },
	"lower-kebab": func(n string) string { return strings.Join(words(n), "-") },
	"tf-var":      func(n string) string { return "TF_VAR_" + strings.ToLower(n) },
	"dotnet-env": func(n string) string {
		parts := strings.Split(n, "__")
		for i, p := range parts {
			parts[i] = upperCamel(p)
		}
		return strings.Join(parts, "__")
	},
	"dotnet": dotnet,
}

func dotnet(n string) string {
	parts := strings.Split(n, "__")
	for i, p := range parts {
		parts[i] = upperCamel(p)
	}
	return strings.Join(parts, ":")
}

func words(n string) []string {
	var out []string
	for _, w := range strings.Split(strings.ToLower(n), "_") {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

func upperCamel(n string) string {
	w := words(n)
	for i := range w {
		w[i] = title(w[i])
	}
	return strings.Join(w, "")
}

func title(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}
