package gcpauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// AnnotationServiceAccount on a Kubernetes ServiceAccount names the Google service account
// it acts as under GKE Workload Identity. Without it the federated token of the Kubernetes
// ServiceAccount itself is used, for IAM bindings on the principal
// serviceAccount:PROJECT.svc.id.goog[NAMESPACE/NAME].
const AnnotationServiceAccount = "iam.gke.io/gcp-service-account"

// RFC 8693 token exchange parameters used with Google STS.
const (
	grantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeJWT           = "urn:ietf:params:oauth:token-type:jwt"
	tokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
)

// maxErrorBody bounds how much of an error response is read and quoted.
const maxErrorBody = 4 << 10

// workloadIdentityToken is GKE Workload Identity done by the controller on behalf of a
// Kubernetes ServiceAccount: a token for the ServiceAccount with the cluster's identity pool
// as audience is exchanged at STS for a federated token, which then impersonates the Google
// service account of the ServiceAccount's annotation (when it has one).
func (s Source) workloadIdentityToken(ctx context.Context, st esv1.GenericStore, kube client.Client, namespace string, wi *esv1.GCPWorkloadIdentity) (*oauth2.Token, error) {
	sel := wi.ServiceAccountRef
	ns, err := credentials.Namespace(st, namespace, sel.Namespace)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentity: %w", err)
	}
	sa := &corev1.ServiceAccount{}
	if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: sel.Name}, sa); err != nil {
		return nil, fmt.Errorf("auth.workloadIdentity: reading ServiceAccount %s/%s: %w", ns, sel.Name, err)
	}
	pool, provider, err := s.cluster(ctx, wi)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentity: %w", err)
	}
	subject, err := credentials.ServiceAccountToken(ctx, kube, st, namespace, sel, []string{pool})
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentity: %w", err)
	}
	federated, err := s.exchange(ctx, subject, "identitynamespace:"+pool+":"+provider)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentity: %w", err)
	}
	gsa := sa.Annotations[AnnotationServiceAccount]
	if gsa == "" {
		return federated, nil
	}
	tok, err := s.impersonate(ctx, federated, gsa)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentity: %w", err)
	}
	return tok, nil
}

// cluster returns the identity pool and identity provider of the GKE cluster: from the spec,
// or, for what it leaves out, from the metadata server of the node the controller runs on
// (GCE_METADATA_HOST overrides its address, as for every Google client).
func (s Source) cluster(ctx context.Context, wi *esv1.GCPWorkloadIdentity) (pool, provider string, err error) {
	project, location, name := wi.ClusterProjectID, wi.ClusterLocation, wi.ClusterName
	if project == "" || location == "" || name == "" {
		md := metadata.NewClient(s.httpClient())
		for _, f := range []struct {
			value *string
			path  string
		}{
			{&project, "project/project-id"},
			{&location, "instance/attributes/cluster-location"},
			{&name, "instance/attributes/cluster-name"},
		} {
			if *f.value != "" {
				continue
			}
			if *f.value, err = md.GetWithContext(ctx, f.path); err != nil {
				return "", "", fmt.Errorf("clusterProjectID, clusterLocation or clusterName not set and the metadata server did not give %s: %w", f.path, err)
			}
			*f.value = strings.TrimSpace(*f.value)
		}
	}
	pool = project + ".svc.id.goog"
	provider = fmt.Sprintf("https://container.googleapis.com/v1/projects/%s/locations/%s/clusters/%s", project, location, name)
	return pool, provider, nil
}

// federationToken is Workload Identity Federation with the cluster as identity provider: a
// ServiceAccount token is exchanged at STS for a federated token of the pool provider named
// by audience, which then impersonates gcpServiceAccountEmail (when set). The other subject
// token sources (a credential configuration, AWS credentials) are not run by this
// controller.
func (s Source) federationToken(ctx context.Context, st esv1.GenericStore, kube client.Client, namespace string, wif *esv1.GCPWorkloadIdentityFederation) (*oauth2.Token, error) {
	switch {
	case wif.CredConfig != nil:
		return nil, notSupportedError{field: "credConfig"}
	case wif.AwsSecurityCredentials != nil:
		return nil, notSupportedError{field: "awsSecurityCredentials"}
	case wif.ServiceAccountRef == nil:
		return nil, errors.New("auth.workloadIdentityFederation needs serviceAccountRef")
	case wif.Audience == "":
		return nil, errors.New("auth.workloadIdentityFederation.audience is required with serviceAccountRef")
	}
	subject, err := credentials.ServiceAccountToken(ctx, kube, st, namespace, *wif.ServiceAccountRef, nil)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentityFederation: %w", err)
	}
	federated, err := s.exchange(ctx, subject, wif.Audience)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentityFederation: %w", err)
	}
	if wif.GCPServiceAccountEmail == "" {
		return federated, nil
	}
	tok, err := s.impersonate(ctx, federated, wif.GCPServiceAccountEmail)
	if err != nil {
		return nil, fmt.Errorf("auth.workloadIdentityFederation: %w", err)
	}
	return tok, nil
}

