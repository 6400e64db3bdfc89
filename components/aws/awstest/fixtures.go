package awstest

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// pulumi-eks is a remote component: its outputs eksCluster, core.oidcProvider, nodeSecurityGroup... are references to
// resources registered by the provider, not values. The Go SDK rehydrates a reference by asking the engine for the
// referenced resource's state, which the mock monitor only has for resources registered through it. So Run
// registers stand-ins for those resources before the program starts, and the mocked cluster answers references to
// them. The stand-ins are not recorded (Resources, ByType and Named never return them).
const fixturePrefix = "awstest-fixture-"

// Fixture identities, for assertions on values the components derive from the cluster.
const (
	// OidcIssuerHost is the cluster's OIDC issuer without scheme (what IAM trust conditions key on).
	OidcIssuerHost = "oidc.eks." + Region + ".amazonaws.com/id/MOCKOIDC"
	// OidcProviderArn is the ARN of the cluster's IAM OIDC provider.
	OidcProviderArn = "arn:aws:iam::" + AccountID + ":oidc-provider/" + OidcIssuerHost
	// EKSClusterSecurityGroupID is the security group EKS creates for the cluster and attaches to managed nodes.
	EKSClusterSecurityGroupID = "sg-0eksmanaged0000001"
	// NodeSecurityGroupID is pulumi-eks's node security group (nodeSecurityGroup output).
	NodeSecurityGroupID = "sg-0pulumieksnode00001"
	// ControlPlaneSecurityGroupID is pulumi-eks's cluster security group (clusterSecurityGroup output).
	ControlPlaneSecurityGroupID = "sg-0pulumiekscp000001"
)

type fixture struct {
	role, token string
	id          string
	state       func(m *Mocks) resource.PropertyMap
}

var eksFixtures = []fixture{
	{role: "eks", token: "aws:eks/cluster:Cluster", id: "eks-cluster", state: func(m *Mocks) resource.PropertyMap {
		name := m.eksName()
		return resource.NewPropertyMapFromMap(map[string]any{
			"name":     name,
			"arn":      fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", Region, AccountID, name),
			"endpoint": "https://MOCK.gr7." + Region + ".eks.amazonaws.com",
			"vpcConfig": map[string]any{
				"clusterSecurityGroupId": EKSClusterSecurityGroupID,
			},
			"identities": []any{map[string]any{"oidcs": []any{map[string]any{"issuer": "https://" + OidcIssuerHost}}}},
		})
	}},
	{role: "oidc", token: "aws:iam/openIdConnectProvider:OpenIdConnectProvider", id: OidcProviderArn,
		state: func(*Mocks) resource.PropertyMap {
			return resource.NewPropertyMapFromMap(map[string]any{"arn": OidcProviderArn, "url": OidcIssuerHost})
		}},
	{role: "node-sg", token: "aws:ec2/securityGroup:SecurityGroup", id: NodeSecurityGroupID,
		state: func(*Mocks) resource.PropertyMap {
			return resource.NewPropertyMapFromMap(map[string]any{"id": NodeSecurityGroupID})
		}},
	{role: "cluster-sg", token: "aws:ec2/securityGroup:SecurityGroup", id: ControlPlaneSecurityGroupID,
		state: func(*Mocks) resource.PropertyMap {
			return resource.NewPropertyMapFromMap(map[string]any{"id": ControlPlaneSecurityGroupID})
		}},
}

func (m *Mocks) eksName() string {
	if m.EKSClusterName != "" {
		return m.EKSClusterName
	}
	return "digit"
}

// registerFixtures registers the stand-ins and waits for their URNs, so that the references the mocked cluster
// answers with resolve whatever the registration order of the program.
func (m *Mocks) registerFixtures(ctx *pulumi.Context) error {
	urns := map[string]string{}
	for _, f := range eksFixtures {
		var r pulumi.CustomResourceState
		if err := ctx.RegisterResource(f.token, fixturePrefix+f.role, pulumi.Map{}, &r); err != nil {
			return err
		}
		res, err := internals.UnsafeAwaitOutput(context.Background(), r.URN())
		if err != nil {
			return err
		}
		urn, _ := res.Value.(pulumi.URN)
		urns[f.role] = string(urn)
	}
	m.mu.Lock()
	m.fixtures = urns
	m.mu.Unlock()
	return nil
}

func (m *Mocks) fixtureState(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	role := strings.TrimPrefix(args.Name, fixturePrefix)
	for _, f := range eksFixtures {
		if f.role == role {
			return f.id, f.state(m), nil
		}
	}
	return "", nil, fmt.Errorf("unknown awstest fixture %q", args.Name)
}

// eksReferences are the outputs of the mocked eks:index:Cluster that point at the fixtures. Without fixtures (the
// program was run with pulumi.RunErr instead of Run) they are left out, and awaiting them fails.
func (m *Mocks) eksReferences() resource.PropertyMap {
	m.mu.Lock()
	urns := m.fixtures
	m.mu.Unlock()
	if urns == nil {
		return nil
	}
	ref := func(role, id string) resource.PropertyValue {
		return resource.MakeCustomResourceReference(resource.URN(urns[role]), resource.ID(id), "")
	}
	eks := ref("eks", "eks-cluster")
	return resource.PropertyMap{
		"eksCluster":           eks,
		"nodeSecurityGroup":    ref("node-sg", NodeSecurityGroupID),
		"clusterSecurityGroup": ref("cluster-sg", ControlPlaneSecurityGroupID),
		"core": resource.NewProperty(resource.PropertyMap{
			"cluster":              eks,
			"oidcProvider":         ref("oidc", OidcProviderArn),
			"clusterSecurityGroup": ref("cluster-sg", ControlPlaneSecurityGroupID),
			"endpoint":             resource.NewProperty("https://MOCK.gr7." + Region + ".eks.amazonaws.com"),
		}),
	}
}
