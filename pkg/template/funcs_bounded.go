package template

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// bounds holds the limits the bounded functions check before they allocate anything.
type bounds struct {
	Limits
}

// boundedFuncs replace the sprig functions whose output size is chosen by an argument, so a
// template such as {{ repeat 1000000000 "x" }} or {{ until 1000000000 }} fails with
// ErrLimitExceeded instead of exhausting the controller's memory. Behaviour below the
// limits is sprig's.
func boundedFuncs(l Limits) template.FuncMap {
	b := bounds{l}
	orig := sprig.TxtFuncMap()
	return template.FuncMap{
		"repeat":                     b.repeat,
		"until":                      b.until,
		"untilStep":                  b.untilStep,
		"seq":                        b.seq,
		"randAlphaNum":               b.randString("randAlphaNum", orig),
		"randAlpha":                  b.randString("randAlpha", orig),
		"randAscii":                  b.randString("randAscii", orig),
		"randNumeric":                b.randString("randNumeric", orig),
		"randBytes":                  b.randBytes(orig),
		"indent":                     b.indent,
		"nindent":                    b.nindent,
		"replace":                    b.replace,
		"regexReplaceAll":            b.regexReplaceAll,
		"mustRegexReplaceAll":        b.regexReplaceAll,
		"regexReplaceAllLiteral":     b.regexReplaceAllLiteral,
		"mustRegexReplaceAllLiteral": b.regexReplaceAllLiteral,
		"uniq":                       uniq,
		"mustUniq":                   uniq,
	}
}

// checkCount fails when fn would produce count units (bytes or items) above max.
func checkCount(fn string, count, max int) error {
	if count < 0 {
		return safeErrorf("%s: negative count %d", fn, count)
	}
	if count > max {
		return limitErrorf("%s would produce %d bytes or items, more than the limit of %d", fn, count, max)
	}
	return nil
}

// repeat is sprig's repeat (count copies of str) with the output bounded.
func (b bounds) repeat(count int, str string) (string, error) {
	if count < 0 {
		return "", safeErrorf("repeat: negative count %d", count)
	}
	if len(str) > 0 && count > b.MaxOutputBytes/len(str) {
		return "", limitErrorf("repeat would produce more than %d bytes", b.MaxOutputBytes)
	}
	return strings.Repeat(str, count), nil
}

// until is sprig's until: 0, 1, ..., count-1 (or down to count+1 when negative).
func (b bounds) until(count int) ([]int, error) {
	step := 1
	if count < 0 {
		step = -1
	}
	return b.untilStep(0, count, step)
}

// untilStep is sprig's untilStep: start, start+step, ... while before stop. The length is
// computed first, without overflow, so a huge range is refused before anything is
// allocated (sprig's own loop can also wrap around near the int limits and never end).
func (b bounds) untilStep(start, stop, step int) ([]int, error) {
	n := rangeLen(start, stop, step)
	if n > uint64(b.MaxListItems) {
		return nil, limitErrorf("untilStep would produce more than %d items", b.MaxListItems)
	}
	v := make([]int, 0, n)
	for i, k := start, uint64(0); k < n; i, k = i+step, k+1 {
		v = append(v, i)
	}
	return v, nil
}

// rangeLen is the number of items of untilStep(start, stop, step), computed in unsigned
// arithmetic so that no difference of two ints overflows.
func rangeLen(start, stop, step int) uint64 {
	switch {
	case step > 0 && start < stop:
		return (uint64(stop)-uint64(start)-1)/uint64(step) + 1
	case step < 0 && stop < start:
		return (uint64(start)-uint64(stop)-1)/(-uint64(step)) + 1
	default:
		return 0
	}
}

// seq is sprig's seq (like the Unix command): "seq 3" is "1 2 3", "seq 2 4" is "2 3 4",
// "seq 0 2 6" is "0 2 4 6".
func (b bounds) seq(params ...int) (string, error) {
	var start, end, step int
	switch len(params) {
	case 1:
		start, end, step = 1, params[0], 1
	case 2:
		start, end, step = params[0], params[1], 1
	case 3:
		start, step, end = params[0], params[1], params[2]
		if end < start && step > 0 {
			return "", nil
		}
	default:
		return "", nil
	}
	increment := 1
	if end < start {
		increment = -1
		if len(params) < 3 {
			step = -1
		}
	}
	items, err := b.untilStep(start, end+increment, step)
	if err != nil {
		return "", err
	}
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = strconv.Itoa(v)
	}
	return strings.Join(out, " "), nil
}

// randString bounds one of sprig's random string functions (randAlphaNum, randAlpha,
// randAscii, randNumeric), whose count is the length of the result.
func (b bounds) randString(name string, orig template.FuncMap) func(int) (string, error) {
	fn := orig[name].(func(int) string)
	return func(count int) (string, error) {
		if err := checkCount(name, count, b.MaxOutputBytes); err != nil {
			return "", err
		}
		return fn(count), nil
	}
}

// randBytes bounds sprig's randBytes (count random bytes, base64-encoded).
func (b bounds) randBytes(orig template.FuncMap) func(int) (string, error) {
	fn := orig["randBytes"].(func(int) (string, error))
	return func(count int) (string, error) {
		if err := checkCount("randBytes", count, b.MaxOutputBytes); err != nil {
			return "", err
		}
		return fn(count)
	}
}

