package vault

import (
	"context"
	"errors"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// appRole creates an AppRole role and returns its role ID and a fresh secret ID.
func appRole(t *testing.T, name string) (roleID, secretID string) {
	t.Helper()
	mountOnce(t, "sys/auth/approle", map[string]any{"type": "approle"})
	f := &fixture{t: t}
	f.write("auth/approle/role/"+name, map[string]any{"token_policies": allPolicy(t), "token_ttl": "1h"})
	r, err := vault.Admin.Logical().ReadWithContext(ctx(t), "auth/approle/role/"+name+"/role-id")
	if err != nil {
		t.Fatalf("reading the role ID: %v", err)
	}
	s, err := vault.Admin.Logical().WriteWithContext(ctx(t), "auth/approle/role/"+name+"/secret-id", nil)
	if err != nil {
		t.Fatalf("creating a secret ID: %v", err)
	}
	return r.Data["role_id"].(string), s.Data["secret_id"].(string)
}

func (f *fixture) appRoleStore(roleID, secretID string) *esv1.SecretStore {
	f.secret("approle", map[string]string{"secret-id": secretID, "role-id": roleID})
	return f.store(f.spec(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{
		RoleID:    roleID,
		SecretRef: esmeta.SecretKeySelector{Name: "approle", Key: "secret-id"},
	}}))
}

func TestProvider_appRole(t *testing.T) {
	f := newFixture(t)
	roleID, secretID := appRole(t, f.prefix)
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	obs := &countingObserver{}
	p := New(WithCallObserver(obs))

	c, err := f.newClient(p, f.appRoleStore(roleID, secretID))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	token := c.api.Token()
	if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app"), Property: "user"}); err != nil || string(v) != "alice" {
		t.Fatalf("GetSecret: %q, %v", v, err)
	}
	if tokenGone(t, token) {
		t.Fatal("the login token is not valid")
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !tokenGone(t, token) {
		t.Fatal("Close did not revoke the login token")
	}
	if obs.count(callLogin, "success") != 1 || obs.count(callRevokeSelf, "success") != 1 || obs.count(callReadSecretData, "success") != 1 {
		t.Fatalf("observed calls: %v", obs.calls)
	}

	// roleRef instead of roleId.
	spec := f.spec(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{
		RoleRef:   &esmeta.SecretKeySelector{Name: "approle", Key: "role-id"},
		SecretRef: esmeta.SecretKeySelector{Name: "approle", Key: "secret-id"},
	}})
	if _, err := f.client(nil, f.store(spec)).GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret with roleRef: %v", err)
	}

	// A wrong secret ID fails the login and the error does not repeat it.
	f.secret("wrong", map[string]string{"secret-id": "00000000-0000-0000-0000-000000000bad"})
	spec = f.spec(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{RoleID: roleID, SecretRef: esmeta.SecretKeySelector{Name: "wrong", Key: "secret-id"}}})
	_, err = p.NewClient(ctx(t), f.store(spec), env.Client, f.ns)
	wantErr(t, err, nil, "0000000bad", secretID)
	if obs.count(callLogin, "error") != 1 {
		t.Fatalf("the failed login was not observed: %v", obs.calls)
	}
}

func TestProvider_userPass(t *testing.T) {
	mountOnce(t, "sys/auth/userpass", map[string]any{"type": "userpass"})
	f := newFixture(t)
	f.write("auth/userpass/users/"+f.prefix, map[string]any{"password": "pa55-word", "token_policies": allPolicy(t)})
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	f.secret("password", map[string]string{"password": "pa55-word", "wrong": "not-it"})
	store := func(key string) *esv1.SecretStore {
		return f.store(f.spec(&esv1.VaultAuth{UserPass: &esv1.VaultUserPassAuth{
			Username: f.prefix, SecretRef: esmeta.SecretKeySelector{Name: "password", Key: key},
		}}))
	}
	c := f.client(nil, store("password"))
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	token := c.api.Token()
	if err := c.Close(ctx(t)); err != nil || !tokenGone(t, token) {
		t.Fatalf("Close must revoke the userpass token: %v", err)
	}
	_, err := f.newClient(nil, store("wrong"))
	wantErr(t, err, nil, "not-it", "pa55-word")
}

func TestProvider_ldap(t *testing.T) {
	// No LDAP server runs here: Vault's answer shows the login reached auth/<path>/login/<user>
	// with the password from the Secret, and that the error does not carry the password.
	mountOnce(t, "sys/auth/ldap", map[string]any{"type": "ldap"})
	f := newFixture(t)
	f.write("auth/ldap/config", map[string]any{"url": "ldap://127.0.0.1:1", "userdn": "ou=users,dc=example", "request_timeout": "1s"})
	f.secret("ldap", map[string]string{"password": "ldap-pa55"})
	_, err := f.newClient(nil, f.store(f.spec(&esv1.VaultAuth{Ldap: &esv1.VaultLdapAuth{
		Username: "bob", SecretRef: esmeta.SecretKeySelector{Name: "ldap", Key: "password"},
	}})))
	wantErr(t, err, nil, "ldap-pa55")
	if !strings.Contains(err.Error(), "auth/ldap/login/bob") {
		t.Fatalf("the login did not go to auth/ldap/login/bob: %v", err)
	}
}

