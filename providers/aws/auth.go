package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// ServiceAccount annotations read by auth.jwt, the ones EKS uses for IRSA.
const (
	// AnnotationRoleARN names the role the ServiceAccount's token is exchanged for.
	AnnotationRoleARN = "eks.amazonaws.com/role-arn"
	// AnnotationAudience overrides the token audience STS expects (DefaultAudience).
	AnnotationAudience = "eks.amazonaws.com/audience"
	// DefaultAudience is the audience of tokens exchanged with STS.
	DefaultAudience = "sts.amazonaws.com"
	// SessionName is the STS role session name of every session this provider opens, so
	// CloudTrail shows which calls came from External Secrets.
	SessionName = "external-secrets-provider-aws"
)

// baseCredentials returns the credentials of the store's auth block: static keys from a
// Secret, a ServiceAccount token exchanged with AssumeRoleWithWebIdentity, or the SDK's
// default chain (shared by every store of a region, since it is the controller's identity).
func (p *Provider) baseCredentials(ctx context.Context, cfg aws.Config, store esv1.GenericStore, kube client.Client, namespace string, spec *esv1.AWSProvider) (aws.CredentialsProvider, error) {
	switch {
	case spec.Auth.SecretRef != nil:
		return staticCredentials(ctx, store, kube, namespace, spec.Auth.SecretRef)
	case spec.Auth.JWTAuth != nil:
		return webIdentityCredentials(ctx, cfg, store, kube, namespace, spec.Auth.JWTAuth)
	default:
		return p.sharedDefaultCredentials(spec.Region, cfg.Credentials), nil
	}
}

// sharedDefaultCredentials keeps one cached default chain per region, so that IRSA or Pod
// Identity credentials are fetched once per expiry, not once per reconcile.
func (p *Provider) sharedDefaultCredentials(region string, chain aws.CredentialsProvider) aws.CredentialsProvider {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.defaultCreds[region]; ok {
		return c
	}
	p.defaultCreds[region] = chain
	return chain
}

func staticCredentials(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string, ref *esv1.AWSAuthSecretRef) (aws.CredentialsProvider, error) {
	id, err := credentials.SecretKey(ctx, kube, store, namespace, ref.AccessKeyID)
	if err != nil {
		return nil, fmt.Errorf("auth.secretRef.accessKeyIDSecretRef: %w", err)
	}
	secret, err := credentials.SecretKey(ctx, kube, store, namespace, ref.SecretAccessKey)
	if err != nil {
		return nil, fmt.Errorf("auth.secretRef.secretAccessKeySecretRef: %w", err)
	}
	var token []byte
	if ref.SessionToken != nil {
		token, err = credentials.SecretKey(ctx, kube, store, namespace, *ref.SessionToken)
		if err != nil {
			return nil, fmt.Errorf("auth.secretRef.sessionTokenSecretRef: %w", err)
		}
	}
	return awscreds.NewStaticCredentialsProvider(trim(id), trim(secret), trim(token)), nil
}

func trim(b []byte) string { return strings.TrimSpace(string(b)) }

// webIdentityCredentials reads the ServiceAccount for its role annotation, requests a token
// for it through the TokenRequest API and exchanges the token with
// AssumeRoleWithWebIdentity when credentials are first needed.
func webIdentityCredentials(ctx context.Context, cfg aws.Config, store esv1.GenericStore, kube client.Client, namespace string, jwt *esv1.AWSJWTAuth) (aws.CredentialsProvider, error) {
	sel := jwt.ServiceAccountRef
	if sel == nil || sel.Name == "" {
		return nil, errors.New("auth.jwt.serviceAccountRef.name is required")
	}
	ns, err := credentials.Namespace(store, namespace, sel.Namespace)
	if err != nil {
		return nil, fmt.Errorf("auth.jwt: ServiceAccount %q: %w", sel.Name, err)
	}
	sa := &corev1.ServiceAccount{}
	if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: sel.Name}, sa); err != nil {
		return nil, fmt.Errorf("auth.jwt: reading ServiceAccount %s/%s: %w", ns, sel.Name, err)
	}
	role := sa.Annotations[AnnotationRoleARN]
	if role == "" {
		return nil, fmt.Errorf("auth.jwt: ServiceAccount %s/%s has no %s annotation naming the IAM role to assume", ns, sel.Name, AnnotationRoleARN)
	}
	audience := sa.Annotations[AnnotationAudience]
	if audience == "" {
		audience = DefaultAudience
	}
	token, err := credentials.ServiceAccountToken(ctx, kube, store, namespace, *sel, []string{audience})
	if err != nil {
		return nil, fmt.Errorf("auth.jwt: %w", err)
	}
	provider := stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg), role, staticToken(token),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = SessionName })
	return aws.NewCredentialsCache(provider), nil
}

// staticToken hands the ServiceAccount token to the SDK. The token lives as long as the
// client (one reconcile), well within its requested lifetime.
type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

// assumeRoles assumes each of additionalRoles in order and then role, each with the
// credentials of the step before. Only the last role (role) carries the external ID and the
// session tags.
func assumeRoles(cfg aws.Config, store esv1.GenericStore, namespace string, spec *esv1.AWSProvider) aws.CredentialsProvider {
	creds := cfg.Credentials
	for _, role := range spec.AdditionalRoles {
		creds = assumeRole(cfg, creds, role, nil)
	}
	if spec.Role == "" {
		return creds
	}
	return assumeRole(cfg, creds, spec.Role, func(o *stscreds.AssumeRoleOptions) {
		if spec.ExternalID != "" {
			o.ExternalID = aws.String(spec.ExternalID)
		}
		o.Tags = sessionTags(store, namespace, spec)
		o.TransitiveTagKeys = spec.TransitiveTagKeys
	})
}

func assumeRole(cfg aws.Config, creds aws.CredentialsProvider, role string, tune func(*stscreds.AssumeRoleOptions)) aws.CredentialsProvider {
	cfg.Credentials = creds
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = SessionName
		if tune != nil {
			tune(o)
		}
	})
	return aws.NewCredentialsCache(provider)
}

// sessionTags returns sessionTags plus the tags sessionTagsPolicy adds: Simple adds the
// namespace, name and kind of the store's user, Custom also customSessionTags. Keys are
// sorted so that the request is the same for the same spec.
func sessionTags(store esv1.GenericStore, namespace string, spec *esv1.AWSProvider) []ststypes.Tag {
	tags := make([]ststypes.Tag, 0, len(spec.SessionTags)+3+len(spec.CustomSessionTags))
	for _, t := range spec.SessionTags {
		tags = append(tags, ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	policy := spec.SessionTagsPolicy
	if policy != esv1.SessionTagsPolicySimple && policy != esv1.SessionTagsPolicyCustom {
		return tags
	}
	tags = append(tags,
		ststypes.Tag{Key: aws.String(esv1.SessionTagNamespace), Value: aws.String(namespace)},
		ststypes.Tag{Key: aws.String(esv1.SessionTagStoreName), Value: aws.String(store.GetName())},
		ststypes.Tag{Key: aws.String(esv1.SessionTagStoreKind), Value: aws.String(store.GetKind())},
	)
	if policy == esv1.SessionTagsPolicyCustom {
		keys := make([]string, 0, len(spec.CustomSessionTags))
		for k := range spec.CustomSessionTags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tags = append(tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(spec.CustomSessionTags[k])})
		}
	}
	return tags
}
