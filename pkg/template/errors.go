package template

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// limitError is a template asking for more than Limits allow. Its message is ours and
// contains numbers only.
type limitError struct{ msg string }

func limitErrorf(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

func (e *limitError) Error() string { return ErrLimitExceeded.Error() + ": " + e.msg }

// Is makes errors.Is(err, ErrLimitExceeded) true.
func (e *limitError) Is(target error) bool { return target == ErrLimitExceeded }

// safeError is an error of one of our template functions. Its message is written so that it
// never contains the function's input, which is how it may be shown to users as is.
type safeError struct{ msg string }

func safeErrorf(format string, args ...any) error {
	return &safeError{msg: fmt.Sprintf(format, args...)}
}

func (e *safeError) Error() string { return e.msg }

// withheld replaces the detail of an execution error that could quote a value.
const withheld = "(details not shown because they may contain secret data)"

// minRedactLen is the shortest data value that is redacted from error messages; shorter
// ones would garble the message (every "a" replaced) for little protection.
const minRedactLen = 4

// execErrorRe splits text/template's execution error: location, template name, the action
// being executed (template text) and the detail.
var execErrorRe = regexp.MustCompile(`(?s)^template: (.*?): executing "(.*?)" at <(.*?)>: (.*)$`)

// safeDetails are execution error details that text/template builds from the template's
// text and types only, never from values.
var safeDetails = []*regexp.Regexp{
	regexp.MustCompile(`^map has no entry for key "(?:[^"\\]|\\.)*"$`),
	regexp.MustCompile(`^can't evaluate field \S+ in type \S+$`),
	regexp.MustCompile(`^nil pointer evaluating \S+$`),
	regexp.MustCompile(`^nil data; no entry for key "(?:[^"\\]|\\.)*"$`),
	regexp.MustCompile(`^wrong number of args for \S+: want (?:at least )?\d+ got \d+$`),
	regexp.MustCompile(`^wrong type for value; expected \S+; got \S+$`),
	regexp.MustCompile(`^exceeded maximum template depth \(\d+\)$`),
	regexp.MustCompile(`^no such template "(?:[^"\\]|\\.)*"$`),
	regexp.MustCompile(`^can't give argument to non-function \S+$`),
	regexp.MustCompile(`^\S+ is not a method but has arguments$`),
	regexp.MustCompile(`^\S+ has arguments but cannot be invoked as function$`),
	regexp.MustCompile(`^can't call method/function "\S+" with \d+ results$`),
	regexp.MustCompile(`^\S+ is an unexported field of struct type \S+$`),
}

// comparisonFuncs are the text/template builtins whose errors (comparisonError) name types,
// never values.
var (
	comparisonFuncs = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}
	comparisonError = regexp.MustCompile(`^(?:invalid type|incompatible types|missing argument) for comparison(?:: [\w.*\[\]]+ and [\w.*\[\]]+)?$`)
)

// parseMessage is the message of a parse error. It quotes the template's text only.
func parseMessage(err error) string {
	return err.Error()
}

// executeError turns an error of text/template's Execute into ours: "unable to execute
// template at key <name>: <message>", where the message keeps the location and what
// text/template said unless that could contain a value, and every value of data is redacted
// from it anyway. The original error is not wrapped (its text may hold values); limit errors
// are, so callers can test errors.Is(err, ErrLimitExceeded).
func executeError(name string, err error, data any) error {
	if le, ok := errors.AsType[*limitError](err); ok {
		return fmt.Errorf("unable to execute template at key %s: %w", name, le)
	}
	msg := redact(sanitizeExecMessage(err), secretsOf(data))
	return fmt.Errorf("unable to execute template at key %s: %s", name, msg)
}

// sanitizeExecMessage keeps text/template's location and the action being executed, and
// the detail only when it cannot hold a value.
func sanitizeExecMessage(err error) string {
	m := execErrorRe.FindStringSubmatch(err.Error())
	if m == nil {
		return withheld
	}
	prefix := fmt.Sprintf("template: %s: executing %q at <%s>: ", m[1], m[2], m[3])
	return prefix + sanitizeDetail(err, m[4])
}

func sanitizeDetail(err error, detail string) string {
	if rest, ok := strings.CutPrefix(detail, "error calling "); ok {
		fn, _, _ := strings.Cut(rest, ": ")
		if se, ok := errors.AsType[*safeError](err); ok {
			return "error calling " + fn + ": " + se.Error()
		}
		if fn == "fail" {
			return detail // the template author's own message; values are redacted later
		}
		if comparisonFuncs[fn] && comparisonError.MatchString(strings.TrimPrefix(rest, fn+": ")) {
			return detail
		}
		return "error calling " + fn + ": " + withheld
	}
	for _, re := range safeDetails {
		if re.MatchString(detail) {
			return detail
		}
	}
	return withheld
}

// redact replaces every secret, and its Go-quoted form, in msg.
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "[redacted]")
		if q := strconv.Quote(s); q[1:len(q)-1] != s {
			msg = strings.ReplaceAll(msg, q[1:len(q)-1], "[redacted]")
		}
	}
	return msg
}

// maxSecrets bounds how many values secretsOf collects (and redact scans for).
const maxSecrets = 10000

// secretsOf collects the string values of data worth redacting, longest first so that a
// value containing another is redacted whole.
func secretsOf(data any) []string {
	var out []string
	collectSecrets(reflect.ValueOf(data), 0, &out)
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func collectSecrets(v reflect.Value, depth int, out *[]string) {
	if len(*out) >= maxSecrets || depth > 10 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.Len() >= minRedactLen {
			*out = append(*out, v.String())
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			if v.Len() >= minRedactLen {
				*out = append(*out, string(v.Bytes()))
			}
			return
		}
		for i := range v.Len() {
			collectSecrets(v.Index(i), depth+1, out)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			collectSecrets(it.Value(), depth+1, out)
		}
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			collectSecrets(v.Elem(), depth+1, out)
		}
	default:
		// numbers and the like are not redacted
	}
}
