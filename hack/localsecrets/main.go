// Command localsecrets writes the credentials a local stack needs (digit:secrets) to a file once and keeps them:
// every required key of the Secrets the stack's enabled services read, random, unless the file already has it.
// `make up` passes the file's content as the secret config value, so a second up changes nothing.
//
//	go run ./hack/localsecrets -stack Pulumi.local.yaml -file ~/.local/state/digit-iac/local-secrets.json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/digit-iac/digit/stacks/config"
)

func main() {
	stack := flag.String("stack", "Pulumi.local.yaml", "the stack file whose digit:catalogue decides which Secrets are read")
	file := flag.String("file", "", "the JSON file to create or complete (mode 0600)")
	flag.Parse()
	if err := run(*stack, *file); err != nil {
		fmt.Fprintln(os.Stderr, "localsecrets:", err)
		os.Exit(1)
	}
}

func run(stackFile, file string) error {
	if file == "" {
		return errors.New("-file is required")
	}
	src, err := config.StackFileSource(stackFile, nil)
	if err != nil {
		return err
	}
	have := map[string]map[string]string{}
	if b, err := os.ReadFile(file); err == nil {
		if err := json.Unmarshal(b, &have); err != nil {
			return fmt.Errorf("%s: not a JSON object of Secret -> key -> value: %w", file, err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	out, err := config.GenerateStackSecrets(src, have)
	if err != nil {
		return fmt.Errorf("%s: %w", stackFile, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
