package k8s

import (
	"crypto/sha256"
	"fmt"
	"regexp"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// JaegerAgentService is the Service of the tracing agent's ports (spans on 6831/UDP, sampling on 5778), which
// traced services report to.
const JaegerAgentService = "jaeger-agent"

type jaegerPort struct {
	name  string
	port  int
	proto string
}

// jaegerAgentPorts are where traced services send: spans (compact and binary thrift) and sampling strategies.
var jaegerAgentPorts = []jaegerPort{{"agent-compact", 6831, "UDP"}, {"agent-binary", 6832, "UDP"}, {"agent-configs", 5778, "TCP"}}

// JaegerAgentPorts are the pod ports of the tracing agent traced services send to.
func JaegerAgentPorts() []PolicyPort {
	out := make([]PolicyPort, len(jaegerAgentPorts))
	for i, p := range jaegerAgentPorts {
		out[i] = PolicyPort{Port: p.port, Protocol: p.proto}
	}
	return out
}

var retentionRE = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d|w|y)$`)

// Pinned images of InfraServices.
const (
	DefaultFluentBitImage  = "cr.fluentbit.io/fluent/fluent-bit:3.1.9"
	DefaultPrometheusImage = "prom/prometheus:v2.53.3"
	DefaultJaegerImage     = "jaegertracing/all-in-one:1.62.0"
)

// LoggingSpec ships container logs to Elasticsearch with a fluent-bit DaemonSet.
type LoggingSpec struct {
	// Enabled deploys fluent-bit. Default: false.
	Enabled bool
	// Namespace (must exist). Default: "logging".
	Namespace string
	// Image. Default: DefaultFluentBitImage.
	Image string
	// ESHost is the Elasticsearch host name (Backbone.ESHost, e.g. "elasticsearch-data-v1.es-cluster").
	// Required when Enabled.
	ESHost string
	// ESPort. Default: 9200.
	ESPort int
	// IndexPrefix of the daily indices "<prefix>-YYYY.MM.DD"; the Backbone's Curator deletes "logstash-*" by
	// default. Default: "logstash".
	IndexPrefix string
	// Resources per node. Default: 50m/500m CPU, 64Mi/256Mi memory.
	Resources Resources
}

// MonitoringSpec runs a single Prometheus that discovers nodes and annotated Pods.
type MonitoringSpec struct {
	// Enabled deploys Prometheus. Default: false.
	Enabled bool
	// Namespace (must exist). Default: "monitoring".
	Namespace string
	// Image. Default: DefaultPrometheusImage.
	Image string
	// Retention of the TSDB. Default: "24h". The TSDB lives in an emptyDir (capped at StorageSizeLimit): metrics
	// are lost when the Pod moves, which suits a short-retention operational view; keep long-term metrics
	// elsewhere.
	Retention string
	// StorageSizeLimit of the emptyDir. Default: "8Gi".
	StorageSizeLimit string
	// Resources. Default: 200m/1 CPU, 1Gi/1Gi memory.
	Resources Resources
}

// TracingSpec runs Jaeger all-in-one (in-memory storage) where DIGIT's tracer sends spans.
type TracingSpec struct {
	// Enabled deploys Jaeger. Default: false.
	Enabled bool
	// Namespace (must exist). Default: "monitoring" (DIGIT's tracer default is jaeger-agent.monitoring:6831).
	Namespace string
	// Image. Default: DefaultJaegerImage.
	Image string
	// MaxTraces kept in memory; traces are lost on restart. Default: 50000.
	MaxTraces int
	// Resources. Default: 100m/1 CPU, 512Mi/512Mi memory.
	Resources Resources
}

// InfraServicesArgs toggles the operational add-ons.
type InfraServicesArgs struct {
	Logging    LoggingSpec
	Monitoring MonitoringSpec
	Tracing    TracingSpec
	// DependsOn are resources every child waits for (namespaces, Elasticsearch). Default: none.
	DependsOn []pulumi.Resource
}

// InfraServices is the `digit:k8s:InfraServices` component.
type InfraServices struct {
	pulumi.ResourceState

	// JaegerAgentHost is "jaeger-agent.<ns>" ("" without tracing); JaegerAgentPort is 6831 (UDP, compact thrift).
	JaegerAgentHost string
	JaegerAgentPort int
	// JaegerCollectorURL is the HTTP span endpoint "http://jaeger-collector.<ns>:14268/api/traces".
	JaegerCollectorURL string
	// JaegerQueryURL is the UI "http://jaeger-query.<ns>:16686".
	JaegerQueryURL string
	// PrometheusURL is "http://prometheus.<ns>:9090" ("" without monitoring).
	PrometheusURL string
	// Ready are the workloads (DaemonSet, Deployments).
	Ready []pulumi.Resource
}

func (a *InfraServicesArgs) resolve() (*InfraServicesArgs, error) {
	r := *a
	var e errs
	lg := &r.Logging
	if lg.Namespace == "" {
		lg.Namespace = "logging"
	}
	if lg.Image == "" {
		lg.Image = DefaultFluentBitImage
	}
	if lg.ESPort == 0 {
		lg.ESPort = 9200
	}
	if lg.IndexPrefix == "" {
		lg.IndexPrefix = "logstash"
	}
	lg.Resources = lg.Resources.withDefaults(Resources{CPURequest: "50m", CPULimit: "500m", MemoryRequest: "64Mi", MemoryLimit: "256Mi"})
	if lg.Enabled {
		e.dnsLabel("Logging.Namespace", lg.Namespace)
		e.image("Logging.Image", lg.Image)
		switch {
		case lg.ESHost == "":
			e.add("Logging.ESHost", "required when logging is enabled")
		case !hostnameRE.MatchString(lg.ESHost):
			e.add("Logging.ESHost", "%q is not a host name (no scheme or port)", lg.ESHost)
		}
		if lg.ESPort < 1 || lg.ESPort > 65535 {
			e.add("Logging.ESPort", "%d is not a port number", lg.ESPort)
		}
		if !configKeyRE.MatchString(lg.IndexPrefix) {
			e.add("Logging.IndexPrefix", "%q is not a valid index prefix", lg.IndexPrefix)
		}
		e.resources("Logging.Resources.", lg.Resources)
	}
	m := &r.Monitoring
	if m.Namespace == "" {
		m.Namespace = "monitoring"
	}
	if m.Image == "" {
		m.Image = DefaultPrometheusImage
	}
	if m.Retention == "" {
		m.Retention = "24h"
	}
	if m.StorageSizeLimit == "" {
		m.StorageSizeLimit = "8Gi"
	}
	m.Resources = m.Resources.withDefaults(Resources{CPURequest: "200m", CPULimit: "1", MemoryRequest: "1Gi", MemoryLimit: "1Gi"})
	if m.Enabled {
		e.dnsLabel("Monitoring.Namespace", m.Namespace)
		e.image("Monitoring.Image", m.Image)
		if !retentionRE.MatchString(m.Retention) {
			e.add("Monitoring.Retention", "%q is not a Prometheus duration (e.g. 24h, 7d)", m.Retention)
		}
		e.quantity("Monitoring.StorageSizeLimit", m.StorageSizeLimit)
		e.resources("Monitoring.Resources.", m.Resources)
	}
	t := &r.Tracing
	if t.Namespace == "" {
		t.Namespace = "monitoring"
	}
	if t.Image == "" {
		t.Image = DefaultJaegerImage
	}
	if t.MaxTraces == 0 {
		t.MaxTraces = 50000
	}
	t.Resources = t.Resources.withDefaults(Resources{CPURequest: "100m", CPULimit: "1", MemoryRequest: "512Mi", MemoryLimit: "512Mi"})
	if t.Enabled {
		e.dnsLabel("Tracing.Namespace", t.Namespace)
		e.image("Tracing.Image", t.Image)
		if t.MaxTraces < 1 {
			e.add("Tracing.MaxTraces", "%d must be at least 1", t.MaxTraces)
		}
		e.resources("Tracing.Resources.", t.Resources)
	}
	if err := e.err("InfraServices"); err != nil {
		return nil, err
	}
	return &r, nil
}

// NewInfraServices deploys the enabled add-ons.
func NewInfraServices(ctx *pulumi.Context, name string, args *InfraServicesArgs, opts ...pulumi.ResourceOption) (*InfraServices, error) {
	if args == nil {
		args = &InfraServicesArgs{}
	}
	a, err := args.resolve()
	if err != nil {
		return nil, err
	}
	comp := &InfraServices{}
	if a.Tracing.Enabled {
		ns := a.Tracing.Namespace
		comp.JaegerAgentHost = JaegerAgentService + "." + ns
		comp.JaegerAgentPort = 6831
		comp.JaegerCollectorURL = fmt.Sprintf("http://jaeger-collector.%s:14268/api/traces", ns)
		comp.JaegerQueryURL = fmt.Sprintf("http://jaeger-query.%s:16686", ns)
	}
	if a.Monitoring.Enabled {
		comp.PrometheusURL = fmt.Sprintf("http://prometheus.%s:9090", a.Monitoring.Namespace)
	}
	if err := ctx.RegisterComponentResourceV2("digit:k8s:InfraServices", name, pulumi.Map{
		"logging": pulumi.Bool(a.Logging.Enabled), "monitoring": pulumi.Bool(a.Monitoring.Enabled), "tracing": pulumi.Bool(a.Tracing.Enabled),
	}, comp, opts...); err != nil {
		return nil, err
	}
	b := &infraBuilder{ctx: ctx, name: name, comp: comp, deps: a.DependsOn}
	if a.Logging.Enabled {
		if err := b.logging(a.Logging); err != nil {
			return nil, err
		}
	}
	if a.Monitoring.Enabled {
		if err := b.monitoring(a.Monitoring); err != nil {
			return nil, err
		}
	}
	if a.Tracing.Enabled {
		if err := b.tracing(a.Tracing); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"jaegerAgentHost":    pulumi.String(comp.JaegerAgentHost),
		"jaegerAgentPort":    pulumi.Int(comp.JaegerAgentPort),
		"jaegerCollectorUrl": pulumi.String(comp.JaegerCollectorURL),
		"jaegerQueryUrl":     pulumi.String(comp.JaegerQueryURL),
		"prometheusUrl":      pulumi.String(comp.PrometheusURL),
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

type infraBuilder struct {
	ctx  *pulumi.Context
	name string
	comp *InfraServices
	deps []pulumi.Resource
}

func (b *infraBuilder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return childOpts(b.comp, b.deps, extra...)
}

// rbac creates a ServiceAccount bound to a ClusterRole with the rules (cluster-scoped names carry the namespace).
func (b *infraBuilder) rbac(l appLabels, ns, saName string, rules rbacv1.PolicyRuleArray) ([]pulumi.Resource, error) {
	ctx := b.ctx
	sa, err := corev1.NewServiceAccount(ctx, b.name+"-"+saName, &corev1.ServiceAccountArgs{
		Metadata: l.meta(saName, ns),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	crName := saName + "-" + ns
	cr, err := rbacv1.NewClusterRole(ctx, b.name+"-"+crName, &rbacv1.ClusterRoleArgs{
		Metadata: l.meta(crName, ""), Rules: rules,
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	crb, err := rbacv1.NewClusterRoleBinding(ctx, b.name+"-"+crName, &rbacv1.ClusterRoleBindingArgs{
		Metadata: l.meta(crName, ""),
		RoleRef:  rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String(crName)},
		Subjects: rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(saName), Namespace: pulumi.String(ns)}},
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{cr, sa}))...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{sa, crb}, nil
}

func (b *infraBuilder) logging(s LoggingSpec) error {
	ctx, ns, name := b.ctx, s.Namespace, "fluent-bit"
	l := appLabels{name: name, instance: b.name, version: imageTag(s.Image), component: "logging"}
	sel := l.selector()
	deps, err := b.rbac(l, ns, name, rbacv1.PolicyRuleArray{rbacv1.PolicyRuleArgs{
		ApiGroups: pulumi.StringArray{pulumi.String("")},
		Resources: pulumi.ToStringArray([]string{"pods", "namespaces"}),
		Verbs:     pulumi.ToStringArray([]string{"get", "list", "watch"}),
	}})
	if err != nil {
		return err
	}
	conf := fmt.Sprintf(`[SERVICE]
    Flush         5
    Log_Level     info
    Daemon        off
    HTTP_Server   On
    HTTP_Listen   0.0.0.0
    HTTP_Port     2020
    Health_Check  On
    storage.path  /var/fluent-bit/state/buffer

