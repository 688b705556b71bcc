package externalsecret

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
	"github.com/seedb5e69c69/external-secrets/providers"
)

const messageFetchFailed = "could not get secret data from provider"

// fetch reads every data and dataFrom source and merges them into s.data: dataFrom entries in
// order (later wins), then data[] entries (which win over dataFrom). A source whose remote
// secret does not exist is skipped with a MissingProviderSecret event unless deletionPolicy is
// Retain, where it is an error. Affects Ready through the returned error only.
func (r *Reconciler) fetch(ctx context.Context, s *scope) error {
	es := s.es
	session := r.Stores.NewSession(r.Client, es.Namespace)
	// A sync the user asked for (force-sync, spec edit) must see the store as it is now, not a
	// read another ExternalSecret made a few seconds ago.
	session.Fresh = !neverSynced(es) && changedSinceSync(es)
	defer func() {
		if err := session.Close(ctx); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "closing provider clients")
		}
	}()
	data := map[string][]byte{}
	for i := range es.Spec.DataFrom {
		m, err := r.fetchDataFrom(ctx, session, s, i)
		if r.skipMissing(es, err, fmt.Sprintf("secret does not exist at provider using spec.dataFrom[%d]", i)) {
			continue
		}
		if err != nil {
			return fetchError(err)
		}
		secretdata.MergeInto(data, m)
	}
	r.prefetch(ctx, session, es)
	for i := range es.Spec.Data {
		ref := es.Spec.Data[i]
		v, err := r.fetchData(ctx, session, es, i)
		if r.skipMissing(es, err, fmt.Sprintf("secret does not exist at provider using spec.data[%d] (key=%s)", i, ref.SecretKey)) {
			continue
		}
		if err != nil {
			return fetchError(err)
		}
		data[ref.SecretKey] = v
	}
	s.data = data
	return nil
}

// prefetch hands every store the data[] references it will be asked for, so that providers
// with a batch API read them in one call. Failures are left to the individual reads.
func (r *Reconciler) prefetch(ctx context.Context, session *store.Session, es *esv1.ExternalSecret) {
	byStore := map[esv1.SecretStoreRef][]esv1.ExternalSecretDataRemoteRef{}
	for _, d := range es.Spec.Data {
		var override *esv1.SecretStoreRef
		if d.SourceRef != nil {
			override = d.SourceRef.SecretStoreRef
		}
		if ref, err := sourceStore(es, override); err == nil {
			ref.Kind = store.Kind(ref)
			byStore[ref] = append(byStore[ref], d.RemoteRef)
		}
	}
	for ref, refs := range byStore {
		if len(refs) < 2 {
			continue
		}
		reader, err := session.Reader(ctx, ref)
		if err != nil {
			continue
		}
		if err := reader.Prefetch(ctx, refs); err != nil {
			ctrl.LoggerFrom(ctx).V(1).Info("batch read failed; reading one by one", "store", ref.Name, "error", err.Error())
		}
	}
}

// skipMissing reports whether err is a missing remote secret that the deletion policy says
// to skip, and records the MissingProviderSecret event when it is.
func (r *Reconciler) skipMissing(es *esv1.ExternalSecret, err error, note string) bool {
	if err == nil || !errors.Is(err, providers.ErrSecretNotFound) || es.Spec.Target.DeletionPolicy == esv1.DeletionPolicyRetain || es.Spec.Target.DeletionPolicy == "" {
		return false
	}
	r.Events.Eventf(es, nil, corev1.EventTypeNormal, esv1.EventReasonMissingProviderSecret, "Fetch", note)
	return true
}

// fetchError classifies a fetch failure. Store problems are already classified (waiting or
// terminal); an unsupported operation needs a spec change; the rest is retried with backoff.
func fetchError(err error) error {
	var re *result.Error
	if errors.As(err, &re) {
		return err
	}
	if errors.Is(err, providers.ErrNotSupported) {
		return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed, err)
	}
	return result.NewTransient(esv1.ConditionReasonSecretSyncedError, messageFetchFailed, err)
}

// pipelineError marks an error of the key pipeline (rewrite, conversion, decoding): the data
// will not change by retrying, the spec must.
func pipelineError(err error) error {
	return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed, err)
}

