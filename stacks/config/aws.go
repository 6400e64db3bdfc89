package config

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/components/aws/limits"
	"github.com/digit-iac/digit/components/netplan"
)

// The AWS target's config: its keys, defaults and validation (the cloud layer is infra/aws).
func init() {
	Register(Cloud{
		Target: TargetAWS,
		Keys: []string{"region", "vpcCidr", "natMode", "vpcEndpoints", "nodeGroup", "kubernetesVersion",
			"endpointAccess", "clusterAccess", "bastion"},
		DefaultParallel:            32,
		DefaultCheckpointEveryStep: true,
		// The EKS AMI sets vm.max_map_count high enough for Elasticsearch.
		NodesRaiseMaxMapCount: true,
		Load: func(l *Reader, c *Config) Section {
			l.loadAWS(c)
			return c.AWS
		},
	})
}

// NodeShape implements Section: the managed node group.
func (a AWS) NodeShape() (catalogue.NodeShape, bool) {
	ng := a.NodeGroup
	return catalogue.NodeShape{
		InstanceType: ng.InstanceType, Nodes: ng.Desired, PrefixDelegation: ng.PrefixDelegationEnabled(),
	}, true
}

// MaxConnections implements Section: RDS for PostgreSQL's default max_connections of the instance class.
func (a AWS) MaxConnections(db Database) (int, string, bool) {
	gib, ok := rdsMemoryGiB(db.InstanceClass)
	if !ok {
		return 0, "", false
	}
	// LEAST(DBInstanceClassMemory/9531392, 5000), where the memory the formula sees is about 90% of the class's
	// (RDS keeps the rest).
	return min(int(float64(gib)*(1<<30)*0.9/9531392), 5000), "RDS " + db.InstanceClass, true
}

// ProvidedSecrets implements Section: the filestore bucket's key pair comes from the cloud layer.
func (a AWS) ProvidedSecrets() map[string]bool {
	if a.Filestore.IsEnabled() {
		return map[string]bool{catalogue.ProviderFilestoreAccessKey: true, catalogue.ProviderFilestoreSecretKey: true}
	}
	return map[string]bool{}
}

