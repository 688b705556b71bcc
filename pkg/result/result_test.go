package result

import (
	"errors"
	"fmt"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

func TestMap(t *testing.T) {
	boom := errors.New("boom")
	ok := ctrl.Result{RequeueAfter: time.Hour}
	tests := []struct {
		name    string
		err     error
		want    ctrl.Result
		wantErr bool
	}{
		{"success keeps the requested requeue", nil, ok, false},
		{"an unclassified error is returned for backoff", boom, ctrl.Result{}, true},
		{"a transient error is returned for backoff", NewTransient("R", "m", boom), ctrl.Result{}, true},
		{"a terminal error waits for the recheck interval without backoff", NewTerminal("R", "m", boom), ctrl.Result{RequeueAfter: 5 * time.Minute}, false},
		{"a wrapped terminal error is still terminal", fmt.Errorf("ctx: %w", NewTerminal("R", "m", boom)), ctrl.Result{RequeueAfter: 5 * time.Minute}, false},
		{"a waiting error requeues after its delay", NewWaiting("R", "m", 30*time.Second, boom), ctrl.Result{RequeueAfter: 30 * time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Map(tt.err, ok, 5*time.Minute)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestAs(t *testing.T) {
	boom := errors.New("boom")
	if e := As(boom, "R", "m"); e.Kind != Transient || e.Reason != "R" || !errors.Is(e, boom) {
		t.Fatalf("unclassified: %+v", e)
	}
	term := NewTerminal("T", "t", boom)
	if e := As(fmt.Errorf("x: %w", term), "R", "m"); e != term {
		t.Fatalf("classified error must be returned as is: %+v", e)
	}
	if term.Error() != "t: boom" || NewTerminal("T", "t", nil).Error() != "t" {
		t.Fatalf("messages: %q", term.Error())
	}
}
