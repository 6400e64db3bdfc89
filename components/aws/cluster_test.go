package aws

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/components/aws/limits"
	"github.com/digit-iac/digit/internal/mocktest"
)

var privateIDs = []string{"subnet-priv-a", "subnet-priv-b", "subnet-priv-c"}

func clusterArgs() ClusterArgs {
	return ClusterArgs{
		Name:              "digit",
		VpcId:             pulumi.String("vpc-1"),
		PublicSubnetIds:   pulumi.ToStringArray([]string{"subnet-pub-a", "subnet-pub-b", "subnet-pub-c"}),
		PrivateSubnetIds:  pulumi.ToStringArray(privateIDs),
		PublicAccessCidrs: []string{"203.0.113.0/24"},
	}
}

func runCluster(t *testing.T, args ClusterArgs) (*awstest.Mocks, *Cluster) {
	t.Helper()
	var c *Cluster
	m := awstest.New()
	m.EKSClusterName = args.Name
	if err := m.Run(func(ctx *pulumi.Context) error {
		var err error
		c, err = NewCluster(ctx, "eks", args)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return m, c
}

func TestClusterControlPlane(t *testing.T) {
	m, c := runCluster(t, clusterArgs())
	eks := only(t, m, "eks:index:Cluster")
	key := m.MustFind(t, "aws:kms/key:Key", "eks-secrets")

	if !eks.Bool("skipDefaultNodeGroup") {
		t.Error("the default node group uses launch configurations, which new accounts cannot create")
	}
	if !eks.Bool("createOidcProvider") {
		t.Error("no OIDC provider: IRSA (EBS CSI, filestore) would not work")
	}
	if !eks.Bool("useDefaultVpcCni") {
		t.Error("pulumi-eks would apply its own CNI manifest over the managed vpc-cni add-on")
	}
	if eks.String("encryptionConfigKeyArn") != key.Outputs["arn"].StringValue() {
		t.Errorf("secrets encryption key %q is not the component's KMS key", eks.String("encryptionConfigKeyArn"))
	}
	if !key.Bool("enableKeyRotation") {
		t.Error("KMS key rotation is off")
	}
	if got := eks.Strings("enabledClusterLogTypes"); !slices.Equal(got, []string{"api", "audit", "authenticator",
		"controllerManager", "scheduler"}) {
		t.Errorf("log types %v, want all five", got)
	}
	// The log group EKS writes to exists first, with a retention (EKS's own never expires).
	lg := m.MustFind(t, "aws:cloudwatch/logGroup:LogGroup", "eks-control-plane")
	if lg.String("name") != "/aws/eks/digit/cluster" || lg.Int("retentionInDays") != limits.ControlPlaneLogRetentionDays {
		t.Errorf("control plane log group %q kept %d days", lg.String("name"), lg.Int("retentionInDays"))
	}
	assertLogsKey(t, m.MustFind(t, "aws:kms/key:Key", "eks-control-plane-logs"), lg)
	if !slices.Contains(eks.DependsOn, lg.URN) {
		t.Error("the cluster does not wait for its log group: EKS would create its own, never expiring")
	}
	if !eks.Bool("endpointPublicAccess") || !eks.Bool("endpointPrivateAccess") {
		t.Error("default endpoint access must be public and private")
	}
	if got := eks.Strings("publicAccessCidrs"); !slices.Equal(got, []string{"203.0.113.0/24"}) {
		t.Errorf("public access CIDRs %v", got)
	}
	if eks.String("version") != limits.DefaultKubernetesVersion || eks.String("name") != "digit" {
		t.Errorf("version %q name %q", eks.String("version"), eks.String("name"))
	}
	if !slices.Equal(eks.Strings("privateSubnetIds"), privateIDs) {
		t.Errorf("private subnets %v", eks.Strings("privateSubnetIds"))
	}
	if eks.Bool("nodeAssociatePublicIpAddress") {
		t.Error("nodes get public IPs")
	}

	kc, secret := mocktest.AwaitString(t, c.Kubeconfig)
	if !secret || kc != awstest.Kubeconfig {
		t.Errorf("Kubeconfig secret=%v value=%q", secret, kc)
	}
	if got, _ := mocktest.AwaitString(t, c.ClusterName); got != "digit" {
		t.Errorf("ClusterName %q", got)
	}
	if got, _ := mocktest.AwaitString(t, c.OidcProviderArn); got != awstest.OidcProviderArn {
		t.Errorf("OidcProviderArn %q", got)
	}
	if got, _ := mocktest.AwaitString(t, c.OidcProviderUrl); got != awstest.OidcIssuerHost {
		t.Errorf("OidcProviderUrl %q", got)
	}
	// Managed nodes carry the EKS-created cluster security group; that is the group the database must allow.
	if got, _ := mocktest.AwaitString(t, c.NodeSecurityGroupId); got != awstest.EKSClusterSecurityGroupID {
		t.Errorf("NodeSecurityGroupId %q, want the EKS cluster security group", got)
	}
	if got, _ := mocktest.AwaitString(t, c.ClusterSecurityGroupId); got != awstest.ControlPlaneSecurityGroupID {
		t.Errorf("ClusterSecurityGroupId %q", got)
	}
	assertAllParented(t, m, "digit:aws:Cluster")
}

func TestClusterNodeGroup(t *testing.T) {
	m, _ := runCluster(t, clusterArgs())
	ng := only(t, m, "eks:index:ManagedNodeGroup")
	lt := only(t, m, "aws:ec2/launchTemplate:LaunchTemplate")

	if ng.String("amiType") != "AL2023_x86_64_STANDARD" {
		t.Errorf("AMI type %q", ng.String("amiType"))
	}
	if got := ng.Strings("instanceTypes"); !slices.Equal(got, []string{"m4.large"}) {
		t.Errorf("instance types %v", got)
	}
	if d, mn, mx := ng.Int("scalingConfig.desiredSize"), ng.Int("scalingConfig.minSize"),
		ng.Int("scalingConfig.maxSize"); d != 6 || mn != 6 || mx != 8 {
		t.Errorf("scaling %d/%d/%d, want desired 6 min 6 max 8", d, mn, mx)
	}
	if !slices.Equal(ng.Strings("subnetIds"), privateIDs) {
		t.Errorf("node subnets %v, want the private subnets of all zones", ng.Strings("subnetIds"))
	}
	if ng.Has("diskSize") {
		t.Error("diskSize conflicts with a launch template; AWS rejects the node group")
	}
	if ng.String("launchTemplate.id") != lt.ID || ng.String("launchTemplate.version") != "1" {
		t.Errorf("node group launch template %v, want %s version 1", ng.Get("launchTemplate"), lt.ID)
	}
	if lt.String("metadataOptions.httpTokens") != "required" {
		t.Error("IMDSv2 not required")
	}
	if lt.Int("metadataOptions.httpPutResponseHopLimit") != 1 {
		t.Errorf("hop limit %d, want 1 (pods must not reach IMDS)", lt.Int("metadataOptions.httpPutResponseHopLimit"))
	}
	if lt.String("blockDeviceMappings[0].deviceName") != "/dev/xvda" ||
		lt.Int("blockDeviceMappings[0].ebs.volumeSize") != 50 ||
		lt.String("blockDeviceMappings[0].ebs.encrypted") != "true" ||
		lt.String("blockDeviceMappings[0].ebs.volumeType") != "gp3" {
		t.Errorf("root volume %v, want 50 GiB encrypted gp3 on /dev/xvda", lt.Get("blockDeviceMappings"))
	}
	if lt.Has("imageId") || lt.Has("userData") {
		t.Error("the launch template must leave the AMI to the node group's amiType")
	}

	role := m.MustFind(t, "aws:iam/role:Role", "eks-node")
	if v := ng.Value("nodeRole"); !v.IsResourceReference() || string(v.ResourceReferenceValue().URN) != role.URN {
		t.Errorf("node group role %v, want %s", v, role.URN)
	}
	// In API mode pulumi-eks refuses instance roles; EKS gives the managed node group's role its access entry.
	if eks := only(t, m, "eks:index:Cluster"); eks.Has("instanceRoles") || eks.String("authenticationMode") != "API" {
		t.Errorf("authentication mode %q with instanceRoles %v, want API and none", eks.String("authenticationMode"),
			eks.Get("instanceRoles"))
	}
	var policies []string
	for _, a := range m.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.String("role") == role.Outputs["name"].StringValue() {
			policies = append(policies, a.String("policyArn"))
		}
	}
	slices.Sort(policies)
	if want := []string{"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}; !slices.Equal(policies, want) {
		t.Errorf("node role policies %v, want %v (the CNI's is on its IRSA role)", policies, want)
	}
	vpcCni := m.MustFind(t, "aws:eks/addon:Addon", "eks-vpc-cni")
	cniRole := m.MustFind(t, "aws:iam/role:Role", "eks-vpc-cni")
	if vpcCni.String("serviceAccountRoleArn") != cniRole.Outputs["arn"].StringValue() {
		t.Errorf("vpc-cni service account role %q, want the eks-vpc-cni role", vpcCni.String("serviceAccountRoleArn"))
	}
	if !strings.Contains(cniRole.String("assumeRolePolicy"), "system:serviceaccount:kube-system:aws-node") {
		t.Errorf("the CNI role trusts %s, want kube-system/aws-node only", cniRole.String("assumeRolePolicy"))
	}
	cniAttach := m.MustFind(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eks-vpc-cni")
	if cniAttach.String("policyArn") != "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" ||
		cniAttach.String("role") != cniRole.Outputs["name"].StringValue() {
		t.Errorf("CNI role attachment %s on %s", cniAttach.String("policyArn"), cniAttach.String("role"))
	}
	if !slices.Contains(ng.DependsOn, vpcCni.URN) {
		t.Error("the node group must wait for the vpc-cni configuration (max pods is fixed at boot)")
	}
}

// TestAddonVersionsFollowTheKubernetesMinor: every add-on names its build, EKS's default for the cluster's minor
// (not the most recent), so that moving the minor moves each add-on in the same update and nothing else does.
func TestAddonVersionsFollowTheKubernetesMinor(t *testing.T) {
	versions := func(k8s string) map[string]string {
		a := clusterArgs()
		a.KubernetesVersion = k8s
		m, _ := runCluster(t, a)
		out := map[string]string{}
		for _, ad := range m.ByType("aws:eks/addon:Addon") {
			out[ad.String("addonName")] = ad.String("addonVersion")
		}
		for _, c := range m.Calls("aws:eks/getAddonVersion:getAddonVersion") {
			if c.Args["kubernetesVersion"].StringValue() != k8s || !c.Args["mostRecent"].IsBool() || c.Args["mostRecent"].BoolValue() {
				t.Errorf("add-on version looked up with %v, want Kubernetes %s and mostRecent false", c.Args, k8s)
			}
		}
		return out
	}
	now, next := versions("1.33"), versions("1.34")
	if len(now) != 4 {
		t.Fatalf("%d add-ons, want 4: %v", len(now), now)
	}
	for addon, v := range now {
		if want := awstest.AddonVersion(addon, "1.33", false); v != want {
			t.Errorf("%s: version %q, want EKS's default for 1.33 (%q)", addon, v, want)
		}
		if next[addon] == v {
			t.Errorf("%s stays at %q when the cluster moves to 1.34", addon, v)
		}
	}
}

func TestClusterAddons(t *testing.T) {
	m, _ := runCluster(t, clusterArgs())
	addons := map[string]awstest.Resource{}
	for _, a := range m.ByType("aws:eks/addon:Addon") {
		addons[a.String("addonName")] = a
		if a.String("clusterName") != "digit" {
			t.Errorf("add-on %s targets cluster %q", a.Name, a.String("clusterName"))
		}
	}
	for _, n := range []string{"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"} {
		if _, ok := addons[n]; !ok {
			t.Errorf("missing add-on %s", n)
		}
	}
	var cfg struct {
		Env map[string]string `json:"env"`
	}
	if err := json.Unmarshal([]byte(addons["vpc-cni"].String("configurationValues")), &cfg); err != nil {
		t.Fatalf("vpc-cni configuration: %v", err)
	}
	if cfg.Env["ENABLE_PREFIX_DELEGATION"] != "true" || cfg.Env["WARM_PREFIX_TARGET"] != "1" {
		t.Errorf("vpc-cni env %v: prefix delegation off, 6 m4.large cannot hold the catalogue", cfg.Env)
	}

	csi := addons["aws-ebs-csi-driver"]
	role := m.MustFind(t, "aws:iam/role:Role", "eks-ebs-csi")
	if csi.String("serviceAccountRoleArn") != role.Outputs["arn"].StringValue() {
		t.Errorf("EBS CSI add-on role %q, want the IRSA role", csi.String("serviceAccountRoleArn"))
	}
	trust := role.JSON(t, "assumeRolePolicy").(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if trust["Principal"].(map[string]any)["Federated"] != awstest.OidcProviderArn ||
		trust["Action"] != "sts:AssumeRoleWithWebIdentity" {
		t.Errorf("EBS CSI trust %v", trust)
	}
	cond := trust["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	if cond[awstest.OidcIssuerHost+":sub"] != "system:serviceaccount:kube-system:ebs-csi-controller-sa" ||
		cond[awstest.OidcIssuerHost+":aud"] != "sts.amazonaws.com" {
		t.Errorf("EBS CSI trust condition %v: any service account could assume the role", cond)
	}
	found := false
	for _, a := range m.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.String("role") == role.Outputs["name"].StringValue() &&
			a.String("policyArn") == "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" {
			found = true
		}
	}
	if !found {
		t.Error("EBS CSI role lacks AmazonEBSCSIDriverPolicy")
	}
	rp := m.MustFind(t, "aws:iam/rolePolicy:RolePolicy", "eks-ebs-csi-kms")
	if rp.String("role") != role.ID {
		t.Errorf("EBS CSI KMS policy on role %q, want %s", rp.String("role"), role.ID)
	}
	// Without EbsKmsKeyArns the driver may use any key, but only through EC2, and grants only for AWS resources.
	stmts := rp.JSON(t, "policy").(map[string]any)["Statement"].([]any)
	if len(stmts) != 2 {
		t.Fatalf("EBS CSI KMS policy %v, want a grant and a use statement", stmts)
	}
	for i, raw := range stmts {
		st := raw.(map[string]any)
		if st["Effect"] != "Allow" || st["Resource"] != "*" {
			t.Errorf("statement %d: %v %v, want Allow on *", i, st["Effect"], st["Resource"])
		}
		cond, _ := st["Condition"].(map[string]any)
		via, _ := cond["StringLike"].(map[string]any)
		if via["kms:ViaService"] != "ec2.*.amazonaws.com" {
			t.Errorf("statement %d condition %v: any key usable outside EC2", i, cond)
		}
	}
	grant := stmts[0].(map[string]any)
	grantCond, _ := grant["Condition"].(map[string]any)
	grantBool, _ := grantCond["Bool"].(map[string]any)
	if !slices.Equal(toStrings(grant["Action"]), []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}) ||
		grantBool["kms:GrantIsForAWSResource"] != "true" {
		t.Errorf("grant statement %v", grant)
	}
	use := stmts[1].(map[string]any)
	if !slices.Contains(toStrings(use["Action"]), "kms:Decrypt") || !slices.Contains(toStrings(use["Action"]), "kms:GenerateDataKey*") {
		t.Errorf("use statement %v", use)
	}
	if useCond, _ := use["Condition"].(map[string]any); useCond["Bool"] != nil {
		t.Errorf("use statement carries the grant condition: %v", use["Condition"])
	}
	for _, a := range addons {
		if a.String("resolveConflictsOnCreate") != "OVERWRITE" || a.String("resolveConflictsOnUpdate") != "OVERWRITE" {
			t.Errorf("add-on %s does not adopt the self-managed copy", a.Name)
		}
	}
}

// TestClusterOrdering: the node group boots after the CNI configuration and the node role's policies; coredns and
// the CSI controller (Deployments) after the nodes; Ready is exactly what workloads must wait for.
func TestClusterOrdering(t *testing.T) {
	m, c := runCluster(t, clusterArgs())
	ng := only(t, m, "eks:index:ManagedNodeGroup")
	addon := func(n string) awstest.Resource { return m.MustFind(t, "aws:eks/addon:Addon", "eks-"+n) }
	ngDeps := []string{addon("vpc-cni").URN, addon("kube-proxy").URN}
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly",
		"AmazonSSMManagedInstanceCore"} {
		ngDeps = append(ngDeps, m.MustFind(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eks-node-"+p).URN)
	}
	for _, c := range []struct {
		r    awstest.Resource
		deps []string
	}{
		{ng, ngDeps},
		{addon("coredns"), []string{ng.URN}},
		{addon("aws-ebs-csi-driver"), []string{ng.URN, m.MustFind(t, "aws:iam/role:Role", "eks-ebs-csi").URN}},
	} {
		for _, d := range c.deps {
			if !slices.Contains(c.r.DependsOn, d) {
				t.Errorf("%s does not wait for %s", c.r.Name, d)
			}
		}
	}
	for _, n := range []string{"vpc-cni", "kube-proxy"} {
		if slices.Contains(addon(n).DependsOn, ng.URN) {
			t.Errorf("add-on %s waits for the node group, which waits for it", n)
		}
	}
	var ready []string
	for _, r := range c.Ready {
		urn, _ := mocktest.AwaitString(t, r.URN().ToStringOutput())
		ready = append(ready, urn)
	}
	wantReady := []string{ng.URN, addon("vpc-cni").URN, addon("kube-proxy").URN, addon("coredns").URN,
		addon("aws-ebs-csi-driver").URN}
	slices.Sort(ready)
	slices.Sort(wantReady)
	if !slices.Equal(ready, wantReady) {
		t.Errorf("Ready %v, want the node group and the 4 add-ons %v", ready, wantReady)
	}
	eks := only(t, m, "eks:index:Cluster")
	if v := ng.Value("cluster"); !v.IsResourceReference() || string(v.ResourceReferenceValue().URN) != eks.URN {
		t.Errorf("node group cluster %v, want %s", v, eks.URN)
	}
}

func TestClusterOptionsFollowArgs(t *testing.T) {
	args := clusterArgs()
	args.PrefixDelegation = ptr(false)
	args.EndpointPublicAccess = ptr(false)
	args.PublicAccessCidrs = nil
	args.InstanceType = "m5.xlarge"
	args.DesiredSize, args.MinSize, args.MaxSize = 3, 2, 5
	args.DiskSizeGB = 80
	args.EnabledLogTypes = []string{}
	m, _ := runCluster(t, args)
	if v := m.MustFind(t, "aws:eks/addon:Addon", "eks-vpc-cni"); v.String("configurationValues") != `{"enableNetworkPolicy":"true"}` {
		t.Errorf("prefix delegation off: vpc-cni configured %s, want only the network policy agent", v.String("configurationValues"))
	}
	eks := only(t, m, "eks:index:Cluster")
	if eks.Bool("endpointPublicAccess") || eks.Has("publicAccessCidrs") {
		t.Error("endpoint still public")
	}
	if len(eks.Strings("enabledClusterLogTypes")) != 0 {
		t.Errorf("log types %v, want none", eks.Strings("enabledClusterLogTypes"))
	}
	ng := only(t, m, "eks:index:ManagedNodeGroup")
	if ng.Strings("instanceTypes")[0] != "m5.xlarge" || ng.Int("scalingConfig.desiredSize") != 3 ||
		ng.Int("scalingConfig.minSize") != 2 || ng.Int("scalingConfig.maxSize") != 5 {
		t.Errorf("node group %v %v", ng.Strings("instanceTypes"), ng.Get("scalingConfig"))
	}
	if got := only(t, m, "aws:ec2/launchTemplate:LaunchTemplate").Int("blockDeviceMappings[0].ebs.volumeSize"); got != 80 {
		t.Errorf("disk %d GiB, want 80", got)
	}
}

func TestClusterEbsKmsKeysRestrictPolicy(t *testing.T) {
	args := clusterArgs()
	args.EbsKmsKeyArns = pulumi.ToStringArray([]string{"arn:aws:kms:ap-south-1:123456789012:key/abc"})
	m, _ := runCluster(t, args)
	doc := m.MustFind(t, "aws:iam/rolePolicy:RolePolicy", "eks-ebs-csi-kms").JSON(t, "policy").(map[string]any)
	for _, s := range doc["Statement"].([]any) {
		res := s.(map[string]any)["Resource"]
		if list, ok := res.([]any); !ok || len(list) != 1 || list[0] != "arn:aws:kms:ap-south-1:123456789012:key/abc" {
			t.Errorf("statement resource %v, want only the given key", res)
		}
	}
}

func TestClusterArgErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*ClusterArgs)
	}{
		{"Name", func(a *ClusterArgs) { a.Name = "-bad" }},
		{"VpcId", func(a *ClusterArgs) { a.VpcId = nil }},
		{"PrivateSubnetIds", func(a *ClusterArgs) { a.PrivateSubnetIds = nil }},
		{"KubernetesVersion", func(a *ClusterArgs) { a.KubernetesVersion = "v1.31" }},
		{"InstanceType", func(a *ClusterArgs) { a.InstanceType = "large" }},
		{"DesiredSize", func(a *ClusterArgs) { a.DesiredSize = -1 }},
		{"MinSize", func(a *ClusterArgs) { a.MinSize = 7 }},
		{"MaxSize", func(a *ClusterArgs) { a.MaxSize = 5 }},
		{"DiskSizeGB", func(a *ClusterArgs) { a.DiskSizeGB = 10 }},
		{"PublicAccessCidrs", func(a *ClusterArgs) { a.PublicAccessCidrs = nil }},
		{"PublicAccessCidrs", func(a *ClusterArgs) { a.PublicAccessCidrs = []string{"203.0.113.5/24"} }},
		{"PublicAccessCidrs", func(a *ClusterArgs) { a.PublicAccessCidrs = []string{"2001:db8::/32"} }},
		{"EndpointPublicAccess", func(a *ClusterArgs) {
			a.EndpointPublicAccess, a.EndpointPrivateAccess = ptr(false), ptr(false)
		}},
		{"EnabledLogTypes", func(a *ClusterArgs) { a.EnabledLogTypes = []string{"kubelet"} }},
		{"AuthenticationMode", func(a *ClusterArgs) { a.AuthenticationMode = "CONFIG_MAP" }},
		{"Admins", func(a *ClusterArgs) { a.Admins = []string{"arn:aws:sts::123456789012:assumed-role/admins/alice"} }},
		{"Admins", func(a *ClusterArgs) {
			a.Admins = []string{"arn:aws:iam::123456789012:role/admins", "arn:aws:iam::123456789012:role/admins"}
		}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			args := clusterArgs()
			tc.edit(&args)
			expectArgError(t, tc.field, func(ctx *pulumi.Context) error {
				_, err := NewCluster(ctx, "eks", args)
				return err
			})
		})
	}
}

