package k8s

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	tIngressClass = "kubernetes:networking.k8s.io/v1:IngressClass"
	tRelease      = "kubernetes:helm.sh/v3:Release"
	tIssuer       = "kubernetes:cert-manager.io/v1:ClusterIssuer"
)

func TestGatewayWithoutDomain(t *testing.T) {
	var gw *Gateway
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		gw, err = NewGateway(ctx, "gw", &GatewayArgs{})
		return err
	})
	ic := m.MustFind(t, tIngressClass, "gw-nginx")
	if ic.MetadataName() != "nginx" || ic.String("spec.controller") != "k8s.io/ingress-nginx" ||
		ic.String(`metadata.annotations["ingressclass.kubernetes.io/is-default-class"]`) != "true" {
		t.Errorf("ingress class: %v", ic.Get(""))
	}
	if len(m.ByType(tRelease)) != 0 || len(m.ByType(tIssuer)) != 0 {
		t.Errorf("cert-manager deployed without a domain")
	}
	if gw.IngressClassName != "nginx" || gw.TLSSecretName != "" || len(gw.IssuerAnnotations) != 0 {
		t.Errorf("outputs: %+v", gw)
	}
	dep := m.MustFind(t, tDeployment, "gw-ingress-nginx-controller")
	args := dep.Strings("spec.template.spec.containers[0].args")
	for _, want := range []string{"--ingress-class=nginx", "--controller-class=k8s.io/ingress-nginx", "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller", "--watch-ingress-without-class=true"} {
		if !contains(args, want) {
			t.Errorf("controller args %v lack %s", args, want)
		}
	}
	if dep.Namespace() != "ingress-nginx" || dep.String("spec.template.spec.serviceAccountName") != "ingress-nginx" {
		t.Errorf("controller namespace/sa: %q %q", dep.Namespace(), dep.String("spec.template.spec.serviceAccountName"))
	}
	svc := m.MustFind(t, tService, "gw-ingress-nginx-controller")
	if svc.String("spec.type") != "LoadBalancer" || len(svc.StringMap("metadata.annotations")) != 1 {
		t.Errorf("non-aws service: %v", svc.Get(""))
	}
	// The controller must be able to read ingresses cluster-wide and publish their status.
	cr := m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "gw-ingress-nginx-ingress-nginx")
	var rules []string
	for i := 0; i < cr.Len("rules"); i++ {
		r := fmt.Sprintf("rules[%d]", i)
		for _, res := range cr.Strings(r + ".resources") {
			rules = append(rules, res+":"+strings.Join(cr.Strings(r+".verbs"), ","))
		}
	}
	for _, want := range []string{"ingresses:get,list,watch", "ingresses/status:update", "ingressclasses:get,list,watch", "endpointslices:list,watch,get"} {
		if !contains(rules, want) {
			t.Errorf("cluster role lacks %s (has %v)", want, rules)
		}
	}
	m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:Role", "gw-ingress-nginx")
	m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "gw-ingress-nginx")
	m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "gw-ingress-nginx-ingress-nginx")
}

