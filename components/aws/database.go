package aws

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/limits"
)

// DatabaseArgs configures a Database.
type DatabaseArgs struct {
	// VpcId of the network. Required.
	VpcId pulumi.StringInput
	// SubnetIds are the private subnets of the DB subnet group (two zones at least, an RDS requirement). Required.
	SubnetIds pulumi.StringArrayInput
	// AllowedSecurityGroupIds may connect on 5432 (the cluster's NodeSecurityGroupId, a bastion's group).
	// Required: there is no CIDR-based access. Each becomes its own rule resource, outside the security group, so
	// that the instance does not wait for whatever creates these groups (the cluster): only the rules do.
	AllowedSecurityGroupIds []pulumi.StringInput
	// EngineVersion is the Postgres version, major ("15") or major.minor ("15.7"). Default "15".
	EngineVersion string
	// InstanceClass of the instance. Default "db.t3.medium".
	InstanceClass string
	// AllocatedStorageGB is the initial storage. Default 20, at least 20.
	AllocatedStorageGB int
	// MaxAllocatedStorageGB is the ceiling of storage autoscaling. Default 100, at least AllocatedStorageGB.
	MaxAllocatedStorageGB int
	// MultiAZ runs a synchronous standby in another zone. Default false.
	MultiAZ bool
	// BackupRetentionDays of automated backups, 1 to 35. Default 7.
	BackupRetentionDays int
	// DeletionProtection makes RDS refuse to delete the instance. Default false.
	DeletionProtection bool
	// FinalSnapshot takes a snapshot named "<name>-final" when the instance is deleted. Default false (no
	// snapshot: the data is gone with the instance).
	FinalSnapshot bool
	// DBName is the database created at launch. Default "egov".
	DBName string
	// Username of the master user. Default "egov".
	Username string
	// Password of the master user. Default (nil): RDS generates it and keeps it in Secrets Manager, and the
	// component reads it back. RDS rotates such a secret (every 7 days by default); the next `pulumi up` picks the
	// new value up, but until then workloads hold the old one, so pass a Password where that matters.
	Password pulumi.StringInput
	// PerformanceInsights enables Performance Insights, encrypted with the instance's key and kept 7 days (the free
	// tier). Default true; db.t3.micro and db.t3.small do not support it, so it is off for them.
	PerformanceInsights *bool
	// MonitoringIntervalSeconds of enhanced monitoring (OS metrics, through a role the component creates): 0 (off),
	// 1, 5, 10, 15, 30 or 60. Default 60.
	MonitoringIntervalSeconds *int
	// AllowNonSSL lets clients connect without TLS (rds.force_ssl=0). Default false.
	AllowNonSSL bool
	// Protect protects the instance and its KMS key from deletion by Pulumi. Default false.
	Protect bool
	// Tags are added to every taggable child. Default none.
	Tags map[string]string
}

// Database is an encrypted, private RDS Postgres instance.
type Database struct {
	pulumi.ResourceState

	Host     pulumi.StringOutput // the instance's DNS address
	Port     pulumi.IntOutput
	DBName   pulumi.StringOutput
	Username pulumi.StringOutput
	Password pulumi.StringOutput // always secret
	// SecurityGroupId is the instance's security group.
	SecurityGroupId pulumi.StringOutput
}

var (
	instanceClassPattern = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	pgVersionPattern     = regexp.MustCompile(`^([0-9]{1,2})(\.[0-9]{1,2})?$`)
	pgIdentifierPattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	// Instance classes RDS refuses Performance Insights on.
	noPerformanceInsights = []string{"db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"}
	monitoringIntervals   = []int{0, 1, 5, 10, 15, 30, 60}
	// Postgres logs RDS can export to CloudWatch.
	pgLogExports = []string{"postgresql", "upgrade"}
	// Names RDS keeps for itself or Postgres treats as keywords.
	reservedPgUsers = []string{"rdsadmin", "rdsrepladmin", "rds_superuser", "rds_replication", "public", "user"}
)

