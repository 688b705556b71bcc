package vaultdynamic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	vaultapi "github.com/hashicorp/vault/api"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/providers/vault"
)

// HTTP methods with a meaning of their own; any other method writes.
const (
	methodGet    = "GET"
	methodList   = "LIST"
	methodDelete = "DELETE"
)

// Endpoints Cleanup revokes through.
const (
	pathRevokeLease    = "sys/leases/revoke"
	pathRevokeAccessor = "auth/token/revoke-accessor"
)

// request is one validated call of a generator spec.
type request struct {
	method string
	path   string
	query  map[string][]string
	body   []byte
	// sent are the string values of query and body, which Vault sometimes quotes in its
	// error messages (`time: invalid duration "..."`) and which may be secret.
	sent []string
}

// newRequest checks the spec before anything is sent: the method (case-insensitive, GET
// when empty), the body of a write (a JSON object; {} when absent) and the result type.
func newRequest(spec *genv1alpha1.VaultDynamicSecretSpec) (*request, error) {
	switch spec.ResultType {
	case "", genv1alpha1.VaultDynamicSecretResultData, genv1alpha1.VaultDynamicSecretResultAuth, genv1alpha1.VaultDynamicSecretResultRaw:
	default:
		return nil, fmt.Errorf("spec.resultType %q must be Data, Auth or Raw", spec.ResultType)
	}
	r := &request{method: strings.ToUpper(strings.TrimSpace(spec.Method)), path: strings.Trim(spec.Path, "/")}
	switch r.method {
	case "":
		r.method = methodGet
		r.query = spec.GetParameters
	case methodGet:
		r.query = spec.GetParameters
	case methodList, methodDelete:
	default:
		body, err := writeBody(spec.Parameters)
		if err != nil {
			return nil, err
		}
		r.body = body
		var v any
		_ = json.Unmarshal(body, &v)
		r.sent = stringLeaves(v, r.sent)
	}
	for _, values := range r.query {
		r.sent = append(r.sent, values...)
	}
	return r, nil
}

// stringLeaves appends every string found in a decoded JSON value to out.
func stringLeaves(v any, out []string) []string {
	switch t := v.(type) {
	case string:
		return append(out, t)
	case map[string]any:
		for _, e := range t {
			out = stringLeaves(e, out)
		}
	case []any:
		for _, e := range t {
			out = stringLeaves(e, out)
		}
	}
	return out
}

// minRedacted is the shortest sent value hidden in error messages: shorter ones ("10m",
// "1") are not secrets, and hiding them would garble the message.
const minRedacted = 4

// redactedError is a Vault error whose message no longer quotes what was sent; it still
// unwraps to the original (e.g. providers.ErrUnauthorized).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact hides the values of the request in err's message.
func (r *request) redact(err error) error {
	msg := err.Error()
	hidden := msg
	for _, v := range r.sent {
		if len(v) >= minRedacted {
			hidden = strings.ReplaceAll(hidden, v, "[redacted]")
		}
	}
	if hidden == msg {
		return err
	}
	return &redactedError{msg: hidden, err: err}
}

