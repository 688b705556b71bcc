package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Reader is the read side of a provider client as the ExternalSecret controller sees it.
type Reader interface {
	// Prefetch tells the reader which values are about to be read, so it can batch them.
	Prefetch(ctx context.Context, refs []esv1.ExternalSecretDataRemoteRef) error
	GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error)
	GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error)
	GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error)
}

// Session hands out provider clients for one reconcile of one object. Each store gets at most
// one client, created only when a read is not served by the ReadCache, and Close releases
// every client the session created.
type Session struct {
	// Fresh makes every read of the session go to the store, ignoring results kept by the
	// ReadCache: set it when the user asked for current data (force-sync, spec change).
	Fresh     bool
	resolver  *Resolver
	kube      client.Client
	namespace string
	readers   map[string]*storeReader
}

// NewSession starts a session for an object in namespace. kube is handed to providers to read
// credentials; it should read Secrets from the API, not from a cache of managed Secrets.
func (r *Resolver) NewSession(kube client.Client, namespace string) *Session {
	return &Session{resolver: r, kube: kube, namespace: namespace, readers: map[string]*storeReader{}}
}

// Reader returns a reader for the store ref names, after checking that the store may be used
// from the session's namespace.
func (s *Session) Reader(ctx context.Context, ref esv1.SecretStoreRef) (Reader, error) {
	id := Kind(ref) + "/" + ref.Name
	if rd, ok := s.readers[id]; ok {
		return rd, nil
	}
	st, err := s.resolver.Get(ctx, ref, s.namespace)
	if err != nil {
		return nil, err
	}
	if err := s.resolver.CheckUsable(ctx, st, s.namespace); err != nil {
		return nil, err
	}
	entry, err := s.resolver.Registry.ForStore(st)
	if err != nil {
		return nil, result.NewTerminal(reasonSyncError, messageFetch, err)
	}
	scope := fmt.Sprintf("%s/%s/%s/%s/%d", st.GetKind(), st.GetNamespace(), st.GetName(), st.GetUID(), st.GetGeneration())
	if st.GetKind() == esv1.ClusterSecretStoreKind {
		scope += "@" + s.namespace
	}
	rd := &storeReader{session: s, store: st, provider: entry.Provider, scope: scope}
	s.readers[id] = rd
	return rd, nil
}

// Close closes every client the session created.
func (s *Session) Close(ctx context.Context) error {
	var errs []error
	for _, rd := range s.readers {
		if rd.client != nil {
			if err := rd.client.Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("closing the client of %s %q: %w", rd.store.GetKind(), rd.store.GetName(), err))
			}
			rd.client = nil
		}
	}
	return errors.Join(errs...)
}

// storeReader reads through the ReadCache and creates the provider client on first miss.
type storeReader struct {
	session  *Session
	store    esv1.GenericStore
	provider providers.Provider
	scope    string
	client   providers.Client
}

func (rd *storeReader) getClient(ctx context.Context) (providers.Client, error) {
	if rd.client != nil {
		return rd.client, nil
	}
	c, err := rd.provider.NewClient(ctx, rd.store, rd.session.kube, rd.session.namespace)
	if err != nil {
		return nil, fmt.Errorf("could not create a client for %s %q: %w", rd.store.GetKind(), rd.store.GetName(), err)
	}
	rd.client = c
	return c, nil
}

func (rd *storeReader) key(op string, ref any) string {
	b, _ := json.Marshal(ref)
	return rd.scope + "|" + op + "|" + string(b)
}

// Prefetch lets a client that supports it read refs in batches before they are read one by
// one; refs already served by the ReadCache are left out. Errors only cost the saving.
func (rd *storeReader) Prefetch(ctx context.Context, refs []esv1.ExternalSecretDataRemoteRef) error {
	var missing []esv1.ExternalSecretDataRemoteRef
	for _, ref := range refs {
		if _, ok := rd.session.resolver.Reads.cached(rd.key("GetSecret", ref)); !ok || rd.session.Fresh {
			missing = append(missing, ref)
		}
	}
	if len(missing) < 2 {
		return nil
	}
	c, err := rd.getClient(ctx)
	if err != nil {
		return err
	}
	if p, ok := c.(providers.Prefetcher); ok {
		return p.Prefetch(ctx, missing)
	}
	return nil
}

// GetSecret reads one value.
func (rd *storeReader) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	v, err := rd.session.resolver.Reads.do(rd.key("GetSecret", ref), rd.session.Fresh, func() (any, error) {
		c, err := rd.getClient(ctx)
		if err != nil {
			return nil, err
		}
		return c.GetSecret(ctx, ref)
	})
	if err != nil {
		return nil, err
	}
	return cloneBytes(v), nil
}

// GetSecretMap reads one remote secret as a map.
func (rd *storeReader) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	v, err := rd.session.resolver.Reads.do(rd.key("GetSecretMap", ref), rd.session.Fresh, func() (any, error) {
		c, err := rd.getClient(ctx)
		if err != nil {
			return nil, err
		}
		return c.GetSecretMap(ctx, ref)
	})
	if err != nil {
		return nil, err
	}
	return cloneMap(v), nil
}

// GetAllSecrets runs a find.
func (rd *storeReader) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	v, err := rd.session.resolver.Reads.do(rd.key("GetAllSecrets", find), rd.session.Fresh, func() (any, error) {
		c, err := rd.getClient(ctx)
		if err != nil {
			return nil, err
		}
		return c.GetAllSecrets(ctx, find)
	})
	if err != nil {
		return nil, err
	}
	return cloneMap(v), nil
}
