package k8s

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	psaapi "k8s.io/pod-security-admission/api"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Names of the shared objects every DIGIT service reads.
const (
	EgovConfigMapName  = "egov-config"
	ServiceHostMapName = "egov-service-host"
	DBSecretName       = "db"
)

// Keys of the db Secret.
const (
	DBSecretUsername       = "username"
	DBSecretPassword       = "password"
	DBSecretFlywayUsername = "flyway-username"
	DBSecretFlywayPassword = "flyway-password"
)

// EnvironmentArgs describes the namespaces and the configuration shared by all DIGIT services.
type EnvironmentArgs struct {
	// Namespaces to create (e.g. backbone, egov, es-cluster, kafka-cluster, ...). Required, no duplicates.
	Namespaces []string
	// ConfigNamespaces are the namespaces that receive egov-config, egov-service-host and the db Secret.
	// Default: all Namespaces. Each must be one of Namespaces.
	ConfigNamespaces []string
	// EgovConfig is the data of ConfigMap egov-config (db-url, kafka-brokers, es-host, flyway-locations, ...).
	// Values may be Outputs (e.g. the database host). Default: empty ConfigMap.
	EgovConfig map[string]pulumi.StringInput
	// ServiceHosts is the data of ConfigMap egov-service-host: service name -> base URL ending in "/", e.g.
	// "egov-user" -> "http://egov-user.egov:8080/" (see ServiceHostURL). Default: empty ConfigMap.
	ServiceHosts map[string]string
	// DBUser is the database user (Secret db key "username"). Required.
	DBUser pulumi.StringInput
	// DBPassword is the database password (Secret db key "password"). Required; it is made secret if it is not.
	DBPassword pulumi.StringInput
	// FlywayUser is the user of the flyway init containers (key "flyway-username"). Default: DBUser.
	FlywayUser pulumi.StringInput
	// FlywayPassword is the password of the flyway init containers (key "flyway-password"). Default: DBPassword.
	FlywayPassword pulumi.StringInput
	// Version is the app.kubernetes.io/version label of the shared objects, e.g. the DIGIT release ("core-v2.9").
	// Default: "v1".
	Version string
	// Labels are extra labels on every Namespace. Default: none.
	Labels map[string]string
	// PodSecurity is the Pod Security level a namespace enforces (privileged, baseline or restricted), by namespace.
	// Every namespace warns and audits at restricted whatever it enforces, so what a waiver allows stays visible.
	// Default: restricted for every namespace not listed. Each key must be one of Namespaces.
	PodSecurity map[string]string
	// IngressFrom are, by namespace, who else may connect to its pods and on which ports (see IngressRule). Every
	// namespace gets a default-deny ingress NetworkPolicy and admits its own pods on every port, so one not listed
	// admits only its own pods. Default: none. Each key and source must be one of Namespaces (or AnyNamespace).
	IngressFrom map[string][]IngressRule
	// DependsOn are resources everything here waits for (e.g. Foundation.ClusterReady). Default: none.
	DependsOn []pulumi.Resource
	// OmitSecrets leaves the db Secret out, for manifests rendered to files: a Secret written to disk holds the
	// password in base64, so a GitOps repository must get it from its own secret tooling (sealed-secrets,
	// external-secrets) under the same name and keys. DBPassword is then not required. Default: false.
	OmitSecrets bool
	// Secrets are the services' other Secrets (egov-enc-service, egov-notification-sms, ...): name -> key -> value,
	// created in every config namespace; values are kept secret in the state. Default: none.
	Secrets map[string]map[string]pulumi.StringInput
}

// AnyNamespace in IngressRule.From admits every source, in the cluster or outside it (a load balancer's clients,
// the API server calling a webhook).
const AnyNamespace = "*"

// IngressRule admits the pods of the From namespaces (or AnyNamespace) to Ports of every pod of the namespace it is
// listed under.
type IngressRule struct {
	// From are namespaces, or AnyNamespace. Required.
	From []string
	// Ports are the ports admitted. Required: a rule admits named ports, never a whole namespace's.
	Ports []PolicyPort
}

// PolicyPort is a port a pod listens on (a NetworkPolicy names the pod's port, not its Service's).
type PolicyPort struct {
	Port int
	// Protocol is TCP, UDP or SCTP. Default: TCP.
	Protocol string
}

// TCP is a TCP PolicyPort for each port given.
func TCP(ports ...int) []PolicyPort {
	out := make([]PolicyPort, len(ports))
	for i, p := range ports {
		out[i] = PolicyPort{Port: p, Protocol: "TCP"}
	}
	return out
}

// policyProtocols are the protocols a NetworkPolicy port may name.
var policyProtocols = []string{"TCP", "UDP", "SCTP"}

