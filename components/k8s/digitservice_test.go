package k8s

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/internal/mocktest"
)

const (
	tDeployment = "kubernetes:apps/v1:Deployment"
	tService    = "kubernetes:core/v1:Service"
	tHPA        = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
	tPDB        = "kubernetes:policy/v1:PodDisruptionBudget"
	tIngress    = "kubernetes:networking.k8s.io/v1:Ingress"
	tSA         = "kubernetes:core/v1:ServiceAccount"
)

func userArgs() *DigitServiceArgs {
	return &DigitServiceArgs{
		Name:        "egov-user",
		Namespace:   "egov",
		Image:       "egovio/egov-user:v1.2.8-9fde481-19",
		Component:   "core",
		ContextPath: "user",
		Replicas:    2,
		MemoryLimit: "768Mi",
		JavaOpts:    "-Xmx384m -Xms384m",
		HealthPath:  "/user/health",
		Env: []EnvVar{
			LiteralEnv("SPRING_REDIS_HOST", "redis.backbone"),
			{Name: "KAFKA_CONFIG_BOOTSTRAP_SERVER_CONFIG", ConfigMap: &KeyRef{Name: "egov-config", Key: "kafka-brokers"}},
			{Name: "EGOV_MDMS_HOST", ConfigMap: &KeyRef{Name: "egov-service-host", Key: "egov-mdms-service"}},
			{Name: "SPRING_DATASOURCE_PASSWORD", Secret: &KeyRef{Name: "db", Key: "password"}},
			{Name: "JAEGER_AGENT_HOST", FieldPath: "status.hostIP"},
		},
		Migration: &Migration{Image: "egovio/egov-user-db:v1.2.8-9fde481-19", SchemaTable: "egov_user_schema"},
		GitSync: &GitSync{Repo: "https://github.com/egovernments/egov-mdms-data", Branch: "DEV",
			Commit: "8a29400b2aaf74d26eb764f7ec45d607a46fb41c"},
		Files:   []File{{Volume: "zuul-routes", MountPath: "/etc/zuul/routes.properties", Content: "zuul.routes.a.path=/a/**\n"}},
		Ingress: &IngressRoute{Host: "digit.example.org", ViaZuul: true, TLSSecretName: "digit-example-org-tls"},
		Autoscaling: &Autoscaling{
			Max: 4,
		},
		ServiceAccountName:        "egov-user",
		ServiceAccountAnnotations: map[string]pulumi.StringInput{"eks.amazonaws.com/role-arn": pulumi.String("arn:aws:iam::1:role/x")},
	}
}

func deployUser(t *testing.T, mutate func(*DigitServiceArgs)) (*mocktest.Recorder, *DigitService) {
	t.Helper()
	a := userArgs()
	if mutate != nil {
		mutate(a)
	}
	var svc *DigitService
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		svc, err = NewDigitService(ctx, "egov-user", a)
		return err
	})
	return m, svc
}

const app = `spec.template.spec.containers[0]`

