// Package k8stest is a recording Pulumi mock for unit tests of Kubernetes components and whole stacks.
//
// A test runs its program against a Mocks value and then inspects what was registered:
//
//	m := k8stest.New()
//	err := pulumi.RunErr(func(ctx *pulumi.Context) error { ... }, pulumi.WithMocks("digit", "test", m))
//	dep := m.One(t, "kubernetes:apps/v1:Deployment", "egov-user")
//	dep.String(`spec.template.spec.containers[0].env[name=JAVA_OPTS].value`)
//
// Inputs are kept exactly as the engine would see them, secrets included, so a test can tell a secret value from a
// plaintext one (IsSecret, PlaintextPaths). Paths address nested inputs: `a.b` for object keys, `[2]` for array
// elements, `[name=x]` for the first array element whose field `name` is "x", and `["app.kubernetes.io/name"]` for
// keys that contain dots.
package k8stest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one registered resource as the mock monitor saw it.
type Resource struct {
	// Type is the type token, e.g. "kubernetes:apps/v1:Deployment" or "digit:k8s:DigitService".
	Type string
	// Name is the Pulumi logical name (not metadata.name; see MetadataName).
	Name string
	// URN is computed the way the mock monitor computes it, so it can be compared with Parent and DependsOn.
	URN string
	// Parent is the parent's URN (the root stack's URN for top-level resources).
	Parent string
	// Provider is the provider reference of a custom resource, empty when the default provider is used.
	Provider string
	// Custom is false for component resources.
	Custom bool
	// DependsOn lists the URNs of explicit dependencies (pulumi.DependsOn), not those implied by inputs.
	DependsOn []string
	// AdditionalSecretOutputs are the output names the resource asked the engine to mark secret.
	AdditionalSecretOutputs []string
	// Inputs as registered, with secrets kept as secret property values.
	Inputs resource.PropertyMap
}

// Mocks implements pulumi.MockResourceMonitor and records every registration. It is safe for the concurrent
// registrations the Pulumi Go SDK performs. The zero value is ready to use; New is provided for symmetry.
type Mocks struct {
	// State, when set, supplies the output state of a resource (it defaults to the inputs), e.g. to fake a Service's
	// status.loadBalancer. Whatever it returns is merged over the inputs.
	State func(args pulumi.MockResourceArgs) resource.PropertyMap

	mu        sync.Mutex
	resources []Resource
	stack     string
	project   string
}

// New returns an empty recording mock.
func New() *Mocks { return &Mocks{} }

// NewResource records the registration and echoes the inputs back as state, with ID "<name>_id".
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Custom: args.Custom,
		Inputs: args.Inputs,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Provider = rpc.GetProvider()
		r.DependsOn = append([]string(nil), rpc.GetDependencies()...)
		r.AdditionalSecretOutputs = append([]string(nil), rpc.GetAdditionalSecretOutputs()...)
	}
	r.URN = childURN(r.Parent, r.Type, r.Name)

	state := args.Inputs.Copy()
	if m.State != nil {
		for k, v := range m.State(args) {
			state[k] = v
		}
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return args.Name + "_id", state, nil
}

// Call answers every invoke with an empty result; the components under test invoke nothing.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
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

// All returns every recorded resource, sorted by type then name so that output is stable.
func (m *Mocks) All() []Resource {
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
func (m *Mocks) ByType(token string) []Resource {
	var out []Resource
	for _, r := range m.All() {
		if r.Type == token {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resources with the Pulumi logical name (several types may share one name).
func (m *Mocks) Named(name string) []Resource {
	var out []Resource
	for _, r := range m.All() {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource of the type whose logical name is name.
func (m *Mocks) Find(token, name string) (Resource, bool) {
	for _, r := range m.ByType(token) {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// One is Find that fails the test when the resource is missing.
func (m *Mocks) One(t testing.TB, token, name string) Resource {
	t.Helper()
	r, ok := m.Find(token, name)
	if !ok {
		var names []string
		for _, x := range m.ByType(token) {
			names = append(names, x.Name)
		}
		t.Fatalf("no %s named %q registered (have %v)", token, name, names)
	}
	return r
}

// ByURN returns the resource with the URN.
func (m *Mocks) ByURN(urn string) (Resource, bool) {
	for _, r := range m.All() {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Kubernetes returns the resources registered by the Kubernetes provider (type tokens "kubernetes:...").
func (m *Mocks) Kubernetes() []Resource {
	var out []Resource
	for _, r := range m.All() {
		if strings.HasPrefix(r.Type, "kubernetes:") {
			out = append(out, r)
		}
	}
	return out
}

// PlaintextPaths reports every place where the string s appears as (part of) a non-secret input value, as
// "<type> <name> <path>". A secret must never show up here.
func (m *Mocks) PlaintextPaths(s string) []string {
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

// String returns the string at path, "" when missing or not a string. Numbers are formatted without a fraction
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

// Strings returns the array of strings at path.
func (r Resource) Strings(path string) []string {
	xs, _ := r.Get(path).([]any)
	var out []string
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// StringMap returns the object of strings at path (labels, annotations, ConfigMap data).
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
				return nil, fmt.Errorf("k8stest: unclosed [ in path %q", p)
			}
			inner := p[i+1 : i+end]
			// A quoted key may itself contain ']' only if we look for the closing quote first.
			if strings.HasPrefix(inner, `"`) {
				q := strings.Index(p[i+2:], `"]`)
				if q < 0 {
					return nil, fmt.Errorf("k8stest: unclosed quoted key in path %q", p)
				}
				segs = append(segs, segment{key: p[i+2 : i+2+q]})
				i = i + 2 + q + 2
				continue
			}
			if f, v, ok := strings.Cut(inner, "="); ok {
				segs = append(segs, segment{field: f, value: v})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("k8stest: bad index %q in path %q", inner, p)
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
