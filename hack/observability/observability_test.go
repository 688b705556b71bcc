package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	_ "sigs.k8s.io/controller-runtime/pkg/controller" // registers controller_runtime_* and workqueue_* on the registry below
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	"github.com/seedb5e69c69/external-secrets/pkg/metrics"
)

const (
	repoRoot    = "../.."
	promDir     = repoRoot + "/config/prometheus"
	runbookBase = "https://github.com/seedb5e69c69/external-secrets/blob/main/docs/alerts.md"
)

type ruleFile struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Name     string `json:"name"`
	Interval string `json:"interval,omitempty"`
	Rules    []rule `json:"rules"`
}

type rule struct {
	Alert       string            `json:"alert,omitempty"`
	Record      string            `json:"record,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type prometheusRuleObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       ruleFile          `json:"spec"`
}

type unitTestFile struct {
	RuleFiles          []string   `json:"rule_files"`
	EvaluationInterval string     `json:"evaluation_interval"`
	Tests              []testCase `json:"tests"`
}

type testCase struct {
	Name        string `json:"name"`
	Interval    string `json:"interval"`
	InputSeries []struct {
		Series string `json:"series"`
		Values string `json:"values"`
	} `json:"input_series"`
	AlertRuleTest []struct {
		EvalTime  string `json:"eval_time"`
		Alertname string `json:"alertname"`
		ExpAlerts []struct {
			ExpLabels      map[string]string `json:"exp_labels"`
			ExpAnnotations map[string]string `json:"exp_annotations"`
		} `json:"exp_alerts"`
	} `json:"alert_rule_test"`
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadRules(t *testing.T) ruleFile {
	t.Helper()
	var rf ruleFile
	if err := yaml.UnmarshalStrict(readFile(t, promDir+"/rules.prom.yaml"), &rf); err != nil {
		t.Fatalf("rules.prom.yaml: %v", err)
	}
	return rf
}

func alerts(rf ruleFile) []rule {
	var out []rule
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out = append(out, r)
			}
		}
	}
	return out
}

// TestPrometheusRuleInSync: rules.yaml is exactly what `make alerts` writes, and it holds the
// same groups as the plain rule file.
func TestPrometheusRuleInSync(t *testing.T) {
	src := readFile(t, promDir+"/rules.prom.yaml")
	want, err := prometheusRule(src)
	if err != nil {
		t.Fatal(err)
	}
	got := readFile(t, promDir+"/rules.yaml")
	if string(got) != string(want) {
		t.Fatal("config/prometheus/rules.yaml is stale: run `make alerts`")
	}
	var obj prometheusRuleObject
	if err := yaml.UnmarshalStrict(got, &obj); err != nil {
		t.Fatalf("rules.yaml: %v", err)
	}
	if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" || obj.Metadata.Name == "" {
		t.Errorf("rules.yaml is not a named monitoring.coreos.com/v1 PrometheusRule: %s %s %q", obj.APIVersion, obj.Kind, obj.Metadata.Name)
	}
	if plain := loadRules(t); !reflect.DeepEqual(obj.Spec, plain) {
		t.Errorf("rules.yaml spec differs from rules.prom.yaml:\n%+v\n%+v", obj.Spec, plain)
	}
}

func TestPrometheusRuleNeedsGroups(t *testing.T) {
	if _, err := prometheusRule([]byte("# nothing\nrules: []\n")); err == nil {
		t.Error("a file without a top-level groups: line was accepted")
	}
	if _, err := prometheusRule([]byte("groups:\n\t- name: x\n")); err == nil {
		t.Error("a file indented with tabs was accepted")
	}
}

// TestAlertsAreDocumentedAndLabelled: every alert has a severity, a summary, a description,
// a runbook URL pointing at its own section of docs/alerts.md, and a `for:`.
func TestAlertsAreDocumentedAndLabelled(t *testing.T) {
	doc := string(readFile(t, repoRoot+"/docs/alerts.md"))
	as := alerts(loadRules(t))
	if len(as) == 0 {
		t.Fatal("no alerts")
	}
	seen := map[string]bool{}
	for _, a := range as {
		if seen[a.Alert] {
			t.Errorf("alert %s defined twice", a.Alert)
		}
		seen[a.Alert] = true
		switch a.Labels["severity"] {
		case "critical", "warning", "info":
		default:
			t.Errorf("%s: severity %q, want critical, warning or info", a.Alert, a.Labels["severity"])
		}
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(a.Annotations[k]) == "" {
				t.Errorf("%s: no %s annotation", a.Alert, k)
			}
		}
		if want := runbookBase + "#" + strings.ToLower(a.Alert); a.Annotations["runbook_url"] != want {
			t.Errorf("%s: runbook_url %q, want %q", a.Alert, a.Annotations["runbook_url"], want)
		}
		if !regexp.MustCompile(`(?m)^## ` + regexp.QuoteMeta(a.Alert) + `\s*$`).MatchString(doc) {
			t.Errorf("%s: docs/alerts.md has no `## %s` section (the runbook_url anchor)", a.Alert, a.Alert)
		}
		if a.For == "" {
			t.Errorf("%s: no for:", a.Alert)
		}
	}
}

