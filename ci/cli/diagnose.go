package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
)

// Diagnose is the `diagnose` command:
//
//	diagnose --from INSTANCE.json [--logs LOGS.txt] [--json]
//	diagnose --instance NAME [--metro M | --api URL] [--token T] [--ca CA.pem] [--json]
//
// It exits 0 when it produced a diagnosis (whatever the verdict), 1 when
// it could not (unreadable file, API error), 2 on bad usage.
var Diagnose = Command{Name: "diagnose", Summary: "say why a KraftCloud instance stopped, from its JSON and logs or from the API", Run: diagnoseCmd}

func diagnoseCmd(args []string, stdout, stderr io.Writer) int {
	var c conn
	fs := newFlags("diagnose", stderr)
	from := fs.String("from", "", "instance JSON in the API's shape (data.instances[0])")
	logs := fs.String("logs", "", "plain-text console output to go with --from")
	instance := fs.String("instance", "", "instance name or UUID to ask the API about")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*from == "") == (*instance == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "diagnose: give exactly one of --from FILE or --instance NAME")
		fs.Usage()
		return 2
	}
	var d diagnose.Diagnosis
	var err error
	if *from != "" {
		d, err = diagnoseFiles(*from, *logs)
	} else {
		d, err = diagnoseLive(&c, *instance, *logs, stderr)
	}
	if err == nil {
		if *asJSON {
			err = diagnose.WriteJSON(stdout, d)
		} else {
			err = diagnose.WriteText(stdout, d)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "diagnose:", err)
		return 1
	}
	return 0
}

func diagnoseFiles(instPath, logPath string) (diagnose.Diagnosis, error) {
	inst, err := diagnose.ReadInstanceFile(instPath)
	if err != nil {
		return diagnose.Diagnosis{}, err
	}
	var lines []string
	if logPath != "" {
		if lines, err = diagnose.ReadLogFile(logPath); err != nil {
			return diagnose.Diagnosis{}, err
		}
	}
	return diagnose.Diagnose(inst, lines), nil
}

func diagnoseLive(c *conn, instance, logs string, stderr io.Writer) (diagnose.Diagnosis, error) {
	if logs != "" {
		return diagnose.Diagnosis{}, errors.New("--logs goes with --from; with --instance the logs come from the API")
	}
	cl, err := c.client(stderr)
	if err != nil {
		return diagnose.Diagnosis{}, err
	}
	inst, lines, err := diagnose.Fetch(context.Background(), cl, instance)
	if err != nil {
		return diagnose.Diagnosis{}, err
	}
	return diagnose.Diagnose(inst, lines), nil
}
