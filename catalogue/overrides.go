package catalogue

import (
	"fmt"
	"sort"
	"strings"

	"github.com/digit-iac/digit/internal/suggest"
)

// MaxOverridesBytes bounds the digit:catalogue value (its JSON).
const MaxOverridesBytes = 1 << 20

// OverridesRoot is the config key overrides come from; error paths start with it.
const OverridesRoot = "digit:catalogue"

// Overrides is a stack's change to the default catalogue: the value of the digit:catalogue config key. Pulumi
// hands the key's value over as JSON; in Pulumi.<stack>.yaml it reads:
//
//	config:
//	  digit:catalogue:
//	    # switch modules on or off (names: backbone, gateway, core, business, frontend, m_pgr, m_property-tax,
//	    # m_trade-license, m_finance, m_water-service, m_sewerage, m_dss, m_fire-noc, logging, monitoring, tracing)
//	    modules:
//	      m_pgr: {enabled: true}
//	      tracing: {enabled: false}
//	    # change catalogue services; every field is optional and only the given ones change
//	    services:
//	      egov-user:
//	        image: egovio/egov-user        # repository without registry or tag
//	        tag: v1.2.9-abc
//	        replicas: 3                    # 0 parks the service
//	        memoryLimit: 1Gi               # also the memory request; 64Mi..64Gi
//	        heap: "-Xmx512m -Xms512m"      # -Xmx must fit in memoryLimit
//	        cpuRequest: 200m               # at most 16
//	        env:                           # the service's own env, changed by name
//	        - {name: FOO, value: bar}      # replaces FOO or appends it
//	        - {name: JAVA_ARGS, remove: true}
//	        - {name: SMS_SENDER_PASSWORD, secret: {name: egov-notification-sms, key: password}}
//	        autoscaling: {min: 3, max: 6, targetCpu: 70}
//	    # add services: each entry is a catalogue service entry (as in default.yaml) plus the module it joins
//	    add:
//	    - name: my-svc
//	      module: core
//	      image: egovio/my-svc
//	      tag: v1
//	      port: 8080
//	      contextPath: my-svc
//	      healthPath: /my-svc/health
//	      viaZuul: true
//	      migration: {image: egovio/my-svc-db, schemaTable: my_svc_schema}
//	      env:
//	      - {name: EGOV_MDMS_HOST, serviceHost: egov-mdms-service}
//	    # pin config repositories
//	    configRepos:
//	      configs: {branch: UNIFIED-DEV, commit: ""}   # follow the branch instead of the pinned commit
//
// Added services default to kind java, 1 replica, 512Mi and 100m (128Mi and 50m for kind frontend).
type Overrides struct {
	Modules  map[string]ModuleOverride  `json:"modules,omitempty"`
	Services map[string]ServiceOverride `json:"services,omitempty"`
	Add      []AddedService             `json:"add,omitempty"`
	// ConfigRepos changes the catalogue's config repositories (pin another commit, follow a branch, use a fork).
	ConfigRepos map[string]ConfigRepoOverride `json:"configRepos,omitempty"`
}

// ConfigRepoOverride changes fields of one config repository; nil fields keep the catalogue's value.
type ConfigRepoOverride struct {
	URL    *string `json:"url,omitempty"`
	Branch *string `json:"branch,omitempty"`
	// Commit "" follows the branch's tip.
	Commit      *string `json:"commit,omitempty"`
	Credentials *string `json:"credentials,omitempty"`
}

// ModuleOverride changes one module.
type ModuleOverride struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// ServiceOverride changes fields of one catalogue service; nil fields keep the catalogue's value.
type ServiceOverride struct {
	Image       *string `json:"image,omitempty"`
	Tag         *string `json:"tag,omitempty"`
	Replicas    *int    `json:"replicas,omitempty"`
	MemoryLimit *string `json:"memoryLimit,omitempty"`
	Heap        *string `json:"heap,omitempty"`
	CPURequest  *string `json:"cpuRequest,omitempty"`
	// Env changes the service's own env: an entry replaces the one of the same name (or is appended);
	// {name: X, remove: true} deletes it.
	Env []EnvVar `json:"env,omitempty"`
	// Autoscaling fields left at zero keep the service's value (or the default).
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
}

// AddedService is a new catalogue entry and the module it joins.
type AddedService struct {
	Module string `json:"module"`
	Service
}

// ParseOverrides decodes the JSON of the digit:catalogue config key strictly: an unknown key or a value of the
// wrong type is an error naming its path (digit:catalogue.services.egov-user.tagg: unknown field). Empty input
// means no overrides. Whether the named modules and services exist is checked by Resolve.
func ParseOverrides(jsonBytes []byte) (Overrides, error) {
	if n := len(jsonBytes); n > MaxOverridesBytes {
		return Overrides{}, fmt.Errorf("%s: %d bytes (allowed: at most %d): a Kubernetes object is at most 1.5 MiB, so "+
			"an override this large could make a Deployment or ConfigMap the API server refuses after others were "+
			"applied", OverridesRoot, n, MaxOverridesBytes)
	}
	var o Overrides
	if err := decodeJSON(jsonBytes, OverridesRoot, &o); err != nil {
		return Overrides{}, err
	}
	return o, nil
}

