package aws

import (
	"fmt"
	"hash/crc32"
	"net/netip"
	"regexp"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/limits"
)

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	// Name is the EKS cluster's physical name; it must equal NetworkArgs.ClusterName for subnet discovery.
	// Default: the component's resource name.
	Name string
	// VpcId of the network. Required.
	VpcId pulumi.StringInput
	// PublicSubnetIds host the public load balancers. Optional (default none: no internet-facing load balancers).
	PublicSubnetIds pulumi.StringArrayInput
	// PrivateSubnetIds host the control plane ENIs and the nodes, one per zone. Required.
	PrivateSubnetIds pulumi.StringArrayInput
	// KubernetesVersion is the control plane version ("1.<minor>"). Default limits.DefaultKubernetesVersion.
	KubernetesVersion string
	// InstanceType of the nodes. Default "m4.large".
	InstanceType string
	// DesiredSize is the initial node count. Default 6.
	DesiredSize int
	// MinSize of the node group. Default DesiredSize.
	MinSize int
	// MaxSize of the node group. Default DesiredSize+2.
	MaxSize int
	// DiskSizeGB is each node's root volume (gp3, encrypted). Default 50, at least 20.
	DiskSizeGB int
	// EndpointPublicAccess exposes the Kubernetes API on the internet, limited to PublicAccessCidrs. Default true
	// (Pulumi itself must reach the API to configure the cluster unless it runs inside the VPC).
	EndpointPublicAccess *bool
	// PublicAccessCidrs may reach the public API endpoint. No default: required when the endpoint is public, so the
	// API is never open to the whole internet by accident (give "0.0.0.0/0" explicitly to mean it).
	PublicAccessCidrs []string
	// EndpointPrivateAccess lets nodes reach the API without leaving the VPC. Default true.
	EndpointPrivateAccess *bool
	// PrefixDelegation configures the VPC CNI to hand out /28 prefixes, raising pods per node (m4.large: 20 -> 110).
	// Default true.
	PrefixDelegation *bool
	// EnabledLogTypes are the control plane logs sent to CloudWatch (api, audit, authenticator, controllerManager,
	// scheduler). Default (nil) all five (CIS EKS 2.1.1); an empty non-nil slice disables them. They go to a log
	// group the component creates, kept limits.ControlPlaneLogRetentionDays days.
	EnabledLogTypes []string
	// EbsKmsKeyArns are the KMS keys the EBS CSI driver may use for encrypted volumes. Default (empty): any key,
	// but only through EC2 (kms:ViaService), which covers the keys of Volumes and of StorageClasses.
	EbsKmsKeyArns pulumi.StringArrayInput
	// AuthenticationMode is how principals authenticate to the API: limits.AuthenticationModeAPI (access entries
	// only; EKS gives the managed node group's role its own entry) or limits.AuthenticationModeMigrating (access
	// entries and the aws-auth ConfigMap, which then maps the node role too). Default limits.DefaultAuthenticationMode.
	// EKS moves a cluster one step forward only: a cluster made with the ConfigMap alone goes through the second.
	AuthenticationMode string
	// Admins are IAM roles or users (limits.PrincipalArnPattern) given an access entry with
	// limits.ClusterAdminPolicyArn on the whole cluster. The principal creating the cluster is an administrator
	// already (EKS's bootstrap entry) and must not be listed. Default none.
	Admins []string
	// Protect protects the Secrets encryption key from deletion by Pulumi (without it the cluster cannot decrypt
	// its Secrets) and the control-plane logs' key (without it the logs kept cannot be read). Default false.
	Protect bool
	// Tags are added to every AWS resource of the cluster. Default none.
	Tags map[string]string
}

