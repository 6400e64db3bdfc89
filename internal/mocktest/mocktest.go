// Package mocktest is the recording Pulumi mock that the unit tests of components and whole stacks share.
//
// A test runs its program against a Recorder and then inspects what was registered:
//
//	m := mocktest.New()
//	err := pulumi.RunErr(program, pulumi.WithMocks("digit", "test", m))
//	dep := m.MustFind(t, "kubernetes:apps/v1:Deployment", "egov-user")
//	dep.String(`spec.template.spec.containers[0].env[name=JAVA_OPTS].value`)
//
// Inputs are kept exactly as the engine would see them, secrets included, so a test can tell a secret value from a
// plaintext one (IsSecret, PlaintextPaths). Paths address nested inputs: `a.b` for object keys, `[2]` for array
// elements, `[name=x]` for the first array element whose field `name` is "x", and `["app.kubernetes.io/name"]` for
// keys that contain dots; the empty path is the whole input object.
//
// A Recorder answers every registration with its inputs as outputs (plus State) and every invoke with an empty
// result. Cloud-specific mocks (awstest) answer with realistic outputs themselves and record through Record and
// RecordCall, so every test queries registrations the same way.
package mocktest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Resource is one registration as the mock monitor saw it.
type Resource struct {
	// Type is the type token, e.g. "kubernetes:apps/v1:Deployment" or "aws:ec2/subnet:Subnet".
	Type string
	// Name is the Pulumi logical name (not metadata.name; see MetadataName).
	Name string
	// URN is computed the way the mock monitor computes it, so it can be compared with Parent and DependsOn.
	URN string
	// ID is the ID the mock answered; "" for component resources.
	ID string
	// Custom is false for component resources (including remote ones such as eks:index:Cluster).
	Custom bool
	// Parent is the parent's URN (the root stack's URN for top-level resources).
	Parent string
	// Provider is the provider reference of a custom resource, empty when the default provider is used.
	Provider string

	Protect        bool
	RetainOnDelete bool
	DeleteBefore   bool // DeleteBeforeReplace
	// DependsOn are the URNs the resource waits for, as the SDK sends them: explicit dependencies (pulumi.DependsOn,
	// a component expanded to its children) and those implied by inputs (outputs of other resources) alike.
	DependsOn     []string
	IgnoreChanges []string // property paths from pulumi.IgnoreChanges
	// AdditionalSecretOutputs are the output names the resource asked the engine to mark secret.
	AdditionalSecretOutputs []string

	Inputs  resource.PropertyMap // as registered, secrets kept as secret property values
	Outputs resource.PropertyMap // what the mock answered
}

// Recorder implements pulumi.MockResourceMonitor and records every registration and invoke. It is safe for the
// concurrent registrations the Pulumi Go SDK performs.
type Recorder struct {
	// State, when set, supplies outputs of a resource beyond its inputs, e.g. a Service's status.loadBalancer.
	// Whatever it returns is merged over the inputs.
	State func(args pulumi.MockResourceArgs) resource.PropertyMap

	mu        sync.Mutex
	resources []Resource
	calls     []pulumi.MockCallArgs
}

// New returns an empty recorder.
func New() *Recorder { return &Recorder{} }

// NewResource records the registration and echoes the inputs (merged with State) back as outputs.
func (m *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	outs := args.Inputs.Copy()
	if m.State != nil {
		for k, v := range m.State(args) {
			outs[k] = v
		}
	}
	r := m.Record(args, DefaultID(args), outs)
	return r.ID, r.Outputs, nil
}

// Call records the invoke and answers with an empty result.
func (m *Recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.RecordCall(args)
	return resource.PropertyMap{}, nil
}

// DefaultID is "<name>-id" for a custom resource (or the ID it was read with) and "" for a component.
func DefaultID(args pulumi.MockResourceArgs) string {
	switch {
	case !args.Custom:
		return ""
	case args.ID != "":
		return args.ID
	}
	return args.Name + "-id"
}

// Record adds a registration answered with id and outputs, and returns it.
func (m *Recorder) Record(args pulumi.MockResourceArgs, id string, outputs resource.PropertyMap) Resource {
	r := Resource{Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom, Inputs: args.Inputs,
		Outputs: outputs}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Provider = rpc.GetProvider()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DeleteBefore = rpc.GetDeleteBeforeReplace()
		r.DependsOn = append([]string(nil), rpc.GetDependencies()...)
		r.IgnoreChanges = append([]string(nil), rpc.GetIgnoreChanges()...)
		r.AdditionalSecretOutputs = append([]string(nil), rpc.GetAdditionalSecretOutputs()...)
	}
	r.URN = childURN(r.Parent, r.Type, r.Name)
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return r
}

