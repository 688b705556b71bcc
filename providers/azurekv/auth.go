package azurekv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// Annotations of a ServiceAccount federated with an Entra ID application, as the Azure
// workload identity webhook defines them.
const (
	AnnotationClientID = "azure.workload.identity/client-id"
	AnnotationTenantID = "azure.workload.identity/tenant-id"
)

// envTenantID is the pod's tenant as the workload identity webhook injects it; it is the
// last resort for the tenant of a ServiceAccount without the tenant annotation.
const envTenantID = "AZURE_TENANT_ID"

// credential builds the Entra ID credential of the store's authType. Errors wrap
// credentials.ErrReferentNamespace when a reference cannot be resolved without a namespace.
func (p *Provider) credential(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string, spec *esv1.AzureKVProvider, cl cloudConfig, opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	r := &resolver{ctx: ctx, store: store, kube: kube, namespace: namespace}
	noDiscovery := cl.custom || p.authorityHost != ""
	switch authType(spec) {
	case esv1.AzureServicePrincipal:
		return servicePrincipal(r, spec, opts, noDiscovery)
	case esv1.AzureManagedIdentity:
		return managedIdentity(spec, opts)
	case esv1.AzureWorkloadIdentity:
		return workloadIdentity(r, spec, cl, opts, noDiscovery)
	default:
		return nil, fmt.Errorf("authType %q is not one of ServicePrincipal, ManagedIdentity, WorkloadIdentity", *spec.AuthType)
	}
}

func authType(spec *esv1.AzureKVProvider) esv1.AzureAuthType {
	if spec.AuthType == nil || *spec.AuthType == "" {
		return esv1.AzureServicePrincipal
	}
	return *spec.AuthType
}

// resolver reads credential references with the namespace rules of package credentials.
type resolver struct {
	ctx       context.Context
	store     esv1.GenericStore
	kube      client.Client
	namespace string
}

// value reads a Secret key, trimmed: IDs and client secrets never end in white space, but
// Secrets written with echo often do.
func (r *resolver) value(sel *esmeta.SecretKeySelector) (string, error) {
	v, err := credentials.SecretKey(r.ctx, r.kube, r.store, r.namespace, *sel)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(v)), nil
}

