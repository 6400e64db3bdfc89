package aws

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
)

func dbArgs() DatabaseArgs {
	return DatabaseArgs{
		VpcId:                   pulumi.String("vpc-1"),
		SubnetIds:               pulumi.ToStringArray(privateIDs),
		AllowedSecurityGroupIds: []pulumi.StringInput{pulumi.String(awstest.EKSClusterSecurityGroupID)},
	}
}

func runDB(t *testing.T, args DatabaseArgs) (*awstest.Mocks, *Database) {
	t.Helper()
	var db *Database
	m := run(t, func(ctx *pulumi.Context) error {
		var err error
		db, err = NewDatabase(ctx, "db", args)
		return err
	})
	return m, db
}

func TestDatabaseDefaults(t *testing.T) {
	m, db := runDB(t, dbArgs())
	inst := only(t, m, "aws:rds/instance:Instance")
	key := only(t, m, "aws:kms/key:Key")

	if inst.Bool("publiclyAccessible") || !inst.Has("publiclyAccessible") {
		t.Error("instance must be explicitly not publicly accessible")
	}
	if !inst.Bool("storageEncrypted") || inst.String("kmsKeyId") != key.Outputs["arn"].StringValue() {
		t.Errorf("storage encrypted=%v with key %q, want the component's key", inst.Bool("storageEncrypted"),
			inst.String("kmsKeyId"))
	}
	checks := map[string][2]any{
		"engine":                             {inst.String("engine"), "postgres"},
		"engineVersion":                      {inst.String("engineVersion"), "15"},
		"instanceClass":                      {inst.String("instanceClass"), "db.t3.medium"},
		"storageType":                        {inst.String("storageType"), "gp3"},
		"allocatedStorage":                   {inst.Int("allocatedStorage"), 20},
		"maxAllocatedStorage":                {inst.Int("maxAllocatedStorage"), 100},
		"backupRetentionPeriod":              {inst.Int("backupRetentionPeriod"), 7},
		"dbName":                             {inst.String("dbName"), "egov"},
		"username":                           {inst.String("username"), "egov"},
		"multiAz":                            {inst.Bool("multiAz"), false},
		"deletionProtection":                 {inst.Bool("deletionProtection"), false},
		"skipFinalSnapshot":                  {inst.Bool("skipFinalSnapshot"), true},
		"copyTagsToSnapshot":                 {inst.Bool("copyTagsToSnapshot"), true},
		"performanceInsightsEnabled":         {inst.Bool("performanceInsightsEnabled"), true},
		"performanceInsightsRetentionPeriod": {inst.Int("performanceInsightsRetentionPeriod"), 7},
		"iamDatabaseAuthenticationEnabled":   {inst.Bool("iamDatabaseAuthenticationEnabled"), true},
		"deleteAutomatedBackups":             {inst.Bool("deleteAutomatedBackups") || !inst.Has("deleteAutomatedBackups"), false},
		"monitoringInterval":                 {inst.Int("monitoringInterval"), 60},
		"logExports":                         {strings.Join(inst.Strings("enabledCloudwatchLogsExports"), ","), "postgresql,upgrade"},
	}
	if inst.String("performanceInsightsKmsKeyId") != key.Outputs["arn"].StringValue() {
		t.Errorf("Performance Insights key %q, want the database's key", inst.String("performanceInsightsKmsKeyId"))
	}
	mon := m.MustFind(t, "aws:iam/role:Role", "db-monitoring")
	if inst.String("monitoringRoleArn") != mon.Outputs["arn"].StringValue() ||
		!strings.Contains(mon.String("assumeRolePolicy"), "monitoring.rds.amazonaws.com") {
		t.Errorf("monitoring role %q trusting %s", inst.String("monitoringRoleArn"), mon.String("assumeRolePolicy"))
	}
	for k, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", k, c[0], c[1])
		}
	}
	if inst.Has("finalSnapshotIdentifier") {
		t.Error("final snapshot identifier without FinalSnapshot")
	}
	sg := only(t, m, "aws:ec2/securityGroup:SecurityGroup")
	if got := inst.Strings("vpcSecurityGroupIds"); !slices.Equal(got, []string{sg.ID}) {
		t.Errorf("instance security groups %v, want only %s", got, sg.ID)
	}
	subnetGroup := only(t, m, "aws:rds/subnetGroup:SubnetGroup")
	if got, want := inst.String("dbSubnetGroupName"), subnetGroup.Outputs["name"].StringValue(); got != want {
		t.Errorf("instance in DB subnet group %q, want the component's %q", got, want)
	}
	if got := subnetGroup.Strings("subnetIds"); !slices.Equal(got, privateIDs) {
		t.Errorf("subnet group %v, want the private subnets", got)
	}

	pg := only(t, m, "aws:rds/parameterGroup:ParameterGroup")
	// The group holds rds.force_ssl; it only takes effect if the instance uses it.
	if got, want := inst.String("parameterGroupName"), pg.Outputs["name"].StringValue(); got != want {
		t.Errorf("instance uses parameter group %q, want the component's %q (rds.force_ssl)", got, want)
	}
	if pg.String("family") != "postgres15" {
		t.Errorf("parameter group family %q, want postgres15", pg.String("family"))
	}
	params := map[string]string{}
	for i := range pg.Len("parameters") {
		p := "parameters[" + itoa(i) + "]."
		params[pg.String(p+"name")] = pg.String(p + "value")
	}
	if want := map[string]string{"rds.force_ssl": "1", "log_min_duration_statement": "1000"}; !maps.Equal(params, want) {
		t.Errorf("parameters %v, want %v", params, want)
	}
	if got := pg.String("parameters[name=rds.force_ssl].applyMethod"); got != "pending-reboot" {
		t.Errorf("rds.force_ssl apply method %q: a static parameter needs pending-reboot", got)
	}
	if !key.Bool("enableKeyRotation") {
		t.Error("KMS key rotation is off")
	}

	if got, _ := mocktest.AwaitString(t, db.Host); got != inst.Outputs["address"].StringValue() {
		t.Errorf("Host %q", got)
	}
	if port := mocktest.Await(t, db.Port).Value; port != 5432 {
		t.Errorf("Port %v", port)
	}
	if got, _ := mocktest.AwaitString(t, db.DBName); got != "egov" {
		t.Errorf("DBName %q", got)
	}
	if got, _ := mocktest.AwaitString(t, db.Username); got != "egov" {
		t.Errorf("Username %q", got)
	}
	assertAllParented(t, m, "digit:aws:Database")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestDatabaseSecurityGroupOnlyAllowsPostgresFromGivenGroups(t *testing.T) {
	m, _ := runDB(t, dbArgs())
	sg := only(t, m, "aws:ec2/securityGroup:SecurityGroup")
	if sg.Len("ingress") != 0 {
		t.Errorf("inline ingress %v: rules must be separate so the instance does not wait for the cluster", sg.Get("ingress"))
	}
	rule := only(t, m, "aws:ec2/securityGroupRule:SecurityGroupRule")
	// The rule must open the database's group, not the group it admits.
	if got := rule.String("securityGroupId"); got != sg.ID {
		t.Errorf("rule attached to security group %q, want the database's %q", got, sg.ID)
	}
	if rule.String("type") != "ingress" || rule.String("protocol") != "tcp" || rule.Int("fromPort") != 5432 ||
		rule.Int("toPort") != 5432 {
		t.Errorf("rule %v, want ingress tcp 5432 only", rule.Get(""))
	}
	if got := rule.String("sourceSecurityGroupId"); got != awstest.EKSClusterSecurityGroupID {
		t.Errorf("rule source %q", got)
	}
	if rule.Has("cidrBlocks") && len(rule.Strings("cidrBlocks")) > 0 {
		t.Errorf("CIDR ingress %v", rule.Strings("cidrBlocks"))
	}
	if !sg.Has("egress") || sg.Len("egress") != 0 {
		t.Errorf("egress %v: want an explicit empty list, so AWS's default allow-all egress is removed", sg.Get("egress"))
	}
	if sg.String("vpcId") != "vpc-1" {
		t.Errorf("security group in VPC %q", sg.String("vpcId"))
	}
}