// TestEveryAlertHasUnitTests: rules_test.yaml tests the plain rule file, and has for every
// alert at least one evaluation where it fires and one where it must not.
func TestEveryAlertHasUnitTests(t *testing.T) {
	var ut unitTestFile
	if err := yaml.UnmarshalStrict(readFile(t, promDir+"/rules_test.yaml"), &ut); err != nil {
		t.Fatalf("rules_test.yaml: %v", err)
	}
	if !reflect.DeepEqual(ut.RuleFiles, []string{"rules.prom.yaml"}) {
		t.Errorf("rule_files = %v, want [rules.prom.yaml]", ut.RuleFiles)
	}
	firing, quiet := map[string]int{}, map[string]int{}
	known := map[string]bool{}
	for _, a := range alerts(loadRules(t)) {
		known[a.Alert] = true
	}
	cat := loadCatalogue(t)
	for _, tc := range ut.Tests {
		for _, s := range tc.InputSeries {
			sels, err := selectors(s.Series)
			if err != nil || len(sels) != 1 {
				t.Errorf("test %q: series %q: %v", tc.Name, s.Series, err)
				continue
			}
			cat.check(t, "rules_test.yaml "+tc.Name, sels[0])
		}
		for _, at := range tc.AlertRuleTest {
			if !known[at.Alertname] {
				t.Errorf("test %q: alert %q is not in rules.prom.yaml", tc.Name, at.Alertname)
			}
			if len(at.ExpAlerts) > 0 {
				firing[at.Alertname]++
			} else {
				quiet[at.Alertname]++
			}
		}
	}
	for a := range known {
		if firing[a] == 0 || quiet[a] == 0 {
			t.Errorf("%s: %d firing and %d not-firing cases in rules_test.yaml, want at least one of each", a, firing[a], quiet[a])
		}
	}
}

// TestRulesUseKnownMetrics: every metric and label matcher of every rule exists.
func TestRulesUseKnownMetrics(t *testing.T) {
	cat := loadCatalogue(t)
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			sels, err := selectors(r.Expr)
			if err != nil {
				t.Errorf("%s: %v", r.Alert, err)
			}
			if len(sels) == 0 {
				t.Errorf("%s: no metric in %q", r.Alert, r.Expr)
			}
			for _, s := range sels {
				cat.check(t, r.Alert, s)
			}
		}
	}
}

