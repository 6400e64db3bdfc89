// Package catalogue is the DIGIT catalogue as validated data: which modules exist, which services each runs and how
// they are sized, the backbone and infrastructure workloads beside them, and the check that all of it fits on a
// node group.
//
// The default catalogue is default.yaml, embedded in the binary. A stack changes it with an Overrides value (the
// digit:catalogue config key); Resolve applies the overrides, validates the result and returns the enabled modules
// in dependency order. Nothing in this package talks to Pulumi or Kubernetes: the service layer reads a Resolved
// and renders it.
package catalogue

import (
	_ "embed"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
)

//go:embed default.yaml
var defaultYAML []byte

// Catalogue is the whole catalogue: modules with their DIGIT services, plus the sections that size the workloads of
// the backbone, gateway, logging, monitoring and tracing modules. Each section belongs to the module of the same
// name and is deployed only when that module is enabled.
type Catalogue struct {
	// Modules in declaration order (the order ties are broken in when sorting by dependency).
	Modules []Module `json:"modules"`

	Backbone   Backbone   `json:"backbone"`
	Gateway    Gateway    `json:"gateway"`
	Logging    Logging    `json:"logging"`
	Monitoring Monitoring `json:"monitoring"`
	Tracing    Tracing    `json:"tracing"`

	// InitImages are the images of init containers the wiring adds to services.
	InitImages InitImages `json:"initImages"`

	// EnvTemplates are the env lists services are completed with, by app type (java-spring) plus "tracing"; see
	// env.go for how a service's env is assembled.
	EnvTemplates map[string]EnvTemplate `json:"envTemplates"`
	// ConfigRepos are the git repositories of configuration services clone, by name (configs, egov-mdms-data).
	ConfigRepos map[string]ConfigRepo `json:"configRepos"`
	// Secrets are the Secrets services read keys of, besides the database Secret.
	Secrets []Secret `json:"secrets"`
	// Database sizes the services' connection pools (see connections.go).
	Database Database `json:"database"`
	// Deviations apply to every service: where the wiring itself departs from upstream's common chart (the
	// db-migration and git-sync init containers), and why.
	Deviations []Deviation `json:"deviations"`
	// PodSecurity waives the restricted Pod Security Standard for a namespace, by namespace name: the level it
	// enforces instead and why its pods need it. A namespace not listed enforces restricted.
	PodSecurity map[string]PodSecurityWaiver `json:"podSecurity"`
}

// PodSecurityWaiver is a namespace's Pod Security level other than restricted, with the reason.
type PodSecurityWaiver struct {
	// Level is baseline or privileged (k8s.io/pod-security-admission's levels).
	Level string `json:"level"`
	// Reason names the pods that need the level and what of theirs does.
	Reason string `json:"reason"`
}

// Module is a unit that is enabled or disabled as a whole.
type Module struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Enabled is the default; digit:catalogue.modules.<name>.enabled changes it.
	Enabled bool `json:"enabled"`
	// Namespace the module's services run in (workloads of the module's section name their own).
	Namespace string `json:"namespace"`
	// Dependencies are modules that must be enabled whenever this one is; they are deployed first.
	Dependencies []string  `json:"dependencies"`
	Services     []Service `json:"services"`
}

// Kind is the runtime of a DIGIT service; it decides which conventions the wiring applies (JAVA_OPTS and Spring
// datasource settings for java, none for node and frontend) and the defaults of omitted sizing fields.
type Kind string

const (
	KindJava     Kind = "java"
	KindNode     Kind = "node"
	KindFrontend Kind = "frontend"
)

// Kinds lists the allowed kinds, in the order error messages show them.
var Kinds = []Kind{KindJava, KindNode, KindFrontend}

// RoleGateway marks the API gateway: ingress paths of services with ViaZuul route to it.
const RoleGateway = "gateway"

