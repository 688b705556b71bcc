package externalsecret

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/fieldmanager"
	"github.com/seedb5e69c69/external-secrets/pkg/objecthash"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
)

// Ready messages of the write path (contract §3.2).
const (
	messageUpdateFailed  = "could not update secret"
	messageDeleteFailed  = "could not delete secret"
	messageOrphansFailed = "could not delete orphaned secrets"
	messageImmutable     = "could not update secret, target is immutable"
	messageOwnedByOther  = "target is owned by another ExternalSecret"
	messageOwnership     = "failed to take ownership of target secret"
)

// observeTarget reads the target from the managed-Secret cache. A target that is not there
// may still exist without our label (a pre-existing Secret); the write path finds it when it
// matters (a create that fails with AlreadyExists, or creationPolicy Merge), so the common case
// costs no API read.
func (r *Reconciler) observeTarget(ctx context.Context, s *scope) error {
	var secret corev1.Secret
	err := r.Secrets.Get(ctx, client.ObjectKey{Namespace: s.es.Namespace, Name: targetName(s.es)}, &secret)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s.target = &secret
	return nil
}

// applyEmptyPolicy handles a sync that produced no data at all, per deletionPolicy: Retain
// keeps the target (Ready, "retained"); Delete deletes it (Ready, SecretDeleted); Merge goes
// on to remove our keys from it. done is true when nothing is left to write.
func (r *Reconciler) applyEmptyPolicy(ctx context.Context, s *scope) (done bool, err error) {
	if len(s.data) > 0 {
		return false, nil
	}
	switch s.es.Spec.Target.DeletionPolicy {
	case esv1.DeletionPolicyMerge:
		return false, nil
	case esv1.DeletionPolicyDelete:
		if s.es.Spec.Target.CreationPolicy != esv1.CreatePolicyOwner {
			return true, result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageDeleteFailed,
				errors.New("deletionPolicy=Delete needs creationPolicy=Owner"))
		}
		if s.target != nil {
			err := r.Client.Delete(ctx, s.target, client.Preconditions{UID: &s.target.UID})
			if err != nil && !apierrors.IsNotFound(err) {
				return true, result.NewTransient(esv1.ConditionReasonSecretSyncedError, messageDeleteFailed, err)
			}
			r.Events.Eventf(s.es, s.target, corev1.EventTypeNormal, esv1.EventReasonDeleted, "Delete", "secret deleted due to DeletionPolicy=Delete")
		}
		s.outcome = outcomeDeleted
		return true, nil
	default:
		s.outcome = outcomeRetained
		return true, nil
	}
}

// writeTarget creates or updates the target according to creationPolicy. An update that
// would not change anything makes no API call.
func (r *Reconciler) writeTarget(ctx context.Context, s *scope) error {
	policy := s.es.Spec.Target.CreationPolicy
	switch policy {
	case esv1.CreatePolicyNone:
		return nil
	case esv1.CreatePolicyOwner:
		if err := r.deleteOrphans(ctx, s); err != nil {
			return err
		}
	case esv1.CreatePolicyOrphan, esv1.CreatePolicyMerge, esv1.CreatePolicyCreateOrMerge:
	}
	existing := s.target
	if existing == nil && policy == esv1.CreatePolicyMerge {
		found, err := r.readFromAPI(ctx, s)
		if err != nil {
			return result.NewTransient(esv1.ConditionReasonSecretSyncedError, messageUpdateFailed, err)
		}
		if found == nil {
			s.outcome = outcomeMissing
			return nil
		}
		existing = found
	}
	if existing == nil {
		created, err := r.create(ctx, s)
		if !apierrors.IsAlreadyExists(err) {
			return err
		}
		_ = created
		if existing, err = r.readFromAPI(ctx, s); err != nil || existing == nil {
			return writeRace(err)
		}
	}
	return r.update(ctx, s, existing)
}

// readFromAPI reads the target bypassing the caches; nil when it does not exist.
func (r *Reconciler) readFromAPI(ctx context.Context, s *scope) (*corev1.Secret, error) {
	var secret corev1.Secret
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: s.es.Namespace, Name: targetName(s.es)}, &secret)
	if apierrors.IsNotFound(err) {
		return nil, nil //nolint:nilnil // "not found" is a normal answer here
	}
	if err != nil {
		return nil, err
	}
	return &secret, nil
}

// create writes a new target. AlreadyExists is returned as is so the caller can switch to the
// update path.
func (r *Reconciler) create(ctx context.Context, s *scope) (*corev1.Secret, error) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: targetName(s.es), Namespace: s.es.Namespace}, Type: corev1.SecretTypeOpaque}
	if err := r.mutate(ctx, s, secret, true); err != nil {
		return nil, err
	}
	if err := checkTypedKeys(secret); err != nil {
		return nil, err
	}
	err := r.Client.Create(ctx, secret, client.FieldOwner(fieldmanager.Name(s.es.Name)))
	if apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	if err != nil {
		return nil, writeError(err)
	}
	s.es.Status.Binding = corev1.LocalObjectReference{Name: secret.Name}
	r.Events.Eventf(s.es, secret, corev1.EventTypeNormal, esv1.EventReasonCreated, "Create", "secret created")
	return secret, nil
}

