package template

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// fakeSources is an in-memory Sources that counts reads.
type fakeSources struct {
	configMaps map[string]map[string]string
	secrets    map[string]map[string][]byte
	reads      int
}

func (f *fakeSources) ConfigMap(_ context.Context, name string) (map[string]string, error) {
	f.reads++
	cm, ok := f.configMaps[name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
	}
	return cm, nil
}

func (f *fakeSources) Secret(_ context.Context, name string) (map[string][]byte, error) {
	f.reads++
	s, ok := f.secrets[name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	return s, nil
}

func newSources() *fakeSources {
	return &fakeSources{
		configMaps: map[string]map[string]string{
			"tpl": {
				"config.yaml": "user: {{ .user }}",
				"kv":          "A: {{ .user | upper }}\nB: '{{ .pass }}'",
				"b64":         "{{ .user | b64enc }}",
				"labels":      "team: {{ .team }}",
			},
		},
		secrets: map[string]map[string][]byte{
			"tpl-secret": {"conn": []byte("{{ .user }}@{{ .host }}")},
		},
	}
}

var providerData = map[string][]byte{"user": []byte("u"), "pass": []byte("p"), "host": []byte("h"), "team": []byte("core")}

func existingSecret() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns", Labels: map[string]string{"keep": "l"}, Annotations: map[string]string{"keep": "a"}},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"foreign": []byte("f"), "user": []byte("old")},
	}
}

// result is the part of a Secret Apply writes.
type result struct {
	typ         corev1.SecretType
	data        map[string]string
	labels      map[string]string
	annotations map[string]string
	finalizers  []string
}

func resultOf(s *corev1.Secret) result {
	r := result{typ: s.Type, data: map[string]string{}, labels: s.Labels, annotations: s.Annotations, finalizers: s.Finalizers}
	for k, v := range s.Data {
		r.data[k] = string(v)
	}
	return r
}

func (r result) String() string {
	return fmt.Sprintf("type=%s data=%v labels=%v annotations=%v finalizers=%v", r.typ, r.data, r.labels, r.annotations, r.finalizers)
}

func equalResult(a, b result) bool {
	return a.typ == b.typ && maps.Equal(a.data, b.data) && maps.Equal(a.labels, b.labels) &&
		maps.Equal(a.annotations, b.annotations) && slices.Equal(a.finalizers, b.finalizers)
}

