package azurekv

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// validSpec is a complete service principal spec for a public cloud vault.
func validSpec(mods ...func(*esv1.AzureKVProvider)) *esv1.AzureKVProvider {
	spec := &esv1.AzureKVProvider{
		VaultURL: ptr("https://my-vault.vault.azure.net"),
		TenantID: ptr(testTenant),
		AuthSecretRef: &esv1.AzureKVAuth{
			ClientID:     &esmeta.SecretKeySelector{Name: "azure-creds", Key: "client-id"},
			ClientSecret: &esmeta.SecretKeySelector{Name: "azure-creds", Key: "client-secret"},
		},
	}
	for _, m := range mods {
		m(spec)
	}
	return spec
}

func TestProvider_ValidateStore(t *testing.T) {
	p := New()
	cases := []struct {
		name    string
		store   esv1.GenericStore
		wantErr string
		warning string
	}{
		{name: "a complete service principal store", store: secretStore(validSpec())},
		{name: "a client certificate instead of a secret", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) {
			s.AuthSecretRef.ClientSecret, s.AuthSecretRef.ClientCertificate = nil, &esmeta.SecretKeySelector{Name: "c", Key: "pem"}
		}))},
		{name: "no vaultUrl", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.VaultURL = nil })), wantErr: "vaultUrl is required"},
		{name: "an http vaultUrl", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.VaultURL = ptr("http://v.vault.azure.net") })), wantErr: "https URL"},
		{name: "a vault of another cloud is a warning", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.VaultURL = ptr("https://v.vault.azure.cn") })), warning: "not under vault.azure.net"},
		{name: "a China vault in the China cloud", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) {
			s.VaultURL, s.EnvironmentType = ptr("https://v.vault.azure.cn/"), esv1.AzureEnvironmentChinaCloud
		}))},
		{name: "no client ID", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientID = nil })), wantErr: "authSecretRef.clientId"},
		{name: "no authSecretRef", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthSecretRef = nil })), wantErr: "authSecretRef.clientId"},
		{name: "neither secret nor certificate", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientSecret = nil })), wantErr: "exactly one"},
		{name: "no tenant", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.TenantID = nil })), wantErr: "tenantId"},
		{name: "a reference without a key", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientSecret.Key = "" })), wantErr: "needs a name and a key"},
		{name: "a namespaced store reaching into another namespace", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientID.Namespace = ptr("other") })), wantErr: credentials.NamespaceMismatchMessage},
		{name: "a cluster store may name any namespace", store: clusterStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthSecretRef.ClientID.Namespace = ptr("other") }))},
		{name: "managed identity needs nothing", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) {
			s.AuthType, s.AuthSecretRef, s.TenantID, s.IdentityID = ptr(esv1.AzureManagedIdentity), nil, nil, ptr("client-id")
		}))},
		{name: "managed identity with credentials", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.AuthType = ptr(esv1.AzureManagedIdentity) })), wantErr: "must not be set"},
		{name: "workload identity with a ServiceAccount", store: secretStore(validSpec(workloadSpec()))},
		{name: "workload identity from the controller's environment", store: secretStore(validSpec(workloadSpec(func(s *esv1.AzureKVProvider) { s.ServiceAccountRef = nil })))},
		{name: "workload identity with a client secret", store: secretStore(validSpec(workloadSpec(func(s *esv1.AzureKVProvider) {
			s.AuthSecretRef = &esv1.AzureKVAuth{ClientSecret: &esmeta.SecretKeySelector{Name: "a", Key: "b"}}
		}))), wantErr: "may only give clientId and tenantId"},
		{name: "workload identity with a ServiceAccount of another namespace", store: secretStore(validSpec(workloadSpec(func(s *esv1.AzureKVProvider) { s.ServiceAccountRef.Namespace = ptr("other") }))), wantErr: credentials.NamespaceMismatchMessage},
		{name: "an unknown cloud", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.EnvironmentType = "MoonCloud" })), wantErr: "MoonCloud"},
		{name: "Azure Stack without customCloudConfig", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) { s.EnvironmentType = esv1.AzureEnvironmentAzureStackCloud })), wantErr: "requires customCloudConfig"},
		{name: "Azure Stack with its endpoints", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) {
			s.EnvironmentType, s.VaultURL = esv1.AzureEnvironmentAzureStackCloud, ptr("https://v.vault.local.azurestack.external")
			s.CustomCloudConfig = &esv1.AzureCustomCloudConfig{ActiveDirectoryEndpoint: "https://login.local.azurestack.external/", KeyVaultDNSSuffix: ptr(".vault.local.azurestack.external")}
		}))},
		{name: "customCloudConfig outside Azure Stack is a warning", store: secretStore(validSpec(func(s *esv1.AzureKVProvider) {
			s.CustomCloudConfig = &esv1.AzureCustomCloudConfig{ActiveDirectoryEndpoint: "https://login.example/"}
		})), warning: "only applies to environmentType AzureStackCloud"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			warnings, err := p.ValidateStore(tc.store)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if got := strings.Join(warnings, "|"); (tc.warning == "") != (got == "") || !strings.Contains(got, tc.warning) {
				t.Errorf("warnings = %q, want %q", got, tc.warning)
			}
		})
	}
}

