package azure

import (
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digit-iac/digit/catalogue"
	azc "github.com/digit-iac/digit/components/azure"
	"github.com/digit-iac/digit/stacks/config"
)

// Target is digit:target for this layer.
const Target config.Target = "azure"

// Defaults, listed in the README's Azure table.
const (
	DefaultLocation          = "centralindia"
	DefaultVnetCidr          = "10.0.0.0/16"
	DefaultKubernetesVersion = "1.34"
	DefaultSystemVMSize      = "Standard_D2s_v5"
	DefaultSystemNodes       = 3
	// DefaultUserVMSize is 4 vCPU / 16 GiB, six of them: the AWS default's node count on a class with room for
	// DIGIT's JVMs.
	DefaultUserVMSize  = "Standard_D4s_v5"
	DefaultUserNodes   = 6
	DefaultDatabaseSku = "Standard_D2ds_v5"
	DefaultDiskSku     = "Premium_LRS"
	// MinKubernetesMinor and MaxKubernetesMinor bound digit:kubernetesVersion on AKS.
	MinKubernetesMinor = 32
	MaxKubernetesMinor = 39
	// MaxTags: Azure takes 50 per resource; the program sets up to 4 of its own.
	MaxTags = 46
)

// Keys are the digit: keys only this target reads (kubernetesVersion is aws's too).
var Keys = []string{"location", "vnetCidr", "systemPool", "userPool", "kubernetesVersion", "apiAccess", "entraId",
	"maintenanceWindow", "geoRedundantBackup"}

func init() {
	config.Register(config.Cloud{
		Target: Target,
		Keys:   Keys,
		// Each operation is an ARM call under the subscription's rate limits, as on AWS.
		DefaultParallel:            32,
		DefaultCheckpointEveryStep: true,
		// AKS nodes keep the kernel's vm.max_map_count, below what Elasticsearch needs.
		NodesRaiseMaxMapCount: false,
		Load:                  func(r *config.Reader, c *config.Config) config.Section { return load(r, c) },
	})
}

// Pool is digit:systemPool / digit:userPool.
type Pool struct {
	VMSize   string `json:"vmSize"`
	Count    int    `json:"count"`
	Min      int    `json:"min"`
	Max      int    `json:"max"`
	OSDiskGB int    `json:"osDiskGb"`
}

// APIAccess is digit:apiAccess: who reaches the Kubernetes API.
type APIAccess struct {
	AuthorizedIPRanges []string `json:"authorizedIpRanges"`
	Private            bool     `json:"private"`
}

// EntraID is digit:entraId: with admin groups, local accounts are off and access goes through Entra ID.
type EntraID struct {
	TenantID            string   `json:"tenantId"`
	AdminGroupObjectIDs []string `json:"adminGroupObjectIds"`
}

// Maintenance is digit:maintenanceWindow.
type Maintenance struct {
	Day  string `json:"day"`
	Hour int    `json:"hour"`
}

// Section is the Azure part of the config (Config.Cloud on this target).
type Section struct {
	Location          string
	Zones             []string
	VnetCidr          string
	SystemPool        Pool
	UserPool          Pool
	KubernetesVersion string
	APIAccess         APIAccess
	EntraID           EntraID
	Maintenance       Maintenance
	// DatabaseSku is digit:database.instanceClass on Azure; DatabaseStorageGB its storageGb rounded up to a size
	// the flexible server offers; GeoRedundantBackup is digit:geoRedundantBackup.
	DatabaseSku        string
	DatabaseStorageGB  int
	GeoRedundantBackup bool
	Filestore          config.Filestore
}

