package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digit-iac/digit/catalogue"
	"github.com/digit-iac/digit/runner"
	"github.com/digit-iac/digit/stacks/config"
)

const readyTimeout = 15 * time.Minute

// localSecrets generates the stack's service credentials (as `make up` does) for a source.
func localSecrets(src config.Source) (string, error) {
	s, err := config.GenerateStackSecrets(src, nil)
	if err != nil {
		return "", err
	}
	return jsonString(s), nil
}

// p1 measures P1, with P2 and P4 inside each pulumi run.
func (b *bench) p1(ctx context.Context) error {
	src, err := b.stackSource()
	if err != nil {
		return err
	}
	secrets, err := localSecrets(src)
	if err != nil {
		return err
	}

	// Warm-up: one untimed up (page cache, plugin binaries), which also gives the Secrets render mode leaves out,
	// and the render of every other object.
	b.logf("P1: warm-up up, Secrets and render")
	c, err := b.startCluster(ctx, "warmup", nil)
	if err != nil {
		return err
	}
	d := &deployment{c: c, stateDir: filepath.Join(b.work, "state-warmup"), secrets: secrets}
	if _, _, err := b.up(ctx, d, "p1-warmup-up"); err != nil {
		b.stopCluster(c)
		return err
	}
	secretsFile, nSecrets, err := b.dumpSecrets(ctx, c)
	if err != nil {
		b.stopCluster(c)
		return err
	}
	render := filepath.Join(b.work, "render")
	rd := &deployment{c: c, stateDir: filepath.Join(b.work, "state-render"), secrets: secrets,
		config: map[string]string{"digit:renderDir": render}}
	if _, _, err := b.up(ctx, rd, "p1-render"); err != nil {
		b.stopCluster(c)
		return err
	}
	b.stopCluster(c)
	files, err := manifestFiles(render)
	if err != nil {
		return err
	}
	r := b.results
	r.Objects = fmt.Sprintf("%d rendered manifests + %d Secrets", len(files.all)+len(files.namespaces), nSecrets)

	for i := 0; i < b.runs; i++ {
		order := []string{"pulumi", "kubectl"}
		if i%2 == 1 {
			order = []string{"kubectl", "pulumi"}
		}
		for _, who := range order {
			var err error
			if who == "pulumi" {
				err = b.p1Pulumi(ctx, i, secrets)
			} else {
				err = b.p1Kubectl(ctx, i, files, secretsFile)
			}
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", i+1, who, err)
			}
		}
	}
	return nil
}

func (b *bench) p1Pulumi(ctx context.Context, i int, secrets string) error {
	r := b.results
	c, err := b.startCluster(ctx, fmt.Sprintf("p1-pulumi-%d", i), nil)
	if err != nil {
		return err
	}
	defer b.stopCluster(c)
	d := &deployment{c: c, stateDir: filepath.Join(b.work, fmt.Sprintf("state-p1-%d", i)), secrets: secrets}
	start := time.Now()
	res, _, err := b.up(ctx, d, fmt.Sprintf("p1-%d-up", i))
	if err != nil {
		return err
	}
	n, err := b.waitReady(ctx, c, readyTimeout)
	if err != nil {
		return fmt.Errorf("after up: %w", err)
	}
	took := time.Since(start)
	r.P1Pulumi = append(r.P1Pulumi, took)
	r.P1Resources = len(res.ResourceChanges())
	r.P1Workloads = n
	if i == 0 {
		r.P1Trace = summarizeSteps(res.Steps)
	}
	b.logf("P1 run %d: pulumi up %s (%d resources)", i+1, secs(took), len(res.ResourceChanges()))

	if !r.Want["P2"] && !r.Want["P4"] {
		return nil
	}
	res, t, err := b.up(ctx, d, fmt.Sprintf("p2-%d-noop-up", i))
	if err != nil {
		return err
	}
	if n := len(res.ResourceChanges()); n != 0 {
		return fmt.Errorf("P2: the no-op up changed %d resources: %v", n, res.ResourceChanges())
	}
	r.P2Up = append(r.P2Up, t)
	_, t, err = b.op(ctx, d, fmt.Sprintf("p2-%d-preview", i), runner.Preview)
	if err != nil {
		return err
	}
	r.P2Preview = append(r.P2Preview, t)

	if !r.Want["P4"] {
		return nil
	}
	cat, err := b.catalogueWithTag("egov-user", fmt.Sprintf("bench-%d", i))
	if err != nil {
		return err
	}
	d.config = map[string]string{"digit:catalogue": cat}
	start = time.Now()
	res, _, err = b.up(ctx, d, fmt.Sprintf("p4-%d-tag-up", i))
	if err != nil {
		return err
	}
	if _, err := b.waitReady(ctx, c, readyTimeout); err != nil {
		return fmt.Errorf("after the tag change: %w", err)
	}
	r.P4Time = append(r.P4Time, time.Since(start))
	var touched []string
	for _, ch := range res.ResourceChanges() {
		touched = append(touched, ch.Op+" "+ch.URN[strings.LastIndex(ch.URN, "::")+2:])
	}
	r.P4Touched = append(r.P4Touched, touched)
	return nil
}

