package k8s

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const dbPassword = "s3cr3t-Pa55word"

func envArgs() *EnvironmentArgs {
	return &EnvironmentArgs{
		Namespaces:       []string{"backbone", "egov", "es-cluster"},
		ConfigNamespaces: []string{"egov", "backbone"},
		EgovConfig: map[string]pulumi.StringInput{
			"db-url":        pulumi.Sprintf("jdbc:postgresql://%s:5432/digit", pulumi.String("db.internal")),
			"kafka-brokers": pulumi.String("kafka-v2.kafka-cluster:9092"),
		},
		ServiceHosts: map[string]string{"egov-user": ServiceHostURL("egov-user", "egov", 8080)},
		DBUser:       pulumi.String("digit"),
		// A secret that arrives as a plain String must still never reach state in plaintext.
		DBPassword: pulumi.String(dbPassword),
	}
}

func TestEnvironment(t *testing.T) {
	var env *Environment
	m := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		env, err = NewEnvironment(ctx, "env", envArgs())
		return err
	})

	nss := m.ByType("kubernetes:core/v1:Namespace")
	if len(nss) != 3 || len(env.Namespaces) != 3 || env.Namespaces["es-cluster"] == nil {
		t.Fatalf("namespaces: %v / %v", names(nss), env.Namespaces)
	}
	for _, ns := range nss {
		if ns.Label(LabelName) != ns.MetadataName() {
			t.Errorf("namespace %s labels: %v", ns.MetadataName(), ns.StringMap("metadata.labels"))
		}
	}

	secrets := m.ByType("kubernetes:core/v1:Secret")
	if len(secrets) != 2 {
		t.Fatalf("want a db Secret in each of the 2 config namespaces, got %v", names(secrets))
	}
	seen := map[string]bool{}
	for _, s := range secrets {
		seen[s.Namespace()] = true
		if s.MetadataName() != "db" {
			t.Errorf("secret name %q", s.MetadataName())
		}
		for _, k := range []string{"username", "password", "flyway-username", "flyway-password"} {
			if !s.Has("stringData." + k) {
				t.Errorf("secret %s lacks key %s", s.Name, k)
			}
		}
		if s.String("stringData.password") != dbPassword || s.String("stringData.flyway-password") != dbPassword {
			t.Errorf("secret %s does not carry the password", s.Name)
		}
		// Flyway defaults to the application's user.
		if s.String("stringData.username") != "digit" || s.String("stringData.flyway-username") != "digit" {
			t.Errorf("secret %s: username %q flyway-username %q, want digit for both", s.Name,
				s.String("stringData.username"), s.String("stringData.flyway-username"))
		}
		if !s.IsSecret("stringData.password") || !s.IsSecret("stringData.flyway-password") {
			t.Errorf("secret %s: password is not a secret input", s.Name)
		}
		if !contains(s.AdditionalSecretOutputs, "stringData") || !contains(s.AdditionalSecretOutputs, "data") {
			t.Errorf("secret %s: outputs not marked secret: %v", s.Name, s.AdditionalSecretOutputs)
		}
	}
	if !seen["egov"] || !seen["backbone"] || seen["es-cluster"] {
		t.Errorf("db secrets in %v, want exactly the config namespaces", seen)
	}
	if leaks := m.PlaintextPaths(dbPassword); len(leaks) != 0 {
		t.Errorf("password in plaintext at %v", leaks)
	}

	var cfg, hosts int
	for _, cm := range m.ByType("kubernetes:core/v1:ConfigMap") {
		switch cm.MetadataName() {
		case "egov-config":
			cfg++
			if v := cm.Label(LabelVersion); v != "v1" {
				t.Errorf("egov-config version label %q, want the default v1", v)
			}
			if cm.String("data.db-url") != "jdbc:postgresql://db.internal:5432/digit" {
				t.Errorf("db-url = %q", cm.String("data.db-url"))
			}
		case "egov-service-host":
			hosts++
			if cm.String("data.egov-user") != "http://egov-user.egov:8080/" {
				t.Errorf("egov-user host = %q", cm.String("data.egov-user"))
			}
		}
		if cm.Namespace() == "es-cluster" {
			t.Errorf("config in a namespace outside ConfigNamespaces")
		}
		// Each object waits for its namespace.
		if len(cm.DependsOn) == 0 {
			t.Errorf("%s does not depend on its namespace", cm.Name)
		}
	}
	if cfg != 2 || hosts != 2 {
		t.Errorf("egov-config x%d, egov-service-host x%d, want 2 each", cfg, hosts)
	}
}