func TestDatabaseOneRulePerAllowedGroup(t *testing.T) {
	args := dbArgs()
	args.AllowedSecurityGroupIds = append(args.AllowedSecurityGroupIds, pulumi.String("sg-0bastion000000001"))
	m, db := runDB(t, args)
	sg := only(t, m, "aws:ec2/securityGroup:SecurityGroup")
	for i, src := range []string{awstest.EKSClusterSecurityGroupID, "sg-0bastion000000001"} {
		rule := m.MustFind(t, "aws:ec2/securityGroupRule:SecurityGroupRule", "db-postgres-from-"+itoa(i))
		if rule.String("sourceSecurityGroupId") != src || rule.String("securityGroupId") != sg.ID {
			t.Errorf("rule %d: from %q into %q, want from %s into %s", i, rule.String("sourceSecurityGroupId"),
				rule.String("securityGroupId"), src, sg.ID)
		}
	}
	if n := len(m.ByType("aws:ec2/securityGroupRule:SecurityGroupRule")); n != 2 {
		t.Errorf("%d rules, want 2", n)
	}
	if got, _ := mocktest.AwaitString(t, db.SecurityGroupId); got != sg.ID {
		t.Errorf("SecurityGroupId output %q, want the database's group %q", got, sg.ID)
	}
}

