package stacks

// The fidelity test: every enabled service of the dev, prod and local stacks gets, in its rendered Deployment, what
// upstream's charts and the egov-demo environment give it (testdata/digit-upstream-env.yaml): each env entry with
// the same source and value, each init container (and the env of db-migration and git-sync), each volume; or the
// catalogue records a deviation that says why not.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/digit-iac/digit/catalogue"
)

// upstreamFacts is the part of testdata/digit-upstream-env.yaml this test reads.
type upstreamFacts struct {
	Common struct {
		JavaSpring  struct{ Env []upstreamEnv } `json:"javaSpring"`
		Jaeger      struct{ Env []upstreamEnv } `json:"jaeger"`
		DBMigration struct {
			ContainerName string        `json:"containerName"`
			Env           []upstreamEnv `json:"env"`
		} `json:"dbMigration"`
		GitSync struct {
			ContainerName string        `json:"containerName"`
			Env           []upstreamEnv `json:"env"`
			PodVolumes    []struct {
				Name string `json:"name"`
			} `json:"podVolumes"`
		} `json:"gitSync"`
	} `json:"common"`
	Services map[string]upstreamService `json:"services"`
}

type upstreamService struct {
	Env               []upstreamEnv `json:"env"`
	CommonJavaEnv     bool          `json:"commonJavaEnv"`
	CommonEnvResolved []upstreamEnv `json:"commonEnvResolved"`
	JaegerEnv         struct {
		Enabled bool `json:"enabled"`
	} `json:"jaegerEnv"`
	DBMigration *struct {
		SchemaTable string `json:"schemaTable"`
	} `json:"dbMigration"`
	GitSync *struct {
		Repo   struct{ Value string } `json:"repo"`
		Branch struct{ Value string } `json:"branch"`
	} `json:"gitSync"`
	InitContainerOrder []string `json:"initContainerOrder"`
	ExtraVolumes       []struct {
		Name string `json:"name"`
	} `json:"extraVolumes"`
}

type upstreamEnv struct {
	Name        string  `json:"name"`
	Value       *string `json:"value"`
	ConfigMap   string  `json:"configMap"`
	Key         string  `json:"key"`
	ServiceHost string  `json:"serviceHost"`
	Secret      string  `json:"secret"`
	FieldRef    string  `json:"fieldRef"`
}

func (e upstreamEnv) source() envSource {
	switch {
	case e.Value != nil:
		return envSource{Kind: "value", A: *e.Value}
	case e.ConfigMap != "":
		return envSource{"configMap", e.ConfigMap, e.Key}
	case e.ServiceHost != "":
		return envSource{"configMap", "egov-service-host", e.ServiceHost}
	case e.Secret != "":
		return envSource{"secret", e.Secret, e.Key}
	case e.FieldRef != "":
		return envSource{Kind: "fieldRef", A: e.FieldRef}
	}
	return envSource{Kind: "value", A: ""} // upstream renders an entry without a source as an empty value
}

// Where an upstream entry of the effective env comes from: the template whose deviations may cover it.
const (
	originService    = ""
	originJavaSpring = catalogue.AppTypeJavaSpring
	originTracing    = "tracing"
)

// upstreamEntry is one entry of a service's effective upstream env.
type upstreamEntry struct {
	Name   string
	Src    envSource
	Origin string
}

// effectiveEnv is what upstream's container gets: the chart env, then the common java-spring env (with the
// service's resolved entries in place of the common ones), then the jaeger env; the last occurrence of a name wins.
func (f *upstreamFacts) effectiveEnv(name string, u upstreamService) []upstreamEntry {
	var all []upstreamEntry
	for _, e := range u.Env {
		all = append(all, upstreamEntry{e.Name, e.source(), originService})
	}
	if u.CommonJavaEnv {
		for _, e := range f.Common.JavaSpring.Env {
			if i := slices.IndexFunc(u.CommonEnvResolved, func(r upstreamEnv) bool { return r.Name == e.Name }); i >= 0 {
				e = u.CommonEnvResolved[i]
			}
			all = append(all, upstreamEntry{e.Name, e.source(), originJavaSpring})
		}
	}
	if u.JaegerEnv.Enabled {
		for _, e := range f.Common.Jaeger.Env {
			src := e.source()
			if src.Kind == "value" {
				src.A = strings.ReplaceAll(src.A, "<name>", name)
			}
			all = append(all, upstreamEntry{e.Name, src, originTracing})
		}
	}
	last := map[string]int{}
	for i, e := range all {
		last[e.Name] = i
	}
	var out []upstreamEntry
	for i, e := range all {
		if last[e.Name] == i {
			out = append(out, e)
		}
	}
	return out
}

