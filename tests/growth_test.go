package tests

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	k8smeta "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/digit-iac/digit/components/k8s"
	"github.com/digit-iac/digit/runner"
)

// Raising a backbone role's size grows its disk's claim in place: on the real engine, provider and apiserver, a
// static-mode ZooKeeper (a pre-bound PV, as on AWS and Azure) is deployed at 1 GiB and then at 2 GiB. The second up
// replaces nothing (the StatefulSet keeps its UID), the PV's capacity and the claim's request are 2Gi, and the
// apiserver admitted the expansion (it refuses one whose class does not exist or does not allow it). Growing the
// filesystem is the CSI driver's resizer's work, which the simulated nodes do not run. Lowering the size again is
// refused before anything changes.
func TestRaisedSizeGrowsTheClaimInPlace(t *testing.T) {
	requireControlPlane(t)
	t.Parallel()
	ctx := context.Background()
	const ns, class = "e2e-grow", "e2e-grow-static"
	var progress bytes.Buffer
	opts := runner.Options{
		Stack: "grow", ProjectDir: safetyProject(t, "grow"), StateDir: t.TempDir(), Passphrase: testPassphrase,
		Program: func(ctx *pulumi.Context) error {
			size, err := strconv.Atoi(cfgValue(ctx, "digit:sizeGb"))
			if err != nil {
				return fmt.Errorf("digit:sizeGb: %w", err)
			}
			nsObj, err := corev1.NewNamespace(ctx, ns, &corev1.NamespaceArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ns)},
			})
			if err != nil {
				return err
			}
			_, err = k8s.NewBackbone(ctx, "backbone", &k8s.BackboneArgs{
				Zones: []string{"zone-a", "zone-b", "zone-c"},
				Storage: k8s.BackboneStorage{
					Mode: k8s.StorageStatic, StorageClass: class, CSIDriver: "ebs.csi.aws.com",
					Volumes: map[string][]k8s.Volume{k8s.RoleZookeeper: {
						{ID: pulumi.String("vol-e2e-grow-0"), Zone: "zone-a", SizeGB: size},
					}},
				},
				Zookeeper: k8s.StatefulSetSpec{Enabled: true, Namespace: ns, Replicas: 1, VolumeSizeGB: size,
					CPURequest: "10m", MemoryRequest: "64Mi"},
				DependsOn: []pulumi.Resource{nsObj},
			})
			return err
		},
		Out: &progress,
	}
	kube := newKube(t)
	cleanUpStack(t, &opts, &progress)
	// Runs before the destroy: the claim is the StatefulSet controller's, not the stack's, and while it exists the
	// PV it holds cannot be deleted. It goes once the destroy has removed the StatefulSet's Pod.
	t.Cleanup(func() {
		_ = kube.CoreV1().PersistentVolumeClaims(ns).Delete(context.Background(), "data-zookeeper-v2-0", k8smeta.DeleteOptions{})
	})

	opts.Config = map[string]string{"digit:sizeGb": "1"}
	if _, err := runner.Up(ctx, opts); err != nil {
		t.Fatalf("first up (1 GiB): %v", err)
	}
	sts, err := kube.AppsV1().StatefulSets(ns).Get(ctx, "zookeeper-v2", k8smeta.GetOptions{})
	if err != nil {
		t.Fatalf("reading the StatefulSet: %v", err)
	}
	claim, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-zookeeper-v2-0", k8smeta.GetOptions{})
	if err != nil {
		t.Fatalf("reading the claim: %v", err)
	}
	if claim.Status.Phase != "Bound" || claim.Spec.VolumeName != ns+"-data-zookeeper-v2-0" {
		t.Fatalf("expected the claim Bound to the static PV %s-data-zookeeper-v2-0; phase %s, volume %q",
			ns, claim.Status.Phase, claim.Spec.VolumeName)
	}

	opts.Config = map[string]string{"digit:sizeGb": "2"}
	res, err := runner.Up(ctx, opts)
	if err != nil {
		t.Fatalf("second up (2 GiB): %v", err)
	}
	if res.Summary["replace"] != 0 || res.Summary["delete"] != 0 {
		t.Errorf("raising the size replaced or deleted something: summary %v", res.Summary)
	}
	after, err := kube.AppsV1().StatefulSets(ns).Get(ctx, "zookeeper-v2", k8smeta.GetOptions{})
	if err != nil {
		t.Fatalf("reading the StatefulSet after the raise: %v", err)
	}
	if after.UID != sts.UID {
		t.Errorf("the StatefulSet was replaced (UID %s, then %s): every replica restarted at once", sts.UID, after.UID)
	}
	claim, err = kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-zookeeper-v2-0", k8smeta.GetOptions{})
	if err != nil {
		t.Fatalf("reading the claim after the raise: %v", err)
	}
	if got := claim.Spec.Resources.Requests.Storage().String(); got != "2Gi" {
		t.Errorf("claim request %s after the raise, want 2Gi", got)
	}
	pv, err := kube.CoreV1().PersistentVolumes().Get(ctx, ns+"-data-zookeeper-v2-0", k8smeta.GetOptions{})
	if err != nil {
		t.Fatalf("reading the PV: %v", err)
	}
	if got := pv.Spec.Capacity.Storage().String(); got != "2Gi" {
		t.Errorf("PV capacity %s after the raise, want 2Gi", got)
	}

	// Lowering it back is refused before anything changes: the API server rejects the claim in the preview's
	// dry run (the guard's preview, as the state holds the PV).
	opts.Config = map[string]string{"digit:sizeGb": "1"}
	_, err = runner.Up(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "preview before up failed") {
		t.Fatalf("expected the lowered size refused in the preview; got %v", err)
	}
	if p := progress.String(); !strings.Contains(p, `PersistentVolumeClaim "data-zookeeper-v2-0" is invalid: spec.resources.requests.storage: Forbidden`) {
		t.Errorf("expected the preview to show the API server refusing the lowered claim:\n%s", p)
	}
	pv, err = kube.CoreV1().PersistentVolumes().Get(ctx, ns+"-data-zookeeper-v2-0", k8smeta.GetOptions{})
	if err != nil {
		t.Fatalf("reading the PV after the refused up: %v", err)
	}
	if got := pv.Spec.Capacity.Storage().String(); got != "2Gi" {
		t.Errorf("PV capacity %s after the refused up, want it unchanged at 2Gi", got)
	}
}