func TestCloudFor(t *testing.T) {
	cases := []struct {
		env       esv1.AzureEnvironmentType
		authority string
		scope     string
	}{
		{"", "https://login.microsoftonline.com/", "https://vault.azure.net/.default"},
		{esv1.AzureEnvironmentPublicCloud, "https://login.microsoftonline.com/", "https://vault.azure.net/.default"},
		{esv1.AzureEnvironmentUSGovernmentCloud, "https://login.microsoftonline.us/", "https://vault.usgovcloudapi.net/.default"},
		{esv1.AzureEnvironmentChinaCloud, "https://login.chinacloudapi.cn/", "https://vault.azure.cn/.default"},
		{esv1.AzureEnvironmentGermanCloud, "https://login.microsoftonline.de/", "https://vault.microsoftazure.de/.default"},
	}
	for _, tc := range cases {
		cl, err := cloudFor(&esv1.AzureKVProvider{EnvironmentType: tc.env})
		if err != nil || cl.config.ActiveDirectoryAuthorityHost != tc.authority || cl.scope != tc.scope || cl.custom || cl.audience != DefaultAudience {
			t.Errorf("%q: %+v, %v", tc.env, cl, err)
		}
	}
	stack, err := cloudFor(&esv1.AzureKVProvider{EnvironmentType: esv1.AzureEnvironmentAzureStackCloud, CustomCloudConfig: &esv1.AzureCustomCloudConfig{
		ActiveDirectoryEndpoint: "https://adfs.local/",
		KeyVaultEndpoint:        ptr("https://vault.local/"),
		Audience:                ptr("api://custom"),
	}})
	if err != nil || stack.config.ActiveDirectoryAuthorityHost != "https://adfs.local/" || stack.scope != "https://vault.local/.default" || !stack.custom || stack.audience != "api://custom" {
		t.Errorf("Azure Stack: %+v, %v", stack, err)
	}
}

func TestProvider_clientOptions(t *testing.T) {
	p := New(WithAuthorityHost("https://login.test/"))
	cl, _ := cloudFor(&esv1.AzureKVProvider{EnvironmentType: esv1.AzureEnvironmentChinaCloud})
	opts, err := p.clientOptions(&esv1.SecretStoreRetrySettings{MaxRetries: ptr(int32(2)), RetryInterval: ptr("3s")}, cl)
	if err != nil || opts.Cloud.ActiveDirectoryAuthorityHost != "https://login.test/" || opts.Retry.MaxRetries != 2 || opts.Retry.RetryDelay.String() != "3s" || opts.Retry.MaxRetryDelay.String() != "3s" {
		t.Errorf("options = %+v, %v", opts, err)
	}
	if opts, _ := p.clientOptions(&esv1.SecretStoreRetrySettings{MaxRetries: ptr(int32(0))}, cl); opts.Retry.MaxRetries != -1 {
		t.Errorf("maxRetries 0 = %d, want -1 (no retry)", opts.Retry.MaxRetries)
	}
	if _, err := p.clientOptions(&esv1.SecretStoreRetrySettings{RetryInterval: ptr("soon")}, cl); err == nil {
		t.Error("an invalid interval was accepted")
	}
}

func TestManagedIdentityID(t *testing.T) {
	if managedIdentityID(nil) != nil || managedIdentityID(ptr("")) != nil {
		t.Error("no ID must select the system-assigned identity")
	}
	if _, ok := managedIdentityID(ptr("/Subscriptions/s/resourceGroups/r")).(azidentity.ResourceID); !ok {
		t.Error("a resource ID is not a ResourceID")
	}
	if _, ok := managedIdentityID(ptr("0000-1111")).(azidentity.ClientID); !ok {
		t.Error("a client ID is not a ClientID")
	}
}