func (b *bench) p1Kubectl(ctx context.Context, i int, files manifests, secretsFile string) error {
	c, err := b.startCluster(ctx, fmt.Sprintf("p1-kubectl-%d", i), nil)
	if err != nil {
		return err
	}
	defer b.stopCluster(c)
	start := time.Now()
	// Namespaces first, as a per-chart deployer has them before the charts.
	apply := func(paths ...string) error {
		args := []string{"apply", "--server-side", "--field-manager", "bench"}
		for _, p := range paths {
			args = append(args, "-f", p)
		}
		_, err := b.kube(ctx, c, args...)
		return err
	}
	if err := apply(files.namespaces...); err != nil {
		return err
	}
	if err := apply(append([]string{secretsFile}, files.all...)...); err != nil {
		return err
	}
	if _, err := b.waitReady(ctx, c, readyTimeout); err != nil {
		return err
	}
	took := time.Since(start)
	b.results.P1Kubectl = append(b.results.P1Kubectl, took)
	b.logf("P1 run %d: kubectl apply %s", i+1, secs(took))
	return nil
}

// dumpSecrets writes the Secrets the stack created, without server fields, to a 0600 file for kubectl.
func (b *bench) dumpSecrets(ctx context.Context, c *cluster) (string, int, error) {
	out, err := b.kube(ctx, c, "get", "secrets", "-A", "-l", "app.kubernetes.io/managed-by=pulumi", "-o", "json")
	if err != nil {
		return "", 0, err
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return "", 0, err
	}
	if len(list.Items) == 0 {
		return "", 0, errors.New("the stack created no Secret labelled app.kubernetes.io/managed-by=pulumi")
	}
	clean := map[string]any{"apiVersion": "v1", "kind": "List"}
	var items []any
	for _, it := range list.Items {
		md, _ := it["metadata"].(map[string]any)
		items = append(items, map[string]any{
			"apiVersion": "v1", "kind": "Secret", "type": it["type"], "data": it["data"],
			"metadata": map[string]any{"name": md["name"], "namespace": md["namespace"], "labels": md["labels"]},
		})
	}
	clean["items"] = items
	path := filepath.Join(b.work, "secrets.json")
	return path, len(items), os.WriteFile(path, []byte(jsonString(clean)), 0o600)
}

type manifests struct{ namespaces, all []string }

// manifestFiles lists render mode's files: Namespaces apart, so they can be applied first.
func manifestFiles(dir string) (manifests, error) {
	var m manifests
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "\nkind: Namespace\n") || strings.HasPrefix(string(b), "kind: Namespace\n") {
			m.namespaces = append(m.namespaces, path)
		} else {
			m.all = append(m.all, path)
		}
		return nil
	})
	if err == nil && len(m.all) == 0 {
		err = fmt.Errorf("render mode wrote no manifest into %s", dir)
	}
	return m, err
}

// stackCatalogue is the stack file's digit:catalogue as a JSON object.
func (b *bench) stackCatalogue() (map[string]any, error) {
	src, err := b.stackSource()
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if v, ok := src.Get("digit:catalogue"); ok {
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			return nil, fmt.Errorf("digit:catalogue of the stack file: %w", err)
		}
	}
	return out, nil
}

