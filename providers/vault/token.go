package vault

import (
	"container/list"
	"context"
	"sync"
	"time"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// minTokenTTL is the least lifetime a cached token must have left to be reused: a token
// about to expire could die in the middle of a reconcile.
const minTokenTTL = 60 * time.Second

// tokenKey identifies the credentials a token was obtained with: the store (its
// resourceVersion changes with every spec edit, so an edited store logs in afresh) and the
// namespace its references were resolved in (a ClusterSecretStore with referent
// authentication logs in with different credentials per namespace).
type tokenKey struct {
	kind, namespace, name, resourceVersion string
	referentNamespace                      string
}

func keyFor(store esv1.GenericStore, namespace string) tokenKey {
	return tokenKey{
		kind:              store.GetKind(),
		namespace:         store.GetNamespace(),
		name:              store.GetName(),
		resourceVersion:   store.GetResourceVersion(),
		referentNamespace: namespace,
	}
}

// tokenCache is a size-bounded LRU of login tokens, shared by every client of a Provider.
// Evicted tokens are not revoked; they expire at their TTL.
type tokenCache struct {
	mu    sync.Mutex
	size  int
	order *list.List
	items map[tokenKey]*list.Element
}

type cachedToken struct {
	key   tokenKey
	token string
}

func newTokenCache(size int) *tokenCache {
	return &tokenCache{size: size, order: list.New(), items: map[tokenKey]*list.Element{}}
}

func (tc *tokenCache) get(k tokenKey) (string, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e, ok := tc.items[k]
	if !ok {
		return "", false
	}
	tc.order.MoveToFront(e)
	return e.Value.(*cachedToken).token, true
}

func (tc *tokenCache) put(k tokenKey, token string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if e, ok := tc.items[k]; ok {
		e.Value.(*cachedToken).token = token
		tc.order.MoveToFront(e)
		return
	}
	tc.items[k] = tc.order.PushFront(&cachedToken{key: k, token: token})
	for tc.order.Len() > tc.size {
		last := tc.order.Back()
		tc.order.Remove(last)
		delete(tc.items, last.Value.(*cachedToken).key)
	}
}

func (tc *tokenCache) remove(k tokenKey) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if e, ok := tc.items[k]; ok {
		tc.order.Remove(e)
		delete(tc.items, k)
	}
}

// reuseCached sets a cached token on c when it still works for at least minTokenTTL, and
// forgets it otherwise.
func (p *Provider) reuseCached(ctx context.Context, c *Client, k tokenKey) bool {
	token, ok := p.tokens.get(k)
	if !ok {
		return false
	}
	c.api.SetToken(token)
	if s, err := c.lookupSelf(ctx); err == nil && longLived(s.TokenTTL()) {
		return true
	}
	c.api.ClearToken()
	p.tokens.remove(k)
	return false
}

// longLived tells whether a looked-up token may be reused: it has at least minTokenTTL left,
// or no expiry at all (a TTL of 0).
func longLived(ttl time.Duration, err error) bool {
	return err == nil && (ttl == 0 || ttl >= minTokenTTL)
}
