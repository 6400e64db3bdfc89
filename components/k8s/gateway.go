package k8s

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Pinned versions of the Gateway's third-party software.
const (
	// DefaultIngressNginxImage is the ingress-nginx controller v1.12.1, which carries the March 2025
	// "IngressNightmare" fixes; the v1.12 line is tested upstream against Kubernetes 1.28-1.32.
	DefaultIngressNginxImage = "registry.k8s.io/ingress-nginx/controller:v1.12.1"
	// DefaultCertManagerVersion is the jetstack/cert-manager chart version.
	DefaultCertManagerVersion = "v1.16.3"
	// IngressHTTPPort, IngressHTTPSPort and IngressMetricsPort are the ingress controller's pod ports.
	IngressHTTPPort    = 80
	IngressHTTPSPort   = 443
	IngressMetricsPort = 10254
	// ACMESolverPort is where cert-manager's HTTP-01 solver pod listens (acmesolver's --listen-port); it runs in the
	// namespace of the Ingress whose certificate it proves, and the ingress controller routes the challenge to it.
	ACMESolverPort = 8089
	// CertManagerWebhookPort is the cert-manager webhook's pod port, which the API server calls.
	CertManagerWebhookPort = 10250
	// LetsEncryptProduction is the ACME directory of Let's Encrypt.
	LetsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory"
)

const (
	nginxName       = "ingress-nginx"
	nginxController = "ingress-nginx-controller"
	// DefaultIngressClass is the IngressClass of a gateway that is given none: the cluster's default class.
	DefaultIngressClass = "nginx"
	// nginxControllerClass is the controller value of the default class (upstream's).
	nginxControllerClass = "k8s.io/ingress-nginx"
	nginxElectionID      = "ingress-nginx-leader"
)

// GatewayArgs describes the ingress controller and, optionally, TLS certificates.
type GatewayArgs struct {
	// Namespace of the controller (must exist). Default: "ingress-nginx".
	Namespace string
	// ClassName is the IngressClass the controller serves. Default: "nginx", marked the cluster's default class.
	// Any other class is not the default, and its controller (k8s.io/ingress-nginx-<class>) serves Ingresses of
	// that class only, so that several gateways share one cluster.
	ClassName string
	// ServiceType of the controller Service: "LoadBalancer", "NodePort" or "ClusterIP" (for clusters without a
	// load-balancer implementation). Default: "LoadBalancer".
	ServiceType string
	// LoadBalancerAnnotations are added to the Service when it is a LoadBalancer: the cloud's load-balancer
	// settings (e.g. AWS's NLB type, an internal scheme), given by the cloud layer. Default: none.
	LoadBalancerAnnotations map[string]string
	// Image of the controller. Default: DefaultIngressNginxImage.
	Image string
	// Replicas of the controller. Default: 1 (a PDB is added from 2).
	Replicas int
	// Resources of the controller. Default: 100m/1 CPU, 128Mi/512Mi memory.
	Resources Resources
	// ZoneLabel spreads the controller replicas. Default: "topology.kubernetes.io/zone".
	ZoneLabel string
	// Domain is the public host name of DIGIT, e.g. "digit.example.org". Default: none (no TLS possible).
	Domain string
	// TLS installs cert-manager and a Let's Encrypt ClusterIssuer. Requires Domain and Email. Default: false.
	TLS bool
	// Email is the ACME account contact. Required with TLS.
	Email string
	// ACMEServer is the ACME directory. Default: LetsEncryptProduction (use the staging directory for tests).
	ACMEServer string
	// IssuerName is the ClusterIssuer name. Default: "letsencrypt-prod".
	IssuerName string
	// CertManagerNamespace is where the cert-manager release goes (created by helm if missing).
	// Default: "cert-manager".
	CertManagerNamespace string
	// CertManagerVersion is the chart version. Default: DefaultCertManagerVersion.
	CertManagerVersion string
	// CertManagerRepo is the chart repository. Default: "https://charts.jetstack.io".
	CertManagerRepo string
	// DependsOn are resources every child waits for (the namespace). Default: none.
	DependsOn []pulumi.Resource
}

