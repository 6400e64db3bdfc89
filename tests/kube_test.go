package tests

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/digit-iac/digit/qa"
)

// Every object the program creates carries this label.
const (
	partOfLabel = "app.kubernetes.io/part-of"
	partOfValue = "digit"
)

// expectedNamespaces are the namespaces the default local stack must create.
var expectedNamespaces = []string{"egov", "backbone", "kafka-cluster", "zookeeper-cluster", "es-cluster", "monitoring", "logging"}

func newKube(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", os.Getenv("KUBECONFIG"), err)
	}
	// client-go's default of 5 requests a second (burst 10) throttles a test that reads many objects from a local
	// apiserver it alone uses.
	cfg.QPS, cfg.Burst = 100, 200
	// The apiserver warns on every read of v1 Endpoints (one per zuul route); printed, those warnings bury a failing
	// test's messages under the tail a CI log shows.
	cfg.WarningHandler = rest.NoWarnings{}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client-go: %v", err)
	}
	return cs
}

var partOfSelector = metav1.ListOptions{LabelSelector: partOfLabel + "=" + partOfValue}

// projectNamespaces are the local stack's namespaces: those labelled as part of DIGIT plus the expected ones (so a
// missing label does not hide a namespace from the checks), sorted. The QA stacks' namespaces (qa.StackPrefix) are
// not the local stack's: TestQAStacksShareOneCluster deploys them on the same cluster at the same time.
func projectNamespaces(ctx context.Context, t *testing.T, kube kubernetes.Interface) []string {
	t.Helper()
	list, err := kube.CoreV1().Namespaces().List(ctx, partOfSelector)
	if err != nil {
		t.Fatalf("listing namespaces: %v", err)
	}
	set := map[string]bool{}
	for _, ns := range list.Items {
		if !strings.HasPrefix(ns.Name, qa.StackPrefix) {
			set[ns.Name] = true
		}
	}
	for _, ns := range expectedNamespaces {
		set[ns] = true
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// labelled collects objects that lack the part-of label.
type labelled struct {
	missing []string
}

func (l *labelled) check(kind, ns, name string, lbls map[string]string) {
	if lbls[partOfLabel] != partOfValue {
		l.missing = append(l.missing, fmt.Sprintf("%s %s/%s", kind, ns, name))
	}
}

// selectorMatches reports whether a Service selector selects Pods with these labels.
func selectorMatches(selector, podLabels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	return labels.SelectorFromSet(selector).Matches(labels.Set(podLabels))
}

// hasPath reports whether an ingress path routes the context path ctxPath ("user" for /user), allowing the forms
// ingress-nginx accepts: /user, /user/, /user(/|$)(.*).
func hasPath(paths map[string]bool, ctxPath string) bool {
	want := "/" + strings.Trim(ctxPath, "/")
	for p := range paths {
		if p == want || p == want+"/" || strings.HasPrefix(p, want+"(") {
			return true
		}
	}
	return false
}

// pvBelongsTo reports whether a PersistentVolume is bound (or was bound) to a claim in one of the namespaces.
func pvBelongsTo(pv corev1.PersistentVolume, namespaces map[string]bool) bool {
	return pv.Spec.ClaimRef != nil && namespaces[pv.Spec.ClaimRef.Namespace]
}
