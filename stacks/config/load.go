package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // digit:timezone is checked against the zone database of the Go release, not the machine's
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/components/aws/limits"
	"github.com/digit-iac/digit/components/netplan"
	"github.com/digit-iac/digit/internal/suggest"
	"github.com/digit-iac/digit/qa"
)

// Defaults, documented in the README's config table.
const (
	DefaultRegion            = "ap-south-1"
	DefaultVpcCidr           = "192.168.0.0/16"
	DefaultInstanceType      = "m4.large"
	DefaultDesiredNodes      = 6
	DefaultDiskSizeGB        = 50
	DefaultKubernetesVersion = limits.DefaultKubernetesVersion
	// DefaultProtect, and deletion protection and a final snapshot of the database, are on unless a stack turns
	// them off (dev and QA stacks do): forgetting a key must not make data deletable.
	DefaultProtect         = true
	DefaultDBEngineVersion = "15"
	DefaultDBInstanceClass = "db.t3.medium"
	DefaultDBStorageGB     = 20
	DefaultDBMaxStorageGB  = 100
	DefaultBackupDays      = 7
	DefaultDBName          = "egov"
	DefaultDBUser          = "egov"
	DefaultDBPort          = 5432
	DefaultVolumeType      = "gp3"
	DefaultBastionType     = "t2.micro"
	DefaultStorageClass    = "standard"
	DefaultTenantID        = "pb"
	DefaultTimezone        = "Asia/Kolkata"
)

// DefaultVolumes is the backbone sizing of the embedded catalogue (one disk per replica): the catalogue is the one
// place DIGIT's published sizing lives, and digit:volumes overrides it per stack.
func DefaultVolumes() Volumes {
	c, err := catalogue.Default()
	if err != nil {
		// The embedded catalogue is validated by its own tests; Load reports this error properly.
		return Volumes{}
	}
	bb := c.Backbone
	vol := func(w catalogue.Workload) Volume {
		q := resource.MustParse(w.VolumeSize)
		return Volume{Replicas: w.Replicas, SizeGB: int((q.Value() + (1<<30 - 1)) >> 30), Type: DefaultVolumeType}
	}
	return Volumes{
		Kafka:               vol(bb.Kafka.Workload),
		ElasticsearchData:   vol(bb.ElasticsearchData),
		ElasticsearchMaster: vol(bb.ElasticsearchMaster),
		Zookeeper:           vol(bb.Zookeeper),
	}
}

// keys lists every key under digit: and which targets read it (nil = all).
var keys = map[string][]Target{
	"target":              nil,
	"region":              {TargetAWS},
	"zones":               nil,
	"vpcCidr":             {TargetAWS},
	"natMode":             {TargetAWS},
	"vpcEndpoints":        {TargetAWS},
	"nodeGroup":           {TargetAWS},
	"kubernetesVersion":   {TargetAWS},
	"endpointAccess":      {TargetAWS},
	"registry":            nil,
	"filestore":           nil,
	"bastion":             {TargetAWS},
	"database":            nil,
	"dbPassword":          nil,
	"volumes":             nil,
	"tags":                nil,
	"protect":             nil,
	"parallel":            nil,
	"checkpointEveryStep": nil,
	"kubeconfig":          {TargetExisting},
	"storageClass":        {TargetExisting},
	"nodes":               {TargetExisting},
	"domain":              nil,
	"tlsEmail":            nil,
	"tenantId":            nil,
	"timezone":            nil,
	"renderDir":           nil,
	"catalogue":           nil,
	"secrets":             nil,
	"elasticsearchSysctl": nil,
	"qa":                  nil,
}

