// Package azure is the cloud layer on Azure: it registers its config section (config.go) and composes the
// components/azure building blocks into an infra.Foundation.
//
// The database, disks, registry and storage account depend on the resource groups, the network and the kubelet
// identity only, never on the cluster, so Azure provisions them while AKS comes up.
package azure

import (
	"fmt"

	authorization "github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	resources "github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/catalogue"
	azc "github.com/digit-iac/digit/components/azure"
	"github.com/digit-iac/digit/infra"
	"github.com/digit-iac/digit/stacks/config"
)

// Azure disk CSI facts the service layer needs to bind static PersistentVolumes to the disks made here.
const (
	DiskCSIDriver = "disk.csi.azure.com"
	// ZoneLabel is set on every AKS node as <location>-<zone>, the form Disk.Zone carries.
	ZoneLabel          = "topology.kubernetes.io/zone"
	StaticStorageClass = "digit-static-azure-disk"
)

// Deploy implements infra.Layer.
func Deploy(ctx *pulumi.Context, cfg *config.Config) (*infra.Foundation, error) {
	s, ok := cfg.Cloud.(*Section)
	if !ok {
		return nil, fmt.Errorf("the config of target azure was not loaded by this package")
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("looking up the Azure subscription (az login?): %w", err)
	}
	name := "digit-" + cfg.Stack
	tags := infra.Tags(cfg)
	keep := func() []pulumi.ResourceOption {
		if !cfg.Protect {
			return nil
		}
		// Deleting a resource group deletes everything in it: the ones holding data are kept.
		return []pulumi.ResourceOption{pulumi.Protect(true), pulumi.RetainOnDelete(true)}
	}
	rg, err := resources.NewResourceGroup(ctx, name, &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(name), Location: pulumi.String(s.Location), Tags: azc.TagsInput(tags),
	}, keep()...)
	if err != nil {
		return nil, err
	}
	// The disks live apart, so the control plane's Contributor (the disk CSI driver attaches with it) reaches
	// them and nothing else.
	disksRG, err := resources.NewResourceGroup(ctx, name+"-disks", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(name + "-disks"), Location: pulumi.String(s.Location), Tags: azc.TagsInput(tags),
	}, keep()...)
	if err != nil {
		return nil, err
	}

	net, err := azc.NewNetwork(ctx, name, azc.NetworkArgs{
		ResourceGroupName: rg.Name, Location: s.Location, AddressSpace: s.VnetCidr, Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	pool := func(p Pool) azc.Pool {
		return azc.Pool{VMSize: p.VMSize, Count: p.Count, Min: p.Min, Max: p.Max, OSDiskGB: p.OSDiskGB}
	}
	cluster, err := azc.NewCluster(ctx, name, azc.ClusterArgs{
		ResourceGroupName: rg.Name, Location: s.Location, SubscriptionID: client.SubscriptionId,
		KubernetesVersion: s.KubernetesVersion, NodeSubnetId: net.NodeSubnetId,
		DiskResourceGroupId: disksRG.ID().ToStringOutput(), Zones: s.Zones,
		SystemPool: pool(s.SystemPool), UserPool: pool(s.UserPool),
		AuthorizedIPRanges: s.APIAccess.AuthorizedIPRanges, PrivateCluster: s.APIAccess.Private,
		AdminGroupObjectIDs: s.EntraID.AdminGroupObjectIDs, TenantID: s.EntraID.TenantID,
		Maintenance: azc.MaintenanceWindow{Day: s.Maintenance.Day, Hour: s.Maintenance.Hour},
		Tags:        tags,
	})
	if err != nil {
		return nil, err
	}

	dbCfg := cfg.Database
	dbArgs := azc.DatabaseArgs{
		ResourceGroupName: rg.Name, Location: s.Location,
		VnetId: net.VnetId, DelegatedSubnetId: net.DatabaseSubnetId,
		Version: dbCfg.EngineVersion, Sku: s.DatabaseSku,
		StorageGB: s.DatabaseStorageGB, AutoGrow: dbCfg.MaxStorageGB > dbCfg.StorageGB,
		BackupRetentionDays: *dbCfg.BackupRetentionDays, GeoRedundantBackup: s.GeoRedundantBackup,
		HighAvailability: dbCfg.MultiAZ,
		AdminLogin:       dbCfg.User, DBName: dbCfg.Name,
		Password:   pulumi.ToSecret(pulumi.String(dbCfg.Password.Reveal())).(pulumi.StringOutput),
		DeleteLock: dbCfg.DeletionProtection, Protect: cfg.Protect, Tags: tags,
	}
	if dbCfg.MultiAZ {
		dbArgs.Zone, dbArgs.StandbyZone = s.Zones[0], s.Zones[1]
	}
	db, err := azc.NewDatabase(ctx, name, dbArgs)
	if err != nil {
		return nil, err
	}

	var roles []azc.DiskRole
	for _, r := range []struct {
		name string
		v    config.Volume
	}{
		{config.RoleKafka, cfg.Volumes.Kafka}, {config.RoleZookeeper, cfg.Volumes.Zookeeper},
		{config.RoleElasticsearchData, cfg.Volumes.ElasticsearchData},
		{config.RoleElasticsearchMaster, cfg.Volumes.ElasticsearchMaster},
	} {
		roles = append(roles, azc.DiskRole{Name: r.name, Replicas: r.v.Replicas, SizeGB: r.v.SizeGB, Sku: r.v.Type})
	}
	disks, err := azc.NewDisks(ctx, name, azc.DisksArgs{
		ResourceGroupName: disksRG.Name, Location: s.Location, Zones: s.Zones, Roles: roles,
		Protect: cfg.Protect, Tags: tags,
	})
	if err != nil {
		return nil, err
	}

	// Global names from the subscription and stack: the same stack in another subscription gets other names,
	// and the registry URL is known at preview.
	seed := client.SubscriptionId + "/" + cfg.Project + "/" + cfg.Stack
	reg, err := azc.NewRegistry(ctx, name, azc.RegistryArgs{
		ResourceGroupName: rg.Name, Location: s.Location, SubscriptionID: client.SubscriptionId,
		Name: azc.GlobalName("digit"+cfg.Stack, seed, 50), PullerPrincipalId: cluster.KubeletPrincipalId, Tags: tags,
	})
	if err != nil {
		return nil, err
	}

	zones := make([]string, len(s.Zones))
	for i, z := range s.Zones {
		zones[i] = azc.NodeZoneLabel(s.Location, z)
	}
	f := &infra.Foundation{
		Target:      string(Target),
		Kubeconfig:  cluster.Kubeconfig,
		ClusterName: cluster.ClusterName,
		Zones:       zones,
		Database: infra.Database{
			Host: db.Host, Port: db.Port, Name: db.DBName, User: db.Username, Password: db.Password,
		},
		Storage: infra.Storage{
			Mode: infra.StorageStatic, StorageClass: StaticStorageClass, CSIDriver: DiskCSIDriver, FSType: "ext4",
			ZoneLabel: ZoneLabel, Volumes: map[string][]infra.Volume{},
		},
		RegistryURL: reg.URL,
		Capacity:    infra.NodeCapacity{InstanceType: s.UserPool.VMSize, Nodes: s.UserPool.Count},
		// The ingress controller's health endpoint: Azure's load balancer probes / by default, which
		// ingress-nginx answers with 404, and takes the nodes out.
		LoadBalancerAnnotations: map[string]string{
			"service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz",
		},
		ClusterReady: cluster.Ready,
	}
	for role, list := range disks.ByRole {
		for _, d := range list {
			f.Storage.Volumes[role] = append(f.Storage.Volumes[role], infra.Volume{ID: d.ID, Zone: d.Zone, SizeGB: d.SizeGB})
		}
	}

	if s.Filestore.IsEnabled() {
		fs, err := azc.NewFilestore(ctx, name, azc.FilestoreArgs{
			ResourceGroupName: rg.Name, Location: s.Location,
			AccountName: azc.GlobalName("digit"+cfg.Stack, seed+"/filestore", 24), Protect: cfg.Protect, Tags: tags,
		})
		if err != nil {
			return nil, err
		}
		f.Filestore = &infra.Filestore{
			Bucket: fs.Container, Region: s.Location,
			// egov-filestore's Azure client (isAzureStorageEnabled) instead of its S3 one, with the account's
			// name and host; the key stays in the egov-filestore Secret.
			Env: map[string]string{
				"ISS3ENABLED": "false", "ISAZURESTORAGEENABLED": "true",
				"AZURE_DEFAULTENDPOINTSPROTOCOL": "https", "AZURE_ACCOUNTNAME": fs.AccountName,
				"AZURE_BLOB_HOST": fs.BlobHost, "IS_CONTAINER_FIXED": "true", "FIXED_CONTAINER_NAME": azc.FilestoreContainer,
			},
			SecretEnv:       map[string]string{"AZURE_ACCOUNTKEY": catalogue.ProviderFilestoreSecretKey},
			AccessKeyID:     pulumi.String(fs.AccountName),
			SecretAccessKey: fs.AccountKey,
			Outputs:         map[string]pulumi.Input{"filestoreAccount": pulumi.String(fs.AccountName)},
		}
	}
	return f, nil
}
