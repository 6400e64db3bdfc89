// Package awstest is a recording Pulumi mock for unit tests of programs that build AWS (and pulumi-eks) resources.
//
// The AWS and EKS providers cannot run in unit tests, so a test runs its program against Mocks, which answers every
// resource registration with plausible outputs (ARNs, IDs, endpoints, repository URLs, an EKS kubeconfig...) and
// every invoke the components use (caller identity, region, partition, Secrets Manager, SSM parameters), and records
// what was registered so the test can assert on it:
//
//	m := awstest.New()
//	err := m.Run(func(ctx *pulumi.Context) error {
//		_, err := aws.NewNetwork(ctx, "net", aws.NetworkArgs{Zones: []string{"ap-south-1a"}})
//		return err
//	})
//	subnets := m.ByType("aws:ec2/subnet:Subnet")               // sorted by name
//	pub := m.MustFind(t, "aws:ec2/subnet:Subnet", "net-public-ap-south-1a")
//	cidr := pub.String("cidrBlock")                            // inputs, secrets unwrapped
//	tags := pub.Tags()
//	ids := awstest.AwaitStrings(t, network.PrivateSubnetIds)   // outputs of the program
//	pw, secret := awstest.AwaitString(t, db.Password)
//
// Each Resource carries the type token, name, URN, ID, parent URN, protect/retainOnDelete/dependsOn/ignoreChanges
// options, inputs and the outputs the mock answered. Invokes are recorded too (Calls).
//
// Answers can be extended per type token with Mocks.Outputs (resources) and Mocks.Invokes (function calls); the
// defaults are listed on defaultOutputs and defaultCall. pulumi-eks clusters need Run (not pulumi.RunErr): see
// fixtures.go for why and for the identities (OidcProviderArn, EKSClusterSecurityGroupID...) the mocked cluster
// reports. Mocks is safe for concurrent use (Pulumi registers resources from several goroutines).
package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Fixed identity the mock answers with, so tests can assert on derived values (registry URLs, ARNs).
const (
	AccountID = "123456789012"
	Region    = "ap-south-1"
	// ManagedPassword is the password the mocked Secrets Manager returns for an RDS-managed master user secret.
	ManagedPassword = "mock-managed-password"
	// AmiID is what the mocked SSM parameter store returns for any parameter (AMI lookups).
	AmiID = "ami-0123456789abcdef0"
)

// Resource is one registration as the mock saw it.
type Resource struct {
	Type   string // type token, e.g. aws:ec2/subnet:Subnet
	Name   string // logical name
	URN    string
	ID     string // "" for component resources
	Custom bool   // false for component resources (including remote ones such as eks:index:Cluster)
	Parent string // parent URN ("" only for the stack itself)

	Protect        bool
	RetainOnDelete bool
	DependsOn      []string // URNs from pulumi.DependsOn
	DeleteBefore   bool     // DeleteBeforeReplace
	IgnoreChanges  []string // property paths from pulumi.IgnoreChanges

	Inputs  resource.PropertyMap // what the program passed (secrets stay wrapped; use Get/String/... to unwrap)
	Outputs resource.PropertyMap // what the mock answered
}

// Mocks records resources and invokes; pass it to pulumi.WithMocks or use Run.
type Mocks struct {
	// Outputs adds or overrides outputs per type token. The function gets the registration and the outputs the
	// mock computed by default (inputs plus defaults) and returns the properties to merge over them.
	Outputs map[string]func(args pulumi.MockResourceArgs, defaults resource.PropertyMap) resource.PropertyMap
	// Invokes replaces the default answer of a function token (e.g. "aws:ssm/getParameter:getParameter").
	Invokes map[string]func(args pulumi.MockCallArgs) (resource.PropertyMap, error)

	// EKSClusterName is the name the mocked EKS control plane reports (eksCluster.name); default "digit".
	EKSClusterName string

	mu        sync.Mutex
	resources []Resource
	calls     []pulumi.MockCallArgs
	fixtures  map[string]string // fixture role -> URN
}

// New returns an empty recorder.
func New() *Mocks {
	return &Mocks{
		Outputs: map[string]func(pulumi.MockResourceArgs, resource.PropertyMap) resource.PropertyMap{},
		Invokes: map[string]func(pulumi.MockCallArgs) (resource.PropertyMap, error){},
	}
}

// Run runs program against the mocks (project "digit", stack "test") and returns its error.
//
// Before the program it registers the EKS fixtures (see eksFixtures), which the mocked eks:index:Cluster refers to;
// use Run rather than pulumi.RunErr when the program builds a pulumi-eks cluster.
func (m *Mocks) Run(program pulumi.RunFunc) error {
	return pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := m.registerFixtures(ctx); err != nil {
			return fmt.Errorf("awstest fixtures: %w", err)
		}
		return program(ctx)
	}, pulumi.WithMocks("digit", "test", m))
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if strings.HasPrefix(args.Name, fixturePrefix) {
		return m.fixtureState(args)
	}
	id := ""
	if args.Custom {
		id = args.Name + "-id"
		if args.ID != "" {
			id = args.ID
		}
	}
	outs := args.Inputs.Copy()
	for k, v := range defaultOutputs(args, id) {
		outs[k] = v
	}
	if args.TypeToken == "aws:s3/bucketV2:BucketV2" {
		id = outs["bucket"].StringValue() // a bucket's ID is its name, which other resources pass as "bucket"
	}
	if args.TypeToken == "eks:index:Cluster" {
		for k, v := range m.eksReferences() {
			outs[k] = v
		}
	}
	if f := m.Outputs[args.TypeToken]; f != nil {
		for k, v := range f(args, outs.Copy()) {
			outs[k] = v
		}
	}

	r := Resource{Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom, Inputs: args.Inputs, Outputs: outs}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DependsOn = rpc.GetDependencies()
		r.DeleteBefore = rpc.GetDeleteBeforeReplace()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.URN = string(resource.NewURN("test", "digit", parentType(rpc.GetParent()), tokens.Type(args.TypeToken),
			args.Name))
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, outs, nil
}