// RecordCall adds an invoke.
func (m *Recorder) RecordCall(args pulumi.MockCallArgs) {
	m.mu.Lock()
	m.calls = append(m.calls, args)
	m.mu.Unlock()
}

// childURN mirrors the mock monitor's URN scheme (stack and project are taken from the parent URN).
func childURN(parent, typ, name string) string {
	p := resource.URN(parent)
	if parent == "" || !p.IsValid() {
		return ""
	}
	parentType := tokens.Type("")
	if p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(p.Stack(), p.Project(), parentType, tokens.Type(typ), name))
}

// All returns every recorded resource, sorted by type then name (registration order is not deterministic).
func (m *Recorder) All() []Resource {
	m.mu.Lock()
	out := append([]Resource(nil), m.resources...)
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// ByType returns the resources registered with the type token, sorted by name.
func (m *Recorder) ByType(token string) []Resource {
	return m.filter(func(r Resource) bool { return r.Type == token })
}

// Named returns the resources with the Pulumi logical name (several types may share one name).
func (m *Recorder) Named(name string) []Resource {
	return m.filter(func(r Resource) bool { return r.Name == name })
}

// ChildrenOf returns the resources whose parent is urn.
func (m *Recorder) ChildrenOf(urn string) []Resource {
	return m.filter(func(r Resource) bool { return r.Parent == urn })
}

// Kubernetes returns the resources registered by the Kubernetes provider (type tokens "kubernetes:...").
func (m *Recorder) Kubernetes() []Resource {
	return m.filter(func(r Resource) bool { return strings.HasPrefix(r.Type, "kubernetes:") })
}

func (m *Recorder) filter(keep func(Resource) bool) []Resource {
	var out []Resource
	for _, r := range m.All() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource of the type whose logical name is name.
func (m *Recorder) Find(token, name string) (Resource, bool) {
	for _, r := range m.ByType(token) {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// MustFind is Find that fails the test when the resource is missing.
func (m *Recorder) MustFind(t testing.TB, token, name string) Resource {
	t.Helper()
	r, ok := m.Find(token, name)
	if !ok {
		t.Fatalf("no %s named %q registered (have %v)", token, name, Names(m.ByType(token)))
	}
	return r
}

// MustNamed returns the one resource with the logical name and fails the test when there is none or several.
func (m *Recorder) MustNamed(t testing.TB, name string) Resource {
	t.Helper()
	rs := m.Named(name)
	if len(rs) != 1 {
		t.Fatalf("%d resources named %q registered, want 1: %v", len(rs), name, rs)
	}
	return rs[0]
}

// ByURN returns the resource with the URN.
func (m *Recorder) ByURN(urn string) (Resource, bool) {
	for _, r := range m.All() {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Calls returns the invokes of one function token, in call order.
func (m *Recorder) Calls(token string) []pulumi.MockCallArgs {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []pulumi.MockCallArgs
	for _, c := range m.calls {
		if c.Token == token {
			out = append(out, c)
		}
	}
	return out
}

// Names lists the logical names of rs.
func Names(rs []Resource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// PlaintextPaths reports every place where the string s appears as (part of) a non-secret input value, as
// "<type> <name> <path>". A secret must never show up here.
func (m *Recorder) PlaintextPaths(s string) []string {
	var out []string
	for _, r := range m.All() {
		for _, p := range plaintextPaths(resource.NewObjectProperty(r.Inputs), "", s) {
			out = append(out, r.Type+" "+r.Name+" "+p)
		}
	}
	return out
}

func plaintextPaths(v resource.PropertyValue, path, s string) []string {
	switch {
	case v.IsSecret():
		return nil
	case v.IsString():
		if strings.Contains(v.StringValue(), s) {
			return []string{path}
		}
	case v.IsArray():
		var out []string
		for i, e := range v.ArrayValue() {
			out = append(out, plaintextPaths(e, fmt.Sprintf("%s[%d]", path, i), s)...)
		}
		return out
	case v.IsObject():
		var out []string
		for _, k := range v.ObjectValue().StableKeys() {
			out = append(out, plaintextPaths(v.ObjectValue()[k], joinKey(path, string(k)), s)...)
		}
		return out
	case v.IsOutput():
		if v.OutputValue().Secret {
			return nil
		}
		return plaintextPaths(v.OutputValue().Element, path, s)
	}
	return nil
}

func joinKey(path, k string) string {
	if strings.ContainsAny(k, ".[]") {
		return path + `["` + k + `"]`
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// Lookup walks the path through the inputs. Secrets on the way are unwrapped; secret reports whether any of them
// (or the value itself) was secret. A malformed path is a bug in the test and panics.
func (r Resource) Lookup(path string) (v resource.PropertyValue, secret bool, ok bool) {
	segs, err := parsePath(path)
	if err != nil {
		panic(err)
	}
	v = resource.NewObjectProperty(r.Inputs)
	for _, s := range segs {
		v, secret = unwrap(v, secret)
		switch {
		case s.key != "":
			if !v.IsObject() {
				return resource.PropertyValue{}, secret, false
			}
			nv, has := v.ObjectValue()[resource.PropertyKey(s.key)]
			if !has {
				return resource.PropertyValue{}, secret, false
			}
			v = nv
		case s.field != "":
			if !v.IsArray() {
				return resource.PropertyValue{}, secret, false
			}
			found := false
			for _, e := range v.ArrayValue() {
				e2, _ := unwrap(e, false)
				if e2.IsObject() {
					f, _ := unwrap(e2.ObjectValue()[resource.PropertyKey(s.field)], false)
					if f.IsString() && f.StringValue() == s.value {
						v, found = e, true
						break
					}
				}
			}
			if !found {
				return resource.PropertyValue{}, secret, false
			}
		default:
			if !v.IsArray() || s.index >= len(v.ArrayValue()) {
				return resource.PropertyValue{}, secret, false
			}
			v = v.ArrayValue()[s.index]
		}
	}
	v, secret = unwrap(v, secret)
	if v.IsNull() {
		return v, secret, false
	}
	return v, secret, true
}

// Unwrap removes the secret and output wrappers around a property value (invoke arguments, outputs).
func Unwrap(v resource.PropertyValue) resource.PropertyValue {
	v, _ = unwrap(v, false)
	return v
}

func unwrap(v resource.PropertyValue, secret bool) (resource.PropertyValue, bool) {
	for {
		switch {
		case v.IsSecret():
			v, secret = v.SecretValue().Element, true
		case v.IsOutput():
			secret = secret || v.OutputValue().Secret
			v = v.OutputValue().Element
		default:
			return v, secret
		}
	}
}

// Value is the property value at path with its wrappers removed (null when missing), for resource references.
func (r Resource) Value(path string) resource.PropertyValue {
	v, _, ok := r.Lookup(path)
	if !ok {
		return resource.NewNullProperty()
	}
	return v
}

// Has reports whether the path exists (and is not null).
func (r Resource) Has(path string) bool {
	_, _, ok := r.Lookup(path)
	return ok
}

// IsSecret reports whether the value at path, or an object or array containing it, is secret.
func (r Resource) IsSecret(path string) bool {
	_, s, _ := r.Lookup(path)
	return s
}

// Get returns the value at path as plain Go values (map[string]any, []any, string, float64, bool), nil if missing.
func (r Resource) Get(path string) any {
	v, _, ok := r.Lookup(path)
	if !ok {
		return nil
	}
	return plain(v)
}

func plain(v resource.PropertyValue) any {
	v, _ = unwrap(v, false)
	switch {
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	case v.IsArray():
		var out []any
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsComputed():
		return nil
	}
	return v.V
}

// String returns the string at path, "" when missing or not a scalar. Numbers are formatted without a fraction
// when whole, so `spec.replicas` reads "3".
func (r Resource) String(path string) string {
	switch x := r.Get(path).(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// Int returns the number at path (0 when missing).
func (r Resource) Int(path string) int {
	if x, ok := r.Get(path).(float64); ok {
		return int(x)
	}
	return 0
}

// Bool returns the bool at path (false when missing).
func (r Resource) Bool(path string) bool {
	x, _ := r.Get(path).(bool)
	return x
}

// Len returns the length of the array or object at path (0 when missing).
func (r Resource) Len(path string) int {
	switch x := r.Get(path).(type) {
	case []any:
		return len(x)
	case map[string]any:
		return len(x)
	}
	return 0
}

// Strings returns the array of strings at path (non-strings read "").
func (r Resource) Strings(path string) []string {
	xs, _ := r.Get(path).([]any)
	var out []string
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// StringMap returns the object of strings at path (labels, annotations, ConfigMap data, tags).
func (r Resource) StringMap(path string) map[string]string {
	obj, _ := r.Get(path).(map[string]any)
	if obj == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range obj {
		s, _ := v.(string)
		out[k] = s
	}
	return out
}

// Tags is the "tags" input of a cloud resource (an empty map when it has none).
func (r Resource) Tags() map[string]string {
	if tags := r.StringMap("tags"); tags != nil {
		return tags
	}
	return map[string]string{}
}

// JSON decodes the string input at path (a JSON policy or configuration document) into a generic value.
func (r Resource) JSON(t testing.TB, path string) any {
	t.Helper()
	s := r.String(path)
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s %s: input %s is not JSON (%q): %v", r.Type, r.Name, path, s, err)
	}
	return v
}

// MetadataName is metadata.name.
func (r Resource) MetadataName() string { return r.String("metadata.name") }

// Namespace is metadata.namespace.
func (r Resource) Namespace() string { return r.String("metadata.namespace") }

// Label is metadata.labels[key].
func (r Resource) Label(key string) string { return r.String(`metadata.labels["` + key + `"]`) }

type segment struct {
	key          string
	index        int
	field, value string
}

func parsePath(p string) ([]segment, error) {
	var segs []segment
	i := 0
	for i < len(p) {
		switch p[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("mocktest: unclosed [ in path %q", p)
			}
			inner := p[i+1 : i+end]
			// A quoted key may itself contain ']', so look for the closing quote first.
			if strings.HasPrefix(inner, `"`) {
				q := strings.Index(p[i+2:], `"]`)
				if q < 0 {
					return nil, fmt.Errorf("mocktest: unclosed quoted key in path %q", p)
				}
				segs = append(segs, segment{key: p[i+2 : i+2+q]})
				i = i + 2 + q + 2
				continue
			}
			if f, v, ok := strings.Cut(inner, "="); ok {
				segs = append(segs, segment{field: f, value: v})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("mocktest: bad index %q in path %q", inner, p)
				}
				segs = append(segs, segment{index: n})
			}
			i += end + 1
		default:
			end := strings.IndexAny(p[i:], ".[")
			if end < 0 {
				end = len(p) - i
			}
			segs = append(segs, segment{key: p[i : i+end]})
			i += end
		}
	}
	return segs, nil
}

// Awaited is a resolved output.
type Awaited struct {
	Value  any
	Known  bool
	Secret bool
}

// Await resolves an output (call it after the program returns, or inside it) and fails the test on error.
func Await(t testing.TB, o pulumi.Output) Awaited {
	t.Helper()
	res, err := internals.UnsafeAwaitOutput(context.Background(), o)
	if err != nil {
		t.Fatalf("awaiting output: %v", err)
	}
	return Awaited{Value: res.Value, Known: res.Known, Secret: res.Secret}
}

// AwaitString resolves a string output and returns its value and whether it is secret.
func AwaitString(t testing.TB, o pulumi.Output) (string, bool) {
	t.Helper()
	a := Await(t, o)
	s, ok := a.Value.(string)
	if !ok && a.Value != nil {
		t.Fatalf("output is a %T, not a string", a.Value)
	}
	return s, a.Secret
}

// AwaitStrings resolves a string-array output.
func AwaitStrings(t testing.TB, o pulumi.Output) []string {
	t.Helper()
	a := Await(t, o)
	s, ok := a.Value.([]string)
	if !ok && a.Value != nil {
		t.Fatalf("output is a %T, not a []string", a.Value)
	}
	return s
}

// WaitsFor walks what res waits for: its dependencies (explicit and through inputs: the SDK records both) and its
// parent chain, since a child is registered only once its parent is, and the parent waits for its own
// dependencies. It returns the first URN on the way that matches, "" if none.
func (m *Recorder) WaitsFor(res Resource, match func(urn string) bool) string {
	byURN := map[string]Resource{}
	for _, r := range m.All() {
		byURN[r.URN] = r
	}
	seen := map[string]bool{}
	queue := append([]string{res.Parent}, res.DependsOn...)
	for len(queue) > 0 {
		urn := queue[0]
		queue = queue[1:]
		if urn == "" || seen[urn] {
			continue
		}
		seen[urn] = true
		if match(urn) {
			return urn
		}
		next := byURN[urn]
		queue = append(append(queue, next.Parent), next.DependsOn...)
	}
	return ""
}
