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
//	ids := mocktest.AwaitStrings(t, network.PrivateSubnetIds)  // outputs of the program
//	pw, secret := mocktest.AwaitString(t, db.Password)
//
// Recording and the queries on what was recorded are mocktest's, shared with the Kubernetes tests; this package adds
// the AWS answers.
//
// Answers can be extended per type token with Mocks.Outputs (resources) and Mocks.Invokes (function calls); the
// defaults are listed on defaultOutputs and defaultCall. pulumi-eks clusters need Run (not pulumi.RunErr): see
// fixtures.go for why and for the identities (OidcProviderArn, EKSClusterSecurityGroupID...) the mocked cluster
// reports. Mocks is safe for concurrent use (Pulumi registers resources from several goroutines).
package awstest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
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

// Resource is one registration as the mock saw it (see mocktest.Resource for the path syntax of its accessors).
type Resource = mocktest.Resource

// Mocks records resources and invokes; pass it to pulumi.WithMocks or use Run.
type Mocks struct {
	*mocktest.Recorder

	// Outputs adds or overrides outputs per type token. The function gets the registration and the outputs the
	// mock computed by default (inputs plus defaults) and returns the properties to merge over them.
	Outputs map[string]func(args pulumi.MockResourceArgs, defaults resource.PropertyMap) resource.PropertyMap
	// Invokes replaces the default answer of a function token (e.g. "aws:ssm/getParameter:getParameter").
	Invokes map[string]func(args pulumi.MockCallArgs) (resource.PropertyMap, error)

	// EKSClusterName is the name the mocked EKS control plane reports (eksCluster.name); default "digit".
	EKSClusterName string

	mu       sync.Mutex
	fixtures map[string]string // fixture role -> URN
}

// New returns an empty recorder.
func New() *Mocks {
	return &Mocks{
		Recorder: mocktest.New(),
		Outputs:  map[string]func(pulumi.MockResourceArgs, resource.PropertyMap) resource.PropertyMap{},
		Invokes:  map[string]func(pulumi.MockCallArgs) (resource.PropertyMap, error){},
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
	id := resourceID(args)
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
	m.Record(args, id, outs)
	return id, outs, nil
}

// resourceID is "<name>-<type>-id" for a custom resource (e.g. "db-securityGroup-id"), the ID it was read with, or
// "" for a component. IDs differ between resources of different types that share a logical name, so that a
// reference to the wrong one (the subnet group's ID where the security group's belongs) shows in a test.
func resourceID(args pulumi.MockResourceArgs) string {
	if !args.Custom || args.ID != "" {
		return mocktest.DefaultID(args)
	}
	_, typ := serviceAndType(args.TypeToken)
	return args.Name + "-" + typ + "-id"
}

// Call implements pulumi.MockResourceMonitor (invokes).
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.RecordCall(args)
	if f := m.Invokes[args.Token]; f != nil {
		return f(args)
	}
	return defaultCall(args)
}
