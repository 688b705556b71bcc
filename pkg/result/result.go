// Package result classifies reconcile errors and turns them into a ctrl.Result in one place,
// so that no controller decides retries ad hoc.
//
// There are three kinds of failure:
//   - terminal: the user must change something (a policy conflict, an ownership clash, a bad
//     reference). Retrying with backoff only burns API calls, so the object is re-evaluated
//     when it, its target or its store changes, and at least every refresh interval.
//   - waiting: a dependency is not ready yet (the store does not exist or is not Ready). The
//     dependency's watch re-queues the object; a delayed requeue is the safety net.
//   - transient: everything else (API conflicts, timeouts, provider 5xx). It is returned to
//     controller-runtime, whose rate limiter backs off exponentially.
package result

import (
	"errors"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Error is a classified failure. Reason and Message are what the Ready condition shows; the
// wrapped error is the detail for the Warning event and the log.
type Error struct {
	// Kind says how the controller reacts.
	Kind Kind
	// Reason is the condition reason, e.g. SecretSyncedError.
	Reason string
	// Message is the short, value-free condition message, e.g. "could not update secret".
	Message string
	// After is when a waiting object is looked at again if no watch fires first.
	After time.Duration
	// Err is the underlying error.
	Err error
}

// Kind is how the controller reacts to an Error.
type Kind int

const (
	// Transient errors are retried with exponential backoff.
	Transient Kind = iota
	// Terminal errors wait for a change of the object or its dependencies.
	Terminal
	// Waiting errors wait for a dependency, with a delayed requeue as a safety net.
	Waiting
)

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// NewTerminal wraps err as a failure only a change by the user can fix.
func NewTerminal(reason, message string, err error) *Error {
	return &Error{Kind: Terminal, Reason: reason, Message: message, Err: err}
}

// NewWaiting wraps err as a dependency that is not ready; the object is looked at again after
// the given delay unless a watch fires first.
func NewWaiting(reason, message string, after time.Duration, err error) *Error {
	return &Error{Kind: Waiting, Reason: reason, Message: message, After: after, Err: err}
}

// NewTransient wraps err as retryable with backoff, keeping a condition reason and message.
func NewTransient(reason, message string, err error) *Error {
	return &Error{Kind: Transient, Reason: reason, Message: message, Err: err}
}

// As returns err's *Error, or a transient one with the given reason and message when err
// was not classified.
func As(err error, reason, message string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return NewTransient(reason, message, err)
}

// Map turns the outcome of a reconcile into what controller-runtime should do. ok is the
// requeue the successful path asked for; recheck is when an object stuck on a terminal error
// is re-evaluated anyway (its refresh interval; zero means only on change).
func Map(err error, ok ctrl.Result, recheck time.Duration) (ctrl.Result, error) {
	if err == nil {
		return ok, nil
	}
	var e *Error
	if !errors.As(err, &e) {
		return ctrl.Result{}, err
	}
	switch e.Kind {
	case Terminal:
		return ctrl.Result{RequeueAfter: recheck}, nil
	case Waiting:
		return ctrl.Result{RequeueAfter: e.After}, nil
	default:
		return ctrl.Result{}, err
	}
}

// RateLimiter is the per-object backoff for failures (1 s doubling to 7 min) combined with a
// global bucket, as upstream does, so a broken store cannot make the controller spin.
func RateLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return RateLimiterUpTo(7 * time.Minute)
}

// StoreRetryMax caps the backoff of a failing store. Stores are few and a validation is one
// cheap call, while the credentials they read (Secrets anywhere in the cluster) are not watched:
// a short cap is what makes a fixed credential turn the store Ready within seconds.
const StoreRetryMax = 15 * time.Second

// RateLimiterUpTo is RateLimiter with another maximum per-object backoff.
func RateLimiterUpTo(maxDelay time.Duration) workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, maxDelay),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}
