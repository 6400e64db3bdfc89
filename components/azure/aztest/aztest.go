// Package aztest is a recording Pulumi mock for unit tests of programs that build Azure Native resources.
//
// The Azure provider plugin cannot run in unit tests, so a test runs its program against Mocks, which answers each
// registration with its inputs plus what Azure would add (an ARM resource ID, a name, identities' principal and
// client IDs, the flexible server's FQDN, the registry's login server, the cluster's OIDC issuer) and each invoke
// the components make (the client config, the storage account's keys, the cluster's user kubeconfig). Recording and
// queries are mocktest's.
package aztest

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
)

// Fixed identity the mock answers with.
const (
	SubscriptionID = "00000000-0000-0000-0000-000000000001"
	TenantID       = "00000000-0000-0000-0000-0000000000aa"
	AccountKey     = "mock-storage-account-key"
	// Kubeconfig is what the mocked listManagedClusterUserCredentials returns (base64-encoded, as Azure does).
	Kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: aks\n  cluster:\n    server: https://mock.hcp.centralindia.azmk8s.io:443\n"
)

// Resource is one registration.
type Resource = mocktest.Resource

// Mocks records and answers.
type Mocks struct{ *mocktest.Recorder }

// New returns an empty recorder.
func New() *Mocks { return &Mocks{Recorder: mocktest.New()} }

// Run runs program against the mocks (project "digit", stack "test").
func (m *Mocks) Run(program pulumi.RunFunc) error {
	return pulumi.RunErr(program, pulumi.WithMocks("digit", "test", m))
}

// nameInputs are the inputs that carry a resource's Azure name, per type; without one the name is the logical name
// (as the provider's auto-naming would make one).
var nameInputs = []string{"resourceGroupName", "registryName", "accountName", "containerName", "privateZoneName",
	"databaseName", "virtualNetworkLinkName", "configName"}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	outs := args.Inputs.Copy()
	if !args.Custom {
		r := m.Record(args, "", outs)
		return r.ID, r.Outputs, nil
	}
	name := args.Name
	typ := args.TypeToken
	if typ == "azure-native:resources:ResourceGroup" {
		name = stringInput(args, "resourceGroupName", name)
	} else {
		for _, k := range nameInputs[1:] {
			name = stringInput(args, k, name)
		}
	}
	rg := stringInput(args, "resourceGroupName", "rg")
	// azure-native:compute:Disk -> Microsoft.Compute/disks
	parts := strings.Split(typ, ":")
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.%s/%ss/%s", SubscriptionID, rg,
		parts[1], strings.ToLower(parts[2][:1])+parts[2][1:], name)
	if typ == "azure-native:resources:ResourceGroup" {
		id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", SubscriptionID, name)
	}
	outs["name"] = resource.NewProperty(name)
	switch typ {
	case "azure-native:managedidentity:UserAssignedIdentity":
		outs["principalId"] = resource.NewProperty("principal-" + args.Name)
		outs["clientId"] = resource.NewProperty("client-" + args.Name)
	case "azure-native:dbforpostgresql/v20230601preview:Server":
		outs["fullyQualifiedDomainName"] = resource.NewProperty(name + ".postgres.database.azure.com")
	case "azure-native:containerregistry:Registry":
		outs["loginServer"] = resource.NewProperty(name + ".azurecr.io")
	case "azure-native:containerservice:ManagedCluster":
		outs["oidcIssuerProfile"] = resource.NewProperty(resource.PropertyMap{
			"enabled": resource.NewProperty(true), "issuerURL": resource.NewProperty("https://oidc.mock/" + name + "/"),
		})
	}
	r := m.Record(args, id, outs)
	return r.ID, r.Outputs, nil
}

func stringInput(args pulumi.MockResourceArgs, key, def string) string {
	if v := args.Inputs[resource.PropertyKey(key)]; v.IsString() && v.StringValue() != "" {
		return v.StringValue()
	}
	return def
}

// Call implements pulumi.MockResourceMonitor (invokes).
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.RecordCall(args)
	switch args.Token {
	case "azure-native:authorization:getClientConfig":
		return resource.PropertyMap{
			"subscriptionId": resource.NewProperty(SubscriptionID), "tenantId": resource.NewProperty(TenantID),
			"clientId": resource.NewProperty("deployer"), "objectId": resource.NewProperty("deployer-object"),
		}, nil
	case "azure-native:storage:listStorageAccountKeys":
		return resource.PropertyMap{"keys": resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty(resource.PropertyMap{
				"keyName": resource.NewProperty("key1"), "value": resource.NewProperty(AccountKey),
				"permissions": resource.NewProperty("FULL"), "creationTime": resource.NewProperty("2026-01-01T00:00:00Z"),
			}),
		})}, nil
	case "azure-native:containerservice:listManagedClusterUserCredentials":
		return resource.PropertyMap{"kubeconfigs": resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty(resource.PropertyMap{
				"name":  resource.NewProperty("clusterUser"),
				"value": resource.NewProperty(base64.StdEncoding.EncodeToString([]byte(Kubeconfig))),
			}),
		})}, nil
	}
	return resource.PropertyMap{}, nil
}
