package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// checkSecretNames refuses secrets[] entries that templates could not tell apart.
func checkSecretNames(secrets []esv1.WebhookSecret) error {
	seen := make(map[string]bool, len(secrets))
	for i, s := range secrets {
		switch {
		case s.Name == "":
			return fmt.Errorf("secrets[%d].name is required", i)
		case s.Name == remoteRefVar:
			return fmt.Errorf("secrets[%d].name %q is reserved for the reference being read", i, s.Name)
		case seen[s.Name]:
			return fmt.Errorf("secrets[%d].name %q is used twice", i, s.Name)
		case s.SecretRef.Name == "":
			return fmt.Errorf("secrets[%d].secretRef.name is required", i)
		}
		seen[s.Name] = true
	}
	return nil
}

// readWebhookSecret reads a Secret the webhook may use and checks that it opted in with the
// webhook label.
func readWebhookSecret(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace, name string, requested *string) (*corev1.Secret, error) {
	ns, err := credentials.Namespace(store, namespace, requested)
	if err != nil {
		return nil, fmt.Errorf("reading Secret %q: %w", name, err)
	}
	secret := &corev1.Secret{}
	if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("secret %s/%s not found: %w", ns, name, err)
		}
		return nil, fmt.Errorf("reading Secret %s/%s: %w", ns, name, err)
	}
	if secret.Labels[esv1.LabelWebhookSecretType] != esv1.LabelWebhookSecretTypeValue {
		return nil, fmt.Errorf("secret %s/%s: %w", ns, name, ErrSecretNotLabelled)
	}
	return secret, nil
}

// readNTLM reads the NTLM username and password. Their Secrets need the webhook label too,
// like every Secret this provider reads.
func readNTLM(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace string, ntlm *esv1.NTLMProtocol) (*ntlmCredentials, error) {
	user, err := readNTLMKey(ctx, kube, store, namespace, "auth.ntlm.usernameSecret", ntlm.UserName)
	if err != nil {
		return nil, err
	}
	password, err := readNTLMKey(ctx, kube, store, namespace, "auth.ntlm.passwordSecret", ntlm.Password)
	if err != nil {
		return nil, err
	}
	return &ntlmCredentials{user: user, password: password}, nil
}

func readNTLMKey(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace, field string, ref esmeta.SecretKeySelector) (string, error) {
	if ref.Name == "" || ref.Key == "" {
		return "", fmt.Errorf("%s needs a name and a key", field)
	}
	secret, err := readWebhookSecret(ctx, kube, store, namespace, ref.Name, ref.Namespace)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	v := secret.Data[ref.Key]
	if len(v) == 0 {
		return "", fmt.Errorf("%s: key %q of Secret %s/%s is missing or empty", field, ref.Key, secret.Namespace, secret.Name)
	}
	return string(v), nil
}
