/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The costs and ledger panel: the ledger's hash-chain verdict and cost tables by model and by
// day (admin only; a plain token is told so instead of failing).

import { type ApiError, api, auth } from './api.js';
import { byId, fill, h } from './dom.js';
import { count, money } from './format.js';

interface CostRow {
  key: string;
  calls: number;
  failed_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

interface CostReport {
  rows: CostRow[];
  total: Omit<CostRow, 'key'>;
}

interface Verdict {
  ok: boolean;
  entries: number;
  reason?: string;
  warnings?: string[];
  /** Against the signed checkpoints; `verified` only when a ledger key is configured. */
  signed?: { status: string; detail?: string };
}

type Costs =
  | { model?: CostReport; day?: CostReport; verify?: Verdict; error?: undefined }
  | { error: ApiError; token: string | null };

function costTable(title: string, report: CostReport): Node[] {
  const numbers = (row: Omit<CostRow, 'key'>, cell: 'td' | 'th') => [
    h(cell, { class: 'num', text: count(row.calls) }),
    h(cell, { class: 'num', text: count(row.failed_calls) }),
    h(cell, { class: 'num', text: count(row.input_tokens) }),
    h(cell, { class: 'num', text: count(row.output_tokens) }),
    h(cell, { class: 'num', text: money(row.cost_usd) }),
  ];
  return [
    h('h3', { class: 'small', text: title }),
    report.rows.length === 0
      ? h('p', { class: 'empty', text: 'No model calls in the ledger yet.' })
      : h('table', { class: 'costs' }, [
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Key', 'Calls', 'Failed', 'Tokens in', 'Tokens out', 'Cost'].map((label, index) =>
                h('th', { class: index ? 'num' : null, text: label }),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            report.rows.map((row) =>
              h('tr', null, [h('td', { class: 'mono', text: row.key }), ...numbers(row, 'td')]),
            ),
          ),
          h('tfoot', null, h('tr', null, [h('th', { text: 'Total' }), ...numbers(report.total, 'th')])),
        ]),
  ];
}

export class CostsPanel {
  private costs: Costs = {};
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Costs follow a running task, at most every few seconds: the ledger check reads the whole file. */
  schedule(): void {
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.refresh();
      }, 4000);
    }
  }

  async refresh(): Promise<void> {
    // A token that is not an admin's gets 403 here; asking again changes nothing until it changes.
    if (this.costs.error && this.costs.error.status === 403 && this.costs.token === auth.token) return;
    try {
      const verify = await api<Verdict>('ledger/verify');
      const [model, day] = await Promise.all([
        api<CostReport>('costs?by=model'),
        api<CostReport>('costs?by=day'),
      ]);
      this.costs = { model: model.body, day: day.body, verify: verify.body };
    } catch (error) {
      this.costs = { error: error as ApiError, token: auth.token };
    }
    this.render();
    byId('costs-updated').textContent = this.costs.error ? '' : `checked ${new Date().toLocaleTimeString()}`;
  }

  private render(): void {
    const ledger = byId('ledger-status');
    const model = byId('costs-model');
    const day = byId('costs-day');
    const costs = this.costs;
    if (costs.error) {
      const forbidden = costs.error.status === 403;
      fill(
        ledger,
        h('div', {
          class: `box ${forbidden ? '' : 'error'}`,
          text: forbidden
            ? 'Costs and the ledger check need an admin token.'
            : `Costs unavailable: ${costs.error.message}`,
        }),
      );
      model.replaceChildren();
      day.replaceChildren();
      return;
    }
    const verdict = costs.verify;
    if (verdict) {
      const warnings = (verdict.warnings ?? []).map((warning) =>
        h('div', { class: 'small muted', text: `warning: ${warning}` }),
      );
      fill(
        ledger,
        verdict.ok
          ? h('div', { class: 'box ok', id: 'ledger-verdict' }, [
              h('b', { class: 'ok-text', text: 'Ledger chain sound' }),
              ` \u00b7 ${count(verdict.entries)} entries`,
              signedLine(verdict.signed),
              warnings,
            ])
          : h('div', { class: 'box error', id: 'ledger-verdict' }, [
              h('b', { text: 'Ledger chain BROKEN' }),
              ` at ${verdict.reason} (${count(verdict.entries)} sound entries before it)`,
              warnings,
            ]),
      );
    }
    if (costs.model) fill(model, costTable('By model', costs.model));
    if (costs.day) fill(day, costTable('By day (UTC)', costs.day));
  }
}

/** A sound chain proves nothing about a full rewrite: only signed checkpoints do (SPEC §6). */
function signedLine(signed: Verdict['signed']): HTMLElement | string {
  if (!signed) return '';
  if (signed.status === 'verified') return h('div', { class: 'small', text: 'signed checkpoints verified' });
  return h('div', {
    class: 'small warn-text',
    id: 'ledger-signed',
    text: `signed checkpoints: ${signed.status}${signed.detail ? ` (${signed.detail})` : ''}`,
  });
}
