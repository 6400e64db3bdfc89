package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // digit:timezone is checked against the zone database of the Go release, not the machine's
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/components/aws/limits"
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
		return Volume{Replicas: w.Replicas, SizeGB: int((q.Value() + (1<<30 - 1)) >> 30)}
	}
	return Volumes{
		Kafka:               vol(bb.Kafka.Workload),
		ElasticsearchData:   vol(bb.ElasticsearchData),
		ElasticsearchMaster: vol(bb.ElasticsearchMaster),
		Zookeeper:           vol(bb.Zookeeper),
	}
}

// keys lists the keys under digit: that every target reads; a target's own keys come with its registration
// (Cloud.Keys).
var keys = map[string]bool{
	"target":              true,
	"zones":               true,
	"registry":            true,
	"filestore":           true,
	"database":            true,
	"dbPassword":          true,
	"volumes":             true,
	"tags":                true,
	"protect":             true,
	"parallel":            true,
	"checkpointEveryStep": true,
	"domain":              true,
	"tlsEmail":            true,
	"tenantId":            true,
	"timezone":            true,
	"renderDir":           true,
	"catalogue":           true,
	"secrets":             true,
	"elasticsearchSysctl": true,
	"qa":                  true,
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
	cloud, known := clouds[c.Target]
	switch {
	case c.Target == "":
		l.fail("target", "is required; one of %s", targetList())
	case !known:
		l.fail("target", "unknown target %q; one of %s", c.Target, targetList())
	}
	l.checkKeys(c.Target)

	c.Tags = map[string]string{}
	l.object("tags", &c.Tags)
	c.Protect = l.boolean("protect", DefaultProtect)
	c.Parallel = l.intRange("parallel", cloud.DefaultParallel, 1, MaxParallel)
	c.CheckpointEveryStep = l.boolean("checkpointEveryStep", cloud.DefaultCheckpointEveryStep)
	l.loadDatabase(c)
	l.loadVolumes(c)
	l.object("registry", &c.Registry)

	if known {
		c.Cloud = cloud.Load(l, c)
	}
	if c.Cloud == nil {
		c.Cloud = noSection{}
	}
	c.Services.ElasticsearchSysctl = l.boolean("elasticsearchSysctl", !cloud.NodesRaiseMaxMapCount)
	l.loadServices(c)
	l.loadQA(c)
	l.loadSecrets(c, c.Cloud.ProvidedSecrets())

	if len(l.errs) > 0 {
		sort.Strings(l.errs)
		return nil, fmt.Errorf("invalid stack config (%d problems):\n  %s", len(l.errs), strings.Join(l.errs, "\n  "))
	}
	return c, nil
}

func (l *loader) checkKeys(target Target) {
	for _, full := range l.src.Keys() {
		ns, key, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		if keys[key] {
			continue
		}
		targets := targetsReading(key)
		if len(targets) == 0 {
			hint := ""
			if s := suggest.Closest(key, KnownKeys()); s != "" {
				hint = fmt.Sprintf(" (did you mean %s:%s?)", Namespace, s)
			}
			l.fail(key, "unknown key%s", hint)
			continue
		}
		if target != "" && !slices.Contains(targets, target) {
			l.fail(key, "is not read by target %q (only by %v)", target, targets)
		}
	}
}

// noSection stands in for the section of a target that failed to load (Load reports why).
type noSection struct{}

func (noSection) NodeShape() (catalogue.NodeShape, bool)      { return catalogue.NodeShape{}, false }
func (noSection) MaxConnections(Database) (int, string, bool) { return 0, "", false }
func (noSection) ProvidedSecrets() map[string]bool            { return map[string]bool{} }

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

// shorten keeps an oversized input readable in an error: its first 40 characters and its length.
func shorten(s string) string {
	if n := utf8.RuneCountInString(s); n > 40 {
		return fmt.Sprintf("%s... (%d characters)", string([]rune(s)[:40]), n)
	}
	return s
}

func (l *loader) loadDatabase(c *Config) {
	backup := DefaultBackupDays
	c.Database = Database{
		EngineVersion: DefaultDBEngineVersion,
		StorageGB:     DefaultDBStorageGB, MaxStorageGB: DefaultDBMaxStorageGB, BackupRetentionDays: &backup,
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
		checkDBPassword(l, p)
	}
}

// shellSplitting is what breaks a password in DIGIT's migration containers: their migrate.sh passes
// -password=$FLYWAY_PASSWORD to flyway unquoted under /bin/sh, so white space splits it into two arguments and
// * ? [ expand it against the container's files.
const shellSplitting = " \t\n\r\v\f*?["

// checkDBPassword says what in the password would be refused or mangled, never the password itself.
func checkDBPassword(l *loader, p string) {
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
	for _, v := range c.Volumes.All() {
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
