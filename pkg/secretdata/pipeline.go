package secretdata

import (
	"maps"
	"slices"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// MapOptions are the settings of one dataFrom entry (extract or find) that shape the keys
// and values it returns.
type MapOptions struct {
	// Rewrite is the entry's rewrite list; when it is not empty, Conversion is not applied.
	Rewrite []esv1.ExternalSecretRewrite
	// Transform renders rewrite.transform templates; needed only when Rewrite has one.
	Transform TransformFunc
	// Conversion is the conversionStrategy of the extract or find.
	Conversion esv1.ExternalSecretConversionStrategy
	// Decoding is the decodingStrategy of the extract or find.
	Decoding esv1.ExternalSecretDecodingStrategy
	// NullBytes is the nullBytePolicy of the extract or find.
	NullBytes esv1.ExternalSecretNullBytePolicy
}

// ProcessMap runs what a dataFrom extract or find returned through the key pipeline, in the
// order the ExternalSecret API defines: rewrite; then, only when there is no rewrite (a
// rewrite is expected to produce valid keys itself), key conversion; then key validation
// (empty keys are dropped); then decoding; then the NUL byte policy. in is not modified.
func ProcessMap(in map[string][]byte, opts MapOptions) (map[string][]byte, error) {
	out, err := Rewrite(opts.Rewrite, in, opts.Transform)
	if err != nil {
		return nil, err
	}
	if len(opts.Rewrite) == 0 {
		if out, err = ConvertKeys(opts.Conversion, out); err != nil {
			return nil, err
		}
	}
	if out, err = ValidateKeys(out); err != nil {
		return nil, err
	}
	if out, err = DecodeMap(opts.Decoding, out); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(out)) {
		if err := CheckNullBytes(opts.NullBytes, k, out[k]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ProcessValue runs one data[] value through its part of the pipeline: decoding, then the
// NUL byte policy. Its key comes from secretKey, so no rewrite or conversion applies.
func ProcessValue(key string, value []byte, decoding esv1.ExternalSecretDecodingStrategy, nullBytes esv1.ExternalSecretNullBytePolicy) ([]byte, error) {
	out, err := Decode(decoding, value)
	if err != nil {
		return nil, err
	}
	if err := CheckNullBytes(nullBytes, key, out); err != nil {
		return nil, err
	}
	return out, nil
}

// MergeInto copies src into dst, overwriting keys dst already has. It is how the results of
// the sources of an ExternalSecret are combined: dataFrom entries in order, then data[],
// each later one winning. dst must not be nil.
func MergeInto(dst, src map[string][]byte) {
	maps.Copy(dst, src)
}
