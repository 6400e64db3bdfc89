package azure

import (
	"regexp"
	"slices"

	authorization "github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	// The default API of dbforpostgresql v2.28.0 (2022-12-01) knows Postgres up to 14; 2023-06-01-preview adds
	// 15 (DIGIT's default) and 16, and the storage auto-grow switch.
	pg "github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v2/v20230601preview"
	network "github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DatabasePort is the flexible server's port.
const DatabasePort = 5432

// StorageSizesGB are the storage sizes a flexible server offers (a size between them is not accepted).
var StorageSizesGB = []int{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767}

// DatabaseVersions are the Postgres major versions the API this component uses creates.
var DatabaseVersions = []string{"13", "14", "15", "16"}

// SkuTier is the tier of a flexible server SKU name (Standard_B*: Burstable, D: GeneralPurpose, E:
// MemoryOptimized); "" for a name of no tier.
func SkuTier(sku string) string {
	switch m := skuRe.FindStringSubmatch(sku); {
	case m == nil:
		return ""
	case m[1] == "B":
		return "Burstable"
	case m[1] == "D":
		return "GeneralPurpose"
	default:
		return "MemoryOptimized"
	}
}

var skuRe = regexp.MustCompile(`^Standard_(B|D|E)[0-9]+[a-z]*(_v[0-9]+)?$`)

// DatabaseArgs configures the PostgreSQL flexible server.
type DatabaseArgs struct {
	ResourceGroupName pulumi.StringInput
	Location          string
	// VnetId is linked to the private DNS zone; DelegatedSubnetId (delegated to PostgresDelegation) holds the
	// server, which then has no public address. Required.
	VnetId, DelegatedSubnetId pulumi.StringInput
	// Version is the Postgres major version (DatabaseVersions). Required.
	Version string
	// Sku, e.g. Standard_D2ds_v5; its tier follows from the name (SkuTier). Required.
	Sku string
	// StorageGB is one of StorageSizesGB. AutoGrow lets Azure grow it when it fills.
	StorageGB int
	AutoGrow  bool
	// BackupRetentionDays 7-35. GeoRedundantBackup can only be chosen when the server is created.
	BackupRetentionDays int
	GeoRedundantBackup  bool
	// HighAvailability is a zone-redundant standby (not on Burstable); Zone is the primary's, StandbyZone the
	// standby's.
	HighAvailability  bool
	Zone, StandbyZone string
	// AdminLogin and Password (a secret) of the administrator; DBName is created on it. Required.
	AdminLogin string
	Password   pulumi.StringInput
	DBName     string
	// DeleteLock puts a CanNotDelete lock on the server: the Azure counterpart of RDS deletion protection.
	DeleteLock bool
	// Protect protects the server and keeps it when the stack deletes it.
	Protect bool
	Tags    map[string]string
}

// Database is a private flexible server.
type Database struct {
	pulumi.ResourceState

	Host     pulumi.StringOutput
	Port     pulumi.IntOutput
	DBName   pulumi.StringOutput
	Username pulumi.StringOutput
	Password pulumi.StringOutput
	// PrivateZone is the private DNS zone the server's name resolves in.
	PrivateZone pulumi.StringOutput
}

// NewDatabase creates the private DNS zone, its VNet link, the server, its database and, when asked, its lock.
func NewDatabase(ctx *pulumi.Context, name string, args DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	e := &argErrors{component: "digit:azure:Database"}
	if !slices.Contains(DatabaseVersions, args.Version) {
		e.add("Version", "%q is not one of %v", args.Version, DatabaseVersions)
	}
	tier := SkuTier(args.Sku)
	if tier == "" {
		e.add("Sku", "%q is not a flexible server SKU (Standard_B*, Standard_D*, Standard_E*, e.g. Standard_D2ds_v5)", args.Sku)
	}
	if args.HighAvailability && tier == "Burstable" {
		e.add("HighAvailability", "a Burstable server (%s) cannot have a standby", args.Sku)
	}
	if args.HighAvailability && (args.Zone == "" || args.StandbyZone == "" || args.Zone == args.StandbyZone) {
		e.add("StandbyZone", "zone-redundant high availability needs two different zones (got %q and %q)", args.Zone, args.StandbyZone)
	}
	if !slices.Contains(StorageSizesGB, args.StorageGB) {
		e.add("StorageGB", "%d is not one of %v", args.StorageGB, StorageSizesGB)
	}
	if args.BackupRetentionDays < 7 || args.BackupRetentionDays > 35 {
		e.add("BackupRetentionDays", "%d must be between 7 and 35", args.BackupRetentionDays)
	}
	if args.Password == nil || args.AdminLogin == "" || args.DBName == "" {
		e.add("Password", "AdminLogin, Password and DBName are required")
	}
	if args.VnetId == nil || args.DelegatedSubnetId == nil || args.ResourceGroupName == nil {
		e.add("DelegatedSubnetId", "ResourceGroupName, VnetId and DelegatedSubnetId are required")
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	comp := &Database{}
	if err := ctx.RegisterComponentResource("digit:azure:Database", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	rg, tags := args.ResourceGroupName, TagsInput(args.Tags)

	// The server's A record goes into this zone; the link makes it resolve from the VNet (the nodes' pods).
	zone, err := network.NewPrivateZone(ctx, name, &network.PrivateZoneArgs{
		ResourceGroupName: rg, Location: pulumi.String("global"), Tags: tags,
		PrivateZoneName: pulumi.String(name + ".private.postgres.database.azure.com"),
	}, parent)
	if err != nil {
		return nil, err
	}
	link, err := network.NewVirtualNetworkLink(ctx, name, &network.VirtualNetworkLinkArgs{
		ResourceGroupName: rg, Location: pulumi.String("global"), Tags: tags,
		PrivateZoneName:     zone.Name,
		VirtualNetwork:      &network.SubResourceArgs{Id: args.VnetId},
		RegistrationEnabled: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, err
	}
	geo, ha, grow := "Disabled", &pg.HighAvailabilityArgs{Mode: pulumi.String("Disabled")}, "Disabled"
	if args.GeoRedundantBackup {
		geo = "Enabled"
	}
	if args.HighAvailability {
		ha = &pg.HighAvailabilityArgs{Mode: pulumi.String("ZoneRedundant"), StandbyAvailabilityZone: pulumi.String(args.StandbyZone)}
	}
	if args.AutoGrow {
		grow = "Enabled"
	}
	serverArgs := &pg.ServerArgs{
		ResourceGroupName: rg, Location: pulumi.String(args.Location), Tags: tags,
		Version:                    pulumi.String(args.Version),
		Sku:                        &pg.SkuArgs{Name: pulumi.String(args.Sku), Tier: pulumi.String(tier)},
		Storage:                    &pg.StorageArgs{StorageSizeGB: pulumi.Int(args.StorageGB), AutoGrow: pulumi.String(grow)},
		Backup:                     &pg.BackupArgs{BackupRetentionDays: pulumi.Int(args.BackupRetentionDays), GeoRedundantBackup: pulumi.String(geo)},
		HighAvailability:           ha,
		AdministratorLogin:         pulumi.String(args.AdminLogin),
		AdministratorLoginPassword: pulumi.ToSecret(args.Password).(pulumi.StringOutput),
		Network: &pg.NetworkArgs{
			DelegatedSubnetResourceId:   args.DelegatedSubnetId,
			PrivateDnsZoneArmResourceId: zone.ID().ToStringOutput(),
			PublicNetworkAccess:         pulumi.String("Disabled"),
		},
		AuthConfig: &pg.AuthConfigArgs{PasswordAuth: pulumi.String("Enabled"), ActiveDirectoryAuth: pulumi.String("Disabled")},
		CreateMode: pulumi.String("Create"),
	}
	if args.Zone != "" {
		serverArgs.AvailabilityZone = pulumi.String(args.Zone)
	}
	srvOpts := append([]pulumi.ResourceOption{parent, pulumi.DependsOn([]pulumi.Resource{link}),
		pulumi.AdditionalSecretOutputs([]string{"administratorLoginPassword"}),
		// Azure moves the primary to the standby's zone on failover.
		pulumi.IgnoreChanges([]string{"availabilityZone", "highAvailability.standbyAvailabilityZone"})},
		protectOpts(args.Protect)...)
	server, err := pg.NewServer(ctx, name, serverArgs, srvOpts...)
	if err != nil {
		return nil, err
	}
	db, err := pg.NewDatabase(ctx, name+"-"+args.DBName, &pg.DatabaseArgs{
		ResourceGroupName: rg, ServerName: server.Name, DatabaseName: pulumi.String(args.DBName),
		Charset: pulumi.String("UTF8"), Collation: pulumi.String("en_US.utf8"),
	}, append([]pulumi.ResourceOption{parent}, protectOpts(args.Protect)...)...)
	if err != nil {
		return nil, err
	}
	if args.DeleteLock {
		if _, err := authorization.NewManagementLockByScope(ctx, name+"-no-delete", &authorization.ManagementLockByScopeArgs{
			Scope: server.ID().ToStringOutput(), Level: pulumi.String("CanNotDelete"),
			Notes: pulumi.String("DIGIT's database: set digit:database.deletionProtection false to delete it"),
		}, parent); err != nil {
			return nil, err
		}
	}
	comp.Host = server.FullyQualifiedDomainName
	comp.Port = pulumi.Int(DatabasePort).ToIntOutput()
	comp.DBName = db.Name
	comp.Username = pulumi.String(args.AdminLogin).ToStringOutput()
	comp.Password = pulumi.ToSecret(args.Password).(pulumi.StringOutput)
	comp.PrivateZone = zone.Name
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"host": comp.Host, "port": comp.Port, "dbName": comp.DBName, "username": comp.Username,
		"password": comp.Password, "privateZone": comp.PrivateZone,
	})
}
