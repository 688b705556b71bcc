// Package infisicaltest is an in-process emulator of the parts of Infisical's REST API that
// the Infisical provider calls through the official go-sdk: machine identity logins, token
// revocation, and the v3 "raw" secret reads. There is no Infisical server that can run in
// tests (it needs Postgres and Redis), so the provider's tests drive the real SDK against
// this server instead. Shapes, status codes and error bodies follow the real API:
// responses are JSON with Content-Type application/json (the SDK decodes nothing
// otherwise), errors are {reqId, statusCode, message, error}.
package infisicaltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Login kinds an identity can be registered for with AddIdentity; each names the route
// segment of its login endpoint (/api/v1/auth/<kind>/login).
const (
	KindJWT        = "jwt-auth"
	KindLDAP       = "ldap-auth"
	KindKubernetes = "kubernetes-auth"
	KindAWS        = "aws-auth"
	KindOCI        = "oci-auth"
)

// TokenTTL is the lifetime, in seconds, of every access token the emulator issues.
const TokenTTL = 7200

// Server is a running emulator. Its zero value is not usable; call New or NewTLS.
type Server struct {
	// URL is the site URL to give the SDK or a store's hostAPI (without /api: the SDK adds it).
	URL string
	srv *httptest.Server

	mu         sync.Mutex
	universal  map[string]string            // clientId -> clientSecret
	identities map[string]map[string]string // kind -> identityId -> expected proof
	tokens     map[string]bool              // token -> still valid
	logins     []Login
	denied     map[string]bool // environments every token is refused
	projects   map[string]*project
	requests   map[string]int
	nextToken  int
}

// Login records one successful login, so tests can check what the SDK sent.
type Login struct {
	Kind             string
	Identity         string
	OrganizationSlug string
}

type project struct {
	id   string
	envs map[string]*environment
}

type environment struct {
	folders map[string]*folder // cleaned absolute path -> folder
}

type folder struct {
	secrets map[string]*secret
	imports []importRef
}

type importRef struct{ env, path string }

type secret struct {
	id       string
	versions []string
	metadata map[string]string
}

// New starts an HTTP emulator on 127.0.0.1, stopped when the test ends.
func New(t testing.TB) *Server {
	s := newServer()
	s.srv = httptest.NewServer(s.handler())
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// NewTLS starts an HTTPS emulator; CertificatePEM returns the certificate to trust.
func NewTLS(t testing.TB) *Server {
	s := newServer()
	s.srv = httptest.NewTLSServer(s.handler())
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func newServer() *Server {
	return &Server{
		universal:  map[string]string{},
		identities: map[string]map[string]string{},
		tokens:     map[string]bool{},
		denied:     map[string]bool{},
		projects:   map[string]*project{},
		requests:   map[string]int{},
	}
}

// CertificatePEM returns the PEM certificate of a server started with NewTLS.
func (s *Server) CertificatePEM() []byte {
	cert := s.srv.Certificate()
	if cert == nil {
		return nil
	}
	var b strings.Builder
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	enc := base64.StdEncoding.EncodeToString(cert.Raw)
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n-----END CERTIFICATE-----\n")
	return []byte(b.String())
}

// AddUniversalAuth registers a universal-auth client ID and secret.
func (s *Server) AddUniversalAuth(clientID, clientSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.universal[clientID] = clientSecret
}

// AddIdentity registers an identity for a login kind. proof is what the login must carry:
// the JWT (KindJWT, KindKubernetes), "username:password" (KindLDAP), the AWS access key ID
// the signed request must name (KindAWS), or the OCI key ID "tenancy/user/fingerprint"
// (KindOCI).
func (s *Server) AddIdentity(kind, identityID, proof string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.identities[kind] == nil {
		s.identities[kind] = map[string]string{}
	}
	s.identities[kind][identityID] = proof
}

// IssueToken returns a valid access token without a login, as a user would create one for
// token auth.
func (s *Server) IssueToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newTokenLocked()
}

// TokenValid tells whether token is accepted (issued and not revoked).
func (s *Server) TokenValid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[token]
}

// ActiveTokens counts issued tokens that were not revoked.
func (s *Server) ActiveTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ok := range s.tokens {
		if ok {
			n++
		}
	}
	return n
}

// Logins returns the successful logins so far.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

// DenyEnvironment makes every read of env fail with 403, as for an identity without
// permission on it.
func (s *Server) DenyEnvironment(env string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[env] = true
}