// initEnv is upstream's env of an init container of the service (db-migration, git-sync), nil for others.
func (f *upstreamFacts) initEnv(container string, u upstreamService) []namedSource {
	var list []upstreamEnv
	switch container {
	case f.Common.DBMigration.ContainerName:
		list = f.Common.DBMigration.Env
	case f.Common.GitSync.ContainerName:
		list = f.Common.GitSync.Env
	default:
		return nil
	}
	var out []namedSource
	for _, e := range list {
		src := e.source()
		switch {
		case e.Name == "SCHEMA_TABLE" && u.DBMigration != nil:
			src.A = u.DBMigration.SchemaTable
		case e.Name == "GIT_SYNC_REPO" && u.GitSync != nil:
			src.A = u.GitSync.Repo.Value
		case e.Name == "GIT_SYNC_BRANCH" && u.GitSync != nil:
			src.A = u.GitSync.Branch.Value
		}
		out = append(out, namedSource{e.Name, src})
	}
	return out
}

// volumes are upstream's pod volumes of the service.
func (f *upstreamFacts) volumes(u upstreamService) []string {
	var out []string
	if u.GitSync != nil {
		for _, v := range f.Common.GitSync.PodVolumes {
			out = append(out, v.Name)
		}
	}
	for _, v := range u.ExtraVolumes {
		out = append(out, v.Name)
	}
	return out
}

func loadUpstreamFacts(t *testing.T) *upstreamFacts {
	t.Helper()
	var f upstreamFacts
	readTestdataYAML(t, "digit-upstream-env.yaml", &f)
	if len(f.Services) == 0 || len(f.Common.JavaSpring.Env) == 0 || len(f.Common.Jaeger.Env) == 0 ||
		f.Common.DBMigration.ContainerName == "" || f.Common.GitSync.ContainerName == "" {
		t.Fatal("testdata/digit-upstream-env.yaml: services or common blocks missing (format changed?)")
	}
	return &f
}

// fidelityCount is a stack's tally.
type fidelityCount struct {
	services, noFacts                       int
	env, envSame, envDevService, envDevTmpl int
	init, initSame, initDev                 int
	vol, volSame, volDev                    int
	stale                                   int
}

func deviates(devs []catalogue.Deviation, match func(catalogue.Deviation) bool) bool {
	return slices.ContainsFunc(devs, match)
}

