package tests

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// --- c2: what DIGIT's images read, as the apiserver holds it -------------------------------------------------

// digitWiring reads back what the simulated nodes cannot judge: zuul's routes lead to Services that exist and
// have endpoints; every ConfigMap and Secret key a DIGIT container references exists (on a real node a missing
// key keeps the container from starting); and egov-user, egov-persister and egov-mdms-service carry the
// variables their images read.
func (s *suite) digitWiring(t *testing.T) {
	ctx := s.ctx
	gw, ok := s.cat.GatewayService()
	if !ok {
		t.Fatal("the local catalogue has no gateway service")
	}
	ns := s.namespaceOf(gw.Name)
	cm, err := s.kube.CoreV1().ConfigMaps(ns).Get(ctx, gw.Name+"-zuul-routes", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("expected zuul's routes ConfigMap %s/%s-zuul-routes: %v", ns, gw.Name, err)
	}
	routes := cm.Data["routes.properties"]
	urlRE := regexp.MustCompile(`(?m)^zuul\.routes\.([a-z0-9-]+)\.url=http://([a-z0-9-]+)\.([a-z0-9-]+):([0-9]+)/$`)
	found := urlRE.FindAllStringSubmatch(routes, -1)
	routed := map[string]bool{}
	for _, m := range found {
		id, svcName, svcNS, port := m[1], m[2], m[3], m[4]
		routed[id] = true
		svc, err := s.kube.CoreV1().Services(svcNS).Get(ctx, svcName, metav1.GetOptions{})
		if err != nil {
			t.Errorf("zuul route %s names Service %s.%s, which does not exist: %v", id, svcName, svcNS, err)
			continue
		}
		if !servesPort(svc, port) {
			t.Errorf("zuul route %s sends to port %s of %s.%s, which the Service does not expose", id, port, svcName, svcNS)
		}
		if err := s.awaitReadyEndpoints(svcNS, svcName); err != nil {
			t.Errorf("zuul route %s: Service %s.%s has no ready endpoints (%v)", id, svcName, svcNS, err)
		}
		if !strings.Contains(routes, fmt.Sprintf("zuul.routes.%s.path=/", id)) {
			t.Errorf("zuul route %s has a url but no path", id)
		}
	}
	want := 0
	for _, svc := range s.cat.Services() {
		if svc.ViaZuul && svc.ContextPath != "" {
			want++
			if !routed[svc.Name] {
				t.Errorf("service %s routes through zuul (/%s) but zuul's routes have no entry for it", svc.Name, svc.ContextPath)
			}
		}
	}
	if len(found) != want || want < 30 {
		t.Errorf("zuul has %d routes; the local catalogue routes %d services through it (expected at least 30)", len(found), want)
	}
	zuul := s.deployment(t, ns, gw.Name)
	if v := envOf(zuul, "ZUUL_ROUTES_FILEPATH"); v.Value != "file:/etc/zuul/routes.properties" {
		t.Errorf("zuul ZUUL_ROUTES_FILEPATH = %q, want file:/etc/zuul/routes.properties", v.Value)
	}
	if !mounts(zuul, "/etc/zuul/routes.properties") {
		t.Error("zuul does not mount its routes at /etc/zuul/routes.properties")
	}

	// Every reference resolves, in every namespace with DIGIT services.
	keys := map[string]map[string]bool{}
	for _, m := range s.cat.Modules() {
		if len(m.Services) == 0 {
			continue
		}
		deps, err := s.kube.AppsV1().Deployments(m.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range m.Services {
			d := findDeployment(deps.Items, svc.Name)
			if d == nil {
				t.Errorf("service %s has no Deployment in %s", svc.Name, m.Namespace)
				continue
			}
			s.checkReferences(t, d, keys)
		}
	}

	user := s.deployment(t, s.namespaceOf("egov-user"), "egov-user")
	for name, want := range map[string]string{
		"SPRING_REDIS_HOST":                  "value:redis://:$(REDIS_PASSWORD)@" + s.cat.Backbone().Redis.Name + "." + s.cat.Backbone().Redis.Namespace + ":6379",
		"REDIS_PASSWORD":                     "secret:redis/password",
		"SPRING_FLYWAY_ENABLED":              "value:false",
		"FLYWAY_ENABLED":                     "value:false",
		"MANAGEMENT_ENDPOINTS_WEB_BASE_PATH": "value:/",
		"IS_ENVIRONMENT_CENTRAL_INSTANCE":    "value:false",
		"SPRING_KAFKA_BOOTSTRAP_SERVERS":     "configmap:egov-config/kafka-brokers",
		"EGOV_MDMS_HOST":                     "configmap:egov-service-host/egov-mdms-service",
		"EGOV_SERVICES_ACCESSCONTROL_HOST":   "configmap:egov-service-host/egov-accesscontrol",
		"SPRING_DATASOURCE_PASSWORD":         "secret:db/password",
	} {
		if got := envOf(user, name).String(); got != want {
			t.Errorf("egov-user %s = %s, want %s", name, got, want)
		}
	}

	// Redis requires the password its clients hold: its own copy of the redis Secret, in its namespace, has the
	// value of the services' copy (compared, never printed).
	rb := s.cat.Backbone().Redis
	redis := s.deployment(t, rb.Namespace, rb.Name)
	if got := envOf(redis, "REDIS_PASSWORD").String(); got != "secret:redis/password" ||
		!slices.Contains(redis.Spec.Template.Spec.Containers[0].Args, "--requirepass") {
		t.Errorf("Redis REDIS_PASSWORD = %s, args %v: want --requirepass from secret redis/password", got,
			redis.Spec.Template.Spec.Containers[0].Args)
	}
	own, err := s.kube.CoreV1().Secrets(rb.Namespace).Get(ctx, "redis", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Redis's password Secret: %v", err)
	}
	clients, err := s.kube.CoreV1().Secrets(s.namespaceOf("egov-user")).Get(ctx, "redis", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the services' redis Secret: %v", err)
	}
	if p := own.Data["password"]; len(p) < 16 || string(p) != string(clients.Data["password"]) {
		t.Errorf("Redis's password (%d bytes) is not the one its clients hold (%d bytes)", len(p), len(clients.Data["password"]))
	}

	persister := s.deployment(t, s.namespaceOf("egov-persister"), "egov-persister")
	paths := envOf(persister, "EGOV_PERSIST_YML_REPO_PATH").Value
	if n := strings.Count(paths, "file:///work-dir/configs/"); n < 20 || n != strings.Count(paths, ",")+1 {
		t.Errorf("egov-persister EGOV_PERSIST_YML_REPO_PATH lists %d files under the configs checkout: %.200q", n, paths)
	}
	if !mounts(persister, "/work-dir") {
		t.Error("egov-persister does not mount the git-sync checkout at /work-dir")
	}
	gs := initContainer(persister, "git-sync")
	if gs == nil {
		t.Fatal("egov-persister has no git-sync init container")
	}
	repo, _ := s.cat.ConfigRepo("configs")
	if got := envOfContainer(*gs, "GIT_SYNC_REPO").Value; got != repo.URL {
		t.Errorf("egov-persister git-sync GIT_SYNC_REPO = %q, want %q", got, repo.URL)
	}
	if got := envOfContainer(*gs, "GIT_SYNC_REV").Value; got != repo.Commit || len(got) != 40 {
		t.Errorf("egov-persister git-sync GIT_SYNC_REV = %q, want the pinned commit %q", got, repo.Commit)
	}

	mdms := s.deployment(t, s.namespaceOf("egov-mdms-service"), "egov-mdms-service")
	for name, want := range map[string]string{
		"EGOV_MDMS_CONF_PATH": "value:/work-dir/egov-mdms-data/data",
		"MASTERS_CONFIG_URL":  "value:file:///work-dir/egov-mdms-data/master-config.json",
	} {
		if got := envOf(mdms, name).String(); got != want {
			t.Errorf("egov-mdms-service %s = %s, want %s", name, got, want)
		}
	}
}

// checkReferences fails for every configMapKeyRef or secretKeyRef of a Deployment's containers whose object or key
// does not exist. keys caches what each ConfigMap and Secret holds (nil: it does not exist).
func (s *suite) checkReferences(t *testing.T, d *appsv1.Deployment, keys map[string]map[string]bool) {
	ns := d.Namespace
	lookup := func(kind, name string) map[string]bool {
		id := kind + "/" + ns + "/" + name
		if k, ok := keys[id]; ok {
			return k
		}
		var found map[string]bool
		switch kind {
		case "ConfigMap":
			if cm, err := s.kube.CoreV1().ConfigMaps(ns).Get(s.ctx, name, metav1.GetOptions{}); err == nil {
				found = map[string]bool{}
				for k := range cm.Data {
					found[k] = true
				}
			}
		case "Secret":
			if sec, err := s.kube.CoreV1().Secrets(ns).Get(s.ctx, name, metav1.GetOptions{}); err == nil {
				found = map[string]bool{}
				for k := range sec.Data {
					found[k] = true
				}
			}
		}
		keys[id] = found
		return found
	}
	containers := append(append([]corev1.Container{}, d.Spec.Template.Spec.InitContainers...), d.Spec.Template.Spec.Containers...)
	for _, c := range containers {
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			where := fmt.Sprintf("%s/%s container %s env %s", ns, d.Name, c.Name, e.Name)
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				if k := lookup("ConfigMap", r.Name); k == nil {
					t.Errorf("%s references ConfigMap %s, which does not exist", where, r.Name)
				} else if !k[r.Key] {
					t.Errorf("%s references key %s of ConfigMap %s, which it does not have", where, r.Key, r.Name)
				}
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				if k := lookup("Secret", r.Name); k == nil {
					t.Errorf("%s references Secret %s, which does not exist", where, r.Name)
				} else if !k[r.Key] {
					t.Errorf("%s references key %s of Secret %s, which it does not have", where, r.Key, r.Name)
				}
			}
		}
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil && lookup("ConfigMap", v.ConfigMap.Name) == nil {
			t.Errorf("%s/%s volume %s mounts ConfigMap %s, which does not exist", ns, d.Name, v.Name, v.ConfigMap.Name)
		}
	}
}