// notSupportedError refuses the federation sources this controller does not run (they read
// files, run commands or call URLs of the controller's own environment). It is
// providers.ErrNotSupported for errors.Is, with a message that names the field.
type notSupportedError struct{ field string }

func (e notSupportedError) Error() string {
	return "auth.workloadIdentityFederation." + e.field + " is not supported by this controller: use serviceAccountRef and audience"
}

func (notSupportedError) Is(target error) bool { return target == providers.ErrNotSupported }

// exchange trades subject (a Kubernetes ServiceAccount token) for a federated access token
// at Google STS.
func (s Source) exchange(ctx context.Context, subject, audience string) (*oauth2.Token, error) {
	form := url.Values{
		"grant_type":           {grantTypeTokenExchange},
		"audience":             {audience},
		"scope":                {CloudPlatformScope},
		"requested_token_type": {tokenTypeAccessToken},
		"subject_token":        {subject},
		"subject_token_type":   {tokenTypeJWT},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sts(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("STS token exchange: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	start := time.Now()
	err = s.call(req, &out)
	s.observe(CallExchangeToken, err)
	if err != nil {
		return nil, fmt.Errorf("STS token exchange for audience %q: %w", audience, err)
	}
	tok := &oauth2.Token{AccessToken: out.AccessToken, TokenType: "Bearer"}
	if out.ExpiresIn > 0 {
		tok.Expiry = start.Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	return tok, nil
}

// impersonate asks IAM Credentials for an access token of the Google service account gsa,
// authenticated with the federated token.
func (s Source) impersonate(ctx context.Context, federated *oauth2.Token, gsa string) (*oauth2.Token, error) {
	body, err := json.Marshal(map[string][]string{"scope": {CloudPlatformScope}})
	if err != nil {
		return nil, err
	}
	endpoint := strings.TrimSuffix(s.iam(), "/") + "/projects/-/serviceAccounts/" + url.PathEscape(gsa) + ":generateAccessToken"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("generateAccessToken for %s: %w", gsa, err)
	}
	req.Header.Set("Content-Type", "application/json")
	federated.SetAuthHeader(req)
	var out struct {
		AccessToken string    `json:"accessToken"`
		ExpireTime  time.Time `json:"expireTime"`
	}
	err = s.call(req, &out)
	s.observe(CallGenerateAccessToken, err)
	if err != nil {
		return nil, fmt.Errorf("generateAccessToken for %s: %w", gsa, err)
	}
	return &oauth2.Token{AccessToken: out.AccessToken, TokenType: "Bearer", Expiry: out.ExpireTime}, nil
}

// call sends req and decodes a JSON answer into out. A refusal becomes an error with
// Google's own explanation (never a token: Google does not echo them); 401 and 403 wrap
// providers.ErrUnauthorized.
func (s Source) call(req *http.Request, out any) error {
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return statusError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}

func statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var e struct {
		// STS (OAuth2 style)
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil {
		var code string
		var status struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		}
		switch {
		case json.Unmarshal(e.Error, &code) == nil:
			msg = strings.TrimSpace(code + ": " + e.ErrorDescription)
		case json.Unmarshal(e.Error, &status) == nil:
			msg = strings.TrimSpace(status.Status + ": " + status.Message)
		}
	}
	err := fmt.Errorf("HTTP %d %s", resp.StatusCode, msg)
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %w", providers.ErrUnauthorized, err)
	}
	return err
}

func (s Source) sts() string {
	if s.STSEndpoint != "" {
		return s.STSEndpoint
	}
	return DefaultSTSEndpoint
}

func (s Source) iam() string {
	if s.IAMCredentialsEndpoint != "" {
		return s.IAMCredentialsEndpoint
	}
	return DefaultIAMCredentialsEndpoint
}