// namespaceNameLabel is the label the API server sets on every namespace to its name (Kubernetes 1.21 and later).
const namespaceNameLabel = "kubernetes.io/metadata.name"

// newIngressPolicies gives a namespace a default-deny ingress NetworkPolicy and one admitting its own pods on every
// port and each rule's sources on the rule's ports. Egress is left open: DIGIT services reach the database, the
// cloud's APIs and external gateways (SMS, payment) at addresses the cluster does not know.
func newIngressPolicies(ctx *pulumi.Context, name, ns string, rules []IngressRule, version string,
	opts []pulumi.ResourceOption,
) error {
	meta := func(objName string) *metav1.ObjectMetaArgs {
		l := appLabels{name: objName, instance: name, version: version, component: "network-policy"}
		return l.meta(objName, ns)
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-"+ns+"-default-deny", &networkingv1.NetworkPolicyArgs{
		Metadata: meta("default-deny-ingress"),
		Spec: networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Ingress"}),
		},
	}, opts...); err != nil {
		return err
	}
	peers := func(namespaces ...string) networkingv1.NetworkPolicyPeerArray {
		var out networkingv1.NetworkPolicyPeerArray
		for _, src := range namespaces {
			out = append(out, networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: metav1.LabelSelectorArgs{
				MatchLabels: pulumi.StringMap{namespaceNameLabel: pulumi.String(src)},
			}})
		}
		return out
	}
	ingress := networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{From: peers(ns)}}
	for _, r := range rules {
		var ports networkingv1.NetworkPolicyPortArray
		for _, p := range r.Ports {
			ports = append(ports, networkingv1.NetworkPolicyPortArgs{
				Port: pulumi.Int(p.Port), Protocol: pulumi.String(cmp.Or(p.Protocol, "TCP")),
			})
		}
		rule := networkingv1.NetworkPolicyIngressRuleArgs{Ports: ports}
		// A rule without peers admits every source.
		if !slices.Contains(r.From, AnyNamespace) {
			rule.From = peers(r.From...)
		}
		ingress = append(ingress, rule)
	}
	_, err := networkingv1.NewNetworkPolicy(ctx, name+"-"+ns+"-allow", &networkingv1.NetworkPolicyArgs{
		Metadata: meta("allow-ingress"),
		Spec: networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Ingress"}),
			Ingress:     ingress,
		},
	}, opts...)
	return err
}

// Environment is the `digit:k8s:Environment` component.
type Environment struct {
	pulumi.ResourceState

	// Namespaces by name, for DependsOn of the components deployed into them.
	Namespaces map[string]*corev1.Namespace
	// ConfigMaps are the egov-config ConfigMaps by namespace.
	ConfigMaps map[string]*corev1.ConfigMap
	// ServiceHostMaps are the egov-service-host ConfigMaps by namespace.
	ServiceHostMaps map[string]*corev1.ConfigMap
	// DBSecrets are the db Secrets by namespace.
	DBSecrets map[string]*corev1.Secret
	// Ready lists every object above, for a single DependsOn.
	Ready []pulumi.Resource
}

// ServiceHostURL is the egov-service-host value of a service: "http://<name>.<namespace>:<port>/".
func ServiceHostURL(name, namespace string, port int) string {
	return fmt.Sprintf("http://%s.%s:%d/", name, namespace, port)
}