// TestDashboard: the dashboard is valid JSON with a datasource variable, unique panel ids,
// every panel on that datasource with a query, every query over known metrics and labels,
// and it covers the series the issue asks for.
func TestDashboard(t *testing.T) {
	var d struct {
		UID           string           `json:"uid"`
		Title         string           `json:"title"`
		SchemaVersion int              `json:"schemaVersion"`
		Panels        []map[string]any `json:"panels"`
		Templating    struct {
			List []map[string]any `json:"list"`
		} `json:"templating"`
	}
	raw := readFile(t, repoRoot+"/config/grafana/dashboard.json")
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 || len(d.Panels) == 0 {
		t.Fatalf("dashboard.json needs uid, title, schemaVersion and panels")
	}
	cat := loadCatalogue(t)
	used := map[string]bool{}
	checkExpr := func(where, expr string) {
		sels, err := selectors(expr)
		if err != nil {
			t.Errorf("%s: %v", where, err)
		}
		if len(sels) == 0 {
			t.Errorf("%s: no metric in %q", where, expr)
		}
		for _, s := range sels {
			used[s.metric] = true
			cat.check(t, where, s)
		}
	}

	hasDatasourceVar := false
	for _, v := range d.Templating.List {
		name, _ := v["name"].(string)
		switch v["type"] {
		case "datasource":
			hasDatasourceVar = name == "datasource" && v["query"] == "prometheus"
		case "query":
			q, _ := v["query"].(string)
			if m, ok := v["query"].(map[string]any); ok {
				q, _ = m["query"].(string)
			}
			lv := regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_]\w*)\)$`).FindStringSubmatch(strings.TrimSpace(q))
			if lv == nil {
				t.Errorf("variable %s: query %q is not label_values(selector, label)", name, q)
				continue
			}
			checkExpr("variable "+name, lv[1])
			sels, _ := selectors(lv[1])
			for _, s := range sels {
				s.labels = append(s.labels, lv[2])
				cat.check(t, "variable "+name, s)
			}
		}
	}
	if !hasDatasourceVar {
		t.Error("no datasource variable named datasource of type prometheus")
	}

	ids := map[float64]bool{}
	var walk func(ps []any)
	visit := func(p map[string]any) {
		id, _ := p["id"].(float64)
		title, _ := p["title"].(string)
		if ids[id] {
			t.Errorf("panel id %v (%q) used twice", id, title)
		}
		ids[id] = true
		if p["gridPos"] == nil || title == "" {
			t.Errorf("panel %v: needs a title and gridPos", id)
		}
		if p["type"] == "row" {
			if sub, ok := p["panels"].([]any); ok {
				walk(sub)
			}
			return
		}
		ds, _ := p["datasource"].(map[string]any)
		if ds == nil || ds["uid"] != "${datasource}" {
			t.Errorf("panel %q: datasource %v, want uid ${datasource}", title, p["datasource"])
		}
		targets, _ := p["targets"].([]any)
		if len(targets) == 0 {
			t.Errorf("panel %q: no targets", title)
		}
		for i, tg := range targets {
			m, _ := tg.(map[string]any)
			expr, _ := m["expr"].(string)
			if expr == "" {
				t.Errorf("panel %q target %d: no expr", title, i)
				continue
			}
			checkExpr(fmt.Sprintf("panel %q", title), expr)
		}
	}
	walk = func(ps []any) {
		for _, p := range ps {
			if m, ok := p.(map[string]any); ok {
				visit(m)
			}
		}
	}
	var top []any
	for _, p := range d.Panels {
		top = append(top, p)
	}
	walk(top)

	for _, m := range []string{
		"externalsecret_status_condition", "externalsecret_sync_calls_total", "externalsecret_sync_calls_error",
		"externalsecret_reconcile_duration_seconds_bucket", "externalsecret_provider_api_calls_count",
		"secretstore_status_condition", "clustersecretstore_status_condition", "workqueue_depth",
	} {
		if !used[m] {
			t.Errorf("the dashboard does not show %s", m)
		}
	}
}

// TestMetricsDocumented: docs/metrics.md names every metric pkg/metrics exports.
func TestMetricsDocumented(t *testing.T) {
	doc := string(readFile(t, repoRoot+"/docs/metrics.md"))
	cat := loadCatalogue(t)
	for name, fam := range cat.ours {
		if fam.derived {
			continue
		}
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/metrics.md does not mention `%s`", name)
		}
	}
}

// TestSelectors pins the PromQL scanner the checks rely on.
func TestSelectors(t *testing.T) {
	got, err := selectors(`histogram_quantile(0.99, sum by (le) (rate(a_bucket{namespace=~"$ns", x!="}"}[$__rate_interval])))
		/ on(le) group_left(b) max(b) by (z) offset 5m > 1e9 and c {d="1"} or vector(0) unless ${v}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []selector{{"a_bucket", []string{"namespace", "x"}}, {"b", nil}, {"c", []string{"d"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := selectors(`{__name__="x"}`); err == nil {
		t.Error("a selector without a metric name was accepted")
	}
}

// family is what the catalogue knows of one metric name.
type family struct {
	labels  map[string]bool // nil: labels not known (a controller-runtime vector with no series yet)
	derived bool            // a histogram's _bucket/_sum/_count series
}

type catalogue struct {
	ours map[string]family // pkg/metrics
	cr   map[string]family // the controller-runtime registry: workqueue_*, controller_runtime_*, rest_client_*, go_*, process_*
}

// loadCatalogue builds the metric names and labels that exist: pkg/metrics' collectors are
// created on a fresh registry and given one series each, the controller-runtime registry is
// read after a work queue named like our controllers' was created (so workqueue_* have series).
func loadCatalogue(t *testing.T) *catalogue {
	t.Helper()
	reg := prometheus.NewRegistry()
	kinds := []string{metrics.ExternalSecret, metrics.SecretStore, metrics.ClusterSecretStore,
		metrics.ClusterExternalSecret, metrics.PushSecret, metrics.ClusterPushSecret}
	rec, err := metrics.New(reg, false, kinds...)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		rec.Reconciled(k, metrics.Object{
			Key:        types.NamespacedName{Namespace: "ns", Name: "n"},
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue}},
			Failed:     true, Duration: time.Second,
		})
	}
	rec.ObserveAPICall("Fake", "GetSecret", nil)
	rec.ObserveAPICall("Fake", "GetSecret", errors.New("x"))
	ours := gather(t, reg)

	q := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "observability-test"})
	defer q.ShutDown()
	q.Add("x")
	return &catalogue{ours: ours, cr: gather(t, ctrlmetrics.Registry)}
}

