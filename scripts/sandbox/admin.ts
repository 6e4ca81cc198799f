/**
 * The sandbox's own controls (not Binance's): set up accounts, act "behind keyturn's back"
 * the way an operator in the web UI would (turn on withdrawals, create a key by hand), inject
 * faults, move the exchange clock, and read state and per-key counts without secrets.
 */
import { publicView } from './routes.js';
import type { Fault, Sandbox } from './server.js';
import { randomToken, type SandboxKey } from './state.js';

type Json = Record<string, unknown>;

export async function adminRoute(sandbox: Sandbox, method: string, path: string, body: Json, query: URLSearchParams): Promise<unknown> {
  const { state } = sandbox;
  switch (`${method} ${path}`) {
    case 'POST /__sandbox/setup': {
      // a master account with one management key (unrestricted unless ipList is given) and its sub-accounts
      const master = String(body.master ?? 'master@sandbox.test');
      state.addAccount(master);
      for (const sub of (body.subAccounts as string[] | undefined) ?? []) state.addAccount(sub, master);
      let management = state.keysOf(master).find((k) => k.manageSubAccounts);
      // Binance's sub-account key endpoints are TRADE: the master's key needs Spot & Margin Trading (older state files lack it)
      if (management && !management.canTrade) management = state.update(management.apiKey, { canTrade: true });
      if (!management || body.newManagementKey === true) {
        const ips = (body.ipList as string[] | undefined) ?? [];
        management = state.addKey(
          {
            apiName: 'keyturn-management',
            account: master,
            status: ips.length ? 2 : 1,
            ipList: ips,
            secretKey: randomToken(64),
            canTrade: true,
            canMarginLoanRepay: false,
            canFuturesTrade: false,
            canUniversalTransfer: false,
            canVanillaOptions: false,
            enableWithdrawals: false,
            enableInternalTransfer: false,
            manageSubAccounts: true,
          },
          sandbox.now(),
        );
      }
      return { master, apiKey: management.apiKey, secretKey: management.secretKey, accounts: state.accounts() };
    }
    case 'POST /__sandbox/web-ui/edit': {
      // what an operator can do in the web UI and no API can: e.g. enableWithdrawals
      const patch = body.patch as Partial<SandboxKey>;
      const allowed = [
        'enableWithdrawals',
        'enableInternalTransfer',
        'canTrade',
        'canFuturesTrade',
        'canMarginLoanRepay',
        'canUniversalTransfer',
        'canVanillaOptions',
        'status',
        'ipList',
      ];
      for (const field of Object.keys(patch)) if (!allowed.includes(field)) throw new Error(`cannot edit ${field}`);
      const key = state.update(String(body.apiKey), patch);
      if (!key) throw new Error('no such key');
      return publicView(key);
    }
    case 'POST /__sandbox/faults':
      sandbox.faults.push(...((Array.isArray(body.faults) ? body.faults : [body]) as Fault[]));
      return { faults: sandbox.faults.length };
    case 'DELETE /__sandbox/faults':
      sandbox.faults = [];
      return {};
    case 'POST /__sandbox/clock':
      sandbox.clockOffsetMs = Number(body.offsetMs ?? 0);
      return { offsetMs: sandbox.clockOffsetMs };
    case 'POST /__sandbox/weights/reset':
      sandbox.resetWeights();
      return {};
    case 'GET /__sandbox/keys': {
      const account = query.get('account');
      return state
        .allKeys()
        .filter((k) => !account || k.account === account)
        .map((k) => ({ ...publicView(k), account: k.account, enableWithdrawals: k.enableWithdrawals }));
    }
    case 'GET /__sandbox/stats':
      return sandbox.stats;
    case 'POST /__sandbox/stats/reset':
      sandbox.stats = { requests: 0, byKey: {} };
      return {};
    default:
      throw new Error(`unknown admin route ${method} ${path}`);
  }
}