func (a *EnvironmentArgs) validate() error {
	var e errs
	if len(a.Namespaces) == 0 {
		e.add("Namespaces", "at least one namespace is required")
	}
	seen := map[string]bool{}
	for i, ns := range a.Namespaces {
		e.dnsLabel(fmt.Sprintf("Namespaces[%d]", i), ns)
		if seen[ns] {
			e.add(fmt.Sprintf("Namespaces[%d]", i), "%q is listed twice", ns)
		}
		seen[ns] = true
	}
	cseen := map[string]bool{}
	for _, ns := range sortedKeys(a.IngressFrom) {
		if !slices.Contains(a.Namespaces, ns) {
			e.add("IngressFrom["+ns+"]", "%q is not one of Namespaces", ns)
		}
		for i, r := range a.IngressFrom[ns] {
			f := fmt.Sprintf("IngressFrom[%s][%d]", ns, i)
			if len(r.From) == 0 {
				e.add(f, "no source namespaces (AnyNamespace admits every source)")
			}
			for _, src := range r.From {
				if src != AnyNamespace && !slices.Contains(a.Namespaces, src) {
					e.add(f, "source %q is not one of Namespaces", src)
				}
			}
			if len(r.Ports) == 0 {
				e.add(f, "no ports: a rule admits named ports, never every port")
			}
			for _, p := range r.Ports {
				if p.Port < 1 || p.Port > 65535 {
					e.add(f, "port %d is out of range (allowed: 1..65535)", p.Port)
				}
				if p.Protocol != "" && !slices.Contains(policyProtocols, p.Protocol) {
					e.add(f, "protocol %q of port %d is not one of %s", p.Protocol, p.Port, strings.Join(policyProtocols, ", "))
				}
			}
		}
	}
	for i, ns := range a.ConfigNamespaces {
		f := fmt.Sprintf("ConfigNamespaces[%d]", i)
		if !seen[ns] {
			e.add(f, "%q is not one of Namespaces", ns)
		}
		if cseen[ns] {
			e.add(f, "%q is listed twice", ns)
		}
		cseen[ns] = true
	}
	for _, ns := range sortedKeys(a.PodSecurity) {
		if !seen[ns] {
			e.add("PodSecurity["+ns+"]", "%q is not one of Namespaces", ns)
		}
		if _, err := psaapi.ParseLevel(a.PodSecurity[ns]); err != nil {
			e.add("PodSecurity["+ns+"]", "%q is not a Pod Security level (allowed: %s, %s, %s)", a.PodSecurity[ns],
				psaapi.LevelPrivileged, psaapi.LevelBaseline, psaapi.LevelRestricted)
		}
	}
	for _, k := range sortedKeys(a.EgovConfig) {
		if !configKeyRE.MatchString(k) {
			e.add("EgovConfig["+k+"]", "not a valid ConfigMap key (alphanumerics, '-', '_', '.')")
		}
		if a.EgovConfig[k] == nil {
			e.add("EgovConfig["+k+"]", "nil value")
		}
	}
	for _, k := range sortedKeys(a.ServiceHosts) {
		v := a.ServiceHosts[k]
		if !configKeyRE.MatchString(k) {
			e.add("ServiceHosts["+k+"]", "not a valid ConfigMap key (alphanumerics, '-', '_', '.')")
		}
		// DIGIT services concatenate host and path ("http://egov-user.egov:8080/" + "user/_search").
		if !(strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")) || !strings.HasSuffix(v, "/") {
			e.add("ServiceHosts["+k+"]", "%q must be an http(s) URL ending in '/'", v)
		}
	}
	if a.DBUser == nil {
		e.add("DBUser", "required")
	}
	if a.DBPassword == nil && !a.OmitSecrets {
		e.add("DBPassword", "required")
	}
	for _, name := range sortedKeys(a.Secrets) {
		e.dnsSubdomain("Secrets["+name+"]", name)
		if name == DBSecretName {
			e.add("Secrets["+name+"]", "%s is the database Secret (DBUser, DBPassword)", DBSecretName)
		}
		for _, k := range sortedKeys(a.Secrets[name]) {
			if !configKeyRE.MatchString(k) {
				e.add("Secrets["+name+"]["+k+"]", "not a valid Secret key (alphanumerics, '-', '_', '.')")
			}
			if a.Secrets[name][k] == nil {
				e.add("Secrets["+name+"]["+k+"]", "nil value")
			}
		}
	}
	e.labelValue("Version", a.Version)
	for k, v := range a.Labels {
		e.labelValue("Labels["+k+"]", v)
	}
	return e.err("Environment")
}

