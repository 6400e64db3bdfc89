package k8s

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Kind selects how a DigitService is run.
type Kind string

const (
	// KindJava is a Spring Boot service: port 8080, /<context>/health probes after 30 s, JAVA_OPTS, non-root.
	KindJava Kind = "java"
	// KindFrontend is an nginx image serving a web app: port 80, /<context>/ probes after 5 s, starts as root.
	KindFrontend Kind = "frontend"
)

// DefaultGitSyncImage replaces DIGIT's k8s.gcr.io/git-sync:v3.1.1: k8s.gcr.io is frozen, and v3.6.9 is the last v3
// release on registry.k8s.io (same flags, so DIGIT's one-time clone behaves the same).
const DefaultGitSyncImage = "registry.k8s.io/git-sync/git-sync:v3.6.9"

// Migration is the flyway init container that migrates the service's schema before the app starts.
type Migration struct {
	// Image is the migration image, by DIGIT convention "<service>-db:<same tag>". Required.
	Image string
	// SchemaTable is flyway's history table (SCHEMA_TABLE), e.g. "egov_user_schema". Required.
	SchemaTable string
}

// GitSync clones a config repository (egov-mdms-data, configs) once, before the app starts, configured through
// git-sync's environment as upstream's common chart does.
type GitSync struct {
	// Repo is the git URL. Required.
	Repo string
	// Branch to fetch. Default: "master".
	Branch string
	// Commit pins the checkout to this commit of Branch (the whole branch history is fetched then, since the commit
	// need not be its tip). Default: the branch's tip, fetched at depth 1.
	Commit string
	// CredentialsSecret names a Secret with keys username and password (a token) for a private repository.
	// Default: anonymous.
	CredentialsSecret string
	// Image of git-sync (v3). Default: DefaultGitSyncImage.
	Image string
	// Root is where the emptyDir is mounted in both containers; the checkout is <Root>/<repo name>.
	// Default: "/work-dir".
	Root string
}

// EnvVar is one container variable with exactly one source.
type EnvVar struct {
	Name string
	// Value is a literal (nil: another source).
	Value *string
	// ConfigMap is a configMapKeyRef.
	ConfigMap *KeyRef
	// Secret is a secretKeyRef.
	Secret *KeyRef
	// FieldPath is a downward-API fieldRef (status.hostIP).
	FieldPath string
}

// KeyRef names a key of a ConfigMap or Secret in the service's namespace.
type KeyRef struct {
	Name string
	Key  string
}

// LiteralEnv is an EnvVar with a literal value.
func LiteralEnv(name, value string) EnvVar { return EnvVar{Name: name, Value: &value} }

// File is a configuration file the service reads (zuul's routes, a frontend's nginx sub_filter.conf): the
// component keeps it in a ConfigMap named <service>-<Volume>, mounts it read-only at MountPath, and rolls the
// pods when its content changes (a checksum annotation on the pod template).
type File struct {
	// Volume names the pod volume (and the ConfigMap's suffix); a DNS label. Required.
	Volume string
	// MountPath is the file's absolute path in the app container. Required.
	MountPath string
	// Content of the file. Required.
	Content string
}

// ConfigChecksumAnnotation on the pod template is the sha256 of every File; a change rolls the pods.
const ConfigChecksumAnnotation = "digit.egov.org/config-checksum"

// Autoscaling adds a HorizontalPodAutoscaler (autoscaling/v2, CPU utilisation).
type Autoscaling struct {
	// Min replicas. Default: DigitServiceArgs.Replicas.
	Min int
	// Max replicas. Required, at least Min.
	Max int
	// TargetCPU is the average CPU utilisation in percent of the request. Default: 80.
	TargetCPU int
}

// IngressRoute publishes /<ContextPath> through an ingress controller.
type IngressRoute struct {
	// Host of the rule. Default: none (the rule matches every host).
	Host string
	// ClassName is the IngressClass. Default: DefaultIngressClass.
	ClassName string
	// ViaZuul sends the path to the zuul gateway (which authenticates and forwards) instead of the service itself.
	// Default: false.
	ViaZuul bool
	// ZuulService is the zuul Service name, in the same namespace (an Ingress backend cannot cross namespaces).
	// Default: "zuul".
	ZuulService string
	// ZuulPort is zuul's Service port. Default: 8080.
	ZuulPort int
	// TLSSecretName adds a TLS section for Host with this certificate Secret (cert-manager fills it when the
	// Gateway's issuer annotation is in Annotations). Requires Host. Default: no TLS.
	TLSSecretName string
	// Annotations of the Ingress (e.g. Gateway.IssuerAnnotations). Default: none.
	Annotations map[string]string
}

