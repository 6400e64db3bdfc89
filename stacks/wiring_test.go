package stacks

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/components/aws/awstest"
	"github.com/digit-iac/digit/internal/mocktest"
	"github.com/digit-iac/digit/stacks/config"
)

// TestNamespacesAreThoseOfEnabledWorkloads: a Namespace per module and per third-party workload's own namespace;
// cert-manager's only with a domain. egov-config goes only where DIGIT services read it.
func TestNamespacesAreThoseOfEnabledWorkloads(t *testing.T) {
	for _, tc := range []struct {
		extra map[string]string
		want  []string
	}{
		{nil, []string{"backbone", "egov", "es-cluster", "ingress-nginx", "kafka-cluster", "logging", "monitoring", "zookeeper-cluster"}},
		{map[string]string{"digit:domain": "digit.example.org", "digit:tlsEmail": "ops@example.org"},
			[]string{"backbone", "cert-manager", "egov", "es-cluster", "ingress-nginx", "kafka-cluster", "logging", "monitoring", "zookeeper-cluster"}},
	} {
		m := runExisting(t, existingConfig(t, tc.extra))
		var ns, withConfig []string
		for _, r := range m.ByType("kubernetes:core/v1:Namespace") {
			ns = append(ns, r.MetadataName())
		}
		for _, r := range m.ByType("kubernetes:core/v1:ConfigMap") {
			if r.MetadataName() == "egov-config" {
				withConfig = append(withConfig, r.Namespace())
			}
		}
		slices.Sort(ns)
		if !slices.Equal(ns, tc.want) {
			t.Errorf("domain %q: namespaces %q, want %q", tc.extra["digit:domain"], ns, tc.want)
		}
		if !slices.Equal(withConfig, []string{"egov"}) {
			t.Errorf("egov-config in %q, want only egov (the one namespace with DIGIT services)", withConfig)
		}
		// DIGIT builds its links from the public address: the domain's https URL, or nothing without one.
		cm, _ := findMeta(m, "kubernetes:core/v1:ConfigMap", "egov", "egov-config")
		want := ""
		if d := tc.extra["digit:domain"]; d != "" {
			want = "https://" + d + "/"
		}
		if got := cm.String("data.egov-services-fqdn-name"); got != want {
			t.Errorf("egov-services-fqdn-name %q, want %q", got, want)
		}
	}
}

// TestZuulRoutesAreTheServicesBehindIt: zuul routes exactly the enabled services marked viaZuul that have a context
// path, each to its own Service; not itself, and not the services the Ingress reaches directly.
func TestZuulRoutesAreTheServicesBehindIt(t *testing.T) {
	cfg := existingConfig(t, nil)
	m := runExisting(t, cfg)
	var routes string
	for _, cm := range m.ByType("kubernetes:core/v1:ConfigMap") {
		for _, v := range cm.StringMap("data") {
			if strings.Contains(v, "zuul.routes.") {
				routes = v
			}
		}
	}
	got := map[string]bool{}
	for _, line := range strings.Split(routes, "\n") {
		if id, ok := strings.CutPrefix(line, "zuul.routes."); ok && strings.Contains(id, ".path=") {
			got[strings.Split(id, ".")[0]] = true
		}
	}
	want := map[string]bool{}
	direct := 0
	for _, s := range cfg.Services.Catalogue.Services() {
		switch {
		case s.ViaZuul && s.ContextPath != "" && s.Role != "gateway":
			want[s.Name] = true
		case s.ContextPath != "" && s.Role != "gateway":
			direct++
		}
	}
	if len(want) == 0 || direct == 0 {
		t.Fatalf("the catalogue has %d services behind zuul and %d reached directly; the test needs both", len(want), direct)
	}
	for name := range want {
		if !got[name] {
			t.Errorf("no zuul route for %s", name)
		}
	}
	for name := range got {
		if !want[name] {
			t.Errorf("zuul routes %s, which is not behind it", name)
		}
	}
}