// Cluster is an EKS control plane with one managed node group and the managed add-ons DIGIT needs.
type Cluster struct {
	pulumi.ResourceState

	// Kubeconfig is the JSON kubeconfig (authenticating through `aws eks get-token`), always secret.
	Kubeconfig  pulumi.StringOutput
	ClusterName pulumi.StringOutput
	// OidcProviderArn and OidcProviderUrl (issuer without scheme) are for IRSA trust policies.
	OidcProviderArn pulumi.StringOutput
	OidcProviderUrl pulumi.StringOutput
	// NodeSecurityGroupId is the security group the nodes, and so the pods, actually carry: managed nodes get the
	// security group EKS creates for the cluster. Allow it in the database's security group.
	NodeSecurityGroupId pulumi.StringOutput
	// ClusterSecurityGroupId is the additional control plane security group pulumi-eks creates.
	ClusterSecurityGroupId pulumi.StringOutput
	// Ready is what workloads must wait for: the node group and the add-ons.
	Ready []pulumi.Resource

	// Eks is the underlying pulumi-eks cluster, for callers needing more (e.g. its Kubernetes provider).
	Eks *eks.Cluster
}

var (
	k8sVersionPattern   = regexp.MustCompile(`^1\.[0-9]{2}$`)
	instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	clusterLogTypes     = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
)

func (a *ClusterArgs) validate(name string) error {
	fail := func(field, f string, v ...any) error { return argError("Cluster", name, field, f, v...) }
	if a.Name == "" {
		a.Name = name
	}
	if a.KubernetesVersion == "" {
		a.KubernetesVersion = limits.DefaultKubernetesVersion
	}
	if a.InstanceType == "" {
		a.InstanceType = "m4.large"
	}
	if a.DesiredSize == 0 {
		a.DesiredSize = 6
	}
	if a.MinSize == 0 {
		a.MinSize = a.DesiredSize
	}
	if a.MaxSize == 0 {
		a.MaxSize = a.DesiredSize + 2
	}
	if a.DiskSizeGB == 0 {
		a.DiskSizeGB = 50
	}
	if a.EnabledLogTypes == nil {
		a.EnabledLogTypes = slices.Clone(clusterLogTypes)
	}
	if a.AuthenticationMode == "" {
		a.AuthenticationMode = limits.DefaultAuthenticationMode
	}
	if a.AuthenticationMode != limits.AuthenticationModeAPI && a.AuthenticationMode != limits.AuthenticationModeMigrating {
		return fail("AuthenticationMode", "%q is not %s or %s", a.AuthenticationMode, limits.AuthenticationModeAPI,
			limits.AuthenticationModeMigrating)
	}
	for i, arn := range a.Admins {
		if !limits.PrincipalArnPattern.MatchString(arn) {
			return fail("Admins", "%q is not the ARN of an IAM role or user", arn)
		}
		if slices.Contains(a.Admins[:i], arn) {
			return fail("Admins", "%q is listed twice (EKS takes one access entry per principal)", arn)
		}
	}
	if !eksNamePattern.MatchString(a.Name) {
		return fail("Name", "%q is not a valid EKS cluster name (letters, digits, - and _, at most 100)", a.Name)
	}
	if a.VpcId == nil {
		return fail("VpcId", "required")
	}
	if a.PrivateSubnetIds == nil {
		return fail("PrivateSubnetIds", "required (the nodes run in the private subnets)")
	}
	if !k8sVersionPattern.MatchString(a.KubernetesVersion) {
		return fail("KubernetesVersion", "%q is not a Kubernetes minor version like \"1.31\"", a.KubernetesVersion)
	}
	if !instanceTypePattern.MatchString(a.InstanceType) {
		return fail("InstanceType", "%q is not an EC2 instance type like \"m4.large\"", a.InstanceType)
	}
	if a.DesiredSize < 1 {
		return fail("DesiredSize", "must be at least 1, got %d", a.DesiredSize)
	}
	if a.MinSize < 1 || a.MinSize > a.DesiredSize {
		return fail("MinSize", "must be between 1 and DesiredSize (%d), got %d", a.DesiredSize, a.MinSize)
	}
	if a.MaxSize < a.DesiredSize {
		return fail("MaxSize", "must be at least DesiredSize (%d), got %d", a.DesiredSize, a.MaxSize)
	}
	if a.DiskSizeGB < 20 || a.DiskSizeGB > 16384 {
		return fail("DiskSizeGB", "must be between 20 and 16384, got %d", a.DiskSizeGB)
	}
	public, private := boolOr(a.EndpointPublicAccess, true), boolOr(a.EndpointPrivateAccess, true)
	if !public && !private {
		return fail("EndpointPublicAccess", "the API endpoint must be public, private or both")
	}
	if public && len(a.PublicAccessCidrs) == 0 {
		return fail("PublicAccessCidrs", "required when EndpointPublicAccess is true (give 0.0.0.0/0 explicitly to open the API to the internet)")
	}
	for _, c := range a.PublicAccessCidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil || !p.Addr().Is4() || p.Masked() != p {
			return fail("PublicAccessCidrs", "%q is not an IPv4 CIDR without host bits", c)
		}
	}
	for _, l := range a.EnabledLogTypes {
		if !slices.Contains(clusterLogTypes, l) {
			return fail("EnabledLogTypes", "%q is not one of %v", l, clusterLogTypes)
		}
	}
	return nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// nodeRolePolicies are the AWS managed policies of the node role: joining the cluster, pulling from ECR, SSM.
var nodeRolePolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly",
	"AmazonSSMManagedInstanceCore"}

// vpcCniConfig is the vpc-cni add-on configuration. The CNI's network policy agent enforces the NetworkPolicies
// of the service layer (without it they are accepted and ignored). Prefix delegation hands out /28 prefixes;
// WARM_PREFIX_TARGET=1 keeps one spare /28 per node so pod start-up does not wait for an ENI call.
func vpcCniConfig(prefixDelegation bool) string {
	cfg := map[string]any{"enableNetworkPolicy": "true"}
	if prefixDelegation {
		cfg["env"] = map[string]string{"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"}
	}
	return mustJSON(cfg)
}

// NewCluster builds the EKS cluster.
func NewCluster(ctx *pulumi.Context, name string, args ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	comp := &Cluster{}
	err := ctx.RegisterComponentResourceV2("digit:aws:Cluster", name, pulumi.Map{
		"name": pulumi.String(args.Name), "kubernetesVersion": pulumi.String(args.KubernetesVersion),
		"instanceType": pulumi.String(args.InstanceType), "desiredSize": pulumi.Int(args.DesiredSize),
	}, comp, opts...)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	tags := mergeTags(args.Tags, nil)

	// Envelope encryption of Kubernetes Secrets (DIGIT keeps DB passwords there).
	key, err := newKey(ctx, name+"-secrets", "EKS secrets encryption for "+args.Name, tags,
		append([]pulumi.ResourceOption{parent}, stateful(args.Protect, false)...)...)
	if err != nil {
		return nil, err
	}

	nodeRole, err := iam.NewRole(ctx, name+"-node", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRoleForService("ec2.amazonaws.com")),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	var nodePolicies []pulumi.Resource
	// The CNI's policy (it can rewire every ENI of the VPC) is not on the node role, where every pod that reaches
	// IMDS could use it, but on the vpc-cni add-on's own IRSA role (CIS EKS 5.2.1 / EKS best practice).
	for _, p := range nodeRolePolicies {
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-node-"+p, &iam.RolePolicyAttachmentArgs{
			Role: nodeRole.Name, PolicyArn: pulumi.String(managedPolicy(p)),
		}, parent)
		if err != nil {
			return nil, err
		}
		nodePolicies = append(nodePolicies, att)
	}

	var publicCidrs pulumi.StringArrayInput
	if len(args.PublicAccessCidrs) > 0 {
		publicCidrs = pulumi.ToStringArray(args.PublicAccessCidrs)
	}
	// EKS creates this group itself, never expiring and unencrypted, unless it exists first; the cluster waits for it.
	logGroupName := "/aws/eks/" + args.Name + "/cluster"
	logKey, err := newLogsKey(ctx, name+"-control-plane-logs", "EKS control-plane logs of "+args.Name, logGroupName,
		tags, parent, stateful(args.Protect, false)...)
	if err != nil {
		return nil, err
	}
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logGroupName),
		RetentionInDays: pulumi.Int(limits.ControlPlaneLogRetentionDays),
		KmsKeyId:        logKey.Arn,
		Tags:            tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	// With the aws-auth ConfigMap the node role must be in it, or nodes never join; in API mode pulumi-eks refuses
	// instance roles, and EKS makes the managed node group's entry itself.
	var instanceRoles iam.RoleArrayInput
	if args.AuthenticationMode == limits.AuthenticationModeMigrating {
		instanceRoles = iam.RoleArray{nodeRole}
	}
	mode := eks.AuthenticationMode(args.AuthenticationMode)
	accessEntries := map[string]eks.AccessEntryArgs{}
	for _, arn := range args.Admins {
		// Keyed by the principal, not its place in the list: reordering the admins replaces no entry.
		accessEntries[fmt.Sprintf("admin-%08x", crc32.ChecksumIEEE([]byte(arn)))] = eks.AccessEntryArgs{
			PrincipalArn: pulumi.String(arn),
			AccessPolicies: map[string]eks.AccessPolicyAssociationInput{"cluster-admin": eks.AccessPolicyAssociationArgs{
				PolicyArn:   pulumi.String(limits.ClusterAdminPolicyArn),
				AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
			}},
			Tags: tags,
		}
	}
	cluster, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:                         pulumi.String(args.Name),
		Version:                      pulumi.String(args.KubernetesVersion),
		VpcId:                        args.VpcId,
		PublicSubnetIds:              args.PublicSubnetIds,
		PrivateSubnetIds:             args.PrivateSubnetIds,
		NodeAssociatePublicIpAddress: ptr(false),
		// pulumi-eks v2's default node group uses launch configurations, which new AWS accounts cannot create.
		SkipDefaultNodeGroup: ptr(true),
		// The vpc-cni add-on below manages the CNI; pulumi-eks must not apply its own manifest over it.
		UseDefaultVpcCni:       ptr(true),
		CreateOidcProvider:     pulumi.Bool(true),
		EncryptionConfigKeyArn: key.Arn,
		EnabledClusterLogTypes: pulumi.ToStringArray(args.EnabledLogTypes),
		EndpointPublicAccess:   pulumi.Bool(boolOr(args.EndpointPublicAccess, true)),
		EndpointPrivateAccess:  pulumi.Bool(boolOr(args.EndpointPrivateAccess, true)),
		PublicAccessCidrs:      publicCidrs,
		AuthenticationMode:     &mode,
		InstanceRoles:          instanceRoles,
		AccessEntries:          accessEntries,
		Tags:                   tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{logGroup}))
	if err != nil {
		return nil, err
	}
	clusterName := cluster.EksCluster.Name()
	oidc := cluster.Core.OidcProvider()

	addon := func(addonName string, extra *awseks.AddonArgs, deps ...pulumi.Resource) (*awseks.Addon, error) {
		a := awseks.AddonArgs{}
		if extra != nil {
			a = *extra
		}
		version, err := addonVersion(ctx, addonName, args.KubernetesVersion)
		if err != nil {
			return nil, err
		}
		a.ClusterName = clusterName
		a.AddonName = pulumi.String(addonName)
		a.AddonVersion = pulumi.String(version)
		// The cluster already runs self-managed copies of vpc-cni, kube-proxy and coredns; the add-on adopts them.
		a.ResolveConflictsOnCreate = pulumi.String("OVERWRITE")
		a.ResolveConflictsOnUpdate = pulumi.String("OVERWRITE")
		a.Tags = tags
		return awseks.NewAddon(ctx, name+"-"+addonName, &a, parent, pulumi.DependsOn(deps))
	}

	cniRole, err := newIrsaRole(ctx, name+"-vpc-cni", oidc, "kube-system", "aws-node", "AmazonEKS_CNI_Policy", tags, parent)
	if err != nil {
		return nil, err
	}
	vpcCni, err := addon("vpc-cni", &awseks.AddonArgs{
		ConfigurationValues:   pulumi.String(vpcCniConfig(boolOr(args.PrefixDelegation, true))),
		ServiceAccountRoleArn: cniRole.Arn,
	}, cniRole)
	if err != nil {
		return nil, err
	}
	kubeProxy, err := addon("kube-proxy", nil)
	if err != nil {
		return nil, err
	}

	// Nodes compute their pod capacity when they boot: the CNI configuration must be in place first.
	nodeGroup, err := newNodeGroup(ctx, name, args, cluster, nodeRole, tags, parent,
		append([]pulumi.Resource{vpcCni, kubeProxy}, nodePolicies...))
	if err != nil {
		return nil, err
	}

	// coredns and the CSI controller are Deployments: they only become healthy once there are nodes.
	coreDNS, err := addon("coredns", nil, nodeGroup)
	if err != nil {
		return nil, err
	}
	csiRole, err := newEbsCsiRole(ctx, name, oidc, args.EbsKmsKeyArns, tags, parent)
	if err != nil {
		return nil, err
	}
	ebsCsi, err := addon("aws-ebs-csi-driver", &awseks.AddonArgs{ServiceAccountRoleArn: csiRole.Arn}, nodeGroup, csiRole)
	if err != nil {
		return nil, err
	}

	comp.Eks = cluster
	comp.Kubeconfig = pulumi.ToSecret(cluster.KubeconfigJson).(pulumi.StringOutput)
	comp.ClusterName = clusterName
	comp.OidcProviderArn = oidc.Arn()
	comp.OidcProviderUrl = oidc.Url()
	comp.NodeSecurityGroupId = cluster.EksCluster.VpcConfig().ClusterSecurityGroupId().Elem()
	comp.ClusterSecurityGroupId = cluster.ClusterSecurityGroup.ApplyT(func(sg *ec2.SecurityGroup) pulumi.IDOutput {
		return sg.ID()
	}).(pulumi.IDOutput).ToStringOutput()
	comp.Ready = []pulumi.Resource{nodeGroup, vpcCni, kubeProxy, coreDNS, ebsCsi}
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"kubeconfig":             comp.Kubeconfig,
		"clusterName":            comp.ClusterName,
		"oidcProviderArn":        comp.OidcProviderArn,
		"oidcProviderUrl":        comp.OidcProviderUrl,
		"nodeSecurityGroupId":    comp.NodeSecurityGroupId,
		"clusterSecurityGroupId": comp.ClusterSecurityGroupId,
	})
}

