// Package secretdata is the key pipeline between a provider and the target Secret: it
// reads properties out of JSON values, turns JSON objects into key/value maps, rewrites
// and converts keys, validates them, decodes values and enforces the NUL byte policy.
//
// The ExternalSecret controller runs ProcessMap on what each dataFrom entry returns and
// ProcessValue on each data[] value; providers use GetProperty and JSONToMap so that every
// store follows the same property and GetSecretMap conventions.
//
// Nothing here ever puts a secret value into an error message: errors name keys,
// properties, strategies and byte offsets only, because error messages end up in
// conditions, events and logs.
package secretdata