// KnownKeys returns the keys under digit:, sorted (for docs and tests).
func KnownKeys() []string {
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// loader accumulates every problem so a user fixes their config in one pass, not one error per run.
type loader struct {
	src  Source
	errs []string
}

func (l *loader) fail(key, format string, args ...any) {
	l.errs = append(l.errs, fmt.Sprintf("%s:%s: %s", Namespace, key, fmt.Sprintf(format, args...)))
}

// failWith adds each line of err as a problem of key; lines that already name the key (the catalogue's errors
// give their path under digit:catalogue) are kept as they are.
func (l *loader) failWith(key string, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, Namespace+":"+key) {
			l.errs = append(l.errs, line)
		} else {
			l.fail(key, "%s", line)
		}
	}
}

func (l *loader) raw(key string) (string, bool) { return l.src.Get(Namespace + ":" + key) }

func (l *loader) str(key, def string) string {
	if v, ok := l.raw(key); ok {
		return strings.TrimSpace(v)
	}
	return def
}

func (l *loader) boolean(key string, def bool) bool {
	v, ok := l.raw(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		l.fail(key, "%q is not a boolean (true or false)", v)
		return def
	}
	return b
}

// object decodes a structured key strictly: an unknown field is a typo the user wants to hear about.
func (l *loader) object(key string, into any) {
	v, ok := l.raw(key)
	if !ok {
		return
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		l.fail(key, "%s", describeJSONError(err))
	}
}

func describeJSONError(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("field %q: expected %s, got %s", ute.Field, ute.Type, ute.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Sprintf("unknown field %s", f)
	}
	return msg
}

// intRange reads a whole number within [min, max].
func (l *loader) intRange(key string, def, min, max int) int {
	v, ok := l.raw(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		l.fail(key, "%q is not a whole number", v)
		return def
	}
	if n < min || n > max {
		l.fail(key, "%d is out of range (%d to %d)", n, min, max)
		return def
	}
	return n
}

func (l *loader) list(key string) []string {
	v, ok := l.raw(key)
	if !ok {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		l.fail(key, "must be a list of strings")
	}
	return out
}

func (l *loader) secret(key string) Secret {
	v, ok := l.raw(key)
	if !ok || v == "" {
		return Secret{}
	}
	if !l.src.IsSecret(Namespace + ":" + key) {
		l.fail(key, "is stored in plaintext; set it with `pulumi config set --secret %s:%s <value>`", Namespace, key)
		return Secret{}
	}
	return NewSecret(v)
}

// Load reads and validates the whole stack config. The returned error lists every problem found, each naming its
// key; nothing is registered before Load succeeds.
func Load(src Source, project, stack string) (*Config, error) {
	l := &loader{src: src}
	c := &Config{Project: project, Stack: stack}

	c.Target = Target(l.str("target", ""))
	switch c.Target {
	case TargetAWS, TargetExisting:
	case "":
		l.fail("target", "is required; one of %s", targetList())
	case "azure":
		l.fail("target", "azure is not implemented yet; one of %s", targetList())
	default:
		l.fail("target", "unknown target %q; one of %s", c.Target, targetList())
	}
	l.checkKeys(c.Target)

	c.Tags = map[string]string{}
	l.object("tags", &c.Tags)
	c.Protect = l.boolean("protect", DefaultProtect)
	c.Parallel = l.intRange("parallel", DefaultParallel[c.Target], 1, MaxParallel)
	c.CheckpointEveryStep = l.boolean("checkpointEveryStep", DefaultCheckpointEveryStep[c.Target])
	l.loadDatabase(c)
	l.loadVolumes(c)
	l.object("registry", &c.Registry)

	switch c.Target {
	case TargetAWS:
		l.loadAWS(c)
	case TargetExisting:
		l.loadExisting(c)
	}
	l.loadServices(c)
	l.loadQA(c)
	l.loadSecrets(c, ProvidedSecrets(c))

	if len(l.errs) > 0 {
		sort.Strings(l.errs)
		return nil, fmt.Errorf("invalid stack config (%d problems):\n  %s", len(l.errs), strings.Join(l.errs, "\n  "))
	}
	return c, nil
}