func TestFidelityToUpstream(t *testing.T) {
	facts := loadUpstreamFacts(t)
	for _, stack := range []string{"dev", "prod", "local"} {
		t.Run(stack, func(t *testing.T) {
			rs := renderStack(t, stack)
			cat := rs.cat()
			tmplDevs := map[string][]catalogue.Deviation{}
			for _, name := range []string{originJavaSpring, originTracing} {
				if tmpl, ok := cat.EnvTemplate(name); ok {
					tmplDevs[name] = tmpl.Deviations
				}
			}
			catDevs := cat.Deviations()
			var c fidelityCount
			var noFacts []string
			for _, s := range cat.Services() {
				u, ok := facts.Services[s.Name]
				if !ok {
					noFacts = append(noFacts, s.Name)
					continue
				}
				c.services++
				dep, ok := rs.deployments[s.Name]
				if !ok {
					t.Errorf("stack %s, service %s: no Deployment rendered", stack, s.Name)
					continue
				}
				svcDevs := s.Deviations
				envDev := func(name string) bool {
					return deviates(svcDevs, func(d catalogue.Deviation) bool { return d.Env == name })
				}

				// The app container's env.
				rendered := lastByName(containerEnvOf(dep.Get("spec.template.spec.containers[0].env")))
				upstream := facts.effectiveEnv(s.Name, u)
				exact := map[string]bool{}
				for _, e := range upstream {
					c.env++
					got, has := rendered[e.Name]
					if has && got == e.Src {
						c.envSame++
						exact[e.Name] = true
						continue
					}
					switch {
					case envDev(e.Name):
						c.envDevService++
					case e.Origin != originService && deviates(tmplDevs[e.Origin],
						func(d catalogue.Deviation) bool { return d.Env == e.Name }):
						c.envDevTmpl++
					default:
						if !has {
							got = envSource{}
						}
						t.Errorf("stack %s, service %s: env %s: upstream %s, rendered %s (no deviation records it)",
							stack, s.Name, e.Name, e.Src, got)
					}
				}
				upNames := map[string]bool{}
				for _, e := range upstream {
					upNames[e.Name] = true
				}

				// Init containers, by name; db-migration and git-sync also by env.
				inits := map[string][]namedSource{}
				initList, _ := dep.Get("spec.template.spec.initContainers").([]any)
				for _, ic := range initList {
					m, _ := ic.(map[string]any)
					n, _ := m["name"].(string)
					inits[n] = containerEnvOf(m["env"])
				}
				initDev := func(name string) bool {
					match := func(d catalogue.Deviation) bool { return d.InitContainer == name }
					return deviates(svcDevs, match) || deviates(catDevs, match)
				}
				for _, name := range u.InitContainerOrder {
					c.init++
					env, has := inits[name]
					var diffs []string
					if !has {
						diffs = append(diffs, "not rendered")
					} else {
						got := lastByName(env)
						for _, e := range facts.initEnv(name, u) {
							if g, ok := got[e.Name]; !ok || g != e.Src {
								if !ok {
									g = envSource{}
								}
								diffs = append(diffs, fmt.Sprintf("env %s: upstream %s, rendered %s", e.Name, e.Src, g))
							}
						}
					}
					switch {
					case len(diffs) == 0:
						c.initSame++
					case initDev(name):
						c.initDev++
					default:
						t.Errorf("stack %s, service %s: init container %s: %s (no deviation records it)", stack, s.Name,
							name, strings.Join(diffs, "; "))
					}
				}

				// Volumes, by name.
				vols := namesAt(dep, "spec.template.spec.volumes")
				for _, name := range facts.volumes(u) {
					c.vol++
					match := func(d catalogue.Deviation) bool { return d.Volume == name }
					switch {
					case slices.Contains(vols, name):
						c.volSame++
					case deviates(svcDevs, match) || deviates(catDevs, match):
						c.volDev++
					default:
						t.Errorf("stack %s, service %s: volume %s: upstream has it, not rendered (no deviation records it)",
							stack, s.Name, name)
					}
				}

				// Stale deviations: prod is the stack a deviation is written for.
				if stack == "prod" {
					for _, d := range svcDevs {
						if d.Env == "" {
							continue
						}
						switch {
						case !upNames[d.Env]:
							c.stale++
							t.Errorf("stack %s, service %s: deviation for env %s names no upstream entry (stale?)",
								stack, s.Name, d.Env)
						case exact[d.Env]:
							c.stale++
							t.Errorf("stack %s, service %s: deviation for env %s is stale: the entry is reproduced "+
								"exactly (%s)", stack, s.Name, d.Env, rendered[d.Env])
						}
					}
				}
			}
			sort.Strings(noFacts)
			report(t, "fidelity %-5s: %d services (%d without upstream facts: %s); env: %d upstream entries, %d "+
				"reproduced, %d service deviations, %d template deviations; init containers: %d, %d reproduced, %d "+
				"deviations; volumes: %d, %d reproduced, %d deviations; stale deviations: %d",
				stack, c.services, len(noFacts), strings.Join(noFacts, " "), c.env, c.envSame, c.envDevService,
				c.envDevTmpl, c.init, c.initSame, c.initDev, c.vol, c.volSame, c.volDev, c.stale)
			if c.services == 0 || c.env == 0 {
				t.Errorf("stack %s: nothing compared", stack)
			}
		})
	}
}
