package engineproto

import (
	"context"
	"errors"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Every operation of repo.Engine, the app's side (a Client method) next to
// the helper's (its handler): adding an operation is a name, a method and
// a handler here, and the entry in handlers.

// handlers run one request on the helper's engine, by operation name.
var handlers = map[string]func(context.Context, repo.Engine, engineRequest) engineMessage{
	opCheck:              serveCheck,
	opInitialize:         serveInitialize,
	opConnect:            serveConnect,
	opFinish:             serveFinish,
	opClear:              serveClear,
	opReopen:             serveReopen,
	opApplyCorsoSettings: serveApplyCorsoSettings,
	opDisconnect:         serveDisconnect,
	opContents:           serveContents,
	opDetails:            serveDetails,
	opChangePassphrase:   serveChangePassphrase,
	opMaintain:           serveMaintain,
	opOldFormats:         serveOldFormats,
	opVerify:             serveVerify,
	opResolveCredentials: serveResolveCredentials,
	opStrength:           serveStrength,
}

// infoMessage is the result of an operation that returns Info (or nothing).
func infoMessage(info *repo.Info, err error) engineMessage {
	return engineMessage{Done: true, Info: info, Err: encodeError(err)}
}

// withSettings decodes the request's settings for run.
func withSettings(req engineRequest, run func(repo.Settings) engineMessage) engineMessage {
	s, err := req.Settings.decode()
	if err != nil {
		return infoMessage(nil, err)
	}

	return run(s)
}

// info runs an operation whose result is Info.
func (c *Client) info(ctx context.Context, req engineRequest) (*repo.Info, error) {
	m, err := c.call(ctx, req)
	if err != nil {
		return nil, err
	}

	return m.Info, m.Err.decode()
}

const opCheck = "check"

func (c *Client) Check(ctx context.Context, s repo.Settings, secrets repo.S3Secrets, mode repo.CheckMode) (*repo.Report, error) {
	m, err := c.call(ctx, engineRequest{Op: opCheck, Settings: encodeSettings(s), Secrets: repo.Secrets{S3: secrets}, Mode: mode})
	if err != nil {
		return nil, err
	}

	return m.Report.decode(), m.Err.decode()
}

func serveCheck(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return withSettings(req, func(s repo.Settings) engineMessage {
		rep, err := eng.Check(ctx, s, req.Secrets.S3, req.Mode)
		return engineMessage{Done: true, Report: encodeReport(rep), Err: encodeError(err)}
	})
}

const opInitialize = "initialize"

func (c *Client) Initialize(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	return c.info(ctx, engineRequest{Op: opInitialize, Settings: encodeSettings(s), Secrets: secrets, Local: local})
}

func serveInitialize(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return withSettings(req, func(s repo.Settings) engineMessage {
		return infoMessage(eng.Initialize(ctx, s, req.Secrets, req.Local))
	})
}

const opConnect = "connect"

func (c *Client) Connect(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	return c.info(ctx, engineRequest{Op: opConnect, Settings: encodeSettings(s), Secrets: secrets, Local: local})
}

func serveConnect(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return withSettings(req, func(s repo.Settings) engineMessage { return infoMessage(eng.Connect(ctx, s, req.Secrets, req.Local)) })
}

const opFinish = "finish"

func (c *Client) Finish(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	return c.info(ctx, engineRequest{Op: opFinish, Settings: encodeSettings(s), Secrets: secrets, Local: local})
}

func serveFinish(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return withSettings(req, func(s repo.Settings) engineMessage { return infoMessage(eng.Finish(ctx, s, req.Secrets, req.Local)) })
}

const opClear = "clear"

func (c *Client) Clear(ctx context.Context, s repo.Settings, secrets repo.S3Secrets) error {
	_, err := c.info(ctx, engineRequest{Op: opClear, Settings: encodeSettings(s), Secrets: repo.Secrets{S3: secrets}})
	return err
}

func serveClear(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return withSettings(req, func(s repo.Settings) engineMessage { return infoMessage(nil, eng.Clear(ctx, s, req.Secrets.S3)) })
}

const opReopen = "reopen"

func (c *Client) Reopen(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	return c.info(ctx, engineRequest{Op: opReopen, Secrets: secrets, Local: local})
}

func serveReopen(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return infoMessage(eng.Reopen(ctx, req.Local, req.Secrets))
}

const opApplyCorsoSettings = "applyCorsoSettings"

func (c *Client) ApplyCorsoSettings(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	return c.info(ctx, engineRequest{Op: opApplyCorsoSettings, Secrets: secrets, Local: local})
}

func serveApplyCorsoSettings(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return infoMessage(eng.ApplyCorsoSettings(ctx, req.Local, req.Secrets))
}

const opDisconnect = "disconnect"

func (c *Client) Disconnect(ctx context.Context, local repo.Local) error {
	_, err := c.info(ctx, engineRequest{Op: opDisconnect, Local: local})
	return err
}

func serveDisconnect(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	return infoMessage(nil, eng.Disconnect(ctx, req.Local))
}

const opChangePassphrase = "changePassphrase"

func (c *Client) ChangePassphrase(ctx context.Context, local repo.Local, secrets repo.Secrets, change repo.PassphraseChange) (*repo.Info, error) {
	return c.info(ctx, engineRequest{Op: opChangePassphrase, Secrets: secrets, Local: local, Change: &change})
}

func serveChangePassphrase(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	if req.Change == nil {
		return infoMessage(nil, errors.New("engineproto: changePassphrase without a change"))
	}

	return infoMessage(eng.ChangePassphrase(ctx, req.Local, req.Secrets, *req.Change))
}

const opMaintain = "maintain"

func (c *Client) Maintain(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.MaintenanceRequest) (*repo.MaintenanceResult, error) {
	m, err := c.call(ctx, engineRequest{Op: opMaintain, Secrets: secrets, Local: local, Maintenance: &req})
	if err != nil {
		return nil, err
	}

	return m.Maintained, m.Err.decode()
}

func serveMaintain(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	if req.Maintenance == nil {
		return infoMessage(nil, errors.New("engineproto: maintain without a request"))
	}

	res, err := eng.Maintain(ctx, req.Local, req.Secrets, *req.Maintenance)

	return engineMessage{Done: true, Maintained: res, Err: encodeError(err)}
}

const opContents = "contents"

func (c *Client) Contents(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Contents, error) {
	m, err := c.call(ctx, engineRequest{Op: opContents, Secrets: secrets, Local: local})
	if err != nil {
		return nil, err
	}

	return m.Contents, m.Err.decode()
}

func serveContents(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	c, err := eng.Contents(ctx, req.Local, req.Secrets)
	return engineMessage{Done: true, Contents: c, Err: encodeError(err)}
}

const opDetails = "details"

func (c *Client) Details(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.DetailsRequest) (*repo.BackupDetails, error) {
	m, err := c.call(ctx, engineRequest{Op: opDetails, Secrets: secrets, Local: local, Details: &req})
	if err != nil {
		return nil, err
	}

	return m.Details, m.Err.decode()
}

func serveDetails(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	if req.Details == nil {
		return engineMessage{Done: true, Err: encodeError(repo.InvalidField("backup", "Choose a backup to look inside."))}
	}

	d, err := eng.Details(ctx, req.Local, req.Secrets, *req.Details)

	return engineMessage{Done: true, Details: d, Err: encodeError(err)}
}

const opResolveCredentials = "resolveCredentials"

func (c *Client) ResolveCredentials(ctx context.Context, cr repo.Credentials, secrets repo.S3Secrets) (string, error) {
	m, err := c.call(ctx, engineRequest{Op: opResolveCredentials, Credentials: cr, Secrets: repo.Secrets{S3: secrets}})
	if err != nil {
		return "", err
	}

	return m.Text, m.Err.decode()
}

func serveResolveCredentials(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	from, err := eng.ResolveCredentials(ctx, req.Credentials, req.Secrets.S3)
	return engineMessage{Done: true, Text: from, Err: encodeError(err)}
}

const opStrength = "strength"

func (c *Client) PassphraseStrength(ctx context.Context, p string, known ...string) (repo.Strength, error) {
	if p == "" {
		return repo.EmptyStrength, nil
	}

	m, err := c.call(ctx, engineRequest{Op: opStrength, Secrets: repo.Secrets{Passphrase: p}, Known: known})
	if err != nil {
		return repo.Strength{}, err
	}

	if err := m.Err.decode(); err != nil {
		return repo.Strength{}, err
	}

	if m.Strength == nil {
		return repo.Strength{}, engineError(errors.New("no strength in the engine's answer"))
	}

	return *m.Strength, nil
}

func serveStrength(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	st, err := eng.PassphraseStrength(ctx, req.Secrets.Passphrase, req.Known...)
	return engineMessage{Done: true, Strength: &st, Err: encodeError(err)}
}

const opOldFormats = "oldFormats"

func (c *Client) OldFormats(ctx context.Context, local repo.Local, secrets repo.Secrets, remove bool) (*repo.OldFormats, error) {
	m, err := c.call(ctx, engineRequest{Op: opOldFormats, Local: local, Secrets: secrets, Remove: remove})
	if err != nil {
		return nil, err
	}

	return m.OldFormats, m.Err.decode()
}

func serveOldFormats(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	old, err := eng.OldFormats(ctx, req.Local, req.Secrets, req.Remove)
	return engineMessage{Done: true, OldFormats: old, Err: encodeError(err)}
}

const opVerify = "verify"

func (c *Client) Verify(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.VerifyRequest) (*repo.VerifyResult, error) {
	m, err := c.call(ctx, engineRequest{Op: opVerify, Local: local, Secrets: secrets, Verify: &req})
	if err != nil {
		return nil, err
	}

	return m.Verified, m.Err.decode()
}

func serveVerify(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	if req.Verify == nil {
		return infoMessage(nil, engineError(errors.New("a verification without its request")))
	}

	res, err := eng.Verify(ctx, req.Local, req.Secrets, *req.Verify)

	return engineMessage{Done: true, Verified: res, Err: encodeError(err)}
}
