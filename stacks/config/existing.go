package config

import (
	"net/netip"
	"net/url"
	"regexp"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/digit-iac/digit/catalogue"
)

// The existing-cluster target's config (the cloud layer is infra/existing).
func init() {
	Register(Cloud{
		Target:          TargetExisting,
		Keys:            []string{"kubeconfig", "clusterId", "storageClass", "nodes"},
		DefaultParallel: 64,
		Load: func(l *Reader, c *Config) Section {
			l.loadExisting(c)
			return existingSection{nodes: c.Existing.Nodes}
		},
	})
}

// existingSection implements Section from digit:nodes and digit:database.maxConnections.
type existingSection struct{ nodes Nodes }

func (e existingSection) NodeShape() (catalogue.NodeShape, bool) {
	n := e.nodes
	if n.Count == 0 {
		return catalogue.NodeShape{}, false
	}
	shape := catalogue.NodeShape{InstanceType: n.InstanceType, Nodes: n.Count}
	if n.InstanceType == "" {
		// Validated by the loader, so the quantities parse.
		cpu, mem := resource.MustParse(n.CPU), resource.MustParse(n.Memory)
		shape.PerNode = &catalogue.Amount{MilliCPU: cpu.MilliValue(), MemoryMiB: mem.Value() / (1 << 20), Pods: int64(n.Pods)}
	}
	return shape, true
}

func (existingSection) MaxConnections(db Database) (int, string, bool) {
	return db.MaxConnections, "the database (digit:database.maxConnections)", db.MaxConnections > 0
}

// ProvidedSecrets: the stack gives the filestore's key pair (digit:secrets egov-filestore); nothing is created.
func (existingSection) ProvidedSecrets() map[string]bool { return map[string]bool{} }

// clusterIDRe is a Kubernetes object UID (an RFC 4122 UUID in lower case, as the API server writes it).
var clusterIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

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
	e.ClusterID = l.str("clusterId", "")
	if e.ClusterID != "" && !clusterIDRe.MatchString(e.ClusterID) {
		l.fail("clusterId", "%q is not a namespace UID (the value of kubectl get namespace kube-system -o jsonpath='{.metadata.uid}', "+
			"e.g. 6f1c8a52-3b0e-4a59-9d0c-2f4e5b6a7c8d)", Shorten(e.ClusterID))
	}
	e.StorageClass = l.str("storageClass", DefaultStorageClass)
	if !storageClassRe.MatchString(e.StorageClass) {
		l.fail("storageClass", "%q is not a valid StorageClass name", e.StorageClass)
	}
	e.Zones = l.Zones()
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
