package template

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// ErrInvalidTemplate is wrapped by the errors of ValidateTemplate and of an unknown engine
// version: the ExternalSecret must be changed, so the controller reports it without
// retrying.
var ErrInvalidTemplate = errors.New("invalid template")

// invalidTemplateError carries one of the exact admission messages of contract §2.5 while
// matching ErrInvalidTemplate.
type invalidTemplateError struct{ msg string }

func (e *invalidTemplateError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrInvalidTemplate) true.
func (e *invalidTemplateError) Is(target error) bool { return target == ErrInvalidTemplate }

func invalidf(format string, args ...any) error {
	return &invalidTemplateError{msg: fmt.Sprintf(format, args...)}
}

// ValidateTemplate checks the rules that keep a template from producing a privileged Secret
// (contract §2.5): a bootstrap token lets nodes join the cluster, and a service-account
// token Secret with the service-account name annotation makes the cluster issue a token for
// that ServiceAccount. It also checks that every templateFrom target is one a Secret has.
// The admission webhook and Apply share it, so clusters without the webhook are protected
// too and both report the same messages (joined when several rules fail).
func ValidateTemplate(t *esv1.ExternalSecretTemplate) error {
	if t == nil {
		return nil
	}
	return validateTemplate(t, t.Type)
}

// validateTemplate checks t as if the Secret had type typ.
func validateTemplate(t *esv1.ExternalSecretTemplate, typ corev1.SecretType) error {
	var errs []error
	switch typ {
	case corev1.SecretTypeServiceAccountToken:
		if _, ok := t.Metadata.Annotations[corev1.ServiceAccountNameKey]; ok {
			errs = append(errs, invalidf("template.type=%q with annotation %q is not allowed", typ, corev1.ServiceAccountNameKey))
		}
		for _, tf := range t.TemplateFrom {
			if strings.EqualFold(string(tf.Target), string(esv1.TemplateTargetAnnotations)) {
				errs = append(errs, invalidf("template.type=%q with templateFrom target=%q is not allowed", typ, esv1.TemplateTargetAnnotations))
				break
			}
		}
	case corev1.SecretTypeBootstrapToken:
		errs = append(errs, invalidf("template.type=%q is not allowed", typ))
	default:
		// only the privileged types have rules
	}
	for _, tf := range t.TemplateFrom {
		if _, ok := secretTarget(tf.Target); !ok {
			errs = append(errs, invalidf("templateFrom target=%q is not allowed when targeting a Secret, must be one of %q, %q or %q",
				tf.Target, esv1.TemplateTargetData, esv1.TemplateTargetAnnotations, esv1.TemplateTargetLabels))
		}
	}
	return errors.Join(errs...)
}

// validateForApply re-checks the admission rules at render time, for the type the Secret
// will have: the template's, or the existing Secret's when the template sets none (merging
// the service-account annotation into an existing token Secret is as privileged as creating
// one).
func validateForApply(t *esv1.ExternalSecretTemplate, existing corev1.SecretType) error {
	if t.EngineVersion != "" && t.EngineVersion != esv1.TemplateEngineV2 {
		return invalidf("unsupported template engine version %q", t.EngineVersion)
	}
	typ := t.Type
	if typ == "" {
		typ = existing
	}
	return validateTemplate(t, typ)
}

// secretTarget normalises a templateFrom target of a Secret (case-insensitive, empty means
// Data) and reports whether it is one.
func secretTarget(t esv1.TemplateTarget) (esv1.TemplateTarget, bool) {
	for _, known := range []esv1.TemplateTarget{esv1.TemplateTargetData, esv1.TemplateTargetAnnotations, esv1.TemplateTargetLabels} {
		if strings.EqualFold(string(t), string(known)) {
			return known, true
		}
	}
	if t == "" {
		return esv1.TemplateTargetData, true
	}
	return "", false
}