// rdsMemoryGiB is the memory of an RDS instance class (db.<family>.<size>), for the families this project sizes.
func rdsMemoryGiB(class string) (int, bool) {
	parts := strings.Split(class, ".")
	if len(parts) != 3 {
		return 0, false
	}
	sizes := map[string]int{"large": 8, "xlarge": 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128, "12xlarge": 192,
		"16xlarge": 256, "24xlarge": 384}
	switch family := parts[1]; {
	case family == "t3" || family == "t4g":
		sizes = map[string]int{"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
	case strings.HasPrefix(family, "m5") || strings.HasPrefix(family, "m6") || strings.HasPrefix(family, "m7"):
	case strings.HasPrefix(family, "r5") || strings.HasPrefix(family, "r6") || strings.HasPrefix(family, "r7"):
		for k, v := range sizes {
			sizes[k] = 2 * v
		}
	default:
		return 0, false
	}
	gib, ok := sizes[parts[2]]
	return gib, ok
}

func (l *loader) loadAWS(c *Config) {
	a := &c.AWS
	a.Region = l.str("region", DefaultRegion)
	if !regionRe.MatchString(a.Region) {
		l.fail("region", "%q is not an AWS region (e.g. ap-south-1)", a.Region)
	}
	a.Zones = l.Zones()
	if len(a.Zones) == 0 {
		a.Zones = []string{a.Region + "a", a.Region + "b", a.Region + "c"}
	}
	for _, z := range a.Zones {
		suffix, inRegion := strings.CutPrefix(z, a.Region)
		if !inRegion || len(suffix) != 1 || suffix[0] < 'a' || suffix[0] > 'z' {
			l.fail("zones", "zone %q is not in region %s (zones look like %sa)", z, a.Region, a.Region)
		}
	}
	if len(a.Zones) > netplan.MaxZones {
		l.fail("zones", "%d zones given; at most %d are supported", len(a.Zones), netplan.MaxZones)
	}

	a.VpcCidr = l.str("vpcCidr", DefaultVpcCidr)
	if p, err := netip.ParsePrefix(a.VpcCidr); err != nil {
		l.fail("vpcCidr", "%q is not a CIDR (e.g. %s)", a.VpcCidr, DefaultVpcCidr)
	} else if _, err := netplan.Compute(p, max(1, min(len(a.Zones), netplan.MaxZones))); err != nil {
		l.fail("vpcCidr", "%v", err)
	}

	a.VpcEndpoints = l.boolean("vpcEndpoints", false)
	a.NatMode = NatMode(l.str("natMode", string(NatSingle)))
	if a.NatMode != NatSingle && a.NatMode != NatPerZone {
		l.fail("natMode", "%q is not a NAT mode; one of single, perZone", a.NatMode)
	}

	a.NodeGroup = NodeGroup{InstanceType: DefaultInstanceType, Desired: DefaultDesiredNodes, DiskSizeGB: DefaultDiskSizeGB}
	l.object("nodeGroup", &a.NodeGroup)
	ng := &a.NodeGroup
	if ng.Min == 0 {
		ng.Min = ng.Desired
	}
	if ng.Max == 0 {
		ng.Max = ng.Desired + 2
	}
	if !instanceTypeRe.MatchString(ng.InstanceType) {
		l.fail("nodeGroup", "instanceType %q is not an EC2 instance type (e.g. m4.large)", ng.InstanceType)
	}
	if ng.Min < 1 || ng.Desired < 1 || ng.Max < 1 {
		l.fail("nodeGroup", "min, desired and max must be at least 1 (got %d, %d, %d)", ng.Min, ng.Desired, ng.Max)
	} else if !(ng.Min <= ng.Desired && ng.Desired <= ng.Max) {
		l.fail("nodeGroup", "need min <= desired <= max, got min %d, desired %d, max %d", ng.Min, ng.Desired, ng.Max)
	}
	if ng.Max > 450 {
		l.fail("nodeGroup", "max %d exceeds the 450 nodes of an EKS managed node group", ng.Max)
	}
	if ng.DiskSizeGB < 20 || ng.DiskSizeGB > 16384 {
		l.fail("nodeGroup", "diskSizeGb %d must be between 20 and 16384 (AL2023 needs 20 GB)", ng.DiskSizeGB)
	}

	a.KubernetesVersion = l.str("kubernetesVersion", DefaultKubernetesVersion)
	if m := k8sVersionRe.FindStringSubmatch(a.KubernetesVersion); m == nil ||
		atoi(m[1]) < limits.MinKubernetesMinor || atoi(m[1]) > limits.MaxKubernetesMinor {
		l.fail("kubernetesVersion", "%q is not a supported EKS version (1.%d to 1.%d, as %q; EKS upgrades one minor "+
			"at a time)", a.KubernetesVersion, limits.MinKubernetesMinor, limits.MaxKubernetesMinor,
			limits.DefaultKubernetesVersion)
	}

	l.object("endpointAccess", &a.EndpointAccess)
	ea := a.EndpointAccess
	if !ea.PublicEnabled() && !ea.PrivateEnabled() {
		l.fail("endpointAccess", "public and private are both off: nobody could reach the Kubernetes API")
	}
	for _, cidr := range ea.PublicCidrs {
		if _, err := netip.ParsePrefix(cidr); err != nil {
			l.fail("endpointAccess", "publicCidrs entry %q is not a CIDR", cidr)
		}
	}
	if len(ea.PublicCidrs) > 0 && !ea.PublicEnabled() {
		l.fail("endpointAccess", "publicCidrs given while public is false")
	}
	if ea.PublicEnabled() && len(ea.PublicCidrs) == 0 {
		l.fail("endpointAccess", "public is on (the default) but publicCidrs is empty: list who may reach the Kubernetes "+
			"API (0.0.0.0/0 for anyone), or set public: false")
	}

	a.ClusterAccess = ClusterAccess{Mode: limits.DefaultAuthenticationMode}
	l.object("clusterAccess", &a.ClusterAccess)
	if m := a.ClusterAccess.Mode; m != limits.AuthenticationModeAPI && m != limits.AuthenticationModeMigrating {
		l.fail("clusterAccess", "mode %q is not %s (access entries only) or %s (access entries and the aws-auth "+
			"ConfigMap: the step a cluster made with the ConfigMap takes before %s)", m, limits.AuthenticationModeAPI,
			limits.AuthenticationModeMigrating, limits.AuthenticationModeAPI)
	}
	for i, arn := range a.ClusterAccess.Admins {
		if !limits.PrincipalArnPattern.MatchString(arn) {
			l.fail("clusterAccess", "admins entry %q is not the ARN of an IAM role or user (arn:aws:iam::<account>:role/<name>)",
				arn)
		} else if slices.Contains(a.ClusterAccess.Admins[:i], arn) {
			l.fail("clusterAccess", "admins lists %q twice (EKS takes one access entry per principal)", arn)
		}
	}

	for _, r := range c.Registry.Repositories {
		if len(r) < 2 || len(r) > 256 || !ecrRepoRe.MatchString(r) {
			l.fail("registry", "repository %q is not a valid ECR repository name (lowercase, digits, . _ - /)", r)
		}
	}
	if c.Registry.URL != "" {
		l.fail("registry", "url is only for target existing; on aws the stack's ECR registry is used")
	}
	if c.Registry.Mirror && len(c.Registry.Repositories) == 0 {
		l.fail("registry", "mirror is true but no repositories are created to mirror into")
	}

	l.checkAWSTags(c.Tags)

	l.object("filestore", &a.Filestore)
	a.Bastion = Bastion{InstanceType: DefaultBastionType}
	l.object("bastion", &a.Bastion)
	if !instanceTypeRe.MatchString(a.Bastion.InstanceType) {
		l.fail("bastion", "instanceType %q is not an EC2 instance type", a.Bastion.InstanceType)
	}

	db := &c.Database
	if db.InstanceClass == "" {
		db.InstanceClass = DefaultDBInstanceClass
	}
	if p := db.Password.Reveal(); p != "" {
		if strings.ContainsAny(p, limits.DBPasswordForbidden) ||
			strings.ContainsFunc(p, func(r rune) bool { return r > 0x7e }) {
			l.fail("dbPassword", "must be printable ASCII without %s (RDS refuses them)",
				strings.Join(strings.Split(limits.DBPasswordForbidden, ""), " "))
		}
	}
	if db.Host != "" || db.Port != 0 {
		l.fail("database", "host, port and maxConnections are only for target existing; on aws the program creates the database")
	}
	if !dbClassRe.MatchString(db.InstanceClass) {
		l.fail("database", "instanceClass %q is not an RDS class (e.g. db.t3.medium)", db.InstanceClass)
	}
	if db.StorageGB < 20 || db.StorageGB > 65536 {
		l.fail("database", "storageGb %d must be between 20 and 65536", db.StorageGB)
	}
	if db.MaxStorageGB < db.StorageGB {
		l.fail("database", "maxStorageGb %d is below storageGb %d", db.MaxStorageGB, db.StorageGB)
	}
	for _, v := range c.Volumes.All() {
		if v.Type == "" {
			v.Type = DefaultVolumeType
		}
	}
	for role, v := range c.Volumes.Roles() {
		minGB, ok := limits.VolumeTypeMinGB[v.Type]
		if !ok {
			l.fail("volumes", "%s.type %q is not one of the EBS volume types %s", jsonRole(role), v.Type,
				strings.Join(limits.VolumeTypes(), ", "))
		} else if v.SizeGB < minGB {
			l.fail("volumes", "%s.sizeGb %d: a %s volume is at least %d GB", jsonRole(role), v.SizeGB, v.Type, minGB)
		}
	}
	// The stack's name goes into its AWS resources' names; the filestore bucket's is the tightest.
	if !awsStackNameRe.MatchString(c.Stack) || len(limits.FilestoreBucketPrefix(c.Stack)) > limits.MaxBucketPrefixLength {
		l.fail("target", "stack name %q cannot name AWS resources (the filestore bucket %s-...): lowercase letters, digits "+
			"and '-', at most %d characters", c.Stack, limits.FilestoreBucketPrefix(c.Stack),
			limits.MaxBucketPrefixLength-len(limits.FilestoreBucketPrefix("")))
	}
}

// checkAWSTags refuses digit:tags AWS would refuse on some resource after others were made, and the keys the
// program sets itself with a meaning (a stack's Name or digit-qa would rename resources or move them into a QA
// stack's clean-up).
func (l *loader) checkAWSTags(tags map[string]string) {
	if len(tags) > limits.MaxStackTags {
		l.fail("tags", "%d tags given; at most %d (AWS takes %d per resource and the program sets up to %d of its own)",
			len(tags), limits.MaxStackTags, limits.MaxTagsPerResource, limits.OwnTagsPerResource)
	}
	reserved := []string{"Name", limits.SnapshotTag, QATagKey}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		switch {
		case k == "" || utf8.RuneCountInString(k) > limits.MaxTagKeyLength:
			l.fail("tags", "key %q must be 1 to %d characters", shorten(k), limits.MaxTagKeyLength)
		case !limits.TagPattern.MatchString(k):
			l.fail("tags", "key %q may hold only letters, digits, spaces and _ . : / = + - @", shorten(k))
		case slices.Contains(reserved, k):
			l.fail("tags", "key %q is set by the program itself", k)
		case slices.ContainsFunc(limits.ReservedTagPrefixes, func(p string) bool {
			return strings.HasPrefix(strings.ToLower(k), p)
		}):
			l.fail("tags", "key %q: the prefixes %s are reserved", k, strings.Join(limits.ReservedTagPrefixes, " and "))
		}
		switch {
		case utf8.RuneCountInString(v) > limits.MaxTagValueLength:
			l.fail("tags", "value of %q is %d characters; at most %d", shorten(k), utf8.RuneCountInString(v),
				limits.MaxTagValueLength)
		case !limits.TagPattern.MatchString(v):
			l.fail("tags", "value of %q may hold only letters, digits, spaces and _ . : / = + - @", shorten(k))
		}
	}
}