func TestDigitServiceJava(t *testing.T) {
	m, svc := deployUser(t, nil)

	if svc.Host != "egov-user.egov:8080" || svc.ServiceName != "egov-user" {
		t.Errorf("outputs: Host %q ServiceName %q", svc.Host, svc.ServiceName)
	}
	dep := m.MustFind(t, tDeployment, "egov-user")
	if dep.Label(LabelVersion) != "v1.2.8-9fde481-19" || dep.Label(LabelComponent) != "core" {
		t.Errorf("version/component labels: %q %q", dep.Label(LabelVersion), dep.Label(LabelComponent))
	}
	if got := dep.StringMap("spec.selector.matchLabels"); len(got) != 2 || got[LabelVersion] != "" {
		t.Errorf("selector must hold only name and instance (it is immutable), got %v", got)
	}
	// Startup holds liveness back for 300 s (a JVM on a busy node); then readiness every 10 s, liveness every 30 s.
	for probe, want := range map[string][2]int{"startupProbe": {10, 30}, "readinessProbe": {10, 3}, "livenessProbe": {30, 3}} {
		p := app + "." + probe
		if dep.String(p+".httpGet.path") != "/user/health" || dep.String(p+".httpGet.port") != "http" {
			t.Errorf("%s: %v", probe, dep.Get(p))
		}
		if dep.Int(p+".periodSeconds") != want[0] || dep.Int(p+".failureThreshold") != want[1] {
			t.Errorf("%s period %d failures %d, want %v", probe, dep.Int(p+".periodSeconds"), dep.Int(p+".failureThreshold"), want)
		}
	}
	if dep.String(app+".ports[name=http].containerPort") != "8080" {
		t.Errorf("container port: %v", dep.Get(app+".ports"))
	}
	req, lim := dep.String(app+".resources.requests.memory"), dep.String(app+".resources.limits.memory")
	if req != "768Mi" || lim != "768Mi" {
		t.Errorf("memory request %q limit %q, want both 768Mi", req, lim)
	}
	if dep.String(app+".resources.limits.cpu") != "1" || dep.String(app+".resources.requests.cpu") != "100m" {
		t.Errorf("cpu defaults: %v", dep.Get(app+".resources"))
	}

	env := app + ".env"
	if dep.String(env+"[name=JAVA_OPTS].value") != "-Xmx384m -Xms384m" {
		t.Errorf("JAVA_OPTS = %q", dep.String(env+"[name=JAVA_OPTS].value"))
	}
	// Env is rendered in order, each source as given: SERVER_PORT and JAVA_OPTS first (from Port and JavaOpts).
	var names []string
	for i := 0; i < dep.Len(env); i++ {
		names = append(names, dep.String(fmt.Sprintf("%s[%d].name", env, i)))
	}
	want := []string{"SERVER_PORT", "JAVA_OPTS", "SPRING_REDIS_HOST", "KAFKA_CONFIG_BOOTSTRAP_SERVER_CONFIG",
		"EGOV_MDMS_HOST", "SPRING_DATASOURCE_PASSWORD", "JAEGER_AGENT_HOST"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("env names %v, want %v", names, want)
	}
	if dep.String(env+"[name=SPRING_REDIS_HOST].value") != "redis.backbone" {
		t.Errorf("SPRING_REDIS_HOST: %v", dep.Get(env+"[name=SPRING_REDIS_HOST]"))
	}
	for name, ref := range map[string][3]string{
		"KAFKA_CONFIG_BOOTSTRAP_SERVER_CONFIG": {"configMapKeyRef", "egov-config", "kafka-brokers"},
		"EGOV_MDMS_HOST":                       {"configMapKeyRef", "egov-service-host", "egov-mdms-service"},
		"SPRING_DATASOURCE_PASSWORD":           {"secretKeyRef", "db", "password"},
	} {
		p := env + "[name=" + name + "]"
		if dep.Has(p+".value") || dep.String(p+".valueFrom."+ref[0]+".name") != ref[1] || dep.String(p+".valueFrom."+ref[0]+".key") != ref[2] {
			t.Errorf("%s: want %s %s/%s, got %v", name, ref[0], ref[1], ref[2], dep.Get(p))
		}
	}
	if dep.String(env+"[name=JAEGER_AGENT_HOST].valueFrom.fieldRef.fieldPath") != "status.hostIP" {
		t.Errorf("JAEGER_AGENT_HOST: %v", dep.Get(env+"[name=JAEGER_AGENT_HOST]"))
	}

	// A configuration file: its own ConfigMap, mounted read-only, and a checksum that rolls the pods.
	cm := m.MustFind(t, "kubernetes:core/v1:ConfigMap", "egov-user-zuul-routes")
	if cm.MetadataName() != "egov-user-zuul-routes" || cm.String(`data["routes.properties"]`) != "zuul.routes.a.path=/a/**\n" {
		t.Errorf("file ConfigMap: %v", cm.Get("data"))
	}
	if dep.String("spec.template.spec.volumes[name=zuul-routes].configMap.name") != "egov-user-zuul-routes" ||
		dep.String(app+".volumeMounts[name=zuul-routes].mountPath") != "/etc/zuul/routes.properties" ||
		dep.String(app+".volumeMounts[name=zuul-routes].subPath") != "routes.properties" {
		t.Errorf("file mount: %v / %v", dep.Get("spec.template.spec.volumes"), dep.Get(app+".volumeMounts"))
	}
	sum := dep.String(`spec.template.metadata.annotations["` + ConfigChecksumAnnotation + `"]`)
	m2, _ := deployUser(t, func(a *DigitServiceArgs) { a.Files[0].Content = "zuul.routes.b.path=/b/**\n" })
	if sum == "" || m2.MustFind(t, tDeployment, "egov-user").String(`spec.template.metadata.annotations["`+ConfigChecksumAnnotation+`"]`) == sum {
		t.Errorf("the config checksum %q does not change with the file's content", sum)
	}

	// Flyway init container.
	mig := `spec.template.spec.initContainers[name=db-migration]`
	if dep.String(mig+".image") != "egovio/egov-user-db:v1.2.8-9fde481-19" {
		t.Errorf("migration image %q", dep.String(mig+".image"))
	}
	if dep.String(mig+".env[name=SCHEMA_TABLE].value") != "egov_user_schema" {
		t.Errorf("SCHEMA_TABLE: %v", dep.Get(mig+".env"))
	}
	for name, ref := range map[string][3]string{
		"DB_URL":           {"configMapKeyRef", "egov-config", "db-url"},
		"FLYWAY_LOCATIONS": {"configMapKeyRef", "egov-config", "flyway-locations"},
		"FLYWAY_USER":      {"secretKeyRef", "db", "flyway-username"},
		"FLYWAY_PASSWORD":  {"secretKeyRef", "db", "flyway-password"},
	} {
		p := mig + ".env[name=" + name + "]"
		if dep.Has(p+".value") || dep.String(p+".valueFrom."+ref[0]+".name") != ref[1] || dep.String(p+".valueFrom."+ref[0]+".key") != ref[2] {
			t.Errorf("%s: want %s %s/%s, got %v", name, ref[0], ref[1], ref[2], dep.Get(p))
		}
	}

	// git-sync: a one-time clone into an emptyDir the app mounts at the same place.
	gs := `spec.template.spec.initContainers[name=git-sync]`
	for name, want := range map[string]string{
		"GIT_SYNC_REPO": "https://github.com/egovernments/egov-mdms-data", "GIT_SYNC_BRANCH": "DEV",
		"GIT_SYNC_REV": "8a29400b2aaf74d26eb764f7ec45d607a46fb41c", "GIT_SYNC_DEPTH": "0",
		"GIT_SYNC_ONE_TIME": "true", "GIT_SYNC_ROOT": "/work-dir",
	} {
		if got := dep.String(gs + ".env[name=" + name + "].value"); got != want {
			t.Errorf("git-sync %s = %q, want %q", name, got, want)
		}
	}
	if dep.Has(gs + ".env[name=GIT_SYNC_USERNAME]") {
		t.Error("git-sync has credentials although the repository is public")
	}
	if dep.String(gs+".image") != DefaultGitSyncImage {
		t.Errorf("git-sync image %q", dep.String(gs+".image"))
	}
	if dep.String(gs+".volumeMounts[0].mountPath") != "/work-dir" || dep.String(app+".volumeMounts[name=workdir].mountPath") != "/work-dir" {
		t.Errorf("git-sync volume not shared at /work-dir")
	}
	if !dep.Has("spec.template.spec.volumes[name=workdir].emptyDir") {
		t.Errorf("git-sync volume is not an emptyDir: %v", dep.Get("spec.template.spec.volumes"))
	}

	// Security.
	pod := "spec.template.spec.securityContext"
	if dep.Get(pod+".runAsNonRoot") != true || dep.Int(pod+".runAsUser") != 1000 || dep.String(pod+".seccompProfile.type") != "RuntimeDefault" {
		t.Errorf("pod securityContext: %v", dep.Get(pod))
	}
	if dep.Get(app+".securityContext.allowPrivilegeEscalation") != false || dep.Strings(app + ".securityContext.capabilities.drop")[0] != "ALL" {
		t.Errorf("container securityContext: %v", dep.Get(app+".securityContext"))
	}
	if dep.String("spec.template.spec.topologySpreadConstraints[0].topologyKey") != DefaultZoneLabel ||
		dep.String("spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable") != "ScheduleAnyway" ||
		dep.Int("spec.template.spec.topologySpreadConstraints[0].maxSkew") != 1 {
		t.Errorf("spread: %v", dep.Get("spec.template.spec.topologySpreadConstraints"))
	}

	// Autoscaling owns the replica count; rollouts never dip below the floor.
	if dep.Has("spec.replicas") {
		t.Errorf("spec.replicas %v set although an HPA manages it", dep.Get("spec.replicas"))
	}
	if dep.Int("spec.strategy.rollingUpdate.maxUnavailable") != 0 || !dep.Has("spec.strategy.rollingUpdate.maxUnavailable") {
		t.Errorf("strategy: %v", dep.Get("spec.strategy"))
	}
	hpa := m.MustFind(t, tHPA, "egov-user")
	if hpa.Int("spec.minReplicas") != 2 || hpa.Int("spec.maxReplicas") != 4 ||
		hpa.Int("spec.metrics[0].resource.target.averageUtilization") != 80 || hpa.String("spec.scaleTargetRef.name") != "egov-user" {
		t.Errorf("hpa spec: %v", hpa.Get("spec"))
	}
	pdb := m.MustFind(t, tPDB, "egov-user")
	if pdb.Int("spec.maxUnavailable") != 1 {
		t.Errorf("pdb: %v", pdb.Get("spec"))
	}

	s := m.MustFind(t, tService, "egov-user")
	if s.MetadataName() != "egov-user" || s.Namespace() != "egov" || s.String("spec.ports[0].targetPort") != "http" || s.Int("spec.ports[0].port") != 8080 {
		t.Errorf("service: %v", s.Get("spec"))
	}

	ing := m.MustFind(t, tIngress, "egov-user")
	path := "spec.rules[0].http.paths[0]"
	if ing.String(path+".path") != "/user" || ing.String(path+".pathType") != "Prefix" {
		t.Errorf("ingress path: %v", ing.Get(path))
	}
	if ing.String(path+".backend.service.name") != "zuul" || ing.Int(path+".backend.service.port.number") != 8080 {
		t.Errorf("ViaZuul backend: %v", ing.Get(path+".backend"))
	}
	if ing.String("spec.ingressClassName") != "nginx" || ing.String("spec.rules[0].host") != "digit.example.org" ||
		ing.String("spec.tls[0].secretName") != "digit-example-org-tls" {
		t.Errorf("ingress spec: %v", ing.Get("spec"))
	}

	sa := m.MustFind(t, tSA, "egov-user")
	if sa.String(`metadata.annotations["eks.amazonaws.com/role-arn"]`) != "arn:aws:iam::1:role/x" ||
		dep.String("spec.template.spec.serviceAccountName") != "egov-user" {
		t.Errorf("service account not wired")
	}
}