// newNodeGroup creates the managed node group through a launch template, which is the only way to require IMDSv2
// with a hop limit of 1: a pod in its own network namespace is one hop further and cannot reach IMDS, so it cannot
// take the node role's credentials (CIS EKS 5.1.x / checkov CKV_AWS_341). Pods that need AWS use IRSA (vpc-cni,
// the EBS CSI driver, egov-filestore); the host-network ones (aws-node, kube-proxy) are not affected. With a launch
// template the node group may not set a disk size, so the root volume is declared in the template.
func newNodeGroup(ctx *pulumi.Context, name string, args ClusterArgs, cluster *eks.Cluster, role *iam.Role,
	tags pulumi.StringMap, parent pulumi.ResourceOption, deps []pulumi.Resource,
) (*eks.ManagedNodeGroup, error) {
	lt, err := ec2.NewLaunchTemplate(ctx, name+"-nodes", &ec2.LaunchTemplateArgs{
		Description: pulumi.String("EKS nodes of " + args.Name),
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"), // root device of the AL2023 EKS AMIs
			Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(args.DiskSizeGB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags},
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tags},
		},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	return eks.NewManagedNodeGroup(ctx, name+"-nodes", &eks.ManagedNodeGroupArgs{
		Cluster:       cluster,
		NodeRole:      role,
		AmiType:       pulumi.String("AL2023_x86_64_STANDARD"),
		CapacityType:  pulumi.String("ON_DEMAND"),
		InstanceTypes: pulumi.ToStringArray([]string{args.InstanceType}),
		SubnetIds:     args.PrivateSubnetIds,
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			DesiredSize: pulumi.Int(args.DesiredSize),
			MinSize:     pulumi.Int(args.MinSize),
			MaxSize:     pulumi.Int(args.MaxSize),
		},
		LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		Tags: tags,
	}, parent, pulumi.DependsOn(deps))
}