func TestProvider_unsupportedAuth(t *testing.T) {
	f := newFixture(t)
	for name, auth := range map[string]*esv1.VaultAuth{
		"iam": {Iam: &esv1.VaultIamAuth{Role: "r"}},
		"gcp": {GCP: &esv1.VaultGCPAuth{Role: "r"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.newClient(nil, f.store(f.spec(auth)))
			wantErr(t, err, providers.ErrNotSupported)
		})
	}
}

func TestProvider_tokenSecretRef(t *testing.T) {
	f := newFixture(t)
	s, err := vault.Admin.Logical().WriteWithContext(ctx(t), "auth/token/create", map[string]any{"policies": []string{allPolicy(t)}, "ttl": "1h"})
	if err != nil {
		t.Fatalf("creating a token: %v", err)
	}
	token := s.Auth.ClientToken
	f.secret("token", map[string]string{"token": token + "\n", "bad": "hvs.not-a-real-token"})
	store := func(key string) *esv1.SecretStore {
		return f.store(f.spec(&esv1.VaultAuth{TokenSecretRef: &esmeta.SecretKeySelector{Name: "token", Key: key}}))
	}
	obs := &countingObserver{}
	c, err := f.newClient(New(WithCallObserver(obs)), store("token"))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if res, err := c.Validate(ctx(t)); res != esv1.ValidationResultReady || err != nil {
		t.Fatalf("Validate = %v, %v", res, err)
	}
	if obs.count(callLookupSelf, "success") != 1 {
		t.Fatalf("Validate of a static token must look it up: %v", obs.calls)
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if tokenGone(t, token) {
		t.Fatal("Close revoked a token the user owns")
	}

	bad := f.client(nil, store("bad"))
	res, err := bad.Validate(ctx(t))
	if res != esv1.ValidationResultError {
		t.Fatalf("Validate of a bad token = %v", res)
	}
	wantErr(t, err, providers.ErrUnauthorized, "hvs.not-a-real-token")
	_, err = bad.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("x")})
	wantErr(t, err, providers.ErrUnauthorized, "hvs.not-a-real-token")
}

func TestClient_Validate_afterLogin(t *testing.T) {
	f := newFixture(t)
	roleID, secretID := appRole(t, f.prefix)
	obs := &countingObserver{}
	c := f.client(New(WithCallObserver(obs)), f.appRoleStore(roleID, secretID))
	if res, err := c.Validate(ctx(t)); res != esv1.ValidationResultReady || err != nil {
		t.Fatalf("Validate = %v, %v", res, err)
	}
	if n := obs.count(callLookupSelf, "success"); n != 0 {
		t.Fatalf("a fresh login token with a known TTL needs no lookup, got %d", n)
	}
}

func TestProvider_referentClusterStore(t *testing.T) {
	f := newFixture(t)
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	f.secret("vault-root", map[string]string{"token": "root"})
	css := &esv1.ClusterSecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Vault: f.spec(
		&esv1.VaultAuth{TokenSecretRef: &esmeta.SecretKeySelector{Name: "vault-root", Key: "token"}},
	)}}}
	css.Name = "referent"

	// The store controller has no namespace: the client exists, validation is Unknown, and
	// calls fail saying why.
	c, err := New().NewClient(ctx(t), css, env.Client, "")
	if err != nil {
		t.Fatalf("NewClient without a namespace: %v", err)
	}
	if res, err := c.Validate(ctx(t)); res != esv1.ValidationResultUnknown || err != nil {
		t.Fatalf("Validate = %v, %v", res, err)
	}
	_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")})
	if err == nil || !strings.Contains(err.Error(), "referent") {
		t.Fatalf("GetSecret on a referent client: %v", err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// An ExternalSecret's namespace resolves the reference.
	c, err = New().NewClient(ctx(t), css, env.Client, f.ns)
	if err != nil {
		t.Fatalf("NewClient in the ExternalSecret's namespace: %v", err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app"), Property: "user"}); err != nil || string(v) != "alice" {
		t.Fatalf("GetSecret: %q, %v", v, err)
	}
	if _, err := New().NewClient(ctx(t), css, env.Client, "no-such-namespace"); err == nil || errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("a missing credential Secret must fail NewClient: %v", err)
	}
}
