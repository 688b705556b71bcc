package template

import (
	"reflect"
	"text/template"
	"text/template/parse"
)

// Work costs, in steps of Limits.MaxSteps.
const (
	costCall      = 10 // any function call
	costIteration = 10 // one iteration of a range loop
	costTemplate  = 10 // one {{ template }} call
	bytesPerStep  = 32 // arguments and results cost a step per this many bytes
	// expensiveShare: an expensive function costs this fraction of MaxSteps, so a template
	// can call them at most this many times.
	expensiveShare = 10
	// maxValueDepth bounds the nesting of values functions return; it also keeps the engine's
	// own measuring (and fmt, and encoding/json) far from the goroutine stack limit.
	maxValueDepth = 1000
	// maxTemplateDepth bounds {{ template }} recursion.
	maxTemplateDepth = 100
)

// Names of the guard functions inserted into parsed templates. A template cannot call them
// itself: they are not in the function map when its text is parsed.
const (
	guardIteration = "esoGuardIteration"
	guardEnter     = "esoGuardEnter"
	guardLeave     = "esoGuardLeave"
)

// run is the bookkeeping of one execution: the work spent so far and the current
// {{ template }} depth. text/template has no hook for loop iterations or template calls, so
// instrument inserts calls to guard functions into the parse tree, and it wraps each
// function the template uses so that calls, arguments and results are accounted for.
type run struct {
	limits Limits
	steps  int
	depth  int
}

func newRun(l Limits) *run {
	return &run{limits: l}
}

// spend adds n steps and stops the execution once the budget is gone. It panics, which is
// how a template function reports an error that its signature has no room for;
// text/template turns the panic into an execution error.
func (r *run) spend(n int) {
	r.steps += n
	if r.steps > r.limits.MaxSteps || r.steps < 0 {
		panic(limitErrorf("the template needs more than %d steps of work (loop iterations, template and function calls)", r.limits.MaxSteps))
	}
}

// instrument prepares a parsed template for one execution: every range body starts with an
// iteration guard, every template body is framed by enter and leave guards, and every
// function the template names is replaced by a measured wrapper.
func (r *run) instrument(t *template.Template, funcs template.FuncMap) {
	used := map[string]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Root == nil {
			continue
		}
		walkTree(tt.Root, used)
		root := tt.Root
		nodes := make([]parse.Node, 0, len(root.Nodes)+2)
		nodes = append(nodes, guardAction(guardEnter))
		nodes = append(nodes, root.Nodes...)
		root.Nodes = append(nodes, guardAction(guardLeave))
	}
	exec := template.FuncMap{
		guardIteration: r.iteration,
		guardEnter:     r.enter,
		guardLeave:     r.leave,
	}
	for name := range used {
		if fn, ok := funcs[name]; ok {
			exec[name] = r.wrap(name, fn)
		}
	}
	t.Funcs(exec)
}

// walkTree collects the identifiers (function names) of a parse tree and puts an iteration
// guard at the start of every range body.
func walkTree(n parse.Node, used map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkTree(c, used)
			}
		}
	case *parse.ActionNode:
		walkTree(n.Pipe, used)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walkTree(c, used)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkTree(a, used)
		}
	case *parse.IdentifierNode:
		used[n.Ident] = true
	case *parse.ChainNode:
		walkTree(n.Node, used)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, used)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, used)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, used)
		if n.List != nil {
			n.List.Nodes = append([]parse.Node{guardAction(guardIteration)}, n.List.Nodes...)
		}
	case *parse.TemplateNode:
		walkTree(n.Pipe, used)
	}
}

func walkBranch(b *parse.BranchNode, used map[string]bool) {
	walkTree(b.Pipe, used)
	walkTree(b.List, used)
	walkTree(b.ElseList, used)
}