func TestEnvironmentConfigDefaultsToAllNamespaces(t *testing.T) {
	a := envArgs()
	a.ConfigNamespaces = nil
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewEnvironment(ctx, "env", a); return err })
	if n := len(m.ByType("kubernetes:core/v1:Secret")); n != 3 {
		t.Errorf("db secrets: %d, want one per namespace", n)
	}
}

func TestEnvironmentValidation(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*EnvironmentArgs)
	}{
		{"Namespaces", func(a *EnvironmentArgs) { a.Namespaces = nil; a.ConfigNamespaces = nil }},
		{"Namespaces[1]", func(a *EnvironmentArgs) { a.Namespaces[1] = "Egov" }},
		{"Namespaces[2]", func(a *EnvironmentArgs) { a.Namespaces[2] = "backbone" }},
		{"ConfigNamespaces[0]", func(a *EnvironmentArgs) { a.ConfigNamespaces = []string{"monitoring"} }},
		{"EgovConfig[db url]", func(a *EnvironmentArgs) { a.EgovConfig["db url"] = pulumi.String("x") }},
		{"ServiceHosts[egov-user]", func(a *EnvironmentArgs) { a.ServiceHosts["egov-user"] = "egov-user.egov:8080" }},
		{"ServiceHosts[egov-user]", func(a *EnvironmentArgs) { a.ServiceHosts["egov-user"] = "http://egov-user.egov:8080" }},
		{"DBUser", func(a *EnvironmentArgs) { a.DBUser = nil }},
		{"DBPassword", func(a *EnvironmentArgs) { a.DBPassword = nil }},
		{"PodSecurity[monitoring]", func(a *EnvironmentArgs) { a.PodSecurity = map[string]string{"monitoring": "baseline"} }},
		{"PodSecurity[egov]", func(a *EnvironmentArgs) { a.PodSecurity = map[string]string{"egov": "root"} }},
		{"IngressFrom[monitoring]", func(a *EnvironmentArgs) {
			a.IngressFrom = map[string][]IngressRule{"monitoring": {{From: []string{"egov"}, Ports: TCP(80)}}}
		}},
		{"IngressFrom[egov][0]", func(a *EnvironmentArgs) {
			a.IngressFrom = map[string][]IngressRule{"egov": {{From: []string{"ingress"}, Ports: TCP(80)}}}
		}},
		{"IngressFrom[egov][1]", func(a *EnvironmentArgs) {
			a.IngressFrom = map[string][]IngressRule{"egov": {{From: []string{"backbone"}, Ports: TCP(80)}, {Ports: TCP(80)}}}
		}},
		{"IngressFrom[egov][0]", func(a *EnvironmentArgs) {
			a.IngressFrom = map[string][]IngressRule{"egov": {{From: []string{"backbone"}}}}
		}},
		{"IngressFrom[egov][0]", func(a *EnvironmentArgs) {
			a.IngressFrom = map[string][]IngressRule{"egov": {{From: []string{"backbone"}, Ports: TCP(65536)}}}
		}},
		{"IngressFrom[egov][0]", func(a *EnvironmentArgs) {
			a.IngressFrom = map[string][]IngressRule{"egov": {{From: []string{"backbone"}, Ports: []PolicyPort{{Port: 53, Protocol: "udp"}}}}}
		}},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			a := envArgs()
			c.mutate(a)
			expectArgsError(t, func(ctx *pulumi.Context) error { _, err := NewEnvironment(ctx, "env", a); return err }, c.field+":")
		})
	}
}