func (a *DatabaseArgs) validate(name string) error {
	fail := func(field, f string, v ...any) error { return argError("Database", name, field, f, v...) }
	if a.EngineVersion == "" {
		a.EngineVersion = "15"
	}
	if a.InstanceClass == "" {
		a.InstanceClass = "db.t3.medium"
	}
	if a.AllocatedStorageGB == 0 {
		a.AllocatedStorageGB = 20
	}
	if a.MaxAllocatedStorageGB == 0 {
		a.MaxAllocatedStorageGB = max(100, a.AllocatedStorageGB)
	}
	if a.BackupRetentionDays == 0 {
		a.BackupRetentionDays = 7
	}
	if a.DBName == "" {
		a.DBName = "egov"
	}
	if a.Username == "" {
		a.Username = "egov"
	}
	if a.VpcId == nil {
		return fail("VpcId", "required")
	}
	if a.SubnetIds == nil {
		return fail("SubnetIds", "required")
	}
	if len(a.AllowedSecurityGroupIds) == 0 {
		return fail("AllowedSecurityGroupIds", "required (the database accepts connections only from these groups)")
	}
	m := pgVersionPattern.FindStringSubmatch(a.EngineVersion)
	if m == nil {
		return fail("EngineVersion", "%q is not a Postgres version like \"15\" or \"15.7\"", a.EngineVersion)
	}
	if !instanceClassPattern.MatchString(a.InstanceClass) {
		return fail("InstanceClass", "%q is not an RDS instance class like \"db.t3.medium\"", a.InstanceClass)
	}
	if a.AllocatedStorageGB < 20 || a.AllocatedStorageGB > 65536 {
		return fail("AllocatedStorageGB", "must be between 20 and 65536 (gp3), got %d", a.AllocatedStorageGB)
	}
	if a.MaxAllocatedStorageGB < a.AllocatedStorageGB || a.MaxAllocatedStorageGB > 65536 {
		return fail("MaxAllocatedStorageGB", "must be between AllocatedStorageGB (%d) and 65536, got %d",
			a.AllocatedStorageGB, a.MaxAllocatedStorageGB)
	}
	if a.BackupRetentionDays < limits.MinBackupRetentionDays || a.BackupRetentionDays > limits.MaxBackupRetentionDays {
		return fail("BackupRetentionDays", "must be between %d and %d, got %d", limits.MinBackupRetentionDays,
			limits.MaxBackupRetentionDays, a.BackupRetentionDays)
	}
	if !pgIdentifierPattern.MatchString(a.DBName) {
		return fail("DBName", "%q must start with a letter and hold only letters, digits and _ (at most 63)", a.DBName)
	}
	if !pgIdentifierPattern.MatchString(a.Username) {
		return fail("Username", "%q must start with a letter and hold only letters, digits and _ (at most 63)", a.Username)
	}
	if slices.Contains(reservedPgUsers, strings.ToLower(a.Username)) {
		return fail("Username", "%q is reserved by RDS", a.Username)
	}
	if a.PerformanceInsights == nil {
		a.PerformanceInsights = ptr(!slices.Contains(noPerformanceInsights, a.InstanceClass))
	}
	if *a.PerformanceInsights && slices.Contains(noPerformanceInsights, a.InstanceClass) {
		return fail("PerformanceInsights", "%s does not support Performance Insights", a.InstanceClass)
	}
	if a.MonitoringIntervalSeconds == nil {
		a.MonitoringIntervalSeconds = ptr(60)
	}
	if !slices.Contains(monitoringIntervals, *a.MonitoringIntervalSeconds) {
		return fail("MonitoringIntervalSeconds", "%d is not one of %v", *a.MonitoringIntervalSeconds, monitoringIntervals)
	}
	if a.FinalSnapshot && snapshotName(name) == "" {
		return fail("FinalSnapshot", "cannot derive a snapshot identifier from the resource name %q", name)
	}
	return nil
}

