// Package kvtest is a wire-level emulator of Azure Key Vault (the secrets, keys and
// certificates REST API, version 7.x / 2025+) and of the Microsoft Entra ID token endpoints
// that issue its tokens, for tests that drive the real Azure SDK (azsecrets, azkeys,
// azcertificates, azidentity). No Key Vault emulator can run on our machines, so this one is
// kept faithful to what the service does on the wire: the challenge-based authentication
// (401 with a WWW-Authenticate Bearer challenge for a request without a token), the error
// bodies ({"error":{"code":"SecretNotFound","message":...}}), soft delete, per-version
// attributes and tags, and paging with nextLink.
//
// One TLS server plays both roles: its URL is the vault URL and the Entra ID authority
// host. The SDK must trust it (use Client() as the transport) and skip the check that the
// challenge's resource matches the vault's DNS suffix, which a 127.0.0.1 address cannot.
package kvtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// VaultResource is the resource the vault names in its challenge, as public Azure does;
// tokens must be issued for it.
const VaultResource = "https://vault.azure.net"

// defaultPageSize is how many items one list page holds (Key Vault's default is 25).
const defaultPageSize = 25

// Server is a Key Vault plus Entra ID on one TLS listener of 127.0.0.1.
type Server struct {
	*httptest.Server
	// Tenant is the tenant the vault's challenge names.
	Tenant string

	mu        sync.Mutex
	pageSize  int
	secrets   map[string]*object
	keys      map[string]*object
	certs     map[string]*object
	apps      map[string]*App
	tokens    map[string]issued
	forbidden map[string]bool
	requests  []string
	tokenLog  []url.Values
}

// object is a secret, key or certificate with its versions, newest last.
type object struct {
	versions []*version
	deleted  bool
}

// version is one version of an object: its payload (a secret value, a JWK, a DER
// certificate) with its own attributes and tags, as Key Vault keeps them per version.
type version struct {
	id          string
	value       string
	jwk         json.RawMessage
	cer         []byte
	contentType *string
	tags        map[string]string
	enabled     bool
	created     int64
	updated     int64
	expires     *int64
	notBefore   *int64
}

// issued is what an access token stands for.
type issued struct {
	clientID string
	scope    string
}

// New starts the emulator. It is stopped when the test ends.
func New(t interface {
	Helper()
	Cleanup(func())
}, tenant string,
) *Server {
	t.Helper()
	s := &Server{
		Tenant:    tenant,
		pageSize:  defaultPageSize,
		secrets:   map[string]*object{},
		keys:      map[string]*object{},
		certs:     map[string]*object{},
		apps:      map[string]*App{},
		tokens:    map[string]issued{},
		forbidden: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/secrets", s.vault(s.listSecrets))
	mux.HandleFunc("/secrets/", s.vault(s.secret))
	mux.HandleFunc("/keys/", s.vault(s.key))
	mux.HandleFunc("/certificates/", s.vault(s.certificate))
	mux.HandleFunc("/msi/token", s.managedIdentityToken)
	mux.HandleFunc("/", s.entraID)
	s.Server = httptest.NewTLSServer(mux)
	t.Cleanup(s.Close)
	return s
}

// SetPageSize makes list pages hold n items, so that tests exercise nextLink.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// Forbid makes the vault answer 403 to every request made with clientID's tokens, as when
// the identity has no role assignment or access policy on the vault.
func (s *Server) Forbid(clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[clientID] = true
}

// Requests lists the vault requests served so far, as "METHOD /path?query".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// SecretOptions are the optional attributes of a seeded secret version.
type SecretOptions struct {
	ContentType string
	Disabled    bool
	Expires     *time.Time
	NotBefore   *time.Time
}

// SetSecret adds a version of a secret, as a user of the vault would, and returns the
// version's ID.
func (s *Server) SetSecret(name, value string, tags map[string]string, opts ...SecretOptions) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := newVersion(tags)
	v.value = value
	for _, o := range opts {
		if o.ContentType != "" {
			v.contentType = &o.ContentType
		}
		v.enabled = !o.Disabled
		v.expires = unixPtr(o.Expires)
		v.notBefore = unixPtr(o.NotBefore)
	}
	addVersion(s.secrets, name, v)
	return v.id
}

// Secret returns the latest version of a secret as the vault holds it (not deleted).
func (s *Server) Secret(name string) (value string, tags map[string]string, contentType string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.secrets[name]
	if o == nil || o.deleted {
		return "", nil, "", false
	}
	v := o.versions[len(o.versions)-1]
	if v.contentType != nil {
		contentType = *v.contentType
	}
	return v.value, v.tags, contentType, true
}

// SecretVersions tells how many versions a secret has, deleted or not.
func (s *Server) SecretVersions(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.secrets[name]; o != nil {
		return len(o.versions)
	}
	return 0
}

// SecretDeleted tells whether a secret is in the soft-deleted state.
func (s *Server) SecretDeleted(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.secrets[name]
	return o != nil && o.deleted
}