// TestRegistryOnlyWithRepositories: no ECR component (and no repository) for a stack that names none.
func TestRegistryOnlyWithRepositories(t *testing.T) {
	for _, tc := range []struct {
		repos string
		want  int
	}{{`{"repositories":[]}`, 0}, {`{"repositories":["egovio/egov-user"]}`, 1}} {
		r := runAWS(t, stackConfig(t, "dev", map[string]string{"digit:registry": tc.repos}))
		if n := len(r.m.ByType("digit:aws:Registry")); n != tc.want {
			t.Errorf("registry %s: %d registry components, want %d", tc.repos, n, tc.want)
		}
	}
}

// TestServicesAddedToWorkloadModulesAreDeployed: a module that runs third-party workloads (backbone, gateway,
// logging, monitoring) may also hold added DIGIT services; they are deployed after its workloads, not dropped.
func TestServicesAddedToWorkloadModulesAreDeployed(t *testing.T) {
	var add []map[string]any
	modules := map[string]string{"backbone": "backbone", "gateway": "egov", "logging": "logging", "monitoring": "monitoring"}
	for mod := range modules {
		add = append(add, map[string]any{"name": mod + "-extra", "module": mod, "image": "egovio/" + mod + "-extra",
			"tag": "v1", "port": 8080, "contextPath": "", "replicas": 1, "memoryLimit": "256Mi", "heap": "-Xmx128m"})
	}
	overrides, err := json.Marshal(map[string]any{"add": add})
	if err != nil {
		t.Fatal(err)
	}
	cfg := existingConfig(t, map[string]string{"digit:catalogue": string(overrides)})
	m := runExisting(t, cfg)
	for mod := range modules {
		ns, _ := cfg.Services.Catalogue.NamespaceOf(mod + "-extra")
		if _, ok := findMeta(m, "kubernetes:apps/v1:Deployment", ns, mod+"-extra"); !ok {
			t.Errorf("the service added to module %s has no Deployment in %s", mod, ns)
		}
	}
}

// TestFrontendGlobalConfigsScript: the script nginx injects into a frontend's page, exactly: every key, sorted,
// comma-separated, with {tenant} replaced.
func TestFrontendGlobalConfigsScript(t *testing.T) {
	got := subFilter(map[string]string{"b": "x-{tenant}", "a": "1", "c": "3"}, "pb")
	want := `sub_filter '<head>' '<head><script type="text/javascript">var globalConfigs=(function(){var c={"a":"1","b":"x-pb","c":"3"};return {getConfig:function(k){return c[k];}};})();</script>';` + "\nsub_filter_once on;\n"
	if got != want {
		t.Errorf("subFilter:\n got %s\nwant %s", got, want)
	}
}

// TestDatabaseConnectionsOfRDSClasses: RDS's default max_connections, LEAST(memory*0.9/9531392, 5000), for each
// family this project sizes; a class outside the table is unknown rather than guessed.
func TestDatabaseConnectionsOfRDSClasses(t *testing.T) {
	for class, want := range map[string]int{
		"db.t4g.micro": 101, "db.t3.medium": 405, "db.t3.large": 811,
		"db.m5.large": 811, "db.m6g.xlarge": 1622, "db.m7g.large": 811,
		"db.r5.large": 1622, "db.r6g.xlarge": 3244, "db.r7g.2xlarge": 5000,
		"db.x2g.large": 0, "db.t3": 0, "db.t3.medium.extra": 0, "db.t3.huge": 0,
	} {
		n, name, ok := config.AWS{}.MaxConnections(config.Database{InstanceClass: class})
		if n != want || ok != (want > 0) {
			t.Errorf("%s: %d connections (known %v), want %d", class, n, ok, want)
		}
		if ok && name != "RDS "+class {
			t.Errorf("%s: named %q", class, name)
		}
	}
}

