package externalsecret

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/pkg/generators/state"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/pkg/store"
)

// generate runs the generator of dataFrom[i]. Its keys go through rewrite and key validation
// only: generators produce valid keys and raw values, so there is no conversion or decoding.
// A generator runs on every sync of the ExternalSecret. A state it returns is recorded in
// states before the value is used; if that fails, what was generated is cleaned up at once.
func (r *Reconciler) generate(ctx context.Context, states *state.Batch, es *esv1.ExternalSecret, i int) (map[string][]byte, error) {
	df := es.Spec.DataFrom[i]
	if df.SourceRef.GeneratorRef.Kind == genv1alpha1.ClusterGeneratorKind && !r.ClusterGenerators {
		return nil, result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed,
			fmt.Errorf("spec.dataFrom[%d]: ClusterGenerators cannot be used in a namespace-scoped installation", i))
	}
	res, err := generators.Resolve(ctx, r.Client, *df.SourceRef.GeneratorRef, es.Namespace)
	if err != nil {
		return nil, generatorError(i, err)
	}
	gen, ok := r.Generators.For(res.Kind)
	if !ok {
		return nil, result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed,
			fmt.Errorf("spec.dataFrom[%d]: generator kind %s is not supported by this controller", i, res.Kind))
	}
	out, st, err := gen.Generate(ctx, res.Manifest, r.Client, es.Namespace)
	if err != nil {
		return nil, fmt.Errorf("error processing spec.dataFrom[%d].sourceRef.generatorRef, err: %w", i, err)
	}
	if err := states.Record(ctx, strconv.Itoa(i), res.Manifest, st); err != nil {
		if cerr := gen.Cleanup(ctx, res.Manifest, st, r.Client, es.Namespace); cerr != nil {
			ctrl.LoggerFrom(ctx).Error(cerr, "cleaning up a generated value whose state could not be recorded", "entry", i, "kind", res.Kind)
		}
		return nil, err
	}
	out, err = secretdata.Rewrite(df.Rewrite, out, r.Templates.TransformKey)
	if err == nil {
		out, err = secretdata.ValidateKeys(out)
	}
	if err != nil {
		return nil, pipelineError(fmt.Errorf("error processing spec.dataFrom[%d], err: %w", i, err))
	}
	return out, nil
}

// generatorError classifies a failed resolution: a bad reference needs a spec change; a
// generator that does not exist yet is waited for (its creation re-queues us).
func generatorError(i int, err error) error {
	err = fmt.Errorf("spec.dataFrom[%d].sourceRef.generatorRef: %w", i, err)
	switch {
	case errors.Is(err, generators.ErrInvalidRef):
		return result.NewTerminal(esv1.ConditionReasonSecretSyncedError, messageFetchFailed, err)
	case apierrors.IsNotFound(err):
		return result.NewWaiting(esv1.ConditionReasonSecretSyncedError, messageFetchFailed, store.WaitDelay, err)
	default:
		return err
	}
}

// generatorRefs lists "<Kind>/<name>" of the generators an ExternalSecret uses, for the
// generator watch index.
func generatorRefs(es *esv1.ExternalSecret) []string {
	var out []string
	for _, df := range es.Spec.DataFrom {
		if df.SourceRef != nil && df.SourceRef.GeneratorRef != nil {
			out = append(out, df.SourceRef.GeneratorRef.Kind+"/"+df.SourceRef.GeneratorRef.Name)
		}
	}
	return out
}

// skipForGenerators reports whether a generator the object uses belongs to another
// controller class. Generators that cannot be read are ignored here; the sync reports them.
func (r *Reconciler) skipForGenerators(ctx context.Context, es *esv1.ExternalSecret) bool {
	for _, df := range es.Spec.DataFrom {
		if df.SourceRef == nil || df.SourceRef.GeneratorRef == nil ||
			(df.SourceRef.GeneratorRef.Kind == genv1alpha1.ClusterGeneratorKind && !r.ClusterGenerators) {
			continue
		}
		res, err := generators.Resolve(ctx, r.Client, *df.SourceRef.GeneratorRef, es.Namespace)
		if err == nil && res.Controller != "" && res.Controller != r.Stores.ControllerClass {
			return true
		}
	}
	return false
}

// generatorKinds is every kind an ExternalSecret can reference, to watch them.
func (r *Reconciler) generatorKinds() []string {
	kinds := genv1alpha1.GeneratorKinds()
	if r.ClusterGenerators {
		kinds = append(kinds, genv1alpha1.ClusterGeneratorKind)
	}
	return kinds
}
