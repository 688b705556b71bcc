// Package template is template engine v2: Go text/template with the sprig v3 text functions
// (minus the ones that read the environment or the network), bounded versions of the sprig
// functions that could exhaust memory, and the external-secrets functions for certificates,
// keys and YAML. It renders target.template of an ExternalSecret into a Secret (Apply) and
// the rewrite transform of dataFrom keys (TransformKey).
//
// A template is written by whoever can create an ExternalSecret, and it runs inside the
// controller with every provider value as data. So the engine must never let a template read
// the controller's environment or reach the network, never let it exhaust the controller's
// memory or CPU, and never put a secret value into an error message (errors end up in
// conditions and events that more people can read than the Secret).
package template

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// Default delimiters, the ones of Go templates. They can be changed process-wide with
// --template-left-delimiter / --template-right-delimiter, for users whose templates must
// produce literal "{{".
const (
	DefaultLeftDelimiter  = "{{"
	DefaultRightDelimiter = "}}"
)

// ErrLimitExceeded is wrapped by every error caused by a template asking for more than the
// engine allows (too much output, too many loop iterations, too large a value). Callers
// treat it as a user error: retrying the same template cannot succeed.
var ErrLimitExceeded = errors.New("template limit exceeded")

// Limits bound what one execution of one template may consume, so a template written by a
// namespace user cannot take down the controller that serves every namespace.
type Limits struct {
	// MaxOutputBytes bounds the rendered output of one template and the strings made by
	// repeat, indent, replace, the rand functions and friends. 1 MiB is also the most a whole
	// Secret may hold, so no useful template comes near it.
	MaxOutputBytes int
	// MaxListItems bounds the lists made by until and untilStep and the numbers printed by
	// seq.
	MaxListItems int
	// MaxValueBytes bounds the size of any value a function returns (strings count their
	// bytes, lists and maps their elements as well). Provider data itself is not limited.
	MaxValueBytes int
	// MaxSteps bounds the work of one execution: loop iterations, template calls and
	// function calls each cost a few steps, expensive functions (key generation, bcrypt)
	// many, and large arguments a step per 32 bytes.
	MaxSteps int
}

// DefaultLimits are the limits of an Engine built without WithLimits. They are far above
// what real templates need and keep the worst template to about a second of CPU and a few
// tens of MiB of memory.
func DefaultLimits() Limits {
	return Limits{
		MaxOutputBytes: 1 << 20,
		MaxListItems:   10000,
		MaxValueBytes:  16 << 20,
		MaxSteps:       10_000_000,
	}
}

// Engine renders templates. It is safe for concurrent use and meant to be built once per
// process (in main, from the delimiter flags) and shared by every reconciler.
type Engine struct {
	left, right string
	limits      Limits
	funcs       template.FuncMap
}

// Option configures an Engine. Options rather than a config struct keep New() usable as is
// in tests and let main pass only what its flags set.
type Option func(*Engine)

// WithDelimiters sets the action delimiters (default "{{" and "}}"). Empty values keep the
// default, so flags can be passed through unchanged.
func WithDelimiters(left, right string) Option {
	return func(e *Engine) {
		if left != "" {
			e.left = left
		}
		if right != "" {
			e.right = right
		}
	}
}

// WithLimits replaces the default Limits; a zero field keeps its default. Tests use it to
// reach the limits quickly.
func WithLimits(l Limits) Option {
	return func(e *Engine) {
		d := DefaultLimits()
		e.limits = Limits{
			MaxOutputBytes: orDefault(l.MaxOutputBytes, d.MaxOutputBytes),
			MaxListItems:   orDefault(l.MaxListItems, d.MaxListItems),
			MaxValueBytes:  orDefault(l.MaxValueBytes, d.MaxValueBytes),
			MaxSteps:       orDefault(l.MaxSteps, d.MaxSteps),
		}
	}
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// New returns an Engine with the v2 function map. The map is built once here (sprig filtered,
// bounded functions bound to the limits); each execution only wraps the functions its
// template names.
func New(opts ...Option) *Engine {
	e := &Engine{left: DefaultLeftDelimiter, right: DefaultRightDelimiter, limits: DefaultLimits()}
	for _, o := range opts {
		o(e)
	}
	e.funcs = funcMap(e.limits)
	return e
}

// FuncNames lists the functions a template can call, so documentation and tests can check
// the map without reaching into the package.
func (e *Engine) FuncNames() []string {
	names := make([]string, 0, len(e.funcs))
	for n := range e.funcs {
		names = append(names, n)
	}
	return names
}

// Execute renders tpl with data. name is the key being rendered and appears in errors, which
// start with "unable to parse template at key <name>: " or "unable to execute template at
// key <name>: " and never contain a value of data.
func (e *Engine) Execute(name, tpl string, data any) (string, error) {
	t, err := template.New(name).
		Delims(e.left, e.right).
		Option("missingkey=error").
		Funcs(e.funcs).
		Parse(tpl)
	if err != nil {
		return "", fmt.Errorf("unable to parse template at key %s: %s", name, parseMessage(err))
	}
	run := newRun(e.limits)
	run.instrument(t, e.funcs)
	out := &limitedBuilder{max: e.limits.MaxOutputBytes}
	if err := t.Execute(out, data); err != nil {
		return "", executeError(name, err, data)
	}
	return out.String(), nil
}

// TransformKey renders the template of a dataFrom rewrite.transform for one key: the data is
// {"value": key} and the output is the new key.
func (e *Engine) TransformKey(tpl, key string) (string, error) {
	return e.Execute(key, tpl, map[string]string{"value": key})
}

// limitedBuilder collects the output of a template and fails the execution once it grows
// past the limit, before the controller holds more than it could ever write.
type limitedBuilder struct {
	strings.Builder
	max int
}

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, limitErrorf("the rendered output is larger than %d bytes", b.max)
	}
	return b.Builder.Write(p)
}
