package aws

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

var (
	// regionLabel is what a region must be to become part of a host name.
	regionLabel = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// awsRegion is the shape of every AWS region name (us-east-1, us-gov-west-1, ...).
	awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// ValidateStore checks the store's AWS spec without any I/O, for admission: the service,
// a region the SDK can build an endpoint for, at most one auth method with complete
// references in the right namespace, role ARNs, the session tag settings and the Secrets
// Manager deletion options. Settings that have no effect are returned as warnings.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := awsSpec(store)
	if err != nil {
		return nil, err
	}
	if _, err := metricsLabel(spec.Service); err != nil {
		return nil, err
	}
	warnings, err := validateRegion(spec.Region)
	if err != nil {
		return nil, err
	}
	if err := validateAuth(store, spec.Auth); err != nil {
		return nil, err
	}
	if err := validateRoles(spec); err != nil {
		return nil, err
	}
	more, err := validateSessionTags(spec)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, more...)
	more, err = validateSecretsManager(spec)
	return append(warnings, more...), err
}

func validateRegion(region string) (admission.Warnings, error) {
	if !regionLabel.MatchString(region) {
		return nil, fmt.Errorf("region %q is not a valid AWS region name (e.g. us-east-1)", region)
	}
	_, err := secretsmanager.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(), secretsmanager.EndpointParameters{Region: aws.String(region)})
	if err != nil {
		return nil, fmt.Errorf("region %q: %w", region, err)
	}
	if !awsRegion.MatchString(region) {
		return admission.Warnings{fmt.Sprintf("region %q does not look like an AWS region (e.g. us-east-1); calls will fail unless an endpoint override serves it", region)}, nil
	}
	return nil, nil
}

func validateAuth(store esv1.GenericStore, auth esv1.AWSAuth) error {
	if auth.SecretRef != nil && auth.JWTAuth != nil {
		return errors.New("auth may set secretRef or jwt, not both")
	}
	if ref := auth.SecretRef; ref != nil {
		if err := credentials.ValidateSecretKeySelector(store, "auth.secretRef.accessKeyIDSecretRef", ref.AccessKeyID); err != nil {
			return err
		}
		if err := credentials.ValidateSecretKeySelector(store, "auth.secretRef.secretAccessKeySecretRef", ref.SecretAccessKey); err != nil {
			return err
		}
		if ref.SessionToken != nil {
			return credentials.ValidateSecretKeySelector(store, "auth.secretRef.sessionTokenSecretRef", *ref.SessionToken)
		}
	}
	if jwt := auth.JWTAuth; jwt != nil {
		if jwt.ServiceAccountRef == nil || jwt.ServiceAccountRef.Name == "" {
			return errors.New("auth.jwt.serviceAccountRef.name is required")
		}
		if err := credentials.ValidateReferenceNamespace(store, jwt.ServiceAccountRef.Namespace); err != nil {
			return fmt.Errorf("auth.jwt.serviceAccountRef: %w", err)
		}
	}
	return nil
}

func validateRoles(spec *esv1.AWSProvider) error {
	for i, role := range spec.AdditionalRoles {
		if !arn.IsARN(role) {
			return fmt.Errorf("additionalRoles[%d]: %q is not a role ARN", i, role)
		}
	}
	if spec.Role != "" && !arn.IsARN(spec.Role) {
		return fmt.Errorf("role: %q is not a role ARN", spec.Role)
	}
	return nil
}

// validateSessionTags refuses reserved custom tag keys and transitive keys that name no
// session tag (STS would reject them), and warns about settings without effect.
func validateSessionTags(spec *esv1.AWSProvider) (admission.Warnings, error) {
	var warnings admission.Warnings
	if spec.Role == "" && (spec.ExternalID != "" || len(spec.SessionTags) > 0 || len(spec.TransitiveTagKeys) > 0 ||
		(spec.SessionTagsPolicy != "" && spec.SessionTagsPolicy != esv1.SessionTagsPolicyNone)) {
		warnings = append(warnings, "externalID, sessionTags, transitiveTagKeys and sessionTagsPolicy only apply when role is set")
	}
	reserved := []string{esv1.SessionTagNamespace, esv1.SessionTagStoreName, esv1.SessionTagStoreKind}
	for k := range spec.CustomSessionTags {
		if slices.Contains(reserved, k) {
			return nil, fmt.Errorf("customSessionTags: key %q is reserved (the controller sets it)", k)
		}
	}
	if len(spec.CustomSessionTags) > 0 && spec.SessionTagsPolicy != esv1.SessionTagsPolicyCustom {
		warnings = append(warnings, "customSessionTags only apply with sessionTagsPolicy Custom")
	}
	keys := sessionTagKeys(spec)
	for _, k := range spec.TransitiveTagKeys {
		if !keys[k] {
			return nil, fmt.Errorf("transitiveTagKeys: %q is not the key of a session tag", k)
		}
	}
	return warnings, nil
}

// sessionTagKeys lists the keys of the session tags sent when assuming role.
func sessionTagKeys(spec *esv1.AWSProvider) map[string]bool {
	keys := map[string]bool{}
	for _, t := range spec.SessionTags {
		keys[t.Key] = true
	}
	switch spec.SessionTagsPolicy {
	case esv1.SessionTagsPolicyCustom:
		for k := range spec.CustomSessionTags {
			keys[k] = true
		}
		fallthrough
	case esv1.SessionTagsPolicySimple:
		keys[esv1.SessionTagNamespace] = true
		keys[esv1.SessionTagStoreName] = true
		keys[esv1.SessionTagStoreKind] = true
	default: // None adds no tags
	}
	return keys
}

func validateSecretsManager(spec *esv1.AWSProvider) (admission.Warnings, error) {
	sm := spec.SecretsManager
	if sm == nil {
		return nil, nil
	}
	if sm.ForceDeleteWithoutRecovery && sm.RecoveryWindowInDays != 0 {
		return nil, errors.New("secretsManager: forceDeleteWithoutRecovery and recoveryWindowInDays are mutually exclusive")
	}
	if sm.RecoveryWindowInDays != 0 && (sm.RecoveryWindowInDays < 7 || sm.RecoveryWindowInDays > 30) {
		return nil, fmt.Errorf("secretsManager.recoveryWindowInDays must be between 7 and 30, not %d", sm.RecoveryWindowInDays)
	}
	if spec.Service != esv1.AWSServiceSecretsManager {
		return admission.Warnings{"secretsManager settings only apply to service SecretsManager"}, nil
	}
	return nil, nil
}