// SetKey adds a version of a key whose public JWK is jwk (without "kid", which the vault
// sets), and returns the version's ID.
func (s *Server) SetKey(name string, jwk map[string]any, tags map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := newVersion(tags)
	withKID := map[string]any{"kid": s.URL + "/keys/" + name + "/" + v.id}
	for k, val := range jwk {
		withKID[k] = val
	}
	v.jwk, _ = json.Marshal(withKID)
	addVersion(s.keys, name, v)
	return v.id
}

// SetCertificate adds a version of a certificate whose DER encoding is der, and returns the
// version's ID.
func (s *Server) SetCertificate(name string, der []byte, tags map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := newVersion(tags)
	v.cer = der
	addVersion(s.certs, name, v)
	return v.id
}

func newVersion(tags map[string]string) *version {
	now := time.Now().Unix()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	copied := map[string]string{}
	for k, v := range tags {
		copied[k] = v
	}
	return &version{id: hex.EncodeToString(b), tags: copied, enabled: true, created: now, updated: now}
}

func addVersion(m map[string]*object, name string, v *version) {
	o := m[strings.ToLower(name)]
	if o == nil || o.deleted {
		o = &object{}
		m[strings.ToLower(name)] = o
	}
	o.versions = append(o.versions, v)
}

func unixPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	u := t.Unix()
	return &u
}

// vault authenticates a vault request the way Key Vault does, then serves it.
func (s *Server) vault(next func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
		s.mu.Unlock()
		if r.URL.Query().Get("api-version") == "" {
			writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid or missing api-version parameter.", "")
			return
		}
		auth := r.Header.Get("Authorization")
		if auth == "" {
			s.challenge(w, "AKV10000: Request is missing a Bearer or PoP token.")
			return
		}
		token, ok := strings.CutPrefix(auth, "Bearer ")
		s.mu.Lock()
		who, known := s.tokens[token]
		forbidden := s.forbidden[who.clientID]
		s.mu.Unlock()
		switch {
		case !ok || !known:
			s.challenge(w, "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/"+s.Tenant+"/.")
			return
		case strings.TrimSuffix(who.scope, "/.default") != VaultResource:
			s.challenge(w, "AKV10022: Invalid audience. Expected "+VaultResource+", found: "+who.scope+".")
			return
		case forbidden:
			writeError(w, http.StatusForbidden, "Forbidden", "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid="+who.clientID+"\r\nVault: test", "ForbiddenByRbac")
			return
		}
		next(w, r)
	}
}

// challenge is Key Vault's answer to a request without a valid token.
func (s *Server) challenge(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`, s.Tenant, VaultResource))
	writeError(w, http.StatusUnauthorized, "Unauthorized", message, "")
}

func writeError(w http.ResponseWriter, status int, code, message, inner string) {
	body := map[string]any{"code": code, "message": message}
	if inner != "" {
		body["innererror"] = map[string]string{"code": inner}
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-keyvault-service-version", "1.9.0.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// splitPath returns the name and version of /<collection>/<name>[/<version>].
func splitPath(path, collection string) (name, ver string, ok bool) {
	rest := strings.TrimPrefix(path, "/"+collection+"/")
	parts := strings.Split(rest, "/")
	if len(parts) > 2 || parts[0] == "" {
		return "", "", false
	}
	if len(parts) == 2 {
		ver = parts[1]
	}
	return parts[0], ver, true
}

// find returns the requested version of a live object.
func find(m map[string]*object, name, ver string) (*version, bool) {
	o := m[strings.ToLower(name)]
	if o == nil || o.deleted {
		return nil, false
	}
	if ver == "" {
		return o.versions[len(o.versions)-1], true
	}
	for _, v := range o.versions {
		if v.id == ver {
			return v, true
		}
	}
	return nil, false
}

func notFoundMessage(kind, name string) string {
	return fmt.Sprintf("A %s with (name/id) %s was not found in this key vault. If you recently deleted this %s you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", kind, name, kind)
}

func (s *Server) secret(w http.ResponseWriter, r *http.Request) {
	name, ver, ok := splitPath(r.URL.Path, "secrets")
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "The requested resource was not found.", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet:
		v, found := find(s.secrets, name, ver)
		if !found {
			writeError(w, http.StatusNotFound, "SecretNotFound", notFoundMessage("secret", name), "")
			return
		}
		if !v.enabled {
			writeError(w, http.StatusForbidden, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
			return
		}
		writeJSON(w, http.StatusOK, s.secretBundle(name, v, true))
	case r.Method == http.MethodPut && ver == "":
		s.setSecret(w, r, name)
	case r.Method == http.MethodDelete && ver == "":
		o := s.secrets[strings.ToLower(name)]
		if o == nil || o.deleted {
			writeError(w, http.StatusNotFound, "SecretNotFound", notFoundMessage("secret", name), "")
			return
		}
		o.deleted = true
		now := time.Now().Unix()
		bundle := s.secretBundle(name, o.versions[len(o.versions)-1], false)
		bundle["recoveryId"] = s.URL + "/deletedsecrets/" + name
		bundle["deletedDate"] = now
		bundle["scheduledPurgeDate"] = now + 90*24*3600
		writeJSON(w, http.StatusOK, bundle)
	default:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method is not allowed.", "")
	}
}

// setSecret is PUT /secrets/{name}: a new version, or 409 when the name is held by a
// soft-deleted secret.
func (s *Server) setSecret(w http.ResponseWriter, r *http.Request, name string) {
	var body struct {
		Value       *string           `json:"value"`
		ContentType *string           `json:"contentType"`
		Tags        map[string]string `json:"tags"`
		Attributes  *struct {
			Enabled *bool  `json:"enabled"`
			Exp     *int64 `json:"exp"`
			Nbf     *int64 `json:"nbf"`
		} `json:"attributes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Value == nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "Property value is required.", "")
		return
	}
	if !validName(name) {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid name: "+name, "")
		return
	}
	if o := s.secrets[strings.ToLower(name)]; o != nil && o.deleted {
		writeError(w, http.StatusConflict, "Conflict", fmt.Sprintf("Secret %s is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.", name), "ObjectIsDeletedButRecoverable")
		return
	}
	v := newVersion(body.Tags)
	v.value, v.contentType = *body.Value, body.ContentType
	if a := body.Attributes; a != nil {
		if a.Enabled != nil {
			v.enabled = *a.Enabled
		}
		v.expires, v.notBefore = a.Exp, a.Nbf
	}
	addVersion(s.secrets, name, v)
	writeJSON(w, http.StatusOK, s.secretBundle(name, v, true))
}