// Service is one DIGIT microservice: a Deployment with a Service, optionally an ingress path, a DB migration init
// container and a config-repository clone.
type Service struct {
	Name string `json:"name"`
	// Kind defaults to java.
	Kind Kind `json:"kind,omitempty"`
	// Role is "" or "gateway" (the one service that ViaZuul ingress paths route to).
	Role string `json:"role,omitempty"`

	// Image is the repository without registry or tag (egovio/egov-user); see ImageRef.
	Image string `json:"image"`
	Tag   string `json:"tag"`
	// Port the container listens on (8080 for java, 80 for frontends).
	Port int `json:"port"`
	// ContextPath is the ingress path without slashes ("user" routes /user); "" means no ingress route.
	ContextPath string `json:"contextPath"`
	// HealthPath is the HTTP path of the readiness and liveness probes; "" means probe the TCP port instead.
	HealthPath string `json:"healthPath"`
	// ViaZuul routes the ingress path through the gateway (which authenticates) instead of straight to the service.
	ViaZuul bool `json:"viaZuul"`

	// Migration is the Flyway init container; nil when the service has no schema of its own.
	Migration *Migration `json:"migration,omitempty"`
	// GitSync clones a configuration repository before the service starts; nil when it reads none.
	GitSync *GitSync `json:"gitSync,omitempty"`

	// Replicas is the steady-state replica count (default 1; 0 parks the service without removing it).
	Replicas int `json:"replicas"`
	// MemoryLimit is a Kubernetes quantity; the memory request equals it.
	MemoryLimit string `json:"memoryLimit"`
	// CPURequest is a Kubernetes quantity; services get no CPU limit.
	CPURequest string `json:"cpuRequest"`
	// Heap is JAVA_OPTS (e.g. "-Xmx256m -Xms256m"); its -Xmx must not exceed MemoryLimit.
	Heap string `json:"heap,omitempty"`
	// Autoscaling is the HorizontalPodAutoscaler. After Resolve it is set for every service with replicas > 0
	// (defaults: min = replicas, max = 3 x replicas but at most 100, target 80% CPU) and nil for parked services.
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`

	// AppType selects the env template the service's env is completed with: java-spring or none. Default:
	// java-spring for kind java, none otherwise.
	AppType string `json:"appType,omitempty"`
	// Tracing gives the service the tracing env. Default: true except for frontends.
	Tracing *bool `json:"tracing,omitempty"`
	// Env is the service's own env, in order (see env.go): every variable the image reads that upstream sets,
	// under the name the image reads.
	Env []EnvVar `json:"env,omitempty"`
	// GlobalConfigs are what a frontend's window.globalConfigs.getConfig(key) answers (its state tenant, context
	// paths, ...), injected into its pages by nginx as upstream's <name>-js-injection ConfigMap does; "{tenant}" in
	// a value is the stack's state tenant. Frontends only.
	GlobalConfigs map[string]string `json:"globalConfigs,omitempty"`
	// DBConnections is the pool size of one pod when it is not the catalogue's database.poolSize (java-spring)
	// or database.otherPoolSize (others). Default: 0 (those).
	DBConnections int `json:"dbConnections,omitempty"`
	// Deviations record where the service knowingly departs from upstream's charts and environment, and why.
	Deviations []Deviation `json:"deviations,omitempty"`
}

// Migration is a Flyway image run as an init container with the service's own tag.
type Migration struct {
	// Image is a repository without registry or tag (egovio/egov-user-db).
	Image string `json:"image"`
	// SchemaTable is Flyway's history table (SCHEMA_TABLE), exactly as upstream names it.
	SchemaTable string `json:"schemaTable"`
	// Tag of the migration image when a release pins it apart from the service's (core v2.9 pins
	// egov-filestore-db and pdf-service-db so). Default: the service's tag.
	Tag string `json:"tag,omitempty"`
}

// GitSync clones one of the catalogue's config repositories into GitSyncRoot/<repository name> before the
// service starts; env entries with checkout paths point into it.
type GitSync struct {
	// Repo names an entry of the catalogue's configRepos.
	Repo string `json:"repo"`
}

// Autoscaling is a HorizontalPodAutoscaler on CPU utilisation. In overrides and added services a zero field means
// "the default".
type Autoscaling struct {
	Min int `json:"min"`
	Max int `json:"max"`
	// TargetCPU is the average CPU utilisation in percent of the CPU request.
	TargetCPU int `json:"targetCpu"`
}

// WorkloadKind is the Kubernetes controller of a workload.
type WorkloadKind string

const (
	StatefulSet WorkloadKind = "StatefulSet"
	Deployment  WorkloadKind = "Deployment"
	// DaemonSet runs one pod on every node; Replicas is ignored.
	DaemonSet WorkloadKind = "DaemonSet"
	// CronJob runs Replicas pods at a time, on its schedule.
	CronJob WorkloadKind = "CronJob"
)

// WorkloadKinds lists the allowed workload kinds, in the order error messages show them.
var WorkloadKinds = []WorkloadKind{StatefulSet, Deployment, DaemonSet, CronJob}

// Workload is a third-party component the service layer runs next to the DIGIT services (Kafka, ingress-nginx,
// fluent-bit, ...).
type Workload struct {
	// Name of the Kubernetes objects (kafka-v2): DIGIT's default configuration addresses some of them by name.
	Name      string       `json:"name"`
	Namespace string       `json:"namespace"`
	Kind      WorkloadKind `json:"kind"`
	// Image is a repository without tag; unlike a service image it may name its registry (registry.k8s.io/...).
	Image    string `json:"image"`
	Tag      string `json:"tag"`
	Replicas int    `json:"replicas,omitempty"`
	// Port is the main port of its Service (0 when it has none).
	Port int `json:"port,omitempty"`
	// JavaOpts are the JVM options (KAFKA_HEAP_OPTS, ES_JAVA_OPTS, ...); -Xmx must not exceed the memory limit.
	JavaOpts  string    `json:"javaOpts,omitempty"`
	Resources Resources `json:"resources"`
	// VolumeSize is the size of each replica's persistent volume ("" for none).
	VolumeSize string `json:"volumeSize,omitempty"`
}

// Resources are a container's requests and limits; every field is a Kubernetes quantity and each limit must be at
// least its request.
type Resources struct {
	Requests ResourceList `json:"requests"`
	Limits   ResourceList `json:"limits"`
}

// ResourceList is a CPU and a memory quantity.
type ResourceList struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

// Backbone sizes the backbone module.
type Backbone struct {
	Kafka               Kafka    `json:"kafka"`
	Zookeeper           Workload `json:"zookeeper"`
	ElasticsearchData   Workload `json:"elasticsearchData"`
	ElasticsearchMaster Workload `json:"elasticsearchMaster"`
	Redis               Workload `json:"redis"`
	KafkaConnect        Workload `json:"kafkaConnect"`
	Kibana              Workload `json:"kibana"`
	Curator             Curator  `json:"curator"`
}

// Kafka is the Kafka StatefulSet and its broker defaults.
type Kafka struct {
	Workload
	NumPartitions     int `json:"numPartitions"`
	ReplicationFactor int `json:"replicationFactor"`
	// OffsetsReplicationFactor is offsets.topic.replication.factor; it must not exceed the broker count.
	OffsetsReplicationFactor int `json:"offsetsReplicationFactor"`
}

// Curator is the es-curator CronJob that deletes old log indices.
type Curator struct {
	Workload
	// Schedule is a five-field cron expression (UTC).
	Schedule      string `json:"schedule"`
	RetentionDays int    `json:"retentionDays"`
}

// Gateway sizes the gateway module's third-party parts (its DIGIT service, zuul, is in the module).
type Gateway struct {
	IngressNginx Workload    `json:"ingressNginx"`
	CertManager  CertManager `json:"certManager"`
}

// CertManager is cert-manager's three Deployments.
type CertManager struct {
	// OnlyWithDomain tells the wiring to install cert-manager only when the stack sets digit:domain (without a
	// domain there is no certificate to issue). When false it is always installed.
	OnlyWithDomain bool     `json:"onlyWithDomain"`
	Controller     Workload `json:"controller"`
	Webhook        Workload `json:"webhook"`
	CAInjector     Workload `json:"cainjector"`
}

// Logging sizes the logging module.
type Logging struct {
	// FluentBit is a DaemonSet shipping container logs to the backbone's Elasticsearch.
	FluentBit Workload `json:"fluentBit"`
}

// Monitoring sizes the monitoring module.
type Monitoring struct {
	Prometheus Workload `json:"prometheus"`
	// Retention is Prometheus' --storage.tsdb.retention.time (e.g. "2d").
	Retention string `json:"retention"`
}

// Tracing sizes the tracing module.
type Tracing struct {
	// Jaeger is the all-in-one image with in-memory storage.
	Jaeger Workload `json:"jaeger"`
	// MaxTraces bounds the in-memory store (--memory.max-traces).
	MaxTraces int `json:"maxTraces"`
	// DisabledEnv is what traced services get instead of the tracing template when the module is disabled.
	DisabledEnv []EnvVar `json:"disabledEnv"`
}

// InitImages are images of init containers.
type InitImages struct {
	GitSync ImageTag `json:"gitSync"`
}

// ImageTag is an image repository (which may name its registry) and a tag.
type ImageTag struct {
	Image string `json:"image"`
	Tag   string `json:"tag"`
}

// Names of the modules that own a section of the catalogue; the catalogue must declare them.
const (
	ModuleBackbone   = "backbone"
	ModuleGateway    = "gateway"
	ModuleLogging    = "logging"
	ModuleMonitoring = "monitoring"
	ModuleTracing    = "tracing"
)

// EgovConfigKeys are the keys of DIGIT's egov-config ConfigMap, the environment-wide settings Java services read.
var EgovConfigKeys = []string{
	"db-host", "db-name", "db-url", "domain", "egov-services-fqdn-name", "egov-state-level-tenant-id", "es-host",
	"es-indexer-host", "flyway-locations", "kafka-brokers", "kafka-infra-brokers", "timezone",
	"server-tomcat-max-connections", "server-tomcat-max-threads", "spring-datasource-tomcat-initialSize",
	"spring-datasource-tomcat-max-active", "tracer-errors-provideexceptionindetails", "sms-enabled",
	"spring-jpa-show-sql",
	// Beyond upstream's keys: the filestore's object storage as the cloud layer created it (upstream pastes the
	// bucket into egov-filestore's values by hand).
	"filestore-bucket", "filestore-region", "filestore-endpoint",
	// The tracing agent traced services report to (upstream: the node's IP, for a DaemonSet agent).
	"jaeger-agent-host",
}

// Default returns a fresh copy of the embedded default catalogue, parsed strictly and validated.
func Default() (*Catalogue, error) {
	c, err := parsedDefault()
	if err != nil {
		return nil, err
	}
	return deepCopy(c), nil
}

// parsedDefault parses and validates default.yaml once per process: the config loader reads the catalogue more than
// once per stack, and parsing it is most of a config load (a test suite loads hundreds).
var parsedDefault = sync.OnceValues(func() (*Catalogue, error) {
	c, err := Parse(defaultYAML)
	if err != nil {
		return nil, fmt.Errorf("default.yaml: %w", err)
	}
	if _, err := Resolve(c, Overrides{}); err != nil {
		return nil, fmt.Errorf("default.yaml: %w", err)
	}
	return c, nil
})

// deepCopy copies a value decoded from the catalogue's YAML: pointers, slices, maps and structs are copied, so the
// caller may change the result freely. Such values have exported fields only (the decoder could not fill others).
func deepCopy[T any](v T) T {
	return copyValue(reflect.ValueOf(v)).Interface().(T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		if v.Kind() == reflect.Interface {
			out := reflect.New(v.Type()).Elem()
			out.Set(copyValue(v.Elem()))
			return out
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(copyValue(v.Elem()))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(copyValue(v.Index(i)))
		}
		return s
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), copyValue(it.Value()))
		}
		return m
	case reflect.Struct:
		s := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				panic(fmt.Sprintf("catalogue: deepCopy of %s: field %s is not exported", v.Type(), v.Type().Field(i).Name))
			}
			s.Field(i).Set(copyValue(v.Field(i)))
		}
		return s
	}
	return v
}

// Parse reads a catalogue in the format of default.yaml. Unknown keys and values of the wrong type are errors;
// the content is not validated (Resolve does that).
func Parse(yamlBytes []byte) (*Catalogue, error) {
	var c Catalogue
	if err := decodeYAML(yamlBytes, "catalogue", &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// workloads lists the workloads of a module's section, for the capacity check and image listings.
func (c *Catalogue) workloads(module string) []Workload {
	ptrs := c.sectionWorkloadsOf(module)
	out := make([]Workload, len(ptrs))
	for i, w := range ptrs {
		out[i] = *w
	}
	return out
}

// sectionWorkloadsOf points at the workloads of a module's section, for reading or changing them in place.
func (c *Catalogue) sectionWorkloadsOf(module string) []*Workload {
	switch module {
	case ModuleBackbone:
		b := &c.Backbone
		return []*Workload{&b.Zookeeper, &b.Kafka.Workload, &b.ElasticsearchMaster, &b.ElasticsearchData, &b.Redis,
			&b.KafkaConnect, &b.Kibana, &b.Curator.Workload}
	case ModuleGateway:
		g := &c.Gateway
		return []*Workload{&g.IngressNginx, &g.CertManager.Controller, &g.CertManager.Webhook, &g.CertManager.CAInjector}
	case ModuleLogging:
		return []*Workload{&c.Logging.FluentBit}
	case ModuleMonitoring:
		return []*Workload{&c.Monitoring.Prometheus}
	case ModuleTracing:
		return []*Workload{&c.Tracing.Jaeger}
	}
	return nil
}

// sectionWorkloads points at the workloads of every section.
func (c *Catalogue) sectionWorkloads() []*Workload {
	var out []*Workload
	for _, m := range sectionModules {
		out = append(out, c.sectionWorkloadsOf(m)...)
	}
	return out
}

// sectionModules are the modules that own a section, in the order errors mention them.
var sectionModules = []string{ModuleBackbone, ModuleGateway, ModuleLogging, ModuleMonitoring, ModuleTracing}

// clone returns a deep copy, so that Resolve never changes its input.
func (c *Catalogue) clone() *Catalogue {
	out := *c
	out.EnvTemplates = map[string]EnvTemplate{}
	for k, t := range c.EnvTemplates {
		out.EnvTemplates[k] = EnvTemplate{Env: cloneEnv(t.Env), Deviations: slices.Clone(t.Deviations)}
	}
	out.ConfigRepos = maps.Clone(c.ConfigRepos)
	out.PodSecurity = maps.Clone(c.PodSecurity)
	out.Secrets = make([]Secret, len(c.Secrets))
	for i, sec := range c.Secrets {
		sec.Keys = slices.Clone(sec.Keys)
		out.Secrets[i] = sec
	}
	out.Tracing.DisabledEnv = cloneEnv(c.Tracing.DisabledEnv)
	out.Deviations = slices.Clone(c.Deviations)
	out.Modules = make([]Module, len(c.Modules))
	for i, m := range c.Modules {
		m.Dependencies = append([]string(nil), m.Dependencies...)
		svcs := make([]Service, len(m.Services))
		for j, s := range m.Services {
			svcs[j] = s.clone()
		}
		m.Services = svcs
		out.Modules[i] = m
	}
	return &out
}

// clone returns a deep copy of the service.
func (s Service) clone() Service {
	if s.Migration != nil {
		m := *s.Migration
		s.Migration = &m
	}
	if s.GitSync != nil {
		g := *s.GitSync
		s.GitSync = &g
	}
	if s.Autoscaling != nil {
		a := *s.Autoscaling
		s.Autoscaling = &a
	}
	if s.Tracing != nil {
		t := *s.Tracing
		s.Tracing = &t
	}
	s.Env = cloneEnv(s.Env)
	s.GlobalConfigs = maps.Clone(s.GlobalConfigs)
	s.Deviations = slices.Clone(s.Deviations)
	return s
}

// setDefaults is called by the decoder before it fills a Service, so that omitted keys keep these values.
func (s *Service) setDefaults() {
	s.Replicas = 1
}
