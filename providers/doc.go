// Package providers defines the contract between the controllers and the secret stores, and
// the explicit registry that maps a store's spec.provider key to its implementation.
//
// # Shape
//
// A Provider turns a SecretStore or ClusterSecretStore into a Client bound to one set of
// credentials. Every Client reads (GetSecret, GetSecretMap, GetAllSecrets), validates its
// credentials (Validate) and releases what it holds (Close). Stores that can be written to
// also implement Writer; callers discover it with a type assertion, so no provider carries
// stubs that answer "not implemented".
//
// # Semantics every implementation honours
//
//   - Not found. When the remote secret (or the requested version, or the requested property)
//     does not exist, return an error that wraps ErrSecretNotFound. The ExternalSecret's
//     deletionPolicy decides what that means (skip the source, delete the target, or fail), so
//     a provider must never turn "not found" into an empty value or an unrelated error.
//   - Errors carry no secret material. An error message may name a key, a path or a status
//     code; never a value, a token or a credential.
//   - GetSecret returns the raw value. With ref.Property it returns one sub-value, read with
//     the conventions of package secretdata (exact top-level key first, then a gjson path).
//     With ref.MetadataPolicy Fetch it returns the secret's metadata (tags, labels) instead of
//     its value: a JSON object, or one entry when Property names it.
//   - GetSecretMap returns key/value pairs, conventionally the top-level fields of a JSON
//     object (strings unquoted, other JSON values as their JSON text).
//   - GetAllSecrets implements find (name regexp, tags, path). It returns remote names as keys
//     unconverted; the controller converts and validates keys. A provider that cannot honour
//     one of the criteria returns an error wrapping ErrNotSupported.
//   - Idempotency. Reads have no side effects. Writer.DeleteSecret of something that does not
//     exist succeeds. Writers refuse to overwrite or delete remote secrets they do not manage.
//   - Caching. A Client lives for one reconcile of one object. It may cache and coalesce
//     identical reads for its own lifetime (same key, version and property); it must not share
//     cached values with a Client built from other credentials.
//   - Close releases everything the Client holds (connections, goroutines, login tokens it
//     created). Close is called exactly once, also after errors; it must be safe to call on a
//     Client whose reads failed.
//   - Validate is a cheap credential check for the store controller. It returns
//     ValidationResultUnknown, with a nil error, when it cannot decide (for example a
//     ClusterSecretStore whose credentials are resolved per ExternalSecret namespace).
//   - Context. Every call honours ctx cancellation and deadlines.
package providers