// objectName is what Key Vault accepts as an object name.
var objectName = regexp.MustCompile(`^[0-9A-Za-z-]{1,127}$`)

func validName(name string) bool { return objectName.MatchString(name) }

func attributes(v *version) map[string]any {
	a := map[string]any{
		"enabled":         v.enabled,
		"created":         v.created,
		"updated":         v.updated,
		"recoveryLevel":   "Recoverable+Purgeable",
		"recoverableDays": 90,
	}
	if v.expires != nil {
		a["exp"] = *v.expires
	}
	if v.notBefore != nil {
		a["nbf"] = *v.notBefore
	}
	return a
}

func (s *Server) secretBundle(name string, v *version, withValue bool) map[string]any {
	b := map[string]any{
		"id":         s.URL + "/secrets/" + name + "/" + v.id,
		"attributes": attributes(v),
		"tags":       v.tags,
	}
	if withValue {
		b["value"] = v.value
	}
	if v.contentType != nil {
		b["contentType"] = *v.contentType
	}
	return b
}

// listSecrets is GET /secrets: the latest version of each live secret, without values,
// maxresults (default 25) per page, continued through nextLink.
func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method is not allowed.", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	size := s.pageSize
	if m, err := strconv.Atoi(q.Get("maxresults")); err == nil && m > 0 && m < size {
		size = m
	}
	start := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, convErr := strconv.Atoi(string(b))
		if err != nil || convErr != nil {
			writeError(w, http.StatusBadRequest, "BadParameter", "The skip token is not valid.", "")
			return
		}
		start = n
	}
	var names []string
	for n, o := range s.secrets {
		if !o.deleted {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	items := []map[string]any{}
	end := min(start+size, len(names))
	for _, n := range names[min(start, len(names)):end] {
		v := s.secrets[n].versions[len(s.secrets[n].versions)-1]
		item := map[string]any{"id": s.URL + "/secrets/" + n, "attributes": attributes(v), "tags": v.tags}
		if v.contentType != nil {
			item["contentType"] = *v.contentType
		}
		items = append(items, item)
	}
	var next any
	if end < len(names) {
		next = fmt.Sprintf("%s/secrets?api-version=%s&$skiptoken=%s&maxresults=%d", s.URL, q.Get("api-version"), base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))), size)
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items, "nextLink": next})
}

func (s *Server) key(w http.ResponseWriter, r *http.Request) {
	name, ver, ok := splitPath(r.URL.Path, "keys")
	if !ok || r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method is not allowed.", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := find(s.keys, name, ver)
	if !found {
		writeError(w, http.StatusNotFound, "KeyNotFound", notFoundMessage("key", name), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": v.jwk, "attributes": attributes(v), "tags": v.tags})
}

func (s *Server) certificate(w http.ResponseWriter, r *http.Request) {
	name, ver, ok := splitPath(r.URL.Path, "certificates")
	if !ok || r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method is not allowed.", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := find(s.certs, name, ver)
	if !found {
		writeError(w, http.StatusNotFound, "CertificateNotFound", notFoundMessage("certificate", name), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":         s.URL + "/certificates/" + name + "/" + v.id,
		"kid":        s.URL + "/keys/" + name + "/" + v.id,
		"sid":        s.URL + "/secrets/" + name + "/" + v.id,
		"cer":        base64.StdEncoding.EncodeToString(v.cer),
		"attributes": attributes(v),
		"tags":       v.tags,
	})
}