func (s *suite) deployment(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	d, err := s.kube.AppsV1().Deployments(ns).Get(s.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("expected Deployment %s/%s: %v", ns, name, err)
	}
	return d
}

func findDeployment(items []appsv1.Deployment, name string) *appsv1.Deployment {
	for i := range items {
		if items[i].Name == name {
			return &items[i]
		}
	}
	return nil
}

// envValue is a container variable as the apiserver holds it.
type envValue struct {
	Value  string
	Source string // "value", "configmap:<name>/<key>", "secret:<name>/<key>", "field:<path>", "" when absent
}

func (v envValue) String() string {
	if v.Source == "value" {
		return "value:" + v.Value
	}
	return v.Source
}

func envOf(d *appsv1.Deployment, name string) envValue {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == d.Name {
			return envOfContainer(c, name)
		}
	}
	return envValue{}
}

func envOfContainer(c corev1.Container, name string) envValue {
	for _, e := range c.Env {
		if e.Name != name {
			continue
		}
		switch f := e.ValueFrom; {
		case f == nil:
			return envValue{Value: e.Value, Source: "value"}
		case f.ConfigMapKeyRef != nil:
			return envValue{Source: "configmap:" + f.ConfigMapKeyRef.Name + "/" + f.ConfigMapKeyRef.Key}
		case f.SecretKeyRef != nil:
			return envValue{Source: "secret:" + f.SecretKeyRef.Name + "/" + f.SecretKeyRef.Key}
		case f.FieldRef != nil:
			return envValue{Source: "field:" + f.FieldRef.FieldPath}
		}
	}
	return envValue{}
}

