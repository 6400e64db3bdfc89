package stacks

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/digit-iac/digit/internal/mocktest"
	"github.com/digit-iac/digit/stacks/config"
)

// qaConfig is the local stack's settings as the QA stack qa-<name> runs them.
func qaConfig(t *testing.T, name string) *config.Config {
	t.Helper()
	src, err := config.StackFileSource(filepath.Join(repoRoot(), "Pulumi.local.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	src.Values["digit:secrets"] = testServiceSecrets(config.TargetExisting)
	src.Values["digit:database"] = `{"host":"127.0.0.1","port":5433,"name":"egov","user":"egov"}`
	src.Values["digit:dbPassword"] = testDBPassword
	src.Secrets = append(src.Secrets, "digit:secrets", "digit:dbPassword")
	if name != "" {
		src.Values["digit:qa"] = name
	}
	stack := "local"
	if name != "" {
		stack = "qa-" + name
	}
	cfg, err := config.Load(src, "digit", stack)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var clusterScoped = map[string]bool{
	"kubernetes:core/v1:Namespace":                               true,
	"kubernetes:core/v1:PersistentVolume":                        true,
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":        true,
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": true,
	"kubernetes:networking.k8s.io/v1:IngressClass":               true,
	"kubernetes:cert-manager.io/v1:ClusterIssuer":                true,
}

// A QA stack on the local stack's settings deploys the same objects, every one of them in a namespace of its own
// or, when cluster-scoped, under a name of its own; its Ingresses name its own class, and every address its
// services are given points into its own namespaces.
func TestQAStackIsIsolatedOnASharedCluster(t *testing.T) {
	base := runExisting(t, qaConfig(t, ""))
	m := runExisting(t, qaConfig(t, "a"))
	if nb, nq := len(base.Kubernetes()), len(m.Kubernetes()); nb != nq {
		t.Errorf("expected the QA stack to deploy what its base does; %d objects against %d", nq, nb)
	}
	baseNames := map[string]bool{}
	for _, r := range base.Kubernetes() {
		baseNames[r.Type+" "+r.Namespace()+"/"+r.MetadataName()] = true
	}
	for _, r := range m.Kubernetes() {
		id := r.Type + " " + r.Namespace() + "/" + r.MetadataName()
		if baseNames[id] {
			t.Errorf("%s: the same object as the base stack's", id)
		}
		if clusterScoped[r.Type] {
			if !strings.Contains(r.MetadataName(), "qa-a-") {
				t.Errorf("%s: a cluster-scoped name without the QA prefix", id)
			}
		} else if r.Type != "kubernetes:helm.sh/v3:Release" && !strings.HasPrefix(r.Namespace(), "qa-a-") {
			t.Errorf("%s: not in a namespace of the QA stack", id)
		}
	}
	ingresses := m.ByType("kubernetes:networking.k8s.io/v1:Ingress")
	if len(ingresses) == 0 {
		t.Fatal("no Ingress")
	}
	for _, in := range ingresses {
		if got := in.String("spec.ingressClassName"); got != "qa-a-nginx" {
			t.Errorf("Ingress %s/%s: class %q, not the QA stack's qa-a-nginx", in.Namespace(), in.MetadataName(), got)
		}
	}
	ic := m.ByType("kubernetes:networking.k8s.io/v1:IngressClass")
	if len(ic) != 1 || ic[0].MetadataName() != "qa-a-nginx" {
		t.Errorf("expected one IngressClass qa-a-nginx; got %v", names(ic))
	}

	cm, ok := findMeta(m, "kubernetes:core/v1:ConfigMap", "qa-a-egov", "egov-config")
	if !ok {
		t.Fatal("no egov-config in qa-a-egov")
	}
	for key, want := range map[string]string{
		"kafka-brokers": "kafka-v2.qa-a-kafka-cluster:9092",
		"es-host":       ".qa-a-es-cluster",
	} {
		if got := cm.String("data." + key); !strings.Contains(got, want) {
			t.Errorf("egov-config %s = %q; expected it to name %s", key, got, want)
		}
	}
	hosts, ok := findMeta(m, "kubernetes:core/v1:ConfigMap", "qa-a-egov", "egov-service-host")
	if !ok {
		t.Fatal("no egov-service-host in qa-a-egov")
	}
	if got := hosts.String("data.egov-user"); got != "http://egov-user.qa-a-egov:8080/" {
		t.Errorf("egov-service-host egov-user = %q", got)
	}
	zuul, ok := findMeta(m, "kubernetes:apps/v1:Deployment", "qa-a-egov", "zuul")
	if !ok {
		t.Fatal("no zuul Deployment in qa-a-egov")
	}
	if env := lastByName(containerEnvOf(zuul.Get("spec.template.spec.containers[0].env"))); env["SPRING_REDIS_HOST"] != (envSource{Kind: "value", A: "redis.qa-a-backbone"}) {
		t.Errorf("zuul's SPRING_REDIS_HOST = %v; expected redis.qa-a-backbone", env["SPRING_REDIS_HOST"])
	}
}

func names(rs []mocktest.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.MetadataName()
	}
	return out
}
