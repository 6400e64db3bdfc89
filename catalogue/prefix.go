package catalogue

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// WithNamespacePrefix returns a copy of r in which every namespace (of modules and of section workloads) starts
// with prefix, and every literal in the env (services' own entries, templates, tracing's disabled env) and in
// frontends' globalConfigs that names a host in one of those namespaces (redis.backbone,
// ws-services.egov:8080, jaeger-agent.monitoring.svc.cluster.local) names it in the prefixed namespace. Hosts the
// wiring builds (egov-config, egov-service-host) follow from the namespaces themselves. This is how several
// stacks share one cluster: nothing namespaced, and nothing cluster-scoped whose name carries a namespace,
// collides.
//
// prefix must be a DNS label prefix (lowercase letters, digits, '-', starting with a letter); the longest
// prefixed namespace must stay a DNS label (63 characters). An error names the namespace that would not fit.
func (r *Resolved) WithNamespacePrefix(prefix string) (*Resolved, error) {
	if prefix == "" {
		return r, nil
	}
	if !namePrefixRe.MatchString(prefix) {
		return nil, fmt.Errorf("catalogue: namespace prefix %q: lowercase letters, digits and '-', starting with a letter", prefix)
	}
	namespaces := r.Namespaces()
	for _, ns := range namespaces {
		if len(prefix)+len(ns) > 63 {
			return nil, fmt.Errorf("catalogue: namespace prefix %q: namespace %s would become %d characters long (at most 63)",
				prefix, ns, len(prefix)+len(ns))
		}
	}
	c := r.cat.clone()
	rename := func(ns string) string { return prefix + ns }
	hosts := hostRewriter(namespaces, prefix)

	for i := range c.Modules {
		m := &c.Modules[i]
		m.Namespace = rename(m.Namespace)
		for j := range m.Services {
			s := &m.Services[j]
			rewriteEnv(s.Env, hosts)
			for k, v := range s.GlobalConfigs {
				s.GlobalConfigs[k] = hosts(v)
			}
		}
	}
	for _, t := range c.EnvTemplates {
		rewriteEnv(t.Env, hosts)
	}
	rewriteEnv(c.Tracing.DisabledEnv, hosts)
	for _, w := range c.sectionWorkloads() {
		w.Namespace = rename(w.Namespace)
	}
	c.PodSecurity = map[string]PodSecurityWaiver{}
	for ns, w := range r.cat.PodSecurity {
		c.PodSecurity[rename(ns)] = w
	}

	out := &Resolved{cat: c, order: slices.Clone(r.order), modules: map[string]Module{}, moduleOf: r.moduleOf}
	for _, m := range c.Modules {
		out.modules[m.Name] = m
	}
	return out, nil
}

// Namespaces lists every namespace the catalogue names (of every module and section workload, enabled or not),
// sorted.
func (r *Resolved) Namespaces() []string {
	set := map[string]bool{}
	for _, m := range r.cat.Modules {
		set[m.Namespace] = true
	}
	for _, w := range r.cat.sectionWorkloads() { // read only
		set[w.Namespace] = true
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// namePrefixRe is a prefix that keeps a DNS label a DNS label.
var namePrefixRe = regexp.MustCompile(`^[a-z][-a-z0-9]*$`)

// hostRewriter returns a function that moves every host of the form <label>.<namespace> in a string into
// <prefix><namespace>, when <namespace> is one of namespaces and is followed by the end of the host (':', '/',
// '.', a quote, the end of the string ...). "egov-demo.egovernments.org" is left alone: after "egov" comes a
// letter.
func hostRewriter(namespaces []string, prefix string) func(string) string {
	alts := make([]string, len(namespaces))
	for i, ns := range namespaces {
		alts[i] = regexp.QuoteMeta(ns)
	}
	// The order of the alternatives does not matter: a namespace must end the host, so "kafka" cannot match the
	// start of "kafka-cluster" (TestPrefixedHostsOfNamespacesThatArePrefixesOfEachOther).
	re := regexp.MustCompile(`([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.(` + strings.Join(alts, "|") + `)([^-a-z0-9]|$)`)
	return func(s string) string {
		// A match consumes the character after the namespace; hosts are never adjacent, so one pass suffices.
		return re.ReplaceAllString(s, "${1}."+prefix+"${2}${3}")
	}
}

func rewriteEnv(env []EnvVar, hosts func(string) string) {
	for i := range env {
		if env[i].Value != nil {
			v := hosts(*env[i].Value)
			env[i].Value = &v
		}
	}
}

// FilestoreService is the service that writes to the cloud's object storage.
const FilestoreService = "egov-filestore"

// NamespaceOf returns the namespace a service (of any module, enabled or not) runs in (false also for a nil
// catalogue).
func (r *Resolved) NamespaceOf(service string) (string, bool) {
	if r == nil {
		return "", false
	}
	m, ok := r.moduleOf[service]
	if !ok {
		return "", false
	}
	return r.modules[m].Namespace, true
}
