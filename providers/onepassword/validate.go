package onepassword

import (
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// ValidateStore checks, without I/O, the Connect host, the vaults (at least one, with
// distinct priorities) and the token reference, which a namespaced store keeps in its own
// namespace.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := onePasswordSpec(store)
	if err != nil {
		return nil, err
	}
	if err := checkHost(spec.ConnectHost); err != nil {
		return nil, err
	}
	if err := checkVaults(spec.Vaults); err != nil {
		return nil, err
	}
	if err := checkAuth(spec); err != nil {
		return nil, err
	}
	return nil, credentials.ValidateSecretKeySelector(store, "auth.secretRef.connectTokenSecretRef", spec.Auth.SecretRef.ConnectToken)
}

// checkVaults requires at least one named vault and distinct priorities, since the search
// order would otherwise be undefined.
func checkVaults(vaults map[string]int) error {
	if len(vaults) == 0 {
		return errors.New("vaults must name at least one vault")
	}
	byPriority := map[int]string{}
	for name, prio := range vaults {
		if name == "" {
			return errors.New("vaults: a vault name is empty")
		}
		if other, ok := byPriority[prio]; ok {
			a, b := other, name
			if b < a {
				a, b = b, a
			}
			return fmt.Errorf("vaults %q and %q have the same priority %d: priorities must be unique", a, b, prio)
		}
		byPriority[prio] = name
	}
	return nil
}
