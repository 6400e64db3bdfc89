package stacks

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/components/k8s"
	"github.com/digit-iac/digit/infra"
	"github.com/digit-iac/digit/stacks/config"
)

// flywayLocations is where DIGIT's migration images keep their SQL (upstream egov-config value, without egov-demo's
// filesystem:/flyway/qa test data).
const flywayLocations = "filesystem:/flyway/sql,filesystem:/flyway/seed"

// filestoreService is the service that gets the cloud's object storage through a workload identity.
const filestoreService = catalogue.FilestoreService

// DeployServices registers the service layer on the cluster the Foundation describes and returns the stack
// outputs of both layers.
func DeployServices(ctx *pulumi.Context, cfg *config.Config, f *infra.Foundation) (pulumi.Map, error) {
	cat := cfg.Services.Catalogue
	prov, err := newProvider(ctx, cfg, f)
	if err != nil {
		return nil, err
	}
	opts := []pulumi.ResourceOption{pulumi.Provider(prov)}
	w := &wiring{ctx: ctx, cfg: cfg, f: f, cat: cat, opts: opts, outputs: pulumi.Map{}}
	w.registry = registryFor(cfg, f)

	env, err := k8s.NewEnvironment(ctx, "digit", &k8s.EnvironmentArgs{
		Namespaces:       w.namespaces(),
		ConfigNamespaces: w.configNamespaces(),
		PodSecurity:      w.podSecurity(),
		IngressFrom:      w.ingressFrom(),
		EgovConfig:       w.egovConfig(),
		ServiceHosts:     w.serviceHosts(),
		DBUser:           f.Database.User,
		DBPassword:       f.Database.Password,
		Secrets:          w.serviceSecrets(),
		OmitSecrets:      cfg.Services.RenderDir != "",
		Version:          cfg.Stack,
	}, opts...)
	if err != nil {
		return nil, err
	}
	w.env = env.Ready

	for _, m := range cat.Modules() {
		if err := w.deployModule(m); err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Name, err)
		}
	}
	w.collectOutputs()
	return w.outputs, nil
}

// newProvider builds the Kubernetes provider from the cloud layer's kubeconfig, or one that renders YAML.
func newProvider(ctx *pulumi.Context, cfg *config.Config, f *infra.Foundation) (*kubernetes.Provider, error) {
	args := &kubernetes.ProviderArgs{}
	if f.Kubeconfig != nil {
		args.Kubeconfig = f.Kubeconfig
	}
	if cfg.Services.RenderDir != "" {
		args.RenderYamlToDirectory = pulumi.String(cfg.Services.RenderDir)
		// The SDK fills an unset kubeconfig from KUBECONFIG, which the provider refuses next to
		// renderYamlToDirectory; rendering needs no cluster, so say so explicitly.
		args.Kubeconfig = pulumi.String("")
	}
	return kubernetes.NewProvider(ctx, "k8s", args, pulumi.DependsOn(f.ClusterReady))
}

// registryFor is the registry images are pulled through: the cloud's when the stack mirrors images, else none
// (images come from Docker Hub and the other public registries the catalogue names).
func registryFor(cfg *config.Config, f *infra.Foundation) string {
	if !cfg.Registry.Mirror {
		return ""
	}
	return f.RegistryURL
}

type wiring struct {
	ctx      *pulumi.Context
	cfg      *config.Config
	f        *infra.Foundation
	cat      *catalogue.Resolved
	opts     []pulumi.ResourceOption
	registry string
	env      []pulumi.Resource
	// backbone is set once the backbone is deployed, for the services that wait for its stores.
	backbone *k8s.Backbone
	// gatewayReady is the ingress controller (set once the gateway is deployed), which every Ingress waits for.
	gatewayReady []pulumi.Resource
	// ingressClass is set once the gateway is deployed.
	ingressClass string
	tlsSecret    string
	tlsIssuer    map[string]string
	// outputs are the stack outputs, filled as the layers are wired.
	outputs pulumi.Map
}

// namespaces are every namespace an enabled module or its workloads run in.
func (w *wiring) namespaces() []string {
	set := map[string]bool{}
	for _, m := range w.cat.Modules() {
		set[m.Namespace] = true
	}
	for _, wl := range w.workloads() {
		set[wl.Namespace] = true
	}
	return sortedSet(set)
}