// A gateway of another class shares the cluster: its class is not the default, and its controller serves that
// class alone (not the default class's controller, nor Ingresses naming no class).
func TestGatewayOfItsOwnClass(t *testing.T) {
	var gw *Gateway
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		gw, err = NewGateway(ctx, "gw", &GatewayArgs{Namespace: "qa-a-ingress-nginx", ClassName: "qa-a-nginx"})
		return err
	})
	ic := m.MustFind(t, tIngressClass, "gw-qa-a-nginx")
	if ic.MetadataName() != "qa-a-nginx" || ic.String("spec.controller") != "k8s.io/ingress-nginx-qa-a-nginx" {
		t.Errorf("ingress class: %v", ic.Get(""))
	}
	if _, isDefault := ic.StringMap("metadata.annotations")["ingressclass.kubernetes.io/is-default-class"]; isDefault {
		t.Errorf("expected a second class not to claim the cluster's default: %v", ic.Get("metadata.annotations"))
	}
	if gw.IngressClassName != "qa-a-nginx" {
		t.Errorf("expected Ingresses to be told class qa-a-nginx; got %s", gw.IngressClassName)
	}
	args := m.MustFind(t, tDeployment, "gw-ingress-nginx-controller").Strings("spec.template.spec.containers[0].args")
	for _, want := range []string{"--ingress-class=qa-a-nginx", "--controller-class=k8s.io/ingress-nginx-qa-a-nginx", "--watch-ingress-without-class=false"} {
		if !contains(args, want) {
			t.Errorf("controller args %v lack %s", args, want)
		}
	}
	m.MustFind(t, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "gw-ingress-nginx-qa-a-ingress-nginx")
	expectArgsError(t, func(ctx *pulumi.Context) error {
		_, err := NewGateway(ctx, "gw", &GatewayArgs{ClassName: "QA_nginx"})
		return err
	}, "ClassName", "QA_nginx")
}

func TestGatewayAWSWithTLS(t *testing.T) {
	var gw *Gateway
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		gw, err = NewGateway(ctx, "gw", &GatewayArgs{LoadBalancerAnnotations: map[string]string{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}, Domain: "digit.example.org", TLS: true, Email: "ops@example.org"})
		return err
	})
	svc := m.MustFind(t, tService, "gw-ingress-nginx-controller")
	if svc.String(`metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]`) != "nlb" {
		t.Errorf("the load balancer annotations given are not on the Service: %v", svc.Get("metadata.annotations"))
	}
	rel := m.MustFind(t, tRelease, "gw-cert-manager")
	if rel.String("chart") != "cert-manager" || rel.String("version") != DefaultCertManagerVersion ||
		rel.String("repositoryOpts.repo") != "https://charts.jetstack.io" || rel.Get("values.crds.enabled") != true ||
		rel.String("name") != "cert-manager" || rel.String("namespace") != "cert-manager" ||
		rel.Get("createNamespace") != true || rel.Get("values.crds.keep") != true {
		t.Errorf("release: %v", rel.Get(""))
	}
	// What the SDK's helmv3.NewRelease sets on every release, which newHelmRelease stands in for.
	if rel.String("compat") != "true" {
		t.Errorf("release compat: expected \"true\" as the SDK sets it; got %v", rel.Get("compat"))
	}
	issuer := m.MustFind(t, tIssuer, "gw-letsencrypt-prod")
	acme := "spec.acme"
	if issuer.String(acme+".email") != "ops@example.org" || issuer.String(acme+".server") != LetsEncryptProduction ||
		issuer.String(acme+".solvers[0].http01.ingress.ingressClassName") != "nginx" {
		t.Errorf("issuer: %v", issuer.Get(acme))
	}
	if !contains(issuer.DependsOn, rel.URN) {
		t.Errorf("ClusterIssuer does not wait for the cert-manager release (its CRD): %v", issuer.DependsOn)
	}
	if gw.TLSSecretName != "digit-example-org-tls" || gw.IssuerAnnotations["cert-manager.io/cluster-issuer"] != "letsencrypt-prod" {
		t.Errorf("tls outputs: %q %v", gw.TLSSecretName, gw.IssuerAnnotations)
	}
}

func TestGatewayDomainWithoutTLS(t *testing.T) {
	m := mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewGateway(ctx, "gw", &GatewayArgs{Domain: "digit.example.org"})
		return err
	})
	if len(m.ByType(tRelease)) != 0 {
		t.Errorf("cert-manager installed although TLS is off")
	}
}