// Gateway is the `digit:k8s:Gateway` component.
type Gateway struct {
	pulumi.ResourceState

	// IngressClassName is GatewayArgs.ClassName: what the Ingresses routed through this gateway name.
	IngressClassName string
	// LoadBalancerAddress is the load balancer's hostname (AWS) or IP, "" for ClusterIP/NodePort Services.
	LoadBalancerAddress pulumi.StringOutput
	// TLSSecretName is the certificate Secret Ingresses of Domain should name ("" without TLS).
	TLSSecretName string
	// IssuerAnnotations make cert-manager issue the certificate of an Ingress (empty without TLS).
	IssuerAnnotations map[string]string
	// Service of the controller.
	Service *corev1.Service
	// Ready are the controller Deployment, its Service and the IngressClass, plus the ClusterIssuer with TLS: what
	// Ingresses should wait for.
	Ready []pulumi.Resource
}

func (a *GatewayArgs) resolve() (*GatewayArgs, error) {
	r := *a
	var e errs
	if r.Namespace == "" {
		r.Namespace = nginxName
	}
	e.dnsLabel("Namespace", r.Namespace)
	if r.ClassName == "" {
		r.ClassName = DefaultIngressClass
	}
	e.dnsLabel("ClassName", r.ClassName)
	if r.ServiceType == "" {
		r.ServiceType = "LoadBalancer"
	}
	switch r.ServiceType {
	case "LoadBalancer", "NodePort", "ClusterIP":
	default:
		e.add("ServiceType", "%q is not one of LoadBalancer, NodePort, ClusterIP", r.ServiceType)
	}
	if r.Image == "" {
		r.Image = DefaultIngressNginxImage
	}
	e.image("Image", r.Image)
	if r.Replicas == 0 {
		r.Replicas = 1
	}
	if r.Replicas < 1 {
		e.add("Replicas", "%d must be at least 1", r.Replicas)
	}
	r.Resources = r.Resources.withDefaults(Resources{CPURequest: "100m", CPULimit: "1", MemoryRequest: "128Mi", MemoryLimit: "512Mi"})
	e.resources("Resources.", r.Resources)
	if r.ZoneLabel == "" {
		r.ZoneLabel = DefaultZoneLabel
	}
	if r.Domain != "" && !hostnameRE.MatchString(r.Domain) {
		e.add("Domain", "%q is not a DNS name", r.Domain)
	}
	if r.TLS {
		if r.Domain == "" {
			e.add("TLS", "requires Domain (certificates are issued for a host name)")
		}
		if r.Email == "" {
			e.add("Email", "required with TLS (Let's Encrypt account contact)")
		} else if _, err := mail.ParseAddress(r.Email); err != nil || strings.ContainsAny(r.Email, "<> ") {
			e.add("Email", "%q is not an e-mail address", r.Email)
		}
	}
	if r.ACMEServer == "" {
		r.ACMEServer = LetsEncryptProduction
	}
	if !strings.HasPrefix(r.ACMEServer, "https://") {
		e.add("ACMEServer", "%q must be an https URL", r.ACMEServer)
	}
	if r.IssuerName == "" {
		r.IssuerName = "letsencrypt-prod"
	}
	e.dnsSubdomain("IssuerName", r.IssuerName)
	if r.CertManagerNamespace == "" {
		r.CertManagerNamespace = "cert-manager"
	}
	e.dnsLabel("CertManagerNamespace", r.CertManagerNamespace)
	if r.CertManagerVersion == "" {
		r.CertManagerVersion = DefaultCertManagerVersion
	}
	if r.CertManagerRepo == "" {
		r.CertManagerRepo = "https://charts.jetstack.io"
	}
	if err := e.err("Gateway"); err != nil {
		return nil, err
	}
	return &r, nil
}

