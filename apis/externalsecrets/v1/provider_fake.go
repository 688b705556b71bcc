package v1

// FakeProvider serves values written in the store itself. It needs no backend, which makes
// it the provider of choice for tests, demos and trying out templates.
type FakeProvider struct {
	// Data are the key/value pairs the store serves.
	Data []FakeProviderData `json:"data"`

	// ValidationResult forces the outcome of the store's validation: 0 Ready, 1 Unknown,
	// 2 Error. Unset means Ready.
	// +optional
	ValidationResult *ValidationResult `json:"validationResult,omitempty"`
}

// FakeProviderData is one value served by a FakeProvider.
type FakeProviderData struct {
	// Key is the remote key that returns this value.
	Key string `json:"key"`

	// Value is returned as is; a JSON object value can be read by property or extracted.
	Value string `json:"value"`

	// Version, when set, is only returned to references asking for that exact version.
	// +optional
	Version string `json:"version,omitempty"`
}
