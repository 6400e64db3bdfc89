package config

import (
	"fmt"
	"net/url"

	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	"sigs.k8s.io/yaml"
)

// APIServer is the cluster a kubeconfig's current context points at.
type APIServer struct {
	Context, Cluster string
	URL              *url.URL
}

// ParseKubeconfig reads a kubeconfig (YAML or JSON) and returns the API server of its current context. Its errors
// never quote the kubeconfig: it holds credentials.
func ParseKubeconfig(raw string) (APIServer, error) {
	var kc clientcmdv1.Config
	if err := yaml.Unmarshal([]byte(raw), &kc); err != nil {
		return APIServer{}, fmt.Errorf("is not a kubeconfig (not YAML or JSON of kind Config)")
	}
	if kc.Kind != "" && kc.Kind != "Config" {
		return APIServer{}, fmt.Errorf("is a %q, not a kubeconfig (kind Config)", kc.Kind)
	}
	if len(kc.Clusters) == 0 {
		return APIServer{}, fmt.Errorf("is not a kubeconfig: it names no cluster")
	}
	current := kc.CurrentContext
	if current == "" {
		if len(kc.Contexts) != 1 {
			return APIServer{}, fmt.Errorf("has no current-context and %d contexts: set current-context", len(kc.Contexts))
		}
		current = kc.Contexts[0].Name
	}
	var clusterName string
	found := false
	for _, c := range kc.Contexts {
		if c.Name == current {
			clusterName, found = c.Context.Cluster, true
		}
	}
	if !found {
		return APIServer{}, fmt.Errorf("has current-context %q, which is not one of its contexts", current)
	}
	for _, c := range kc.Clusters {
		if c.Name != clusterName {
			continue
		}
		u, err := url.Parse(c.Cluster.Server)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return APIServer{}, fmt.Errorf("cluster %q of context %q has server %q, not an http(s) URL", clusterName, current,
				c.Cluster.Server)
		}
		return APIServer{Context: current, Cluster: clusterName, URL: u}, nil
	}
	return APIServer{}, fmt.Errorf("context %q names cluster %q, which is not one of its clusters", current, clusterName)
}
