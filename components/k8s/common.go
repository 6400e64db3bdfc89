// Package k8s holds the Pulumi components that put DIGIT on a Kubernetes cluster: the shared Environment
// (namespaces, egov-config, egov-service-host, the db Secret), one DigitService per Java service or frontend, the
// Backbone (Kafka, ZooKeeper, Elasticsearch, Redis, Kafka Connect, Kibana, Curator), the Gateway (ingress-nginx and
// optionally cert-manager) and InfraServices (logging, monitoring, tracing).
//
// Components take Args and know nothing of stack config or the catalogue. Every Args value is checked before
// anything is registered, and errors name the offending field. Namespaces are created only by Environment: the
// other components expect theirs to exist and take DependsOn (e.g. Environment.Namespaces values) for ordering,
// because Pulumi does not pass a component's dependsOn down to its children.
package k8s

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Recommended label keys (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelVersion   = "app.kubernetes.io/version"
	LabelComponent = "app.kubernetes.io/component"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"
)

// DefaultZoneLabel is the well-known node label carrying the availability zone.
const DefaultZoneLabel = "topology.kubernetes.io/zone"

// Bool returns a pointer to b, for the optional booleans of Args (e.g. DigitServiceArgs.UsesDB).
func Bool(b bool) *bool { return &b }

// appLabels are the recommended labels of every object of one application.
type appLabels struct {
	name, instance, version, component string
}

func (l appLabels) all() pulumi.StringMap {
	return pulumi.StringMap{
		LabelName:      pulumi.String(l.name),
		LabelInstance:  pulumi.String(l.instance),
		LabelVersion:   pulumi.String(l.version),
		LabelComponent: pulumi.String(l.component),
		LabelPartOf:    pulumi.String("digit"),
		LabelManagedBy: pulumi.String("pulumi"),
	}
}

// selector is the immutable subset: version and component change over a workload's life, so they must stay out of
// Deployment/StatefulSet selectors (which cannot be updated in place).
func (l appLabels) selector() pulumi.StringMap {
	return pulumi.StringMap{
		LabelName:     pulumi.String(l.name),
		LabelInstance: pulumi.String(l.instance),
	}
}

// stable is every label that never changes over a workload's life (all but the version): what immutable
// templates such as a StatefulSet's volumeClaimTemplates may carry, so the claims they create are recognisable as
// DIGIT's (part-of, managed-by) without a version bump ever requiring a replacement.
func (l appLabels) stable() pulumi.StringMap {
	m := l.all()
	delete(m, LabelVersion)
	return m
}

func (l appLabels) meta(name, namespace string) *metav1.ObjectMetaArgs {
	return objectMeta(name, namespace, l.all())
}

// stableMeta is meta without the version label, for the objects around a workload (Service, Ingress, HPA, PDB,
// ServiceAccount): a release then changes the workload alone instead of relabelling half a dozen objects.
func (l appLabels) stableMeta(name, namespace string) *metav1.ObjectMetaArgs {
	return objectMeta(name, namespace, l.stable())
}

// PatchForceAnnotation makes the provider's server-side apply take back fields another manager changed by hand
// (`kubectl scale` owns spec.replicas afterwards): the program's declaration is the desired state, so drift is
// restored on the next up instead of failing it with a field conflict.
const PatchForceAnnotation = "pulumi.com/patchForce"

// SkipAwaitAnnotation turns off the provider's wait on an object. On a ClusterIP Service that wait is for ready
// endpoints and then a further 10 s of quiet, on every create and update: time the Deployment's own rollout wait
// already spends proving the same Pods ready, so it only delays what depends on the Service (and the end of an
// up). Not for LoadBalancer Services, whose wait yields the address that is a stack output.
const SkipAwaitAnnotation = "pulumi.com/skipAwait"

// clusterService is meta for a ClusterIP or headless Service: the provider does not wait on it.
func clusterService(m *metav1.ObjectMetaArgs) *metav1.ObjectMetaArgs {
	m.Annotations.(pulumi.StringMap)[SkipAwaitAnnotation] = pulumi.String("true")
	return m
}