func gather(t *testing.T, g prometheus.Gatherer) map[string]family {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]family{}
	for _, mf := range mfs {
		labels := map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		out[mf.GetName()] = family{labels: labels}
		if mf.GetType().String() == "HISTOGRAM" {
			withLe := map[string]bool{"le": true}
			for l := range labels {
				withLe[l] = true
			}
			out[mf.GetName()+"_bucket"] = family{labels: withLe, derived: true}
			out[mf.GetName()+"_sum"] = family{labels: labels, derived: true}
			out[mf.GetName()+"_count"] = family{labels: labels, derived: true}
		}
	}
	return out
}

// check fails t unless s's metric exists (in pkg/metrics or controller-runtime's registry)
// with every label s matches on.
func (c *catalogue) check(t *testing.T, where string, s selector) {
	t.Helper()
	for _, p := range c.problems(s) {
		t.Errorf("%s: %s", where, p)
	}
}

func (c *catalogue) problems(s selector) []string {
	fam, ok := c.ours[s.metric]
	if !ok {
		fam, ok = c.cr[s.metric]
	}
	if !ok {
		fam, ok = c.registeredInControllerRuntime(s.metric)
	}
	if !ok {
		return []string{fmt.Sprintf("metric %s exists neither in pkg/metrics nor in controller-runtime", s.metric)}
	}
	if fam.labels == nil {
		return nil
	}
	var out []string
	for _, l := range s.labels {
		if !fam.labels[l] && !targetLabels[l] {
			out = append(out, fmt.Sprintf("metric %s has no label %q (labels: %v)", s.metric, l, keys(fam.labels)))
		}
	}
	return out
}

// TestCatalogue: the catalogue knows our metrics and controller-runtime's (also those with no
// series yet) and rejects wrong names, such as those of seed 004, and wrong labels.
func TestCatalogue(t *testing.T) {
	cat := loadCatalogue(t)
	for _, s := range []selector{
		{"externalsecret_sync_calls_total", []string{"name", "namespace", "job"}},
		{"externalsecret_sync_calls_error", []string{"name", "namespace"}},
		{"externalsecret_status_condition", []string{"name", "namespace", "condition", "status"}},
		{"externalsecret_reconcile_duration_seconds_bucket", []string{"namespace", "le"}},
		{"externalsecret_provider_api_calls_count", []string{"provider", "call", "status"}},
		{"clustersecretstore_status_condition", []string{"name", "condition", "status"}},
		{"workqueue_depth", []string{"name", "controller", "priority"}},
		{"workqueue_queue_duration_seconds_bucket", []string{"controller", "le"}},
		{"controller_runtime_reconcile_total", nil},
		{"controller_runtime_reconcile_time_seconds_bucket", nil},
		{"controller_runtime_max_concurrent_reconciles", nil},
	} {
		if p := cat.problems(s); len(p) > 0 {
			t.Errorf("%+v: %v", s, p)
		}
	}
	for _, s := range []selector{
		{"externalsecrets_sync_calls_total", nil},       // seed 004: plural prefix
		{"externalsecrets_sync_call_errors_total", nil}, // seed 004
		{"externalsecrets_store_last_sync_error_condition", nil},
		{"externalsecret_sync_calls_error_total", nil},
		{"externalsecret_provider_api_calls_error_total", nil},
		{"externalsecret_reconcile_duration_bucket", nil}, // the gauge has no buckets
		{"externalsecret_sync_calls_total", []string{"status"}},
		{"workqueue_depth", []string{"namespace"}},
	} {
		if p := cat.problems(s); len(p) == 0 {
			t.Errorf("%+v was accepted", s)
		}
	}
}

