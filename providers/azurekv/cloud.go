package azurekv

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// cloudConfig is what one Azure cloud means for this provider: where Entra ID issues
// tokens, the DNS suffix of its vaults, and the token scope of Key Vault (used by Validate;
// the vault itself names its resource in its challenge).
type cloudConfig struct {
	config   cloud.Configuration
	kvSuffix string
	scope    string
	// custom is true for a private cloud, whose authority Entra ID instance discovery does
	// not know.
	custom bool
	// audience is the audience of ServiceAccount tokens for workload identity.
	audience string
}

// DefaultAudience is the audience of the ServiceAccount tokens exchanged for Entra ID tokens
// (workload identity federation), the one the Azure workload identity webhook uses.
const DefaultAudience = "api://AzureADTokenExchange"

// publicClouds are the Azure clouds whose endpoints are known; AzureStackCloud takes them
// from customCloudConfig.
var publicClouds = map[esv1.AzureEnvironmentType]cloudConfig{
	esv1.AzureEnvironmentPublicCloud:       {config: cloud.AzurePublic, kvSuffix: "vault.azure.net"},
	esv1.AzureEnvironmentUSGovernmentCloud: {config: cloud.AzureGovernment, kvSuffix: "vault.usgovcloudapi.net"},
	esv1.AzureEnvironmentChinaCloud:        {config: cloud.AzureChina, kvSuffix: "vault.azure.cn"},
	esv1.AzureEnvironmentGermanCloud: {
		config:   cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.microsoftonline.de/"},
		kvSuffix: "vault.microsoftazure.de",
	},
}

// cloudFor returns the endpoints of the store's environmentType (PublicCloud when unset).
func cloudFor(spec *esv1.AzureKVProvider) (cloudConfig, error) {
	env := spec.EnvironmentType
	if env == "" {
		env = esv1.AzureEnvironmentPublicCloud
	}
	audience := DefaultAudience
	if c := spec.CustomCloudConfig; c != nil && c.Audience != nil && *c.Audience != "" {
		audience = *c.Audience
	}
	if cl, ok := publicClouds[env]; ok {
		cl.scope = "https://" + cl.kvSuffix + "/.default"
		cl.audience = audience
		return cl, nil
	}
	if env != esv1.AzureEnvironmentAzureStackCloud {
		return cloudConfig{}, fmt.Errorf("environmentType %q is not one of PublicCloud, USGovernmentCloud, ChinaCloud, GermanCloud, AzureStackCloud", env)
	}
	return customCloud(spec.CustomCloudConfig, audience)
}

// customCloud builds the endpoints of an Azure Stack (or other private) cloud.
func customCloud(c *esv1.AzureCustomCloudConfig, audience string) (cloudConfig, error) {
	if c == nil {
		return cloudConfig{}, errors.New("environmentType AzureStackCloud requires customCloudConfig")
	}
	if err := httpsURL("customCloudConfig.activeDirectoryEndpoint", c.ActiveDirectoryEndpoint); err != nil {
		return cloudConfig{}, err
	}
	cl := cloudConfig{config: cloud.Configuration{ActiveDirectoryAuthorityHost: c.ActiveDirectoryEndpoint}, custom: true, audience: audience}
	if c.KeyVaultDNSSuffix != nil {
		cl.kvSuffix = strings.TrimPrefix(*c.KeyVaultDNSSuffix, ".")
	}
	switch {
	case c.KeyVaultEndpoint != nil && *c.KeyVaultEndpoint != "":
		if err := httpsURL("customCloudConfig.keyVaultEndpoint", *c.KeyVaultEndpoint); err != nil {
			return cloudConfig{}, err
		}
		cl.scope = strings.TrimSuffix(*c.KeyVaultEndpoint, "/") + "/.default"
	case cl.kvSuffix != "":
		cl.scope = "https://" + cl.kvSuffix + "/.default"
	default:
		return cloudConfig{}, errors.New("customCloudConfig needs keyVaultEndpoint or keyVaultDNSSuffix")
	}
	return cl, nil
}

func httpsURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%s must be an https URL, not %q", field, raw)
	}
	return nil
}