// apply changes c (a private copy) by o, reporting overrides that name nothing.
func (o Overrides) apply(c *Catalogue, errs *errorList) {
	modIdx := map[string]int{}
	for i, m := range c.Modules {
		modIdx[m.Name] = i
	}
	moduleNames := make([]string, 0, len(c.Modules))
	for _, m := range c.Modules {
		moduleNames = append(moduleNames, m.Name)
	}

	for _, name := range sortedKeys(o.Modules) {
		i, ok := modIdx[name]
		if !ok {
			errs.add("%s.modules.%s: unknown module%s (allowed: %s)", OverridesRoot, name, didYouMean(name, moduleNames),
				strings.Join(moduleNames, ", "))
			continue
		}
		if e := o.Modules[name].Enabled; e != nil {
			c.Modules[i].Enabled = *e
		}
	}

	type loc struct{ mod, svc int }
	svcIdx := map[string]loc{}
	var serviceNames []string
	for i, m := range c.Modules {
		for j, s := range m.Services {
			svcIdx[s.Name] = loc{i, j}
			serviceNames = append(serviceNames, s.Name)
		}
	}
	sort.Strings(serviceNames)

	for _, name := range sortedKeys(o.Services) {
		at, ok := svcIdx[name]
		if !ok {
			errs.add("%s.services.%s: unknown service%s (allowed: a service of the catalogue: %s)", OverridesRoot, name,
				didYouMean(name, serviceNames), strings.Join(serviceNames, ", "))
			continue
		}
		o.Services[name].applyTo(&c.Modules[at.mod].Services[at.svc], errs)
	}

	for _, name := range sortedKeys(o.ConfigRepos) {
		repo, ok := c.ConfigRepos[name]
		if !ok {
			errs.add("%s.configRepos.%s: unknown config repository%s (allowed: %s)", OverridesRoot, name,
				didYouMean(name, sortedKeys(c.ConfigRepos)), strings.Join(sortedKeys(c.ConfigRepos), ", "))
			continue
		}
		ro := o.ConfigRepos[name]
		for _, f := range []struct {
			from *string
			to   *string
		}{{ro.URL, &repo.URL}, {ro.Branch, &repo.Branch}, {ro.Commit, &repo.Commit}, {ro.Credentials, &repo.Credentials}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
		c.ConfigRepos[name] = repo
	}

	for i, a := range o.Add {
		path := fmt.Sprintf("%s.add[%d]", OverridesRoot, i)
		if a.Name != "" {
			path += " (" + a.Name + ")"
		}
		mi, ok := modIdx[a.Module]
		if !ok {
			if a.Module == "" {
				errs.add("%s.module: required: the module the service joins (allowed: %s)", path,
					strings.Join(moduleNames, ", "))
			} else {
				errs.add("%s.module: unknown module %q%s (allowed: %s)", path, a.Module,
					didYouMean(a.Module, moduleNames), strings.Join(moduleNames, ", "))
			}
			continue
		}
		// Duplicate names (with the catalogue or between added entries) are reported by validation, which sees
		// every module.
		c.Modules[mi].Services = append(c.Modules[mi].Services, a.Service.clone())
	}
}

// applyTo changes the given fields of s.
func (o ServiceOverride) applyTo(s *Service, errs *errorList) {
	if o.Image != nil {
		s.Image = *o.Image
	}
	if o.Tag != nil {
		s.Tag = *o.Tag
	}
	if o.Replicas != nil {
		s.Replicas = *o.Replicas
	}
	if o.MemoryLimit != nil {
		s.MemoryLimit = *o.MemoryLimit
	}
	if o.Heap != nil {
		s.Heap = *o.Heap
	}
	if o.CPURequest != nil {
		s.CPURequest = *o.CPURequest
	}
	s.Env = applyEnv(fmt.Sprintf("%s.services.%s.env", OverridesRoot, s.Name), s.Env, o.Env, errs)
	if a := o.Autoscaling; a != nil {
		merged := Autoscaling{}
		if s.Autoscaling != nil {
			merged = *s.Autoscaling
		}
		if a.Min != 0 {
			merged.Min = a.Min
		}
		if a.Max != 0 {
			merged.Max = a.Max
		}
		if a.TargetCPU != 0 {
			merged.TargetCPU = a.TargetCPU
		}
		s.Autoscaling = &merged
	}
}

// didYouMean is suggest.DidYouMean, named short for the many error messages here.
var didYouMean = suggest.DidYouMean
