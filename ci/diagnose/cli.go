package diagnose

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// Main is the `diagnose` command:
//
//	diagnose --from INSTANCE.json [--logs LOGS.txt] [--json]
//	diagnose --instance NAME [--metro M | --api URL] [--token T] [--ca CA.pem] [--json]
//
// It exits 0 when it produced a diagnosis (whatever the verdict), 1 when
// it could not (unreadable file, API error), 2 on bad usage.
func Main(args []string) int {
	return run(args, os.Stdout, os.Stderr)
}

type options struct {
	from, logs, instance string
	json                 bool
	conn                 kraftcloud.ConnFlags
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("diagnose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.from, "from", "", "instance JSON in the API's shape (data.instances[0])")
	fs.StringVar(&o.logs, "logs", "", "plain-text console output to go with --from")
	fs.StringVar(&o.instance, "instance", "", "instance name or UUID to ask the API about")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
	o.conn.Register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (o.from == "") == (o.instance == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "diagnose: give exactly one of --from FILE or --instance NAME")
		fs.Usage()
		return 2
	}
	d, err := diagnosis(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "diagnose:", err)
		return 1
	}
	if err := write(stdout, d, o.json); err != nil {
		fmt.Fprintln(stderr, "diagnose:", err)
		return 1
	}
	return 0
}

func diagnosis(o options, stderr io.Writer) (Diagnosis, error) {
	if o.from != "" {
		return fromFiles(o.from, o.logs)
	}
	if o.logs != "" {
		return Diagnosis{}, errors.New("--logs goes with --from; with --instance the logs come from the API")
	}
	// Retries are announced on stderr so a slow answer is not a silent hang.
	c, err := o.conn.Client(kraftcloud.WithLogf(func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }))
	if err != nil {
		return Diagnosis{}, err
	}
	inst, lines, err := Fetch(context.Background(), c, o.instance)
	if err != nil {
		return Diagnosis{}, err
	}
	return Diagnose(inst, lines), nil
}

func fromFiles(instPath, logPath string) (Diagnosis, error) {
	inst, err := ReadInstanceFile(instPath)
	if err != nil {
		return Diagnosis{}, err
	}
	var lines []string
	if logPath != "" {
		if lines, err = ReadLogFile(logPath); err != nil {
			return Diagnosis{}, err
		}
	}
	return Diagnose(inst, lines), nil
}

func write(w io.Writer, d Diagnosis, asJSON bool) error {
	if asJSON {
		return WriteJSON(w, d)
	}
	return WriteText(w, d)
}
