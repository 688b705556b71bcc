package aws

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// defaultRetryAttempts is the number of attempts when a store sets a retry interval but no
// count, as upstream does.
const defaultRetryAttempts = 3

// config builds the aws.Config of one client: the store's region, the endpoint, the shared
// transport, the retry settings, the metrics hook, and the credentials of the store's auth
// block with its roles assumed. The SDK's standard settings (AWS_ENDPOINT_URL and the
// per-service variants, shared config files) are loaded as for any SDK program.
func (p *Provider) config(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string, spec *esv1.AWSProvider, label string) (aws.Config, error) {
	opts, err := p.loadOptions(store.GetSpec().RetrySettings, spec.Region, label)
	if err != nil {
		return aws.Config{}, err
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS SDK configuration: %w", err)
	}
	creds, err := p.baseCredentials(ctx, cfg, store, kube, namespace, spec)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = creds
	cfg.Credentials = assumeRoles(cfg, store, namespace, spec)
	return cfg, nil
}

// Config returns the SDK configuration a client of store would use, for code that calls
// AWS services the provider does not serve (the ECRAuthorizationToken generator) but must
// authenticate exactly as a store does: same auth block, same roles, same namespace rules
// for credential references, same shared transport and default-chain cache. Every call made
// with it, STS included, is reported to the call observer under label.
func (p *Provider) Config(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace, label string) (aws.Config, error) {
	spec, err := awsSpec(store)
	if err != nil {
		return aws.Config{}, err
	}
	return p.config(ctx, store, kube, namespace, spec, label)
}

func (p *Provider) loadOptions(retries *esv1.SecretStoreRetrySettings, region, label string) ([]func(*config.LoadOptions) error, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithHTTPClient(p.httpClient),
	}
	if p.endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(p.endpoint))
	}
	if p.observer != nil {
		opts = append(opts, config.WithAPIOptions([]func(*middleware.Stack) error{observeCalls(p.observer, label)}))
	}
	retryOpts, err := retryOptions(retries)
	if err != nil {
		return nil, err
	}
	return append(opts, retryOpts...), nil
}

// retryOptions turns retrySettings into the SDK's standard retryer with a fixed delay; no
// settings keep the SDK default (3 attempts, exponential backoff with jitter).
func retryOptions(s *esv1.SecretStoreRetrySettings) ([]func(*config.LoadOptions) error, error) {
	if s == nil || (s.MaxRetries == nil && s.RetryInterval == nil) {
		return nil, nil
	}
	attempts := defaultRetryAttempts
	if s.MaxRetries != nil {
		attempts = int(*s.MaxRetries) + 1
	}
	var interval time.Duration
	if s.RetryInterval != nil {
		d, err := time.ParseDuration(*s.RetryInterval)
		if err != nil {
			return nil, fmt.Errorf("retrySettings.retryInterval: %w", err)
		}
		interval = d
	}
	fixed := s.RetryInterval != nil
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			if fixed {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return interval, nil })
			}
		})
	}
	return []func(*config.LoadOptions) error{config.WithRetryer(retryer)}, nil
}

// observeCalls adds a middleware that reports each operation once, after its retries, to
// the call observer.
func observeCalls(o providers.CallObserver, label string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(callObserver{observer: o, label: label}, middleware.Before)
	}
}

type callObserver struct {
	observer providers.CallObserver
	label    string
}

func (callObserver) ID() string { return "ExternalSecretsCallObserver" }

func (m callObserver) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)
	m.observer.ObserveAPICall(m.label, middleware.GetOperationName(ctx), err)
	return out, md, err
}
