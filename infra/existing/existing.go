// Package existing is the cloud layer for a cluster the user already has (on-prem, minikube, kind): nothing is
// created in a cloud; the Foundation is assembled from config. The cluster comes from a kubeconfig, the database is
// an external Postgres, backbone disks are dynamic PVCs of a StorageClass.
package existing

import (
	"fmt"
	"net"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/infra"
	"github.com/digit-iac/digit/stacks/config"
)

// DialTimeout bounds the check that the API server answers: a firewall that drops packets would otherwise hold the
// first Kubernetes call for the provider's minutes of retries.
const DialTimeout = 5 * time.Second

// Reachable fails fast, naming the server, when the kubeconfig's API server does not accept a TCP connection:
// before any resource is registered, instead of every Kubernetes object timing out one by one.
func Reachable(api config.APIServer, timeout time.Duration) error {
	host := api.URL.Host
	if api.URL.Port() == "" {
		port := "443"
		if api.URL.Scheme == "http" {
			port = "80"
		}
		host = net.JoinHostPort(api.URL.Hostname(), port)
	}
	conn, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return fmt.Errorf("%s:kubeconfig: the API server %s (cluster %q of context %q) is unreachable: %v",
			config.Namespace, api.URL.Redacted(), api.Cluster, api.Context, err)
	}
	return conn.Close()
}

// Deploy implements infra.Layer.
func Deploy(ctx *pulumi.Context, cfg *config.Config) (*infra.Foundation, error) {
	db := cfg.Database
	f := &infra.Foundation{
		Target:      string(config.TargetExisting),
		ClusterName: pulumi.String(cfg.Stack),
		Zones:       cfg.Existing.Zones,
		Database: infra.Database{
			Host:     pulumi.String(db.Host),
			Port:     pulumi.Int(db.Port),
			Name:     pulumi.String(db.Name),
			User:     pulumi.String(db.User),
			Password: pulumi.ToSecret(pulumi.String(db.Password.Reveal())).(pulumi.StringOutput),
		},
		Storage: infra.Storage{
			Mode:         infra.StorageDynamic,
			StorageClass: cfg.Existing.StorageClass,
		},
		Capacity: infra.NodeCapacity{
			InstanceType: cfg.Existing.Nodes.InstanceType,
			Nodes:        cfg.Existing.Nodes.Count,
		},
	}
	if api := cfg.Existing.APIServer; api != nil && cfg.Services.RenderDir == "" {
		if err := Reachable(*api, DialTimeout); err != nil {
			return nil, err
		}
	}
	if id := cfg.Existing.ClusterID; id != "" && cfg.Services.RenderDir == "" {
		if err := SameCluster(cfg.Existing.Kubeconfig.Reveal(), id, DialTimeout); err != nil {
			return nil, err
		}
	}
	if cfg.Existing.Kubeconfig.IsSet() {
		f.Kubeconfig = pulumi.ToSecret(pulumi.String(cfg.Existing.Kubeconfig.Reveal())).(pulumi.StringOutput)
	}
	f.RegistryURL = cfg.Registry.URL
	if os := cfg.Existing.ObjectStorage; os.Bucket != "" {
		// The key pair is the stack's (digit:secrets egov-filestore): this layer creates no storage.
		f.Filestore = &infra.Filestore{Bucket: pulumi.String(os.Bucket), Region: os.Region, Endpoint: os.Endpoint}
	}
	return f, nil
}