// writeBody is spec.parameters as sent to Vault, which only accepts a JSON object.
func writeBody(params *apiextensionsv1.JSON) ([]byte, error) {
	if params == nil || len(bytes.TrimSpace(params.Raw)) == 0 || string(bytes.TrimSpace(params.Raw)) == "null" {
		return []byte("{}"), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(params.Raw, &obj); err != nil {
		// The decoder's message may quote the parameters, which may be secret.
		return nil, errors.New("spec.parameters must be a JSON object")
	}
	return params.Raw, nil
}

// do sends the request. A nil secret without error means Vault answered with no body.
// Errors never quote the values sent.
func (r *request) do(ctx context.Context, s *vault.Session) (*vaultapi.Secret, error) {
	var resp *vaultapi.Secret
	var err error
	switch r.method {
	case methodGet:
		resp, err = s.Read(ctx, r.path, r.query)
	case methodList:
		resp, err = s.List(ctx, r.path)
	case methodDelete:
		resp, err = s.Delete(ctx, r.path)
	default:
		resp, err = s.Write(ctx, r.path, r.body)
	}
	if err != nil {
		return nil, r.redact(err)
	}
	return resp, nil
}

// output is the section of resp that spec.resultType picks, one key per top-level field.
// A missing response or section fails with ErrEmptyResponse unless spec.allowEmptyResponse.
func output(spec *genv1alpha1.VaultDynamicSecretSpec, resp *vaultapi.Secret) (map[string][]byte, error) {
	section, err := pick(spec.ResultType, resp)
	if errors.Is(err, ErrEmptyResponse) && spec.AllowEmptyResponse {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("unable to get dynamic secret: %w", err)
	}
	out, err := vault.FieldValues(section)
	if err != nil {
		return nil, fmt.Errorf("the Vault response: %w", err)
	}
	return out, nil
}

// pick returns the data section, the auth section or the whole response as a JSON object
// (numbers kept as written), or ErrEmptyResponse when there is none.
func pick(resultType genv1alpha1.VaultDynamicSecretResultType, resp *vaultapi.Secret) (map[string]any, error) {
	if resp == nil {
		return nil, ErrEmptyResponse
	}
	var section any
	switch resultType {
	case genv1alpha1.VaultDynamicSecretResultAuth:
		if resp.Auth == nil {
			return nil, ErrEmptyResponse
		}
		section = resp.Auth
	case genv1alpha1.VaultDynamicSecretResultRaw:
		section = resp
	default:
		if resp.Data == nil {
			return nil, ErrEmptyResponse
		}
		return resp.Data, nil
	}
	raw, err := json.Marshal(section)
	if err != nil {
		return nil, fmt.Errorf("encoding the Vault response: %w", err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding the Vault response: %w", err)
	}
	return out, nil
}

// state is the generator state: what a Generate call issued and Cleanup revokes. It holds
// identifiers only (a lease ID, token accessors), never a token or a secret value, because
// GeneratorState objects are plain custom resources.
type state struct {
	// LeaseID is the lease of the response (lease_id), e.g. of database credentials.
	LeaseID string `json:"leaseID,omitempty"`
	// Accessor is the accessor of the token the response issued (auth.accessor).
	Accessor string `json:"accessor,omitempty"`
	// LoginAccessor is the accessor of the login token the call was made with, kept alive
	// because Vault revokes leases and child tokens with the token that created them.
	// Empty for a tokenSecretRef token, which is the user's.
	LoginAccessor string `json:"loginAccessor,omitempty"`
}

// empty tells whether the state names nothing to revoke.
func (s state) empty() bool {
	return s.LeaseID == "" && s.Accessor == "" && s.LoginAccessor == ""
}

// issued is what resp created that can be revoked: its lease, and the token of its auth
// section whatever the result type (a token nobody reads should not outlive the call either).
// Batch tokens have no accessor and cannot be revoked.
func issued(resp *vaultapi.Secret) state {
	var s state
	if resp == nil {
		return s
	}
	s.LeaseID = resp.LeaseID
	if resp.Auth != nil && resp.Auth.ClientToken != "" {
		s.Accessor = resp.Auth.Accessor
	}
	return s
}

func decodeState(raw *apiextensionsv1.JSON) (state, error) {
	var s state
	if raw == nil || len(bytes.TrimSpace(raw.Raw)) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw.Raw, &s); err != nil {
		return s, fmt.Errorf("decoding the VaultDynamicSecret generator state: %w", err)
	}
	return s, nil
}

// revokeAll revokes everything s names: the lease, then the issued token, then the login
// token. Vault answers success for a lease or an accessor it no longer knows.
func revokeAll(ctx context.Context, session *vault.Session, s state) error {
	if s.LeaseID != "" {
		if err := revoke(ctx, session, pathRevokeLease, map[string]string{"lease_id": s.LeaseID}); err != nil {
			return fmt.Errorf("revoking lease %q: %w", s.LeaseID, err)
		}
	}
	for _, a := range []string{s.Accessor, s.LoginAccessor} {
		if a == "" {
			continue
		}
		if err := revoke(ctx, session, pathRevokeAccessor, map[string]string{"accessor": a}); err != nil {
			return fmt.Errorf("revoking the token with accessor %q: %w", a, err)
		}
	}
	return nil
}

func revoke(ctx context.Context, session *vault.Session, path string, body map[string]string) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	_, err = session.Write(ctx, path, raw)
	return err
}
