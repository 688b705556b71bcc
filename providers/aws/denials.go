package aws

import (
	"fmt"
	"sync"
	"time"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// batchDenialTTL is how long a store whose identity may not call BatchGetSecretValue reads
// one secret per call without trying the batch again. A change of the store (its generation)
// tries again at once.
const batchDenialTTL = 15 * time.Minute

// denials remembers, per store and namespace (so per identity), that AWS refused
// BatchGetSecretValue, so that a policy granting only GetSecretValue does not cost one
// refused call per reconcile. It holds no secret data.
type denials struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
}

func newDenials() *denials {
	return &denials{until: map[string]time.Time{}, now: time.Now}
}

func (d *denials) denied(scope string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.until[scope]
	if ok && d.now().After(t) {
		delete(d.until, scope)
		return false
	}
	return ok
}

func (d *denials) deny(scope string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.until[scope] = d.now().Add(batchDenialTTL)
}

// identityScope names the identity a client uses: the store (UID and generation, so a spec
// change starts afresh) and, for a ClusterSecretStore, the namespace whose credentials it
// may read.
func identityScope(store esv1.GenericStore, namespace string) string {
	scope := fmt.Sprintf("%s/%s/%s/%s/%d", store.GetKind(), store.GetNamespace(), store.GetName(), store.GetUID(), store.GetGeneration())
	if store.GetKind() == esv1.ClusterSecretStoreKind {
		scope += "@" + namespace
	}
	return scope
}