func TestDigitServiceSingleReplica(t *testing.T) {
	m, _ := deployUser(t, func(a *DigitServiceArgs) {
		a.Replicas = 0 // default 1
		a.Autoscaling = nil
		a.Ingress = &IngressRoute{}
	})
	if pdbs := m.ByType(tPDB); len(pdbs) != 0 {
		t.Errorf("PDB with one replica blocks node drains: %v", names(pdbs))
	}
	if hpas := m.ByType(tHPA); len(hpas) != 0 {
		t.Errorf("unexpected HPA")
	}
	dep := m.MustFind(t, tDeployment, "egov-user")
	if dep.Int("spec.replicas") != 1 {
		t.Errorf("replicas = %v", dep.Get("spec.replicas"))
	}
	// The surge-only strategy is for a guaranteed floor above one; a single replica keeps Kubernetes' default.
	if dep.Has("spec.strategy") {
		t.Errorf("single replica with strategy %v", dep.Get("spec.strategy"))
	}
	ing := m.MustFind(t, tIngress, "egov-user")
	b := "spec.rules[0].http.paths[0].backend.service"
	if ing.String(b+".name") != "egov-user" || ing.Int(b+".port.number") != 8080 || ing.Has("spec.rules[0].host") {
		t.Errorf("direct backend: %v", ing.Get("spec.rules[0]"))
	}
}

