package kvtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ManagedIdentityHeader is the secret the managed identity endpoint expects in
// X-IDENTITY-HEADER (the App Service managed identity protocol, selected in the SDK by the
// environment variables IDENTITY_ENDPOINT and IDENTITY_HEADER).
const ManagedIdentityHeader = "kvtest-identity-header"

// SystemAssigned is the identity name under which RegisterManagedIdentity registers the
// system-assigned identity.
const SystemAssigned = ""

// App is an application registration of the tenant: a service principal that
// authenticates with a client secret, a certificate, or a federated token (workload
// identity).
type App struct {
	ClientID string
	// Secret is the client secret, if the app has one.
	Secret string
	// Certificate is the app's certificate: a client assertion must be signed by its key.
	Certificate *x509.Certificate
	// FederatedToken is the only assertion a federated credential accepts (the test's
	// Kubernetes ServiceAccount token).
	FederatedToken string
}

// Register adds an application to the tenant.
func (s *Server) Register(app App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := app
	s.apps[app.ClientID] = &copied
}

// RegisterManagedIdentity makes the identity available on the managed identity endpoint:
// SystemAssigned, a user-assigned client ID, or a user-assigned resource ID.
func (s *Server) RegisterManagedIdentity(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps["mi:"+id] = &App{ClientID: "mi:" + id}
}

// ManagedIdentityEndpoint is the value for IDENTITY_ENDPOINT.
func (s *Server) ManagedIdentityEndpoint() string { return s.URL + "/msi/token" }

// TokenRequests lists the forms posted to the token endpoint and the queries sent to the
// managed identity endpoint, in order.
func (s *Server) TokenRequests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.tokenLog...)
}

// entraID serves the tenant's OpenID configuration and token endpoint.
func (s *Server) entraID(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
		s.openIDConfiguration(w, parts[0])
	case len(parts) == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token" && r.Method == http.MethodPost:
		s.token(w, r, parts[0])
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
	}
}

func (s *Server) openIDConfiguration(w http.ResponseWriter, tenant string) {
	if tenant != s.Tenant {
		aadError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return
	}
	base := s.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"issuer":                                base + "/v2.0",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"tenant_region_scope":                   "EU",
	})
}

// aadError writes an Entra ID OAuth error body.
func aadError(w http.ResponseWriter, status int, code string, number int, description string) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: 00000000-0000-0000-0000-000000000000 Correlation ID: 00000000-0000-0000-0000-000000000000 Timestamp: %s", number, description, time.Now().UTC().Format("2006-01-02 15:04:05Z")),
		"error_codes":       []int{number},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          "00000000-0000-0000-0000-000000000000",
		"correlation_id":    "00000000-0000-0000-0000-000000000000",
		"error_uri":         "https://login.microsoftonline.com/error?code=" + strconv.Itoa(number),
	})
}

// token is the client credentials grant with a client secret or a client assertion.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		aadError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	form := r.PostForm
	s.mu.Lock()
	s.tokenLog = append(s.tokenLog, form)
	app := s.apps[form.Get("client_id")]
	s.mu.Unlock()
	endpoint := s.URL + "/" + tenant + "/oauth2/v2.0/token"
	scope := resourceScope(form.Get("scope"))
	switch {
	case tenant != s.Tenant:
		aadError(w, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
	case form.Get("grant_type") != "client_credentials":
		aadError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
	case scope == "":
		aadError(w, http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
	case app == nil:
		aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory.", form.Get("client_id")))
	case form.Has("client_secret"):
		if app.Secret == "" || form.Get("client_secret") != app.Secret {
			aadError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
			return
		}
		s.issue(w, app.ClientID, scope)
	case form.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		assertion := form.Get("client_assertion")
		if app.FederatedToken != "" {
			if assertion != app.FederatedToken {
				aadError(w, http.StatusBadRequest, "invalid_request", 70021, "No matching federated identity record found for presented assertion.")
				return
			}
			s.issue(w, app.ClientID, scope)
			return
		}
		if app.Certificate == nil || verifyAssertion(assertion, app, endpoint) != nil {
			aadError(w, http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains an invalid signature.")
			return
		}
		s.issue(w, app.ClientID, scope)
	default:
		aadError(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
}

// resourceScope returns the one resource scope ("<resource>/.default") of a client
// credentials request, which MSAL sends together with the OpenID scopes; empty when there is
// not exactly one.
func resourceScope(scopes string) string {
	var found []string
	for _, s := range strings.Fields(scopes) {
		switch s {
		case "openid", "profile", "offline_access":
		default:
			found = append(found, s)
		}
	}
	if len(found) != 1 || !strings.HasSuffix(found[0], "/.default") {
		return ""
	}
	return found[0]
}

// issue returns a new access token for clientID and scope.
func (s *Server) issue(w http.ResponseWriter, clientID, scope string) {
	tok := s.newToken(clientID, scope)
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

func (s *Server) newToken(clientID, scope string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "kvtest." + hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = issued{clientID: clientID, scope: scope}
	s.mu.Unlock()
	return tok
}

// verifyAssertion checks a client assertion JWT the way Entra ID does: signed (PS256 or
// RS256) by the app's certificate key, for the token endpoint, by the app, not expired.
func verifyAssertion(assertion string, app *App, endpoint string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return err
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	if claims.Aud != endpoint || claims.Iss != app.ClientID || claims.Sub != app.ClientID || time.Unix(claims.Exp, 0).Before(time.Now()) {
		return fmt.Errorf("claims do not match")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	pub, ok := app.Certificate.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("not an RSA certificate")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch header.Alg {
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	default:
		return fmt.Errorf("unsupported alg %q", header.Alg)
	}
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// managedIdentityToken is the App Service managed identity endpoint: GET with the resource
// and optionally client_id / mi_res_id, authenticated by X-IDENTITY-HEADER.
func (s *Server) managedIdentityToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.tokenLog = append(s.tokenLog, q)
	s.mu.Unlock()
	if r.Header.Get("X-IDENTITY-HEADER") != ManagedIdentityHeader {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "Unauthorized request: missing or invalid X-IDENTITY-HEADER."})
		return
	}
	if q.Get("api-version") != "2019-08-01" || q.Get("resource") == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "The api-version and resource parameters are required."})
		return
	}
	id := q.Get("client_id")
	if id == "" {
		id = q.Get("mi_res_id")
	}
	s.mu.Lock()
	_, ok := s.apps["mi:"+id]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "No Managed Identity found for specified ClientId/ResourceId/PrincipalId.", "correlationId": "00000000-0000-0000-0000-000000000000"})
		return
	}
	tok := s.newToken("mi:"+id, q.Get("resource"))
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"expires_on":   strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
		"resource":     q.Get("resource"),
		"token_type":   "Bearer",
		"client_id":    id,
	})
}