// Put writes a new version of a secret (creating project, environment and folder as
// needed) and returns its version number.
func (s *Server) Put(projectSlug, env, folderPath, key, value string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.folderLocked(projectSlug, env, folderPath, true)
	sec := f.secrets[key]
	if sec == nil {
		sec = &secret{id: fmt.Sprintf("sec-%s-%s-%s-%s", projectSlug, env, cleanPath(folderPath), key), metadata: map[string]string{}}
		f.secrets[key] = sec
	}
	sec.versions = append(sec.versions, value)
	return len(sec.versions)
}

// SetMetadata sets the key/value metadata of an existing secret.
func (s *Server) SetMetadata(projectSlug, env, folderPath, key string, metadata map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.folderLocked(projectSlug, env, folderPath, true).secrets[key].metadata = metadata
}

// AddFolder creates an empty folder.
func (s *Server) AddFolder(projectSlug, env, folderPath string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.folderLocked(projectSlug, env, folderPath, true)
}

// Import makes folderPath of env import the secrets of fromEnv/fromPath, as Infisical's
// secret imports do.
func (s *Server) Import(projectSlug, env, folderPath, fromEnv, fromPath string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.folderLocked(projectSlug, env, folderPath, true)
	f.imports = append(f.imports, importRef{env: fromEnv, path: cleanPath(fromPath)})
}

// Requests counts the requests received for a route, e.g. "GET /api/v3/secrets/raw" or
// "GET /api/v3/secrets/raw/{key}" or "POST /api/v1/auth/universal-auth/login".
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

func (s *Server) folderLocked(projectSlug, env, folderPath string, create bool) *folder {
	p := s.projects[projectSlug]
	if p == nil {
		if !create {
			return nil
		}
		p = &project{id: "proj-" + projectSlug, envs: map[string]*environment{}}
		s.projects[projectSlug] = p
	}
	e := p.envs[env]
	if e == nil {
		if !create {
			return nil
		}
		e = &environment{folders: map[string]*folder{"/": {secrets: map[string]*secret{}}}}
		p.envs[env] = e
	}
	clean := cleanPath(folderPath)
	if f := e.folders[clean]; f != nil || !create {
		return f
	}
	// Creating a folder creates its parents, as in Infisical.
	for dir := clean; dir != "/"; dir = path.Dir(dir) {
		if e.folders[dir] == nil {
			e.folders[dir] = &folder{secrets: map[string]*secret{}}
		}
	}
	return e.folders[clean]
}

func (s *Server) newTokenLocked() string {
	s.nextToken++
	token := fmt.Sprintf("emulated-token-%d", s.nextToken)
	s.tokens[token] = true
	return token
}

func cleanPath(p string) string {
	return path.Clean("/" + p)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/universal-auth/login", s.count("POST /api/v1/auth/universal-auth/login", s.universalLogin))
	mux.HandleFunc("POST /api/v1/auth/{kind}/login", s.identityLogin)
	mux.HandleFunc("POST /api/v1/auth/token/revoke", s.count("POST /api/v1/auth/token/revoke", s.revoke))
	mux.HandleFunc("GET /api/v3/secrets/raw", s.count("GET /api/v3/secrets/raw", s.authenticated(s.list)))
	mux.HandleFunc("GET /api/v3/secrets/raw/{key}", s.count("GET /api/v3/secrets/raw/{key}", s.authenticated(s.retrieve)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Route %s:%s not found", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) count(route string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[route]++
		s.mu.Unlock()
		h(w, r)
	}
}

// writeJSON answers like Infisical's Fastify server.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, name, message string) {
	writeJSON(w, status, map[string]any{
		"reqId":      "req-emulated",
		"statusCode": status,
		"message":    message,
		"error":      name,
	})
}

func (s *Server) loginResponse(w http.ResponseWriter, login Login) {
	s.mu.Lock()
	token := s.newTokenLocked()
	s.logins = append(s.logins, login)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"accessToken":       token,
		"expiresIn":         TokenTTL,
		"accessTokenMaxTTL": TokenTTL,
		"tokenType":         "Bearer",
	})
}

