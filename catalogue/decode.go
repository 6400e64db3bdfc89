package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// The strict decoder: encoding/json's DisallowUnknownFields reports `unknown field "tagg"` without saying where,
// which is useless in a config of fifty services. This decoder walks the JSON and the Go type together, so every
// error carries the full path (digit:catalogue.services.egov-user.tagg) and the keys that are allowed there.

// defaulter is implemented by types whose omitted keys default to something other than the zero value.
type defaulter interface{ setDefaults() }

// decodeYAML converts YAML to JSON and decodes it strictly into v.
func decodeYAML(yamlBytes []byte, root string, v any) error {
	js, err := yaml.YAMLToJSON(yamlBytes)
	if err != nil {
		return fmt.Errorf("%s: not valid YAML: %w", root, err)
	}
	return decodeJSON(js, root, v)
}

// decodeJSON decodes JSON strictly into v (a pointer), collecting every error.
func decodeJSON(js []byte, root string, v any) error {
	js = bytes.TrimSpace(js)
	if len(js) == 0 {
		return nil
	}
	if !json.Valid(js) {
		// Let encoding/json say where the syntax breaks.
		var x any
		err := json.Unmarshal(js, &x)
		return fmt.Errorf("%s: not valid JSON: %v", root, err)
	}
	d := decoder{}
	d.decode(root, js, reflect.ValueOf(v).Elem())
	return joinSorted(d.errs)
}

type decoder struct{ errs []error }

func (d *decoder) fail(path, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (d *decoder) decode(path string, raw json.RawMessage, v reflect.Value) {
	if string(raw) == "null" {
		return // keep the zero (or default) value
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if v.IsNil() {
			if def, ok := elem.Interface().(defaulter); ok {
				def.setDefaults()
			}
		} else {
			elem.Elem().Set(v.Elem())
		}
		d.decode(path, raw, elem.Elem())
		v.Set(elem)
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			d.fail(path, "want an object, got %s", describe(raw))
			return
		}
		fields := jsonFields(v.Type())
		for _, key := range sortedKeys(obj) {
			idx, ok := fields[key]
			if !ok {
				d.fail(path+"."+key, "unknown field (allowed: %s)", strings.Join(sortedKeys(fields), ", "))
				continue
			}
			d.decode(path+"."+key, obj[key], v.FieldByIndex(idx))
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			d.fail(path, "want an object, got %s", describe(raw))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(v.Type(), len(obj)))
		}
		for _, key := range sortedKeys(obj) {
			elem := reflect.New(v.Type().Elem())
			if def, ok := elem.Interface().(defaulter); ok {
				def.setDefaults()
			}
			d.decode(path+"."+key, obj[key], elem.Elem())
			v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem.Elem())
		}
	case reflect.Slice:
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			d.fail(path, "want a list, got %s", describe(raw))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, item := range arr {
			elem := out.Index(i)
			if def, ok := elem.Addr().Interface().(defaulter); ok {
				def.setDefaults()
			}
			d.decode(fmt.Sprintf("%s[%d]", path, i), item, elem)
		}
		v.Set(out)
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			d.fail(path, "want %s, got %s", want(v.Type()), describe(raw))
		}
	}
}

// jsonFields maps the JSON names of a struct's fields (including those promoted from embedded structs) to their
// index paths.
func jsonFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, idx := range jsonFields(f.Type) {
				out[k] = append([]int{i}, idx...)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = []int{i}
	}
	return out
}

// want says what JSON a Go type accepts, in words.
func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// describe shows a JSON value briefly, for "got ..." in errors.
func describe(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	switch {
	case strings.HasPrefix(s, "{"):
		return "an object"
	case strings.HasPrefix(s, "["):
		return "a list"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