// catalogueWithTag is the stack's digit:catalogue with one service's tag changed (a --config value replaces the
// whole key, so the stack file's overrides are carried over).
func (b *bench) catalogueWithTag(service, tag string) (string, error) {
	cat, err := b.stackCatalogue()
	if err != nil {
		return "", err
	}
	services, _ := cat["services"].(map[string]any)
	if services == nil {
		services = map[string]any{}
		cat["services"] = services
	}
	s, _ := services[service].(map[string]any)
	if s == nil {
		s = map[string]any{}
		services[service] = s
	}
	s["tag"] = tag
	return jsonString(cat), nil
}

// p3 deploys synthetic catalogues: the stack's services, plus k-1 copies of each (renamed, own paths).
func (b *bench) p3(ctx context.Context) error {
	const cpu, memory, pods = "64", "256Gi", 440 // per node, for 4x the catalogue on three nodes
	nodes := jsonString(map[string]any{"count": 3, "cpu": cpu, "memory": memory, "pods": pods})
	for _, k := range []int{1, 2, 4} {
		cat, services, err := b.syntheticCatalogue(k)
		if err != nil {
			return err
		}
		cfgValues := map[string]string{"digit:catalogue": cat, "digit:nodes": nodes}
		src, err := b.stackSource()
		if err != nil {
			return err
		}
		for key, v := range cfgValues {
			src.Values[key] = v
		}
		secrets, err := localSecrets(src)
		if err != nil {
			return err
		}
		c, err := b.startCluster(ctx, fmt.Sprintf("p3-%dx", k), map[string]string{
			"DIGIT_LOCALCP_NODE_CPU": cpu, "DIGIT_LOCALCP_NODE_MEMORY": memory, "DIGIT_LOCALCP_NODE_PODS": fmt.Sprint(pods),
		})
		if err != nil {
			return err
		}
		d := &deployment{c: c, stateDir: filepath.Join(b.work, fmt.Sprintf("state-p3-%d", k)), secrets: secrets,
			config: cfgValues, noConnectionBudget: true}
		start := time.Now()
		res, _, err := b.up(ctx, d, fmt.Sprintf("p3-%dx-up", k))
		if err == nil {
			_, err = b.waitReady(ctx, c, readyTimeout)
		}
		took := time.Since(start)
		b.stopCluster(c)
		if err != nil {
			return fmt.Errorf("%dx: %w", k, err)
		}
		b.results.P3 = append(b.results.P3, scaleRun{Factor: k, Services: services, Resources: len(res.ResourceChanges()), Took: took})
		b.logf("P3 %dx: %d services, %d resources, %s", k, services, len(res.ResourceChanges()), secs(took))
	}
	return nil
}

// syntheticCatalogue is the stack's digit:catalogue plus k-1 copies of every enabled service but the gateway.
func (b *bench) syntheticCatalogue(k int) (string, int, error) {
	cat, err := b.stackCatalogue()
	if err != nil {
		return "", 0, err
	}
	src, err := b.stackSource()
	if err != nil {
		return "", 0, err
	}
	v, _ := src.Get("digit:catalogue")
	o, err := catalogue.ParseOverrides([]byte(v))
	if err != nil {
		return "", 0, err
	}
	def, err := catalogue.Default()
	if err != nil {
		return "", 0, err
	}
	r, err := catalogue.Resolve(def, o)
	if err != nil {
		return "", 0, err
	}
	services := 0
	var added []any
	for _, m := range r.Modules() {
		for _, s := range m.Services {
			services++
			if s.Role != "" {
				continue
			}
			for copyN := 2; copyN <= k; copyN++ {
				c := s
				c.Name = fmt.Sprintf("%s-c%d", s.Name, copyN)
				if s.ContextPath != "" {
					c.ContextPath = fmt.Sprintf("%s-c%d", s.ContextPath, copyN)
				}
				added = append(added, catalogue.AddedService{Module: m.Name, Service: c})
				services++
			}
		}
	}
	if len(added) > 0 {
		cat["add"] = added
	}
	return jsonString(cat), services, nil
}