// TestNamespacesEnforcePodSecurity: each namespace enforces its level (restricted when not given) and warns and
// audits at restricted, each pinned to the latest standard.
func TestNamespacesEnforcePodSecurity(t *testing.T) {
	a := envArgs()
	a.PodSecurity = map[string]string{"es-cluster": "privileged", "egov": "baseline"}
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewEnvironment(ctx, "env", a); return err })
	for ns, enforce := range map[string]string{"backbone": "restricted", "egov": "baseline", "es-cluster": "privileged"} {
		n := m.MustFind(t, "kubernetes:core/v1:Namespace", "env-"+ns)
		want := map[string]string{
			"pod-security.kubernetes.io/enforce": enforce, "pod-security.kubernetes.io/enforce-version": "latest",
			"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
			"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
		}
		for k, v := range want {
			if got := n.Label(k); got != v {
				t.Errorf("namespace %s: label %s = %q, want %q", ns, k, got, v)
			}
		}
	}
}

// TestNamespacesDenyIngressButTheirAllowList: every namespace gets a default-deny ingress policy and an allow-list:
// its own pods on every port, then each rule's sources on the rule's ports only; AnyNamespace gives a rule without
// peers (every source).
func TestNamespacesDenyIngressButTheirAllowList(t *testing.T) {
	a := envArgs()
	a.IngressFrom = map[string][]IngressRule{
		"backbone": {{From: []string{"egov"}, Ports: TCP(9092, 6379)}, {From: []string{"es-cluster", "egov"}, Ports: []PolicyPort{{Port: 6831, Protocol: "UDP"}, {Port: 5778}}}},
		"egov":     {{From: []string{AnyNamespace}, Ports: TCP(8080)}},
	}
	m := mustRun(t, func(ctx *pulumi.Context) error { _, err := NewEnvironment(ctx, "env", a); return err })
	type rule struct{ from, ports string }
	for _, ns := range a.Namespaces {
		deny := m.MustFind(t, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "env-"+ns+"-default-deny")
		if deny.Namespace() != ns || deny.Len("spec.podSelector") != 0 || deny.Has("spec.ingress") ||
			!slices.Equal(deny.Strings("spec.policyTypes"), []string{"Ingress"}) {
			t.Errorf("%s: default deny %v", ns, deny.Get("spec"))
		}
		allow := m.MustFind(t, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "env-"+ns+"-allow")
		var got []rule
		for i := range allow.Len("spec.ingress") {
			var from, ports []string
			for j := range allow.Len(fmt.Sprintf("spec.ingress[%d].from", i)) {
				from = append(from, allow.String(fmt.Sprintf(`spec.ingress[%d].from[%d].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]`, i, j)))
			}
			for j := range allow.Len(fmt.Sprintf("spec.ingress[%d].ports", i)) {
				ports = append(ports, fmt.Sprintf("%v/%s", allow.Get(fmt.Sprintf("spec.ingress[%d].ports[%d].port", i, j)),
					allow.String(fmt.Sprintf("spec.ingress[%d].ports[%d].protocol", i, j))))
			}
			got = append(got, rule{strings.Join(from, ","), strings.Join(ports, ",")})
		}
		want := map[string][]rule{
			"backbone": {{"backbone", ""}, {"egov", "9092/TCP,6379/TCP"}, {"es-cluster,egov", "6831/UDP,5778/TCP"}},
			"egov":     {{"egov", ""}, {"", "8080/TCP"}},
		}[ns]
		if _, listed := a.IngressFrom[ns]; !listed {
			want = []rule{{ns, ""}}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s admits %v, want %v (from \"\": every source; ports \"\": every port)", ns, got, want)
		}
		if !slices.Contains(deny.DependsOn, m.MustFind(t, "kubernetes:core/v1:Namespace", "env-"+ns).URN) {
			t.Errorf("%s: the policy does not wait for its namespace", ns)
		}
	}
}