// ingressFrom is who may connect to whom and on which pod ports, by namespace, from the catalogue's roles (so a new
// service or module needs no entry of its own). Every namespace admits its own pods on every port; beyond that:
//   - DIGIT services and the ingress controller reach the services' ports (zuul, the frontends, each API) and, with
//     TLS, cert-manager's HTTP-01 solver, which runs beside the Ingress it proves;
//   - DIGIT services reach the stores' client ports: Kafka, Elasticsearch (HTTP, and transport for the finance
//     services' client), Redis; never ZooKeeper, Kafka Connect's REST API or Kibana;
//   - the backbone's clients reach the other stores (Kafka its ZooKeeper, Connect Kafka and Elasticsearch, Kibana
//     and the curator Elasticsearch);
//   - fluent-bit reaches Elasticsearch's HTTP port; traced services reach the Jaeger agent (spans, sampling);
//   - Prometheus reaches the services' ports (their actuator endpoints), the ingress controller's and fluent-bit's
//     metrics ports; no backbone image serves metrics, so it gets nothing there;
//   - any source reaches the ingress controller's HTTP(S) ports and cert-manager's webhook (the API server calls it).
//
// Nothing routes to Kibana, Prometheus or the Jaeger UI through the ingress controller: they are reached with
// kubectl port-forward.
func (w *wiring) ingressFrom() map[string][]k8s.IngressRule {
	present := w.namespaces()
	exists := func(ns string) bool { return slices.Contains(present, ns) }
	services := w.configNamespaces()
	bb := w.cat.Backbone()
	enabled := map[string]bool{}
	for _, wl := range w.workloads() {
		enabled[wl.Name+"/"+wl.Namespace] = true
	}
	// portOf is an enabled workload's client port (none when it is disabled or serves none).
	portOf := func(wl catalogue.Workload) []k8s.PolicyPort {
		if !enabled[wl.Name+"/"+wl.Namespace] || wl.Port == 0 {
			return nil
		}
		return k8s.TCP(wl.Port)
	}
	servicePorts := map[string][]k8s.PolicyPort{}
	for _, m := range w.cat.Modules() {
		for _, s := range m.Services {
			servicePorts[m.Namespace] = appendPorts(servicePorts[m.Namespace], k8s.TCP(s.Port)...)
		}
	}
	stores := map[string][]k8s.PolicyPort{}
	for _, wl := range []catalogue.Workload{bb.Kafka.Workload, bb.ElasticsearchData, bb.Redis} {
		stores[wl.Namespace] = appendPorts(stores[wl.Namespace], portOf(wl)...)
	}
	// The finance services' Elasticsearch client speaks the transport protocol to the data nodes.
	if portOf(bb.ElasticsearchData) != nil {
		ns := bb.ElasticsearchData.Namespace
		stores[ns] = appendPorts(stores[ns], portOf(bb.ElasticsearchMaster)...)
	}
	gw := w.cat.Gateway()
	fluentBit := w.cat.Logging().FluentBit
	gateway, logging, monitoring := gw.IngressNginx.Namespace, fluentBit.Namespace, w.cat.Monitoring().Prometheus.Namespace
	if !w.cat.Enabled(catalogue.ModuleMonitoring) {
		monitoring = ""
	}
	if !w.cat.Enabled(catalogue.ModuleLogging) {
		logging = ""
	}
	out := map[string][]k8s.IngressRule{}
	allow := func(to string, ports []k8s.PolicyPort, from ...string) {
		if !exists(to) || len(ports) == 0 {
			return
		}
		var src []string
		for _, f := range from {
			if (f == k8s.AnyNamespace || exists(f)) && f != to && !slices.Contains(src, f) {
				src = append(src, f)
			}
		}
		if len(src) > 0 {
			sort.Strings(src)
			out[to] = append(out[to], k8s.IngressRule{From: src, Ports: ports})
		}
	}
	fromGateway := map[string][]k8s.PolicyPort{}
	for ns, ports := range servicePorts {
		fromGateway[ns] = ports
		if w.cfg.Services.Domain != "" {
			fromGateway[ns] = appendPorts(slices.Clone(ports), k8s.TCP(k8s.ACMESolverPort)...)
		}
	}
	for _, ns := range present {
		allow(ns, appendPorts(slices.Clone(servicePorts[ns]), stores[ns]...), services...)
		allow(ns, fromGateway[ns], gateway)
		allow(ns, servicePorts[ns], monitoring)
	}
	// The backbone's own clients of its other stores, each only where it is enabled.
	clientsOf := func(wls ...catalogue.Workload) []string {
		var out []string
		for _, wl := range wls {
			if enabled[wl.Name+"/"+wl.Namespace] {
				out = append(out, wl.Namespace)
			}
		}
		return out
	}
	allow(bb.Zookeeper.Namespace, portOf(bb.Zookeeper), clientsOf(bb.Kafka.Workload)...)
	allow(bb.Kafka.Namespace, portOf(bb.Kafka.Workload), clientsOf(bb.KafkaConnect)...)
	allow(bb.ElasticsearchData.Namespace, portOf(bb.ElasticsearchData), clientsOf(bb.KafkaConnect, bb.Kibana, bb.Curator.Workload)...)
	allow(bb.ElasticsearchData.Namespace, portOf(bb.ElasticsearchData), logging)
	allow(logging, k8s.TCP(fluentBit.Port), monitoring)
	if w.cat.Enabled(catalogue.ModuleTracing) {
		allow(w.cat.Tracing().Jaeger.Namespace, k8s.JaegerAgentPorts(), services...)
	}
	allow(gateway, k8s.TCP(k8s.IngressMetricsPort), monitoring)
	allow(gateway, k8s.TCP(k8s.IngressHTTPPort, k8s.IngressHTTPSPort), k8s.AnyNamespace)
	allow(gw.CertManager.Webhook.Namespace, k8s.TCP(k8s.CertManagerWebhookPort), k8s.AnyNamespace)
	return out
}

