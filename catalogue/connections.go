package catalogue

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
)

// The database connection budget: every pod that talks to the database holds a pool, and Postgres refuses
// connections past max_connections ("remaining connection slots are reserved"), which fails new pods exactly when
// a rollout surges or the autoscaler scales out. Upstream sizes pools at 2 per pod (egov-config
// spring-datasource-tomcat-max-active); the budget counts every pod at its autoscaling maximum plus one surge pod,
// plus each migration's connections, against the database's limit.

// Database is the catalogue's database section.
type Database struct {
	// PoolSize is the connections one java-spring pod opens at most: egov-config's
	// spring-datasource-tomcat-max-active, which the java-spring template hands to Tomcat's and Hikari's pools.
	PoolSize int `json:"poolSize"`
	// OtherPoolSize is the pool of a service outside the java-spring template that reads the database (node
	// services keep node-postgres' default of 10). A service's dbConnections overrides either.
	OtherPoolSize int `json:"otherPoolSize"`
	// MigrationConnections is what one Flyway migration holds while it runs.
	MigrationConnections int `json:"migrationConnections"`
	// ReservedConnections are kept free for administration (superuser_reserved_connections and the cloud's own).
	ReservedConnections int `json:"reservedConnections"`
}

// PoolSizeConfigKey is the egov-config key that carries Database.PoolSize to the services.
const PoolSizeConfigKey = "spring-datasource-tomcat-max-active"

// ConnectionLine is one service's share of the budget.
type ConnectionLine struct {
	Service string
	// Pods is the most pods the service runs at once: its autoscaling maximum plus one surge pod.
	Pods int
	// PerPod is its pool size.
	PerPod int
	// Migration is what its migration holds (0 without one).
	Migration int
}

// Total is the line's connections.
func (l ConnectionLine) Total() int { return l.Pods*l.PerPod + l.Migration }

// Connections lists, for every enabled service that reads the database, the connections it can hold at once.
func (r *Resolved) Connections() []ConnectionLine {
	db := r.cat.Database
	var out []ConnectionLine
	for _, s := range r.Services() {
		if s.Replicas == 0 {
			continue
		}
		env, _ := r.ServiceEnv(s.Name)
		reads, pooled := false, false
		for _, e := range env {
			if e.Secret != nil && e.Secret.Name == DBSecret {
				reads = true
			}
			// A service that reads the pool size key gets that pool, template or not (report sets it itself).
			if e.Config == PoolSizeConfigKey {
				pooled = true
			}
		}
		if !reads && s.Migration == nil {
			continue
		}
		l := ConnectionLine{Service: s.Name, Pods: s.Replicas + 1}
		if s.Autoscaling != nil {
			l.Pods = s.Autoscaling.Max + 1
		}
		switch {
		case !reads:
			l.Pods = 0
		case s.DBConnections > 0:
			l.PerPod = s.DBConnections
		case pooled:
			l.PerPod = db.PoolSize
		default:
			l.PerPod = db.OtherPoolSize
		}
		if s.Migration != nil {
			l.Migration = db.MigrationConnections
		}
		out = append(out, l)
	}
	return out
}

// PoolSize is the java-spring pool size per pod (egov-config spring-datasource-tomcat-max-active).
func (r *Resolved) PoolSize() int { return r.cat.Database.PoolSize }

// CheckConnections fails with a table when the enabled services can open more connections than the database
// allows (maxConnections, less the reserved ones); database names the database in the message.
func (r *Resolved) CheckConnections(maxConnections int, database string) error {
	lines := r.Connections()
	need := 0
	for _, l := range lines {
		need += l.Total()
	}
	usable := maxConnections - r.cat.Database.ReservedConnections
	if need <= usable {
		return nil
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].Total() != lines[j].Total() {
			return lines[i].Total() > lines[j].Total()
		}
		return lines[i].Service < lines[j].Service
	})
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  service\tpods (max+surge)\tpool\tmigration\tconnections")
	for _, l := range lines {
		fmt.Fprintf(w, "  %s\t%d\t%d\t%d\t%d\n", l.Service, l.Pods, l.PerPod, l.Migration, l.Total())
	}
	fmt.Fprintf(w, "  total\t\t\t\t%d\n", need)
	w.Flush()
	return fmt.Errorf("database connections: the enabled services can open %d connections at once, but %s allows "+
		"%d (max_connections %d less %d reserved). Use a larger database class, lower autoscaling maxima, or "+
		"smaller pools (catalogue database.poolSize, a service's dbConnections):\n%s", need, database, usable,
		maxConnections, r.cat.Database.ReservedConnections, b.String())
}
