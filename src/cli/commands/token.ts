// `symbiont token create|list|revoke`: the API's bearer tokens. A new token is printed once, as
// the last line of stdout; only its SHA-256 is stored ($SYMBIONT_HOME/tokens.json, mode 0600).

import { Command } from 'commander';
import { issueToken, openTokenStore } from '../../app/tokens.js';
import { SymbiontError } from '../../core/errors.js';

export function tokenCommand(): Command {
  const command = new Command('token').description('manage the bearer tokens of the HTTP API');
  command
    .command('create')
    .description('create a token and print it once (last line of stdout); tasks it submits are owned by NAME')
    .requiredOption('--name <name>', 'unique name: 1-64 letters, digits, ".", "_" or "-"')
    .option('--admin', 'the token sees and cancels every task and reads the ledger')
    .action(async (flags: { name: string; admin?: boolean }) => {
      const { token, record } = await issueToken(openTokenStore(), {
        name: flags.name,
        admin: flags.admin === true,
      });
      process.stdout.write(
        `created ${record.admin ? 'admin ' : ''}token "${record.name}"; it is shown only this once, keep it secret:\n${token}\n`,
      );
    });
  command
    .command('list')
    .description('list tokens (names and roles; the tokens themselves are not stored)')
    .option('--json', 'print a JSON array')
    .action(async (flags: { json?: boolean }) => {
      const records = await openTokenStore().list();
      if (flags.json) {
        const shown = records.map(({ name, admin, created_at }) => ({ name, admin, created_at }));
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      if (records.length === 0) {
        process.stdout.write('no tokens: `symbiont serve` runs in local mode (127.0.0.1 only, no auth)\n');
      }
      for (const record of records) {
        process.stdout.write(
          `${record.name.padEnd(24)} ${record.admin ? 'admin' : 'user '}  ${record.created_at}\n`,
        );
      }
    });
  command
    .command('revoke')
    .description('delete a token; a running server stops accepting it within a second')
    .argument('<name>', 'the token name')
    .action(async (name: string) => {
      if (!(await openTokenStore().remove(name)))
        throw new SymbiontError('NOT_FOUND', `no token named "${name}"`);
      process.stdout.write(`revoked token "${name}"\n`);
    });
  return command;
}