[INPUT]
    Name              tail
    Tag               kube.*
    Path              /var/log/containers/*.log
    Exclude_Path      /var/log/containers/fluent-bit-*_%[1]s_*.log
    multiline.parser  docker, cri
    DB                /var/fluent-bit/state/tail.db
    Mem_Buf_Limit     16MB
    Skip_Long_Lines   On
    Refresh_Interval  10

[FILTER]
    Name                kubernetes
    Match               kube.*
    Kube_Tag_Prefix     kube.var.log.containers.
    Merge_Log           On
    Keep_Log            Off
    K8S-Logging.Parser  On
    K8S-Logging.Exclude On

[OUTPUT]
    Name             es
    Match            kube.*
    Host             %[2]s
    Port             %[3]d
    Logstash_Format  On
    Logstash_Prefix  %[4]s
    Replace_Dots     On
    Suppress_Type_Name Off
    Type             _doc
    Retry_Limit      5
`, ns, s.ESHost, s.ESPort, s.IndexPrefix)
	cmName := name + "-config"
	cm, err := corev1.NewConfigMap(ctx, b.name+"-"+cmName, &corev1.ConfigMapArgs{
		Metadata: l.meta(cmName, ns),
		Data:     pulumi.StringMap{"fluent-bit.conf": pulumi.String(conf)},
	}, b.opts()...)
	if err != nil {
		return err
	}
	hostPath := func(vol, path, typ string) corev1.VolumeInput {
		return corev1.VolumeArgs{Name: pulumi.String(vol), HostPath: &corev1.HostPathVolumeSourceArgs{Path: pulumi.String(path), Type: pulumi.String(typ)}}
	}
	sec := restrictedContainer()
	sec.ReadOnlyRootFilesystem = pulumi.Bool(true)
	ds, err := appsv1.NewDaemonSet(ctx, b.name+"-"+name, &appsv1.DaemonSetArgs{
		Metadata: l.meta(name, ns),
		Spec: &appsv1.DaemonSetSpecArgs{
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: sel},
			UpdateStrategy: &appsv1.DaemonSetUpdateStrategyArgs{Type: pulumi.String("RollingUpdate")},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: l.all()},
				Spec: &corev1.PodSpecArgs{
					ServiceAccountName: pulumi.String(name),
					// Every node, tainted or not, produces logs.
					Tolerations: corev1.TolerationArray{corev1.TolerationArgs{Operator: pulumi.String("Exists")}},
					// Root (uid 0, without capabilities) is what reads the root-owned 0640 files under /var/log/pods.
					SecurityContext: podSecurity(0, false),
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:    pulumi.String(name),
						Image:   pulumi.String(s.Image),
						Command: pulumi.ToStringArray([]string{"/fluent-bit/bin/fluent-bit"}),
						Args:    pulumi.ToStringArray([]string{"-c", "/fluent-bit/etc/conf/fluent-bit.conf"}),
						Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
							Name: pulumi.String("http"), ContainerPort: pulumi.Int(2020), Protocol: pulumi.String("TCP"),
						}},
						ReadinessProbe:  httpProbe("/api/v1/health", "http", 10),
						LivenessProbe:   httpProbe("/", "http", 10),
						Resources:       s.Resources.args(),
						SecurityContext: sec,
						VolumeMounts: corev1.VolumeMountArray{
							corev1.VolumeMountArgs{Name: pulumi.String("config"), MountPath: pulumi.String("/fluent-bit/etc/conf"), ReadOnly: pulumi.Bool(true)},
							corev1.VolumeMountArgs{Name: pulumi.String("varlog"), MountPath: pulumi.String("/var/log"), ReadOnly: pulumi.Bool(true)},
							corev1.VolumeMountArgs{Name: pulumi.String("state"), MountPath: pulumi.String("/var/fluent-bit/state")},
						},
					}},
					Volumes: corev1.VolumeArray{
						corev1.VolumeArgs{Name: pulumi.String("config"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(cmName)}},
						hostPath("varlog", "/var/log", "Directory"),
						// Tail positions survive restarts, so logs are neither lost nor shipped twice.
						hostPath("state", "/var/lib/fluent-bit", "DirectoryOrCreate"),
					},
				},
			},
		},
	}, b.opts(pulumi.DependsOn(append(deps, cm)))...)
	if err != nil {
		return err
	}
	b.comp.Ready = append(b.comp.Ready, ds)
	return nil
}

func (b *infraBuilder) monitoring(s MonitoringSpec) error {
	ctx, ns, name := b.ctx, s.Namespace, "prometheus"
	l := appLabels{name: name, instance: b.name, version: imageTag(s.Image), component: "monitoring"}
	sel := l.selector()
	deps, err := b.rbac(l, ns, name, rbacv1.PolicyRuleArray{
		rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.StringArray{pulumi.String("")},
			// nodes/metrics and not nodes/proxy: the proxy subresource reaches every kubelet endpoint, exec included.
			Resources: pulumi.ToStringArray([]string{"nodes", "nodes/metrics", "services", "endpoints", "pods"}),
			Verbs:     pulumi.ToStringArray([]string{"get", "list", "watch"}),
		},
		rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.StringArray{pulumi.String("discovery.k8s.io")},
			Resources: pulumi.StringArray{pulumi.String("endpointslices")},
			Verbs:     pulumi.ToStringArray([]string{"get", "list", "watch"}),
		},
		rbacv1.PolicyRuleArgs{
			NonResourceURLs: pulumi.StringArray{pulumi.String("/metrics")},
			Verbs:           pulumi.StringArray{pulumi.String("get")},
		},
	})
	if err != nil {
		return err
	}
	// Node metrics come from each kubelet's own /metrics, which nodes/metrics authorises (the apiserver's node proxy
	// would need nodes/proxy). Kubelets serve a self-signed certificate unless the cluster bootstraps serving
	// certificates, so the name is not verified; the token still authenticates Prometheus to the kubelet.
	conf := `global:
  scrape_interval: 30s
  evaluation_interval: 30s
scrape_configs:
  - job_name: kubernetes-nodes
    scheme: https
    tls_config:
      insecure_skip_verify: true
    authorization:
      credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    kubernetes_sd_configs:
      - role: node
    relabel_configs:
      - action: labelmap
        regex: __meta_kubernetes_node_label_(.+)
  - job_name: kubernetes-pods
    kubernetes_sd_configs:
      - role: pod
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        action: keep
        regex: "true"
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
        action: replace
        target_label: __metrics_path__
        regex: (.+)
      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
        action: replace
        regex: ([^:]+)(?::\d+)?;(\d+)
        replacement: $1:$2
        target_label: __address__
      - action: labelmap
        regex: __meta_kubernetes_pod_label_(.+)
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
`
	cmName := name + "-config"
	cm, err := corev1.NewConfigMap(ctx, b.name+"-"+cmName, &corev1.ConfigMapArgs{
		Metadata: l.meta(cmName, ns),
		Data:     pulumi.StringMap{"prometheus.yml": pulumi.String(conf)},
	}, b.opts()...)
	if err != nil {
		return err
	}
	sec := restrictedContainer()
	sec.ReadOnlyRootFilesystem = pulumi.Bool(true)
	dep, err := appsv1.NewDeployment(ctx, b.name+"-"+name, &appsv1.DeploymentArgs{
		Metadata: l.meta(name, ns),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(1),
			// Two Prometheus processes must never share one TSDB directory.
			Strategy: &appsv1.DeploymentStrategyArgs{Type: pulumi.String("Recreate")},
			Selector: &metav1.LabelSelectorArgs{MatchLabels: sel},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: l.all(), Annotations: pulumi.StringMap{
					ConfigChecksumAnnotation: pulumi.String(fmt.Sprintf("%x", sha256.Sum256([]byte(conf)))),
				}},
				Spec: &corev1.PodSpecArgs{
					ServiceAccountName: pulumi.String(name),
					SecurityContext:    podSecurity(65534, true),
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:  pulumi.String(name),
						Image: pulumi.String(s.Image),
						Args: pulumi.ToStringArray([]string{
							"--config.file=/etc/prometheus/prometheus.yml",
							"--storage.tsdb.path=/prometheus",
							"--storage.tsdb.retention.time=" + s.Retention,
							// No --web.enable-lifecycle: it lets anything that reaches port 9090 shut Prometheus
							// down; a changed configuration rolls the pod through its checksum instead.
						}),
						Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
							Name: pulumi.String("http"), ContainerPort: pulumi.Int(9090), Protocol: pulumi.String("TCP"),
						}},
						ReadinessProbe:  httpProbe("/-/ready", "http", 10),
						LivenessProbe:   httpProbe("/-/healthy", "http", 30),
						Resources:       s.Resources.args(),
						SecurityContext: sec,
						VolumeMounts: corev1.VolumeMountArray{
							corev1.VolumeMountArgs{Name: pulumi.String("config"), MountPath: pulumi.String("/etc/prometheus"), ReadOnly: pulumi.Bool(true)},
							corev1.VolumeMountArgs{Name: pulumi.String("data"), MountPath: pulumi.String("/prometheus")},
						},
					}},
					Volumes: corev1.VolumeArray{
						corev1.VolumeArgs{Name: pulumi.String("config"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(cmName)}},
						corev1.VolumeArgs{Name: pulumi.String("data"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String(s.StorageSizeLimit)}},
					},
				},
			},
		},
	}, b.opts(pulumi.DependsOn(append(deps, cm)))...)
	if err != nil {
		return err
	}
	if _, err := corev1.NewService(ctx, b.name+"-"+name, &corev1.ServiceArgs{
		Metadata: clusterService(l.meta(name, ns)),
		Spec: &corev1.ServiceSpecArgs{
			Type: pulumi.String("ClusterIP"), Selector: sel,
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(9090), TargetPort: pulumi.String("http")}},
		},
	}, b.opts()...); err != nil {
		return err
	}
	b.comp.Ready = append(b.comp.Ready, dep)
	return nil
}

func (b *infraBuilder) tracing(s TracingSpec) error {
	ctx, ns, name := b.ctx, s.Namespace, "jaeger"
	l := appLabels{name: name, instance: b.name, version: imageTag(s.Image), component: "tracing"}
	sel := l.selector()
	type port = jaegerPort
	agent := jaegerAgentPorts
	collector := []port{{"c-http", 14268, "TCP"}, {"c-grpc", 14250, "TCP"}, {"otlp-grpc", 4317, "TCP"}, {"otlp-http", 4318, "TCP"}}
	query := []port{{"query", 16686, "TCP"}}
	admin := []port{{"admin", 14269, "TCP"}}
	var cports corev1.ContainerPortArray
	for _, group := range [][]port{agent, collector, query, admin} {
		for _, p := range group {
			cports = append(cports, corev1.ContainerPortArgs{Name: pulumi.String(p.name), ContainerPort: pulumi.Int(p.port), Protocol: pulumi.String(p.proto)})
		}
	}
	sec := restrictedContainer()
	dep, err := appsv1.NewDeployment(ctx, b.name+"-"+name, &appsv1.DeploymentArgs{
		Metadata: l.meta(name, ns),
		Spec: &appsv1.DeploymentSpecArgs{
			// In-memory storage: a second replica would hold a different half of the traces.
			Replicas: pulumi.Int(1),
			Strategy: &appsv1.DeploymentStrategyArgs{Type: pulumi.String("Recreate")},
			Selector: &metav1.LabelSelectorArgs{MatchLabels: sel},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: l.all()},
				Spec: &corev1.PodSpecArgs{
					AutomountServiceAccountToken: pulumi.Bool(false),
					SecurityContext:              podSecurity(10001, true), // the image's own user
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:  pulumi.String(name),
						Image: pulumi.String(s.Image),
						Args:  pulumi.ToStringArray([]string{fmt.Sprintf("--memory.max-traces=%d", s.MaxTraces)}),
						Env: corev1.EnvVarArray{
							envLit("SPAN_STORAGE_TYPE", "memory"),
							envLit("COLLECTOR_OTLP_ENABLED", "true"),
						},
						Ports:           cports,
						ReadinessProbe:  httpProbe("/", "admin", 5),
						LivenessProbe:   httpProbe("/", "admin", 15),
						Resources:       s.Resources.args(),
						SecurityContext: sec,
					}},
				},
			},
		},
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.comp.Ready = append(b.comp.Ready, dep)
	for _, svc := range []struct {
		name  string
		ports []port
	}{{JaegerAgentService, agent}, {"jaeger-collector", collector}, {"jaeger-query", query}} {
		var sp corev1.ServicePortArray
		for _, p := range svc.ports {
			sp = append(sp, corev1.ServicePortArgs{Name: pulumi.String(p.name), Port: pulumi.Int(p.port), TargetPort: pulumi.String(p.name), Protocol: pulumi.String(p.proto)})
		}
		if _, err := corev1.NewService(ctx, b.name+"-"+svc.name, &corev1.ServiceArgs{
			Metadata: clusterService(l.meta(svc.name, ns)),
			Spec:     &corev1.ServiceSpecArgs{Type: pulumi.String("ClusterIP"), Selector: sel, Ports: sp},
		}, b.opts()...); err != nil {
			return err
		}
	}
	return nil
}
