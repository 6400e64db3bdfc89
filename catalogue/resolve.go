package catalogue

import (
	"errors"
	"fmt"
	psaapi "k8s.io/pod-security-admission/api"
	"slices"
	"sort"
)

// Resolved is a validated catalogue with a stack's overrides applied: what the service layer deploys. It is
// read-only; every accessor returns copies.
type Resolved struct {
	cat      *Catalogue
	order    []string // enabled modules, dependencies first
	modules  map[string]Module
	moduleOf map[string]string
}

// Resolve applies o to a copy of base, fills defaults, validates the result and orders the enabled modules by
// dependency. All problems are reported together (errors.Join, sorted), each naming the module, service or field at
// fault and what is allowed there. base is not modified.
func Resolve(base *Catalogue, o Overrides) (*Resolved, error) {
	if base == nil {
		return nil, errors.New("catalogue: no base catalogue")
	}
	c := base.clone()
	var errs errorList
	o.apply(c, &errs)
	for i := range c.Modules {
		for j := range c.Modules[i].Services {
			fillDefaults(&c.Modules[i].Services[j], c.Modules[i].Name, &errs)
		}
	}
	validate(c, &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}

	r := &Resolved{cat: c, modules: map[string]Module{}, moduleOf: map[string]string{}}
	for _, m := range c.Modules {
		r.modules[m.Name] = m
		for _, s := range m.Services {
			r.moduleOf[s.Name] = m.Name
		}
	}
	r.order = topoOrder(c)
	return r, nil
}

// Defaults applied to omitted fields of a service, by kind.
const (
	defaultJavaMemory     = "512Mi"
	defaultFrontendMemory = "128Mi"
	defaultJavaCPU        = "100m"
	defaultFrontendCPU    = "50m"
	defaultTargetCPU      = 80
	// defaultMaxFactor is autoscaling's default max as a multiple of the replicas.
	defaultMaxFactor = 3
)

// fillDefaults sets omitted fields of s (added services, and autoscaling everywhere).
func fillDefaults(s *Service, module string, errs *errorList) {
	if s.Kind == "" {
		s.Kind = KindJava
	}
	if s.AppType == "" {
		s.AppType = AppTypeNone
		if s.Kind == KindJava {
			s.AppType = AppTypeJavaSpring
		}
	}
	if s.MemoryLimit == "" {
		s.MemoryLimit = defaultJavaMemory
		if s.Kind == KindFrontend {
			s.MemoryLimit = defaultFrontendMemory
		}
	}
	if s.CPURequest == "" {
		s.CPURequest = defaultJavaCPU
		if s.Kind == KindFrontend {
			s.CPURequest = defaultFrontendCPU
		}
	}
	if s.Replicas <= 0 {
		// A parked service must not get an autoscaler: it would scale the service back up to min.
		if s.Replicas == 0 && s.Autoscaling != nil {
			errs.add("service %s (module %s): autoscaling is set but replicas is 0 (a parked service gets no "+
				"autoscaler; set replicas >= 1 or drop autoscaling)", s.Name, module)
		}
		s.Autoscaling = nil
		return
	}
	a := Autoscaling{}
	if s.Autoscaling != nil {
		a = *s.Autoscaling
	}
	if a.Min == 0 {
		a.Min = s.Replicas
	}
	if a.Max == 0 {
		// Capped at the validation limit, so that a valid replica count never yields an invalid default.
		a.Max = min(defaultMaxFactor*max(s.Replicas, a.Min), maxAutoscaling)
	}
	if a.TargetCPU == 0 {
		a.TargetCPU = defaultTargetCPU
	}
	s.Autoscaling = &a
}

// topoOrder lists the enabled modules so that every module comes after its dependencies; among modules whose
// dependencies are all placed, declaration order decides (so the order is stable and reads like the catalogue).
// It requires a validated catalogue (no cycles, enabled modules depend only on enabled ones).
func topoOrder(c *Catalogue) []string {
	placed := map[string]bool{}
	var order []string
	var pending []Module
	for _, m := range c.Modules {
		if m.Enabled {
			pending = append(pending, m)
		}
	}
	for len(pending) > 0 {
		progressed := false
		for i, m := range pending {
			if !slices.ContainsFunc(m.Dependencies, func(d string) bool { return !placed[d] }) {
				placed[m.Name] = true
				order = append(order, m.Name)
				pending = append(pending[:i], pending[i+1:]...)
				progressed = true
				break
			}
		}
		if !progressed {
			panic(fmt.Sprintf("catalogue: topoOrder on an unvalidated catalogue (stuck at %s)", pending[0].Name))
		}
	}
	return order
}