// appendPorts adds the ports not yet in list, keeping it sorted.
func appendPorts(list []k8s.PolicyPort, ports ...k8s.PolicyPort) []k8s.PolicyPort {
	for _, p := range ports {
		if !slices.Contains(list, p) {
			list = append(list, p)
		}
	}
	slices.SortFunc(list, func(a, b k8s.PolicyPort) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
	return list
}

// podSecurity are the Pod Security levels of the namespaces the stack creates, where they are not restricted.
func (w *wiring) podSecurity() map[string]string {
	out := map[string]string{}
	namespaces := w.namespaces()
	for ns, waiver := range podSecurityWaivers(w.cfg) {
		if slices.Contains(namespaces, ns) {
			out[ns] = waiver.Level
		}
	}
	return out
}

// podSecurityWaivers are the catalogue's waivers plus those the stack's own settings need: Elasticsearch's
// namespace is privileged when its pods get the sysctl init container.
func podSecurityWaivers(cfg *config.Config) map[string]catalogue.PodSecurityWaiver {
	cat := cfg.Services.Catalogue
	out := map[string]catalogue.PodSecurityWaiver{}
	for _, ns := range cat.Namespaces() {
		if level, reason := cat.PodSecurity(ns); reason != "" {
			out[ns] = catalogue.PodSecurityWaiver{Level: string(level), Reason: reason}
		}
	}
	if cfg.Services.ElasticsearchSysctl {
		out[cat.Backbone().ElasticsearchData.Namespace] = catalogue.PodSecurityWaiver{Level: string(psaapi.LevelPrivileged),
			Reason: "digit:elasticsearchSysctl: a privileged init container raises the node's vm.max_map_count for " +
				"Elasticsearch (the EKS AMI already sets it, so aws stacks leave it off)"}
	}
	return out
}

// configNamespaces are the namespaces with DIGIT services, which read egov-config, egov-service-host and db.
func (w *wiring) configNamespaces() []string {
	set := map[string]bool{}
	for _, m := range w.cat.Modules() {
		if len(m.Services) > 0 {
			set[m.Namespace] = true
		}
	}
	return sortedSet(set)
}

// workloads are the third-party workloads of enabled modules (cert-manager only with a domain).
func (w *wiring) workloads() []catalogue.Workload {
	return slices.DeleteFunc(w.cat.Workloads(), func(wl catalogue.Workload) bool {
		return strings.HasPrefix(wl.Name, "cert-manager") && w.cat.Gateway().CertManager.OnlyWithDomain &&
			w.cfg.Services.Domain == ""
	})
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// egovConfig is DIGIT's environment-wide ConfigMap, filled from the cloud layer's outputs and the backbone's
// addresses instead of hand-edited values.
func (w *wiring) egovConfig() map[string]pulumi.StringInput {
	db := w.f.Database
	bb := w.cat.Backbone()
	kafka := fmt.Sprintf("%s.%s:%d", bb.Kafka.Name, bb.Kafka.Namespace, bb.Kafka.Port)
	es := fmt.Sprintf("%s.%s", bb.ElasticsearchData.Name, bb.ElasticsearchData.Namespace)
	domain := w.cfg.Services.Domain
	fqdn := ""
	if domain != "" {
		fqdn = "https://" + domain + "/"
	}
	fs := struct {
		bucket           pulumi.StringInput
		region, endpoint string
	}{bucket: pulumi.String("")}
	if f := w.f.Filestore; f != nil {
		fs.bucket, fs.region, fs.endpoint = f.Bucket, f.Region, f.Endpoint
	}
	return map[string]pulumi.StringInput{
		"db-host":                    db.Host,
		"db-name":                    db.Name,
		"db-url":                     pulumi.Sprintf("jdbc:postgresql://%s:%d/%s", db.Host, db.Port, db.Name),
		"domain":                     pulumi.String(domain),
		"egov-services-fqdn-name":    pulumi.String(fqdn),
		"egov-state-level-tenant-id": pulumi.String(w.cfg.Services.TenantID),
		"es-host":                    pulumi.String(es),
		"es-indexer-host":            pulumi.String(fmt.Sprintf("http://%s:%d/", es, bb.ElasticsearchData.Port)),
		"flyway-locations":           pulumi.String(flywayLocations),
		"kafka-brokers":              pulumi.String(kafka),
		"kafka-infra-brokers":        pulumi.String(kafka),
		"timezone":                   pulumi.String(w.cfg.Services.Timezone),
		// Upstream's environment defaults for Spring/Tomcat pools.
		"server-tomcat-max-connections":           pulumi.String("500"),
		"server-tomcat-max-threads":               pulumi.String("10"),
		"spring-datasource-tomcat-initialSize":    pulumi.String("1"),
		"spring-datasource-tomcat-max-active":     pulumi.String(fmt.Sprint(w.cat.PoolSize())),
		"tracer-errors-provideexceptionindetails": pulumi.String("false"),
		// SMS is sent only when the stack gives the gateway's credentials.
		"sms-enabled":         pulumi.String(fmt.Sprint(w.cfg.Services.Secrets.Value(smsSecret, "username").IsSet())),
		"spring-jpa-show-sql": pulumi.String("false"),
		"filestore-bucket":    fs.bucket,
		"filestore-region":    pulumi.String(fs.region),
		"filestore-endpoint":  pulumi.String(fs.endpoint),
		"jaeger-agent-host":   pulumi.String(w.jaegerAgentHost()),
	}
}

// serviceHosts is egov-service-host: one key per catalogue service, enabled or not (as upstream's static list), so
// that a variable naming a service of a disabled module still resolves (to a name nothing answers) instead of
// keeping its pod from starting, and enabling a module changes no other service's configuration.
func (w *wiring) serviceHosts() map[string]string {
	hosts := map[string]string{}
	for _, m := range w.cat.AllModules() {
		for _, s := range m.Services {
			hosts[s.Name] = k8s.ServiceHostURL(s.Name, m.Namespace, s.Port)
		}
	}
	return hosts
}

// subFilterFile is where DIGIT's nginx frontends include the sub_filter directive that injects globalConfigs.
const subFilterFile = "/etc/nginx/conf.d/sub_filter.conf"

// subFilter is the nginx directive that puts window.globalConfigs into every page a frontend serves. Upstream's
// points at a globalConfigs.js on eGov's UAT asset bucket; here the configuration is inline, from the catalogue and
// the stack, so the UI needs no asset of another environment.
func subFilter(configs map[string]string, tenant string) string {
	var js strings.Builder
	js.WriteString("var globalConfigs=(function(){var c={")
	for i, k := range sortedKeysOf(configs) {
		if i > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(&js, "%q:%q", k, strings.ReplaceAll(configs[k], "{tenant}", tenant))
	}
	js.WriteString("};return {getConfig:function(k){return c[k];}};})();")
	return fmt.Sprintf("sub_filter '<head>' '<head><script type=\"text/javascript\">%s</script>';\nsub_filter_once on;\n", js.String())
}

func sortedKeysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// zuulRoutesEnv is the variable zuul reads its routes file from.
const zuulRoutesEnv = "ZUUL_ROUTES_FILEPATH"

// zuulRoutes are the gateway's routes: one per enabled service that routes through it, to its Service's cluster
// DNS name, generated from the catalogue (upstream runs a discovery init container with a ClusterRole instead).
func (w *wiring) zuulRoutes() (string, error) {
	var routes []k8s.ZuulRoute
	for _, m := range w.cat.Modules() {
		for _, s := range m.Services {
			if s.ViaZuul && s.ContextPath != "" && s.Role != catalogue.RoleGateway {
				routes = append(routes, k8s.ZuulRoute{ID: s.Name, Path: s.ContextPath,
					URL: k8s.ServiceHostURL(s.Name, m.Namespace, s.Port)})
			}
		}
	}
	return k8s.ZuulRoutesProperties(routes)
}

// smsSecret is the catalogue Secret with the SMS gateway's credentials.
const smsSecret = "egov-notification-sms"

// serviceSecrets are the values of the catalogue Secrets enabled services read: the stack's digit:secrets, the
// cloud layer's for provider keys, and "" for optional keys nobody set.
func (w *wiring) serviceSecrets() map[string]map[string]pulumi.StringInput {
	provided := map[string]pulumi.StringInput{}
	if f := w.f.Filestore; f != nil && f.AccessKeyID != nil {
		provided[catalogue.ProviderFilestoreAccessKey] = f.AccessKeyID
		provided[catalogue.ProviderFilestoreSecretKey] = f.SecretAccessKey
	}
	out := map[string]map[string]pulumi.StringInput{}
	for _, s := range w.cat.Secrets() {
		out[s.Name] = map[string]pulumi.StringInput{}
		for _, k := range s.Keys {
			v := w.cfg.Services.Secrets.Value(s.Name, k.Key)
			switch p, ok := provided[k.Provider]; {
			case v.IsSet():
				out[s.Name][k.Key] = pulumi.String(v.Reveal())
			case ok:
				out[s.Name][k.Key] = p
			default:
				out[s.Name][k.Key] = pulumi.String("")
			}
		}
	}
	return out
}

// redisPassword is the Secret Redis requires its clients' password from, and its value: the stack's value of the
// catalogue's RedisPasswordSecret, under the same Secret name and key the services read it with. None when the
// stack leaves it unset, which the config allows only while no enabled service reads it. Rendered manifests
// reference the Secret without creating it: their secret tooling provides it, as it does the services' Secrets.
func (w *wiring) redisPassword() (secret, key string, value pulumi.StringInput) {
	ref := catalogue.RedisPasswordSecret
	v := w.cfg.Services.Secrets.Value(ref.Name, ref.Key)
	switch {
	case !v.IsSet():
		return "", "", nil
	case w.cfg.Services.RenderDir != "":
		return ref.Name, ref.Key, nil
	}
	return ref.Name, ref.Key, pulumi.ToSecret(pulumi.String(v.Reveal())).(pulumi.StringOutput)
}

// jaegerAgentHost is the Service traced services report spans to.
func (w *wiring) jaegerAgentHost() string {
	return k8s.JaegerAgentService + "." + w.cat.Tracing().Jaeger.Namespace
}

// deployModule deploys one module. Nothing waits for a whole module: a service's Deployment waits for the
// environment and the backbone stores its env addresses, its Ingress for the ingress controller. Ordering on
// module dependencies instead would chain every module's start-up times, one wave after another (on a real
// cluster, minutes per wave of JVMs).
func (w *wiring) deployModule(m catalogue.Module) error {
	switch m.Name {
	case catalogue.ModuleBackbone:
		if err := w.deployBackbone(w.env); err != nil {
			return err
		}
	case catalogue.ModuleGateway:
		if err := w.deployGateway(w.env); err != nil {
			return err
		}
	case catalogue.ModuleLogging:
		// The log shipper writes to Elasticsearch.
		if err := w.deployInfra(m.Name, append(slices.Clone(w.env), w.storeWorkloads(catalogue.StoreElasticsearch)...)); err != nil {
			return err
		}
	case catalogue.ModuleMonitoring, catalogue.ModuleTracing:
		if err := w.deployInfra(m.Name, w.env); err != nil {
			return err
		}
	}
	for _, s := range m.Services {
		args, err := w.serviceArgs(m, s, w.env)
		if err != nil {
			return fmt.Errorf("service %s: %w", s.Name, err)
		}
		args.DeploymentDependsOn = w.storeWorkloads(w.cat.StoresOf(s.Name)...)
		args.IngressDependsOn = w.gatewayReady
		if _, err := k8s.NewDigitService(w.ctx, s.Name, args, w.opts...); err != nil {
			return fmt.Errorf("service %s: %w", s.Name, err)
		}
	}
	return nil
}

// storeWorkloads are the backbone workloads behind the given stores (none when the backbone is not deployed).
func (w *wiring) storeWorkloads(stores ...catalogue.Store) []pulumi.Resource {
	bb := w.backbone
	if bb == nil {
		return nil
	}
	var out []pulumi.Resource
	add := func(roles ...string) {
		for _, r := range roles {
			if sts, ok := bb.StatefulSets[r]; ok {
				out = append(out, sts)
			}
		}
	}
	for _, st := range stores {
		switch st {
		case catalogue.StoreKafka:
			add(k8s.RoleKafka)
		case catalogue.StoreElasticsearch:
			add(k8s.RoleElasticsearchData, k8s.RoleElasticsearchMaster)
		case catalogue.StoreRedis:
			if bb.Redis != nil {
				out = append(out, bb.Redis)
			}
		}
	}
	return out
}

func (w *wiring) serviceArgs(m catalogue.Module, s catalogue.Service, deps []pulumi.Resource) (*k8s.DigitServiceArgs, error) {
	a := &k8s.DigitServiceArgs{
		Name:        s.Name,
		Namespace:   m.Namespace,
		Image:       catalogue.ImageRef(s, w.registry),
		Version:     s.Tag,
		Component:   m.Name,
		Kind:        componentKind(s.Kind),
		Port:        s.Port,
		ContextPath: s.ContextPath,
		HealthPath:  s.HealthPath,
		Replicas:    s.Replicas,
		MemoryLimit: s.MemoryLimit,
		CPURequest:  s.CPURequest,
		JavaOpts:    s.Heap,
		ZoneLabel:   w.f.Storage.ZoneLabel,
		DependsOn:   deps,
	}
	var repo *catalogue.ConfigRepo
	if s.GitSync != nil {
		r, _ := w.cat.ConfigRepo(s.GitSync.Repo)
		repo = &r
		a.GitSync = &k8s.GitSync{
			Repo: r.URL, Branch: r.Branch, Commit: r.Commit, CredentialsSecret: r.Credentials,
			Image: catalogue.InitImageRef(w.cat.InitImages().GitSync, w.registry), Root: catalogue.GitSyncRoot,
		}
	}
	env, _ := w.cat.ServiceEnv(s.Name)
	for _, e := range env {
		v, err := containerEnv(e, repo)
		if err != nil {
			return nil, err
		}
		a.Env = append(a.Env, v)
	}
	if s.Migration != nil {
		a.Migration = &k8s.Migration{Image: catalogue.MigrationImageRef(s, w.registry), SchemaTable: s.Migration.SchemaTable}
	}
	if s.Autoscaling != nil {
		a.Autoscaling = &k8s.Autoscaling{Min: s.Autoscaling.Min, Max: s.Autoscaling.Max, TargetCPU: s.Autoscaling.TargetCPU}
	}
	if s.ContextPath != "" && w.ingressClass != "" {
		route := &k8s.IngressRoute{
			Host:          w.cfg.Services.Domain,
			ClassName:     w.ingressClass,
			ViaZuul:       s.ViaZuul,
			TLSSecretName: w.tlsSecret,
			Annotations:   w.tlsIssuer,
		}
		if s.ViaZuul {
			if gw, ok := w.cat.GatewayService(); ok {
				route.ZuulService, route.ZuulPort = gw.Name, gw.Port
			} else {
				route.ViaZuul = false
			}
		}
		a.Ingress = route
	}
	if s.Role == catalogue.RoleGateway {
		routes, err := w.zuulRoutes()
		if err != nil {
			return nil, err
		}
		a.Files = append(a.Files, k8s.File{Volume: "zuul-routes", MountPath: k8s.ZuulRoutesFile, Content: routes})
		// zuul reads the routes from the file mounted above; the variable is set here so they cannot disagree.
		a.Env = slices.DeleteFunc(a.Env, func(e k8s.EnvVar) bool { return e.Name == zuulRoutesEnv })
		a.Env = append(a.Env, k8s.LiteralEnv(zuulRoutesEnv, "file:"+k8s.ZuulRoutesFile))
	}
	if len(s.GlobalConfigs) > 0 {
		a.Files = append(a.Files, k8s.File{Volume: "js-injection", MountPath: subFilterFile,
			Content: subFilter(s.GlobalConfigs, w.cfg.Services.TenantID)})
	}
	if fs := w.f.Filestore; s.Name == filestoreService && fs != nil {
		if len(fs.ServiceAccountAnnotations) > 0 {
			a.ServiceAccountName = filestoreService
			a.ServiceAccountAnnotations = fs.ServiceAccountAnnotations
		}
		env, err := w.filestoreEnv(a.Env, fs)
		if err != nil {
			return nil, err
		}
		a.Env = env
	}
	return a, nil
}

// filestoreEnv applies the cloud layer's storage settings to egov-filestore's env: literals replace the
// catalogue's entries of the same name, secret variables reference the catalogue Secret key of their provider.
func (w *wiring) filestoreEnv(env []k8s.EnvVar, fs *infra.Filestore) ([]k8s.EnvVar, error) {
	set := map[string]k8s.EnvVar{}
	for name, v := range fs.Env {
		set[name] = k8s.LiteralEnv(name, v)
	}
	for name, provider := range fs.SecretEnv {
		ref, ok := secretOfProvider(w.cat, provider)
		if !ok {
			return nil, fmt.Errorf("the cloud layer sets %s of %s from secret provider %q, which no catalogue Secret key "+
				"has", name, filestoreService, provider)
		}
		set[name] = k8s.EnvVar{Name: name, Secret: &ref}
	}
	out := slices.DeleteFunc(slices.Clone(env), func(e k8s.EnvVar) bool { _, replaced := set[e.Name]; return replaced })
	for _, name := range slices.Sorted(maps.Keys(set)) {
		out = append(out, set[name])
	}
	return out, nil
}

// secretOfProvider is the Secret key of the enabled catalogue that a cloud-layer provider fills.
func secretOfProvider(cat *catalogue.Resolved, provider string) (k8s.KeyRef, bool) {
	for _, s := range cat.Secrets() {
		for _, k := range s.Keys {
			if k.Provider == provider {
				return k8s.KeyRef{Name: s.Name, Key: k.Key}, true
			}
		}
	}
	return k8s.KeyRef{}, false
}

// containerEnv turns a catalogue env entry into the container's: egov-config keys and service hosts become
// ConfigMap references, checkout paths absolute paths (or file:// URLs) under the service's git-sync checkout.
func containerEnv(e catalogue.EnvVar, repo *catalogue.ConfigRepo) (k8s.EnvVar, error) {
	v := k8s.EnvVar{Name: e.Name}
	switch e.Kind() {
	case catalogue.SourceValue:
		v.Value = e.Value
	case catalogue.SourceConfig:
		v.ConfigMap = &k8s.KeyRef{Name: k8s.EgovConfigMapName, Key: e.Config}
	case catalogue.SourceServiceHost:
		v.ConfigMap = &k8s.KeyRef{Name: k8s.ServiceHostMapName, Key: e.ServiceHost}
	case catalogue.SourceSecret:
		v.Secret = &k8s.KeyRef{Name: e.Secret.Name, Key: e.Secret.Key}
	case catalogue.SourceFieldRef:
		v.FieldPath = e.FieldRef
	case catalogue.SourceCheckout:
		if repo == nil {
			return v, fmt.Errorf("env %s: checkout paths without a gitSync repository", e.Name)
		}
		v.Value = new(string)
		*v.Value = checkoutValue(repo.CheckoutDir(), *e.Checkout)
	default:
		return v, fmt.Errorf("env %s: no single source", e.Name)
	}
	return v, nil
}

// checkoutValue is the comma-separated list of a checkout's paths, as absolute paths or file:// URLs.
func checkoutValue(dir string, c catalogue.CheckoutPaths) string {
	parts := make([]string, len(c.Paths))
	for i, p := range c.Paths {
		parts[i] = dir + "/" + p
		if c.FileURL {
			parts[i] = "file://" + parts[i]
		}
	}
	return strings.Join(parts, ",")
}

// componentKind maps a catalogue kind to the service component's: node services (pdf-service, the chatbot,
// firenoc) follow the backend conventions (DB credentials, service hosts, non-root) without a JVM heap.
func componentKind(k catalogue.Kind) k8s.Kind {
	if k == catalogue.KindFrontend {
		return k8s.Kind(catalogue.KindFrontend)
	}
	return k8s.Kind(catalogue.KindJava)
}

func (w *wiring) deployBackbone(deps []pulumi.Resource) error {
	bb := w.cat.Backbone()
	vols := w.cfg.Volumes
	sts := func(wl catalogue.Workload, v config.Volume) k8s.StatefulSetSpec {
		return k8s.StatefulSetSpec{
			Enabled: true, Namespace: wl.Namespace, Image: catalogue.WorkloadImageRef(wl, w.registry),
			Replicas: v.Replicas, HeapOpts: wl.JavaOpts,
			CPURequest: wl.Resources.Requests.CPU, CPULimit: wl.Resources.Limits.CPU,
			MemoryRequest: wl.Resources.Requests.Memory, MemoryLimit: wl.Resources.Limits.Memory,
			VolumeSizeGB: v.SizeGB,
		}
	}
	dep := func(wl catalogue.Workload) k8s.DeploymentSpec {
		return k8s.DeploymentSpec{
			Enabled: true, Namespace: wl.Namespace, Image: catalogue.WorkloadImageRef(wl, w.registry),
			Replicas: wl.Replicas, HeapOpts: wl.JavaOpts,
			CPURequest: wl.Resources.Requests.CPU, CPULimit: wl.Resources.Limits.CPU,
			MemoryRequest: wl.Resources.Requests.Memory, MemoryLimit: wl.Resources.Limits.Memory,
		}
	}
	st := w.f.Storage
	storage := k8s.BackboneStorage{
		Mode: string(st.Mode), StorageClass: st.StorageClass, CSIDriver: st.CSIDriver, FSType: st.FSType,
	}
	if st.Mode == infra.StorageStatic {
		storage.Volumes = map[string][]k8s.Volume{}
		for role, list := range st.Volumes {
			for _, v := range list {
				storage.Volumes[role] = append(storage.Volumes[role], k8s.Volume{ID: v.ID, Zone: v.Zone, SizeGB: v.SizeGB})
			}
		}
	}
	redisSecret, redisKey, redisPassword := w.redisPassword()
	b, err := k8s.NewBackbone(w.ctx, "backbone", &k8s.BackboneArgs{
		Zones:                   w.f.Zones,
		ZoneLabel:               st.ZoneLabel,
		Storage:                 storage,
		Kafka:                   sts(bb.Kafka.Workload, vols.Kafka),
		Zookeeper:               sts(bb.Zookeeper, vols.Zookeeper),
		ElasticsearchMaster:     sts(bb.ElasticsearchMaster, vols.ElasticsearchMaster),
		ElasticsearchData:       sts(bb.ElasticsearchData, vols.ElasticsearchData),
		Redis:                   dep(bb.Redis),
		RedisPasswordSecret:     redisSecret,
		RedisPasswordKey:        redisKey,
		RedisPassword:           redisPassword,
		KafkaConnect:            dep(bb.KafkaConnect),
		Kibana:                  dep(bb.Kibana),
		ElasticsearchSysctlInit: w.cfg.Services.ElasticsearchSysctl,
		KafkaTopics: k8s.KafkaTopics{NumPartitions: bb.Kafka.NumPartitions, ReplicationFactor: bb.Kafka.ReplicationFactor,
			OffsetsReplicationFactor: bb.Kafka.OffsetsReplicationFactor},
		Curator: k8s.CuratorSpec{
			Enabled: true, Namespace: bb.Curator.Namespace, Image: catalogue.WorkloadImageRef(bb.Curator.Workload, w.registry),
			Schedule: bb.Curator.Schedule, RetainDays: bb.Curator.RetentionDays,
		},
		DependsOn: deps,
	}, w.opts...)
	if err != nil {
		return err
	}
	w.backbone = b
	return nil
}

func (w *wiring) collectOutputs() {
	f := w.f
	out := w.outputs
	out["target"] = pulumi.String(f.Target)
	if f.Kubeconfig != nil {
		out["kubeconfig"] = pulumi.ToSecret(f.Kubeconfig)
	}
	if f.ClusterName != nil {
		out["clusterName"] = f.ClusterName
	}
	out["dbHost"] = f.Database.Host
	out["dbPort"] = f.Database.Port
	out["dbName"] = f.Database.Name
	out["dbUser"] = f.Database.User
	out["dbPassword"] = pulumi.ToSecret(f.Database.Password)
	if f.RegistryURL != "" {
		out["registryUrl"] = pulumi.String(f.RegistryURL)
	}
	if f.Filestore != nil {
		out["filestoreBucket"] = f.Filestore.Bucket
		for k, v := range f.Filestore.Outputs {
			out[k] = v
		}
	}
	vols := pulumi.Map{}
	for role, list := range f.Storage.Volumes {
		arr := pulumi.Array{}
		for _, v := range list {
			arr = append(arr, pulumi.Map{"id": v.ID, "zone": pulumi.String(v.Zone), "sizeGb": pulumi.Int(v.SizeGB)})
		}
		vols[role] = arr
	}
	if len(vols) > 0 {
		out["volumes"] = vols
	}
	var mods pulumi.StringArray
	services := 0
	for _, m := range w.cat.Modules() {
		mods = append(mods, pulumi.String(m.Name))
		services += len(m.Services)
	}
	out["modules"] = mods
	out["serviceCount"] = pulumi.Int(services)
	routes := pulumi.StringMap{}
	for _, s := range w.cat.Services() {
		if s.ContextPath != "" && w.ingressClass != "" {
			routes["/"+s.ContextPath] = pulumi.String(s.Name)
		}
	}
	out["ingressRoutes"] = routes
	out["storageMode"] = pulumi.String(string(f.Storage.Mode))
	out["zones"] = pulumi.ToStringArray(f.Zones)
}

func (w *wiring) deployGateway(deps []pulumi.Resource) error {
	nginx := w.cat.Gateway().IngressNginx
	domain := w.cfg.Services.Domain
	class := "" // the component's default
	if w.cfg.QA != nil {
		// A QA stack shares its cluster: its controller serves only its own class, and claims no default.
		class = w.cfg.QA.Prefix + k8s.DefaultIngressClass
	}
	g, err := k8s.NewGateway(w.ctx, "gateway", &k8s.GatewayArgs{
		Namespace:               nginx.Namespace,
		ClassName:               class,
		LoadBalancerAnnotations: w.f.LoadBalancerAnnotations,
		Image:                   catalogue.WorkloadImageRef(nginx, w.registry),
		Replicas:                nginx.Replicas,
		Resources:               resourcesOf(nginx),
		ZoneLabel:               w.f.Storage.ZoneLabel,
		Domain:                  domain,
		TLS:                     domain != "",
		Email:                   w.cfg.Services.TLSEmail,
		DependsOn:               deps,
	}, w.opts...)
	if err != nil {
		return err
	}
	w.ingressClass = g.IngressClassName
	w.tlsSecret = g.TLSSecretName
	w.tlsIssuer = g.IssuerAnnotations
	w.outputs["ingressAddress"] = g.LoadBalancerAddress
	w.gatewayReady = g.Ready
	return nil
}

// deployInfra deploys one infra module (logging, monitoring or tracing) as its own component, so each waits only
// for its own dependencies.
func (w *wiring) deployInfra(module string, deps []pulumi.Resource) error {
	res := resourcesOf
	args := &k8s.InfraServicesArgs{DependsOn: deps}
	switch module {
	case catalogue.ModuleLogging:
		fb := w.cat.Logging().FluentBit
		es := w.cat.Backbone().ElasticsearchData
		args.Logging = k8s.LoggingSpec{
			Enabled: true, Namespace: fb.Namespace, Image: catalogue.WorkloadImageRef(fb, w.registry),
			ESHost: es.Name + "." + es.Namespace, ESPort: es.Port, Resources: res(fb),
		}
	case catalogue.ModuleMonitoring:
		mon := w.cat.Monitoring()
		args.Monitoring = k8s.MonitoringSpec{
			Enabled: true, Namespace: mon.Prometheus.Namespace, Image: catalogue.WorkloadImageRef(mon.Prometheus, w.registry),
			Retention: mon.Retention, Resources: res(mon.Prometheus),
		}
	case catalogue.ModuleTracing:
		tr := w.cat.Tracing()
		args.Tracing = k8s.TracingSpec{
			Enabled: true, Namespace: tr.Jaeger.Namespace, Image: catalogue.WorkloadImageRef(tr.Jaeger, w.registry),
			MaxTraces: tr.MaxTraces, Resources: res(tr.Jaeger),
		}
	}
	_, err := k8s.NewInfraServices(w.ctx, module, args, w.opts...)
	return err
}

// resourcesOf is a catalogue workload's requests and limits in the components' form.
func resourcesOf(wl catalogue.Workload) k8s.Resources {
	return k8s.Resources{
		CPURequest: wl.Resources.Requests.CPU, CPULimit: wl.Resources.Limits.CPU,
		MemoryRequest: wl.Resources.Requests.Memory, MemoryLimit: wl.Resources.Limits.Memory,
	}
}