// sourceStore is the store a source reads from: its own sourceRef.storeRef, else the
// ExternalSecret's secretStoreRef.
func sourceStore(es *esv1.ExternalSecret, override *esv1.SecretStoreRef) (esv1.SecretStoreRef, error) {
	if override != nil {
		return *override, nil
	}
	if es.Spec.SecretStoreRef.Name == "" {
		return esv1.SecretStoreRef{}, result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed,
			errors.New("no store to read from: set spec.secretStoreRef or a sourceRef.storeRef on the entry"))
	}
	return es.Spec.SecretStoreRef, nil
}

// fetchDataFrom reads one dataFrom entry and runs it through the key pipeline.
func (r *Reconciler) fetchDataFrom(ctx context.Context, session *store.Session, s *scope, i int) (map[string][]byte, error) {
	es := s.es
	df := es.Spec.DataFrom[i]
	if df.SourceRef != nil && df.SourceRef.GeneratorRef != nil {
		return r.generate(ctx, s.states, es, i)
	}
	var override *esv1.SecretStoreRef
	if df.SourceRef != nil {
		override = df.SourceRef.SecretStoreRef
	}
	ref, err := sourceStore(es, override)
	if err != nil {
		return nil, err
	}
	reader, err := session.Reader(ctx, ref)
	if err != nil {
		return nil, err
	}
	var raw map[string][]byte
	opts := secretdata.MapOptions{Rewrite: df.Rewrite, Transform: r.Templates.TransformKey}
	switch {
	case df.Find != nil:
		opts.Conversion, opts.Decoding, opts.NullBytes = df.Find.ConversionStrategy, df.Find.DecodingStrategy, df.Find.NullBytePolicy
		raw, err = reader.GetAllSecrets(ctx, *df.Find)
		if err != nil {
			return nil, fmt.Errorf("error processing spec.dataFrom[%d].find, err: %w", i, err)
		}
	case df.Extract != nil:
		opts.Conversion, opts.Decoding, opts.NullBytes = df.Extract.ConversionStrategy, df.Extract.DecodingStrategy, df.Extract.NullBytePolicy
		raw, err = reader.GetSecretMap(ctx, *df.Extract)
		if err != nil {
			return nil, fmt.Errorf("error processing spec.dataFrom[%d].extract, err: %w", i, err)
		}
	default:
		return nil, result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed,
			fmt.Errorf("spec.dataFrom[%d]: set one of extract, find or sourceRef.generatorRef", i))
	}
	out, err := secretdata.ProcessMap(raw, opts)
	if err != nil {
		return nil, pipelineError(fmt.Errorf("error processing spec.dataFrom[%d], err: %w", i, err))
	}
	return out, nil
}

// fetchData reads one data[] entry and decodes it.
func (r *Reconciler) fetchData(ctx context.Context, session *store.Session, es *esv1.ExternalSecret, i int) ([]byte, error) {
	d := es.Spec.Data[i]
	var override *esv1.SecretStoreRef
	if d.SourceRef != nil {
		override = d.SourceRef.SecretStoreRef
	}
	ref, err := sourceStore(es, override)
	if err != nil {
		return nil, err
	}
	reader, err := session.Reader(ctx, ref)
	if err != nil {
		return nil, err
	}
	v, err := reader.GetSecret(ctx, d.RemoteRef)
	if err != nil {
		return nil, fmt.Errorf("error processing spec.data[%d] (key: %s), err: %w", i, d.SecretKey, err)
	}
	out, err := secretdata.ProcessValue(d.SecretKey, v, d.RemoteRef.DecodingStrategy, d.RemoteRef.NullBytePolicy)
	if err != nil {
		return nil, pipelineError(fmt.Errorf("error processing spec.data[%d] (key: %s), err: %w", i, d.SecretKey, err))
	}
	return out, nil
}

// storeRefs lists every store the ExternalSecret reads from, for class filtering and for the
// store watch index.
func storeRefs(es *esv1.ExternalSecret) []esv1.SecretStoreRef {
	var refs []esv1.SecretStoreRef
	if es.Spec.SecretStoreRef.Name != "" {
		refs = append(refs, es.Spec.SecretStoreRef)
	}
	for _, d := range es.Spec.Data {
		if d.SourceRef != nil && d.SourceRef.SecretStoreRef != nil {
			refs = append(refs, *d.SourceRef.SecretStoreRef)
		}
	}
	for _, df := range es.Spec.DataFrom {
		if df.SourceRef != nil && df.SourceRef.SecretStoreRef != nil {
			refs = append(refs, *df.SourceRef.SecretStoreRef)
		}
	}
	return refs
}