// NewEnvironment creates the namespaces and, in every config namespace, egov-config, egov-service-host and the
// db Secret.
func NewEnvironment(ctx *pulumi.Context, name string, args *EnvironmentArgs, opts ...pulumi.ResourceOption) (*Environment, error) {
	if args == nil {
		args = &EnvironmentArgs{}
	}
	if err := args.validate(); err != nil {
		return nil, err
	}
	a := *args
	if len(a.ConfigNamespaces) == 0 {
		a.ConfigNamespaces = a.Namespaces
	}
	if a.Version == "" {
		a.Version = "v1"
	}
	if a.FlywayUser == nil {
		a.FlywayUser = a.DBUser
	}
	if a.FlywayPassword == nil {
		a.FlywayPassword = a.DBPassword
	}

	comp := &Environment{
		Namespaces:      map[string]*corev1.Namespace{},
		ConfigMaps:      map[string]*corev1.ConfigMap{},
		ServiceHostMaps: map[string]*corev1.ConfigMap{},
		DBSecrets:       map[string]*corev1.Secret{},
	}
	if err := ctx.RegisterComponentResourceV2("digit:k8s:Environment", name, pulumi.Map{
		"namespaces": pulumi.ToStringArray(a.Namespaces),
	}, comp, opts...); err != nil {
		return nil, err
	}

	for _, ns := range a.Namespaces {
		labels := pulumi.StringMap{
			LabelName:      pulumi.String(ns),
			LabelInstance:  pulumi.String(name),
			LabelVersion:   pulumi.String(a.Version),
			LabelComponent: pulumi.String("namespace"),
			LabelPartOf:    pulumi.String("digit"),
			LabelManagedBy: pulumi.String("pulumi"),
		}
		for k, v := range a.Labels {
			labels[k] = pulumi.String(v)
		}
		enforce := cmp.Or(a.PodSecurity[ns], string(psaapi.LevelRestricted))
		for k, v := range map[string]string{
			psaapi.EnforceLevelLabel: enforce, psaapi.EnforceVersionLabel: psaapi.VersionLatest,
			psaapi.WarnLevelLabel: string(psaapi.LevelRestricted), psaapi.WarnVersionLabel: psaapi.VersionLatest,
			psaapi.AuditLevelLabel: string(psaapi.LevelRestricted), psaapi.AuditVersionLabel: psaapi.VersionLatest,
		} {
			labels[k] = pulumi.String(v)
		}
		n, err := corev1.NewNamespace(ctx, name+"-"+ns, &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ns), Labels: labels},
		}, childOpts(comp, a.DependsOn)...)
		if err != nil {
			return nil, err
		}
		comp.Namespaces[ns] = n
		comp.Ready = append(comp.Ready, n)
		if err := newIngressPolicies(ctx, name, ns, a.IngressFrom[ns], a.Version, childOpts(comp, []pulumi.Resource{n})); err != nil {
			return nil, err
		}
	}

	config := pulumi.StringMap{}
	for k, v := range a.EgovConfig {
		config[k] = v
	}
	hosts := pulumi.StringMap{}
	for k, v := range a.ServiceHosts {
		hosts[k] = pulumi.String(v)
	}
	// The password is wrapped again here although NewSecret does it too: a caller handing a plain string must not
	// end up with it in state unencrypted through some other path.
	var password, flywayPassword pulumi.StringOutput
	if !a.OmitSecrets {
		password = pulumi.ToSecret(a.DBPassword).(pulumi.StringOutput)
		flywayPassword = pulumi.ToSecret(a.FlywayPassword).(pulumi.StringOutput)
	}

	for _, ns := range a.ConfigNamespaces {
		deps := []pulumi.Resource{comp.Namespaces[ns]}
		meta := func(objName, component string) *metav1.ObjectMetaArgs {
			l := appLabels{name: objName, instance: name, version: a.Version, component: component}
			return l.meta(objName, ns)
		}
		cm, err := corev1.NewConfigMap(ctx, name+"-"+ns+"-"+EgovConfigMapName, &corev1.ConfigMapArgs{
			Metadata: meta(EgovConfigMapName, "config"),
			Data:     config,
		}, childOpts(comp, deps)...)
		if err != nil {
			return nil, err
		}
		hm, err := corev1.NewConfigMap(ctx, name+"-"+ns+"-"+ServiceHostMapName, &corev1.ConfigMapArgs{
			Metadata: meta(ServiceHostMapName, "config"),
			Data:     hosts,
		}, childOpts(comp, deps)...)
		if err != nil {
			return nil, err
		}
		comp.ConfigMaps[ns], comp.ServiceHostMaps[ns] = cm, hm
		comp.Ready = append(comp.Ready, cm, hm)
		if a.OmitSecrets {
			continue
		}
		sec, err := corev1.NewSecret(ctx, name+"-"+ns+"-"+DBSecretName, &corev1.SecretArgs{
			Metadata: meta(DBSecretName, "credentials"),
			Type:     pulumi.String("Opaque"),
			StringData: pulumi.StringMap{
				DBSecretUsername:       a.DBUser,
				DBSecretPassword:       password,
				DBSecretFlywayUsername: a.FlywayUser,
				DBSecretFlywayPassword: flywayPassword,
			},
		}, childOpts(comp, deps, pulumi.AdditionalSecretOutputs([]string{"data", "stringData"}))...)
		if err != nil {
			return nil, err
		}
		comp.DBSecrets[ns] = sec
		comp.Ready = append(comp.Ready, sec)
		for _, sname := range sortedKeys(a.Secrets) {
			data := pulumi.StringMap{}
			for k, v := range a.Secrets[sname] {
				data[k] = pulumi.ToSecret(v).(pulumi.StringOutput)
			}
			sec, err := corev1.NewSecret(ctx, name+"-"+ns+"-"+sname, &corev1.SecretArgs{
				Metadata:   meta(sname, "credentials"),
				Type:       pulumi.String("Opaque"),
				StringData: data,
			}, childOpts(comp, deps, pulumi.AdditionalSecretOutputs([]string{"data", "stringData"}))...)
			if err != nil {
				return nil, err
			}
			comp.Ready = append(comp.Ready, sec)
		}
	}

	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"namespaces":       pulumi.ToStringArray(a.Namespaces),
		"configNamespaces": pulumi.ToStringArray(a.ConfigNamespaces),
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