// snapshotName turns the component name into a valid DB snapshot identifier (letters, digits, single hyphens,
// starting with a letter), or "" when nothing usable is left.
func snapshotName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "-") && b.Len() > 0:
			b.WriteByte('-')
		}
	}
	// Cut to 240 before trimming, so that the cut cannot leave a hyphen before "-final" (RDS refuses "--").
	s := b.String()
	s = strings.TrimRight(s[:min(len(s), 240)], "-")
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return ""
	}
	return s + "-final"
}

// NewDatabase builds the Postgres instance.
func NewDatabase(ctx *pulumi.Context, name string, args DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if err := args.validate(name); err != nil {
		return nil, err
	}
	major := pgVersionPattern.FindStringSubmatch(args.EngineVersion)[1]
	comp := &Database{}
	err := ctx.RegisterComponentResourceV2("digit:aws:Database", name, pulumi.Map{
		"engineVersion": pulumi.String(args.EngineVersion), "instanceClass": pulumi.String(args.InstanceClass),
		"multiAz": pulumi.Bool(args.MultiAZ),
	}, comp, opts...)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	data := append([]pulumi.ResourceOption{parent}, stateful(args.Protect, false)...)
	tags := mergeTags(args.Tags, nil)

	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       args.VpcId,
		Description: pulumi.String("Postgres of " + name + ": 5432 from the allowed security groups only"),
		// An explicit empty egress list removes AWS's default allow-all egress: RDS needs none. Ingress is left
		// unmanaged here and given as separate rules below.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   mergeTags(args.Tags, map[string]string{"Name": name + "-postgres"}),
	}, parent)
	if err != nil {
		return nil, err
	}
	for i, source := range args.AllowedSecurityGroupIds {
		if _, err := ec2.NewSecurityGroupRule(ctx, fmt.Sprintf("%s-postgres-from-%d", name, i), &ec2.SecurityGroupRuleArgs{
			Type:                  pulumi.String("ingress"),
			Description:           pulumi.String("Postgres"),
			SecurityGroupId:       sg.ID(),
			Protocol:              pulumi.String("tcp"),
			FromPort:              pulumi.Int(5432),
			ToPort:                pulumi.Int(5432),
			SourceSecurityGroupId: source,
		}, parent); err != nil {
			return nil, err
		}
	}
	subnets, err := rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		SubnetIds: args.SubnetIds, Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	key, err := newKey(ctx, name, "RDS storage and master secret of "+name, tags, data...)
	if err != nil {
		return nil, err
	}
	forceSSL := "1"
	if args.AllowNonSSL {
		forceSSL = "0"
	}
	params, err := rds.NewParameterGroup(ctx, name, &rds.ParameterGroupArgs{
		Family:      pulumi.String("postgres" + major),
		Description: pulumi.String("DIGIT Postgres " + major),
		Parameters: rds.ParameterGroupParameterArray{
			// Statements slower than a second are logged, to find the slow queries of DIGIT services.
			rds.ParameterGroupParameterArgs{Name: pulumi.String("log_min_duration_statement"), Value: pulumi.String("1000")},
			rds.ParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String(forceSSL),
				ApplyMethod: pulumi.String("pending-reboot")},
		},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	inst := &rds.InstanceArgs{
		Engine:                     pulumi.String("postgres"),
		EngineVersion:              pulumi.String(args.EngineVersion),
		InstanceClass:              pulumi.String(args.InstanceClass),
		AllocatedStorage:           pulumi.Int(args.AllocatedStorageGB),
		MaxAllocatedStorage:        pulumi.Int(args.MaxAllocatedStorageGB),
		StorageType:                pulumi.String("gp3"),
		StorageEncrypted:           pulumi.Bool(true),
		KmsKeyId:                   key.Arn,
		DbName:                     pulumi.String(args.DBName),
		Username:                   pulumi.String(args.Username),
		DbSubnetGroupName:          subnets.Name,
		VpcSecurityGroupIds:        pulumi.StringArray{sg.ID()},
		ParameterGroupName:         params.Name,
		PubliclyAccessible:         pulumi.Bool(false),
		MultiAz:                    pulumi.Bool(args.MultiAZ),
		BackupRetentionPeriod:      pulumi.Int(args.BackupRetentionDays),
		CopyTagsToSnapshot:         pulumi.Bool(true),
		DeletionProtection:         pulumi.Bool(args.DeletionProtection),
		SkipFinalSnapshot:          pulumi.Bool(!args.FinalSnapshot),
		PerformanceInsightsEnabled: pulumi.Bool(*args.PerformanceInsights),
		// Postgres's own log (slow statements, errors, connection failures) and upgrade log, kept in CloudWatch.
		EnabledCloudwatchLogsExports: pulumi.ToStringArray(pgLogExports),
		// Services may log in with IAM tokens instead of the master password where they support it.
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		// Automated backups outlive the instance: deleting it (by hand, or a replace the guard was told to allow)
		// leaves point-in-time recovery possible for the retention period.
		DeleteAutomatedBackups:  pulumi.Bool(false),
		AutoMinorVersionUpgrade: pulumi.Bool(true),
		// A "15" version lets RDS pick minors; pinning the exact minor would fight auto minor upgrades.
		AllowMajorVersionUpgrade: pulumi.Bool(false),
		Tags:                     tags,
	}
	if *args.PerformanceInsights {
		inst.PerformanceInsightsKmsKeyId = key.Arn
		inst.PerformanceInsightsRetentionPeriod = pulumi.Int(7)
	}
	if *args.MonitoringIntervalSeconds > 0 {
		role, att, err := newRoleWithPolicy(ctx, name+"-monitoring",
			pulumi.String(assumeRoleForService("monitoring.rds.amazonaws.com")),
			"service-role/AmazonRDSEnhancedMonitoringRole", tags, parent)
		if err != nil {
			return nil, err
		}
		inst.MonitoringInterval = pulumi.Int(*args.MonitoringIntervalSeconds)
		inst.MonitoringRoleArn = role.Arn
		data = append(data, pulumi.DependsOn([]pulumi.Resource{att}))
	}
	if args.FinalSnapshot {
		inst.FinalSnapshotIdentifier = pulumi.String(snapshotName(name))
	}
	if args.Password != nil {
		inst.Password = pulumi.ToSecret(args.Password).(pulumi.StringOutput)
	} else {
		inst.ManageMasterUserPassword = pulumi.Bool(true)
		inst.MasterUserSecretKmsKeyId = key.Arn
	}
	db, err := rds.NewInstance(ctx, name, inst, data...)
	if err != nil {
		return nil, err
	}

	var password pulumi.StringOutput
	if args.Password != nil {
		password = pulumi.ToSecret(args.Password).(pulumi.StringOutput)
	} else {
		secretArn := db.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
		version := secretsmanager.LookupSecretVersionOutput(ctx, secretsmanager.LookupSecretVersionOutputArgs{
			SecretId: secretArn,
		}, pulumi.Parent(comp))
		password = pulumi.ToSecret(version.SecretString().ApplyT(func(s string) (string, error) {
			var v struct {
				Password string `json:"password"`
			}
			// The error must not quote s: it holds the password.
			if err := json.Unmarshal([]byte(s), &v); err != nil || v.Password == "" {
				return "", fmt.Errorf("digit:aws:Database %q: the RDS master user secret holds no password field", name)
			}
			return v.Password, nil
		})).(pulumi.StringOutput)
	}

	comp.Host = db.Address
	comp.Port = db.Port
	comp.DBName = pulumi.String(args.DBName).ToStringOutput()
	comp.Username = pulumi.String(args.Username).ToStringOutput()
	comp.Password = password
	comp.SecurityGroupId = sg.ID().ToStringOutput()
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"host":            comp.Host,
		"port":            comp.Port,
		"dbName":          comp.DBName,
		"username":        comp.Username,
		"password":        comp.Password,
		"securityGroupId": comp.SecurityGroupId,
	})
}
