package azure

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	authorization "github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	cs "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	managedidentity "github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Cluster network ranges. With Azure CNI overlay pods and Services take no VNet addresses, but their ranges must not
// overlap it (NetworkArgs.AddressSpace is checked against them).
const (
	PodCidr      = "10.244.0.0/16"
	ServiceCidr  = "172.16.0.0/16"
	DNSServiceIP = "172.16.0.10"
	// MaxPods per node, set explicitly: the capacity check and the kubelet's memory reservation depend on it.
	MaxPods = 110
	// SystemTaint keeps workloads off the system pool: only AKS's critical add-ons tolerate it.
	SystemTaint = "CriticalAddonsOnly=true:NoSchedule"
)

// Pool is one node pool.
type Pool struct {
	// VMSize, e.g. Standard_D4s_v5. Required.
	VMSize string
	// Count of nodes (the autoscaler's start when Max > Min). Required, at least 1 (3 for the system pool in prod).
	Count int
	// Min and Max enable the cluster autoscaler when Max > Min.
	Min, Max int
	// OSDiskGB of each node. Default: 128.
	OSDiskGB int
}

// MaintenanceWindow is the weekly slot AKS may upgrade node images in.
type MaintenanceWindow struct {
	// Day of the week, e.g. "Sunday". Hour is its start (UTC, 0-23); the slot is 4 hours.
	Day  string
	Hour int
}

// ClusterArgs configures the AKS cluster.
type ClusterArgs struct {
	ResourceGroupName pulumi.StringInput
	Location          string
	SubscriptionID    string
	// KubernetesVersion, e.g. "1.34". Required.
	KubernetesVersion string
	// NodeSubnetId is the subnet of both pools (its NAT gateway is the outbound path). Required.
	NodeSubnetId pulumi.StringInput
	// DiskResourceGroupId is the resource group of the backbone's managed disks: the control-plane identity gets
	// Contributor on it, which the disk CSI driver needs to attach disks outside the node resource group.
	DiskResourceGroupId pulumi.StringInput
	// Zones the pools spread over ("1", "2", "3"). Required.
	Zones []string
	// SystemPool runs AKS's critical add-ons (tainted SystemTaint); UserPool the workloads.
	SystemPool, UserPool Pool
	// AuthorizedIPRanges may reach the public API server; with PrivateCluster the API server has no public address.
	// One of the two is required.
	AuthorizedIPRanges []string
	PrivateCluster     bool
	// AdminGroupObjectIDs are the Entra ID groups that administer the cluster; with them, local accounts are off and
	// access is through Entra ID (Azure RBAC). TenantID is the Entra tenant.
	AdminGroupObjectIDs []string
	TenantID            string
	// Maintenance is the weekly window of node-image upgrades. Default: Sunday 02:00 UTC.
	Maintenance MaintenanceWindow
	Tags        map[string]string
}

// Cluster is an AKS cluster with its identities.
type Cluster struct {
	pulumi.ResourceState

	ClusterName pulumi.StringOutput
	// Kubeconfig is the cluster user's kubeconfig, a secret. With Entra ID it calls kubelogin.
	Kubeconfig pulumi.StringOutput
	// KubeletPrincipalId is the kubelet identity's principal: the registry grants it AcrPull. It exists before
	// the cluster, so nothing that grants it a role waits for AKS.
	KubeletPrincipalId pulumi.StringOutput
	OidcIssuerUrl      pulumi.StringOutput
	// Ready is what workloads wait for: the cluster with its pools.
	Ready []pulumi.Resource
}

var (
	// VMSizePattern is what an Azure VM size looks like (e.g. Standard_D4s_v5).
	VMSizePattern = regexp.MustCompile(`^Standard_[A-Z]+[0-9]+[a-z]*(_v[0-9]+)?$`)
	aksVersionRe  = regexp.MustCompile(`^1\.\d{2}$`)
	// Days are the days a maintenance window may fall on.
	Days = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	// DefaultMaintenance is the window when none is given: Sunday 02:00 UTC.
	DefaultMaintenance = MaintenanceWindow{Day: "Sunday", Hour: 2}
)

