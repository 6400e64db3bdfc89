package k8s

import (
	"fmt"
	"strings"
)

// ZuulRoute sends every request under /<Path>/ to URL, path unchanged (DIGIT services serve under their own
// context path).
type ZuulRoute struct {
	// ID names the route (the service's name).
	ID string
	// Path is the context path without slashes ("user" routes /user/**).
	Path string
	// URL is the service's base URL, http://<name>.<namespace>:<port>/.
	URL string
}

// ZuulRoutesFile is where zuul reads its routes (ZUUL_ROUTES_FILEPATH=file:<this>), as upstream's discovery init
// container writes them.
const ZuulRoutesFile = "/etc/zuul/routes.properties"

// ZuulRoutesProperties renders routes in the routes.properties format zuul's ZUUL_ROUTES_FILEPATH reads (Spring Cloud
// Netflix zuul.routes.<id>.path/url/stripPrefix), in the given order.
func ZuulRoutesProperties(routes []ZuulRoute) (string, error) {
	var b strings.Builder
	seen := map[string]bool{}
	for i, r := range routes {
		switch {
		case !dns1035RE.MatchString(r.ID):
			return "", fmt.Errorf("zuul route %d: id %q is not a service name", i, r.ID)
		case seen[r.ID]:
			return "", fmt.Errorf("zuul route %s: listed twice", r.ID)
		case !contextRE.MatchString(r.Path):
			return "", fmt.Errorf("zuul route %s: path %q must be one path segment without slashes", r.ID, r.Path)
		case !strings.HasPrefix(r.URL, "http://") && !strings.HasPrefix(r.URL, "https://") || !strings.HasSuffix(r.URL, "/"):
			return "", fmt.Errorf("zuul route %s: url %q must be an http(s) URL ending in '/'", r.ID, r.URL)
		}
		seen[r.ID] = true
		fmt.Fprintf(&b, "zuul.routes.%s.path=/%s/**\n", r.ID, r.Path)
		fmt.Fprintf(&b, "zuul.routes.%s.stripPrefix=false\n", r.ID)
		fmt.Fprintf(&b, "zuul.routes.%s.url=%s\n", r.ID, r.URL)
	}
	return b.String(), nil
}
