package azure

import (
	"regexp"

	authorization "github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	acr "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var registryNameRe = regexp.MustCompile(`^[a-z0-9]{5,50}$`)

// RegistryArgs configures the container registry.
type RegistryArgs struct {
	ResourceGroupName pulumi.StringInput
	Location          string
	SubscriptionID    string
	// Name is the registry's global name (GlobalName, 5-50 letters and digits): computed, so that its URL
	// <name>.azurecr.io is known at preview. Required.
	Name string
	// PullerPrincipalId (the kubelet identity's) is granted AcrPull. Required.
	PullerPrincipalId pulumi.StringInput
	Tags              map[string]string
}

// Registry is an ACR registry the cluster pulls from with its identity (no admin user, no password).
type Registry struct {
	pulumi.ResourceState
	URL string
}

// NewRegistry creates the registry and the AcrPull grant.
func NewRegistry(ctx *pulumi.Context, name string, args RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	e := &argErrors{component: "digit:azure:Registry"}
	if !registryNameRe.MatchString(args.Name) {
		e.add("Name", "%q must be 5-50 lower-case letters and digits", args.Name)
	}
	if args.PullerPrincipalId == nil || args.SubscriptionID == "" {
		e.add("PullerPrincipalId", "PullerPrincipalId and SubscriptionID are required")
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	comp := &Registry{URL: args.Name + ".azurecr.io"}
	if err := ctx.RegisterComponentResource("digit:azure:Registry", name, comp, opts...); err != nil {
		return nil, err
	}
	reg, err := acr.NewRegistry(ctx, name, &acr.RegistryArgs{
		ResourceGroupName: args.ResourceGroupName, Location: pulumi.String(args.Location), Tags: TagsInput(args.Tags),
		RegistryName:     pulumi.String(args.Name),
		Sku:              &acr.SkuArgs{Name: pulumi.String("Standard")},
		AdminUserEnabled: pulumi.Bool(false),
	}, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	if _, err := authorization.NewRoleAssignment(ctx, name+"-acrpull", &authorization.RoleAssignmentArgs{
		PrincipalId:      args.PullerPrincipalId,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: pulumi.String(RoleDefinitionID(args.SubscriptionID, RoleAcrPull)),
		Scope:            reg.ID().ToStringOutput(),
	}, pulumi.Parent(comp)); err != nil {
		return nil, err
	}
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"url": pulumi.String(comp.URL), "loginServer": reg.LoginServer})
}
