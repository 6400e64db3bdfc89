package stacks

// The configuration-surface test: every Spring property an image ships with an environment-bound default (a risky
// key of testdata/digit-image-properties.yaml: localhost, eGov's dev servers, a developer's path, ...) is set by the
// service's rendered env in the prod stack, falls in one of the harmless classes below (each says why), or the
// catalogue records a property deviation for it.

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/digit-iac/digit/catalogue"
)

type imageProperties struct {
	Services map[string]struct {
		Properties   any               `json:"properties"` // a list of {key, default}, or "none (not a Spring service)"
		Risky        []string          `json:"risky"`
		RiskyReasons map[string]string `json:"risky_reasons"`
	} `json:"services"`
}

// defaults returns the last default of each key (Spring uses the last of duplicates).
func propertyDefaults(v any) map[string]string {
	out := map[string]string{}
	list, _ := v.([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		k, _ := m["key"].(string)
		switch d := m["default"].(type) {
		case string:
			out[k] = d
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(d)
		}
	}
	return out
}

// envNamesFor are the variable names Spring's relaxed binding reads a property from: the canonical form
// (SPRING_DATASOURCE_URL, dashes dropped), the legacy one (dashes as underscores), and the property itself upper-cased
// and the forms SystemEnvironmentPropertySource tries: the name upper-cased unchanged (SPRING.DATASOURCE.URL) and
// with only its dots replaced (EGOV_PT-SERVICES-V2_HOST).
func envNamesFor(property string) []string {
	u := strings.ToUpper(strings.ReplaceAll(property, ".", "_"))
	return []string{strings.ReplaceAll(u, "-", ""), strings.ReplaceAll(u, "-", "_"), strings.ToUpper(property), u}
}

var (
	// A URL path or a list of them: no scheme, no host:port.
	relativePathRe = regexp.MustCompile(`^/?[A-Za-z0-9_.{}$*,=?&%/-]*$`)
	hostPortRe     = regexp.MustCompile(`[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)*:\d{2,5}`)
)

// onlyKeyReasons reports whether a property is risky by its key's suffix alone (no value rule matched).
func onlyKeyReasons(reasons string) bool {
	for _, r := range strings.Split(reasons, "; ") {
		if !strings.HasPrefix(r, "key ") {
			return false
		}
	}
	return true
}

// harmlessClass names the class a risky property falls in, or "" (then it must be set or recorded). The classes:
var harmlessClasses = map[string]string{
	"relative-path": "the key is risky by its suffix alone (.path, .endpoint, .url, ...) and the default is a URL path " +
		"relative to a host property (which is checked on its own)",
	"users-path": "the only value rule matched is /Users/ case-insensitively, and the default is a relative API path " +
		"(egov-user's /user/users/...), not a macOS home directory",
	"flyway-off": "an in-app Flyway URL, never read: the rendered env sets FLYWAY_ENABLED and SPRING_FLYWAY_ENABLED to " +
		"false (the db-migration init container migrates), or the image's own spring.flyway.enabled is false and the " +
		"env does not set it",
	"own-service": "the default is http://<service>[.<namespace>]:<port> of a service this stack deploys, in its own " +
		"namespace, on its own port: the in-cluster address the catalogue would give it",
}

func harmlessClass(key, def, reasons string, defaults map[string]string, env map[string]envSource,
	stack *renderedStack) string {
	if onlyKeyReasons(reasons) && !strings.Contains(def, "://") && !hostPortRe.MatchString(def) &&
		relativePathRe.MatchString(def) {
		return "relative-path"
	}
	rs := strings.Split(reasons, "; ")
	valueRules := slices.DeleteFunc(slices.Clone(rs), func(r string) bool { return strings.HasPrefix(r, "key ") })
	if len(valueRules) == 1 && valueRules[0] == "value contains /Users/" && !strings.Contains(def, "/Users/") &&
		!strings.Contains(def, "://") && relativePathRe.MatchString(def) {
		return "users-path"
	}
	if key == "flyway.url" || key == "spring.flyway.url" {
		off := envSource{Kind: "value", A: "false"}
		if env["FLYWAY_ENABLED"] == off && env["SPRING_FLYWAY_ENABLED"] == off {
			return "flyway-off"
		}
		_, setFlyway := env["SPRING_FLYWAY_ENABLED"]
		if key == "spring.flyway.url" && defaults["spring.flyway.enabled"] == "false" && !setFlyway {
			return "flyway-off"
		}
	}
	if u, err := url.Parse(strings.TrimSpace(def)); err == nil && u.Scheme == "http" && u.Host != "" &&
		(u.Path == "" || u.Path == "/") {
		host, port := u.Hostname(), u.Port()
		name, ns, _ := strings.Cut(host, ".")
		if s, ok := stack.cat().Service(name); ok && slices.ContainsFunc(stack.cat().Services(),
			func(e catalogue.Service) bool { return e.Name == name }) {
			mod, _ := stack.cat().ModuleOf(name)
			nsOK := ns == ""
			for _, m := range stack.cat().Modules() {
				if m.Name == mod && ns == m.Namespace {
					nsOK = true
				}
			}
			if nsOK && port == strconv.Itoa(s.Port) {
				return "own-service"
			}
		}
	}
	return ""
}

func TestSurfaceRiskyPropertiesAreSetOrRecorded(t *testing.T) {
	var props imageProperties
	readTestdataYAML(t, "digit-image-properties.yaml", &props)
	if len(props.Services) == 0 {
		t.Fatal("testdata/digit-image-properties.yaml: no services (format changed?)")
	}
	prod := renderStack(t, "prod")
	var local *renderedStack
	names := make([]string, 0, len(props.Services))
	for n := range props.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	var total, set, classed, recorded, failed int
	classCount := map[string]int{}
	for _, name := range names {
		p := props.Services[name]
		svc, ok := prod.cat().Service(name)
		if !ok || len(p.Risky) == 0 {
			continue
		}
		// The prod stack's rendered env; a service prod leaves disabled is read from the local stack, which
		// deploys the whole catalogue (its overrides change values, never which variables are set).
		stack := prod
		dep, ok := prod.deployments[name]
		if !ok {
			if local == nil {
				local = renderStack(t, "local")
			}
			stack = local
			if dep, ok = local.deployments[name]; !ok {
				t.Errorf("service %s: rendered in neither prod nor local", name)
				continue
			}
		}
		env := lastByName(containerEnvOf(dep.Get("spec.template.spec.containers[0].env")))
		upper := map[string]bool{}
		for n := range env {
			upper[strings.ToUpper(n)] = true
		}
		devs := map[string]bool{}
		for _, d := range svc.Deviations {
			if d.Property != "" {
				devs[d.Property] = true
			}
		}
		defaults := propertyDefaults(p.Properties)
		var nSet, nClass, nDev int
		for _, key := range p.Risky {
			total++
			isSet := slices.ContainsFunc(envNamesFor(key), func(n string) bool { return upper[n] })
			class := ""
			if !isSet {
				class = harmlessClass(key, defaults[key], p.RiskyReasons[key], defaults, env, stack)
			}
			switch {
			case isSet:
				nSet++
				if devs[key] {
					t.Errorf("service %s: property %s is set by env (%s) and also has a deviation (stale)", name, key,
						envNamesFor(key)[0])
				}
			case devs[key]:
				nDev++
			case class != "":
				nClass++
				classCount[class]++
			default:
				failed++
				t.Errorf("service %s: risky property %s (default %q: %s) is neither set by the env nor recorded as "+
					"a deviation (set %s, or record {property: %s, reason: ...})", name, key, defaults[key],
					p.RiskyReasons[key], envNamesFor(key)[0], key)
			}
		}
		set += nSet
		classed += nClass
		recorded += nDev
		report(t, "surface %-36s (%s): risky %3d, set by env %3d, harmless class %3d, deviations %3d, open %d",
			name, stack.name, len(p.Risky), nSet, nClass, nDev, len(p.Risky)-nSet-nClass-nDev)
	}
	for _, c := range []string{"relative-path", "users-path", "flyway-off", "own-service"} {
		report(t, "surface class %-13s %3d: %s", c, classCount[c], harmlessClasses[c])
	}
	report(t, "surface total: %d risky properties, %d set by env, %d in a harmless class, %d deviations, %d open",
		total, set, classed, recorded, failed)
	if total == 0 {
		t.Error("no risky property compared")
	}
}