// servicePrincipal authenticates an application with its client secret or certificate.
// The client ID comes from authSecretRef.clientId, the tenant from tenantId or
// authSecretRef.tenantId.
func servicePrincipal(r *resolver, spec *esv1.AzureKVProvider, opts azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	ref := spec.AuthSecretRef
	if ref == nil || ref.ClientID == nil {
		return nil, errors.New("authType ServicePrincipal requires authSecretRef.clientId")
	}
	if (ref.ClientSecret == nil) == (ref.ClientCertificate == nil) {
		return nil, errors.New("authType ServicePrincipal requires exactly one of authSecretRef.clientSecret and authSecretRef.clientCertificate")
	}
	clientID, err := r.value(ref.ClientID)
	if err != nil {
		return nil, fmt.Errorf("authSecretRef.clientId: %w", err)
	}
	tenantID, err := r.tenant(spec, "")
	if err != nil {
		return nil, err
	}
	if tenantID == "" {
		return nil, errors.New("authType ServicePrincipal requires tenantId or authSecretRef.tenantId")
	}
	if ref.ClientSecret != nil {
		secret, err := r.value(ref.ClientSecret)
		if err != nil {
			return nil, fmt.Errorf("authSecretRef.clientSecret: %w", err)
		}
		cred, err := azidentity.NewClientSecretCredential(tenantID, clientID, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
		if err != nil {
			return nil, fmt.Errorf("creating the client secret credential: %w", err)
		}
		return cred, nil
	}
	pem, err := credentials.SecretKey(r.ctx, r.kube, r.store, r.namespace, *ref.ClientCertificate)
	if err != nil {
		return nil, fmt.Errorf("authSecretRef.clientCertificate: %w", err)
	}
	certs, key, err := azidentity.ParseCertificates(pem, nil)
	if err != nil {
		// The parser's message describes the structure, never the key material.
		return nil, fmt.Errorf("authSecretRef.clientCertificate must hold a PEM certificate and its unencrypted private key: %w", err)
	}
	cred, err := azidentity.NewClientCertificateCredential(tenantID, clientID, certs, key, &azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	if err != nil {
		return nil, fmt.Errorf("creating the client certificate credential: %w", err)
	}
	return cred, nil
}

// tenant is the tenant the store names: authSecretRef.tenantId, else tenantId, else
// fallback (a ServiceAccount annotation), possibly empty.
func (r *resolver) tenant(spec *esv1.AzureKVProvider, fallback string) (string, error) {
	if ref := spec.AuthSecretRef; ref != nil && ref.TenantID != nil {
		v, err := r.value(ref.TenantID)
		if err != nil {
			return "", fmt.Errorf("authSecretRef.tenantId: %w", err)
		}
		return v, nil
	}
	if spec.TenantID != nil && *spec.TenantID != "" {
		return *spec.TenantID, nil
	}
	return fallback, nil
}

// managedIdentity uses the identity of the node or pod the controller runs on; identityId
// selects a user-assigned identity by client ID or by resource ID.
func managedIdentity(spec *esv1.AzureKVProvider, opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts, ID: managedIdentityID(spec.IdentityID)}
	cred, err := azidentity.NewManagedIdentityCredential(o)
	if err != nil {
		return nil, fmt.Errorf("creating the managed identity credential: %w", err)
	}
	return cred, nil
}

// managedIdentityID tells a resource ID (/subscriptions/...) from a client ID; nil selects
// the system-assigned identity.
func managedIdentityID(id *string) azidentity.ManagedIDKind {
	if id == nil || *id == "" {
		return nil
	}
	if strings.HasPrefix(strings.ToLower(*id), "/subscriptions/") {
		return azidentity.ResourceID(*id)
	}
	return azidentity.ClientID(*id)
}

// workloadIdentity exchanges a ServiceAccount token for an Entra ID token. With
// serviceAccountRef, the token is requested from the TokenRequest API for that
// ServiceAccount and the IDs come from the store (authSecretRef, tenantId) or from the
// ServiceAccount's annotations; without it, the controller's own projected token and
// environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE) are used.
func workloadIdentity(r *resolver, spec *esv1.AzureKVProvider, cl cloudConfig, opts azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	if spec.ServiceAccountRef == nil {
		return podWorkloadIdentity(r, spec, opts, noDiscovery)
	}
	sel := *spec.ServiceAccountRef
	ns, err := credentials.Namespace(r.store, r.namespace, sel.Namespace)
	if err != nil {
		return nil, fmt.Errorf("serviceAccountRef %q: %w", sel.Name, err)
	}
	sa := &corev1.ServiceAccount{}
	if err := r.kube.Get(r.ctx, client.ObjectKey{Namespace: ns, Name: sel.Name}, sa); err != nil {
		return nil, fmt.Errorf("reading ServiceAccount %s/%s: %w", ns, sel.Name, err)
	}
	clientID := sa.Annotations[AnnotationClientID]
	if ref := spec.AuthSecretRef; ref != nil && ref.ClientID != nil {
		if clientID, err = r.value(ref.ClientID); err != nil {
			return nil, fmt.Errorf("authSecretRef.clientId: %w", err)
		}
	}
	if clientID == "" {
		return nil, fmt.Errorf("ServiceAccount %s/%s has no annotation %s and authSecretRef.clientId is not set", ns, sel.Name, AnnotationClientID)
	}
	fallback := sa.Annotations[AnnotationTenantID]
	if fallback == "" {
		fallback = os.Getenv(envTenantID)
	}
	tenantID, err := r.tenant(spec, fallback)
	if err != nil {
		return nil, err
	}
	if tenantID == "" {
		return nil, fmt.Errorf("ServiceAccount %s/%s has no annotation %s and neither tenantId nor authSecretRef.tenantId is set", ns, sel.Name, AnnotationTenantID)
	}
	assertion := func(ctx context.Context) (string, error) {
		return credentials.ServiceAccountToken(ctx, r.kube, r.store, r.namespace, sel, []string{cl.audience})
	}
	cred, err := azidentity.NewClientAssertionCredential(tenantID, clientID, assertion, &azidentity.ClientAssertionCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	if err != nil {
		return nil, fmt.Errorf("creating the workload identity credential: %w", err)
	}
	return cred, nil
}

// podWorkloadIdentity is workload identity with the controller pod's own projected token.
func podWorkloadIdentity(r *resolver, spec *esv1.AzureKVProvider, opts azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	o := &azidentity.WorkloadIdentityCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery}
	if ref := spec.AuthSecretRef; ref != nil && ref.ClientID != nil {
		v, err := r.value(ref.ClientID)
		if err != nil {
			return nil, fmt.Errorf("authSecretRef.clientId: %w", err)
		}
		o.ClientID = v
	}
	tenantID, err := r.tenant(spec, "")
	if err != nil {
		return nil, err
	}
	o.TenantID = tenantID
	cred, err := azidentity.NewWorkloadIdentityCredential(o)
	if err != nil {
		return nil, fmt.Errorf("creating the workload identity credential from the controller's environment: %w", err)
	}
	return cred, nil
}