func TestDigitServiceReplicasWithoutAutoscalingGetPDB(t *testing.T) {
	m, _ := deployUser(t, func(a *DigitServiceArgs) { a.Autoscaling = nil; a.Replicas = 3 })
	m.MustFind(t, tPDB, "egov-user")
	if got := m.MustFind(t, tDeployment, "egov-user").Int("spec.replicas"); got != 3 {
		t.Errorf("replicas = %d", got)
	}
}

func TestDigitServiceFrontend(t *testing.T) {
	m := mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewDigitService(ctx, "employee", &DigitServiceArgs{
			Name: "employee", Namespace: "egov", Image: "egovio/employee:v1.8.0-abc", Kind: KindFrontend,
			ContextPath: "employee", Ingress: &IngressRoute{},
		})
		return err
	})
	dep := m.MustFind(t, tDeployment, "employee")
	if dep.String(app+".ports[0].containerPort") != "80" {
		t.Errorf("frontend port: %v", dep.Get(app+".ports"))
	}
	if dep.String(app+".readinessProbe.tcpSocket.port") != "http" || dep.Int(app+".startupProbe.failureThreshold") != 6 {
		t.Errorf("frontend probe: %v", dep.Get(app+".readinessProbe"))
	}
	if dep.Has("spec.template.spec.securityContext.runAsNonRoot") {
		t.Errorf("nginx images start as root; runAsNonRoot would stop them")
	}
	if dep.Get(app+".securityContext.allowPrivilegeEscalation") != false {
		t.Errorf("frontend must still forbid privilege escalation")
	}
	if dep.Len(app+".env") != 0 {
		t.Errorf("frontend env should be empty (no JAVA_OPTS, no DB): %v", dep.Get(app+".env"))
	}
	// Without files, migration or git-sync there is nothing to mount, and no checksum to roll the pods with.
	for _, p := range []string{"spec.template.spec.volumes", "spec.template.spec.initContainers", app + ".volumeMounts",
		`spec.template.metadata.annotations["digit.egov.org/config-checksum"]`} {
		if dep.Has(p) {
			t.Errorf("frontend without files has %s: %v", p, dep.Get(p))
		}
	}
	if m.MustFind(t, tService, "employee").Int("spec.ports[0].port") != 80 {
		t.Errorf("service port")
	}
}