func TestDatabaseGivenPasswordStaysSecret(t *testing.T) {
	args := dbArgs()
	args.Password = pulumi.String("s3cret-Passw0rd") // a plain, non-secret input on purpose
	m, db := runDB(t, args)
	inst := only(t, m, "aws:rds/instance:Instance")
	if !inst.IsSecret("password") || inst.String("password") != "s3cret-Passw0rd" {
		t.Error("password input is not a secret")
	}
	if inst.Bool("manageMasterUserPassword") {
		t.Error("RDS-managed password requested although a password was given")
	}
	pw, secret := mocktest.AwaitString(t, db.Password)
	if !secret || pw != "s3cret-Passw0rd" {
		t.Errorf("Password output secret=%v value ok=%v", secret, pw == "s3cret-Passw0rd")
	}
	if n := len(m.Calls("aws:secretsmanager/getSecretVersion:getSecretVersion")); n != 0 {
		t.Errorf("%d Secrets Manager lookups with a given password", n)
	}
}

func TestDatabaseManagedPassword(t *testing.T) {
	m, db := runDB(t, dbArgs())
	inst := only(t, m, "aws:rds/instance:Instance")
	if !inst.Bool("manageMasterUserPassword") || inst.Has("password") {
		t.Errorf("managed password: manage=%v password set=%v", inst.Bool("manageMasterUserPassword"), inst.Has("password"))
	}
	if inst.String("masterUserSecretKmsKeyId") != only(t, m, "aws:kms/key:Key").Outputs["arn"].StringValue() {
		t.Error("master user secret not encrypted with the component's key")
	}
	pw, secret := mocktest.AwaitString(t, db.Password)
	if !secret {
		t.Error("Password output is not secret")
	}
	if pw != awstest.ManagedPassword {
		t.Errorf("Password is not the managed secret's password field")
	}
	calls := m.Calls("aws:secretsmanager/getSecretVersion:getSecretVersion")
	if len(calls) != 1 {
		t.Fatalf("%d Secrets Manager lookups, want 1", len(calls))
	}
	want := inst.Outputs["masterUserSecrets"].ArrayValue()[0].ObjectValue()["secretArn"].StringValue()
	if got := mocktest.Unwrap(calls[0].Args["secretId"]).StringValue(); got != want {
		t.Errorf("looked up secret %q, want the instance's master user secret %q", got, want)
	}
}

func TestDatabaseOptionsFollowArgs(t *testing.T) {
	args := dbArgs()
	args.MultiAZ = true
	args.DeletionProtection = true
	args.FinalSnapshot = true
	args.Protect = true
	args.EngineVersion = "16.3"
	args.AllocatedStorageGB, args.MaxAllocatedStorageGB = 50, 200
	args.AllowNonSSL = true
	args.InstanceClass, args.BackupRetentionDays, args.PerformanceInsights = "db.r6g.large", 14, ptr(true)
	args.DBName, args.Username = "digit", "digit_admin"
	m, db := runDB(t, args)
	inst := only(t, m, "aws:rds/instance:Instance")
	for k, c := range map[string][2]any{
		"engineVersion":              {inst.String("engineVersion"), "16.3"},
		"instanceClass":              {inst.String("instanceClass"), "db.r6g.large"},
		"backupRetentionPeriod":      {inst.Int("backupRetentionPeriod"), 14},
		"performanceInsightsEnabled": {inst.Bool("performanceInsightsEnabled"), true},
		"dbName":                     {inst.String("dbName"), "digit"},
		"username":                   {inst.String("username"), "digit_admin"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", k, c[0], c[1])
		}
	}
	if got := only(t, m, "aws:rds/parameterGroup:ParameterGroup").String("parameters[name=rds.force_ssl].value"); got != "0" {
		t.Errorf("rds.force_ssl = %q with AllowNonSSL, want 0", got)
	}
	if got, _ := mocktest.AwaitString(t, db.DBName); got != "digit" {
		t.Errorf("DBName output %q", got)
	}
	if got, _ := mocktest.AwaitString(t, db.Username); got != "digit_admin" {
		t.Errorf("Username output %q", got)
	}
	if !inst.Bool("multiAz") || !inst.Bool("deletionProtection") {
		t.Error("multiAz / deletionProtection not applied")
	}
	if inst.Bool("skipFinalSnapshot") || inst.String("finalSnapshotIdentifier") != "db-final" {
		t.Errorf("final snapshot: skip=%v id=%q", inst.Bool("skipFinalSnapshot"), inst.String("finalSnapshotIdentifier"))
	}
	if inst.Int("allocatedStorage") != 50 || inst.Int("maxAllocatedStorage") != 200 {
		t.Error("storage sizes not applied")
	}
	if f := only(t, m, "aws:rds/parameterGroup:ParameterGroup").String("family"); f != "postgres16" {
		t.Errorf("family %q, want postgres16", f)
	}
	for _, r := range []string{"aws:rds/instance:Instance", "aws:kms/key:Key"} {
		if !only(t, m, r).Protect {
			t.Errorf("%s not protected", r)
		}
	}
	for _, r := range m.All() {
		if r.RetainOnDelete {
			t.Errorf("%s %s retained on delete", r.Type, r.Name)
		}
	}
}

