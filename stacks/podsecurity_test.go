package stacks

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/digit-iac/digit/internal/mocktest"
)

// podTemplatePaths are where each workload kind keeps the pod it creates.
var podTemplatePaths = map[string]string{
	"kubernetes:apps/v1:Deployment":  "spec.template",
	"kubernetes:apps/v1:StatefulSet": "spec.template",
	"kubernetes:apps/v1:DaemonSet":   "spec.template",
	"kubernetes:batch/v1:Job":        "spec.template",
	"kubernetes:batch/v1:CronJob":    "spec.jobTemplate.spec.template",
}

// stackPod is one pod template a stack registers, as the API server's Pod Security admission would see it.
type stackPod struct {
	kind, name, namespace string
	meta                  metav1.ObjectMeta
	spec                  corev1.PodSpec
}

func stackPods(t *testing.T, rec *mocktest.Recorder) []stackPod {
	t.Helper()
	var out []stackPod
	for token, path := range podTemplatePaths {
		for _, r := range rec.ByType(token) {
			b, err := json.Marshal(r.Get(path))
			if err != nil {
				t.Fatal(err)
			}
			var tpl corev1.PodTemplateSpec
			if err := json.Unmarshal(b, &tpl); err != nil {
				t.Fatalf("%s %s: the pod template is not a Kubernetes pod template: %v", token, r.MetadataName(), err)
			}
			kind := token[strings.LastIndex(token, ":")+1:]
			out = append(out, stackPod{kind: kind, name: r.MetadataName(), namespace: r.Namespace(), meta: tpl.ObjectMeta,
				spec: tpl.Spec})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].namespace+"/"+out[i].name < out[j].namespace+"/"+out[j].name })
	return out
}

// namespaceLabels are the labels of every Namespace the stack creates, by name.
func namespaceLabels(rec *mocktest.Recorder) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, n := range rec.ByType("kubernetes:core/v1:Namespace") {
		out[n.MetadataName()] = n.StringMap("metadata.labels")
	}
	return out
}

var strictness = map[psaapi.Level]int{psaapi.LevelPrivileged: 0, psaapi.LevelBaseline: 1, psaapi.LevelRestricted: 2}

// strictestLevel is the most restrictive Pod Security level every given pod passes.
func strictestLevel(e policy.Evaluator, pods []stackPod) psaapi.Level {
	for _, level := range []psaapi.Level{psaapi.LevelRestricted, psaapi.LevelBaseline} {
		if !slices.ContainsFunc(pods, func(p stackPod) bool { return podFails(e, level, p) != "" }) {
			return level
		}
	}
	return psaapi.LevelPrivileged
}

// podFails says why the pod fails the level, "" when it passes.
func podFails(e policy.Evaluator, level psaapi.Level, p stackPod) string {
	res := policy.AggregateCheckResults(e.EvaluatePod(psaapi.LevelVersion{Level: level, Version: psaapi.LatestVersion()},
		&p.meta, &p.spec))
	if res.Allowed {
		return ""
	}
	return res.ForbiddenDetail()
}

// TestPodSecurityOfEveryNamespace enforces the Pod Security Standards with the API server's own evaluator: in every
// committed stack each namespace enforces a level (warning and auditing at restricted), every pod template passes
// the level its namespace enforces, and no namespace enforces a looser level than its pods need (a waiver that is
// no longer needed fails too). Control: Pod Security Standards (restricted, or the catalogue's recorded waiver).
func TestPodSecurityOfEveryNamespace(t *testing.T) {
	e, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		t.Fatal(err)
	}
	for _, stack := range []string{"dev", "prod", "local"} {
		r := renderStack(t, stack)
		labels := namespaceLabels(r.rec)
		waivers := podSecurityWaivers(r.cfg)
		byNS := map[string][]stackPod{}
		for _, p := range stackPods(t, r.rec) {
			byNS[p.namespace] = append(byNS[p.namespace], p)
		}
		for _, ns := range slices.Sorted(maps.Keys(labels)) {
			l := labels[ns]
			enforce := psaapi.Level(l[psaapi.EnforceLevelLabel])
			want, reason := psaapi.Level(cmp.Or(waivers[ns].Level, string(psaapi.LevelRestricted))), waivers[ns].Reason
			if enforce != want {
				t.Errorf("%s: namespace %s enforces %q, want %q (restricted unless waived)", stack, ns, enforce, want)
			}
			if l[psaapi.WarnLevelLabel] != string(psaapi.LevelRestricted) || l[psaapi.AuditLevelLabel] != string(psaapi.LevelRestricted) {
				t.Errorf("%s: namespace %s warns %q and audits %q, want restricted for both", stack, ns,
					l[psaapi.WarnLevelLabel], l[psaapi.AuditLevelLabel])
			}
			for _, p := range byNS[ns] {
				if why := podFails(e, enforce, p); why != "" {
					t.Errorf("%s: %s %s/%s would be refused by Pod Security %s: %s", stack, p.kind, ns, p.name, enforce, why)
				}
			}
			if need := strictestLevel(e, byNS[ns]); strictness[need] > strictness[enforce] {
				t.Errorf("%s: namespace %s enforces %s but its pods pass %s (the waiver %q is not needed)", stack, ns,
					enforce, need, reason)
			}
			status := "pass"
			if reason != "" {
				status = "waived: " + reason
				if len(status) > 90 {
					status = status[:87] + "..."
				}
			}
			report(t, "pod security | %-6s | %-18s | %-10s | %2d pods | %s", stack, ns, enforce, len(byNS[ns]), status)
		}
		for ns := range byNS {
			if _, ok := labels[ns]; !ok {
				t.Errorf("%s: pods in namespace %s, which the stack does not create (no Pod Security labels)", stack, ns)
			}
		}
	}
}

// TestPodSecurityRuleCatchesWhatAdmissionRefuses: the rule's evaluator refuses a root pod under restricted and a
// hostPath pod under baseline, and names the strictest level each passes (so an unneeded waiver shows).
func TestPodSecurityRuleCatchesWhatAdmissionRefuses(t *testing.T) {
	e, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		t.Fatal(err)
	}
	no, yes := false, true
	restricted := stackPod{name: "ok", spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes,
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: &no, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}}}}
	root := stackPod{name: "root", spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}}
	hostPath := root
	hostPath.spec.Volumes = []corev1.Volume{{Name: "logs", VolumeSource: corev1.VolumeSource{
		HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}}}
	for _, tc := range []struct {
		pods []stackPod
		want psaapi.Level
	}{
		{[]stackPod{restricted}, psaapi.LevelRestricted},
		{[]stackPod{restricted, root}, psaapi.LevelBaseline},
		{[]stackPod{root, hostPath}, psaapi.LevelPrivileged},
		{nil, psaapi.LevelRestricted},
	} {
		if got := strictestLevel(e, tc.pods); got != tc.want {
			t.Errorf("strictest level of %d pods = %s, want %s", len(tc.pods), got, tc.want)
		}
	}
	if why := podFails(e, psaapi.LevelRestricted, root); !strings.Contains(why, "runAsNonRoot") {
		t.Errorf("a root pod under restricted: %q, want runAsNonRoot named", why)
	}
	if why := podFails(e, psaapi.LevelBaseline, hostPath); !strings.Contains(why, `hostPath volumes (volume "logs")`) {
		t.Errorf("a hostPath pod under baseline: %q, want hostPath named", why)
	}
}