func (s *Server) universalLogin(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClientID         string `json:"clientId"`
		ClientSecret     string `json:"clientSecret"`
		OrganizationSlug string `json:"organizationSlug"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ClientID == "" || body.ClientSecret == "" {
		writeError(w, http.StatusUnprocessableEntity, "ValidationFailure", "clientId and clientSecret are required")
		return
	}
	s.mu.Lock()
	want, ok := s.universal[body.ClientID]
	s.mu.Unlock()
	if !ok || want != body.ClientSecret {
		writeError(w, http.StatusUnauthorized, "UnauthorizedError", "Invalid credentials")
		return
	}
	s.loginResponse(w, Login{Kind: "universal-auth", Identity: body.ClientID, OrganizationSlug: body.OrganizationSlug})
}

// identityLogin serves the logins of identities addressed by identityId.
func (s *Server) identityLogin(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	s.mu.Lock()
	s.requests["POST /api/v1/auth/"+kind+"/login"]++
	known := s.identities[kind]
	s.mu.Unlock()
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "ValidationFailure", "invalid body")
		return
	}
	str := func(k string) string { v, _ := body[k].(string); return v }
	identity := str("identityId")
	proof, ok := known[identity]
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Identity with ID %s not found", identity))
		return
	}
	var valid bool
	switch kind {
	case KindJWT, KindKubernetes:
		valid = str("jwt") == proof
	case KindLDAP:
		valid = str("username")+":"+str("password") == proof
	case KindAWS:
		valid = awsRequestSignedBy(str("iamRequestBody"), str("iamRequestHeaders"), proof)
	case KindOCI:
		headers, _ := body["headers"].(map[string]any)
		auth, _ := headers["authorization"].(string)
		parts := strings.Split(proof, "/")
		valid = len(parts) == 3 && parts[1] == str("userOcid") && strings.Contains(auth, `keyId="`+proof+`"`)
	}
	if !valid {
		writeError(w, http.StatusUnauthorized, "UnauthorizedError", "Invalid credentials")
		return
	}
	s.loginResponse(w, Login{Kind: kind, Identity: identity, OrganizationSlug: str("organizationSlug")})
}

// awsRequestSignedBy checks an aws-auth login: a base64 sts:GetCallerIdentity body and
// base64 JSON headers whose SigV4 Authorization names accessKeyID.
func awsRequestSignedBy(body64, headers64, accessKeyID string) bool {
	body, err := base64.StdEncoding.DecodeString(body64)
	if err != nil || string(body) != "Action=GetCallerIdentity&Version=2011-06-15" {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(headers64)
	if err != nil {
		return false
	}
	var headers map[string]string
	if json.Unmarshal(raw, &headers) != nil {
		return false
	}
	return strings.HasPrefix(headers["Authorization"], "AWS4-HMAC-SHA256 Credential="+accessKeyID+"/")
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.AccessToken == "" {
		writeError(w, http.StatusUnprocessableEntity, "ValidationFailure", "accessToken is required")
		return
	}
	s.mu.Lock()
	valid := s.tokens[body.AccessToken]
	if valid {
		s.tokens[body.AccessToken] = false
	}
	s.mu.Unlock()
	if !valid {
		writeError(w, http.StatusUnauthorized, "UnauthorizedError", "Invalid access token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "Successfully revoked access token"})
}

func (s *Server) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		valid := ok && s.tokens[token]
		s.mu.Unlock()
		if !valid {
			writeError(w, http.StatusUnauthorized, "UnauthorizedError", "Token missing or invalid")
			return
		}
		h(w, r)
	}
}

// scopeLocked resolves the project and environment of a read, or writes the error the real
// API gives.
func (s *Server) scopeLocked(w http.ResponseWriter, q map[string][]string) (*project, string, bool) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var p *project
	switch {
	case get("workspaceId") != "":
		for _, candidate := range s.projects {
			if candidate.id == get("workspaceId") {
				p = candidate
			}
		}
	case get("workspaceSlug") != "":
		p = s.projects[get("workspaceSlug")]
	default:
		writeError(w, http.StatusBadRequest, "BadRequest", "Missing workspaceId or workspaceSlug")
		return nil, "", false
	}
	if p == nil {
		writeError(w, http.StatusNotFound, "NotFound", "Project not found")
		return nil, "", false
	}
	env := get("environment")
	if s.denied[env] {
		writeError(w, http.StatusForbidden, "PermissionDenied", "You are not allowed to read secrets in this environment")
		return nil, "", false
	}
	if p.envs[env] == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Environment with slug '%s' in project with ID '%s' not found", env, p.id))
		return nil, "", false
	}
	return p, env, true
}

// secretJSON is the raw secret shape of the v3 API.
func (s *Server) secretJSON(p *project, env, folderPath, key string, sec *secret, version int, expand bool) map[string]any {
	value := sec.versions[version-1]
	if expand {
		value = s.expandLocked(p, env, folderPath, value, 0)
	}
	metadata := []map[string]string{}
	keys := make([]string, 0, len(sec.metadata))
	for k := range sec.metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		metadata = append(metadata, map[string]string{"key": k, "value": sec.metadata[k]})
	}
	return map[string]any{
		"id":             sec.id,
		"_id":            sec.id,
		"workspace":      p.id,
		"environment":    env,
		"version":        version,
		"type":           "shared",
		"secretKey":      key,
		"secretValue":    value,
		"secretComment":  "",
		"secretPath":     folderPath,
		"tags":           []any{},
		"secretMetadata": metadata,
	}
}

var referencePattern = regexp.MustCompile(`\$\{([^}]+)\}`)

// expandLocked resolves ${KEY} (same folder) and ${env.a.b.KEY} (folder /a/b of env).
func (s *Server) expandLocked(p *project, env, folderPath, value string, depth int) string {
	if depth > 5 {
		return value
	}
	return referencePattern.ReplaceAllStringFunc(value, func(ref string) string {
		parts := strings.Split(referencePattern.FindStringSubmatch(ref)[1], ".")
		refEnv, refPath, refKey := env, folderPath, parts[len(parts)-1]
		if len(parts) > 1 {
			refEnv, refPath = parts[0], "/"+strings.Join(parts[1:len(parts)-1], "/")
		}
		e := p.envs[refEnv]
		if e == nil || e.folders[cleanPath(refPath)] == nil {
			return ""
		}
		sec := e.folders[cleanPath(refPath)].secrets[refKey]
		if sec == nil {
			return ""
		}
		return s.expandLocked(p, refEnv, cleanPath(refPath), sec.versions[len(sec.versions)-1], depth+1)
	})
}

func (s *Server) retrieve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, env, ok := s.scopeLocked(w, q)
	if !ok {
		return
	}
	key := r.PathValue("key")
	folderPath := cleanPath(q.Get("secretPath"))
	expand := q.Get("expandSecretReferences") == "true"
	version := 0
	if v := q.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusUnprocessableEntity, "ValidationFailure", "version must be a positive integer")
			return
		}
		version = n
	}
	candidates := []importRef{{env: env, path: folderPath}}
	if f := p.envs[env].folders[folderPath]; f != nil && q.Get("include_imports") == "true" {
		candidates = append(candidates, f.imports...)
	}
	for _, c := range candidates {
		e := p.envs[c.env]
		if e == nil || e.folders[c.path] == nil {
			continue
		}
		sec := e.folders[c.path].secrets[key]
		if sec == nil {
			continue
		}
		v := version
		if v == 0 {
			v = len(sec.versions)
		}
		if v > len(sec.versions) {
			writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Secret version %d not found", v))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"secret": s.secretJSON(p, c.env, c.path, key, sec, v, expand)})
		return
	}
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Secret with name '%s' not found", key))
}

// folderJSON renders the secrets of one folder, sorted by key, at their latest versions.
func (s *Server) folderJSON(p *project, env, path string, f *folder, expand bool) []map[string]any {
	keys := make([]string, 0, len(f.secrets))
	for k := range f.secrets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		sec := f.secrets[k]
		out = append(out, s.secretJSON(p, env, path, k, sec, len(sec.versions), expand))
	}
	return out
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, env, ok := s.scopeLocked(w, q)
	if !ok {
		return
	}
	folderPath := cleanPath(q.Get("secretPath"))
	expand := q.Get("expandSecretReferences") == "true"
	e := p.envs[env]
	folders := []string{}
	for fp := range e.folders {
		inside := fp == folderPath || (q.Get("recursive") == "true" && strings.HasPrefix(fp, strings.TrimSuffix(folderPath, "/")+"/"))
		if inside {
			folders = append(folders, fp)
		}
	}
	sort.Strings(folders)
	secrets := []map[string]any{}
	for _, fp := range folders {
		secrets = append(secrets, s.folderJSON(p, env, fp, e.folders[fp], expand)...)
	}
	imports := []map[string]any{}
	if f := e.folders[folderPath]; f != nil && q.Get("include_imports") == "true" {
		for _, imp := range f.imports {
			block := map[string]any{"secretPath": imp.path, "environment": imp.env, "folderId": "folder-" + imp.env + imp.path}
			imported := []map[string]any{}
			if ie := p.envs[imp.env]; ie != nil && ie.folders[imp.path] != nil {
				imported = s.folderJSON(p, imp.env, imp.path, ie.folders[imp.path], expand)
			}
			block["secrets"] = imported
			imports = append(imports, block)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"secrets": secrets, "imports": imports})
}