func checkPool(e *argErrors, field string, p Pool, minCount int) {
	if !VMSizePattern.MatchString(p.VMSize) {
		e.add(field+".VMSize", "%q is not an Azure VM size (e.g. Standard_D4s_v5)", p.VMSize)
	}
	if p.Count < minCount || p.Count > 1000 {
		e.add(field+".Count", "%d must be between %d and 1000", p.Count, minCount)
	}
	if p.Max > p.Min && !(p.Min <= p.Count && p.Count <= p.Max) {
		e.add(field+".Count", "%d must be within Min %d and Max %d", p.Count, p.Min, p.Max)
	}
	if p.OSDiskGB != 0 && (p.OSDiskGB < 30 || p.OSDiskGB > 2048) {
		e.add(field+".OSDiskGB", "%d must be between 30 and 2048", p.OSDiskGB)
	}
}

// NewCluster creates the control-plane and kubelet identities, their role assignments, the cluster, and the Log
// Analytics workspace its control-plane and container logs go to.
func NewCluster(ctx *pulumi.Context, name string, args ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	e := &argErrors{component: "digit:azure:Cluster"}
	if !aksVersionRe.MatchString(args.KubernetesVersion) {
		e.add("KubernetesVersion", "%q is not a Kubernetes minor version (e.g. 1.34)", args.KubernetesVersion)
	}
	if len(args.Zones) == 0 {
		e.add("Zones", "at least one zone is required")
	}
	checkPool(e, "SystemPool", args.SystemPool, 1)
	checkPool(e, "UserPool", args.UserPool, 1)
	if !args.PrivateCluster && len(args.AuthorizedIPRanges) == 0 {
		e.add("AuthorizedIPRanges", "give who may reach the public API server, or make the cluster private")
	}
	if args.PrivateCluster && len(args.AuthorizedIPRanges) > 0 {
		e.add("AuthorizedIPRanges", "a private cluster has no public API server to authorize ranges on")
	}
	for _, r := range args.AuthorizedIPRanges {
		if _, err := netip.ParsePrefix(r); err != nil {
			e.add("AuthorizedIPRanges", "%q is not a CIDR", r)
		}
	}
	if len(args.AdminGroupObjectIDs) > 0 && args.TenantID == "" {
		e.add("TenantID", "is required with AdminGroupObjectIDs")
	}
	m := args.Maintenance
	if m.Day == "" {
		m = DefaultMaintenance
	}
	if !slices.Contains(Days, m.Day) || m.Hour < 0 || m.Hour > 23 {
		e.add("Maintenance", "day %q hour %d: a day of the week (Monday..Sunday) and an hour 0-23", m.Day, m.Hour)
	}
	if args.SubscriptionID == "" || args.ResourceGroupName == nil || args.NodeSubnetId == nil || args.DiskResourceGroupId == nil {
		e.add("SubscriptionID", "SubscriptionID, ResourceGroupName, NodeSubnetId and DiskResourceGroupId are required")
	}
	if err := e.err(); err != nil {
		return nil, err
	}

	comp := &Cluster{}
	if err := ctx.RegisterComponentResource("digit:azure:Cluster", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	rg, loc, tags := args.ResourceGroupName, pulumi.String(args.Location), TagsInput(args.Tags)

	// Both identities are made before the cluster: the control plane's needs its roles when AKS starts, and the
	// kubelet's principal is known without waiting for the cluster (the registry's AcrPull needs it).
	cp, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-control-plane", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	kubelet, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-kubelet", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	grant := func(suffix, role string, scope pulumi.StringInput) (pulumi.Resource, error) {
		return authorization.NewRoleAssignment(ctx, name+"-"+suffix, &authorization.RoleAssignmentArgs{
			PrincipalId:      cp.PrincipalId,
			PrincipalType:    pulumi.String("ServicePrincipal"),
			RoleDefinitionId: pulumi.String(RoleDefinitionID(args.SubscriptionID, role)),
			Scope:            scope,
		}, parent)
	}
	var roles []pulumi.Resource
	for _, g := range []struct {
		suffix, role string
		scope        pulumi.StringInput
	}{
		// AKS assigns the kubelet identity to the node scale sets.
		{"kubelet-operator", RoleManagedIdentityOperator, kubelet.ID().ToStringOutput()},
		// The load balancer and the nodes' NICs live in the stack's subnet.
		{"subnet-network", RoleNetworkContributor, args.NodeSubnetId},
		{"disks-contributor", RoleContributor, args.DiskResourceGroupId},
	} {
		r, err := grant(g.suffix, g.role, g.scope)
		if err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}

	workspace, err := newWorkspace(ctx, name, rg, loc, tags, parent)
	if err != nil {
		return nil, err
	}

	zones := pulumi.ToStringArray(args.Zones)
	pool := func(poolName, mode string, p Pool, taints []string) *cs.ManagedClusterAgentPoolProfileArgs {
		disk := p.OSDiskGB
		if disk == 0 {
			disk = 128
		}
		a := &cs.ManagedClusterAgentPoolProfileArgs{
			Name: pulumi.String(poolName), Mode: pulumi.String(mode), VmSize: pulumi.String(p.VMSize),
			Count: pulumi.Int(p.Count), AvailabilityZones: zones, VnetSubnetID: args.NodeSubnetId,
			MaxPods: pulumi.Int(MaxPods), OsDiskSizeGB: pulumi.Int(disk), OsType: pulumi.String("Linux"),
			OsSKU: pulumi.String("AzureLinux"), Type: pulumi.String("VirtualMachineScaleSets"),
			OrchestratorVersion: pulumi.String(args.KubernetesVersion),
			UpgradeSettings:     &cs.AgentPoolUpgradeSettingsArgs{MaxSurge: pulumi.String("33%")},
		}
		if len(taints) > 0 {
			a.NodeTaints = pulumi.ToStringArray(taints)
		}
		if p.Max > p.Min {
			a.EnableAutoScaling, a.MinCount, a.MaxCount = pulumi.Bool(true), pulumi.Int(p.Min), pulumi.Int(p.Max)
		}
		return a
	}
	api := &cs.ManagedClusterAPIServerAccessProfileArgs{}
	if args.PrivateCluster {
		api.EnablePrivateCluster = pulumi.Bool(true)
	} else {
		api.AuthorizedIPRanges = pulumi.ToStringArray(args.AuthorizedIPRanges)
	}
	mcArgs := &cs.ManagedClusterArgs{
		ResourceGroupName: rg, Location: loc, Tags: tags,
		DnsPrefix:         pulumi.String(name),
		KubernetesVersion: pulumi.String(args.KubernetesVersion),
		NodeResourceGroup: pulumi.Sprintf("%s-nodes", rg),
		Sku:               &cs.ManagedClusterSKUArgs{Name: pulumi.String("Base"), Tier: pulumi.String("Standard")},
		AgentPoolProfiles: cs.ManagedClusterAgentPoolProfileArray{
			pool("system", "System", args.SystemPool, []string{SystemTaint}),
			pool("user", "User", args.UserPool, nil),
		},
		Identity: &cs.ManagedClusterIdentityArgs{
			Type:                   cs.ResourceIdentityTypeUserAssigned,
			UserAssignedIdentities: pulumi.StringArray{cp.ID().ToStringOutput()},
		},
		IdentityProfile: cs.UserAssignedIdentityMap{"kubeletidentity": &cs.UserAssignedIdentityArgs{
			ResourceId: kubelet.ID().ToStringOutput(), ClientId: kubelet.ClientId, ObjectId: kubelet.PrincipalId,
		}},
		NetworkProfile: &cs.ContainerServiceNetworkProfileArgs{
			NetworkPlugin: pulumi.String("azure"), NetworkPluginMode: pulumi.String("overlay"),
			// The service layer's NetworkPolicies need an enforcing dataplane.
			NetworkDataplane: pulumi.String("cilium"), NetworkPolicy: pulumi.String("cilium"),
			PodCidr: pulumi.String(PodCidr), ServiceCidr: pulumi.String(ServiceCidr), DnsServiceIP: pulumi.String(DNSServiceIP),
			OutboundType: pulumi.String("userAssignedNATGateway"), LoadBalancerSku: pulumi.String("standard"),
		},
		OidcIssuerProfile: &cs.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &cs.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &cs.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		StorageProfile: &cs.ManagedClusterStorageProfileArgs{
			DiskCSIDriver: &cs.ManagedClusterStorageProfileDiskCSIDriverArgs{Enabled: pulumi.Bool(true)},
		},
		AutoUpgradeProfile:     &cs.ManagedClusterAutoUpgradeProfileArgs{UpgradeChannel: pulumi.String("node-image")},
		ApiServerAccessProfile: api,
		EnableRBAC:             pulumi.Bool(true),
		AddonProfiles:          monitoringAddon(workspace),
	}
	if len(args.AdminGroupObjectIDs) > 0 {
		mcArgs.DisableLocalAccounts = pulumi.Bool(true)
		mcArgs.AadProfile = &cs.ManagedClusterAADProfileArgs{
			Managed: pulumi.Bool(true), EnableAzureRBAC: pulumi.Bool(true), TenantID: pulumi.String(args.TenantID),
			AdminGroupObjectIDs: pulumi.ToStringArray(args.AdminGroupObjectIDs),
		}
	}
	cluster, err := cs.NewManagedCluster(ctx, name, mcArgs, parent, pulumi.DependsOn(roles),
		// The autoscaler owns the node count once it is on.
		pulumi.IgnoreChanges([]string{"agentPoolProfiles[1].count"}))
	if err != nil {
		return nil, err
	}
	if err := newClusterMonitoring(ctx, name, cluster.ID().ToStringOutput(), rg, loc, workspace, tags, parent); err != nil {
		return nil, err
	}
	mw, err := cs.NewMaintenanceConfiguration(ctx, name+"-node-image", &cs.MaintenanceConfigurationArgs{
		ResourceGroupName: rg, ResourceName: cluster.Name, ConfigName: pulumi.String("default"),
		TimeInWeek: cs.TimeInWeekArray{&cs.TimeInWeekArgs{
			Day: pulumi.String(m.Day), HourSlots: pulumi.IntArray{pulumi.Int(m.Hour), pulumi.Int((m.Hour + 1) % 24),
				pulumi.Int((m.Hour + 2) % 24), pulumi.Int((m.Hour + 3) % 24)},
		}},
	}, parent)
	if err != nil {
		return nil, err
	}
	creds := cs.ListManagedClusterUserCredentialsOutput(ctx, cs.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: rg, ResourceName: cluster.Name,
	}, pulumi.Parent(comp))
	comp.Kubeconfig = pulumi.ToSecret(creds.Kubeconfigs().ApplyT(func(kcs []cs.CredentialResultResponse) (string, error) {
		if len(kcs) == 0 {
			return "", fmt.Errorf("AKS returned no user kubeconfig")
		}
		b, err := base64.StdEncoding.DecodeString(kcs[0].Value)
		return string(b), err
	})).(pulumi.StringOutput)
	comp.ClusterName = cluster.Name
	comp.KubeletPrincipalId = kubelet.PrincipalId
	comp.OidcIssuerUrl = cluster.OidcIssuerProfile.ApplyT(func(p *cs.ManagedClusterOIDCIssuerProfileResponse) string {
		if p == nil {
			return ""
		}
		return p.IssuerURL
	}).(pulumi.StringOutput)
	comp.Ready = []pulumi.Resource{cluster, mw}
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"clusterName": comp.ClusterName, "kubeconfig": comp.Kubeconfig, "kubeletPrincipalId": comp.KubeletPrincipalId,
		"oidcIssuerUrl": comp.OidcIssuerUrl,
	})
}