func TestDatabaseUnprotectedByDefault(t *testing.T) {
	m, _ := runDB(t, dbArgs())
	for _, r := range m.All() {
		if r.Protect {
			t.Errorf("%s %s protected without Protect", r.Type, r.Name)
		}
	}
}

func TestDatabaseArgErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*DatabaseArgs)
	}{
		{"VpcId", func(a *DatabaseArgs) { a.VpcId = nil }},
		{"SubnetIds", func(a *DatabaseArgs) { a.SubnetIds = nil }},
		{"AllowedSecurityGroupIds", func(a *DatabaseArgs) { a.AllowedSecurityGroupIds = nil }},
		{"EngineVersion", func(a *DatabaseArgs) { a.EngineVersion = "fifteen" }},
		{"InstanceClass", func(a *DatabaseArgs) { a.InstanceClass = "t3.medium" }},
		{"InstanceClass", func(a *DatabaseArgs) { a.InstanceClass = "db.T3.medium" }},
		{"AllocatedStorageGB", func(a *DatabaseArgs) { a.AllocatedStorageGB = 10 }},
		{"MaxAllocatedStorageGB", func(a *DatabaseArgs) { a.AllocatedStorageGB, a.MaxAllocatedStorageGB = 50, 40 }},
		{"BackupRetentionDays", func(a *DatabaseArgs) { a.BackupRetentionDays = 36 }},
		{"DBName", func(a *DatabaseArgs) { a.DBName = "1egov" }},
		{"Username", func(a *DatabaseArgs) { a.Username = "rdsadmin" }},
		{"Username", func(a *DatabaseArgs) { a.Username = "e-gov" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			args := dbArgs()
			tc.edit(&args)
			expectArgError(t, tc.field, func(ctx *pulumi.Context) error {
				_, err := NewDatabase(ctx, "db", args)
				return err
			})
		})
	}
}

// TestDatabaseManagedSecretWithoutPasswordFails: an RDS master user secret whose JSON holds no password (or no JSON)
// fails the deployment naming the database, without quoting the secret.
func TestDatabaseManagedSecretWithoutPasswordFails(t *testing.T) {
	for _, secretString := range []string{`{"username":"egov"}`, `not json {"password":"leak"}`} {
		m := awstest.New()
		m.Invokes["aws:secretsmanager/getSecretVersion:getSecretVersion"] = func(pulumi.MockCallArgs) (resource.PropertyMap, error) {
			return resource.PropertyMap{"secretString": resource.NewProperty(secretString)}, nil
		}
		err := m.Run(func(ctx *pulumi.Context) error {
			db, err := NewDatabase(ctx, "db", dbArgs())
			if err != nil {
				return err
			}
			ctx.Export("password", db.Password)
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), `digit:aws:Database "db": the RDS master user secret holds no password field`) ||
			strings.Contains(err.Error(), "leak") {
			t.Errorf("secret %q: got %v, want the no-password error, the secret not quoted", secretString, err)
		}
	}
}

// TestDatabaseWithoutPerformanceInsightsOrMonitoring: a class RDS refuses Performance Insights on gets none by
// default (instead of an apply-time error), and is refused when it asks for it; interval 0 creates no role.
func TestDatabaseWithoutPerformanceInsightsOrMonitoring(t *testing.T) {
	args := dbArgs()
	args.InstanceClass = "db.t3.micro"
	args.MonitoringIntervalSeconds = ptr(0)
	m, _ := runDB(t, args)
	inst := only(t, m, "aws:rds/instance:Instance")
	if inst.Bool("performanceInsightsEnabled") || inst.Has("performanceInsightsKmsKeyId") || inst.Int("monitoringInterval") != 0 {
		t.Errorf("db.t3.micro: performance insights %v, monitoring %d", inst.Bool("performanceInsightsEnabled"),
			inst.Int("monitoringInterval"))
	}
	if _, ok := m.Find("aws:iam/role:Role", "db-monitoring"); ok {
		t.Error("a monitoring role with monitoring off")
	}
	for _, edit := range []func(a *DatabaseArgs){
		func(a *DatabaseArgs) { a.InstanceClass, a.PerformanceInsights = "db.t3.micro", ptr(true) },
		func(a *DatabaseArgs) { a.MonitoringIntervalSeconds = ptr(7) },
	} {
		a := dbArgs()
		edit(&a)
		if err := a.validate("db"); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}
