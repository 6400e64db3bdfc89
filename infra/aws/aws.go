// Package aws is the cloud layer on AWS: it composes the components/aws building blocks into an infra.Foundation.
//
// The database, volumes, registry and bucket depend on the network only, never on the cluster, so the engine
// provisions them while EKS (the slowest part, ~10 minutes) comes up.
package aws

import (
	"fmt"

	awssdk "github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/catalogue"
	awsc "github.com/digit-iac/digit/components/aws"
	"github.com/digit-iac/digit/components/aws/limits"
	"github.com/digit-iac/digit/infra"
	"github.com/digit-iac/digit/stacks/config"
)

// EBS CSI facts the service layer needs to bind static PersistentVolumes to the volumes made here.
const (
	ebsCSIDriver = "ebs.csi.aws.com"
	// The EBS CSI driver reports a node's zone under its own topology key as well as the well-known label;
	// the well-known one is set on every EKS node, so PV node affinity uses it.
	zoneLabel = "topology.kubernetes.io/zone"
	// staticStorageClass is stamped on the static PVs and the backbone's claims so they only match each other.
	staticStorageClass = "digit-static-ebs"
)

// Deploy implements infra.Layer.
func Deploy(ctx *pulumi.Context, cfg *config.Config) (*infra.Foundation, error) {
	a := cfg.AWS
	name := limits.ResourceName(cfg.Stack)
	tags := infra.Tags(cfg)

	net, err := awsc.NewNetwork(ctx, name, awsc.NetworkArgs{
		VpcCidr:     a.VpcCidr,
		Zones:       a.Zones,
		NatMode:     string(a.NatMode),
		Endpoints:   a.VpcEndpoints,
		Region:      a.Region,
		Protect:     cfg.Protect,
		ClusterName: name,
		Tags:        tags,
	})
	if err != nil {
		return nil, err
	}

	ng := a.NodeGroup
	cluster, err := awsc.NewCluster(ctx, name, awsc.ClusterArgs{
		VpcId:                 net.VpcId,
		PublicSubnetIds:       net.PublicSubnetIds,
		PrivateSubnetIds:      net.PrivateSubnetIds,
		KubernetesVersion:     a.KubernetesVersion,
		InstanceType:          ng.InstanceType,
		DesiredSize:           ng.Desired,
		MinSize:               ng.Min,
		MaxSize:               ng.Max,
		DiskSizeGB:            ng.DiskSizeGB,
		EndpointPublicAccess:  pulumi.BoolRef(a.EndpointAccess.PublicEnabled()),
		EndpointPrivateAccess: pulumi.BoolRef(a.EndpointAccess.PrivateEnabled()),
		PublicAccessCidrs:     a.EndpointAccess.PublicCidrs,
		PrefixDelegation:      pulumi.BoolRef(ng.PrefixDelegationEnabled()),
		AuthenticationMode:    a.ClusterAccess.Mode,
		Admins:                a.ClusterAccess.Admins,
		Protect:               cfg.Protect,
		Tags:                  tags,
	})
	if err != nil {
		return nil, err
	}

	// The bastion exists to forward to the database and the private API endpoint: both let it in.
	allowedToDB := []pulumi.StringInput{cluster.NodeSecurityGroupId}
	if a.Bastion.Enabled {
		b, err := awsc.NewBastion(ctx, name, awsc.BastionArgs{
			SubnetId:           net.PrivateSubnetIds.Index(pulumi.Int(0)),
			VpcId:              net.VpcId,
			ApiSecurityGroupId: cluster.NodeSecurityGroupId,
			InstanceType:       a.Bastion.InstanceType,
			Tags:               tags,
		})
		if err != nil {
			return nil, err
		}
		allowedToDB = append(allowedToDB, b.SecurityGroupId)
	}

	dbCfg := cfg.Database
	backups := config.DefaultBackupDays
	if dbCfg.BackupRetentionDays != nil {
		backups = *dbCfg.BackupRetentionDays
	}
	dbArgs := awsc.DatabaseArgs{
		VpcId:                   net.VpcId,
		SubnetIds:               net.PrivateSubnetIds,
		AllowedSecurityGroupIds: allowedToDB,
		EngineVersion:           dbCfg.EngineVersion,
		InstanceClass:           dbCfg.InstanceClass,
		AllocatedStorageGB:      dbCfg.StorageGB,
		MaxAllocatedStorageGB:   dbCfg.MaxStorageGB,
		MultiAZ:                 dbCfg.MultiAZ,
		BackupRetentionDays:     backups,
		DeletionProtection:      dbCfg.DeletionProtection,
		FinalSnapshot:           dbCfg.FinalSnapshot,
		DBName:                  dbCfg.Name,
		Username:                dbCfg.User,
		Protect:                 cfg.Protect,
		Tags:                    tags,
	}
	if dbCfg.Password.IsSet() {
		dbArgs.Password = pulumi.ToSecret(pulumi.String(dbCfg.Password.Reveal())).(pulumi.StringOutput)
	}
	db, err := awsc.NewDatabase(ctx, name, dbArgs)
	if err != nil {
		return nil, err
	}

	roles := VolumeRoles(cfg)
	vols, err := awsc.NewVolumes(ctx, name, awsc.VolumesArgs{
		Zones:   a.Zones,
		Roles:   roles,
		Protect: cfg.Protect,
		Tags:    tags,
	})
	if err != nil {
		return nil, err
	}

	f := &infra.Foundation{
		Target:      string(config.TargetAWS),
		Kubeconfig:  cluster.Kubeconfig,
		ClusterName: cluster.ClusterName,
		Zones:       a.Zones,
		Database: infra.Database{
			Host: db.Host, Port: db.Port, Name: db.DBName, User: db.Username, Password: db.Password,
		},
		Storage: infra.Storage{
			Mode:         infra.StorageStatic,
			StorageClass: staticStorageClass,
			CSIDriver:    ebsCSIDriver,
			FSType:       "ext4",
			ZoneLabel:    zoneLabel,
			Volumes:      map[string][]infra.Volume{},
		},
		Capacity: infra.NodeCapacity{
			InstanceType: ng.InstanceType, Nodes: ng.Desired, PrefixDelegation: ng.PrefixDelegationEnabled(),
		},
		ClusterReady: cluster.Ready,
		// In-tree NLB annotations: they need no AWS Load Balancer Controller in the cluster.
		LoadBalancerAnnotations: map[string]string{
			"service.beta.kubernetes.io/aws-load-balancer-type":                              "nlb",
			"service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
			"service.beta.kubernetes.io/aws-load-balancer-backend-protocol":                  "tcp",
		},
	}
	for role, list := range vols.ByRole {
		for _, v := range list {
			f.Storage.Volumes[role] = append(f.Storage.Volumes[role], infra.Volume{ID: v.ID, Zone: v.Zone, SizeGB: v.SizeGB})
		}
	}

	if len(cfg.Registry.Repositories) > 0 {
		if _, err := awsc.NewRegistry(ctx, name, awsc.RegistryArgs{
			Repositories: cfg.Registry.Repositories, Protect: cfg.Protect, Tags: tags,
		}); err != nil {
			return nil, err
		}
		// The URL is derived from the account rather than taken from a repository's output, so that image names
		// are known at preview time.
		id, err := awssdk.GetCallerIdentity(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("looking up the AWS account for the registry URL: %w", err)
		}
		f.RegistryURL = fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", id.AccountId, a.Region)
	}

	if a.Filestore.IsEnabled() {
		// The role trusts egov-filestore's service account where the catalogue runs it (a QA stack's namespaces
		// carry its prefix).
		fsNamespace, _ := cfg.Services.Catalogue.NamespaceOf(catalogue.FilestoreService)
		fs, err := awsc.NewFilestore(ctx, name, awsc.FilestoreArgs{
			BucketPrefix:    limits.FilestoreBucketPrefix(cfg.Stack),
			Namespace:       fsNamespace,
			OidcProviderArn: cluster.OidcProviderArn,
			OidcProviderUrl: cluster.OidcProviderUrl,
			Protect:         cfg.Protect,
			Tags:            tags,
		})
		if err != nil {
			return nil, err
		}
		f.Filestore = &infra.Filestore{Bucket: fs.Bucket, Region: a.Region,
			ServiceAccountAnnotations: map[string]pulumi.StringInput{"eks.amazonaws.com/role-arn": fs.RoleArn},
			Outputs:                   map[string]pulumi.Input{"filestoreRoleArn": fs.RoleArn},
			// The regional endpoint: the image's storage client defaults to the global one.
			Endpoint:    "https://s3." + a.Region + ".amazonaws.com",
			AccessKeyID: fs.AccessKeyID, SecretAccessKey: fs.SecretAccessKey}
	}

	return f, nil
}

// VolumeRoles turns digit:volumes into the volume component's roles, in a stable order.
func VolumeRoles(cfg *config.Config) []awsc.VolumeRole {
	v := cfg.Volumes
	role := func(name string, vol config.Volume) awsc.VolumeRole {
		return awsc.VolumeRole{Name: name, Replicas: vol.Replicas, SizeGB: vol.SizeGB, Type: vol.Type}
	}
	return []awsc.VolumeRole{
		role(config.RoleKafka, v.Kafka),
		role(config.RoleZookeeper, v.Zookeeper),
		role(config.RoleElasticsearchData, v.ElasticsearchData),
		role(config.RoleElasticsearchMaster, v.ElasticsearchMaster),
	}
}