func targetList() string {
	s := make([]string, len(Targets))
	for i, t := range Targets {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func (l *loader) checkKeys(target Target) {
	for _, full := range l.src.Keys() {
		ns, key, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		targets, known := keys[key]
		if !known {
			hint := ""
			if s := suggest.Closest(key, KnownKeys()); s != "" {
				hint = fmt.Sprintf(" (did you mean %s:%s?)", Namespace, s)
			}
			l.fail(key, "unknown key%s", hint)
			continue
		}
		if targets != nil && target != "" && !containsTarget(targets, target) {
			l.fail(key, "is not read by target %q (only by %v)", target, targets)
		}
	}
}

func containsTarget(ts []Target, t Target) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

var (
	regionRe       = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
	instanceTypeRe = regexp.MustCompile(`^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge)$`)
	dbClassRe      = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\d[a-z0-9-]*\.(micro|small|medium|large|\d*xlarge)$`)
	k8sVersionRe   = regexp.MustCompile(`^1\.(\d{2})$`)
	pgVersionRe    = regexp.MustCompile(`^(1[3-7])(\.\d+)?$`)
	dbIdentifierRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	ecrRepoRe      = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	storageClassRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
	awsStackNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	domainRe       = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$`)
)

func (l *loader) loadAWS(c *Config) {
	a := &c.AWS
	a.Region = l.str("region", DefaultRegion)
	if !regionRe.MatchString(a.Region) {
		l.fail("region", "%q is not an AWS region (e.g. ap-south-1)", a.Region)
	}
	// Sorted: subnets, their CIDRs and the backbone's disks are assigned to zones by position, so the order the
	// stack file lists them in must not matter (reordering it would otherwise replace subnets and disks).
	a.Zones = slices.Sorted(slices.Values(l.list("zones")))
	if len(a.Zones) == 0 {
		a.Zones = []string{a.Region + "a", a.Region + "b", a.Region + "c"}
	}
	seen := map[string]bool{}
	for _, z := range a.Zones {
		if seen[z] {
			l.fail("zones", "zone %q is listed twice", z)
		}
		seen[z] = true
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

// shorten keeps an oversized input readable in an error: its first 40 characters and its length.
func shorten(s string) string {
	if n := utf8.RuneCountInString(s); n > 40 {
		return fmt.Sprintf("%s... (%d characters)", string([]rune(s)[:40]), n)
	}
	return s
}

func (l *loader) loadExisting(c *Config) {
	e := &c.Existing
	e.Kubeconfig = l.secret("kubeconfig")
	if e.Kubeconfig.IsSet() {
		if api, err := ParseKubeconfig(e.Kubeconfig.Reveal()); err != nil {
			l.fail("kubeconfig", "%v", err)
		} else {
			e.APIServer = &api
		}
	}
	e.StorageClass = l.str("storageClass", DefaultStorageClass)
	if !storageClassRe.MatchString(e.StorageClass) {
		l.fail("storageClass", "%q is not a valid StorageClass name", e.StorageClass)
	}
	e.Zones = slices.Sorted(slices.Values(l.list("zones"))) // as on aws: the order listed must not move a disk
	seen := map[string]bool{}
	for _, z := range e.Zones {
		if seen[z] {
			l.fail("zones", "zone %q is listed twice", z)
		}
		seen[z] = true
	}
	l.object("nodes", &e.Nodes)
	if _, ok := l.raw("nodes"); ok {
		n := e.Nodes
		if n.Count < 1 {
			l.fail("nodes", "count must be at least 1")
		}
		custom := n.CPU != "" || n.Memory != "" || n.Pods != 0
		switch {
		case n.InstanceType != "" && custom:
			l.fail("nodes", "give either instanceType or cpu/memory/pods, not both")
		case custom:
			if q, err := resource.ParseQuantity(n.CPU); err != nil || q.Sign() <= 0 {
				l.fail("nodes", "cpu %q is not a positive quantity (e.g. \"8\" or \"7500m\")", n.CPU)
			}
			if q, err := resource.ParseQuantity(n.Memory); err != nil || q.Sign() <= 0 {
				l.fail("nodes", "memory %q is not a positive quantity (e.g. 32Gi)", n.Memory)
			}
			if n.Pods < 1 {
				l.fail("nodes", "pods must be at least 1")
			}
		case n.InstanceType == "":
			l.fail("nodes", "give instanceType, or cpu, memory and pods")
		}
	}
	if len(c.Registry.Repositories) > 0 {
		l.fail("registry", "repositories cannot be created on target existing; give url and mirror")
	}
	if c.Registry.Mirror && c.Registry.URL == "" {
		l.fail("registry", "mirror is true but no url is given")
	}
	db := &c.Database
	if db.Host == "" {
		l.fail("database", "host is required on target existing (the external Postgres)")
	} else if ip, err := netip.ParseAddr(db.Host); !(err == nil && ip.Is4()) && len(validation.IsDNS1123Subdomain(db.Host)) > 0 {
		// It goes unbracketed into the JDBC URL jdbc:postgresql://<host>:<port>/<name> every service and
		// migration reads, and bare into egov-config's db-host.
		l.fail("database", "host %q is neither a DNS name (lower case) nor an IPv4 address", shorten(db.Host))
	}
	if db.Port == 0 {
		db.Port = DefaultDBPort
	}
	if db.MaxConnections != 0 && (db.MaxConnections < 10 || db.MaxConnections > 100000) {
		l.fail("database", "maxConnections %d is out of range (allowed: 10..100000)", db.MaxConnections)
	}
	if db.Port < 1 || db.Port > 65535 {
		l.fail("database", "port %d is not a TCP port", db.Port)
	}
	if !db.Password.IsSet() {
		l.fail("dbPassword", "is required on target existing; set it with `pulumi config set --secret %s:dbPassword <value>`", Namespace)
	}
	l.object("filestore", &e.ObjectStorage)
	if os := e.ObjectStorage; os != (ObjectStorage{}) {
		if !bucketNameRe.MatchString(os.Bucket) {
			l.fail("filestore", "bucket %q is not an S3 bucket name (3-63 lower-case letters, digits, '.', '-')", os.Bucket)
		}
		if u, err := url.Parse(os.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.fail("filestore", "endpoint %q must be the storage's http(s) URL (e.g. http://minio.storage:9000)", os.Endpoint)
		}
	}
}

func (l *loader) loadDatabase(c *Config) {
	backup := DefaultBackupDays
	c.Database = Database{
		EngineVersion: DefaultDBEngineVersion, InstanceClass: DefaultDBInstanceClass,
		StorageGB: DefaultDBStorageGB, MaxStorageGB: DefaultDBMaxStorageGB, BackupRetentionDays: &backup,
		Name: DefaultDBName, User: DefaultDBUser, DeletionProtection: DefaultProtect, FinalSnapshot: DefaultProtect,
	}
	if v, ok := l.raw("database"); ok && strings.Contains(v, `"password"`) {
		l.fail("database", "password must not be written in the database object; use `pulumi config set --secret %s:dbPassword <value>`", Namespace)
	} else {
		l.object("database", &c.Database)
	}
	db := &c.Database
	db.Password = l.secret("dbPassword")
	if !pgVersionRe.MatchString(db.EngineVersion) {
		l.fail("database", "engineVersion %q is not a supported Postgres version (13 to 17)", db.EngineVersion)
	}
	if d := *db.BackupRetentionDays; d < limits.MinBackupRetentionDays || d > limits.MaxBackupRetentionDays {
		l.fail("database", "backupRetentionDays %d must be between %d and %d (0 would turn automated backups off)", d,
			limits.MinBackupRetentionDays, limits.MaxBackupRetentionDays)
	}
	if !dbIdentifierRe.MatchString(db.Name) {
		l.fail("database", "name %q must start with a letter and hold only a-z, 0-9, _", db.Name)
	}
	if !dbIdentifierRe.MatchString(db.User) || db.User == "postgres" || db.User == "admin" {
		l.fail("database", "user %q must start with a letter, hold only a-z, 0-9, _ and not be a reserved name", db.User)
	}
	if p := db.Password.Reveal(); p != "" {
		checkDBPassword(l, c.Target, p)
	}
}

// shellSplitting is what breaks a password in DIGIT's migration containers: their migrate.sh passes
// -password=$FLYWAY_PASSWORD to flyway unquoted under /bin/sh, so white space splits it into two arguments and
// * ? [ expand it against the container's files.
const shellSplitting = " \t\n\r\v\f*?["

// checkDBPassword says what in the password would be refused or mangled, never the password itself.
func checkDBPassword(l *loader, target Target, p string) {
	if n := len(p); n < limits.MinDBPasswordLength || n > limits.MaxDBPasswordLength {
		l.fail("dbPassword", "is %d characters; it must be %d to %d", n, limits.MinDBPasswordLength, limits.MaxDBPasswordLength)
	}
	if strings.ContainsAny(p, shellSplitting) {
		l.fail("dbPassword", "holds white space or one of * ? [: DIGIT's migration containers pass it to flyway "+
			"unquoted through /bin/sh, which would split or expand it")
	}
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		l.fail("dbPassword", "holds a control character")
	}
	if target == TargetAWS {
		if strings.ContainsAny(p, limits.DBPasswordForbidden) ||
			strings.ContainsFunc(p, func(r rune) bool { return r > 0x7e }) {
			l.fail("dbPassword", "must be printable ASCII without %s (RDS refuses them)",
				strings.Join(strings.Split(limits.DBPasswordForbidden, ""), " "))
		}
	}
}

func jsonRole(role string) string {
	switch role {
	case RoleElasticsearchData:
		return "elasticsearchData"
	case RoleElasticsearchMaster:
		return "elasticsearchMaster"
	}
	return role
}

func (l *loader) loadVolumes(c *Config) {
	c.Volumes = DefaultVolumes()
	if v, ok := l.raw("volumes"); ok {
		// Decode over the defaults per role so a stack can change one field of one role.
		var partial map[string]json.RawMessage
		if err := json.Unmarshal([]byte(v), &partial); err != nil {
			l.fail("volumes", "must be an object keyed by kafka, elasticsearchData, elasticsearchMaster, zookeeper")
		}
		targets := map[string]*Volume{
			"kafka": &c.Volumes.Kafka, "elasticsearchData": &c.Volumes.ElasticsearchData,
			"elasticsearchMaster": &c.Volumes.ElasticsearchMaster, "zookeeper": &c.Volumes.Zookeeper,
		}
		for role, raw := range partial {
			dst, ok := targets[role]
			if !ok {
				l.fail("volumes", "unknown role %q; one of kafka, elasticsearchData, elasticsearchMaster, zookeeper", role)
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(dst); err != nil {
				l.fail("volumes", "%s: %s", role, describeJSONError(err))
			}
		}
	}
	for role, v := range c.Volumes.Roles() {
		if v.Replicas < 1 || v.Replicas > 9 {
			l.fail("volumes", "%s.replicas %d must be between 1 and 9", jsonRole(role), v.Replicas)
		}
		if v.SizeGB < 1 || v.SizeGB > 16384 {
			l.fail("volumes", "%s.sizeGb %d must be between 1 and 16384", jsonRole(role), v.SizeGB)
		}
	}
}

func (l *loader) loadServices(c *Config) {
	s := &c.Services
	s.Domain = l.str("domain", "")
	if s.Domain != "" && !domainRe.MatchString(s.Domain) {
		l.fail("domain", "%q is not a DNS name (e.g. digit.example.gov.in)", s.Domain)
	}
	s.TLSEmail = l.str("tlsEmail", "")
	if s.Domain != "" && !strings.Contains(s.TLSEmail, "@") {
		l.fail("tlsEmail", "an ACME account email is required when digit:domain is set")
	}
	s.TenantID = l.str("tenantId", DefaultTenantID)
	if !regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`).MatchString(s.TenantID) {
		l.fail("tenantId", "%q must be lowercase letters and digits, starting with a letter", s.TenantID)
	}
	s.Timezone = l.str("timezone", DefaultTimezone)
	// The zone database is compiled in (time/tzdata), so the answer does not depend on the deployer's machine;
	// "Local" would be the deployer's zone, which the containers do not share.
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" || s.Timezone == "Local" {
		l.fail("timezone", "%q is not an IANA time zone (e.g. Asia/Kolkata)", s.Timezone)
	}
	s.RenderDir = l.str("renderDir", "")
	// EKS nodes set vm.max_map_count high enough for Elasticsearch; other clusters' nodes may keep the kernel's
	// 65530, on which Elasticsearch refuses to start.
	s.ElasticsearchSysctl = l.boolean("elasticsearchSysctl", c.Target != TargetAWS)

	base, err := catalogue.Default()
	if err != nil {
		l.fail("catalogue", "the embedded default catalogue is invalid: %v", err)
		return
	}
	var o catalogue.Overrides
	if v, ok := l.raw("catalogue"); ok {
		if o, err = catalogue.ParseOverrides([]byte(v)); err != nil {
			l.failWith("catalogue", err)
			return
		}
	}
	if s.Catalogue, err = catalogue.Resolve(base, o); err != nil {
		l.failWith("catalogue", err)
	}
}

// loadQA makes the stack the QA stack digit:qa names (`digit qa up` sets it): throw-away, so nothing of it is
// protected or kept on delete, its disks are small, and its service layer's namespaces carry the QA prefix.
func (l *loader) loadQA(c *Config) {
	name := l.str("qa", "")
	if name == "" {
		return
	}
	if err := qa.CheckName(name); err != nil {
		l.fail("qa", "%v", err)
		return
	}
	if want := qa.StackName(name); c.Stack != want {
		l.fail("qa", "names QA stack %s, but this is stack %s (QA stacks are made by `digit qa up`)", want, c.Stack)
		return
	}
	c.QA = &QA{Name: name, Prefix: qa.NamespacePrefix(name)}
	c.Protect = false
	c.Database.DeletionProtection = false
	c.Database.FinalSnapshot = false
	c.Database.MultiAZ = false
	for _, v := range []*Volume{&c.Volumes.Kafka, &c.Volumes.ElasticsearchData, &c.Volumes.ElasticsearchMaster, &c.Volumes.Zookeeper} {
		// Small, but never below what the volume type allows (st1 and sc1 start at 125 GB).
		v.SizeGB = min(v.SizeGB, max(qa.VolumeSizeGB, limits.VolumeTypeMinGB[v.Type]))
	}
	if c.Tags == nil {
		c.Tags = map[string]string{}
	}
	c.Tags[QATagKey] = name
	s := &c.Services
	if s.Domain != "" {
		if c.Target == TargetExisting {
			l.fail("qa", "a QA stack on target existing cannot have digit:domain (%s): cert-manager's CRDs and webhook are "+
				"cluster-wide, so its install would take over the base stack's; give the QA stack no domain "+
				"(--config digit:domain=)", s.Domain)
			return
		}
		// Its own host: the base's certificate and DNS name stay the base's.
		s.Domain = c.QA.Prefix[:len(c.QA.Prefix)-1] + "." + s.Domain
	}
	if s.Catalogue != nil {
		cat, err := s.Catalogue.WithNamespacePrefix(c.QA.Prefix)
		if err != nil {
			l.fail("qa", "%v", err)
			return
		}
		s.Catalogue = cat
	}
}

// atoi reads digits a regular expression has already matched.
func atoi(digits string) int {
	n, _ := strconv.Atoi(digits)
	return n
}