// indent is sprig's indent: every line of v prefixed with spaces blanks.
func (b bounds) indent(spaces int, v string) (string, error) {
	if err := checkCount("indent", spaces, b.MaxOutputBytes); err != nil {
		return "", err
	}
	lines := strings.Count(v, "\n") + 1
	if size := len(v) + spaces*lines; size > b.MaxOutputBytes && spaces > 0 {
		return "", limitErrorf("indent would produce %d bytes, more than the limit of %d", size, b.MaxOutputBytes)
	}
	pad := strings.Repeat(" ", spaces)
	return pad + strings.ReplaceAll(v, "\n", "\n"+pad), nil
}

// nindent is indent with a leading newline.
func (b bounds) nindent(spaces int, v string) (string, error) {
	s, err := b.indent(spaces, v)
	if err != nil {
		return "", err
	}
	return "\n" + s, nil
}

// grows fails when a function would turn an input of inLen bytes into more than
// MaxOutputBytes (shrinking or keeping the size of large provider values is allowed).
func (b bounds) grows(fn string, size, inLen int) error {
	if size > b.MaxOutputBytes && size > inLen {
		return limitErrorf("%s would produce %d bytes, more than the limit of %d", fn, size, b.MaxOutputBytes)
	}
	return nil
}

// replace is sprig's replace (every old in src becomes new), refused when the result would
// grow past the limit: replacing "" inserts new between every character.
func (b bounds) replace(old, repl, src string) (string, error) {
	n := strings.Count(src, old)
	size := len(src) + n*(len(repl)-len(old))
	if err := b.grows("replace", size, len(src)); err != nil {
		return "", err
	}
	return strings.ReplaceAll(src, old, repl), nil
}

// compileRegex compiles a template's regular expression; the error names the problem but
// not the expression, which may come from provider data.
func compileRegex(fn, expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, safeErrorf("%s: invalid regular expression: %s", fn, se.Code)
		}
		return nil, safeErrorf("%s: invalid regular expression", fn)
	}
	return re, nil
}

// regexReplaceAll is sprig's regexReplaceAll(regex, s, repl) with $1-style expansion. The
// result size is bounded from above before replacing: each match becomes at most repl with
// every "$" reference expanded to the whole match.
func (b bounds) regexReplaceAll(regex, s, repl string) (string, error) {
	re, err := compileRegex("regexReplaceAll", regex)
	if err != nil {
		return "", err
	}
	if err := b.checkRegexGrowth("regexReplaceAll", re, s, repl, strings.Count(repl, "$")); err != nil {
		return "", err
	}
	return re.ReplaceAllString(s, repl), nil
}

// regexReplaceAllLiteral is sprig's regexReplaceAllLiteral (repl used as is), bounded like
// regexReplaceAll.
func (b bounds) regexReplaceAllLiteral(regex, s, repl string) (string, error) {
	re, err := compileRegex("regexReplaceAllLiteral", regex)
	if err != nil {
		return "", err
	}
	if err := b.checkRegexGrowth("regexReplaceAllLiteral", re, s, repl, 0); err != nil {
		return "", err
	}
	return re.ReplaceAllLiteralString(s, repl), nil
}

// checkRegexGrowth bounds the size of a regex replacement before doing it. refs is the
// number of "$" in repl. A first pass over the matches sums the bound without building the
// result (the callback returns nothing).
func (b bounds) checkRegexGrowth(fn string, re *regexp.Regexp, s, repl string, refs int) error {
	if repl == "" {
		return nil // never grows
	}
	worst := float64(len(s)) + float64(len(s)+1)*(float64(len(repl))+float64(refs)*float64(len(s)))
	if worst <= float64(b.MaxOutputBytes) {
		return nil // cannot exceed the limit whatever matches
	}
	// A reference takes at least two bytes of repl ("$1", "$$") and expands to at most the
	// match ("$$" to one byte).
	fixed := max(len(repl)-2*refs, 0)
	size := float64(len(s))
	re.ReplaceAllStringFunc(s, func(match string) string {
		size += float64(fixed) + float64(refs)*float64(max(len(match), 1)) - float64(len(match))
		return ""
	})
	if size > float64(b.MaxOutputBytes) && size > float64(len(s)) {
		return limitErrorf("%s would produce about %.0f bytes, more than the limit of %d", fn, size, b.MaxOutputBytes)
	}
	return nil
}

// uniq is sprig's uniq/mustUniq (the list without repeated items, first occurrence kept) in
// linear time for strings, numbers and booleans; sprig compares every pair, which a list of
// ten thousand items turns into seconds of CPU.
func uniq(list any) ([]any, error) {
	v := reflect.ValueOf(list)
	if k := v.Kind(); k != reflect.Slice && k != reflect.Array {
		return nil, safeErrorf("Cannot find uniq on type %s", kindName(v))
	}
	seen := map[any]struct{}{}
	var others []any
	out := []any{}
	for i := range v.Len() {
		item := v.Index(i).Interface()
		if isBasic(item) {
			if _, dup := seen[item]; dup {
				continue
			}
			seen[item] = struct{}{}
		} else {
			if inList(others, item) {
				continue
			}
			others = append(others, item)
		}
		out = append(out, item)
	}
	return out, nil
}

func inList(list []any, item any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, item) {
			return true
		}
	}
	return false
}

// isBasic reports whether x is a value for which == is reflect.DeepEqual.
func isBasic(x any) bool {
	switch x.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	default:
		return false
	}
}

func kindName(v reflect.Value) string {
	if !v.IsValid() {
		return "nil"
	}
	return fmt.Sprint(v.Kind())
}