func objectMeta(name, namespace string, labels pulumi.StringMap) *metav1.ObjectMetaArgs {
	m := &metav1.ObjectMetaArgs{
		Name:        pulumi.String(name),
		Labels:      labels,
		Annotations: pulumi.StringMap{PatchForceAnnotation: pulumi.String("true")},
	}
	if namespace != "" {
		m.Namespace = pulumi.String(namespace)
	}
	return m
}

// imageTag returns the tag of an image reference ("" when it has none or is pinned by digest only).
func imageTag(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[colon+1:]
	}
	return ""
}

var (
	dnsLabelRE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	labelValueRE = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	configKeyRE  = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
	imageRE      = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$`)
)

// errs collects validation errors so that one run reports every bad field, each prefixed by its field path.
type errs []string

func (e *errs) add(field, format string, a ...any) {
	*e = append(*e, field+": "+fmt.Sprintf(format, a...))
}

func (e errs) err(component string) error {
	if len(e) == 0 {
		return nil
	}
	return fmt.Errorf("%s: invalid args:\n  %s", component, strings.Join(e, "\n  "))
}

func (e *errs) dnsLabel(field, v string) {
	switch {
	case v == "":
		e.add(field, "required")
	case len(v) > 63 || !dnsLabelRE.MatchString(v):
		e.add(field, "%q is not a valid DNS label (lower-case alphanumerics and '-', at most 63 characters)", v)
	}
}

func (e *errs) labelValue(field, v string) {
	if len(v) > 63 || !labelValueRE.MatchString(v) {
		e.add(field, "%q is not a valid label value (at most 63 characters of alphanumerics, '-', '_', '.')", v)
	}
}

func (e *errs) image(field, v string) {
	switch {
	case v == "":
		e.add(field, "required")
	case !imageRE.MatchString(v):
		e.add(field, "%q is not an image reference", v)
	case imageTag(v) == "" && !strings.Contains(v, "@"):
		e.add(field, "%q has no tag: pin a tag or digest so that deployments are reproducible", v)
	}
}

// quantity checks a resource quantity and returns it (zero when invalid or empty).
func (e *errs) quantity(field, v string) resource.Quantity {
	if v == "" {
		e.add(field, "required")
		return resource.Quantity{}
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		e.add(field, "%q is not a Kubernetes quantity (e.g. 100m, 1, 512Mi)", v)
		return resource.Quantity{}
	}
	if q.Sign() <= 0 {
		e.add(field, "%q must be positive", v)
	}
	return q
}

// resources validates a request/limit pair; the apiserver rejects a request above its limit, so catch it here with
// the field names rather than as an admission error halfway through an update.
func (e *errs) resources(prefix string, r Resources) {
	cr := e.quantity(prefix+"CPURequest", r.CPURequest)
	cl := e.quantity(prefix+"CPULimit", r.CPULimit)
	mr := e.quantity(prefix+"MemoryRequest", r.MemoryRequest)
	ml := e.quantity(prefix+"MemoryLimit", r.MemoryLimit)
	if !cr.IsZero() && !cl.IsZero() && cr.Cmp(cl) > 0 {
		e.add(prefix+"CPURequest", "%s exceeds CPULimit %s", r.CPURequest, r.CPULimit)
	}
	if !mr.IsZero() && !ml.IsZero() && mr.Cmp(ml) > 0 {
		e.add(prefix+"MemoryRequest", "%s exceeds MemoryLimit %s", r.MemoryRequest, r.MemoryLimit)
	}
}

// Resources are a container's requests and limits (Kubernetes quantities).
type Resources struct {
	CPURequest, CPULimit, MemoryRequest, MemoryLimit string
}

func (r Resources) withDefaults(d Resources) Resources {
	if r.CPURequest == "" {
		r.CPURequest = d.CPURequest
	}
	if r.CPULimit == "" {
		r.CPULimit = d.CPULimit
	}
	if r.MemoryRequest == "" {
		r.MemoryRequest = d.MemoryRequest
	}
	if r.MemoryLimit == "" {
		r.MemoryLimit = d.MemoryLimit
	}
	return r
}

func (r Resources) args() corev1.ResourceRequirementsArgs {
	return corev1.ResourceRequirementsArgs{
		Requests: pulumi.StringMap{"cpu": pulumi.String(r.CPURequest), "memory": pulumi.String(r.MemoryRequest)},
		Limits:   pulumi.StringMap{"cpu": pulumi.String(r.CPULimit), "memory": pulumi.String(r.MemoryLimit)},
	}
}

// sortedKeys gives map-derived lists a stable order: a changed order would be a diff on every `pulumi up`.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// restrictedContainer is the container securityContext of images that run as a non-root user.
func restrictedContainer() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		AllowPrivilegeEscalation: pulumi.Bool(false),
		Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

// rootContainer is for third-party images that start as root (Confluent 5.x, Elasticsearch's entrypoint chown):
// no privilege escalation and the default seccomp profile, but their capabilities are left as the image expects.
func rootContainer() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		AllowPrivilegeEscalation: pulumi.Bool(false),
		SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func podSecurity(runAsUser int, nonRoot bool) *corev1.PodSecurityContextArgs {
	p := &corev1.PodSecurityContextArgs{
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
	if nonRoot {
		p.RunAsNonRoot = pulumi.Bool(true)
		p.RunAsUser = pulumi.Int(runAsUser)
		p.RunAsGroup = pulumi.Int(runAsUser)
		p.FsGroup = pulumi.Int(runAsUser)
	}
	return p
}

func tcpProbe(port string, initialDelay int) *corev1.ProbeArgs {
	return &corev1.ProbeArgs{
		TcpSocket:           &corev1.TCPSocketActionArgs{Port: pulumi.String(port)},
		InitialDelaySeconds: pulumi.Int(initialDelay),
		PeriodSeconds:       pulumi.Int(10),
		TimeoutSeconds:      pulumi.Int(5),
		FailureThreshold:    pulumi.Int(6),
	}
}

func httpProbe(path, port string, initialDelay int) *corev1.ProbeArgs {
	return &corev1.ProbeArgs{
		HttpGet:             &corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.String(port)},
		InitialDelaySeconds: pulumi.Int(initialDelay),
		PeriodSeconds:       pulumi.Int(10),
		TimeoutSeconds:      pulumi.Int(5),
		FailureThreshold:    pulumi.Int(6),
	}
}

func envLit(name, value string) corev1.EnvVarInput {
	return corev1.EnvVarArgs{Name: pulumi.String(name), Value: pulumi.String(value)}
}

func envConfigMap(name, configMap, key string) corev1.EnvVarInput {
	return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: &corev1.EnvVarSourceArgs{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelectorArgs{Name: pulumi.String(configMap), Key: pulumi.String(key)},
	}}
}

func envSecret(name, secret, key string) corev1.EnvVarInput {
	return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: &corev1.EnvVarSourceArgs{
		SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(secret), Key: pulumi.String(key)},
	}}
}

func envField(name, path string) corev1.EnvVarInput {
	return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: &corev1.EnvVarSourceArgs{
		FieldRef: &corev1.ObjectFieldSelectorArgs{FieldPath: pulumi.String(path)},
	}}
}

// childOpts parents a child on the component and adds the caller's explicit dependencies.
func childOpts(parent pulumi.Resource, deps []pulumi.Resource, extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	// DependsOn of no resources adds no dependency.
	return append([]pulumi.ResourceOption{pulumi.Parent(parent), pulumi.DependsOn(deps)}, extra...)
}

// zoneSpread prefers spreading Pods over zones without ever blocking scheduling (ScheduleAnyway): a zone outage
// or an uneven node group must not leave replicas Pending.
func zoneSpread(zoneLabel string, sel pulumi.StringMap) corev1.TopologySpreadConstraintArray {
	return corev1.TopologySpreadConstraintArray{corev1.TopologySpreadConstraintArgs{
		MaxSkew:           pulumi.Int(1),
		TopologyKey:       pulumi.String(zoneLabel),
		WhenUnsatisfiable: pulumi.String("ScheduleAnyway"),
		LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: sel},
	}}
}
