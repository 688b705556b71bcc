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
