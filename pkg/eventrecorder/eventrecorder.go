// Package eventrecorder records events through the core/v1 Events API while callers use the
// events.k8s.io style signature.
//
// Why not events.k8s.io directly: its recorder folds every event with the same object, type,
// reason and action into one series for six minutes and keeps the first note. A second,
// different error ("store not found", then "permission denied") would only bump a counter on
// the first message, so users would read a stale error. The core/v1 recorder deduplicates by
// message, which is what "one event per distinct error" needs, and is what upstream's users
// see in `kubectl describe`.
package eventrecorder

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/record"
)

// Recorder adapts a core/v1 recorder to events.EventRecorder.
type Recorder struct {
	rec record.EventRecorder
}

var _ events.EventRecorder = Recorder{}

// New wraps rec (from the manager's GetEventRecorderFor).
func New(rec record.EventRecorder) Recorder {
	return Recorder{rec: rec}
}

// Eventf records an event on regarding. related and action have no place in a core/v1 event
// and are dropped.
func (r Recorder) Eventf(regarding, _ runtime.Object, eventtype, reason, _, note string, args ...any) {
	r.rec.Eventf(regarding, eventtype, reason, note, args...)
}

// Provider is the part of a controller-runtime manager that hands out core/v1 recorders.
type Provider interface {
	GetEventRecorderFor(name string) record.EventRecorder
}

// For returns a Recorder reporting as name, from a manager.
func For(p Provider, name string) Recorder {
	// The core/v1 API is deprecated in controller-runtime in favour of events.k8s.io; see the
	// package comment for why we keep it.
	return New(p.GetEventRecorderFor(name))
}