// update merges the data into an existing target. An immutable target keeps its data: only
// metadata may change, and a data change is a terminal error.
func (r *Reconciler) update(ctx context.Context, s *scope, existing *corev1.Secret) error {
	desired := existing.DeepCopy()
	if err := r.mutate(ctx, s, desired, false); err != nil {
		return err
	}
	if err := checkTypedKeys(desired); err != nil {
		return err
	}
	s.es.Status.Binding = corev1.LocalObjectReference{Name: existing.Name}
	if ptr.Deref(existing.Immutable, false) && (!equality.Semantic.DeepEqual(existing.Data, desired.Data) || existing.Type != desired.Type) {
		desired.Data, desired.Type = existing.Data, existing.Type
		desired.Annotations[esv1.AnnotationDataHash] = objecthash.Data(existing.Data)
		if err := r.writeIfChanged(ctx, s, existing, desired); err != nil {
			return err
		}
		return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageImmutable,
			fmt.Errorf("secret %s/%s is immutable and its data would change", existing.Namespace, existing.Name))
	}
	return r.writeIfChanged(ctx, s, existing, desired)
}

func (r *Reconciler) writeIfChanged(ctx context.Context, s *scope, existing, desired *corev1.Secret) error {
	if unchanged(existing, desired) {
		return nil
	}
	if err := r.Client.Update(ctx, desired, client.FieldOwner(fieldmanager.Name(s.es.Name))); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return writeRace(err)
		}
		return writeError(err)
	}
	r.Events.Eventf(s.es, desired, corev1.EventTypeNormal, esv1.EventReasonUpdated, "Update", "secret updated")
	return nil
}

// typedKeys are the keys the API server requires in Secrets of the built-in types.
var typedKeys = map[corev1.SecretType][]string{
	corev1.SecretTypeDockerConfigJson: {corev1.DockerConfigJsonKey},
	corev1.SecretTypeDockercfg:        {corev1.DockerConfigKey},
	corev1.SecretTypeSSHAuth:          {corev1.SSHAuthPrivateKey},
	corev1.SecretTypeTLS:              {corev1.TLSCertKey, corev1.TLSPrivateKeyKey},
}

// checkTypedKeys refuses, before any write, a Secret of a built-in type that lacks a key its
// type requires. The API server would refuse it too, but with a message about the Secret
// rather than about the template that has to change, and retrying cannot help. (A common
// case: a docker registry credential from a generator, whose template does not build
// .dockerconfigjson.)
func checkTypedKeys(secret *corev1.Secret) error {
	for _, key := range typedKeys[secret.Type] {
		if _, ok := secret.Data[key]; !ok {
			msg := fmt.Sprintf("a Secret of type %s needs the key %s: add it to spec.target.template.data", secret.Type, key)
			return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, msg,
				fmt.Errorf("the target would have the keys %v", slices.Sorted(maps.Keys(secret.Data))))
		}
	}
	return nil
}

// writeError classifies a failed write of the target: a Secret the API server finds invalid
// needs a spec change (retrying would only call the providers again); anything else is
// retried.
func writeError(err error) error {
	if apierrors.IsInvalid(err) || apierrors.IsRequestEntityTooLargeError(err) {
		return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageUpdateFailed, err)
	}
	return result.NewTransient(esv1.ConditionReasonSecretSyncedError, messageUpdateFailed, err)
}

// unchanged compares everything the controller may write.
func unchanged(a, b *corev1.Secret) bool {
	return equality.Semantic.DeepEqual(a.Data, b.Data) && a.Type == b.Type &&
		equality.Semantic.DeepEqual(a.Labels, b.Labels) && equality.Semantic.DeepEqual(a.Annotations, b.Annotations) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences) && slices.Equal(a.Finalizers, b.Finalizers) &&
		ptr.Deref(a.Immutable, false) == ptr.Deref(b.Immutable, false)
}

// mutate turns secret (a new object or a copy of the existing target) into what this sync
// wants: our previous keys removed, the template applied, ownership and bookkeeping set.
func (r *Reconciler) mutate(ctx context.Context, s *scope, secret *corev1.Secret, isNew bool) error {
	es := s.es
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	if secret.Labels == nil {
		secret.Labels = map[string]string{}
	}
	if secret.Annotations == nil {
		secret.Annotations = map[string]string{}
	}
	if es.Spec.Target.Immutable && isNew {
		secret.Immutable = ptr.To(true)
	}
	if isNew || !es.Spec.Target.Immutable {
		dropOwned(secret, fieldmanager.OwnedBy(secret, fieldmanager.Name(es.Name)))
		if err := r.applyTemplate(ctx, s, secret); err != nil {
			return err
		}
	}
	if err := r.applyOwnership(es, secret); err != nil {
		return err
	}
	secret.Labels[esv1.LabelManaged] = esv1.LabelManagedValue
	secret.Annotations[esv1.AnnotationDataHash] = objecthash.Data(secret.Data)
	return nil
}

// dropOwned removes what this ExternalSecret wrote before, so that a key it no longer
// produces disappears while keys written by others stay.
func dropOwned(secret *corev1.Secret, owned fieldmanager.Owned) {
	maps.DeleteFunc(secret.Data, func(k string, _ []byte) bool { _, ok := owned.Data[k]; return ok })
	maps.DeleteFunc(secret.Labels, func(k string, _ string) bool { _, ok := owned.Labels[k]; return ok })
	maps.DeleteFunc(secret.Annotations, func(k string, _ string) bool { _, ok := owned.Annotations[k]; return ok })
}
