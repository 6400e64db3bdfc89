// Command fakeprovisioner is a minimal dynamic volume provisioner for the local control plane
// started by hack/localcp.sh. That control plane has no kubelet and no storage, so nothing
// would ever bind a PersistentVolumeClaim; Pulumi's await logic (and StatefulSets with
// volumeClaimTemplates) would then wait forever.
//
// For every PVC whose StorageClass names our provisioner it creates a hostPath
// PersistentVolume pre-bound to the claim (claimRef), exactly as an external provisioner
// does; kube-controller-manager's PV controller then completes the binding. When a claim
// is deleted and its volume is Released with reclaimPolicy Delete, the volume is deleted,
// again as an external provisioner would. No data is ever written: the pods are simulated
// by kwok.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	// Annotations the upstream PV controller and external provisioners use.
	annProvisionedBy      = "pv.kubernetes.io/provisioned-by"
	annStorageProvisioner = "volume.kubernetes.io/storage-provisioner"
	annBetaProvisioner    = "volume.beta.kubernetes.io/storage-provisioner"
)

type provisioner struct {
	name    string
	baseDir string
	client  kubernetes.Interface
	classes storagelisters.StorageClassLister
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "path to the kubeconfig")
	name := flag.String("provisioner", "digit.local/fake", "provisioner name StorageClasses refer to")
	baseDir := flag.String("base-dir", "/tmp/digit-fake-pv", "hostPath prefix written into the volumes (never touched)")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("client: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// A periodic resync retries anything a transient error made us miss.
	factory := informers.NewSharedInformerFactory(client, 30*time.Second)
	p := &provisioner{
		name:    *name,
		baseDir: *baseDir,
		client:  client,
		classes: factory.Storage().V1().StorageClasses().Lister(),
	}

	pvcs := factory.Core().V1().PersistentVolumeClaims().Informer()
	pvs := factory.Core().V1().PersistentVolumes().Informer()
	// Handlers of one informer run one at a time, and both reconcilers are idempotent
	// (create tolerates AlreadyExists, delete tolerates NotFound), so no work queue is needed.
	if _, err := pvcs.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.syncClaim(ctx, obj) },
		UpdateFunc: func(_, obj any) { p.syncClaim(ctx, obj) },
	}); err != nil {
		log.Fatal(err)
	}
	if _, err := pvs.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.syncVolume(ctx, obj) },
		UpdateFunc: func(_, obj any) { p.syncVolume(ctx, obj) },
	}); err != nil {
		log.Fatal(err)
	}
	// Register the StorageClass informer before Start so the lister is backed by a cache.
	factory.Storage().V1().StorageClasses().Informer()

	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			log.Fatalf("cache for %v did not sync", typ)
		}
	}
	log.Printf("fakeprovisioner %q running", p.name)
	<-ctx.Done()
	factory.Shutdown()
}

// ours reports whether the claim asks for a volume from this provisioner.
func (p *provisioner) ours(pvc *corev1.PersistentVolumeClaim) bool {
	if a := pvc.Annotations[annStorageProvisioner]; a != "" {
		return a == p.name
	}
	if a := pvc.Annotations[annBetaProvisioner]; a != "" {
		return a == p.name
	}
	if pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
		return false
	}
	sc, err := p.classes.Get(*pvc.Spec.StorageClassName)
	return err == nil && sc.Provisioner == p.name
}

func (p *provisioner) syncClaim(ctx context.Context, obj any) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok || pvc.DeletionTimestamp != nil || pvc.Spec.VolumeName != "" ||
		pvc.Status.Phase != corev1.ClaimPending || !p.ours(pvc) {
		return
	}
	pv := p.volumeFor(pvc)
	_, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	switch {
	case err == nil:
		log.Printf("provisioned %s for %s/%s", pv.Name, pvc.Namespace, pvc.Name)
	case apierrors.IsAlreadyExists(err):
		// Already done on an earlier event; the PV controller finishes the binding.
	default:
		log.Printf("provisioning for %s/%s: %v", pvc.Namespace, pvc.Name, err)
	}
}

func (p *provisioner) volumeFor(pvc *corev1.PersistentVolumeClaim) *corev1.PersistentVolume {
	size := resource.MustParse("1Gi")
	if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		size = q
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	var class string
	var mountOptions []string
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
		if sc, err := p.classes.Get(class); err == nil {
			if sc.ReclaimPolicy != nil {
				reclaim = *sc.ReclaimPolicy
			}
			mountOptions = sc.MountOptions
		}
	}
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	hostPathType := corev1.HostPathDirectoryOrCreate
	// "pvc-<uid>" is the name every dynamic provisioner uses; it makes creation idempotent.
	name := fmt.Sprintf("pvc-%s", pvc.UID)
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{annProvisionedBy: p.name},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              class,
			MountOptions:                  mountOptions,
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				Kind:            "PersistentVolumeClaim",
				APIVersion:      "v1",
				Namespace:       pvc.Namespace,
				Name:            pvc.Name,
				UID:             pvc.UID,
				ResourceVersion: pvc.ResourceVersion,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{
					Path: path.Join(p.baseDir, name),
					Type: &hostPathType,
				},
			},
		},
	}
}

// syncVolume deletes our Released volumes whose reclaim policy is Delete; the PV controller
// leaves that to the provisioner named in the pv.kubernetes.io/provisioned-by annotation.
func (p *provisioner) syncVolume(ctx context.Context, obj any) {
	pv, ok := obj.(*corev1.PersistentVolume)
	if !ok || pv.DeletionTimestamp != nil || pv.Annotations[annProvisionedBy] != p.name ||
		pv.Status.Phase != corev1.VolumeReleased ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		return
	}
	err := p.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pv.UID},
	})
	switch {
	case err == nil:
		log.Printf("deleted released volume %s", pv.Name)
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
	default:
		log.Printf("deleting %s: %v", pv.Name, err)
	}
}