// DigitServiceArgs describes one DIGIT service or frontend.
type DigitServiceArgs struct {
	// Name of the Deployment, Service and Ingress (a DNS-1035 label). Required.
	Name string
	// Namespace it runs in (must exist). Required.
	Namespace string
	// Image is the full reference including tag, e.g. "egovio/egov-user:v1.2.8-9fde481-19". Required.
	Image string
	// Version is the app.kubernetes.io/version label. Default: the tag of Image.
	Version string
	// Component is the app.kubernetes.io/component label: the DIGIT module (core, business, m_pgr, ...).
	// Default: the Kind ("java" or "frontend").
	Component string
	// Kind is "java" or "frontend". Default: "java".
	Kind Kind
	// Port the container listens on and the Service exposes (named "http"). Default: 8080 for java, 80 for frontend.
	Port int
	// ContextPath without slashes, e.g. "user". Empty means no Ingress (even when Ingress is set) and, unless
	// HealthPath is set, TCP probes. Default: empty.
	ContextPath string
	// HealthPath of the startup, readiness and liveness probes; "" probes the TCP port "http" instead (images
	// without a health endpoint). Default: "".
	HealthPath string
	// StartupSeconds is how long a starting container may take before liveness applies (a JVM on a busy node
	// takes minutes; upstream's probes allow about 330 s before the first kill). Default: 300 for java, 60 for
	// frontends.
	StartupSeconds int
	// Replicas of the Deployment (ignored when Autoscaling is set: the HPA owns the count). Default: 1.
	Replicas int
	// MemoryLimit is both the memory request and limit (DIGIT convention: a JVM must not be OOM-killed for using
	// memory it was promised). Default: "512Mi".
	MemoryLimit string
	// CPURequest. Default: "100m".
	CPURequest string
	// CPULimit. Default: "1": Spring Boot burns a full core for a minute at start-up; one core keeps start-up
	// reasonably fast while stopping one service from starving its neighbours on a node.
	CPULimit string
	// JavaOpts sets JAVA_OPTS (heap, e.g. "-Xmx256m -Xms256m"). Java only. Default: unset.
	JavaOpts string
	// Env is the container's environment in order, each variable once (the catalogue's env model has already
	// merged templates and overrides). SERVER_PORT (java) and JAVA_OPTS come from Port and JavaOpts and must not
	// be listed. Never put credentials in a literal: use Secret. Default: none.
	Env []EnvVar
	// DBSecretName is the Secret with flyway-username and flyway-password the migration reads. Default: "db".
	DBSecretName string
	// ConfigMapName is the egov-config ConfigMap the migration reads db-url and flyway-locations from.
	// Default: "egov-config".
	ConfigMapName string
	// Files are configuration files mounted into the app container. Default: none.
	Files []File
	// Migration adds the flyway init container. Default: none.
	Migration *Migration
	// GitSync adds the one-time git-sync init container and its emptyDir. Default: none.
	GitSync *GitSync
	// ZoneLabel is the node label replicas are spread over (maxSkew 1, ScheduleAnyway).
	// Default: "topology.kubernetes.io/zone".
	ZoneLabel string
	// Autoscaling adds an HPA. Default: none.
	Autoscaling *Autoscaling
	// Ingress routes /<ContextPath> to the service (or zuul). Default: none.
	Ingress *IngressRoute
	// ServiceAccountName creates that ServiceAccount and runs the Pods as it. Default: the namespace's default
	// account (no ServiceAccount created).
	ServiceAccountName string
	// ServiceAccountAnnotations of the created ServiceAccount, e.g. eks.amazonaws.com/role-arn for IRSA. Values may
	// be Outputs. Requires ServiceAccountName. Default: none.
	ServiceAccountAnnotations map[string]pulumi.StringInput
	// DependsOn are resources every child waits for (the namespace, egov-config and the Secrets the env reads).
	// Default: none.
	DependsOn []pulumi.Resource
	// DeploymentDependsOn are what the Deployment alone waits for besides DependsOn: the backbone stores the
	// service cannot start without. Its Service, Ingress, HPA and PDB do not wait for them. Default: none.
	DeploymentDependsOn []pulumi.Resource
	// IngressDependsOn are what the Ingress waits for besides DependsOn and the Service: the ingress controller that
	// admits it (the provider waits for the address the controller gives it). Default: none.
	IngressDependsOn []pulumi.Resource
}

