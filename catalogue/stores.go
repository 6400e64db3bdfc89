package catalogue

import (
	"maps"
	"slices"
	"strings"
)

// Store is a backbone data store a service talks to. A service's Deployment waits for the stores it uses and for
// nothing else: DIGIT services retry their calls to each other, but several fail their start-up (and only
// restart after a back-off) when Kafka, Elasticsearch or Redis is not reachable yet.
type Store string

const (
	StoreKafka         Store = "kafka"
	StoreElasticsearch Store = "elasticsearch"
	StoreRedis         Store = "redis"
)

// storeOfConfigKey maps the egov-config keys that address a store.
var storeOfConfigKey = map[string]Store{
	"kafka-brokers":       StoreKafka,
	"kafka-infra-brokers": StoreKafka,
	"es-host":             StoreElasticsearch,
	"es-indexer-host":     StoreElasticsearch,
}

// storeHosts are the in-cluster host names of each store, as literal env values spell them ("redis.backbone",
// "http://elasticsearch-data-v1.es-cluster:9200/").
func (r *Resolved) storeHosts() map[Store][]string {
	b := r.cat.Backbone
	host := func(w Workload) string { return w.Name + "." + w.Namespace }
	return map[Store][]string{
		StoreKafka:         {host(b.Kafka.Workload)},
		StoreElasticsearch: {host(b.ElasticsearchData), host(b.ElasticsearchMaster)},
		StoreRedis:         {host(b.Redis)},
	}
}

// StoresOf returns the stores a service's env addresses (through an egov-config key or a literal host), sorted;
// none when the backbone is not enabled, or for an unknown service.
func (r *Resolved) StoresOf(service string) []Store {
	env, ok := r.ServiceEnv(service)
	if !ok || !r.Enabled(ModuleBackbone) {
		return nil
	}
	hosts := r.storeHosts()
	used := map[Store]bool{}
	for _, e := range env {
		if st, ok := storeOfConfigKey[e.Config]; ok {
			used[st] = true
		}
		if e.Value == nil {
			continue
		}
		for st, hs := range hosts {
			for _, h := range hs {
				if containsHost(*e.Value, h) {
					used[st] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(used))
}

// containsHost reports whether v names host as a whole host name: "redis.backbone" in "redis.backbone:6379" and
// "redis.backbone.svc.cluster.local", but not in "redis.backbone-old" or "myredis.backbone".
func containsHost(v, host string) bool {
	for i := 0; ; {
		j := strings.Index(v[i:], host)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(host)
		if (start == 0 || !hostChar(v[start-1])) && (end == len(v) || v[end] == '.' || !hostChar(v[end])) {
			return true
		}
		i = start + 1
	}
}

func hostChar(c byte) bool {
	return c == '-' || c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