// TestNodeShapeOfExistingNodes: cpu and memory quantities of digit:nodes become millicores and MiB.
func TestNodeShapeOfExistingNodes(t *testing.T) {
	cfg := existingConfig(t, map[string]string{"digit:nodes": `{"count":3,"cpu":"7500m","memory":"30Gi","pods":110}`})
	shape, ok := cfg.Cloud.NodeShape()
	if !ok || shape.Nodes != 3 || shape.PerNode == nil {
		t.Fatalf("shape %+v (%v), want 3 nodes of a custom size", shape, ok)
	}
	if p := *shape.PerNode; p.MilliCPU != 7500 || p.MemoryMiB != 30720 || p.Pods != 110 {
		t.Errorf("per node %+v, want 7500m, 30720Mi, 110 pods", p)
	}
	if !strings.Contains(shape.String(), "3 x") {
		t.Errorf("shape prints as %q", shape.String())
	}
}

// TestAWSServiceLayerPerServiceObjects reads, for the prod stack, what each service gets from the catalogue and the
// cloud layer: its autoscaler, its Ingress (only with a context path), the frontend script (only with
// globalConfigs), the filestore's IAM role and keys as the mocked cloud answered them, and the cluster's kubeconfig
// in the Kubernetes provider.
func TestAWSServiceLayerPerServiceObjects(t *testing.T) {
	cfg := stackConfig(t, "prod", nil)
	r := runAWS(t, cfg)
	cat := cfg.Services.Catalogue

	hpas := map[string]int{}
	for _, h := range r.m.ByType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
		hpas[h.MetadataName()] = h.Int("spec.minReplicas")
	}
	ingresses := map[string]bool{}
	for _, i := range r.m.ByType("kubernetes:networking.k8s.io/v1:Ingress") {
		ingresses[i.MetadataName()] = true
	}
	scripts := map[string]bool{}
	for _, d := range r.m.ByType("kubernetes:apps/v1:Deployment") {
		for i := 0; i < d.Len("spec.template.spec.containers[0].volumeMounts"); i++ {
			if d.String("spec.template.spec.containers[0].volumeMounts["+strconv.Itoa(i)+"].mountPath") == subFilterFile {
				scripts[d.MetadataName()] = true
			}
		}
	}
	nIngress := 0
	for _, s := range cat.Services() {
		if s.Autoscaling != nil {
			if min, ok := hpas[s.Name]; !ok || min != s.Autoscaling.Min {
				t.Errorf("%s: autoscaler min %d (present %v), want %d", s.Name, min, ok, s.Autoscaling.Min)
			}
		} else if _, ok := hpas[s.Name]; ok {
			t.Errorf("%s has no autoscaling in the catalogue but an autoscaler", s.Name)
		}
		if want := s.ContextPath != ""; ingresses[s.Name] != want {
			t.Errorf("%s: Ingress %v, want %v (context path %q)", s.Name, ingresses[s.Name], want, s.ContextPath)
		}
		if s.ContextPath != "" {
			nIngress++
		}
		if want := len(s.GlobalConfigs) > 0; scripts[s.Name] != want {
			t.Errorf("%s: frontend script mounted %v, want %v", s.Name, scripts[s.Name], want)
		}
	}
	if len(ingresses) != nIngress || len(hpas) == 0 {
		t.Errorf("%d Ingresses for %d services with a context path; %d autoscalers", len(ingresses), nIngress, len(hpas))
	}

	// The filestore's identity: the IAM role egov-filestore's ServiceAccount may assume, and the access key the
	// cloud layer made.
	var roleArn string
	for _, role := range r.m.ByType("aws:iam/role:Role") {
		if strings.Contains(role.String("assumeRolePolicy"), "system:serviceaccount:egov:egov-filestore") {
			roleArn = role.Outputs["arn"].StringValue()
		}
	}
	for _, sa := range r.m.ByType("kubernetes:core/v1:ServiceAccount") {
		got := sa.StringMap("metadata.annotations")["eks.amazonaws.com/role-arn"]
		if want := map[bool]string{true: roleArn}[sa.MetadataName() == "egov-filestore"]; got != want {
			t.Errorf("ServiceAccount %s: role-arn %q, want %q", sa.MetadataName(), got, want)
		}
	}
	if roleArn == "" {
		t.Error("no filestore IAM role was registered")
	}
	if sas := countNamed(r.m.ByType("kubernetes:core/v1:ServiceAccount"), "egov-filestore"); sas != 1 {
		t.Errorf("%d ServiceAccounts named egov-filestore, want 1", sas)
	}
	for _, d := range r.m.ByType("kubernetes:apps/v1:Deployment") {
		sa := d.String("spec.template.spec.serviceAccountName")
		if (sa == "egov-filestore") != (d.MetadataName() == "egov-filestore") {
			t.Errorf("Deployment %s runs as ServiceAccount %q; only egov-filestore runs as egov-filestore", d.MetadataName(), sa)
		}
	}
	key := onlyAWS(t, r.m, "aws:iam/accessKey:AccessKey")
	sec, ok := awsMeta(r.m, "kubernetes:core/v1:Secret", "egov", "egov-filestore")
	if !ok {
		t.Fatal("no egov-filestore Secret")
	}
	if sec.String("stringData.awskey") != key.ID || sec.String("stringData.awssecretkey") != key.Outputs["secret"].SecretValue().Element.StringValue() {
		t.Errorf("egov-filestore Secret %v, want the cloud layer's access key %s", sec.Get("stringData"), key.ID)
	}

	provider := r.m.MustFind(t, "pulumi:providers:kubernetes", "k8s")
	if kc := provider.String("kubeconfig"); kc != awstest.Kubeconfig {
		t.Errorf("the Kubernetes provider's kubeconfig (%d bytes) is not the mocked cluster's kubeconfigJson", len(kc))
	}
}