// DigitService is the `digit:k8s:DigitService` component.
type DigitService struct {
	pulumi.ResourceState

	// ServiceName is the Kubernetes Service name (equal to Args.Name).
	ServiceName string
	// Host is "<name>.<namespace>:<port>".
	Host string
	// Deployment, for DependsOn.
	Deployment *appsv1.Deployment
	// Service in front of the Deployment.
	Service *corev1.Service
	// Ingress, nil without a route.
	Ingress *networkingv1.Ingress
	// HPA, nil without Autoscaling.
	HPA *autoscalingv2.HorizontalPodAutoscaler
	// PDB, nil unless more than one replica is guaranteed.
	PDB *policyv1.PodDisruptionBudget
	// ServiceAccount, nil unless ServiceAccountName is set.
	ServiceAccount *corev1.ServiceAccount
}

var (
	dns1035RE  = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	commitRE   = regexp.MustCompile(`^[0-9a-f]{40}$`)
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	contextRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	hostnameRE = regexp.MustCompile(`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// resolved holds the Args with every default applied.
type resolvedService struct {
	DigitServiceArgs
	floor int // replicas guaranteed to exist: Replicas, or Autoscaling.Min
}

func (a *DigitServiceArgs) resolve() (*resolvedService, error) {
	r := &resolvedService{DigitServiceArgs: *a}
	d := &r.DigitServiceArgs
	var e errs

	switch d.Kind {
	case "":
		d.Kind = KindJava
	case KindJava, KindFrontend:
	default:
		e.add("Kind", "%q is not one of java, frontend", d.Kind)
	}
	java := d.Kind != KindFrontend

	switch {
	case d.Name == "":
		e.add("Name", "required")
	case len(d.Name) > 63 || !dns1035RE.MatchString(d.Name):
		e.add("Name", "%q is not a valid Service name (DNS-1035 label: lower-case, starts with a letter)", d.Name)
	}
	e.dnsLabel("Namespace", d.Namespace)
	e.image("Image", d.Image)
	if d.Version == "" {
		d.Version = imageTag(d.Image)
	}
	e.labelValue("Version", d.Version)
	if d.Component == "" {
		d.Component = string(d.Kind)
	}
	e.labelValue("Component", d.Component)

	if d.Port == 0 {
		d.Port = 8080
		if !java {
			d.Port = 80
		}
	}
	if d.Port < 1 || d.Port > 65535 {
		e.add("Port", "%d is not a port number", d.Port)
	}
	if d.ContextPath != "" && !contextRE.MatchString(d.ContextPath) {
		e.add("ContextPath", "%q must be a single path segment without slashes, e.g. \"user\"", d.ContextPath)
	}
	if d.StartupSeconds == 0 {
		d.StartupSeconds = 300
		if !java {
			d.StartupSeconds = 60
		}
	}
	if d.StartupSeconds < probePeriod || d.StartupSeconds > 3600 {
		e.add("StartupSeconds", "%d is out of range (allowed: %d..3600)", d.StartupSeconds, probePeriod)
	}
	if d.HealthPath != "" && !strings.HasPrefix(d.HealthPath, "/") {
		e.add("HealthPath", "%q must start with '/'", d.HealthPath)
	}

	if d.Replicas == 0 {
		d.Replicas = 1
	}
	if d.Replicas < 1 {
		e.add("Replicas", "%d must be at least 1", d.Replicas)
	}
	if d.MemoryLimit == "" {
		d.MemoryLimit = "512Mi"
	}
	if d.CPURequest == "" {
		d.CPURequest = "100m"
	}
	if d.CPULimit == "" {
		d.CPULimit = "1"
	}
	e.resources("", Resources{CPURequest: d.CPURequest, CPULimit: d.CPULimit, MemoryRequest: d.MemoryLimit, MemoryLimit: d.MemoryLimit})
	if d.JavaOpts != "" && !java {
		e.add("JavaOpts", "only a java service has JAVA_OPTS")
	}

	if d.ConfigMapName == "" {
		d.ConfigMapName = EgovConfigMapName
	}
	if d.DBSecretName == "" {
		d.DBSecretName = DBSecretName
	}
	e.dnsSubdomain("ConfigMapName", d.ConfigMapName)
	e.dnsSubdomain("DBSecretName", d.DBSecretName)
	seenEnv := map[string]bool{}
	for i, v := range d.Env {
		f := fmt.Sprintf("Env[%d]", i)
		if v.Name != "" {
			f = fmt.Sprintf("Env[%d] (%s)", i, v.Name)
		}
		if !envNameRE.MatchString(v.Name) {
			e.add(f, "%q is not a valid environment variable name", v.Name)
		}
		if seenEnv[v.Name] {
			e.add(f, "%s is listed twice (Kubernetes would silently keep the last)", v.Name)
		}
		seenEnv[v.Name] = true
		if java && (v.Name == "SERVER_PORT" || v.Name == "JAVA_OPTS") {
			e.add(f, "%s is set from %s", v.Name, map[string]string{"SERVER_PORT": "Port", "JAVA_OPTS": "JavaOpts"}[v.Name])
		}
		sources := 0
		if v.Value != nil {
			sources++
		}
		for _, ref := range []*KeyRef{v.ConfigMap, v.Secret} {
			if ref == nil {
				continue
			}
			sources++
			e.dnsSubdomain(f+" ref name", ref.Name)
			if !configKeyRE.MatchString(ref.Key) {
				e.add(f, "key %q is not a valid ConfigMap or Secret key", ref.Key)
			}
		}
		if v.FieldPath != "" {
			sources++
		}
		if sources != 1 {
			e.add(f, "needs exactly one of Value, ConfigMap, Secret, FieldPath (found %d)", sources)
		}
	}
	vols := map[string]bool{}
	for i, f := range d.Files {
		at := fmt.Sprintf("Files[%d]", i)
		e.dnsLabel(at+".Volume", f.Volume)
		if vols[f.Volume] || f.Volume == gitSyncVolume {
			e.add(at+".Volume", "%q is used twice", f.Volume)
		}
		vols[f.Volume] = true
		if !strings.HasPrefix(f.MountPath, "/") || strings.HasSuffix(f.MountPath, "/") || path.Base(f.MountPath) == "" {
			e.add(at+".MountPath", "%q must be an absolute file path", f.MountPath)
		}
		if f.Content == "" {
			e.add(at+".Content", "required")
		}
	}

	if m := d.Migration; m != nil {
		e.image("Migration.Image", m.Image)
		if m.SchemaTable == "" {
			e.add("Migration.SchemaTable", "required")
		}
	}
	if g := d.GitSync; g != nil {
		gs := *g
		if gs.Repo == "" {
			e.add("GitSync.Repo", "required")
		}
		if gs.Branch == "" {
			gs.Branch = "master"
		}
		if gs.Commit != "" && !commitRE.MatchString(gs.Commit) {
			e.add("GitSync.Commit", "%q is not a 40-hex commit id", gs.Commit)
		}
		if gs.CredentialsSecret != "" {
			e.dnsSubdomain("GitSync.CredentialsSecret", gs.CredentialsSecret)
		}
		if gs.Image == "" {
			gs.Image = DefaultGitSyncImage
		}
		e.image("GitSync.Image", gs.Image)
		if gs.Root == "" {
			gs.Root = "/work-dir"
		}
		if !strings.HasPrefix(gs.Root, "/") || gs.Root == "/" {
			e.add("GitSync.Root", "%q must be an absolute path other than /", gs.Root)
		}
		d.GitSync = &gs
	}
	if d.ZoneLabel == "" {
		d.ZoneLabel = DefaultZoneLabel
	}

	r.floor = d.Replicas
	if as := d.Autoscaling; as != nil {
		x := *as
		if x.Min == 0 {
			x.Min = d.Replicas
		}
		if x.TargetCPU == 0 {
			x.TargetCPU = 80
		}
		if x.Min < 1 {
			e.add("Autoscaling.Min", "%d must be at least 1", x.Min)
		}
		if x.Max < x.Min {
			e.add("Autoscaling.Max", "%d must be at least Min (%d)", x.Max, x.Min)
		}
		if x.TargetCPU < 1 || x.TargetCPU > 100 {
			e.add("Autoscaling.TargetCPU", "%d must be a percentage between 1 and 100", x.TargetCPU)
		}
		d.Autoscaling = &x
		r.floor = x.Min
	}

	if in := d.Ingress; in != nil {
		x := *in
		if x.ClassName == "" {
			x.ClassName = DefaultIngressClass
		}
		if x.ZuulService == "" {
			x.ZuulService = "zuul"
		}
		if x.ZuulPort == 0 {
			x.ZuulPort = 8080
		}
		if x.Host != "" && !hostnameRE.MatchString(x.Host) {
			e.add("Ingress.Host", "%q is not a DNS name", x.Host)
		}
		e.dnsSubdomain("Ingress.ClassName", x.ClassName)
		if x.ViaZuul && !dns1035RE.MatchString(x.ZuulService) {
			e.add("Ingress.ZuulService", "%q is not a valid Service name", x.ZuulService)
		}
		if x.ZuulPort < 1 || x.ZuulPort > 65535 {
			e.add("Ingress.ZuulPort", "%d is not a port number", x.ZuulPort)
		}
		if x.TLSSecretName != "" {
			e.dnsSubdomain("Ingress.TLSSecretName", x.TLSSecretName)
			if x.Host == "" {
				e.add("Ingress.TLSSecretName", "requires Ingress.Host (a certificate is issued for a host)")
			}
		}
		d.Ingress = &x
	}

	if d.ServiceAccountName != "" {
		e.dnsSubdomain("ServiceAccountName", d.ServiceAccountName)
	} else if len(d.ServiceAccountAnnotations) > 0 {
		e.add("ServiceAccountAnnotations", "require ServiceAccountName")
	}
	for _, k := range sortedKeys(d.ServiceAccountAnnotations) {
		if d.ServiceAccountAnnotations[k] == nil {
			e.add("ServiceAccountAnnotations["+k+"]", "nil value")
		}
	}
	if err := e.err("DigitService " + d.Name); err != nil {
		return nil, err
	}
	return r, nil
}

var dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func (e *errs) dnsSubdomain(field, v string) {
	if len(v) > 253 || !dnsSubdomainRE.MatchString(v) {
		e.add(field, "%q is not a valid object name (DNS subdomain)", v)
	}
}

// env is the container env: SERVER_PORT and JAVA_OPTS for java, then Args.Env in order.
func (r *resolvedService) env() corev1.EnvVarArray {
	d := &r.DigitServiceArgs
	var out corev1.EnvVarArray
	if d.Kind == KindJava {
		out = append(out, envLit("SERVER_PORT", fmt.Sprint(d.Port)))
		if d.JavaOpts != "" {
			out = append(out, envLit("JAVA_OPTS", d.JavaOpts))
		}
	}
	for _, v := range d.Env {
		out = append(out, v.args())
	}
	return out
}

func (v EnvVar) args() corev1.EnvVarInput {
	switch {
	case v.Value != nil:
		return envLit(v.Name, *v.Value)
	case v.ConfigMap != nil:
		return envConfigMap(v.Name, v.ConfigMap.Name, v.ConfigMap.Key)
	case v.Secret != nil:
		return envSecret(v.Name, v.Secret.Name, v.Secret.Key)
	default:
		return corev1.EnvVarArgs{Name: pulumi.String(v.Name), ValueFrom: &corev1.EnvVarSourceArgs{
			FieldRef: &corev1.ObjectFieldSelectorArgs{FieldPath: pulumi.String(v.FieldPath)},
		}}
	}
}

// gitSyncVolume is the emptyDir git-sync clones into (upstream's "workdir").
const gitSyncVolume = "workdir"

// gitSyncEnv configures git-sync v3 as upstream's common chart does (GIT_SYNC_* variables), over https.
func gitSyncEnv(g *GitSync) corev1.EnvVarArray {
	env := corev1.EnvVarArray{
		envLit("GIT_SYNC_REPO", g.Repo),
		envLit("GIT_SYNC_BRANCH", g.Branch),
	}
	if g.Commit != "" {
		// A pinned commit need not be the branch tip, so the branch is fetched whole (depth 0).
		env = append(env, envLit("GIT_SYNC_REV", g.Commit), envLit("GIT_SYNC_DEPTH", "0"))
	} else {
		env = append(env, envLit("GIT_SYNC_DEPTH", "1"))
	}
	env = append(env,
		envLit("GIT_SYNC_ONE_TIME", "true"),
		envLit("GIT_SYNC_ROOT", g.Root),
		// git-sync v3 writes its own config under HOME; the image's HOME is not writable as uid 1000.
		envLit("HOME", "/tmp"),
	)
	if g.CredentialsSecret != "" {
		env = append(env,
			envSecret("GIT_SYNC_USERNAME", g.CredentialsSecret, "username"),
			envSecret("GIT_SYNC_PASSWORD", g.CredentialsSecret, "password"))
	}
	return env
}

// probePeriod is the period of every service probe.
const probePeriod = 10

// serviceProbes are the startup, readiness and liveness probes on the health path (TCP on "http" without one).
// The startup probe holds liveness back for up to startupSeconds, so a slow JVM start is not killed; after it
// passes, a hung service is restarted after 3 failed liveness checks 30 s apart.
func serviceProbes(healthPath string, startupSeconds int) (startup, readiness, liveness *corev1.ProbeArgs) {
	probe := func(period, failures int) *corev1.ProbeArgs {
		p := &corev1.ProbeArgs{
			PeriodSeconds:    pulumi.Int(period),
			TimeoutSeconds:   pulumi.Int(5),
			FailureThreshold: pulumi.Int(failures),
		}
		if healthPath != "" {
			p.HttpGet = &corev1.HTTPGetActionArgs{Path: pulumi.String(healthPath), Port: pulumi.String("http")}
		} else {
			p.TcpSocket = &corev1.TCPSocketActionArgs{Port: pulumi.String("http")}
		}
		return p
	}
	return probe(probePeriod, (startupSeconds+probePeriod-1)/probePeriod), probe(probePeriod, 3), probe(30, 3)
}

// NewDigitService deploys one DIGIT service: Deployment, Service and, as configured, Ingress, HPA, PDB and
// ServiceAccount.
func NewDigitService(ctx *pulumi.Context, name string, args *DigitServiceArgs, opts ...pulumi.ResourceOption) (*DigitService, error) {
	if args == nil {
		args = &DigitServiceArgs{}
	}
	r, err := args.resolve()
	if err != nil {
		return nil, err
	}
	env := r.env()
	d := &r.DigitServiceArgs
	java := d.Kind == KindJava

	comp := &DigitService{
		ServiceName: d.Name,
		Host:        fmt.Sprintf("%s.%s:%d", d.Name, d.Namespace, d.Port),
	}
	// Only the identity is recorded as the component's inputs, not the image: a release must show up as a change
	// of the Deployment alone, not of the component around it too.
	if err := ctx.RegisterComponentResourceV2("digit:k8s:DigitService", name, pulumi.Map{
		"name": pulumi.String(d.Name), "namespace": pulumi.String(d.Namespace),
	}, comp, opts...); err != nil {
		return nil, err
	}

	l := appLabels{name: d.Name, instance: d.Name, version: d.Version, component: d.Component}
	sel := l.selector()
	copts := func(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return childOpts(comp, d.DependsOn, extra...)
	}

	podSpec := corev1.PodSpecArgs{
		// Service links inject <SVC>_PORT/<SVC>_SERVICE_HOST for every Service in the namespace; with Spring's
		// relaxed binding those can shadow real properties (a Service "egov-user" yields EGOV_USER_PORT).
		EnableServiceLinks: pulumi.Bool(false),
		// DIGIT services never call the Kubernetes API; IRSA mounts its own projected token regardless.
		AutomountServiceAccountToken: pulumi.Bool(false),
		TopologySpreadConstraints:    zoneSpread(d.ZoneLabel, sel),
	}
	var appSec *corev1.SecurityContextArgs
	if java {
		podSpec.SecurityContext = podSecurity(1000, true)
		appSec = restrictedContainer()
	} else {
		// nginx starts as root to bind port 80 and then drops to its worker user, which needs exactly these.
		podSpec.SecurityContext = podSecurity(0, false)
		appSec = restrictedContainer()
		appSec.Capabilities = &corev1.CapabilitiesArgs{
			Drop: pulumi.StringArray{pulumi.String("ALL")},
			Add:  pulumi.ToStringArray([]string{"CHOWN", "DAC_OVERRIDE", "NET_BIND_SERVICE", "SETGID", "SETUID"}),
		}
	}
	// Init containers never need root: flyway and git-sync only talk to the network and write the emptyDir.
	initSec := restrictedContainer()
	initSec.RunAsNonRoot = pulumi.Bool(true)
	initSec.RunAsUser = pulumi.Int(1000)

	var configMaps []pulumi.Resource
	var inits corev1.ContainerArray
	var volumes corev1.VolumeArray
	var mounts corev1.VolumeMountArray
	if m := d.Migration; m != nil {
		inits = append(inits, corev1.ContainerArgs{
			Name:  pulumi.String("db-migration"),
			Image: pulumi.String(m.Image),
			Env: corev1.EnvVarArray{
				envConfigMap("DB_URL", d.ConfigMapName, "db-url"),
				envLit("SCHEMA_TABLE", m.SchemaTable),
				envSecret("FLYWAY_USER", d.DBSecretName, DBSecretFlywayUsername),
				envSecret("FLYWAY_PASSWORD", d.DBSecretName, DBSecretFlywayPassword),
				envConfigMap("FLYWAY_LOCATIONS", d.ConfigMapName, "flyway-locations"),
			},
			Resources:       Resources{CPURequest: "100m", CPULimit: "500m", MemoryRequest: "256Mi", MemoryLimit: "256Mi"}.args(),
			SecurityContext: initSec,
		})
	}
	if g := d.GitSync; g != nil {
		volumes = append(volumes, corev1.VolumeArgs{Name: pulumi.String(gitSyncVolume), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}})
		mount := corev1.VolumeMountArgs{Name: pulumi.String(gitSyncVolume), MountPath: pulumi.String(g.Root)}
		mounts = append(mounts, mount)
		inits = append(inits, corev1.ContainerArgs{
			Name:            pulumi.String("git-sync"),
			Image:           pulumi.String(g.Image),
			Env:             gitSyncEnv(g),
			VolumeMounts:    corev1.VolumeMountArray{mount},
			Resources:       Resources{CPURequest: "50m", CPULimit: "500m", MemoryRequest: "128Mi", MemoryLimit: "256Mi"}.args(),
			SecurityContext: initSec,
		})
	}
	var podAnnotations pulumi.StringMap
	if len(d.Files) > 0 {
		sum := sha256.New()
		for _, f := range d.Files {
			key := path.Base(f.MountPath)
			cm, err := corev1.NewConfigMap(ctx, name+"-"+f.Volume, &corev1.ConfigMapArgs{
				Metadata: l.stableMeta(d.Name+"-"+f.Volume, d.Namespace),
				Data:     pulumi.StringMap{key: pulumi.String(f.Content)},
			}, copts()...)
			if err != nil {
				return nil, err
			}
			configMaps = append(configMaps, cm)
			volumes = append(volumes, corev1.VolumeArgs{Name: pulumi.String(f.Volume), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{
				Name: pulumi.String(d.Name + "-" + f.Volume),
			}})
			mounts = append(mounts, corev1.VolumeMountArgs{
				Name: pulumi.String(f.Volume), MountPath: pulumi.String(f.MountPath), SubPath: pulumi.String(key),
				ReadOnly: pulumi.Bool(true),
			})
			fmt.Fprintf(sum, "%s\x00%s\x00%s\x00", f.Volume, f.MountPath, f.Content)
		}
		podAnnotations = pulumi.StringMap{ConfigChecksumAnnotation: pulumi.String(hex.EncodeToString(sum.Sum(nil)))}
	}

	startup, readiness, liveness := serviceProbes(d.HealthPath, d.StartupSeconds)

	app := corev1.ContainerArgs{
		Name:            pulumi.String(d.Name),
		Image:           pulumi.String(d.Image),
		Ports:           corev1.ContainerPortArray{corev1.ContainerPortArgs{Name: pulumi.String("http"), ContainerPort: pulumi.Int(d.Port), Protocol: pulumi.String("TCP")}},
		Env:             env,
		Resources:       Resources{CPURequest: d.CPURequest, CPULimit: d.CPULimit, MemoryRequest: d.MemoryLimit, MemoryLimit: d.MemoryLimit}.args(),
		StartupProbe:    startup,
		ReadinessProbe:  readiness,
		LivenessProbe:   liveness,
		SecurityContext: appSec,
		// Nil when there are none, which the SDK sends as absent (so for inits and volumes below).
		VolumeMounts: mounts,
	}
	podSpec.Containers = corev1.ContainerArray{app}
	podSpec.InitContainers = inits
	podSpec.Volumes = volumes

	if d.ServiceAccountName != "" {
		meta := l.stableMeta(d.ServiceAccountName, d.Namespace)
		ann := meta.Annotations.(pulumi.StringMap)
		for k, v := range d.ServiceAccountAnnotations {
			ann[k] = v
		}
		sa, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
			Metadata:                     meta,
			AutomountServiceAccountToken: pulumi.Bool(false),
		}, copts()...)
		if err != nil {
			return nil, err
		}
		comp.ServiceAccount = sa
		podSpec.ServiceAccountName = pulumi.String(d.ServiceAccountName)
	}

	depSpec := &appsv1.DeploymentSpecArgs{
		Selector:             &metav1.LabelSelectorArgs{MatchLabels: sel},
		RevisionHistoryLimit: pulumi.Int(3),
		Template: &corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{Labels: l.all(), Annotations: podAnnotations},
			Spec:     podSpec,
		},
	}
	// With an HPA the replica count is left out: Pulumi would otherwise reset what the HPA scaled to on every up.
	if d.Autoscaling == nil {
		depSpec.Replicas = pulumi.Int(d.Replicas)
	}
	if r.floor > 1 {
		// Never go below the guaranteed count during a rollout; surge one Pod at a time instead.
		depSpec.Strategy = &appsv1.DeploymentStrategyArgs{
			Type: pulumi.String("RollingUpdate"),
			RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
				MaxUnavailable: pulumi.Int(0),
				MaxSurge:       pulumi.Int(1),
			},
		}
	}
	extra := []pulumi.ResourceOption{pulumi.DependsOn(configMaps), pulumi.DependsOn(d.DeploymentDependsOn)}
	if comp.ServiceAccount != nil {
		extra = append(extra, pulumi.DependsOn([]pulumi.Resource{comp.ServiceAccount}))
	}
	dep, err := appsv1.NewDeployment(ctx, name, &appsv1.DeploymentArgs{
		Metadata: l.meta(d.Name, d.Namespace),
		Spec:     depSpec,
	}, copts(extra...)...)
	if err != nil {
		return nil, err
	}
	comp.Deployment = dep

	svc, err := corev1.NewService(ctx, name, &corev1.ServiceArgs{
		Metadata: clusterService(l.stableMeta(d.Name, d.Namespace)),
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: sel,
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(d.Port), TargetPort: pulumi.String("http"), Protocol: pulumi.String("TCP"),
			}},
		},
	}, copts()...)
	if err != nil {
		return nil, err
	}
	comp.Service = svc

	if as := d.Autoscaling; as != nil {
		hpa, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, name, &autoscalingv2.HorizontalPodAutoscalerArgs{
			Metadata: l.stableMeta(d.Name, d.Namespace),
			Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
				ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
					ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(d.Name),
				},
				MinReplicas: pulumi.Int(as.Min),
				MaxReplicas: pulumi.Int(as.Max),
				Metrics: autoscalingv2.MetricSpecArray{autoscalingv2.MetricSpecArgs{
					Type: pulumi.String("Resource"),
					Resource: &autoscalingv2.ResourceMetricSourceArgs{
						Name: pulumi.String("cpu"),
						Target: &autoscalingv2.MetricTargetArgs{
							Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(as.TargetCPU),
						},
					},
				}},
			},
		}, copts(pulumi.DependsOn([]pulumi.Resource{dep}))...)
		if err != nil {
			return nil, err
		}
		comp.HPA = hpa
	}

	if r.floor > 1 {
		pdb, err := policyv1.NewPodDisruptionBudget(ctx, name, &policyv1.PodDisruptionBudgetArgs{
			Metadata: l.stableMeta(d.Name, d.Namespace),
			Spec: &policyv1.PodDisruptionBudgetSpecArgs{
				MaxUnavailable: pulumi.Int(1),
				Selector:       &metav1.LabelSelectorArgs{MatchLabels: sel},
			},
		}, copts()...)
		if err != nil {
			return nil, err
		}
		comp.PDB = pdb
	}

	if in := d.Ingress; in != nil && d.ContextPath != "" {
		backend, port := d.Name, d.Port
		if in.ViaZuul {
			backend, port = in.ZuulService, in.ZuulPort
		}
		rule := networkingv1.IngressRuleArgs{
			Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{
				networkingv1.HTTPIngressPathArgs{
					Path:     pulumi.String("/" + d.ContextPath),
					PathType: pulumi.String("Prefix"),
					Backend: &networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
						Name: pulumi.String(backend),
						Port: &networkingv1.ServiceBackendPortArgs{Number: pulumi.Int(port)},
					}},
				},
			}},
		}
		if in.Host != "" {
			rule.Host = pulumi.String(in.Host)
		}
		spec := &networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String(in.ClassName),
			Rules:            networkingv1.IngressRuleArray{rule},
		}
		if in.TLSSecretName != "" {
			spec.Tls = networkingv1.IngressTLSArray{networkingv1.IngressTLSArgs{
				Hosts:      pulumi.StringArray{pulumi.String(in.Host)},
				SecretName: pulumi.String(in.TLSSecretName),
			}}
		}
		meta := l.stableMeta(d.Name, d.Namespace)
		for k, v := range in.Annotations {
			meta.Annotations.(pulumi.StringMap)[k] = pulumi.String(v)
		}
		ing, err := networkingv1.NewIngress(ctx, name, &networkingv1.IngressArgs{Metadata: meta, Spec: spec},
			copts(pulumi.DependsOn([]pulumi.Resource{svc}), pulumi.DependsOn(d.IngressDependsOn))...)
		if err != nil {
			return nil, err
		}
		comp.Ingress = ing
	}

	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"serviceName": pulumi.String(comp.ServiceName),
		"host":        pulumi.String(comp.Host),
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
