package catalogue

import (
	"slices"
	"testing"
)

func TestStoresOfFollowsTheEnv(t *testing.T) {
	r := mustResolveJSON(t, `{}`)
	for svc, want := range map[string][]Store{
		"egov-user":         {StoreKafka, StoreRedis},         // KAFKA_* from the java-spring template, SPRING_REDIS_HOST
		"egov-indexer":      {StoreElasticsearch, StoreKafka}, // es-host / es-indexer-host
		"egov-mdms-service": {StoreKafka},
		"digit-ui":          {}, // a frontend talks to no store
		"no-such-service":   nil,
	} {
		got := r.StoresOf(svc)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("StoresOf(%s) = %v; want %v", svc, got, want)
		}
	}
}

func TestContainsHostMatchesWholeHostNames(t *testing.T) {
	for v, want := range map[string]bool{
		"redis.backbone":                     true,
		"redis.backbone:6379":                true,
		"http://redis.backbone/":             true,
		"redis.backbone.svc.cluster.local":   true,
		"a,redis.backbone":                   true,
		"myredis.backbone":                   false,
		"redis.backbone-old":                 false,
		"x.redis.backbone":                   false,
		"redis.backbonex, redis.backbone:80": true,
		"":                                   false,
		// A name character at either end makes it another host; the edges of each character range count.
		"0redis.backbone": false, "9redis.backbone": false, "aredis.backbone": false, "zredis.backbone": false,
		"Aredis.backbone": false, "Zredis.backbone": false, "redis.backbone0": false, "redis.backbone9": false,
		"redis.backbonea": false, "redis.backbonez": false, "redis.backboneA": false, "redis.backboneZ": false,
		"/redis.backbone": true, ":redis.backbone": true, "@redis.backbone": true, "[redis.backbone": true,
		"`redis.backbone": true, "{redis.backbone": true,
	} {
		if got := containsHost(v, "redis.backbone"); got != want {
			t.Errorf("containsHost(%q, redis.backbone) = %v; want %v", v, got, want)
		}
	}
}
