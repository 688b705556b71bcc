package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// Client-side rate limit of one client.
const (
	clientQPS   = 50
	clientBurst = 100
)

// defaultServer is the in-cluster API server, reached through the cluster DNS.
const defaultServer = "kubernetes.default"

// restConfig builds the rest.Config of a store: from the kubeconfig authRef points at, or
// from server (URL and CA) plus auth.
func (p *Provider) restConfig(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string, spec *esv1.KubernetesProvider) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if spec.AuthRef != nil {
		cfg, err = kubeconfigFromSecret(ctx, kube, store, namespace, spec)
	} else {
		cfg, err = p.serverConfig(ctx, store, kube, namespace, spec)
	}
	if err != nil {
		return nil, err
	}
	// A client lives for one reconcile, so client-go's default limit (5 QPS) only slows
	// down a paged find; the API server's own priority and fairness protects it.
	cfg.QPS, cfg.Burst = clientQPS, clientBurst
	if p.configHook != nil {
		p.configHook(cfg)
	}
	return cfg, nil
}

// serverConfig applies server.url, the CA bundle and auth.
func (p *Provider) serverConfig(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string, spec *esv1.KubernetesProvider) (*rest.Config, error) {
	if spec.Auth == nil {
		return nil, errors.New("the store sets neither auth nor authRef")
	}
	host, err := serverURL(spec.Server.URL)
	if err != nil {
		return nil, err
	}
	ca, err := credentials.CABundle(ctx, kube, store, namespace, spec.Server.CABundle, spec.Server.CAProvider)
	if err != nil {
		return nil, fmt.Errorf("server CA: %w", err)
	}
	if len(ca) == 0 && isInCluster(host) {
		ca = p.inClusterCA()
	}
	cfg := &rest.Config{Host: host, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
	if err := authenticate(ctx, cfg, kube, store, namespace, spec.Auth); err != nil {
		return nil, err
	}
	return cfg, nil
}

// authenticate adds the credentials of auth to cfg.
func authenticate(ctx context.Context, cfg *rest.Config, kube client.Client, store esv1.GenericStore, namespace string, auth *esv1.KubernetesAuth) error {
	switch {
	case auth.Token != nil:
		token, err := credentials.SecretKey(ctx, kube, store, namespace, auth.Token.BearerToken)
		if err != nil {
			return fmt.Errorf("auth.token.bearerToken: %w", err)
		}
		cfg.BearerToken = strings.TrimSpace(string(token))
	case auth.Cert != nil:
		cert, err := credentials.SecretKey(ctx, kube, store, namespace, auth.Cert.ClientCert)
		if err != nil {
			return fmt.Errorf("auth.cert.clientCert: %w", err)
		}
		key, err := credentials.SecretKey(ctx, kube, store, namespace, auth.Cert.ClientKey)
		if err != nil {
			return fmt.Errorf("auth.cert.clientKey: %w", err)
		}
		cfg.CertData, cfg.KeyData = cert, key
	case auth.ServiceAccount != nil:
		token, err := credentials.ServiceAccountToken(ctx, kube, store, namespace, *auth.ServiceAccount, nil)
		if err != nil {
			return fmt.Errorf("auth.serviceAccount: %w", err)
		}
		cfg.BearerToken = token
	default:
		return errors.New("auth sets none of cert, token or serviceAccount")
	}
	return nil
}

// serverURL turns server.url into a rest.Config host; without a scheme HTTPS is meant,
// since client-go would otherwise pick plain HTTP for a config without a CA.
func serverURL(raw string) (string, error) {
	if raw == "" {
		raw = defaultServer
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("server.url %q is not a URL", raw)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("server.url %q must use https", raw)
	}
	return raw, nil
}

// isInCluster tells whether host is this cluster's API server service.
func isInCluster(host string) bool {
	u, err := url.Parse(host)
	return err == nil && strings.HasPrefix(u.Hostname(), defaultServer)
}

// inClusterCA reads this cluster's CA from the pod's service account volume, if there is one.
func (p *Provider) inClusterCA() []byte {
	if p.inClusterCAFile == "" {
		return nil
	}
	ca, err := os.ReadFile(p.inClusterCAFile)
	if err != nil {
		return nil
	}
	return ca
}

// kubeconfigFromSecret builds the config from the kubeconfig authRef selects.
func kubeconfigFromSecret(ctx context.Context, kube client.Client, store esv1.GenericStore, namespace string, spec *esv1.KubernetesProvider) (*rest.Config, error) {
	raw, err := credentials.SecretKey(ctx, kube, store, namespace, *spec.AuthRef)
	if err != nil {
		return nil, fmt.Errorf("authRef: %w", err)
	}
	return parseKubeconfig(raw)
}

// parseKubeconfig accepts only self-contained kubeconfigs: a kubeconfig is user input, and
// one that runs a command (exec, auth-provider) or reads a file would execute or read it in
// the controller's pod, with the controller's privileges.
func parseKubeconfig(raw []byte) (*rest.Config, error) {
	kc, err := clientcmd.Load(raw)
	if err != nil {
		return nil, errors.New("authRef: the Secret key does not hold a valid kubeconfig")
	}
	if err := checkSelfContained(kc); err != nil {
		return nil, fmt.Errorf("authRef: %w", err)
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*kc, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("authRef: unusable kubeconfig: %w", err)
	}
	return cfg, nil
}

func checkSelfContained(kc *clientcmdapi.Config) error {
	for name, user := range kc.AuthInfos {
		switch {
		case user.Exec != nil:
			return fmt.Errorf("kubeconfig user %q runs a command (exec), which is not allowed", name)
		case user.AuthProvider != nil:
			return fmt.Errorf("kubeconfig user %q uses an auth-provider, which is not allowed", name)
		case user.TokenFile != "" || user.ClientCertificate != "" || user.ClientKey != "":
			return fmt.Errorf("kubeconfig user %q refers to files; embed the token or certificate data instead", name)
		}
	}
	for name, cluster := range kc.Clusters {
		if cluster.CertificateAuthority != "" {
			return fmt.Errorf("kubeconfig cluster %q refers to a CA file; embed certificate-authority-data instead", name)
		}
	}
	return nil
}
