package eventrecorder

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
)

func TestRecorder_keepsEachMessage(t *testing.T) {
	fake := record.NewFakeRecorder(10)
	r := New(fake)
	obj := &corev1.Secret{}
	r.Eventf(obj, nil, corev1.EventTypeWarning, "UpdateFailed", "Sync", "first %s", "error")
	r.Eventf(obj, nil, corev1.EventTypeWarning, "UpdateFailed", "Sync", "second error")
	for _, want := range []string{"Warning UpdateFailed first error", "Warning UpdateFailed second error"} {
		if got := <-fake.Events; got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}