// newIrsaRole is a role only the service account namespace/serviceAccount may assume, with one AWS managed policy.
func newIrsaRole(ctx *pulumi.Context, name string, oidc iam.OpenIdConnectProviderOutput, namespace, serviceAccount,
	policy string, tags pulumi.StringMap, parent pulumi.ResourceOption,
) (*iam.Role, error) {
	role, _, err := newRoleWithPolicy(ctx, name, irsaTrustPolicy(oidc.Arn(), oidc.Url(), namespace, serviceAccount),
		policy, tags, parent)
	return role, err
}

// newEbsCsiRole is the IRSA role of the EBS CSI controller.
func newEbsCsiRole(ctx *pulumi.Context, name string, oidc iam.OpenIdConnectProviderOutput,
	kmsKeys pulumi.StringArrayInput, tags pulumi.StringMap, parent pulumi.ResourceOption,
) (*iam.Role, error) {
	role, err := newIrsaRole(ctx, name+"-ebs-csi", oidc, "kube-system", "ebs-csi-controller-sa",
		"service-role/AmazonEBSCSIDriverPolicy", tags, parent)
	if err != nil {
		return nil, err
	}
	if kmsKeys == nil {
		kmsKeys = pulumi.StringArray{}
	}
	policy := kmsKeys.ToStringArrayOutput().ApplyT(func(keys []string) string {
		resources := any(keys)
		var cond map[string]any
		if len(keys) == 0 {
			resources = "*"
			cond = map[string]any{"StringLike": map[string]any{"kms:ViaService": "ec2.*.amazonaws.com"}}
		}
		grant := map[string]any{
			"Effect":    "Allow",
			"Action":    []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"},
			"Resource":  resources,
			"Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
		}
		use := map[string]any{
			"Effect": "Allow",
			"Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
				"kms:DescribeKey"},
			"Resource": resources,
		}
		if cond != nil {
			use["Condition"] = cond
			grant["Condition"].(map[string]any)["StringLike"] = cond["StringLike"]
		}
		return mustJSON(map[string]any{"Version": "2012-10-17", "Statement": []any{grant, use}})
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-ebs-csi-kms", &iam.RolePolicyArgs{Role: role.ID(), Policy: policy},
		parent); err != nil {
		return nil, err
	}
	return role, nil
}

func ptr[T any](v T) *T { return &v }

// addonVersion is the build EKS makes the default of an add-on for a Kubernetes minor, looked up at preview and set
// explicitly: the add-on then moves when the stack moves the cluster's minor (in the same update, after the control
// plane), the state and the preview say which build runs, and a re-created add-on does not pick up whatever EKS
// defaults to that day.
func addonVersion(ctx *pulumi.Context, addon, kubernetesVersion string) (string, error) {
	r, err := awseks.GetAddonVersion(ctx, &awseks.GetAddonVersionArgs{
		AddonName: addon, KubernetesVersion: kubernetesVersion, MostRecent: pulumi.BoolRef(false),
	})
	if err != nil {
		return "", fmt.Errorf("the %s add-on's default version for Kubernetes %s: %w", addon, kubernetesVersion, err)
	}
	return r.Version, nil
}