func TestDigitServiceNoContextPath(t *testing.T) {
	// A context path but no health path: TCP probes (the image has no health endpoint), never a derived path.
	m, _ := deployUser(t, func(a *DigitServiceArgs) { a.HealthPath = ""; a.Autoscaling = nil })
	dep := m.MustFind(t, tDeployment, "egov-user")
	for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
		if dep.String(app+"."+probe+".tcpSocket.port") != "http" || dep.Has(app+"."+probe+".httpGet") {
			t.Errorf("want a TCP %s without a health path: %v", probe, dep.Get(app+"."+probe))
		}
	}
	m, svc := deployUser(t, func(a *DigitServiceArgs) { a.ContextPath = ""; a.Autoscaling = nil })
	if len(m.ByType(tIngress)) != 0 || svc.Ingress != nil {
		t.Errorf("an empty ContextPath must not create an Ingress")
	}
}

func TestDigitServiceValidation(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*DigitServiceArgs)
	}{
		{"Name", func(a *DigitServiceArgs) { a.Name = "" }},
		{"Name", func(a *DigitServiceArgs) { a.Name = "Egov_User" }},
		{"Namespace", func(a *DigitServiceArgs) { a.Namespace = "" }},
		{"Image", func(a *DigitServiceArgs) { a.Image = "egovio/egov-user" }},
		{"Kind", func(a *DigitServiceArgs) { a.Kind = "python" }},
		{"Port", func(a *DigitServiceArgs) { a.Port = 70000 }},
		{"ContextPath", func(a *DigitServiceArgs) { a.ContextPath = "/user" }},
		{"HealthPath", func(a *DigitServiceArgs) { a.HealthPath = "health" }},
		{"Replicas", func(a *DigitServiceArgs) { a.Replicas = -1 }},
		{"MemoryLimit", func(a *DigitServiceArgs) { a.MemoryLimit = "lots" }},
		{"CPURequest", func(a *DigitServiceArgs) { a.CPURequest = "2"; a.CPULimit = "1" }},
		{"JavaOpts", func(a *DigitServiceArgs) { a.Kind = KindFrontend }},
		{"Env[0] (1X)", func(a *DigitServiceArgs) { a.Env = []EnvVar{LiteralEnv("1X", "y")} }},
		{"Env[1] (A)", func(a *DigitServiceArgs) { a.Env = []EnvVar{LiteralEnv("A", "1"), LiteralEnv("A", "2")} }},
		{"Env[0] (JAVA_OPTS)", func(a *DigitServiceArgs) { a.Env = []EnvVar{LiteralEnv("JAVA_OPTS", "-Xmx1g")} }},
		{"Env[0] (SMS_PASSWORD)", func(a *DigitServiceArgs) { a.Env = []EnvVar{{Name: "SMS_PASSWORD"}} }},
		{"Env[0] (B)", func(a *DigitServiceArgs) {
			a.Env = []EnvVar{{Name: "B", Value: new(string), Secret: &KeyRef{Name: "sms", Key: "password"}}}
		}},
		{"Files[0].MountPath", func(a *DigitServiceArgs) { a.Files[0].MountPath = "/etc/zuul/" }},
		{"Files[0].Volume", func(a *DigitServiceArgs) { a.Files[0].Volume = "workdir" }},
		{"GitSync.Commit", func(a *DigitServiceArgs) { a.GitSync.Commit = "master" }},
		{"StartupSeconds", func(a *DigitServiceArgs) { a.StartupSeconds = 5 }},
		{"Migration.Image", func(a *DigitServiceArgs) { a.Migration.Image = "" }},
		{"Migration.SchemaTable", func(a *DigitServiceArgs) { a.Migration.SchemaTable = "" }},
		{"GitSync.Repo", func(a *DigitServiceArgs) { a.GitSync.Repo = "" }},
		{"GitSync.Root", func(a *DigitServiceArgs) { a.GitSync.Root = "work" }},
		{"Autoscaling.Max", func(a *DigitServiceArgs) { a.Autoscaling.Max = 1 }},
		{"Autoscaling.TargetCPU", func(a *DigitServiceArgs) { a.Autoscaling.TargetCPU = 150 }},
		{"Ingress.Host", func(a *DigitServiceArgs) { a.Ingress.Host = "Not A Host" }},
		{"Ingress.TLSSecretName", func(a *DigitServiceArgs) { a.Ingress.Host = "" }},
		{"Ingress.ZuulService", func(a *DigitServiceArgs) { a.Ingress.ZuulService = "Zuul!" }},
		{"ServiceAccountAnnotations", func(a *DigitServiceArgs) { a.ServiceAccountName = "" }},
		{"DBSecretName", func(a *DigitServiceArgs) { a.DBSecretName = "DB" }},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			a := userArgs()
			c.mutate(a)
			expectArgsError(t, func(ctx *pulumi.Context) error {
				_, err := NewDigitService(ctx, "egov-user", a)
				return err
			}, c.field+":")
		})
	}
}

