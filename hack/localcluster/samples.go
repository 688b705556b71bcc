package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/testenv"
)

// showSamples applies every manifest in dir, waits for the ExternalSecrets to be Ready and
// prints the Secrets they wrote, so a newcomer sees the whole loop work.
func showSamples(ctx context.Context, env *testenv.Env, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	var ess []client.ObjectKey
	for _, f := range files {
		objs, err := readManifests(f, nil)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if err := env.Client.Create(ctx, o); err != nil {
				return fmt.Errorf("applying %s %s: %w", o.GetKind(), o.GetName(), err)
			}
			fmt.Fprintf(os.Stderr, "applied %s %s/%s\n", o.GetKind(), o.GetNamespace(), o.GetName())
			if o.GetKind() == esv1.ExternalSecretKind {
				ess = append(ess, client.ObjectKeyFromObject(o))
			}
		}
	}
	for _, key := range ess {
		if err := printTarget(ctx, env.Client, key); err != nil {
			return err
		}
	}
	fmt.Fprintln(os.Stderr, "\nthe controller keeps running; try editing the store or the ExternalSecret with the kubectl above. Ctrl-C stops everything.")
	return nil
}

// readManifests decodes every object of a YAML file, after replacing ${NAME} by vars[NAME].
func readManifests(path string, vars map[string]string) ([]*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if vars != nil {
		raw = []byte(os.Expand(string(raw), func(k string) string { return vars[k] }))
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if obj != nil {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}

// printTarget waits for one ExternalSecret to be Ready and prints its Secret's keys and values.
func printTarget(ctx context.Context, c client.Client, key client.ObjectKey) error {
	var es esv1.ExternalSecret
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if err := c.Get(ctx, key, &es); err != nil {
			return err
		}
		if meta.IsStatusConditionTrue(es.Status.Conditions, esv1.ExternalSecretReady) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ExternalSecret %s is not Ready: %+v", key, es.Status.Conditions)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var secret corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: es.Status.Binding.Name}, &secret); err != nil {
		return err
	}
	keys := make([]string, 0, len(secret.Data))
	for k := range secret.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\nExternalSecret %s is Ready; Secret %s/%s holds:\n", key, secret.Namespace, secret.Name)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s\n", k, secret.Data[k])
	}
	fmt.Fprint(os.Stdout, b.String())
	return nil
}