// guardAction is {{ name }}: a call whose result, an empty string, prints nothing.
func guardAction(name string) *parse.ActionNode {
	return &parse.ActionNode{
		NodeType: parse.NodeAction,
		Pipe: &parse.PipeNode{
			NodeType: parse.NodePipe,
			Cmds: []*parse.CommandNode{{
				NodeType: parse.NodeCommand,
				Args:     []parse.Node{parse.NewIdentifier(name)},
			}},
		},
	}
}

func (r *run) iteration() string {
	r.spend(costIteration)
	return ""
}

func (r *run) enter() string {
	r.depth++
	if r.depth > maxTemplateDepth {
		panic(limitErrorf("templates call each other more than %d levels deep", maxTemplateDepth))
	}
	r.spend(costTemplate)
	return ""
}

func (r *run) leave() string {
	r.depth--
	return ""
}

// wrap returns fn with the same signature, charging the call and the size of its arguments
// to the budget and refusing results that are too large or too deeply nested. Measuring
// every result keeps an invariant: each value a template holds is bounded, so no later
// function (toJson, print, deepCopy) can blow it up, and no value can contain itself (a
// dict set into itself is infinitely large), which would crash fmt.
func (r *run) wrap(name string, fn any) any {
	v := reflect.ValueOf(fn)
	t := v.Type()
	cost := costCall
	if expensiveFuncs[name] {
		cost += r.limits.MaxSteps / expensiveShare
	}
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		r.spend(cost + r.argCost(args))
		var out []reflect.Value
		if t.IsVariadic() {
			out = v.CallSlice(args)
		} else {
			out = v.Call(args)
		}
		if len(out) == 2 && !out[1].IsNil() {
			return out
		}
		r.checkResult(name, out[0])
		return out
	}).Interface()
}

// argCost is the work of handling the arguments: a step per element and per bytesPerStep
// bytes, so that hashing or encoding a large value in a loop runs out of budget.
func (r *run) argCost(args []reflect.Value) int {
	s := sizer{maxNodes: r.limits.MaxSteps, maxBytes: r.limits.MaxSteps}
	for _, a := range args {
		s.add(a, 0)
	}
	return s.nodes + s.bytes/bytesPerStep
}

// checkResult measures what a function returned.
func (r *run) checkResult(name string, v reflect.Value) {
	s := sizer{maxNodes: r.limits.MaxValueBytes, maxBytes: r.limits.MaxValueBytes}
	s.add(v, 0)
	if s.tooDeep {
		panic(limitErrorf("%s returned a value nested more than %d levels deep", name, maxValueDepth))
	}
	if s.nodes+s.bytes > r.limits.MaxValueBytes {
		panic(limitErrorf("%s returned a value larger than %d bytes", name, r.limits.MaxValueBytes))
	}
	r.spend(s.nodes + s.bytes/bytesPerStep)
}

// sizer measures a value as a tree: bytes of strings and byte slices, and one node per
// element, map entry, struct field or pointer (pointers are not followed: no function
// returns data behind one). It stops once a maximum is passed, so measuring a huge or
// self-containing value costs no more than the maximum.
type sizer struct {
	nodes, bytes       int
	maxNodes, maxBytes int
	tooDeep            bool
}

func (s *sizer) full() bool {
	return s.tooDeep || s.nodes > s.maxNodes || s.bytes > s.maxBytes
}

func (s *sizer) add(v reflect.Value, depth int) {
	if s.full() {
		return
	}
	if depth > maxValueDepth {
		s.tooDeep = true
		return
	}
	s.nodes++
	switch v.Kind() {
	case reflect.String:
		s.bytes += v.Len()
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			s.bytes += v.Len()
			return
		}
		for i := 0; i < v.Len() && !s.full(); i++ {
			s.add(v.Index(i), depth+1)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next() && !s.full(); {
			s.add(it.Key(), depth+1)
			s.add(it.Value(), depth+1)
		}
	case reflect.Interface:
		if !v.IsNil() {
			s.add(v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField() && !s.full(); i++ {
			s.add(v.Field(i), depth+1)
		}
	default:
		// every other kind (numbers, pointers, funcs, ...) is a leaf of one node
	}
}
