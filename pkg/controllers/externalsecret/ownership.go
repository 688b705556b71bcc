package externalsecret

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
)

// raceRetry is how soon a reconcile that lost a race against its own cache looks again.
const raceRetry = 200 * time.Millisecond

// errWriteRace marks a write that failed because the cache was behind the API server (a
// conflict, or a create of something that already exists). It is retried shortly and never
// shown on the status.
var errWriteRace = errors.New("the target changed while it was being written")

func writeRace(err error) error {
	if err == nil {
		return errWriteRace
	}
	return fmt.Errorf("%w: %w", errWriteRace, err)
}

func isWriteRace(err error) bool { return errors.Is(err, errWriteRace) }

// isControlledBy reports whether es is the controller owner of obj.
func isControlledBy(obj metav1.Object, es *esv1.ExternalSecret) bool {
	ref := metav1.GetControllerOf(obj)
	return ref != nil && ref.UID == es.UID
}

// isExternalSecretRef reports whether an owner reference points at an ExternalSecret of any
// version.
func isExternalSecretRef(ref *metav1.OwnerReference) bool {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == esv1.GroupVersion.Group && ref.Kind == esv1.ExternalSecretKind
}

// applyOwnership sets or removes our controller reference and the created-by label according
// to creationPolicy, and refuses a target that another ExternalSecret controls.
func (r *Reconciler) applyOwnership(es *esv1.ExternalSecret, secret *corev1.Secret) error {
	if ref := metav1.GetControllerOf(secret); ref != nil && isExternalSecretRef(ref) && ref.Name != es.Name {
		return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageOwnedByOther,
			fmt.Errorf("secret %s/%s is controlled by ExternalSecret %q", es.Namespace, secret.Name, ref.Name))
	}
	if es.Spec.Target.CreationPolicy == esv1.CreatePolicyOwner {
		if err := controllerutil.SetControllerReference(es, secret, r.Client.Scheme()); err != nil {
			return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageOwnership, err)
		}
		secret.Labels[esv1.LabelOwner] = objecthash.Owner(es.Namespace, es.Name)
		return nil
	}
	if isControlledBy(secret, es) {
		refs := secret.OwnerReferences[:0]
		for _, ref := range secret.OwnerReferences {
			if ref.UID != es.UID {
				refs = append(refs, ref)
			}
		}
		secret.OwnerReferences = refs
	}
	delete(secret.Labels, esv1.LabelOwner)
	return nil
}

// deleteOrphans deletes the Secrets this ExternalSecret created under an earlier target.name
// (found by the created-by label), so renaming the target does not leak the old Secret.
func (r *Reconciler) deleteOrphans(ctx context.Context, s *scope) error {
	var list corev1.SecretList
	err := r.Secrets.List(ctx, &list, client.InNamespace(s.es.Namespace),
		client.MatchingLabels{esv1.LabelOwner: objecthash.Owner(s.es.Namespace, s.es.Name)})
	if err != nil {
		return result.NewTransient(esv1.ConditionReasonSecretSyncedError, messageOrphansFailed, err)
	}
	for i := range list.Items {
		old := &list.Items[i]
		if old.Name == targetName(s.es) {
			continue
		}
		err := r.Client.Delete(ctx, old, client.Preconditions{UID: &old.UID})
		if err != nil && !apierrors.IsNotFound(err) {
			return result.NewTransient(esv1.ConditionReasonSecretSyncedError, messageOrphansFailed, err)
		}
		r.Events.Eventf(s.es, old, corev1.EventTypeNormal, esv1.EventReasonDeleted, "Delete", "secret deleted because it was orphaned")
	}
	return nil
}
