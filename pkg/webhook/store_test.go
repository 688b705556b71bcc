package webhook

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

func kubernetesProvider(namespace *string) *esv1.SecretStoreProvider {
	return &esv1.SecretStoreProvider{Kubernetes: &esv1.KubernetesProvider{
		Auth: &esv1.KubernetesAuth{Token: &esv1.TokenAuth{BearerToken: esmeta.SecretKeySelector{Name: "token", Key: "t", Namespace: namespace}}},
	}}
}

func TestStoreValidator_Validate(t *testing.T) {
	other, own := "other", "ns"
	seconds := intstr.FromInt32(30)
	tests := []struct {
		name        string
		cluster     bool
		annotations map[string]string
		spec        esv1.SecretStoreSpec
		want        []string
		warnings    []string
	}{
		{name: "a store of a maintained provider is valid without warnings", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(nil)}},
		{name: "a namespaced store may repeat its own namespace", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(&own)}},
		{name: "a namespaced store may not reference another namespace", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(&other)},
			want: []string{"auth.token.bearerToken: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore"}},
		{name: "a cluster store may reference any namespace", cluster: true, spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(&other)}},
		{name: "an unmaintained provider is accepted with a warning", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}}},
			warnings: []string{"store fake isn't currently maintained. Please plan and prepare accordingly."}},
		{name: "the maintenance annotation silences the warning", annotations: map[string]string{esv1.AnnotationIgnoreMaintenanceChecks: "true"},
			spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}}}},
		{name: "a deprecated provider is accepted with a warning", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Doppler: &esv1.DopplerProvider{}}},
			warnings: []string{"store doppler is deprecated and will stop working on the next major version. Please plan and prepare accordingly."}},
		{name: "the provider's own rules apply, with its warnings kept", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{Data: []esv1.FakeProviderData{{Value: "v"}}}}},
			want: []string{"data[0]: key must not be empty"}, warnings: []string{"store fake isn't currently maintained. Please plan and prepare accordingly."}},
		{name: "no provider is refused", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}},
			want: []string{"secret stores must only have exactly one backend specified, found 0"}},
		{name: "two providers are refused", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}, Kubernetes: &esv1.KubernetesProvider{}}},
			want: []string{"secret stores must only have exactly one backend specified, found 2"}},
		{name: "a provider this binary does not serve is refused", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{GCPSM: &esv1.GCPSMProvider{}}},
			want: []string{"failed to find registered store backend for type: gcpsm, name: store"}},
		{name: "integer seconds are a valid refreshInterval", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(nil), RefreshInterval: &seconds}},
		{name: "a duration is a valid refreshInterval", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(nil), RefreshInterval: new(intstr.FromString("1h30m"))}},
		{name: "a negative refreshInterval is refused", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(nil), RefreshInterval: new(intstr.FromInt32(-1))},
			want: []string{"invalid refreshInterval: -1s is negative"}},
		{name: "an unparseable refreshInterval is refused", spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(nil), RefreshInterval: new(intstr.FromString("99999999999h"))},
			want: []string{`invalid refreshInterval: time: invalid duration "99999999999h"`}},
		{name: "every namespace regex must compile", cluster: true, spec: esv1.SecretStoreSpec{Provider: kubernetesProvider(nil), Conditions: []esv1.ClusterSecretStoreCondition{
			{NamespaceRegexes: []string{"^dev-", "("}}, {NamespaceRegexes: []string{"[z-a]"}},
		}}, want: []string{
			"failed to compile 1th namespace regex in 0th condition: error parsing regexp: missing closing ): `(`",
			"failed to compile 0th namespace regex in 1th condition: error parsing regexp: invalid character class range: `z-a`",
		}},
		{name: "generic errors and the missing provider are reported together", spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{},
			Conditions: []esv1.ClusterSecretStoreCondition{{NamespaceRegexes: []string{"("}}}, RefreshInterval: new(intstr.FromInt32(-1))},
			want: []string{"failed to compile 0th namespace regex in 0th condition: error parsing regexp: missing closing ): `(`",
				"invalid refreshInterval: -1s is negative", "secret stores must only have exactly one backend specified, found 0"}},
	}
	v := StoreValidator{Registry: mustRegistry(t)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := metav1.ObjectMeta{Name: "store", Namespace: "ns", Annotations: tt.annotations}
			var store esv1.GenericStore = &esv1.SecretStore{ObjectMeta: meta, Spec: tt.spec}
			if tt.cluster {
				meta.Namespace = ""
				store = &esv1.ClusterSecretStore{ObjectMeta: meta, Spec: tt.spec}
			}
			warnings, err := v.Validate(store)
			if strings.Join(warnings, "|") != strings.Join(tt.warnings, "|") {
				t.Errorf("warnings:\n got %q\nwant %q", warnings, tt.warnings)
			}
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("errors:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
