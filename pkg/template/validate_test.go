package template

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestValidateTemplate(t *testing.T) {
	saToken := corev1.SecretTypeServiceAccountToken
	saAnnotation := map[string]string{corev1.ServiceAccountNameKey: "admin"}
	cases := []struct {
		name    string
		tpl     *esv1.ExternalSecretTemplate
		wantErr string
	}{
		{name: "nil template", tpl: nil},
		{name: "plain template", tpl: &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeOpaque, Data: map[string]string{"a": "b"}}},
		{
			name:    "bootstrap token",
			tpl:     &esv1.ExternalSecretTemplate{Type: corev1.SecretTypeBootstrapToken},
			wantErr: `template.type="bootstrap.kubernetes.io/token" is not allowed`,
		},
		{
			name: "service-account token with the service-account annotation",
			tpl: &esv1.ExternalSecretTemplate{Type: saToken,
				Metadata: esv1.ExternalSecretTemplateMetadata{Annotations: saAnnotation}},
			wantErr: `template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed`,
		},
		{name: "service-account token without the annotation", tpl: &esv1.ExternalSecretTemplate{Type: saToken}},
		{
			name: "service-account token with templateFrom into annotations",
			tpl: &esv1.ExternalSecretTemplate{Type: saToken,
				TemplateFrom: []esv1.TemplateFrom{{Literal: ptr("a: b"), Target: "annotations"}}},
			wantErr: `template.type="kubernetes.io/service-account-token" with templateFrom target="Annotations" is not allowed`,
		},
		{
			name:    "unknown templateFrom target",
			tpl:     &esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{{Literal: ptr("a: b"), Target: "Spec"}}},
			wantErr: `templateFrom target="Spec" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`,
		},
		{
			name: "targets are case-insensitive",
			tpl: &esv1.ExternalSecretTemplate{TemplateFrom: []esv1.TemplateFrom{
				{Literal: ptr("a: b"), Target: "data"}, {Literal: ptr("a: b"), Target: "LABELS"}, {Literal: ptr("a: b")},
			}},
		},
		{
			name: "all errors are joined",
			tpl: &esv1.ExternalSecretTemplate{Type: saToken,
				Metadata:     esv1.ExternalSecretTemplateMetadata{Annotations: saAnnotation},
				TemplateFrom: []esv1.TemplateFrom{{Target: "Annotations"}, {Target: "x"}}},
			wantErr: `template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed` + "\n" +
				`template.type="kubernetes.io/service-account-token" with templateFrom target="Annotations" is not allowed` + "\n" +
				`templateFrom target="x" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTemplate(tc.tpl)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error\n%v\nwant\n%s", err, tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidTemplate) {
				t.Fatal("the error does not match ErrInvalidTemplate")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