// NewGateway deploys ingress-nginx (IngressClass GatewayArgs.ClassName) and, with TLS, cert-manager and a
// Let's Encrypt ClusterIssuer solving HTTP-01 through that class.
//
// ingress-nginx's validating admission webhook is left out: it needs certificate-generating Jobs and a webhook
// backend whose absence blocks every Ingress write (failurePolicy Fail).
func NewGateway(ctx *pulumi.Context, name string, args *GatewayArgs, opts ...pulumi.ResourceOption) (*Gateway, error) {
	if args == nil {
		args = &GatewayArgs{}
	}
	a, err := args.resolve()
	if err != nil {
		return nil, err
	}
	comp := &Gateway{IngressClassName: a.ClassName, IssuerAnnotations: map[string]string{}}
	if a.TLS {
		comp.TLSSecretName = strings.ReplaceAll(a.Domain, ".", "-") + "-tls"
		comp.IssuerAnnotations["cert-manager.io/cluster-issuer"] = a.IssuerName
	}
	if err := ctx.RegisterComponentResourceV2("digit:k8s:Gateway", name, pulumi.Map{
		"namespace": pulumi.String(a.Namespace), "domain": pulumi.String(a.Domain), "tls": pulumi.Bool(a.TLS),
	}, comp, opts...); err != nil {
		return nil, err
	}
	copts := func(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return childOpts(comp, a.DependsOn, extra...)
	}
	ns := a.Namespace
	l := appLabels{name: nginxName, instance: name, version: imageTag(a.Image), component: "controller"}
	sel := l.selector()

	sa, err := corev1.NewServiceAccount(ctx, name+"-"+nginxName, &corev1.ServiceAccountArgs{
		Metadata:                     l.meta(nginxName, ns),
		AutomountServiceAccountToken: pulumi.Bool(true),
	}, copts()...)
	if err != nil {
		return nil, err
	}
	rule := func(groups, resources, verbs []string, names ...string) rbacv1.PolicyRuleInput {
		r := rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.ToStringArray(groups),
			Resources: pulumi.ToStringArray(resources),
			Verbs:     pulumi.ToStringArray(verbs),
		}
		if len(names) > 0 {
			r.ResourceNames = pulumi.ToStringArray(names)
		}
		return r
	}
	lw := []string{"list", "watch"}
	glw := []string{"get", "list", "watch"}
	// The rules of the upstream ingress-nginx deploy manifest (controller-v1.12).
	clusterRules := rbacv1.PolicyRuleArray{
		rule([]string{""}, []string{"configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"}, lw),
		rule([]string{"coordination.k8s.io"}, []string{"leases"}, lw),
		rule([]string{""}, []string{"nodes"}, []string{"get"}),
		rule([]string{""}, []string{"services"}, glw),
		rule([]string{"networking.k8s.io"}, []string{"ingresses"}, glw),
		rule([]string{""}, []string{"events"}, []string{"create", "patch"}),
		rule([]string{"networking.k8s.io"}, []string{"ingresses/status"}, []string{"update"}),
		rule([]string{"networking.k8s.io"}, []string{"ingressclasses"}, glw),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, []string{"list", "watch", "get"}),
	}
	roleRules := rbacv1.PolicyRuleArray{
		rule([]string{""}, []string{"namespaces"}, []string{"get"}),
		rule([]string{""}, []string{"configmaps", "pods", "secrets", "endpoints"}, glw),
		rule([]string{""}, []string{"services"}, glw),
		rule([]string{"networking.k8s.io"}, []string{"ingresses"}, glw),
		rule([]string{"networking.k8s.io"}, []string{"ingresses/status"}, []string{"update"}),
		rule([]string{"networking.k8s.io"}, []string{"ingressclasses"}, glw),
		rule([]string{"coordination.k8s.io"}, []string{"leases"}, []string{"get", "update"}, nginxElectionID),
		rule([]string{"coordination.k8s.io"}, []string{"leases"}, []string{"create"}),
		rule([]string{""}, []string{"events"}, []string{"create", "patch"}),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, []string{"list", "watch", "get"}),
	}
	// Cluster-scoped names carry the namespace so that two gateways in one cluster do not collide.
	clusterName := nginxName + "-" + ns
	cr, err := rbacv1.NewClusterRole(ctx, name+"-"+clusterName, &rbacv1.ClusterRoleArgs{
		Metadata: l.meta(clusterName, ""), Rules: clusterRules,
	}, copts()...)
	if err != nil {
		return nil, err
	}
	subject := rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(nginxName), Namespace: pulumi.String(ns)}}
	crb, err := rbacv1.NewClusterRoleBinding(ctx, name+"-"+clusterName, &rbacv1.ClusterRoleBindingArgs{
		Metadata: l.meta(clusterName, ""),
		RoleRef:  rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String(clusterName)},
		Subjects: subject,
	}, copts(pulumi.DependsOn([]pulumi.Resource{cr, sa}))...)
	if err != nil {
		return nil, err
	}
	role, err := rbacv1.NewRole(ctx, name+"-"+nginxName, &rbacv1.RoleArgs{
		Metadata: l.meta(nginxName, ns), Rules: roleRules,
	}, copts()...)
	if err != nil {
		return nil, err
	}
	rb, err := rbacv1.NewRoleBinding(ctx, name+"-"+nginxName, &rbacv1.RoleBindingArgs{
		Metadata: l.meta(nginxName, ns),
		RoleRef:  rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: pulumi.String(nginxName)},
		Subjects: subject,
	}, copts(pulumi.DependsOn([]pulumi.Resource{role, sa}))...)
	if err != nil {
		return nil, err
	}
	cm, err := corev1.NewConfigMap(ctx, name+"-"+nginxController, &corev1.ConfigMapArgs{
		Metadata: l.meta(nginxController, ns),
		Data: pulumi.StringMap{
			"allow-snippet-annotations": pulumi.String("false"),
			// DIGIT uploads (filestore, PDFs) exceed nginx's 1m default body size.
			"proxy-body-size": pulumi.String("50m"),
		},
	}, copts()...)
	if err != nil {
		return nil, err
	}

	// Only the default class claims Ingresses that name none; a cluster has one default class.
	defaultClass := a.ClassName == DefaultIngressClass
	controllerClass := nginxControllerClass
	if !defaultClass {
		controllerClass += "-" + a.ClassName
	}
	icMeta := &metav1.ObjectMetaArgs{Name: pulumi.String(a.ClassName), Labels: l.all()}
	if defaultClass {
		icMeta.Annotations = pulumi.StringMap{"ingressclass.kubernetes.io/is-default-class": pulumi.String("true")}
	}
	ic, err := networkingv1.NewIngressClass(ctx, name+"-"+a.ClassName, &networkingv1.IngressClassArgs{
		Metadata: icMeta,
		Spec:     &networkingv1.IngressClassSpecArgs{Controller: pulumi.String(controllerClass)},
	}, copts()...)
	if err != nil {
		return nil, err
	}

	ann := pulumi.StringMap{}
	if a.ServiceType == "LoadBalancer" {
		for k, v := range a.LoadBalancerAnnotations {
			ann[k] = pulumi.String(v)
		}
	}
	svcMeta := l.meta(nginxController, ns)
	if len(ann) > 0 {
		svcMeta.Annotations = ann
	}
	svcSpec := &corev1.ServiceSpecArgs{
		Type:     pulumi.String(a.ServiceType),
		Selector: sel,
		Ports: corev1.ServicePortArray{
			corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(IngressHTTPPort), TargetPort: pulumi.String("http"), Protocol: pulumi.String("TCP")},
			corev1.ServicePortArgs{Name: pulumi.String("https"), Port: pulumi.Int(IngressHTTPSPort), TargetPort: pulumi.String("https"), Protocol: pulumi.String("TCP")},
		},
	}
	if a.ServiceType == "LoadBalancer" {
		// Keeps the client address (no SNAT hop) for DIGIT's audit and rate limits.
		svcSpec.ExternalTrafficPolicy = pulumi.String("Local")
	}
	svc, err := corev1.NewService(ctx, name+"-"+nginxController, &corev1.ServiceArgs{Metadata: svcMeta, Spec: svcSpec}, copts()...)
	if err != nil {
		return nil, err
	}
	comp.Service = svc
	comp.LoadBalancerAddress = svc.Status.ApplyT(func(s *corev1.ServiceStatus) string {
		if s == nil || s.LoadBalancer == nil || len(s.LoadBalancer.Ingress) == 0 {
			return ""
		}
		in := s.LoadBalancer.Ingress[0]
		if in.Hostname != nil && *in.Hostname != "" {
			return *in.Hostname
		}
		if in.Ip != nil {
			return *in.Ip
		}
		return ""
	}).(pulumi.StringOutput)

	sec := restrictedContainer()
	sec.Capabilities = &corev1.CapabilitiesArgs{
		Drop: pulumi.StringArray{pulumi.String("ALL")},
		// Binds 80 and 443 as uid 101.
		Add: pulumi.StringArray{pulumi.String("NET_BIND_SERVICE")},
	}
	sec.RunAsNonRoot = pulumi.Bool(true)
	sec.RunAsUser = pulumi.Int(101)
	sec.RunAsGroup = pulumi.Int(82)
	depSpec := &appsv1.DeploymentSpecArgs{
		Replicas:             pulumi.Int(a.Replicas),
		RevisionHistoryLimit: pulumi.Int(3),
		Selector:             &metav1.LabelSelectorArgs{MatchLabels: sel},
		Template: &corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{Labels: l.all()},
			Spec: &corev1.PodSpecArgs{
				ServiceAccountName:            pulumi.String(nginxName),
				TerminationGracePeriodSeconds: pulumi.Int(300),
				SecurityContext:               &corev1.PodSecurityContextArgs{SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")}},
				TopologySpreadConstraints:     zoneSpread(a.ZoneLabel, sel),
				NodeSelector:                  pulumi.StringMap{"kubernetes.io/os": pulumi.String("linux")},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:  pulumi.String("controller"),
					Image: pulumi.String(a.Image),
					Args: pulumi.ToStringArray([]string{
						"/nginx-ingress-controller",
						"--publish-service=$(POD_NAMESPACE)/" + nginxController,
						"--election-id=" + nginxElectionID,
						"--controller-class=" + controllerClass,
						"--ingress-class=" + a.ClassName,
						"--configmap=$(POD_NAMESPACE)/" + nginxController,
						fmt.Sprintf("--watch-ingress-without-class=%t", defaultClass),
					}),
					Env: corev1.EnvVarArray{
						envField("POD_NAME", "metadata.name"),
						envField("POD_NAMESPACE", "metadata.namespace"),
						envLit("LD_PRELOAD", "/usr/local/lib/libmimalloc.so"),
					},
					Ports: corev1.ContainerPortArray{
						corev1.ContainerPortArgs{Name: pulumi.String("http"), ContainerPort: pulumi.Int(IngressHTTPPort), Protocol: pulumi.String("TCP")},
						corev1.ContainerPortArgs{Name: pulumi.String("https"), ContainerPort: pulumi.Int(IngressHTTPSPort), Protocol: pulumi.String("TCP")},
						corev1.ContainerPortArgs{Name: pulumi.String("metrics"), ContainerPort: pulumi.Int(IngressMetricsPort), Protocol: pulumi.String("TCP")},
					},
					ReadinessProbe: httpProbe("/healthz", "metrics", 10),
					LivenessProbe:  httpProbe("/healthz", "metrics", 10),
					Lifecycle: &corev1.LifecycleArgs{PreStop: &corev1.LifecycleHandlerArgs{
						Exec: &corev1.ExecActionArgs{Command: pulumi.ToStringArray([]string{"/wait-shutdown"})},
					}},
					Resources:       a.Resources.args(),
					SecurityContext: sec,
				}},
			},
		},
	}
	if a.Replicas > 1 {
		depSpec.Strategy = &appsv1.DeploymentStrategyArgs{Type: pulumi.String("RollingUpdate"),
			RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{MaxUnavailable: pulumi.Int(0), MaxSurge: pulumi.Int(1)}}
	}
	dep, err := appsv1.NewDeployment(ctx, name+"-"+nginxController, &appsv1.DeploymentArgs{
		Metadata: l.meta(nginxController, ns),
		Spec:     depSpec,
	}, copts(pulumi.DependsOn([]pulumi.Resource{crb, rb, cm, ic}))...)
	if err != nil {
		return nil, err
	}
	if a.Replicas > 1 {
		if _, err := policyv1.NewPodDisruptionBudget(ctx, name+"-"+nginxController, &policyv1.PodDisruptionBudgetArgs{
			Metadata: l.meta(nginxController, ns),
			Spec: &policyv1.PodDisruptionBudgetSpecArgs{
				MaxUnavailable: pulumi.Int(1),
				Selector:       &metav1.LabelSelectorArgs{MatchLabels: sel},
			},
		}, copts()...); err != nil {
			return nil, err
		}
	}
	comp.Ready = []pulumi.Resource{dep, svc, ic}

	if a.TLS {
		release, err := newHelmRelease(ctx, name+"-cert-manager", helmReleaseArgs{
			Name:            "cert-manager",
			Chart:           "cert-manager",
			Version:         a.CertManagerVersion,
			Namespace:       a.CertManagerNamespace,
			CreateNamespace: true,
			Repo:            a.CertManagerRepo,
			Values: pulumi.Map{
				// crds.enabled is the chart's current name for installCRDs; keep stops `helm uninstall` from
				// deleting every Certificate in the cluster along with the CRDs.
				"crds":   pulumi.Map{"enabled": pulumi.Bool(true), "keep": pulumi.Bool(true)},
				"global": pulumi.Map{"leaderElection": pulumi.Map{"namespace": pulumi.String(a.CertManagerNamespace)}},
				// Said, not left to the chart's default, because the network allow-list admits exactly this port.
				"webhook": pulumi.Map{"securePort": pulumi.Int(CertManagerWebhookPort)},
			},
		}, copts()...)
		if err != nil {
			return nil, err
		}
		issuer, err := apiextensions.NewCustomResource(ctx, name+"-"+a.IssuerName, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("cert-manager.io/v1"),
			Kind:       pulumi.String("ClusterIssuer"),
			Metadata: &metav1.ObjectMetaArgs{
				Name:   pulumi.String(a.IssuerName),
				Labels: appLabels{name: "cert-manager", instance: name, version: a.CertManagerVersion, component: "issuer"}.all(),
			},
			OtherFields: kubernetes.UntypedArgs{
				"spec": pulumi.Map{
					"acme": pulumi.Map{
						"server":              pulumi.String(a.ACMEServer),
						"email":               pulumi.String(a.Email),
						"privateKeySecretRef": pulumi.Map{"name": pulumi.String(a.IssuerName + "-account-key")},
						"solvers": pulumi.Array{pulumi.Map{
							"http01": pulumi.Map{"ingress": pulumi.Map{"ingressClassName": pulumi.String(a.ClassName)}},
						}},
					},
				},
			},
		}, copts(pulumi.DependsOn([]pulumi.Resource{release, ic}))...)
		if err != nil {
			return nil, err
		}
		comp.Ready = append(comp.Ready, issuer)
	}

	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"ingressClassName":    pulumi.String(comp.IngressClassName),
		"loadBalancerAddress": comp.LoadBalancerAddress,
		"tlsSecretName":       pulumi.String(comp.TLSSecretName),
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
