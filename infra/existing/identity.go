package existing

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/digit-iac/digit/stacks/config"
)

// identityNamespace is the namespace whose UID names a cluster: every cluster has it and it is never re-created.
const identityNamespace = "kube-system"

// SameCluster refuses a kubeconfig whose cluster is not the stack's (digit:clusterId): a kubeconfig of another
// cluster, given or ambient (a switched kubectl context), would otherwise have the Kubernetes provider create the
// whole service layer there and delete it from the stack's cluster. kubeconfig "" is the ambient one, read as the
// provider reads it (KUBECONFIG, else ~/.kube/config; its current context).
func SameCluster(kubeconfig, clusterID string, timeout time.Duration) error {
	rc, where, err := restConfig(kubeconfig)
	if err != nil {
		return fmt.Errorf("%s:clusterId: the kubeconfig cannot be read to compare its cluster with the stack's: %v", config.Namespace, err)
	}
	rc.Timeout = timeout
	client, err := corev1client.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("%s:clusterId: %s: %v", config.Namespace, where, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ns, err := client.Namespaces().Get(ctx, identityNamespace, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("%s:clusterId: cannot read namespace %s of %s to compare it with the stack's cluster: %v",
			config.Namespace, identityNamespace, where, err)
	}
	if got := string(ns.UID); got != clusterID {
		return fmt.Errorf("%s:clusterId: %s is not the stack's cluster: its %s namespace has UID %s, the stack's has %s. "+
			"Point the kubeconfig at the stack's cluster; to move the stack to this cluster on purpose, set %s:clusterId to %s",
			config.Namespace, where, identityNamespace, got, clusterID, config.Namespace, got)
	}
	return nil
}

// restConfig is the client configuration of a kubeconfig's current context ("" for the ambient kubeconfig) and a
// description of the cluster for messages.
func restConfig(kubeconfig string) (*rest.Config, string, error) {
	var cc clientcmd.ClientConfig
	if kubeconfig != "" {
		c, err := clientcmd.Load([]byte(kubeconfig))
		if err != nil {
			return nil, "", err
		}
		cc = clientcmd.NewDefaultClientConfig(*c, &clientcmd.ConfigOverrides{})
	} else {
		cc = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{})
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, "", err
	}
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, "", err
	}
	return rc, fmt.Sprintf("the cluster at %s (context %q)", rc.Host, raw.CurrentContext), nil
}