var (
	locationRe  = regexp.MustCompile(`^[a-z][a-z0-9]{2,30}$`)
	versionRe   = regexp.MustCompile(`^1\.(\d{2})$`)
	stackNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$`)
	uuidRe      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// vmShapeRe is the VM families whose shape the capacity check knows: D (4 GiB per vCPU), E (8), F (2).
	vmShapeRe   = regexp.MustCompile(`^Standard_(D|E|F)(\d+)[a-z]*s(_v[2-6])$`)
	serverSkuRe = regexp.MustCompile(`^Standard_(D|E)(\d+)ds_v[45]$`)
	// reservedLogins are the administrator names the flexible server refuses.
	reservedLogins = []string{"azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"}
)

func load(r *config.Reader, c *config.Config) *Section {
	s := &Section{}
	s.Location = r.Str("location", DefaultLocation)
	if !locationRe.MatchString(s.Location) {
		r.Fail("location", "%q is not an Azure region name (e.g. centralindia)", s.Location)
	}
	s.Zones = r.Zones()
	if len(s.Zones) == 0 {
		s.Zones = []string{"1", "2", "3"}
	}
	for _, z := range s.Zones {
		if z != "1" && z != "2" && z != "3" {
			r.Fail("zones", "zone %q: Azure availability zones are 1, 2 and 3", z)
		}
	}

	s.VnetCidr = r.Str("vnetCidr", DefaultVnetCidr)
	if _, err := azc.PlanSubnets(s.VnetCidr); err != nil {
		r.Fail("vnetCidr", "%v", err)
	} else {
		vnet := netip.MustParsePrefix(s.VnetCidr)
		for _, other := range []string{azc.PodCidr, azc.ServiceCidr} {
			if o := netip.MustParsePrefix(other); o.Overlaps(vnet) {
				r.Fail("vnetCidr", "%s overlaps the cluster's pod or service range %s", s.VnetCidr, other)
			}
		}
	}

	s.SystemPool = Pool{VMSize: DefaultSystemVMSize, Count: DefaultSystemNodes}
	r.Object("systemPool", &s.SystemPool)
	s.UserPool = Pool{VMSize: DefaultUserVMSize, Count: DefaultUserNodes}
	r.Object("userPool", &s.UserPool)
	checkPool(r, "systemPool", &s.SystemPool, 1)
	checkPool(r, "userPool", &s.UserPool, 1)
	if _, ok := vmShape(s.UserPool.VMSize); !ok {
		r.Fail("userPool", "vmSize %q: the capacity check knows D, E and F series VMs with premium storage (e.g. "+
			"Standard_D4s_v5)", s.UserPool.VMSize)
	}

	s.KubernetesVersion = r.Str("kubernetesVersion", DefaultKubernetesVersion)
	if m := versionRe.FindStringSubmatch(s.KubernetesVersion); m == nil || minor(m[1]) < MinKubernetesMinor ||
		minor(m[1]) > MaxKubernetesMinor {
		r.Fail("kubernetesVersion", "%q is not a supported AKS version (1.%d to 1.%d, as %q)", s.KubernetesVersion,
			MinKubernetesMinor, MaxKubernetesMinor, DefaultKubernetesVersion)
	}

	r.Object("apiAccess", &s.APIAccess)
	switch a := s.APIAccess; {
	case a.Private && len(a.AuthorizedIPRanges) > 0:
		r.Fail("apiAccess", "authorizedIpRanges given while private is true: a private API server has no public address")
	case !a.Private && len(a.AuthorizedIPRanges) == 0:
		r.Fail("apiAccess", "list who may reach the public Kubernetes API in authorizedIpRanges (0.0.0.0/0 for anyone), "+
			"or set private: true")
	}
	for _, cidr := range s.APIAccess.AuthorizedIPRanges {
		if p, err := netip.ParsePrefix(cidr); err != nil || !p.Addr().Is4() {
			r.Fail("apiAccess", "authorizedIpRanges entry %q is not an IPv4 CIDR", cidr)
		}
	}

	r.Object("entraId", &s.EntraID)
	if en := s.EntraID; r.Has("entraId") {
		if !uuidRe.MatchString(en.TenantID) {
			r.Fail("entraId", "tenantId %q is not a GUID", en.TenantID)
		}
		if len(en.AdminGroupObjectIDs) == 0 {
			r.Fail("entraId", "adminGroupObjectIds is empty: nobody could administer a cluster without local accounts")
		}
		for _, g := range en.AdminGroupObjectIDs {
			if !uuidRe.MatchString(g) {
				r.Fail("entraId", "adminGroupObjectIds entry %q is not a GUID", g)
			}
		}
	}
	s.Maintenance = Maintenance{Day: azc.DefaultMaintenance.Day, Hour: azc.DefaultMaintenance.Hour}
	r.Object("maintenanceWindow", &s.Maintenance)
	if !slices.Contains(azc.Days, s.Maintenance.Day) || s.Maintenance.Hour < 0 || s.Maintenance.Hour > 23 {
		r.Fail("maintenanceWindow", "day %q, hour %d: a day Monday..Sunday and a UTC hour 0-23", s.Maintenance.Day,
			s.Maintenance.Hour)
	}

	loadDatabase(r, c, s)
	loadVolumes(r, c)

	reg := c.Registry
	if len(reg.Repositories) > 0 {
		r.Fail("registry", "repositories are not created on azure: ACR makes a repository on the first push")
	}
	if reg.URL != "" {
		r.Fail("registry", "url is only for target existing; on azure the stack's ACR registry is used")
	}
	r.Object("filestore", &s.Filestore)
	checkTags(r, c.Tags)
	if !stackNameRe.MatchString(c.Stack) {
		r.Fail("target", "stack name %q cannot name Azure resources (resource group digit-<stack>, registry and "+
			"storage account names): lowercase letters, digits and '-', at most 20 characters", config.Shorten(c.Stack))
	}
	return s
}

func checkPool(r *config.Reader, key string, p *Pool, minCount int) {
	if p.Min == 0 {
		p.Min = p.Count
	}
	if p.Max == 0 {
		p.Max = p.Count
		if key == "userPool" {
			p.Max = p.Count + 2
		}
	}
	if p.OSDiskGB == 0 {
		p.OSDiskGB = 128
	}
	if !azc.VMSizePattern.MatchString(p.VMSize) {
		r.Fail(key, "vmSize %q is not an Azure VM size (e.g. Standard_D4s_v5)", p.VMSize)
	}
	if p.Min < minCount || !(p.Min <= p.Count && p.Count <= p.Max) || p.Max > 1000 {
		r.Fail(key, "need %d <= min <= count <= max <= 1000, got min %d, count %d, max %d", minCount, p.Min, p.Count, p.Max)
	}
	if p.OSDiskGB < 30 || p.OSDiskGB > 2048 {
		r.Fail(key, "osDiskGb %d must be between 30 and 2048", p.OSDiskGB)
	}
}

func loadDatabase(r *config.Reader, c *config.Config, s *Section) {
	db := &c.Database
	if db.Host != "" || db.Port != 0 || db.MaxConnections != 0 {
		r.Fail("database", "host, port and maxConnections are only for target existing; on azure the program creates the database")
	}
	s.DatabaseSku = db.InstanceClass
	if s.DatabaseSku == "" {
		s.DatabaseSku = DefaultDatabaseSku
		db.InstanceClass = DefaultDatabaseSku
	}
	tier := azc.SkuTier(s.DatabaseSku)
	if tier == "" {
		r.Fail("database", "instanceClass %q is not a flexible server SKU (Standard_B*, Standard_D*, Standard_E*, e.g. %s)",
			s.DatabaseSku, DefaultDatabaseSku)
	} else if _, ok := serverMemoryGiB(s.DatabaseSku); !ok {
		r.Fail("database", "instanceClass %q: its memory is unknown to the connection budget check (Standard_B1ms .. "+
			"Standard_B20ms, Standard_D<n>ds_v4/v5, Standard_E<n>ds_v4/v5)", s.DatabaseSku)
	}
	if !slices.Contains(azc.DatabaseVersions, db.EngineVersion) {
		r.Fail("database", "engineVersion %q: the flexible server is created with Postgres %s", db.EngineVersion,
			strings.Join(azc.DatabaseVersions, ", "))
	}
	s.DatabaseStorageGB = 0
	for _, size := range azc.StorageSizesGB {
		if size >= db.StorageGB {
			s.DatabaseStorageGB = size
			break
		}
	}
	if s.DatabaseStorageGB == 0 {
		r.Fail("database", "storageGb %d is above the flexible server's largest size, %d", db.StorageGB,
			azc.StorageSizesGB[len(azc.StorageSizesGB)-1])
	}
	if d := *db.BackupRetentionDays; d < 7 || d > 35 {
		r.Fail("database", "backupRetentionDays %d must be between 7 and 35 on a flexible server", d)
	}
	if db.MultiAZ {
		if tier == "Burstable" {
			r.Fail("database", "multiAz: a Burstable server (%s) cannot have a standby; use a Standard_D or Standard_E SKU", s.DatabaseSku)
		}
		if len(s.Zones) < 2 {
			r.Fail("database", "multiAz needs two zones in digit:zones for the standby")
		}
	}
	if slices.Contains(reservedLogins, db.User) || strings.HasPrefix(db.User, "pg_") {
		r.Fail("database", "user %q is reserved on the flexible server", db.User)
	}
	if !db.Password.IsSet() {
		r.Fail("dbPassword", "is required on target azure; set it with `pulumi config set --secret digit:dbPassword <value>`")
	} else if p := db.Password.Reveal(); passwordClasses(p) < 3 || strings.Contains(strings.ToLower(p), db.User) {
		r.Fail("dbPassword", "the flexible server wants three of upper case, lower case, digits and symbols, and not "+
			"the user name")
	}
	s.GeoRedundantBackup = r.Bool("geoRedundantBackup", false)
	if c.Protect && !r.Has("geoRedundantBackup") {
		r.Fail("geoRedundantBackup", "must be given (true or false) on a protected stack: Azure fixes it when the "+
			"server is created and cannot change it afterwards")
	}
}

func passwordClasses(p string) int {
	var upper, lower, digit, other bool
	for _, r := range p {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			n++
		}
	}
	return n
}

// MinDiskGB is the smallest managed disk; smaller backbone sizes (the catalogue's 2 GB for ZooKeeper and the
// Elasticsearch masters) are rounded up to it.
const MinDiskGB = 4

func loadVolumes(r *config.Reader, c *config.Config) {
	for role, v := range map[string]*config.Volume{"kafka": &c.Volumes.Kafka, "elasticsearchData": &c.Volumes.ElasticsearchData,
		"elasticsearchMaster": &c.Volumes.ElasticsearchMaster, "zookeeper": &c.Volumes.Zookeeper} {
		if v.Type == "" {
			v.Type = DefaultDiskSku
		}
		if !slices.Contains(azc.DiskSkus, v.Type) {
			r.Fail("volumes", "%s.type %q is not one of the zonal disk types %s", role, v.Type, strings.Join(azc.DiskSkus, ", "))
		}
		v.SizeGB = max(v.SizeGB, MinDiskGB)
	}
}

// checkTags refuses what Azure would refuse on some resource after others were made.
func checkTags(r *config.Reader, tags map[string]string) {
	if len(tags) > MaxTags {
		r.Fail("tags", "%d tags given; at most %d (Azure takes 50 per resource and the program sets up to 4)", len(tags), MaxTags)
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		switch {
		case k == "" || utf8.RuneCountInString(k) > 512:
			r.Fail("tags", "key %q must be 1 to 512 characters", config.Shorten(k))
		case strings.ContainsAny(k, `<>%&\?/`):
			r.Fail("tags", "key %q may not hold < > %% & \\ ? /", config.Shorten(k))
		case k == config.QATagKey || strings.HasPrefix(strings.ToLower(k), "microsoft") || strings.HasPrefix(strings.ToLower(k), "azure"):
			r.Fail("tags", "key %q is reserved (digit-qa is the program's; microsoft and azure prefixes are Azure's)", k)
		}
		if utf8.RuneCountInString(tags[k]) > 256 {
			r.Fail("tags", "value of %q is over 256 characters", config.Shorten(k))
		}
	}
}

// minor reads digits a regular expression has already matched.
func minor(digits string) int {
	n, _ := strconv.Atoi(digits)
	return n
}

// vmShape is the vCPU count and memory of a D, E or F series VM size.
func vmShape(size string) (vcpu int, ok bool) {
	m := vmShapeRe.FindStringSubmatch(size)
	if m == nil {
		return 0, false
	}
	return minor(m[2]), minor(m[2]) > 0
}

func vmMemoryMiB(size string) int64 {
	m := vmShapeRe.FindStringSubmatch(size)
	perCPU := map[string]int64{"D": 4096, "E": 8192, "F": 2048}[m[1]]
	return int64(minor(m[2])) * perCPU
}

// aksReservedMilliCPU is AKS's kube-reserved CPU for a node of vcpu cores.
func aksReservedMilliCPU(vcpu int) int64 {
	switch {
	case vcpu <= 1:
		return 60
	case vcpu <= 2:
		return 100
	case vcpu <= 4:
		return 140
	case vcpu <= 8:
		return 180
	case vcpu <= 16:
		return 260
	case vcpu <= 32:
		return 420
	}
	return 740
}

// AKSDaemonSets is an estimate of what AKS's own DaemonSets take on every user node (cilium, azure-cns,
// csi-azuredisk-node, csi-azurefile-node, cloud-node-manager, azure-ip-masq-agent): pod slots, CPU and memory
// requests. The system pool's taint keeps AKS's Deployments off the user pool.
var AKSDaemonSets = catalogue.Amount{MilliCPU: 250, MemoryMiB: 550, Pods: 6}

// NodeShape implements config.Section: one user-pool node's allocatable, as AKS reserves it (kube-reserved CPU by
// core count; memory min(20 MB x max pods + 50 MB, 25%) plus the 100 Mi eviction threshold), less AKSDaemonSets.
func (s *Section) NodeShape() (catalogue.NodeShape, bool) {
	vcpu, ok := vmShape(s.UserPool.VMSize)
	if !ok {
		return catalogue.NodeShape{}, false
	}
	mem := vmMemoryMiB(s.UserPool.VMSize)
	reservedMB := min(int64(20*azc.MaxPods+50), mem/4)
	per := catalogue.Amount{
		MilliCPU: int64(vcpu)*1000 - aksReservedMilliCPU(vcpu) - AKSDaemonSets.MilliCPU,
		// MB to MiB rounded up: the check must not promise memory the kubelet keeps.
		MemoryMiB: mem - (reservedMB*1000*1000+(1<<20)-1)/(1<<20) - 100 - AKSDaemonSets.MemoryMiB,
		Pods:      azc.MaxPods - AKSDaemonSets.Pods,
	}
	return catalogue.NodeShape{InstanceType: s.UserPool.VMSize, Nodes: s.UserPool.Count, PerNode: &per}, true
}

// serverMemoryGiB is the memory of a flexible server SKU.
func serverMemoryGiB(sku string) (int, bool) {
	burstable := map[string]int{"Standard_B1ms": 2, "Standard_B2s": 4, "Standard_B2ms": 8, "Standard_B4ms": 16,
		"Standard_B8ms": 32, "Standard_B12ms": 48, "Standard_B16ms": 64, "Standard_B20ms": 80}
	if g, ok := burstable[sku]; ok {
		return g, true
	}
	m := serverSkuRe.FindStringSubmatch(sku)
	if m == nil {
		return 0, false
	}
	return minor(m[2]) * map[string]int{"D": 4, "E": 8}[m[1]], true
}

// MaxConnections implements config.Section: the flexible server's default max_connections for its memory.
func (s *Section) MaxConnections(db config.Database) (int, string, bool) {
	gib, ok := serverMemoryGiB(s.DatabaseSku)
	if !ok {
		return 0, "", false
	}
	n := 5000
	for _, step := range []struct{ gib, conns int }{{2, 50}, {4, 429}, {8, 859}, {16, 1719}, {32, 3438}} {
		if gib <= step.gib {
			n = step.conns
			break
		}
	}
	return n, "the flexible server " + s.DatabaseSku, true
}

// ProvidedSecrets implements config.Section: the storage account's name and key fill the filestore's keys.
func (s *Section) ProvidedSecrets() map[string]bool {
	if s.Filestore.IsEnabled() {
		return map[string]bool{catalogue.ProviderFilestoreAccessKey: true, catalogue.ProviderFilestoreSecretKey: true}
	}
	return map[string]bool{}
}