// TestClusterAccessEntries: the admins get an access entry each with the cluster-admin access policy on the whole
// cluster; in the migrating mode the node role stays in the aws-auth ConfigMap (instanceRoles), or the nodes of a
// cluster made with the ConfigMap would lose their access.
func TestClusterAccessEntries(t *testing.T) {
	args := clusterArgs()
	admins := []string{"arn:aws:iam::123456789012:role/platform/digit-admins", "arn:aws:iam::210987654321:user/ci"}
	args.Admins = admins
	m, _ := runCluster(t, args)
	eks := only(t, m, "eks:index:Cluster")
	keys := map[string]string{}
	for key := range eks.Get("accessEntries").(map[string]any) {
		e := "accessEntries." + key
		keys[eks.String(e+".principalArn")] = key
		if eks.String(e+".accessPolicies.cluster-admin.policyArn") != limits.ClusterAdminPolicyArn ||
			eks.String(e+".accessPolicies.cluster-admin.accessScope.type") != "cluster" {
			t.Errorf("access entry %s: %v", key, eks.Get(e))
		}
	}
	if len(keys) != len(admins) || keys[admins[0]] == "" || keys[admins[1]] == "" {
		t.Errorf("access entries %v, want one for each of %v", keys, admins)
	}
	// Reordered admins keep their entries (a new key would replace the entry, dropping access meanwhile).
	args.Admins = []string{admins[1], admins[0]}
	m, _ = runCluster(t, args)
	for arn, key := range keys {
		if got := only(t, m, "eks:index:Cluster").String("accessEntries." + key + ".principalArn"); got != arn {
			t.Errorf("after reordering, entry %s is for %q, want %q", key, got, arn)
		}
	}

	args = clusterArgs()
	args.AuthenticationMode = limits.AuthenticationModeMigrating
	m, _ = runCluster(t, args)
	eks = only(t, m, "eks:index:Cluster")
	role := m.MustFind(t, "aws:iam/role:Role", "eks-node")
	if v := eks.Value("instanceRoles[0]"); eks.String("authenticationMode") != limits.AuthenticationModeMigrating ||
		!v.IsResourceReference() || string(v.ResourceReferenceValue().URN) != role.URN {
		t.Errorf("mode %q, instanceRoles %v: the node role must stay in aws-auth", eks.String("authenticationMode"), v)
	}
}
