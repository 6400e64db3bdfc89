package stacks

import (
	"slices"
	"strings"
	"testing"

	"github.com/digit-iac/digit/catalogue"
)

// TestEveryRedisClientAuthenticates: Redis requires the password of the catalogue's redis Secret, created in Redis's
// namespace with the value the services' copy holds, and every service whose env addresses Redis authenticates with
// that same Secret key: Spring Boot's spring.redis.password, or (egov-user's own Jedis factory, which reads no
// password property) a redis:// URI as its host, expanded by Kubernetes from a variable defined before it.
func TestEveryRedisClientAuthenticates(t *testing.T) {
	ref := catalogue.RedisPasswordSecret
	want := envSource{"secret", ref.Name, ref.Key}
	for _, stack := range []string{"local", "prod"} {
		r := renderStack(t, stack)
		redis := r.deployments["redis"]
		c := "spec.template.spec.containers[0]"
		if env := lastByName(containerEnvOf(redis.Get(c + ".env"))); env["REDIS_PASSWORD"] != want ||
			!slices.Contains(redis.Strings(c+".args"), "$(REDIS_PASSWORD)") {
			t.Errorf("%s: Redis args %v, REDIS_PASSWORD %v: want --requirepass from %v", stack, redis.Strings(c+".args"),
				env["REDIS_PASSWORD"], want)
		}
		values := map[string]string{}
		for _, s := range r.rec.ByType("kubernetes:core/v1:Secret") {
			if s.MetadataName() == ref.Name && s.Has("stringData."+ref.Key) {
				if !s.IsSecret("stringData." + ref.Key) {
					t.Errorf("%s: Secret %s/%s holds the Redis password in plaintext state", stack, s.Namespace(), ref.Name)
				}
				values[s.Namespace()] = s.String("stringData." + ref.Key)
			}
		}
		if v := values[redis.Namespace()]; v == "" || v != r.cfg.Services.Secrets.Value(ref.Name, ref.Key).Reveal() {
			t.Errorf("%s: no Secret %s in Redis's namespace %s with the stack's password (Secrets by namespace: %d)", stack,
				ref.Name, redis.Namespace(), len(values))
		}
		clients := 0
		for name, d := range r.deployments {
			list := containerEnvOf(d.Get(c + ".env"))
			env := lastByName(list)
			host, uses := env["SPRING_REDIS_HOST"]
			if !uses {
				continue
			}
			clients++
			index := func(n string) int {
				return slices.IndexFunc(list, func(e namedSource) bool { return e.Name == n })
			}
			switch {
			case env["SPRING_REDIS_PASSWORD"] == want:
			case strings.HasPrefix(host.A, "redis://:$(REDIS_PASSWORD)@") && env["REDIS_PASSWORD"] == want &&
				index("REDIS_PASSWORD") < index("SPRING_REDIS_HOST"):
			default:
				t.Errorf("%s: %s reaches Redis (%v) without its password (SPRING_REDIS_PASSWORD %v, REDIS_PASSWORD %v)",
					stack, name, host, env["SPRING_REDIS_PASSWORD"], env["REDIS_PASSWORD"])
			}
		}
		if clients < 4 {
			t.Errorf("%s: %d services address Redis; the catalogue has at least zuul, egov-localization, egov-user and egov-url-shortening", stack, clients)
		}
	}
}