func initContainer(d *appsv1.Deployment, name string) *corev1.Container {
	for i, c := range d.Spec.Template.Spec.InitContainers {
		if c.Name == name {
			return &d.Spec.Template.Spec.InitContainers[i]
		}
	}
	return nil
}

func mounts(d *appsv1.Deployment, path string) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != d.Name {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.MountPath == path {
				return true
			}
		}
	}
	return false
}

func servesPort(svc *corev1.Service, port string) bool {
	p, _ := strconv.Atoi(port)
	for _, sp := range svc.Spec.Ports {
		if int(sp.Port) == p {
			return true
		}
	}
	return false
}

// awaitReadyEndpoints waits up to 30 s for a Service to have a ready address: the endpoints controller records a
// Pod's readiness after the rollout the engine waited for, and on a loaded machine that can lag a read made at once.
func (s *suite) awaitReadyEndpoints(ns, name string) error {
	var last error
	err := wait.PollUntilContextTimeout(s.ctx, 500*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		ep, err := s.kube.CoreV1().Endpoints(ns).Get(ctx, name, metav1.GetOptions{})
		last = err
		return err == nil && readyAddresses(ep) > 0, nil
	})
	if err != nil && last != nil {
		return last
	}
	return err
}

func readyAddresses(ep *corev1.Endpoints) int {
	n := 0
	for _, ss := range ep.Subsets {
		n += len(ss.Addresses)
	}
	return n
}