// A release (a new tag) must change the Deployment alone, and drift on it must be taken back on the next up.
func TestDigitServiceVersionOnlyOnTheDeployment(t *testing.T) {
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewDigitService(ctx, "egov-user", userArgs()); return err })
	for _, r := range m.Kubernetes() {
		_, hasVersion := r.StringMap("metadata.labels")[LabelVersion]
		if isDeployment := r.Type == "kubernetes:apps/v1:Deployment"; hasVersion != isDeployment {
			t.Errorf("%s %s: version label present=%v", r.Type, r.Name, hasVersion)
		}
		if r.StringMap("metadata.annotations")[PatchForceAnnotation] != "true" {
			t.Errorf("%s %s: no %s annotation", r.Type, r.Name, PatchForceAnnotation)
		}
	}
}

// TestDigitServiceBounds: each bounded argument at its bound is accepted (Kubernetes accepts it too), one past it
// is refused naming the field. Bounds as literals: a DNS-1035 label of 63, TCP ports, a startup budget of the probe
// period (10 s) to an hour, autoscaling of 1 to 100 percent.
func TestDigitServiceBounds(t *testing.T) {
	long := func(n int) string { return "a" + strings.Repeat("b", n-1) }
	cases := []struct {
		name   string
		mutate func(*DigitServiceArgs)
		field  string // "" accepted
	}{
		{"name of 63", func(a *DigitServiceArgs) { a.Name = long(63) }, ""},
		{"name of 64", func(a *DigitServiceArgs) { a.Name = long(64) }, "Name"},
		{"port 1", func(a *DigitServiceArgs) { a.Port = 1 }, ""},
		{"port 65535", func(a *DigitServiceArgs) { a.Port = 65535 }, ""},
		{"port -1", func(a *DigitServiceArgs) { a.Port = -1 }, "Port"},
		{"startup 10 s", func(a *DigitServiceArgs) { a.StartupSeconds = 10 }, ""},
		{"startup an hour", func(a *DigitServiceArgs) { a.StartupSeconds = 3600 }, ""},
		{"startup 9 s", func(a *DigitServiceArgs) { a.StartupSeconds = 9 }, "StartupSeconds"},
		{"startup an hour and a second", func(a *DigitServiceArgs) { a.StartupSeconds = 3601 }, "StartupSeconds"},
		{"autoscaling 1 to 1 at 1%", func(a *DigitServiceArgs) { a.Autoscaling = &Autoscaling{Min: 1, Max: 1, TargetCPU: 1} }, ""},
		{"autoscaling at 100%", func(a *DigitServiceArgs) { a.Autoscaling = &Autoscaling{Min: 1, Max: 2, TargetCPU: 100} }, ""},
		{"autoscaling at -1%", func(a *DigitServiceArgs) { a.Autoscaling = &Autoscaling{Min: 1, Max: 2, TargetCPU: -1} }, "Autoscaling.TargetCPU"},
		{"autoscaling min -1", func(a *DigitServiceArgs) { a.Autoscaling = &Autoscaling{Min: -1, Max: 2, TargetCPU: 50} }, "Autoscaling.Min"},
		{"zuul port 1", func(a *DigitServiceArgs) { a.Ingress.ZuulPort = 1 }, ""},
		{"zuul port 65535", func(a *DigitServiceArgs) { a.Ingress.ZuulPort = 65535 }, ""},
		{"zuul port 65536", func(a *DigitServiceArgs) { a.Ingress.ZuulPort = 65536 }, "Ingress.ZuulPort"},
		{"zuul port -1", func(a *DigitServiceArgs) { a.Ingress.ZuulPort = -1 }, "Ingress.ZuulPort"},
		{"namespace of 63", func(a *DigitServiceArgs) { a.Namespace = long(63) }, ""},
		{"namespace of 64", func(a *DigitServiceArgs) { a.Namespace = long(64) }, "Namespace"},
		{"version of 63", func(a *DigitServiceArgs) { a.Version = long(63) }, ""},
		{"version of 64", func(a *DigitServiceArgs) { a.Version = long(64) }, "Version"},
		{"memory 0", func(a *DigitServiceArgs) { a.MemoryLimit = "0" }, "MemoryLimit"},
		{"class name of 253", func(a *DigitServiceArgs) { a.Ingress.ClassName = long(253) }, ""},
		{"class name of 254", func(a *DigitServiceArgs) { a.Ingress.ClassName = long(254) }, "Ingress.ClassName"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := userArgs()
			c.mutate(a)
			fn := func(ctx *pulumi.Context) error { _, err := NewDigitService(ctx, "egov-user", a); return err }
			if c.field == "" {
				mustRun(t, fn)
				return
			}
			expectArgsError(t, fn, c.field+":")
		})
	}
	// A limit that does not parse is reported once, not also as a request above it.
	a := userArgs()
	a.CPULimit = "lots"
	m, err := run(t, func(ctx *pulumi.Context) error { _, err := NewDigitService(ctx, "egov-user", a); return err })
	if err == nil || !strings.Contains(err.Error(), "CPULimit:") || strings.Contains(err.Error(), "exceeds") || len(m.All()) != 0 {
		t.Errorf("CPULimit lots: got %v, want only the CPULimit error", err)
	}
}