// targetLabels are added by the scrape (Prometheus and the Prometheus Operator), not by the
// process; every series may carry them.
var targetLabels = map[string]bool{"job": true, "instance": true, "pod": true, "container": true, "service": true, "endpoint": true}

// registeredInControllerRuntime reports whether the controller-runtime registry has a
// collector of that name (or of the histogram the name is a series of) that has no series
// yet: registering another collector of the same name fails exactly then.
func (c *catalogue) registeredInControllerRuntime(name string) (family, bool) {
	probe := func(n string) bool {
		p := prometheus.NewGauge(prometheus.GaugeOpts{Name: n, Help: "probe"})
		if err := ctrlmetrics.Registry.Register(p); err != nil {
			return true
		}
		ctrlmetrics.Registry.Unregister(p)
		return false
	}
	if probe(name) {
		return family{}, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && probe(base) {
			return family{derived: true}, true
		}
	}
	return family{}, false
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// selector is one vector selector of a PromQL expression: its metric name and the label
// names it matches on.
type selector struct {
	metric string
	labels []string
}

var (
	identRe   = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`)
	numberRe  = regexp.MustCompile(`^[0-9.][0-9a-zA-Z_.]*`) // numbers and durations: 0.99, 1e9, 5m
	grafanaRe = regexp.MustCompile(`^\$(\{[^}]*\}|[a-zA-Z_][a-zA-Z0-9_]*)`)
	matcherRe = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*""`)
	// Words that are not metric names: binary operators, modifiers and aggregation operators
	// (which may be followed by `by (...)` rather than by their parenthesis).
	keywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
		"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true, "count": true,
		"count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true}
	// Modifiers followed by a label list.
	labelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
)

// selectors scans a PromQL expression (Grafana variables allowed) for its vector selectors.
// It is not a parser; it knows enough of the syntax for the expressions of this repository's
// rules and dashboard: strings, ranges, label lists and function calls are told apart from
// metric names.
func selectors(expr string) ([]selector, error) {
	var out []selector
	last := -1 // index in out of a metric name the next `{` belongs to
	for i := 0; i < len(expr); {
		c := expr[i]
		rest := expr[i:]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'' || c == '`':
			n, err := skipString(rest)
			if err != nil {
				return nil, err
			}
			i += n
			last = -1
		case c == '[':
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", expr)
			}
			i += j + 1
			last = -1
		case c == '{':
			n, labels, err := matchers(rest)
			if err != nil {
				return nil, fmt.Errorf("%w in %q", err, expr)
			}
			if last < 0 {
				return nil, fmt.Errorf("selector without a metric name in %q", expr)
			}
			out[last].labels = append(out[last].labels, labels...)
			i += n
			last = -1
		case c == '$':
			m := grafanaRe.FindString(rest)
			if m == "" {
				return nil, fmt.Errorf("stray $ in %q", expr)
			}
			i += len(m)
			last = -1
		case identRe.MatchString(rest):
			word := identRe.FindString(rest)
			i += len(word)
			after := strings.TrimLeft(expr[i:], " \t\n\r")
			switch {
			case labelLists[word] && strings.HasPrefix(after, "("):
				j := strings.IndexByte(expr[i:], ')')
				if j < 0 {
					return nil, fmt.Errorf("unclosed %s( in %q", word, expr)
				}
				i += j + 1
				last = -1
			case labelLists[word] || keywords[word] || strings.HasPrefix(after, "("):
				last = -1 // a function, an aggregation or an operator
			default:
				out = append(out, selector{metric: word})
				last = len(out) - 1
			}
		case numberRe.MatchString(rest):
			i += len(numberRe.FindString(rest))
			last = -1
		default:
			i++
			last = -1
		}
	}
	return out, nil
}

// matchers reads a `{...}` label matcher list at the start of s: its length and label names.
func matchers(s string) (int, []string, error) {
	var b strings.Builder // the list with string contents removed
	for i := 1; i < len(s); {
		switch s[i] {
		case '}':
			var labels []string
			for _, m := range matcherRe.FindAllStringSubmatch(b.String(), -1) {
				labels = append(labels, m[1])
			}
			return i + 1, labels, nil
		case '"', '\'', '`':
			n, err := skipString(s[i:])
			if err != nil {
				return 0, nil, err
			}
			b.WriteString(`""`)
			i += n
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return 0, nil, errors.New("unclosed {")
}

// skipString returns the length of the quoted string at the start of s.
func skipString(s string) (int, error) {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unclosed string %s", s)
}
