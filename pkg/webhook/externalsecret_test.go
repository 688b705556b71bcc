package webhook

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func validES(mutate func(*esv1.ExternalSecretSpec)) *esv1.ExternalSecret {
	es := &esv1.ExternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: "es", Namespace: "ns"},
		Spec: esv1.ExternalSecretSpec{
			SecretStoreRef: esv1.SecretStoreRef{Name: "store"},
			Target:         esv1.ExternalSecretTarget{CreationPolicy: esv1.CreatePolicyOwner, DeletionPolicy: esv1.DeletionPolicyRetain},
			Data:           []esv1.ExternalSecretData{{SecretKey: "a", RemoteRef: esv1.ExternalSecretDataRemoteRef{Key: "k"}}},
		},
	}
	if mutate != nil {
		mutate(&es.Spec)
	}
	return es
}

func TestValidateExternalSecret(t *testing.T) {
	literal := "x: y"
	tests := []struct {
		name   string
		mutate func(*esv1.ExternalSecretSpec)
		want   []string // every message expected; nil means valid
	}{
		{name: "a plain ExternalSecret is valid"},
		{name: "empty policies are the defaults and valid", mutate: func(s *esv1.ExternalSecretSpec) { s.Target = esv1.ExternalSecretTarget{} }},
		{name: "Delete with Owner is valid", mutate: func(s *esv1.ExternalSecretSpec) { s.Target.DeletionPolicy = esv1.DeletionPolicyDelete }},
		{name: "Delete with Orphan is left to the CRD", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy, s.Target.CreationPolicy = esv1.DeletionPolicyDelete, esv1.CreatePolicyOrphan
		}},
		{name: "Delete with Merge is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy, s.Target.CreationPolicy = esv1.DeletionPolicyDelete, esv1.CreatePolicyMerge
		}, want: []string{msgDeleteNotOwner}},
		{name: "Delete with None is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy, s.Target.CreationPolicy = esv1.DeletionPolicyDelete, esv1.CreatePolicyNone
		}, want: []string{msgDeleteNotOwner}},
		{name: "Delete with CreateOrMerge is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy, s.Target.CreationPolicy = esv1.DeletionPolicyDelete, esv1.CreatePolicyCreateOrMerge
		}, want: []string{msgDeleteNotOwner}},
		{name: "Merge with None is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy, s.Target.CreationPolicy = esv1.DeletionPolicyMerge, esv1.CreatePolicyNone
		}, want: []string{msgMergeWithNone}},
		{name: "Merge with Merge is valid", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy, s.Target.CreationPolicy = esv1.DeletionPolicyMerge, esv1.CreatePolicyMerge
		}},
		{name: "no data and no dataFrom is refused", mutate: func(s *esv1.ExternalSecretSpec) { s.Data = nil }, want: []string{msgNoData}},
		{name: "a service-account token with the account annotation is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeServiceAccountToken,
				Metadata: esv1.ExternalSecretTemplateMetadata{Annotations: map[string]string{corev1.ServiceAccountNameKey: "default"}}}
		}, want: []string{`template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed`}},
		{name: "a service-account token with templateFrom into annotations is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeServiceAccountToken,
				TemplateFrom: []esv1.TemplateFrom{{Literal: &literal, Target: "annotations"}}}
		}, want: []string{`template.type="kubernetes.io/service-account-token" with templateFrom target="Annotations" is not allowed`}},
		{name: "a bootstrap token is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeBootstrapToken}
		}, want: []string{`template.type="bootstrap.kubernetes.io/token" is not allowed`}},
		{name: "a templateFrom target a Secret does not have is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.Template = &esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{{Literal: &literal, Target: "Spec"}}}
		}, want: []string{`templateFrom target="Spec" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`}},
		{name: "templateFrom targets are case-insensitive", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.Template = &esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{{Literal: &literal, Target: "labels"}, {Literal: &literal}}}
		}},
		{name: "Secret template rules do not apply to a generic target", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.Manifest = &esv1.ManifestReference{APIVersion: "v1", Kind: "ConfigMap"}
			s.Target.Template = &esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{{Literal: &literal, Target: "spec.data"}}}
		}},
		{name: "extract and find in one dataFrom entry are refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{Extract: &esv1.ExternalSecretDataRemoteRef{Key: "k"}, Find: &esv1.ExternalSecretFind{}}}
		}, want: []string{msgSourcesAtOnce}},
		{name: "find and a generator in one dataFrom entry are refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{Find: &esv1.ExternalSecretFind{},
				SourceRef: &esv1.StoreGeneratorSourceRef{GeneratorRef: &esv1.GeneratorRef{Kind: "Password", Name: "p"}}}}
		}, want: []string{msgSourcesAtOnce}},
		{name: "a dataFrom entry without any source is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{Rewrite: []esv1.ExternalSecretRewrite{{}}}}
		}, want: []string{msgNoSource}},
		{name: "an empty dataFrom sourceRef is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{SourceRef: &esv1.StoreGeneratorSourceRef{}}}
		}, want: []string{msgEmptySourceRef}},
		{name: "a generator alone is a valid dataFrom entry", mutate: func(s *esv1.ExternalSecretSpec) {
			s.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{SourceRef: &esv1.StoreGeneratorSourceRef{GeneratorRef: &esv1.GeneratorRef{Kind: "Password", Name: "p"}}}}
		}},
		{name: "a generator in data is refused", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Data[0].SourceRef = &esv1.StoreSourceRef{GeneratorRef: &esv1.GeneratorRef{Kind: "Password", Name: "p"}}
		}, want: []string{msgDataGenerator}},
		{name: "duplicate secretKeys under Retain are refused, each once", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Data = append(s.Data, s.Data[0], s.Data[0], esv1.ExternalSecretData{SecretKey: "b"}, esv1.ExternalSecretData{SecretKey: "b"})
		}, want: []string{"duplicate secretKey found: a", "duplicate secretKey found: b"}},
		{name: "duplicate secretKeys under Delete are not checked (upstream quirk)", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.DeletionPolicy = esv1.DeletionPolicyDelete
			s.Data = append(s.Data, s.Data[0])
		}},
		{name: "every broken rule is reported at once", mutate: func(s *esv1.ExternalSecretSpec) {
			s.Target.CreationPolicy = esv1.CreatePolicyNone
			s.Target.Template = &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeBootstrapToken}
			s.DataFrom = []esv1.ExternalSecretDataFromRemoteRef{{}}
			s.Data = append(s.Data, s.Data[0])
		}, want: []string{`template.type="bootstrap.kubernetes.io/token" is not allowed`, msgNoSource, "duplicate secretKey found: a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateExternalSecret(validES(tt.mutate))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %q, got nil", tt.want)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("messages:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