func TestGatewayValidation(t *testing.T) {
	cases := []struct {
		field string
		args  GatewayArgs
	}{
		{"TLS", GatewayArgs{TLS: true, Email: "a@b.org"}},
		{"Email", GatewayArgs{TLS: true, Domain: "digit.example.org"}},
		{"Email", GatewayArgs{TLS: true, Domain: "digit.example.org", Email: "nobody"}},
		{"Domain", GatewayArgs{Domain: "https://digit.example.org"}},
		{"ServiceType", GatewayArgs{ServiceType: "ExternalName"}},
		{"Namespace", GatewayArgs{Namespace: "Ingress"}},
		{"Replicas", GatewayArgs{Replicas: -2}},
		{"Resources.MemoryRequest", GatewayArgs{Resources: Resources{MemoryRequest: "1Gi", MemoryLimit: "512Mi"}}},
		{"ACMEServer", GatewayArgs{ACMEServer: "http://acme"}},
		{"Image", GatewayArgs{Image: "nginx"}},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			a := c.args
			expectArgsError(t, func(ctx *pulumi.Context) error { _, err := NewGateway(ctx, "gw", &a); return err }, c.field+":")
		})
	}
}

// TestGatewayReplicasAndServiceType: one controller replica gets neither a disruption budget (it would block every
// node drain) nor a surge strategy; two get both. Only a LoadBalancer Service keeps the client address (Local).
func TestGatewayReplicasAndServiceType(t *testing.T) {
	for _, tc := range []struct {
		replicas  int
		svcType   string
		zoneLabel string
		pdb       bool
		policy    string
		spreadKey string
	}{
		{1, "NodePort", "", false, "", "topology.kubernetes.io/zone"},
		{2, "LoadBalancer", "example.org/rack", true, "Local", "example.org/rack"},
	} {
		var gw *Gateway
		m := mustRun(t, func(ctx *pulumi.Context) error {
			var err error
			gw, err = NewGateway(ctx, "gw", &GatewayArgs{Replicas: tc.replicas, ServiceType: tc.svcType, ZoneLabel: tc.zoneLabel})
			return err
		})
		// What Ingresses wait for: the controller Deployment, its Service and the IngressClass.
		if gw == nil || len(gw.Ready) != 3 {
			t.Fatalf("%d replicas: gateway %+v, want 3 resources in Ready", tc.replicas, gw)
		}
		pdbs := m.ByType("kubernetes:policy/v1:PodDisruptionBudget")
		dep := m.MustFind(t, tDeployment, "gw-ingress-nginx-controller")
		strategy := dep.String("spec.strategy.type")
		if (len(pdbs) == 1) != tc.pdb || (strategy == "RollingUpdate") != tc.pdb || (len(pdbs) > 1) {
			t.Errorf("%d replicas: %d disruption budgets, strategy %q; want budget and surge %v", tc.replicas, len(pdbs), strategy, tc.pdb)
		}
		if tc.pdb && dep.Int("spec.strategy.rollingUpdate.maxUnavailable") != 0 {
			t.Errorf("%d replicas: maxUnavailable %v, want 0", tc.replicas, dep.Get("spec.strategy.rollingUpdate"))
		}
		if got := dep.String("spec.template.spec.topologySpreadConstraints[0].topologyKey"); got != tc.spreadKey {
			t.Errorf("%d replicas: spread over %q, want %q", tc.replicas, got, tc.spreadKey)
		}
		// A rule names resources only where it restricts to them: an empty list would grant nothing.
		for _, role := range append(m.ByType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"), m.ByType("kubernetes:rbac.authorization.k8s.io/v1:Role")...) {
			for i := 0; i < role.Len("rules"); i++ {
				if p := fmt.Sprintf("rules[%d].resourceNames", i); role.Has(p) && role.Len(p) == 0 {
					t.Errorf("%s rule %d has an empty resourceNames", role.Name, i)
				}
			}
		}
		svc := m.MustFind(t, tService, "gw-ingress-nginx-controller")
		if svc.String("spec.externalTrafficPolicy") != tc.policy || svc.String("spec.type") != tc.svcType {
			t.Errorf("%s service: type %q, externalTrafficPolicy %q, want %q", tc.svcType, svc.String("spec.type"),
				svc.String("spec.externalTrafficPolicy"), tc.policy)
		}
	}
}
