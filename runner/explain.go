package runner

import (
	"fmt"
	"strings"
)

// explain turns the engine's errors about the stack itself (not about a resource) into ones that say what is wrong
// and what to do; the engine's own message stays at the end. Nothing has been changed when either occurs: the
// engine stops before it plans.
func explain(o Options, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "incorrect passphrase"):
		return fmt.Errorf("runner: stack %s: the passphrase does not decrypt this stack's secrets; set %s (or "+
			"Options.Passphrase) to the one the stack was created with. Nothing was changed: %w", o.Stack, PassphraseEnv, err)
	case strings.Contains(msg, "failed to load checkpoint"), strings.Contains(msg, errParsingState):
		return fmt.Errorf("runner: stack %s: its state file is corrupt (not the JSON the engine wrote). Nothing was "+
			"changed; the file backend keeps the previous state beside it as <stack>.json.bak and older ones under "+
			".pulumi/history: restore one, or `pulumi stack import` an export: %w", o.Stack, err)
	}
	return err
}

// errParsingState starts the runner's own error for a state file it cannot read.
const errParsingState = "runner: parsing the stack state"
