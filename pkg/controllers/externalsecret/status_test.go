package externalsecret

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/result"
)

func TestReadyCondition(t *testing.T) {
	tests := []struct {
		name    string
		out     outcome
		err     error
		status  metav1.ConditionStatus
		reason  string
		message string
	}{
		{"synced", outcomeSynced, nil, metav1.ConditionTrue, "SecretSynced", "secret synced"},
		{"retained", outcomeRetained, nil, metav1.ConditionTrue, "SecretSynced", "secret retained due to DeletionPolicy=Retain"},
		{"deleted", outcomeDeleted, nil, metav1.ConditionTrue, "SecretDeleted", "secret deleted due to DeletionPolicy=Delete"},
		{"merge target missing", outcomeMissing, nil, metav1.ConditionTrue, "SecretMissing", "secret will not be created due to CreationPolicy=Merge"},
		{"classified failure keeps its message", outcomeSynced, result.NewTerminal("SecretSyncedError", messageImmutable, errors.New("x")), metav1.ConditionFalse, "SecretSyncedError", messageImmutable},
		{"unclassified failure is a write failure", outcomeSynced, errors.New("boom"), metav1.ConditionFalse, "SecretSyncedError", "could not update secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := readyCondition(tt.out, tt.err, 3)
			if c.Type != esv1.ExternalSecretReady || c.Status != tt.status || c.Reason != tt.reason || c.Message != tt.message || c.ObservedGeneration != 3 {
				t.Fatalf("got %+v", c)
			}
		})
	}
}

func TestFailureMemory_reportsEachDistinctErrorOnce(t *testing.T) {
	var f failureMemory
	if !f.changed("a", "x") || f.changed("a", "x") || !f.changed("a", "y") || !f.changed("b", "y") {
		t.Fatal("changed must be true only for a new message per key")
	}
	f.forget("a")
	if !f.changed("a", "y") {
		t.Fatal("after forget the same message is new again")
	}
}