// TestExistingObjectStorageReachesEgovConfig: on an existing cluster the filestore's bucket and endpoint are the
// stack's object storage; without one the keys are empty.
func TestExistingObjectStorageReachesEgovConfig(t *testing.T) {
	for _, tc := range []struct {
		filestore        string
		bucket, endpoint string
	}{
		{"", "", ""},
		{`{"bucket":"digit-files","endpoint":"http://minio.storage:9000","region":"local"}`, "digit-files", "http://minio.storage:9000"},
	} {
		extra := map[string]string{}
		if tc.filestore != "" {
			extra["digit:filestore"] = tc.filestore
		}
		m := runExisting(t, existingConfig(t, extra))
		cm, _ := findMeta(m, "kubernetes:core/v1:ConfigMap", "egov", "egov-config")
		if cm.String("data.filestore-bucket") != tc.bucket || cm.String("data.filestore-endpoint") != tc.endpoint {
			t.Errorf("filestore %q: egov-config bucket %q endpoint %q, want %q %q", tc.filestore,
				cm.String("data.filestore-bucket"), cm.String("data.filestore-endpoint"), tc.bucket, tc.endpoint)
		}
	}
}

func countNamed(rs []awstest.Resource, name string) int {
	n := 0
	for _, r := range rs {
		if r.MetadataName() == name {
			n++
		}
	}
	return n
}

// TestVolumesOutputOnlyWithStaticDisks: the stack's volumes output lists the cloud disks; a cluster of dynamic claims
// has none, and no empty output.
func TestVolumesOutputOnlyWithStaticDisks(t *testing.T) {
	var outs pulumi.Map
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		var err error
		outs, err = Register(ctx, existingConfig(t, nil))
		return err
	}, pulumi.WithMocks("digit", "test", mocktest.New()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := outs["volumes"]; ok {
		t.Errorf("an existing cluster's stack has a volumes output: %v", outs["volumes"])
	}
	if _, ok := runAWS(t, stackConfig(t, "dev", nil)).outputs["volumes"]; !ok {
		t.Error("an aws stack has no volumes output")
	}
}
