package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// OnePasswordProvider reads 1Password items through a 1Password Connect server.
type OnePasswordProvider struct {
	// Auth holds the Connect token.
	Auth *OnePasswordAuth `json:"auth"`

	// ConnectHost is the URL of the Connect server, e.g. http://onepassword-connect:8080.
	// +kubebuilder:validation:MinLength=1
	ConnectHost string `json:"connectHost"`

	// Vaults maps vault names to a search priority; items are looked up in ascending
	// priority order and the first vault holding the item wins. Priorities must be unique.
	// +kubebuilder:validation:MinProperties=1
	Vaults map[string]int `json:"vaults"`
}

// OnePasswordAuth holds the credentials for a Connect server.
type OnePasswordAuth struct {
	// SecretRef points at the Connect token.
	SecretRef *OnePasswordAuthSecretRef `json:"secretRef"`
}

// OnePasswordAuthSecretRef points at the Secret key holding a Connect token.
type OnePasswordAuthSecretRef struct {
	// ConnectToken selects the Connect server access token.
	ConnectToken esmeta.SecretKeySelector `json:"connectTokenSecretRef"`
}
