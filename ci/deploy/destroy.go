package deploy

import (
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"slices"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// DestroyOptions say what to remove besides instances and service group.
type DestroyOptions struct {
	Name     string
	Image    bool   // also remove the deployment's image (its tag and the digests its instances ran)
	Registry string // default DefaultRegistry
	Tag      string // default DefaultTag
	CAFile   string // registry CA (the simulator's)
	Log      io.Writer
	// The database of --datastore postgres is kept unless asked:
	// DeleteDatabase removes its instance (the volume and data stay),
	// DeleteData the instance and the volume.
	DeleteDatabase, DeleteData bool
}

// Destroyed is what Destroy removed.
type Destroyed struct {
	Instances    []string `json:"instances"`
	ServiceGroup string   `json:"service_group,omitempty"`
	Certificates []string `json:"certificates,omitempty"` // the certificates of --domain deploys uploaded
	Images       []string `json:"images,omitempty"`
	// Datastore is what became of the database (removed, or kept and why).
	Datastore *datastore.Destroyed `json:"datastore,omitempty"`
}

var digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// Destroy removes a deployment: its instances, then its service group,
// and with Image its image.
func Destroy(ctx context.Context, c *kraftcloud.Client, o DestroyOptions) (Destroyed, error) {
	out := Destroyed{Instances: []string{}}
	p := newProgress(o.Log, redact.New(c.Token().Secrets()...))
	g, insts, err := members(ctx, c, o.Name)
	if err != nil && !(errors.Is(err, kraftcloud.ErrNotFound) && (o.Image || o.DeleteDatabase || o.DeleteData)) {
		return out, err
	}
	var digests []string
	for _, inst := range insts {
		p.Printf("destroy: delete instance %s", inst.Name)
		if _, err := c.DeleteInstance(ctx, api.ByUUID(inst.UUID)); err != nil {
			return out, err
		}
		out.Instances = append(out.Instances, inst.Name)
		if d := digestRE.FindString(inst.Image); d != "" && !slices.Contains(digests, d) {
			digests = append(digests, d)
		}
	}
	if g.UUID != "" {
		p.Printf("destroy: delete service group %s", g.Name)
		if _, err := c.DeleteServiceGroup(ctx, api.ByUUID(g.UUID)); err != nil {
			return out, err
		}
		out.ServiceGroup = g.Name
	}
	if out.Certificates, err = deleteCertificates(ctx, c, o.Name, p); err != nil {
		return out, err
	}
	if out.Datastore, err = destroyDatastore(ctx, c, o, p); err != nil {
		return out, err
	}
	if o.Image {
		imgs, err := destroyImage(ctx, c, o, digests, p)
		out.Images = imgs
		return out, err
	}
	return out, nil
}

// destroyImage removes the tag and the digests, skipping any digest that
// another instance still runs.
func destroyImage(ctx context.Context, c *kraftcloud.Client, o DestroyOptions, digests []string, p *progress) ([]string, error) {
	var caPEM []byte
	if o.CAFile != "" {
		var err error
		if caPEM, err = os.ReadFile(o.CAFile); err != nil {
			return nil, err
		}
	}
	reg, acc := unikernel.AccessFor(cmp.Or(o.Registry, DefaultRegistry), c.Token(), caPEM)
	ref, err := unikernel.NewRef(reg, c.Token().Namespace(), o.Name, o.Tag)
	if err != nil {
		return nil, err
	}
	if h, err := unikernel.Resolve(ctx, ref.String(), acc); err == nil && !slices.Contains(digests, h.String()) {
		digests = append(digests, h.String())
	}
	all, err := c.ListInstances(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range digests {
		if slices.ContainsFunc(all, func(i api.Instance) bool { return digestRE.FindString(i.Image) == d }) {
			p.Printf("destroy: keep image %s@%s: another instance uses it", ref.Repository(), d)
			continue
		}
		p.Printf("destroy: delete image %s@%s", ref.Repository(), d)
		if err := unikernel.Delete(ctx, ref.Repository()+"@"+d, acc); err != nil && !errors.Is(err, unikernel.ErrNoManifest) {
			return removed, err
		}
		removed = append(removed, ref.Repository()+"@"+d)
	}
	// the tag: in registries that keep tags apart from manifests
	_ = unikernel.Delete(ctx, ref.String(), acc)
	return removed, nil
}

// destroyDatastore removes the deployment's database only as far as
// asked, and says what it keeps: the authorization data must not go with
// a `destroy` typed to redeploy. Nil when the deployment has none.
func destroyDatastore(ctx context.Context, c *kraftcloud.Client, o DestroyOptions, p *progress) (*datastore.Destroyed, error) {
	d, err := datastore.Destroy(ctx, c, datastore.DestroyOptions{Name: o.Name,
		DeleteDatabase: o.DeleteDatabase, DeleteVolume: o.DeleteData, Logf: p.Printf})
	if err != nil || (d.Database == "" && d.Volume == "" && len(d.Kept) == 0) {
		return nil, err
	}
	return &d, nil
}
