package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Encodings a Password generator can apply to each generated password.
const (
	// PasswordEncodingRaw returns the password as generated (the default).
	PasswordEncodingRaw = "raw"
	// PasswordEncodingBase64 returns the password in standard, padded base64.
	PasswordEncodingBase64 = "base64"
	// PasswordEncodingBase64URL returns the password in URL-safe, padded base64.
	PasswordEncodingBase64URL = "base64url"
	// PasswordEncodingBase32 returns the password in standard, padded base32.
	PasswordEncodingBase32 = "base32"
	// PasswordEncodingHex returns the password as lower-case hexadecimal.
	PasswordEncodingHex = "hex"
)

// PasswordDefaultSecretKey is the only output key of a Password generator that does not set
// secretKeys.
const PasswordDefaultSecretKey = "password"

// PasswordSpec says how long a generated password is and which characters it contains.
// Every generation produces new passwords; use refreshInterval 0 or refreshPolicy CreatedOnce
// on the ExternalSecret to keep the first one.
type PasswordSpec struct {
	// Length is the total number of characters of each password. Defaults to 24; zero or a
	// negative value also means 24.
	// +kubebuilder:default=24
	// +kubebuilder:validation:Required
	Length int `json:"length"`

	// Digits is the exact number of digits in each password. When omitted, a quarter of the
	// length (rounded down) is used.
	// +optional
	Digits *int `json:"digits,omitempty"`

	// Symbols is the exact number of symbol characters in each password. When omitted, a
	// quarter of the length (rounded down) is used.
	// +optional
	Symbols *int `json:"symbols,omitempty"`

	// SymbolCharacters is the set of symbols to draw from. When omitted, the set
	// ~!@#$%^&*()_+`-={}|[]\:"<>?,./ is used.
	// +optional
	SymbolCharacters *string `json:"symbolCharacters,omitempty"`

	// NoUpper, when true, generates lower-case letters only. Defaults to false.
	// +kubebuilder:default=false
	// +kubebuilder:validation:Required
	NoUpper bool `json:"noUpper"`

	// AllowRepeat, when true, lets a character appear more than once in a password.
	// Defaults to false, which limits how long a password can be for a given character set.
	// +kubebuilder:default=false
	// +kubebuilder:validation:Required
	AllowRepeat bool `json:"allowRepeat"`

	// SecretKeys are the output keys; each gets its own, independently generated password.
	// Defaults to ["password"]. The keys must be non-empty and unique.
	// +optional
	SecretKeys []string `json:"secretKeys,omitempty"`

	// Encoding is applied to each password before it is returned: raw (the default), base64,
	// base64url, base32 or hex.
	// +kubebuilder:default="raw"
	// +kubebuilder:validation:Enum=raw;base64;base64url;base32;hex
	// +optional
	Encoding *string `json:"encoding,omitempty"`
}

// Password generates random passwords. Its output keys are the entries of spec.secretKeys,
// or "password" when that is empty.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,categories={external-secrets,external-secrets-generators}
type Password struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec PasswordSpec `json:"spec,omitempty"`
}

// PasswordList is a list of Password generators.
// +kubebuilder:object:root=true
type PasswordList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Password `json:"items"`
}
