package doppler

import (
	"container/list"
	"sync"
)

// DefaultETagCacheSize is the default number of downloads remembered with their ETag
// (the controller flag --doppler-etag-cache-size).
const DefaultETagCacheSize = 16384

// etagKey names one download of one store, seen with one set of credentials. The credential
// part keeps clients with different tokens apart even though Doppler re-checks the token on
// every conditional request.
type etagKey struct {
	storeKind, storeNamespace, storeName string
	// namespace is the ExternalSecret namespace a ClusterSecretStore's references resolve in.
	namespace  string
	credential string
	query      downloadQuery
}

type etagEntry struct {
	key  etagKey
	etag string
	body []byte
}

// etagCache is a size-bounded LRU of downloads, shared by every client of a Provider, so
// that an unchanged config costs a 304 instead of a full download.
type etagCache struct {
	mu    sync.Mutex
	size  int
	order *list.List
	items map[etagKey]*list.Element
}

func newETagCache(size int) *etagCache {
	return &etagCache{size: size, order: list.New(), items: map[etagKey]*list.Element{}}
}

func (c *etagCache) get(k etagKey) (etagEntry, bool) {
	if c == nil {
		return etagEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return etagEntry{}, false
	}
	c.order.MoveToFront(e)
	return *e.Value.(*etagEntry), true
}

// put remembers a download; one without an ETag cannot be revalidated and is dropped.
func (c *etagCache) put(k etagKey, etag string, body []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if etag == "" {
		if e, ok := c.items[k]; ok {
			c.order.Remove(e)
			delete(c.items, k)
		}
		return
	}
	if e, ok := c.items[k]; ok {
		e.Value = &etagEntry{key: k, etag: etag, body: body}
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(&etagEntry{key: k, etag: etag, body: body})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*etagEntry).key)
	}
}

func (c *etagCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