func TestEngine_Apply(t *testing.T) {
	for _, tc := range applyCases() {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.Secret == nil {
				in.Secret = existingSecret()
			}
			if in.Data == nil {
				in.Data = providerData
			}
			if in.Sources == nil {
				in.Sources = newSources()
			}
			in.Namespace = "ns"
			before := in.Secret.DeepCopy()
			err := New().Apply(context.Background(), in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if !equalResult(resultOf(in.Secret), resultOf(before)) {
					t.Fatalf("the Secret changed on error: %s", resultOf(in.Secret))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := resultOf(in.Secret); !equalResult(got, tc.want) {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

type applyCase struct {
	name    string
	in      ApplyInput
	want    result
	wantErr string
}

func applyCases() []applyCase {
	var cases []applyCase
	cases = append(cases, noTemplateCases()...)
	cases = append(cases, templateCases()...)
	cases = append(cases, templateFromCases()...)
	cases = append(cases, applyErrorCases()...)
	return cases
}

func noTemplateCases() []applyCase {
	esAnnotations := map[string]string{"note": "x", AnnotationLastApplied: `{"big":"manifest"}`}
	return []applyCase{
		{
			name: "no template, Owner: ES metadata copied except last-applied, data replaced",
			in:   ApplyInput{CreationPolicy: esv1.CreatePolicyOwner, ESLabels: map[string]string{"app": "x"}, ESAnnotations: esAnnotations},
			want: result{typ: corev1.SecretTypeOpaque, data: map[string]string{"user": "u", "pass": "p", "host": "h", "team": "core"},
				labels: map[string]string{"keep": "l", "app": "x"}, annotations: map[string]string{"keep": "a", "note": "x"}},
		},
		{
			name: "no template, Merge: foreign keys kept, provider keys win",
			in:   ApplyInput{CreationPolicy: esv1.CreatePolicyMerge},
			want: result{typ: corev1.SecretTypeOpaque, data: map[string]string{"foreign": "f", "user": "u", "pass": "p", "host": "h", "team": "core"},
				labels: map[string]string{"keep": "l"}, annotations: map[string]string{"keep": "a"}},
		},
		{
			name: "no template, CreateOrMerge on a new Secret",
			in:   ApplyInput{CreationPolicy: esv1.CreatePolicyCreateOrMerge, Secret: &corev1.Secret{}, Data: map[string][]byte{"k": []byte("v")}},
			want: result{data: map[string]string{"k": "v"}},
		},
	}
}

func templateCases() []applyCase {
	base := result{typ: corev1.SecretTypeOpaque, labels: map[string]string{"keep": "l"}, annotations: map[string]string{"keep": "a"}}
	with := func(r result, f func(*result)) result { f(&r); return r }
	return []applyCase{
		{
			name: "template data replaces provider data (mergePolicy Replace); ES metadata not copied",
			in: ApplyInput{ESLabels: map[string]string{"app": "x"}, Template: &esv1.ExternalSecretTemplate{
				Data: map[string]string{"url": "{{ .user }}@{{ .host }}"}}},
			want: with(base, func(r *result) { r.data = map[string]string{"url": "u@h"} }),
		},
		{
			name: "mergePolicy Merge keeps provider data and templates win",
			in: ApplyInput{Template: &esv1.ExternalSecretTemplate{MergePolicy: esv1.MergePolicyMerge,
				Data: map[string]string{"user": "{{ .user }}-rendered"}}},
			want: with(base, func(r *result) {
				r.data = map[string]string{"user": "u-rendered", "pass": "p", "host": "h", "team": "core"}
			}),
		},
		{
			name: "template with only a type keeps provider data (seed 004 generator case)",
			in:   ApplyInput{Template: &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeDockerConfigJson}},
			want: with(base, func(r *result) {
				r.typ = corev1.SecretTypeDockerConfigJson
				r.data = map[string]string{"user": "u", "pass": "p", "host": "h", "team": "core"}
			}),
		},
		{
			name: "finalizers added once; metadata templates rendered",
			in: ApplyInput{Secret: func() *corev1.Secret { s := existingSecret(); s.Finalizers = []string{"a/b"}; return s }(),
				Template: &esv1.ExternalSecretTemplate{Metadata: esv1.ExternalSecretTemplateMetadata{
					Finalizers:  []string{"a/b", "c/d"},
					Labels:      map[string]string{"team": "{{ .team }}"},
					Annotations: map[string]string{"owner": "{{ .user | upper }}", "static": "v"},
				}}},
			want: with(base, func(r *result) {
				r.finalizers = []string{"a/b", "c/d"}
				r.data = map[string]string{"user": "u", "pass": "p", "host": "h", "team": "core"}
				r.labels = map[string]string{"keep": "l", "team": "core"}
				r.annotations = map[string]string{"keep": "a", "owner": "U", "static": "v"}
			}),
		},
		{
			name: "no finalizers on a Secret being deleted",
			in: ApplyInput{Secret: func() *corev1.Secret {
				s := existingSecret()
				s.DeletionTimestamp = &metav1.Time{}
				return s
			}(), Template: &esv1.ExternalSecretTemplate{Metadata: esv1.ExternalSecretTemplateMetadata{Finalizers: []string{"c/d"}}}},
			want: with(base, func(r *result) { r.data = map[string]string{"user": "u", "pass": "p", "host": "h", "team": "core"} }),
		},
		{
			name: "precedence: template.data > later templateFrom > earlier templateFrom > provider > foreign",
			in: ApplyInput{CreationPolicy: esv1.CreatePolicyMerge, Template: &esv1.ExternalSecretTemplate{
				MergePolicy: esv1.MergePolicyMerge,
				Data:        map[string]string{"a": "data"},
				TemplateFrom: []esv1.TemplateFrom{
					{Literal: ptr("a: first\nb: first\nc: first\nforeign: first")},
					{Literal: ptr("a: second\nb: second")},
				}}},
			want: with(base, func(r *result) {
				r.data = map[string]string{"a": "data", "b": "second", "c": "first", "foreign": "first", "user": "u", "pass": "p", "host": "h", "team": "core"}
			}),
		},
		{
			name: "existing type kept when the template sets none",
			in: ApplyInput{Secret: func() *corev1.Secret { s := existingSecret(); s.Type = corev1.SecretTypeTLS; return s }(),
				Template: &esv1.ExternalSecretTemplate{Data: map[string]string{"tls.crt": "c"}}},
			want: with(base, func(r *result) { r.typ = corev1.SecretTypeTLS; r.data = map[string]string{"tls.crt": "c"} }),
		},
	}
}

func templateFromCases() []applyCase {
	base := result{typ: corev1.SecretTypeOpaque, labels: map[string]string{"keep": "l"}, annotations: map[string]string{"keep": "a"}}
	with := func(r result, f func(*result)) result { f(&r); return r }
	tf := func(items ...esv1.TemplateFrom) *esv1.ExternalSecretTemplate {
		return &esv1.ExternalSecretTemplate{TemplateFrom: items}
	}
	cm := func(scope esv1.TemplateScope, keys ...string) *esv1.TemplateRef {
		ref := &esv1.TemplateRef{Name: "tpl"}
		for _, k := range keys {
			ref.Items = append(ref.Items, esv1.TemplateRefItem{Key: k, TemplateAs: scope})
		}
		return ref
	}
	return []applyCase{
		{
			name: "configMap Values",
			in:   ApplyInput{Template: tf(esv1.TemplateFrom{ConfigMap: cm("", "config.yaml")})},
			want: with(base, func(r *result) { r.data = map[string]string{"config.yaml": "user: u"} }),
		},
		{
			name: "configMap KeysAndValues",
			in:   ApplyInput{Template: tf(esv1.TemplateFrom{ConfigMap: cm(esv1.TemplateScopeKeysAndValues, "kv")})},
			want: with(base, func(r *result) { r.data = map[string]string{"A": "U", "B": "p"} }),
		},
		{
			name: "secret Values, then configMap, then literal in one entry",
			in: ApplyInput{Template: tf(esv1.TemplateFrom{
				Secret:    &esv1.TemplateRef{Name: "tpl-secret", Items: []esv1.TemplateRefItem{{Key: "conn"}}},
				ConfigMap: cm(esv1.TemplateScopeValues, "config.yaml"),
				Literal:   ptr("lit: '{{ .pass }}'"),
			})},
			want: with(base, func(r *result) { r.data = map[string]string{"conn": "u@h", "config.yaml": "user: u", "lit": "p"} }),
		},
		{
			name: "targets Labels and Annotations, case-insensitive",
			in: ApplyInput{Template: tf(
				esv1.TemplateFrom{ConfigMap: cm(esv1.TemplateScopeKeysAndValues, "labels"), Target: "labels"},
				esv1.TemplateFrom{Literal: ptr("note: '{{ .host }}'"), Target: "ANNOTATIONS"},
			)},
			want: with(base, func(r *result) {
				r.data = map[string]string{}
				r.labels = map[string]string{"keep": "l", "team": "core"}
				r.annotations = map[string]string{"keep": "a", "note": "h"}
			}),
		},
		{
			name: "valuesDecodingStrategy Base64 on Values and KeysAndValues",
			in: ApplyInput{Template: tf(
				esv1.TemplateFrom{ConfigMap: cm("", "b64"), ValuesDecodingStrategy: esv1.ExternalSecretDecodeBase64},
				esv1.TemplateFrom{Literal: ptr("bin: {{ .pass | b64enc }}"), ValuesDecodingStrategy: esv1.ExternalSecretDecodeBase64},
			)},
			want: with(base, func(r *result) { r.data = map[string]string{"b64": "u", "bin": "p"} }),
		},
		{
			name: "valuesDecodingStrategy Auto and Base64URL",
			in: ApplyInput{Template: tf(
				esv1.TemplateFrom{Literal: ptr("a: aGk=\nb: not base64!"), ValuesDecodingStrategy: esv1.ExternalSecretDecodeAuto},
				esv1.TemplateFrom{Literal: ptr("c: _-8="), ValuesDecodingStrategy: esv1.ExternalSecretDecodeBase64URL},
			)},
			want: with(base, func(r *result) { r.data = map[string]string{"a": "hi", "b": "not base64!", "c": "\xff\xef"} }),
		},
	}
}

func applyErrorCases() []applyCase {
	tf := func(items ...esv1.TemplateFrom) *esv1.ExternalSecretTemplate {
		return &esv1.ExternalSecretTemplate{TemplateFrom: items}
	}
	return []applyCase{
		{name: "bootstrap token refused", in: ApplyInput{Template: &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeBootstrapToken}},
			wantErr: `template.type="bootstrap.kubernetes.io/token" is not allowed`},
		{
			name: "service-account annotation merged into an existing token Secret refused",
			in: ApplyInput{CreationPolicy: esv1.CreatePolicyMerge,
				Secret: func() *corev1.Secret { s := existingSecret(); s.Type = corev1.SecretTypeServiceAccountToken; return s }(),
				Template: &esv1.ExternalSecretTemplate{Metadata: esv1.ExternalSecretTemplateMetadata{
					Annotations: map[string]string{corev1.ServiceAccountNameKey: "admin"}}}},
			wantErr: `with annotation "kubernetes.io/service-account.name" is not allowed`,
		},
		{name: "unknown target refused", in: ApplyInput{Template: tf(esv1.TemplateFrom{Literal: ptr("a: b"), Target: "Status"})},
			wantErr: `templateFrom target="Status" is not allowed when targeting a Secret`},
		{name: "unknown engine version", in: ApplyInput{Template: &esv1.ExternalSecretTemplate{EngineVersion: "v1"}},
			wantErr: "unsupported template engine version"},
		{name: "template error names the key, not the value", in: ApplyInput{Template: &esv1.ExternalSecretTemplate{
			Data: map[string]string{"bad": "{{ .nope }}"}}},
			wantErr: `could not execute template: unable to execute template at key bad: template: bad:1:3: executing "bad" at <.nope>: map has no entry for key "nope"`},
		{name: "label template error", in: ApplyInput{Template: &esv1.ExternalSecretTemplate{Metadata: esv1.ExternalSecretTemplateMetadata{
			Labels: map[string]string{"l": "{{"}}}}, wantErr: "unable to parse template at key l"},
		{name: "missing configMap key", in: ApplyInput{Template: tf(esv1.TemplateFrom{ConfigMap: &esv1.TemplateRef{Name: "tpl", Items: []esv1.TemplateRefItem{{Key: "nope"}}}})},
			wantErr: "error in configmap tpl: missing key nope"},
		{name: "missing secret key", in: ApplyInput{Template: tf(esv1.TemplateFrom{Secret: &esv1.TemplateRef{Name: "tpl-secret", Items: []esv1.TemplateRefItem{{Key: "nope"}}}})},
			wantErr: "error in secret tpl-secret: missing key nope"},
		{name: "missing configMap", in: ApplyInput{Template: tf(esv1.TemplateFrom{ConfigMap: &esv1.TemplateRef{Name: "gone", Items: []esv1.TemplateRefItem{{Key: "k"}}}})},
			wantErr: `error fetching templateFrom data: configmap ns/gone: configmaps "gone" not found`},
		{name: "KeysAndValues output is not a map", in: ApplyInput{Template: tf(esv1.TemplateFrom{Literal: ptr("- {{ .pass }}-secret")})},
			wantErr: "the output of template at key literal is not a YAML map of strings"},
		{name: "invalid base64", in: ApplyInput{Template: tf(esv1.TemplateFrom{Literal: ptr("a: '@@'"), ValuesDecodingStrategy: esv1.ExternalSecretDecodeBase64})},
			wantErr: "unable to decode the output of template at key a: decoding strategy Base64: illegal base64 data at input byte 0"},
		{name: "unknown decoding strategy", in: ApplyInput{Template: tf(esv1.TemplateFrom{Literal: ptr("a: b"), ValuesDecodingStrategy: "Hex"})},
			wantErr: `unable to decode the output of template at key a: decoding strategy "Hex" is not supported`},
	}
}

func TestEngine_Apply_readsEachSourceOnce(t *testing.T) {
	src := newSources()
	ref := &esv1.TemplateRef{Name: "tpl", Items: []esv1.TemplateRefItem{{Key: "config.yaml"}}}
	in := ApplyInput{Secret: &corev1.Secret{}, Data: providerData, Sources: src, Template: &esv1.ExternalSecretTemplate{
		TemplateFrom: []esv1.TemplateFrom{{ConfigMap: ref}, {ConfigMap: ref, Target: "Annotations"}},
	}}
	if err := New().Apply(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if src.reads != 1 {
		t.Fatalf("%d reads, want 1", src.reads)
	}
}

func TestEngine_Apply_withoutSources(t *testing.T) {
	in := ApplyInput{Secret: &corev1.Secret{}, Namespace: "ns", Template: &esv1.ExternalSecretTemplate{
		TemplateFrom: []esv1.TemplateFrom{{Secret: &esv1.TemplateRef{Name: "x", Items: []esv1.TemplateRefItem{{Key: "k"}}}}},
	}}
	err := New().Apply(context.Background(), in)
	if !errors.Is(err, errNoSources) {
		t.Fatalf("error %v", err)
	}
}

func TestEngine_Apply_fetchErrorsAreWrapped(t *testing.T) {
	in := ApplyInput{Secret: &corev1.Secret{}, Sources: newSources(), Template: &esv1.ExternalSecretTemplate{
		TemplateFrom: []esv1.TemplateFrom{{Secret: &esv1.TemplateRef{Name: "gone", Items: []esv1.TemplateRefItem{{Key: "k"}}}}},
	}}
	if err := New().Apply(context.Background(), in); !apierrors.IsNotFound(err) {
		t.Fatalf("error %v should be a NotFound the caller can wait on", err)
	}
}

func TestEngine_Apply_doesNotShareProviderMemory(t *testing.T) {
	data := map[string][]byte{"k": []byte("v")}
	in := ApplyInput{Secret: &corev1.Secret{}, Data: data}
	if err := New().Apply(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	in.Secret.Data["k"][0] = 'x'
	if string(data["k"]) != "v" {
		t.Fatal("the Secret shares memory with the provider data")
	}
}
