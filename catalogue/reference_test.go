package catalogue

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The published facts the catalogue must keep. CI on a fresh clone has no copy of the reference file, so a few
// are spot-checked here; TestCatalogueMatchesTheReferenceFile checks all of them when the file is present.

type fact struct {
	module, image, tag string
	port               int
	context, health    string
	migration, schema  string // "" when none
	memory, heap       string
	replicas           int
}

var spotChecks = map[string]fact{
	"egov-user": {module: "core", image: "egovio/egov-user", tag: "v1.2.8-9fde481-19", port: 8080, context: "user",
		health: "/user/health", migration: "egovio/egov-user-db", schema: "egov_user_schema", memory: "512Mi",
		heap: "-Xmx256m -Xms256m", replicas: 2},
	"egov-persister": {module: "core", image: "egovio/egov-persister", tag: "v1.1.5-3371bc2-5", port: 8080,
		health: "/common-persist/health", memory: "512Mi", heap: "-Xmx256m -Xms256m", replicas: 1},
	"egov-url-shortening": {module: "core", image: "egovio/egov-url-shortening", tag: "v1.1.2-010cd85-3", port: 8080,
		context: "eus", health: "/eus/health", migration: "egovio/egov-url-shortening-db",
		schema: "egov-url-shortening_schema", memory: "512Mi", heap: "-Xmx256m -Xms256m", replicas: 1},
	"collection-services": {module: "business", image: "egovio/collection-services", tag: "v1.1.6-855dc9a-3",
		port: 8080, context: "collection-services", health: "/collection-services/health",
		migration: "egovio/collection-services-db", schema: "egov_collection_services_schema", memory: "768Mi",
		heap: "-Xmx512m -Xms256m", replicas: 1},
	"egov-filestore": {module: "core", image: "egovio/egov-filestore", tag: "v1.2.3-2ee9ec37-4", port: 8080,
		context: "filestore", health: "/filestore/health", migration: "egovio/egov-filestore-db", schema: "egov_filestore_schema",
		memory: "512Mi", heap: "-Xmx256m -Xms256m", replicas: 1},
	"citizen": {module: "frontend", image: "egovio/citizen", tag: "citizen-v1.5.0-c1825dd69-291", port: 80,
		context: "citizen", health: "/citizen/", memory: "128Mi", replicas: 1},
	"zuul": {module: "gateway", image: "egovio/zuul", tag: "v1.3.1-76bf31f-5", port: 8080, health: "/health",
		memory: "512Mi", heap: "-Xmx256m -Xms256m", replicas: 1},
	"dashboard-ingest": {module: "m_dss", image: "egovio/dashboard-ingest", tag: "v1.1.4-ebddafb-2", port: 8080,
		context: "dashboard-ingest", memory: "960Mi", heap: "-Xmx704m -Xms512m -XX:TieredStopAtLevel=1", replicas: 1},
	"egf-master": {module: "m_finance", image: "egovio/egf-master", tag: "v1.1.3-d93a120c25-2", port: 8080,
		context: "egf-master", migration: "egovio/egf-master-db", schema: "egf_master_schema", memory: "512Mi",
		heap: "-Xmx256m -Xms256m", replicas: 1},
	"firenoc-services": {module: "m_fire-noc", image: "egovio/firenoc-services", tag: "v1.3.0-090c647b-26",
		port: 8080, context: "firenoc-services", health: "/firenoc-services/health",
		migration: "egovio/firenoc-services-db", schema: "firenoc_services_schema", memory: "512Mi", replicas: 1},
}

