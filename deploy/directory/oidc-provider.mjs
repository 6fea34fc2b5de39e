// A throwaway OpenID provider for the OpenID Connect sign-in tests and for trying it by
// hand: the certified `oidc-provider` package (`make oidc` installs it from
// package-lock.json), on 127.0.0.1:PORT only, with a login page of its own and the test
// accounts below. Runs in the foreground until killed.
//   PORT=9010 CLIENT_ID=planflow CLIENT_SECRET=... REDIRECT_URIS=http://127.0.0.1:8000/login/oidc/callback \
//     node deploy/directory/oidc-provider.mjs
// Passwords here are for tests only. A disabled account cannot sign in at the provider.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 9010);
const ISSUER = process.env.ISSUER || `http://127.0.0.1:${PORT}`;
const ACCOUNTS = {
  'linh.sso': { sub: 'sso-0001', password: 'linh-sso-pw', email: 'cchc.linh@sonoivu.example.vn', name: 'Đinh Thị Linh' },
  'truong.sso': { sub: 'sso-0002', password: 'truong-sso-pw', email: 'cchc.truong@sonoivu.example.vn', name: 'Trưởng phòng CCHC' },
  'khach.sso': { sub: 'sso-0003', password: 'khach-sso-pw', email: 'khach@sonoivu.example.vn', name: 'Người ngoài' },
  'khoa.sso': { sub: 'sso-0004', password: 'khoa-sso-pw', email: 'tcbc.khoa@sonoivu.example.vn', name: 'Nghỉ việc', disabled: true },
};
const BY_SUB = Object.fromEntries(Object.values(ACCOUNTS).map((a) => [a.sub, a]));

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'planflow',
    client_secret: process.env.CLIENT_SECRET || 'planflow-test-secret',
    redirect_uris: (process.env.REDIRECT_URIS || 'http://127.0.0.1:8000/login/oidc/callback').split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = BY_SUB[sub];
    if (!account || account.disabled) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: true, name: account.name };
      },
    };
  },
  // No consent screen: planflow is the agency's own application.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const page = (uid, error) => `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Đăng nhập một cửa</title></head>
<body><h1>Cổng đăng nhập một cửa (thử nghiệm)</h1>
${error ? `<p id="sso-error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Tài khoản <input name="login" id="sso-login" autocomplete="username"></label>
<label>Mật khẩu <input name="password" id="sso-password" type="password"></label>
<button id="sso-submit">Đăng nhập</button></form></body></html>`;

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

async function interaction(req, res) {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== match[1]) throw new Error('interaction mismatch');
  if (req.method === 'POST' && match[2]) {
    const form = await readForm(req);
    const account = ACCOUNTS[form.login];
    if (!account || account.password !== form.password) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid, 'Sai tài khoản hoặc mật khẩu.'));
    }
    if (account.disabled) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid, 'Tài khoản đã bị khóa.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  return res.end(page(details.uid));
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${err.message}`);
    });
    return;
  }
  callback(req, res);
}).listen(PORT, '127.0.0.1', () => console.log(`oidc-provider ${ISSUER}`));
