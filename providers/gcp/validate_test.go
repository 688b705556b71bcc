package gcp

import (
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

func TestProvider_ValidateStore(t *testing.T) {
	wi := func(ns *string) func(*esv1.GCPSMProvider) {
		return func(p *esv1.GCPSMProvider) {
			p.Auth = esv1.GCPSMAuth{WorkloadIdentity: &esv1.GCPWorkloadIdentity{ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "eso", Namespace: ns}}}
		}
	}
	wif := func(f esv1.GCPWorkloadIdentityFederation) func(*esv1.GCPSMProvider) {
		return func(p *esv1.GCPSMProvider) { p.Auth = esv1.GCPSMAuth{WorkloadIdentityFederation: &f} }
	}
	sa := &esmeta.ServiceAccountSelector{Name: "eso"}
	tests := []struct {
		name    string
		store   esv1.GenericStore
		wantErr string
		warns   int
	}{
		{name: "service account key", store: store()},
		{name: "no auth uses ADC", store: store(func(p *esv1.GCPSMProvider) { p.Auth = esv1.GCPSMAuth{} })},
		{name: "regional", store: store(func(p *esv1.GCPSMProvider) { p.Location = "europe-west4" })},
		{name: "LatestOrFetch", store: store(func(p *esv1.GCPSMProvider) {
			p.SecretVersionSelectionPolicy = esv1.SecretVersionSelectionPolicyLatestOrFetch
		})},
		{name: "workload identity", store: store(wi(nil))},
		{name: "federation", store: store(wif(esv1.GCPWorkloadIdentityFederation{ServiceAccountRef: sa, Audience: "//iam.googleapis.com/x"}))},
		{name: "cluster store may name any namespace", store: clusterStore(func(p *esv1.GCPSMProvider) {
			p.Auth.SecretRef.SecretAccessKey.Namespace = ptr("keys")
		})},
		{name: "no project", store: store(func(p *esv1.GCPSMProvider) { p.ProjectID = "" }), wantErr: "projectID is required"},
		{name: "location that is no host label", store: store(func(p *esv1.GCPSMProvider) { p.Location = "evil.com/x" }), wantErr: "not a Google Cloud location"},
		{name: "unknown policy", store: store(func(p *esv1.GCPSMProvider) { p.SecretVersionSelectionPolicy = "Newest" }), wantErr: "secretVersionSelectionPolicy"},
		{name: "key reference without key", store: store(func(p *esv1.GCPSMProvider) { p.Auth.SecretRef.SecretAccessKey.Key = "" }), wantErr: "needs a name and a key"},
		{name: "key in another namespace", store: store(func(p *esv1.GCPSMProvider) {
			p.Auth.SecretRef.SecretAccessKey.Namespace = ptr("elsewhere")
		}), wantErr: credentials.NamespaceMismatchMessage},
		{name: "service account in another namespace", store: store(wi(ptr("elsewhere"))), wantErr: credentials.NamespaceMismatchMessage},
		{name: "federation without audience", store: store(wif(esv1.GCPWorkloadIdentityFederation{ServiceAccountRef: sa})), wantErr: "audience is required"},
		{name: "federation without source", store: store(wif(esv1.GCPWorkloadIdentityFederation{Audience: "a"})), wantErr: "needs serviceAccountRef"},
		{name: "federation with credConfig", store: store(wif(esv1.GCPWorkloadIdentityFederation{
			CredConfig: &esv1.ConfigMapReference{Name: "c", Key: "k"}, Audience: "a",
		})), wantErr: "not supported"},
		{name: "two auth methods", store: store(wi(nil), func(p *esv1.GCPSMProvider) {
			p.Auth.SecretRef = &esv1.GCPSMAuthSecretRef{SecretAccessKey: esmeta.SecretKeySelector{Name: "k", Key: "k"}}
		}), warns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warns, err := New().ValidateStore(tt.store)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
			if len(warns) != tt.warns {
				t.Errorf("warnings = %v, want %d", warns, tt.warns)
			}
		})
	}
	if _, err := New().ValidateStore(&esv1.SecretStore{}); err == nil {
		t.Error("a store without gcpsm: want an error")
	}
}