func TestSpotChecksOfPublishedFacts(t *testing.T) {
	c := mustDefault(t)
	r, err := Resolve(c, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range spotChecks {
		s, ok := r.Service(name)
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if m, _ := r.ModuleOf(name); m != want.module {
			t.Errorf("%s: module %s, want %s", name, m, want.module)
		}
		got := fact{module: want.module, image: s.Image, tag: s.Tag, port: s.Port, context: s.ContextPath,
			health: s.HealthPath, memory: s.MemoryLimit, heap: s.Heap, replicas: s.Replicas}
		if s.Migration != nil {
			got.migration, got.schema = s.Migration.Image, s.Migration.SchemaTable
		}
		if got != want {
			t.Errorf("%s:\n got  %+v\n want %+v", name, got, want)
		}
	}
}

func TestBackboneKeepsThePublishedSizingExceptTheKafkaCPUBug(t *testing.T) {
	b := mustDefault(t).Backbone
	if r := b.Kafka.Resources; r.Requests.CPU != "500m" || r.Limits.CPU != "2000m" ||
		r.Requests.Memory != "1408Mi" || r.Limits.Memory != "1408Mi" {
		t.Errorf("kafka resources = %+v; want the published values with the CPU request/limit swapped", r)
	}
	if b.Kafka.JavaOpts != "-Xms704M -Xmx704M" || b.Kafka.Replicas != 3 || b.Kafka.VolumeSize != "50Gi" {
		t.Errorf("kafka = %+v", b.Kafka.Workload)
	}
	if b.ElasticsearchData.JavaOpts != "-Xmx1g -Xms1g" || b.ElasticsearchData.Resources.Limits.Memory != "2Gi" ||
		b.ElasticsearchData.VolumeSize != "25Gi" {
		t.Errorf("elasticsearch-data = %+v", b.ElasticsearchData)
	}
	if b.ElasticsearchMaster.JavaOpts != "-Xmx448m -Xms448m" || b.ElasticsearchMaster.Resources.Requests.Memory != "896Mi" {
		t.Errorf("elasticsearch-master = %+v", b.ElasticsearchMaster)
	}
	if b.Zookeeper.JavaOpts != "-Xms256M -Xmx256M" || b.Zookeeper.Resources.Requests.Memory != "384Mi" {
		t.Errorf("zookeeper = %+v", b.Zookeeper)
	}
	if b.Curator.Image != "bobrik/curator" || b.Curator.Tag != "5.6.0" || b.Curator.RetentionDays != 7 {
		t.Errorf("curator = %+v", b.Curator)
	}
}

// referenceFile is the reference data this catalogue was built from, committed with the project (a copy of the
// shared fact file) so that every clone checks it.
const referenceFile = "../testdata/digit-services.yaml"

type referenceService struct {
	Name             string   `json:"name"`
	Group            string   `json:"group"`
	Image            string   `json:"image"`
	Port             int      `json:"port"`
	Replicas         string   `json:"replicas"`
	IngressContext   *string  `json:"ingress_context"`
	ViaZuul          bool     `json:"via_zuul"`
	Health           *string  `json:"health"`
	DBMigrationImage *string  `json:"db_migration_image"`
	SchemaTable      *string  `json:"schema_table"`
	GitSync          bool     `json:"git_sync"`
	AppType          *string  `json:"app_type"`
	MemoryLimit      *string  `json:"memory_limit"`
	Heap             *string  `json:"heap"`
	ConfigRefs       []string `json:"config_refs"`
	Tag              *string  `json:"tag"`
}

type referenceModule struct {
	Module string   `json:"module"`
	Images []string `json:"images"`
}

type referenceData struct {
	Services  []referenceService `json:"services"`
	Municipal []referenceModule  `json:"urban_v2_4_municipal_modules"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// contextCorrections are context paths digit-services.yaml gets wrong, as the newer digit-upstream-env.yaml shows:
// the egov-filestore chart's ingress routes /filestore through zuul.
var contextCorrections = map[string]string{"egov-filestore": "filestore"}

func TestCatalogueMatchesTheReferenceFile(t *testing.T) {
	raw, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatal(err)
	}
	var ref referenceData
	if err := yaml.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	r, err := Resolve(mustDefault(t), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, rs := range ref.Services {
		if rs.Tag == nil {
			t.Logf("%s: no tag published; not in the catalogue", rs.Name)
			if _, ok := r.Service(rs.Name); ok {
				t.Errorf("%s has no published tag but is in the catalogue", rs.Name)
			}
			continue
		}
		s, ok := r.Service(rs.Name)
		if !ok {
			t.Errorf("%s: published service missing from the catalogue", rs.Name)
			continue
		}
		checked++
		expect := func(field string, got, want any) {
			if got != want {
				t.Errorf("%s: %s = %v, published %v", rs.Name, field, got, want)
			}
		}
		expect("image", s.Image, "egovio/"+rs.Image)
		expect("tag", s.Tag, *rs.Tag)
		expect("port", s.Port, rs.Port)
		wantContext := str(rs.IngressContext)
		if c, ok := contextCorrections[rs.Name]; ok {
			wantContext = c
		}
		expect("contextPath", s.ContextPath, wantContext)
		expect("healthPath", s.HealthPath, str(rs.Health))
		expect("viaZuul", s.ViaZuul, rs.ViaZuul)
		expect("replicas", strings.TrimSpace(rs.Replicas), strconv.Itoa(s.Replicas))
		expect("gitSync", s.GitSync != nil, rs.GitSync)
		if rs.DBMigrationImage == nil {
			expect("migration", s.Migration == nil, true)
		} else if s.Migration == nil {
			t.Errorf("%s: no migration, published %s", rs.Name, *rs.DBMigrationImage)
		} else {
			expect("migration image", s.Migration.Image, "egovio/"+*rs.DBMigrationImage)
			expect("schema table", s.Migration.SchemaTable, str(rs.SchemaTable))
		}
		// Heap and memory follow the newer fact file (digit-upstream-env.yaml, what egov-demo really runs):
		// TestHeapAndMemoryFollowUpstream checks them.
	}
	if checked < 40 {
		t.Errorf("checked only %d published services", checked)
	}

	// Municipal services: image and tag as some urban-v2.4 module publishes them (upstream's module membership is
	// unreliable, the image:tag pairs are not).
	published := map[string]bool{}
	for _, m := range ref.Municipal {
		for _, img := range m.Images {
			published[strings.TrimPrefix(img, "egovio/")] = true
		}
	}
	for _, mod := range []string{"m_pgr", "m_property-tax", "m_trade-license", "m_water-service", "m_sewerage",
		"m_fire-noc"} {
		for _, m := range r.AllModules() {
			if m.Name != mod {
				continue
			}
			for _, s := range m.Services {
				if ref := strings.TrimPrefix(s.Image, "egovio/") + ":" + s.Tag; !published[ref] {
					t.Errorf("%s (%s): %s is not a published urban-v2.4 image", s.Name, mod, ref)
				}
			}
		}
	}
}

func firstXmx(heap string) string {
	for _, f := range strings.Fields(heap) {
		if strings.HasPrefix(f, "-Xmx") {
			return f
		}
	}
	return ""
}
