package infisicaltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

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