// Modules returns the enabled modules, each after its dependencies.
func (r *Resolved) Modules() []Module {
	out := make([]Module, 0, len(r.order))
	for _, name := range r.order {
		out = append(out, cloneModule(r.modules[name]))
	}
	return out
}

// Services returns the services of the enabled modules, in module order (including parked ones with 0 replicas).
func (r *Resolved) Services() []Service {
	var out []Service
	for _, name := range r.order {
		for _, s := range r.modules[name].Services {
			out = append(out, s.clone())
		}
	}
	return out
}

// Service returns a service of any module (enabled or not) by name.
func (r *Resolved) Service(name string) (Service, bool) {
	mod, ok := r.moduleOf[name]
	if !ok {
		return Service{}, false
	}
	for _, s := range r.modules[mod].Services {
		if s.Name == name {
			return s.clone(), true
		}
	}
	return Service{}, false
}

// ModuleOf returns the module a service (of any module, enabled or not) belongs to.
func (r *Resolved) ModuleOf(service string) (string, bool) {
	m, ok := r.moduleOf[service]
	return m, ok
}

// Enabled reports whether a module is enabled (false for unknown modules).
func (r *Resolved) Enabled(module string) bool {
	return r.modules[module].Enabled
}

// DependenciesOf returns a module's direct dependencies as declared (nil for unknown modules).
func (r *Resolved) DependenciesOf(module string) []string {
	m, ok := r.modules[module]
	if !ok {
		return nil
	}
	return append([]string{}, m.Dependencies...)
}

// AllModules returns every module, enabled or not, in declaration order.
func (r *Resolved) AllModules() []Module {
	out := make([]Module, 0, len(r.cat.Modules))
	for _, m := range r.cat.Modules {
		out = append(out, cloneModule(m))
	}
	return out
}

// GatewayService returns the enabled service with role gateway (zuul by default).
func (r *Resolved) GatewayService() (Service, bool) {
	for _, s := range r.Services() {
		if s.Role == RoleGateway {
			return s, true
		}
	}
	return Service{}, false
}

// Backbone returns the backbone sizing (deploy it only when Enabled(ModuleBackbone)).
func (r *Resolved) Backbone() Backbone { return r.cat.Backbone }

// Gateway returns the gateway's third-party parts (deploy them only when Enabled(ModuleGateway)).
func (r *Resolved) Gateway() Gateway { return r.cat.Gateway }

// Logging returns the logging sizing (deploy it only when Enabled(ModuleLogging)).
func (r *Resolved) Logging() Logging { return r.cat.Logging }

// Monitoring returns the monitoring sizing (deploy it only when Enabled(ModuleMonitoring)).
func (r *Resolved) Monitoring() Monitoring { return r.cat.Monitoring }

// Tracing returns the tracing sizing (deploy it only when Enabled(ModuleTracing)).
func (r *Resolved) Tracing() Tracing { return r.cat.Tracing }

// InitImages returns the init container images.
func (r *Resolved) InitImages() InitImages { return r.cat.InitImages }

// Workloads returns the third-party workloads of the enabled modules, in module order. cert-manager's are among
// them whether or not a domain is set: the wiring decides by Gateway().CertManager.OnlyWithDomain.
func (r *Resolved) Workloads() []Workload {
	var out []Workload
	for _, name := range r.order {
		out = append(out, r.cat.workloads(name)...)
	}
	return out
}

// Images lists the image repositories (without registry) the enabled catalogue pulls, sorted: what a private
// registry must hold when the stack mirrors images.
func (r *Resolved) Images() []string {
	seen := map[string]bool{}
	for _, s := range r.Services() {
		seen[s.Image] = true
		if s.Migration != nil {
			seen[s.Migration.Image] = true
		}
		if s.GitSync != nil {
			seen[repositoryPath(r.cat.InitImages.GitSync.Image)] = true
		}
	}
	for _, w := range r.Workloads() {
		seen[repositoryPath(w.Image)] = true
	}
	out := make([]string, 0, len(seen))
	for img := range seen {
		out = append(out, img)
	}
	sort.Strings(out)
	return out
}

func cloneModule(m Module) Module {
	m.Dependencies = append([]string{}, m.Dependencies...)
	svcs := make([]Service, len(m.Services))
	for i, s := range m.Services {
		svcs[i] = s.clone()
	}
	m.Services = svcs
	return m
}

// PodSecurity is the Pod Security level a namespace enforces, with the reason when it is not restricted.
func (r *Resolved) PodSecurity(namespace string) (psaapi.Level, string) {
	if w, ok := r.cat.PodSecurity[namespace]; ok {
		return psaapi.Level(w.Level), w.Reason
	}
	return psaapi.LevelRestricted, ""
}