// parentType rebuilds the qualified type prefix of a child URN the way the mock monitor does, so Resource.URN
// matches the URN the program sees.
func parentType(parentURN string) tokens.Type {
	u := resource.URN(parentURN)
	if u == "" || u.QualifiedType() == resource.RootStackType {
		return ""
	}
	return u.QualifiedType()
}

// Call implements pulumi.MockResourceMonitor (invokes).
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args)
	m.mu.Unlock()
	if f := m.Invokes[args.Token]; f != nil {
		return f(args)
	}
	return defaultCall(args)
}

// Resources returns every registration so far, in registration order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Resource(nil), m.resources...)
}

// ByType returns the registrations of one type token, sorted by name (registration order is not deterministic).
func (m *Mocks) ByType(token string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == token {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Named returns the registration with that logical name and whether it exists. Registration order is not
// deterministic, so when several types share the name use Find instead.
func (m *Mocks) Named(name string) (Resource, bool) {
	for _, r := range m.Resources() {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// MustNamed is Named that fails the test when the resource is missing.
func (m *Mocks) MustNamed(t testing.TB, name string) Resource {
	t.Helper()
	r, ok := m.Named(name)
	if !ok {
		t.Fatalf("no resource named %q was registered; have: %s", name, strings.Join(m.names(), ", "))
	}
	return r
}

// Find returns the registration of that type token and logical name.
func (m *Mocks) Find(token, name string) (Resource, bool) {
	for _, r := range m.Resources() {
		if r.Type == token && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// MustFind is Find that fails the test when the resource is missing.
func (m *Mocks) MustFind(t testing.TB, token, name string) Resource {
	t.Helper()
	r, ok := m.Find(token, name)
	if !ok {
		t.Fatalf("no %s named %q was registered; have: %s", token, name, strings.Join(m.names(), ", "))
	}
	return r
}

// ChildrenOf returns the registrations whose parent is urn.
func (m *Mocks) ChildrenOf(urn string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// Calls returns the invokes of one function token, in call order.
func (m *Mocks) Calls(token string) []pulumi.MockCallArgs {
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

func (m *Mocks) names() []string {
	var out []string
	for _, r := range m.Resources() {
		out = append(out, r.Type+" "+r.Name)
	}
	return out
}

// Get walks Inputs along path (object keys, or decimal indexes into arrays) and returns the value with secrets and
// outputs unwrapped. Missing keys give a null value.
func (r Resource) Get(path ...string) resource.PropertyValue {
	return Walk(resource.NewProperty(r.Inputs), path...)
}

// String is Get as a string ("" when absent or not a string).
func (r Resource) String(path ...string) string {
	v := r.Get(path...)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Bool is Get as a bool (false when absent).
func (r Resource) Bool(path ...string) bool {
	v := r.Get(path...)
	return v.IsBool() && v.BoolValue()
}

// Int is Get as an int (0 when absent).
func (r Resource) Int(path ...string) int {
	v := r.Get(path...)
	if v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

// Has reports whether the input at path is present and not null.
func (r Resource) Has(path ...string) bool {
	return !r.Get(path...).IsNull()
}

// Len is the length of the array input at path (0 when absent or not an array).
func (r Resource) Len(path ...string) int {
	v := r.Get(path...)
	if !v.IsArray() {
		return 0
	}
	return len(v.ArrayValue())
}

// Strings is Get as a string slice (non-string elements are skipped).
func (r Resource) Strings(path ...string) []string {
	v := r.Get(path...)
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		e = unwrap(e)
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// Tags returns the "tags" input as a plain map.
func (r Resource) Tags() map[string]string {
	out := map[string]string{}
	v := r.Get("tags")
	if !v.IsObject() {
		return out
	}
	for k, e := range v.ObjectValue() {
		e = unwrap(e)
		if e.IsString() {
			out[string(k)] = e.StringValue()
		}
	}
	return out
}

// IsSecretInput reports whether the input at path was passed as a secret.
func (r Resource) IsSecretInput(path ...string) bool {
	v := resource.NewProperty(r.Inputs)
	for _, p := range path {
		v = step(v, p)
	}
	return v.ContainsSecrets()
}

// JSON decodes the string input at path (a JSON policy or configuration document) into a generic value.
func (r Resource) JSON(t testing.TB, path ...string) any {
	t.Helper()
	s := r.String(path...)
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s %s: input %v is not JSON (%q): %v", r.Type, r.Name, path, s, err)
	}
	return v
}

// Walk follows path through a property value, unwrapping secrets and outputs at every step.
func Walk(v resource.PropertyValue, path ...string) resource.PropertyValue {
	v = unwrap(v)
	for _, p := range path {
		v = unwrap(step(v, p))
	}
	return v
}

func step(v resource.PropertyValue, key string) resource.PropertyValue {
	v = unwrap(v)
	switch {
	case v.IsObject():
		return v.ObjectValue()[resource.PropertyKey(key)]
	case v.IsArray():
		var i int
		if _, err := fmt.Sscanf(key, "%d", &i); err == nil && i >= 0 && i < len(v.ArrayValue()) {
			return v.ArrayValue()[i]
		}
	}
	return resource.NewNullProperty()
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// Awaited is a resolved output.
type Awaited struct {
	Value  any
	Known  bool
	Secret bool
}

// Await resolves an output (call it after Run returns, or inside the program) and fails the test on error.
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
