package store

import (
	"maps"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ReadCache coalesces identical remote reads. Concurrent identical reads share one provider
// call (singleflight), and a successful result is reused for Window, so a thousand
// ExternalSecrets that read the same Vault key during a resync cost one call, not a thousand.
//
// Keys always include the store's identity and generation and, for a ClusterSecretStore, the
// reader's namespace (credentials may be resolved per namespace), so a result is never shared
// between different credentials. Errors are shared with concurrent callers but never kept.
type ReadCache struct {
	window time.Duration
	now    func() time.Time

	group singleflight.Group

	mu        sync.Mutex
	entries   map[string]cacheEntry
	nextSweep time.Time
}

type cacheEntry struct {
	value   any
	expires time.Time
}

// NewReadCache returns a cache that keeps results for window; zero only coalesces reads that
// are in flight at the same time.
func NewReadCache(window time.Duration) *ReadCache {
	return &ReadCache{window: window, now: time.Now, entries: map[string]cacheEntry{}}
}

// do returns the cached or in-flight result for key, or calls fn. The returned value is
// shared: callers must copy before modifying (see cloneBytes, cloneMap).
//
// fresh skips kept results and reads in flight (a user asked for current data, e.g. a
// force-sync after changing the remote value); the new result is still kept for others.
func (c *ReadCache) do(key string, fresh bool, fn func() (any, error)) (any, error) {
	if c == nil {
		return fn()
	}
	if fresh {
		v, err := fn()
		switch {
		case err != nil:
			// What was kept is now known to be stale (e.g. the remote secret was deleted):
			// no later read may be served from it.
			c.evict(key)
		case c.window > 0:
			c.store(key, v)
		}
		return v, err
	}
	if v, ok := c.lookup(key); ok {
		return v, nil
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		if v, ok := c.lookup(key); ok {
			return v, nil
		}
		v, err := fn()
		if err == nil && c.window > 0 {
			c.store(key, v)
		}
		return v, err
	})
	return v, err
}

// cached reports whether key has a kept result.
func (c *ReadCache) cached(key string) (any, bool) {
	if c == nil {
		return nil, false
	}
	return c.lookup(key)
}

func (c *ReadCache) lookup(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	return e.value, true
}

func (c *ReadCache) store(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if now.After(c.nextSweep) {
		maps.DeleteFunc(c.entries, func(_ string, e cacheEntry) bool { return !now.Before(e.expires) })
		c.nextSweep = now.Add(c.window)
	}
	c.entries[key] = cacheEntry{value: v, expires: now.Add(c.window)}
}

func (c *ReadCache) evict(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// Len returns the number of results currently kept; for tests and benchmarks.
func (c *ReadCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func cloneBytes(v any) []byte {
	b, _ := v.([]byte)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func cloneMap(v any) map[string][]byte {
	m, _ := v.(map[string][]byte)
	if m == nil {
		return nil
	}
	out := make(map[string][]byte, len(m))
	for k, b := range m {
		out[k] = append([]byte(nil), b...)
	}
	return out
}
